"""Document fields: who issued the text and on which date, when the text itself says so."""

from __future__ import annotations

import re

from .dates import find_dates

_ACTOR = (
    r"(?P<actor>Chủ tịch (?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân) (?:tỉnh|thành phố)"
    r"|Trưởng [Bb]an [Cc]hỉ đạo[^,.;:]{0,60}?|(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân) "
    r"(?:tỉnh|thành phố)|Tỉnh [uủ]ỷ?y?|Thường trực Tỉnh ủy|Ban Thường vụ Tỉnh ủy)"
)
_NAME = r"(?P<place>(?: [A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,3})?"
_PATTERNS = [
    re.compile(
        rf"(?:Chỉ thị|Quyết định|Kế hoạch|Nghị quyết|Công văn|Thông báo) của {_ACTOR}"
        rf"{_NAME}"
    ),
    re.compile(rf"{_ACTOR}{_NAME}\s+(?:vừa |đã |cũng )?ban hành"),
    re.compile(rf"{_ACTOR}{_NAME}\s+(?:vừa |đã |cũng )?yêu cầu"),
    re.compile(rf"{_ACTOR}{_NAME}\s+chỉ đạo như sau"),
]
_PROVINCE = re.compile(r"\b(?:tỉnh|thành phố) ((?:[A-ZĐ][\wÀ-ỹ]*)(?: [A-ZĐ][\wÀ-ỹ]*){0,2})")
_OWN_DATE = [
    re.compile(
        r"ban hành (?:Kế hoạch|Quyết định|Chỉ thị|Nghị quyết|Công văn)[^.;]{0,40}?"
        r"ngày \d"
    ),
    re.compile(r"^ngày \d[^.;]{0,20}\s(?:\S+\s){0,4}(?:đã |vừa )?ban hành", re.M | re.I),
    re.compile(r"^[^\n,]{2,30}, ngày \d{1,2} tháng \d{1,2} năm \d{4}", re.M),
]


def issuer(text: str) -> str | None:
    """'UBND tỉnh Nghệ An': the issuing authority, with the province added from the text."""
    for pattern in _PATTERNS:
        m = pattern.search(text)
        if m:
            actor = re.sub(r"^(Uỷ|Ủy) ban nhân dân", "UBND", m.group("actor").strip())
            actor = actor.replace("Tỉnh uỷ", "Tỉnh ủy").replace("Tỉnh uy", "Tỉnh ủy")
            place = " ".join(_capitalised((m.group("place") or "").split()))
            if place:
                return f"{actor} {place}"
            return _with_province(actor, text)
    return None


def _capitalised(parts: list[str]) -> list[str]:
    taken: list[str] = []
    for part in parts:
        if not part[:1].isupper():
            break
        taken.append(part)
    return taken


def _with_province(actor: str, text: str) -> str:
    if re.search(r"(tỉnh|thành phố)\s+[A-ZĐ]", actor):
        return actor
    m = _PROVINCE.search(text)
    return f"{actor} {m.group(1)}" if m else actor


def issued_date(text: str) -> str | None:
    """The document's own date when stated; publication stamps are not used."""
    for pattern in _OWN_DATE:
        m = pattern.search(text)
        if m:
            window = text[m.start() : m.end() + 40]
            dates = [d for d in find_dates(window) if d.value]
            if dates:
                return dates[0].value.isoformat()  # type: ignore[union-attr]
    return None
