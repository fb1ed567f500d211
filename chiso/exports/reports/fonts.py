"""The report font: Liberation Serif (Times New Roman metrics, the administrative style of
Nghị định 30/2020/NĐ-CP), with full Vietnamese coverage in version 2 (Debian
fonts-liberation2, installed by scripts/ensure-report-tools.sh). DejaVu Serif is the fallback."""

from __future__ import annotations

from pathlib import Path

FAMILY = "Liberation Serif"
CANDIDATES = [
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
STYLES = {
    "regular": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "italic": ("LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
    "bolditalic": ("LiberationSerif-BoldItalic.ttf", "DejaVuSerif-BoldItalic.ttf"),
}


class FontMissing(RuntimeError):
    """No serif font with Vietnamese coverage: run scripts/ensure-report-tools.sh."""


def font_file(style: str) -> Path:
    liberation, dejavu = STYLES[style]
    for folder in CANDIDATES:
        if (folder / liberation).exists():
            return folder / liberation
    if (DEJAVU / dejavu).exists():
        return DEJAVU / dejavu
    raise FontMissing(f"{liberation}: chạy scripts/ensure-report-tools.sh để cài phông chữ")
