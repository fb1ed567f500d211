"""The document walk: headings set the section, frames give leads, paragraphs give tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chiso.lib.text import fold

from .agencies import agency_span, starts_with_agency
from .dates import REFERENCE, VAGUE, explicit_deadline, find_dates
from .segment import Line, Sentence, is_heading, lines, sentences
from .tasks import (
    _DEADLINE_ONLY,
    NARRATIVE,
    NEGATIVE,
    NONE,
    PASSIVE,
    TASK,
    VIEWPOINT,
    Analysis,
    Draft,
    _assignment,
    _clean_lead,
    analyse,
    coordinating,
    split_points,
)
from .textutil import low_view

_SECTION_WORDS = [
    (re.compile(r"\b(nhiem vu|giai phap|to chuc thuc hien|trach nhiem|phan cong)\b"), "tasks"),
    (re.compile(r"\bmuc tieu\b|\bchi tieu\b"), "objective"),
    (re.compile(r"\bquan diem\b"), "viewpoint"),
    (
        re.compile(r"\b(danh gia|tinh hinh|thuc trang|ket qua dat duoc|can cu|su can thiet)\b"),
        "assessment",
    ),
]
_OBJECTIVE_SENTENCE = re.compile(r"\b(mục tiêu|chỉ tiêu|phấn đấu)\b")
SKIPPED_SECTIONS = {"objective", "viewpoint", "assessment"}


@dataclass
class Walk:
    text: str
    drafts: list[Draft] = field(default_factory=list)
    doc_targets: list[tuple[int, int, str | None]] = field(default_factory=list)
    section: str = "neutral"
    section_level: int = 99
    section_date: str | None = None
    date_level: int = 99
    frame: str | None = None
    prev_lead: str | None = None


def walk(text: str) -> Walk:
    state = Walk(text)
    for line in lines(text):
        parts = sentences(line)
        if not parts:
            continue
        if is_heading(line, parts):
            _heading(state, line)
        elif line.text.endswith(":") and len(parts) == 1:
            _lead_in(state, line)
        else:
            _paragraph(state, line, parts)
    return state


def _heading(state: Walk, line: Line) -> None:
    key = fold(line.text)
    level = line.level if line.marker in ("roman", "num") else (1 if line.text.isupper() else 9)
    kind = next((k for pattern, k in _SECTION_WORDS if pattern.search(key)), None)
    if kind:
        state.section, state.section_level = kind, level
    elif level <= state.section_level:
        state.section, state.section_level = "neutral", 99
    dates = [d for d in find_dates(line.text) if d.kind not in (REFERENCE, VAGUE) and d.value]
    if (dates and line.marker in ("roman", "num")) or (dates and kind == "objective"):
        state.section_date, state.date_level = dates[-1].value.isoformat(), level  # type: ignore[union-attr]
    elif level <= state.date_level:
        state.section_date, state.date_level = None, 99
    if level < 9 or line.text.isupper():
        state.frame = None
    state.prev_lead = None


def _lead_in(state: Walk, line: Line) -> None:
    """'Sở Tài chính:' or 'UBND tỉnh yêu cầu các đơn vị, địa phương:' opens a frame."""
    body = line.text[:-1].strip()
    low = low_view(body)
    if starts_with_agency(body, low) and not agency_span(body, low) and len(body.split()) <= 15:
        state.frame = _clean_lead(body)
        return
    if low.startswith("về "):
        return
    assigned = _assignment(body + ":", low + ":")
    state.frame = assigned[0] if assigned else None
    state.prev_lead = None


def _inline_agency(state: Walk, line: Line) -> tuple[str | None, int]:
    """'Sở Nội vụ: Tham mưu …' -> ('Sở Nội vụ', offset of 'Tham mưu')."""
    colon = line.text.find(":")
    if colon <= 0 or len(line.text[:colon].split()) > 15:
        return None, 0
    head = line.text[:colon]
    low = low_view(head)
    if starts_with_agency(head, low) and not agency_span(head, low):
        skip = colon + 1 + (len(line.text[colon + 1 :]) - len(line.text[colon + 1 :].lstrip()))
        return _clean_lead(head), skip
    if low.startswith(("giao ", "đề nghị ", "yêu cầu ")):
        assigned = _assignment(head + ":", low + ":")
        if assigned:
            return assigned[0], 0
    return None, 0


def _paragraph(state: Walk, line: Line, parts: list[Sentence]) -> None:
    line_lead, skip = _inline_agency(state, line)
    if line_lead:
        state.frame = None
        parts = _trim_first(line, parts, skip)
    mode: str | None = None
    for i, sent in enumerate(parts):
        info = analyse(sent.text)
        if state.section in SKIPPED_SECTIONS or _objective_sentence(state, sent, info):
            _doc_targets(state, sent, parts[:i])
            continue
        if mode is None:
            mode = _mode(info, line)
        if _merge(state, sent, i):
            continue
        if _is_task(mode, info, i, line):
            _add_task(state, sent, info, line_lead)
        elif info.lead and info.kind in (NEGATIVE, VIEWPOINT, TASK):
            state.prev_lead = info.lead
        elif mode == NARRATIVE and i == 0:
            state.prev_lead = None


def _trim_first(line: Line, parts: list[Sentence], skip: int) -> list[Sentence]:
    if not skip:
        return parts
    first = parts[0]
    cut = line.start + skip - first.start
    return [Sentence(first.start + cut, first.end, first.text[cut:]), *parts[1:]]


def _objective_sentence(state: Walk, sent: Sentence, info: Analysis) -> bool:
    """A non-task sentence that states objectives ('mục tiêu đến năm 2030 là …')."""
    return (
        info.kind in (NONE, NARRATIVE, PASSIVE)
        and bool(_OBJECTIVE_SENTENCE.search(low_view(sent.text)))
        and not re.search(r"\b(đã|đạt được|chưa)\b", low_view(sent.text))
    )


def _mode(info: Analysis, line: Line) -> str:
    if info.kind in (TASK,):
        return TASK
    if info.kind in (PASSIVE, NONE) and line.marker:
        return TASK
    if info.kind == VIEWPOINT:
        return VIEWPOINT
    if info.kind == NEGATIVE:
        return NEGATIVE
    return NARRATIVE


def _is_task(mode: str, info: Analysis, index: int, line: Line) -> bool:
    if mode in (NARRATIVE, VIEWPOINT):
        return False
    if info.kind == TASK:
        return True
    if mode == TASK and info.kind == PASSIVE:
        return True
    return index == 0 and bool(line.marker) and info.kind in (NONE, PASSIVE)


def _merge(state: Walk, sent: Sentence, index: int) -> bool:
    """Deadline-only sentences and list continuations belong to the task before them."""
    if not state.drafts or index == 0:
        return False
    prev = state.drafts[-1]
    low = low_view(sent.text)
    prev_text = state.text[prev.start : prev.end]
    deadline_only = (
        _DEADLINE_ONLY.match(low) and explicit_deadline(sent.text) and len(low.split()) <= 15
    )
    colon = prev_text.rfind(":")
    items = low_view(prev_text[colon + 1 :]).split()[:2] if colon >= 0 else []
    continuation = bool(items) and low.split()[:2] == items
    if deadline_only or continuation:
        prev.end = sent.end
        return True
    return False


def _add_task(state: Walk, sent: Sentence, info: Analysis, line_lead: str | None) -> None:
    lead = info.lead or line_lead or state.frame
    if lead is None and info.subjectless:
        lead = state.prev_lead
    start = sent.start
    for cut, next_lead in split_points(sent.text, lead, info.lead_end):
        piece = state.text[start : sent.start + cut]
        state.drafts.append(
            Draft(start, start + len(piece.rstrip(" ,;")), lead, coordinating(piece))
        )
        start = sent.start + cut
        start += len(state.text[start:]) - len(state.text[start:].lstrip(" ,;"))
        lead = next_lead
    state.drafts.append(Draft(start, sent.end, lead, coordinating(state.text[start : sent.end])))
    state.prev_lead = lead


def _doc_targets(state: Walk, sent: Sentence, earlier: list[Sentence]) -> None:
    by = state.section_date
    if by is None:
        for prev in reversed(earlier):
            dates = [d for d in find_dates(prev.text) if d.kind not in (REFERENCE, VAGUE)]
            if dates and dates[-1].value:
                by = dates[-1].value.isoformat()
                break
    state.doc_targets.append((sent.start, sent.end, by))
