"""How often a task recurs: 'hằng quý' -> quarterly, '02 kỳ/tháng' -> '2 per month'."""

from __future__ import annotations

import re

from .textutil import low_view

_PERIODS = {"tuần": "week", "tháng": "month", "quý": "quarter", "năm": "year", "ngày": "day"}
_NAMED = {
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "annual",
    "day": "daily",
}
_PER = re.compile(r"(\d+)\s*(?:lần|kỳ|số|đợt|buổi)\s*/\s*(tuần|tháng|quý|năm|ngày)\b")
_EVERY = re.compile(r"\b(?:hằng|hàng|mỗi)\s+(tuần|tháng|quý|ngày)\b")
_PERIODIC = re.compile(r"\bđịnh kỳ\b")
# "hàng năm" is the task's rhythm only after a reporting/issuing verb or as an adverbial;
# after a noun ("Kế hoạch … hàng năm") it only describes the noun.
_ANNUAL = re.compile(
    r"(?:^|[,;:]\s*)(?:hằng|hàng) năm\b|\b(?:định kỳ|báo cáo|tổng kết|sơ kết|đánh giá|"
    r"xây dựng kế hoạch(?: hành động)?|cập nhật|tổ chức)\s+(?:hằng|hàng) năm\b"
)


def recurrence(text: str) -> str | None:
    """The recurrence vocabulary of the labelling rules, or None."""
    low = low_view(text)
    per = _PER.search(low)
    if per:
        count, period = int(per.group(1)), _PERIODS[per.group(2)]
        return _NAMED[period] if count == 1 else f"{count} per {period}"
    every = _EVERY.search(low)
    if every:
        return _NAMED[_PERIODS[every.group(1)]]
    if _ANNUAL.search(low):
        return "annual"
    return "periodic" if _PERIODIC.search(low) else None
