#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# is not possible here). Install it from Debian's packages when missing; fail loudly otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "Chromium is at /usr/bin/chromium"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "Chromium is not installed: installing it from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "ERROR: /usr/bin/chromium is missing and cannot be installed; browser tests cannot run" >&2
  exit 1
fi
echo "Chromium is at /usr/bin/chromium"
