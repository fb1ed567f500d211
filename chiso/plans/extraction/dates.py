"""Dates in directive text: deadlines, target dates, and the dates that are neither.

All functions take plain sentence text; matching runs on `low_view`, so offsets are the
sentence's own. A date that names a programme ("Chương trình … đến năm 2025") or a cited
document ("Quyết định số 1082/QĐ-UBND ngày 19/4/2023") is found but marked, never a deadline.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .textutil import low_view

DEADLINE = "deadline"  # explicit: "trước ngày …", "cuối năm …", "trong quý III/…"
BARE = "bare"  # "năm 2023" alone: a deadline only when it qualifies a target
VAGUE = "vague"  # "đầu năm 2024": timing too loose to be a deadline
REFERENCE = "reference"  # date of a cited document or a programme name

_DMY = r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*((?:19|20)\d\d)(?!\d)"
_DMY_WORDS = r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d\d)"
_FULL = re.compile(
    rf"(?:(?P<pre>hoàn thành trước|trước|đến hết|đến|chậm nhất(?: là| vào)?|từ|vào|trong|hạn)"
    rf"\s+)?(?:ngày\s+)?(?:{_DMY}|{_DMY_WORDS})"
    rf"(?:\s*(?:đến|-|–)\s*(?:hết\s+)?(?:ngày\s+)?{_DMY})?"
)
_MONTH = re.compile(
    r"(?:(?P<pre>đầu|giữa|cuối|trong|đến hết|hết|đến|trước|vào)\s+)?tháng\s+(\d{1,2})"
    r"\s*(?:năm\s+|[/.\-]\s*)((?:19|20)\d\d)(?!\d)"
)
_QUARTER = re.compile(
    r"(?:(?P<pre>đầu|giữa|cuối|trong|đến hết|hết|đến|trước|vào)\s+)?quý\s+(iv|iii|ii|i|[1-4])"
    r"\s*(?:năm\s+|[/.\-]\s*)((?:19|20)\d\d)(?!\d)"
)
_HALF = re.compile(r"(?:6|sáu) tháng (đầu|cuối) năm\s+((?:19|20)\d\d)(?!\d)")
_YEAR = re.compile(
    r"(?P<pre>đến hết năm|đến cuối năm|cuối năm|đến năm|trong năm|hết năm|vào năm|đầu năm|"
    r"giữa năm|từ năm|năm)\s+((?:19|20)\d\d)(?![\d/])"
)
_REF_BEFORE = re.compile(r"\d+\s*/\s*[^\s,;]*(?:\s+[^\s,;]+)?\s+(?:ngày\s*)?$")
_PROGRAMME = re.compile(
    r"\b(chương trình|chiến lược|đề án|nghị quyết|kế hoạch|quy hoạch|tầm nhìn|định hướng|"
    r"giai đoạn|quyết định|chỉ thị|được giao|đã giao)\b"
)
_BEFORE = {"trước", "hoàn thành trước", "chậm nhất", "chậm nhất là", "chậm nhất vào", "hạn"}
_DIGIT = re.compile(r"(?:19|20)\d\d")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    value: date | None
    kind: str


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full(m: re.Match[str]) -> date | None:
    g = m.groups()
    if g[7] is not None:  # range "từ … đến …": the end date counts
        return _safe_date(int(g[9]), int(g[8]), int(g[7]))
    if g[1] is not None:
        return _safe_date(int(g[3]), int(g[2]), int(g[1]))
    return _safe_date(int(g[6]), int(g[5]), int(g[4]))


def _is_reference(low: str, m: re.Match[str]) -> bool:
    """Cited documents ('số 797/BTTTT- THH ngày 06/3/2022') and programme names."""
    before = low[max(0, m.start() - 60) : m.start()]
    if _REF_BEFORE.search(before):
        return True
    # "Hoàn thành kế hoạch trước ngày 30/11/2024": a "before" date is a deadline even when the
    # clause names a plan; programme names are dated "đến năm …, định hướng …", not "trước".
    if m.groupdict().get("pre") in _BEFORE:
        return False
    clause = re.split(r"[,;:()]", low[max(0, m.start() - 120) : m.start()])[-1]
    if "mục tiêu" in clause:
        return False
    after = low[m.end() : m.end() + 20]
    return bool(_PROGRAMME.search(clause)) or after.lstrip(" ,").startswith(
        ("định hướng", "tầm nhìn")
    )


def _kind(
    pre: str | None, vague_words: tuple[str, ...] = ("đầu", "giữa", "đầu năm", "giữa năm")
) -> str:
    if pre in vague_words:
        return VAGUE
    return DEADLINE


def _scan(low: str) -> list[tuple[re.Match[str], date | None, str]]:
    found: list[tuple[re.Match[str], date | None, str]] = []
    for m in _FULL.finditer(low):
        found.append((m, _full(m), DEADLINE))
    for m in _MONTH.finditer(low):
        found.append((m, _month_end(int(m.group(3)), int(m.group(2))), _kind(m.group("pre"))))
    for m in _QUARTER.finditer(low):
        q = _QUARTERS[m.group(2)]
        found.append((m, _month_end(int(m.group(3)), q * 3), _kind(m.group("pre"))))
    for m in _HALF.finditer(low):
        month = 6 if m.group(1) == "đầu" else 12
        found.append((m, _month_end(int(m.group(2)), month), DEADLINE))
    for m in _YEAR.finditer(low):
        pre = m.group("pre")
        kind = BARE if pre in ("năm", "từ năm") else _kind(pre)
        found.append((m, date(int(m.group(2)), 12, 31), kind))
    return found


def find_dates(text: str) -> list[DateMention]:
    """Every date mention in `text`, without overlaps, in order of position."""
    return list(_find_dates(text))


@lru_cache(maxsize=4096)
def _find_dates(text: str) -> tuple[DateMention, ...]:
    if not _DIGIT.search(text):
        return ()
    low = low_view(text)
    taken: list[DateMention] = []
    for m, value, kind in sorted(_scan(low), key=lambda f: (f[0].start(), -f[0].end())):
        if any(m.start() < t.end and t.start < m.end() for t in taken):
            continue
        if _is_reference(low, m):
            kind = REFERENCE
        taken.append(DateMention(m.start(), m.end(), value, kind))
    return tuple(taken)


def explicit_deadline(text: str) -> date | None:
    """The latest explicit deadline in `text`; bare years and vague timing do not count."""
    dates = [d.value for d in find_dates(text) if d.kind == DEADLINE and d.value]
    return max(dates) if dates else None


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
