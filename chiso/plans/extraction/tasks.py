"""What counts as a task, who leads it, and how a document's lines become task drafts.

The walk keeps three kinds of lead context, in the order the labelling rules consult them:
the sentence's own actor, an enclosing agency heading or lead-in ("frame"), and for a
subjectless continuation the previous task's lead."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chiso.lib.text import fold

from .agencies import _PRED, agency_span, split_agencies, starts_with_agency
from .dates import find_dates
from .lexicon import CONNECTORS, NARRATIVE_PREDICATES, OPENER_VERBS, alternation
from .textutil import low_view

TASK, PASSIVE, NARRATIVE, NEGATIVE, VIEWPOINT, NONE = (
    "task",
    "passive",
    "narrative",
    "negative",
    "viewpoint",
    "none",
)

_OPENER = re.compile(rf"(?:{alternation(OPENER_VERBS)})\b")
_NARRATIVE_PRED = re.compile(rf"(?:{alternation(NARRATIVE_PREDICATES)})\b")
_ASSIGN = re.compile(r"\b(?:yêu cầu|giao|đề nghị|giao cho)\s+")
_VIEWPOINT = re.compile(
    r"\b(?:cần|phải) xác định rõ\b|\bxác định (?:rõ )?(?:quan điểm|:)"
    r"|\blà nhiệm vụ trọng tâm\b|\bquán triệt quan điểm\b"
)
_CLOSING = re.compile(
    r"\bcác nội dung (?:trên|nêu trên)\b|^(?:chỉ thị|kế hoạch|nghị quyết|quyết định|thông báo"
    r"|công văn) này\b|\bnêu cao trách nhiệm\b|\bbiết,? (?:và )?thực hiện\b|\bthông báo để\b"
    r"|\bbám sát các mục tiêu"
)
_PURPOSE = re.compile(r"^(?:mục đích|yêu cầu:|kế hoạch (?:này )?(?:được ban hành )?nhằm|nhằm\b)")
_NARRATIVE_START = re.compile(
    r"^(?:theo số liệu|kết quả|tuy nhiên|những năm qua|trong những năm qua|thời gian qua|"
    r"đến nay|được biết|hiện nay|nhìn chung|như vậy|năm \d{4},? (?:tỉnh|toàn tỉnh)|ngày \d)"
)
_ROLE = re.compile(r"\blà (?:cầu nối|lực lượng|đơn vị|cơ quan|nơi)\b")
_HOWTO = re.compile(r"^(?:người dân|bạn|quý vị|người dùng|công dân)\b")
_PASSIVE = re.compile(r"\b(?:sẽ|cần|phải)?\s*được\s+(?:[^\s,.;]+\s+){0,1}")
_ISSUER = re.compile(
    r"^(?:ubnd|uy ban nhan dan|chu tich (?:ubnd|uy ban nhan dan)|tinh uy|thuong truc tinh uy"
    r"|ban thuong vu tinh uy)(?: (?:tinh|thanh pho))?(?: [a-z]+){0,3}$|^(?:tinh|toan tinh)\b"
)
_DEADLINE_ONLY = re.compile(r"^(?:hoàn thành|thời gian hoàn thành|thời hạn(?: hoàn thành)?)\b")
_LEAD_TRIM = re.compile(r",?\s*gồm\s*:.*$|^\s*\d+[.)]\s*")


@dataclass
class Analysis:
    kind: str
    lead: str | None = None  # the sentence's own actor
    lead_end: int = 0  # where the actor phrase ends in the sentence
    subjectless: bool = False


@dataclass
class Draft:
    start: int
    end: int
    lead: str | None
    coordinating: list[str] = field(default_factory=list)


def _strip_openers(text: str, low: str) -> int:
    """Offset after connectors such as 'Đồng thời,', 'Bên cạnh đó,', 'Về chính quyền số:'."""
    pos = 0
    for _ in range(3):
        m = CONNECTORS.match(low, pos)
        if not m:
            break
        pos = m.end()
    return pos


def _clean_lead(name: str) -> str:
    return _LEAD_TRIM.sub("", name).strip(" ,;:")


def is_issuer(name: str) -> bool:
    return bool(_ISSUER.match(fold(name)))


def _subject(text: str, low: str, pos: int) -> tuple[str, int, bool] | None:
    """(actor, end offset, narrative predicate?) for an actor opening text[pos:]."""
    for _ in range(3):
        span = agency_span(text[pos:], low[pos:])
        if span:
            rest = low[pos + span :].lstrip(" ,")
            narrative = bool(_NARRATIVE_PRED.match(rest)) and not rest.startswith("đạt ")
            return _clean_lead(text[pos : pos + span]), pos + span, narrative
        comma = low.find(", ", pos)
        if comma < 0 or len(low[pos:comma].split()) > 8:
            return None
        pos = comma + 2
    return None


def _assignment(text: str, low: str) -> tuple[str, int] | None:
    for m in _ASSIGN.finditer(low):
        span = agency_span(text[m.end() :], low[m.end() :])
        if span:
            return _clean_lead(text[m.end() : m.end() + span]), m.end() + span
        rest = text[m.end() :]
        if starts_with_agency(rest, low[m.end() :]) and ":" in rest:
            return _clean_lead(rest[: rest.index(":")]), m.end() + rest.index(":")
    return None


def _doi_voi(text: str, low: str, pos: int) -> tuple[str, int] | None:
    if not low.startswith("đối với ", pos):
        return None
    for m in re.finditer(r",\s+", low[pos:]):
        if _PRED.match(low, pos + m.end()):
            return _clean_lead(text[pos + 8 : pos + m.start()]), pos + m.start()
    return None


def analyse(text: str) -> Analysis:
    """Classify one sentence and find its own actor."""
    low = low_view(text)
    pos = _strip_openers(text, low)
    assigned = _assignment(text, low)
    if _VIEWPOINT.search(low):
        return Analysis(VIEWPOINT, *(assigned or (None, 0)))
    if _CLOSING.search(low) or _PURPOSE.match(low[pos:]) or _ROLE.search(low):
        return Analysis(NEGATIVE, *(assigned or (None, 0)))
    if _NARRATIVE_START.match(low[pos:]) or _HOWTO.match(low[pos:]):
        return Analysis(NARRATIVE)
    return _positive(text, low, pos, assigned)


def _positive(text: str, low: str, pos: int, assigned: tuple[str, int] | None) -> Analysis:
    doi_voi = _doi_voi(text, low, pos)
    if doi_voi:
        return Analysis(TASK, *doi_voi)
    if low.startswith(("yêu cầu", "giao", "đề nghị"), pos) and assigned:
        return Analysis(TASK, *assigned)
    if _OPENER.match(low, pos):
        return Analysis(TASK, subjectless=True)
    subject = _subject(text, low, pos)
    if subject:
        name, end, narrative = subject
        if is_issuer(name) or narrative:
            return Analysis(TASK, *assigned) if assigned and not narrative else Analysis(NARRATIVE)
        return Analysis(TASK, name, end)
    if assigned:
        return Analysis(TASK, *assigned)
    return Analysis(PASSIVE if _PASSIVE.search(low) else NONE)


def coordinating(text: str) -> list[str]:
    """Agencies after 'phối hợp (với)', the actor's partners; objects of the action are not."""
    low = low_view(text)
    found: list[str] = []
    for m in re.finditer(r"\bphối hợp(?: với)?\s+", low):
        span = agency_span(text[m.end() :], low[m.end() :])
        if span:
            found.extend(
                n for n in split_agencies(text[m.end() : m.end() + span]) if n not in found
            )
    return found


def split_points(text: str, lead: str | None, after: int) -> list[tuple[int, str]]:
    """Clause starts where a second, different actor takes over ('…, Sở X tổng hợp …')."""
    low = low_view(text)
    points: list[tuple[int, str]] = []
    current = lead
    for m in re.finditer(r"[,;]\s+", text):
        if m.start() < after or not text[m.end() : m.end() + 1].isupper():
            continue
        subject = _subject(text, low, m.end())
        if not subject or subject[2] or subject[0] == current or is_issuer(subject[0]):
            continue
        seg_start = max(text.rfind(",", 0, m.start()), text.rfind(";", 0, m.start())) + 1
        segment = text[seg_start : m.start()].strip()
        if starts_with_agency(segment) and not agency_span(segment):
            continue  # an enumeration of agencies, not a finished clause
        if m.group(0).startswith(",") and not _comma_clause(text, low, seg_start, m, subject):
            continue
        points.append((m.start(), subject[0]))
        current = subject[0]
    return points


def _comma_clause(
    text: str, low: str, seg_start: int, m: re.Match[str], subject: tuple[str, int, bool]
) -> bool:
    """A ',' starts a new actor's clause only after a finished clause (often one ending in
    its own deadline) and when the new actor is a short name, not an object enumeration."""
    name = subject[0]
    if len(name.split()) > 8 or re.search(r"\b(về|của|trong|với)\b", low_view(name)):
        return False
    segment = text[seg_start : m.start()].strip()
    seg_low = low[seg_start : m.start()].strip()
    if find_dates(segment) and re.search(r"\d{4}\)?$", seg_low):
        return True
    return (
        len(segment.split()) >= 4
        and not starts_with_agency(segment)
        and not re.search(
            r"\b(đôn đốc|kiểm tra|chỉ đạo|hướng dẫn|phối hợp(?: với)?|yêu cầu|giao)\s+\S+", seg_low
        )
    )
