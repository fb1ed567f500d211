"""Cleaning and segmentation: lines, list markers, headings, paragraphs and sentences.

Segmentation never rewrites the text: every unit is a (start, end) span of the NFC text, so
tasks can point back to their source for highlighting."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import key_view

_MARKER = re.compile(
    r"(?P<roman>[IVXL]{1,5})\s*[-.–)]\s+|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[.)]\s*(?=\D)"
    r"|(?P<letter>[a-zđ])\)\s+|(?P<dash>[-–—+•*·▪●○])\s*"
)
_BOILERPLATE = re.compile(
    r"^(?:(?:thu (?:hai|ba|tu|nam|sau|bay)|chu nhat)\s*[-,]\s*\d|\d{1,2}/\d{1,2}/\d{4}\s*[|,-]"
    r"|date \d{4}|tac gia\s*:|nguon(?: tin)?\s*:|theo (?:cong ttdt|cong thong tin|bao)\b"
    r"|ban da khong su dung|bam vao day|chia se|in bai|luot xem|t/m\b|kt\.|tm\.|noi nhan"
    r"|\(?anh\s*:|cms-view|tin lien quan|xem them)"
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”)]*\s+(?=[\"“(]?[A-ZÀ-Ỹ0-9Đ])")
_ABBREV = re.compile(r"(?:\b(?:TP|Tp|TS|ThS|PGS|GS|St|Th|v\.v)|\b[A-ZĐ])\.$")
_TERMINAL = '.;:!?…)"”'


@dataclass(frozen=True)
class Line:
    start: int  # first character of the content, after any list marker
    end: int  # end of content, trailing spaces excluded
    marker: str  # "", "roman", "num", "letter", "dash"
    level: int  # heading depth: roman 1, "2." 2, "2.1." 3, others 9
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def lines(text: str) -> list[Line]:
    """Non-empty, non-boilerplate lines with their list marker removed."""
    found: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        found.extend(_line(text, pos, raw))
        pos += len(raw)
    return found


def _line(text: str, pos: int, raw: str) -> list[Line]:
    body = raw.rstrip()
    lead = len(body) - len(body.lstrip())
    body = body.strip()
    if not body or _BOILERPLATE.match(key_view(body).lower()):
        return []
    m = _MARKER.match(body)
    kind, level = "", 9
    if m and m.end() < len(body):
        kind = next(k for k, v in m.groupdict().items() if v is not None)
        level = 1 if kind == "roman" else 2 + m.group("num").count(".") if kind == "num" else 9
        body_start = pos + lead + m.end()
    else:
        body_start = pos + lead
    content = text[body_start : pos + lead + len(body)]
    return [Line(body_start, body_start + len(content), kind, level, content)]


def is_all_caps(text: str) -> bool:
    if text[:12].upper() != text[:12]:
        return False  # quick rejection: most lines start in mixed case
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def sentences(line: Line) -> list[Sentence]:
    """Split a line into sentences at '. X' (capital after), not inside brackets or after
    abbreviations such as 'TP.'."""
    found: list[Sentence] = []
    start = 0
    text = line.text
    for m in _SENTENCE_END.finditer(text):
        piece = text[start : m.start()]
        if _ABBREV.search(piece) or piece.count("(") > piece.count(")"):
            continue
        found.append(_sentence(line, start, m.start()))
        start = m.end()
    found.append(_sentence(line, start, len(text)))
    return [s for s in found if s.text]


def _sentence(line: Line, lo: int, hi: int) -> Sentence:
    piece = line.text[lo:hi]
    stripped = piece.strip()
    offset = lo + (len(piece) - len(piece.lstrip()))
    return Sentence(line.start + offset, line.start + offset + len(stripped), stripped)


def is_heading(line: Line, parts: list[Sentence]) -> bool:
    """A line without closing punctuation and of a single sentence is a (sub)heading, a
    headline or a caption; so is an ALL-CAPS line."""
    if is_all_caps(line.text):
        return True
    if line.text.endswith(tuple(_TERMINAL)) or len(parts) > 1:
        return False
    if line.marker == "dash":
        return not (any(c.isdigit() for c in line.text) or len(line.text.split()) >= 10)
    return True
