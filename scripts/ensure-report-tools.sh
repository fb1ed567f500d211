#!/usr/bin/env bash
# Reports and the web benchmark need a few Debian packages:
#   poppler-utils     pdftotext / pdftoppm: the report tests read the PDF back and render it
#   fonts-liberation2 Liberation Serif 2.x (Times New Roman metrics, full Vietnamese coverage):
#                     the font of the DOCX/PDF reports and of their charts
#   fonts-dejavu-core fallback with Vietnamese coverage for chart labels
#   wrk               the HTTP load generator of bench/web_load
# Install them from Debian's packages when missing; fail loudly otherwise.
set -euo pipefail
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v wrk >/dev/null || need+=(wrk)
[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  echo "Report tools are installed (pdftotext, pdftoppm, wrk, Liberation Serif 2, DejaVu)"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "Installing from Debian's packages: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "ERROR: missing ${need[*]} and not root; install them with apt-get" >&2
  exit 1
fi
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null && command -v wrk >/dev/null
[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ]
echo "Report tools are installed (pdftotext, pdftoppm, wrk, Liberation Serif 2, DejaVu)"
