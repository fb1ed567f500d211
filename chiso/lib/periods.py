"""Reporting period codes: `2023` (year), `2024-Q1` (quarter), `2024-03` (month)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodCodeError(ValueError):
    pass


@dataclass(frozen=True)
class PeriodSpan:
    code: str
    kind: str  # "year" | "quarter" | "month"
    start: dt.date
    end: dt.date


def parse_period(code: str) -> PeriodSpan:
    """`2024-Q1` → quarter 1/1/2024–31/3/2024. Raises PeriodCodeError on anything else."""
    text = code.strip()
    if m := _YEAR.match(text):
        year = int(m[1])
        return PeriodSpan(text, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        return PeriodSpan(
            f"{year}-Q{q}", "quarter", dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
        )
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return PeriodSpan(text, "month", dt.date(year, month, 1), _month_end(year, month))
    raise PeriodCodeError(
        f"Mã kỳ '{code}' không hợp lệ: dùng năm (2024), quý (2024-Q1) hoặc tháng (2024-03)"
    )


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])
