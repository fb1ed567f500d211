"""Vietnamese display formats: dd/mm/yyyy dates and decimal commas (1.234,56)."""

from __future__ import annotations

import datetime as dt
import math
import re

_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$")


def vn_number(value: float | int | None, decimals: int = 2) -> str:
    """12345.678 → '12.345,68'; None/NaN → '–'. Trailing zeros are kept for aligned columns."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def parse_vn_number(text: str) -> float:
    """'7,04' → 7.04; '3.000' → 3000; '1.234,5' → 1234.5; '12.5' → 12.5. Raises ValueError,
    also for what Python's float() reads but no one types as a figure: 'nan', 'inf', '1e999'."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise ValueError("empty")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(raw):
        # Vietnamese thousands separators: "3.000" is three thousand, not three.
        raw = raw.replace(".", "")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_vn_date(text: str) -> dt.date:
    """'30/9/2023' or '2023-09-30' → date. Raises ValueError."""
    raw = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)
