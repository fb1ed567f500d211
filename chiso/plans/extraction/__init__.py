"""Rule-based extraction of tasks and targets from Vietnamese directives and plans.

Public API:

- `extract(text, doc_name=None) -> dict`: the schema object of
  shared/eval/extraction/README.md (doc, issuer, issued_date, tasks[], targets[]), nothing more.
- `extract_with_spans(text, doc_name=None) -> (dict, list[(start, end)])`: the same object
  and, for each task in order, the character span of its source text in `nfc(text)` (the
  extractor works on the NFC form; for NFC input the offsets are those of `text`).
- `extract_file(path) -> dict`: reads .txt/.docx/.pdf, then `extract`.
- `ExtractionError`: raised by `extract_file` for unreadable files; `extract` never raises
  on text input, however malformed.

Pure Python and deterministic: no Django, no model, no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .dates import _find_dates, explicit_deadline
from .document import issued_date, issuer
from .reader import ExtractionError, read_document
from .recurrence import recurrence
from .targets import Target, extract_targets
from .textutil import low_view, nfc, words
from .walk import walk

__all__ = ["ExtractionError", "clear_caches", "extract", "extract_file", "extract_with_spans"]


def clear_caches() -> None:
    """Forget memoised sentence views; the bench calls it so repeats are measured cold."""
    low_view.cache_clear()
    _find_dates.cache_clear()


def extract(text: str, doc_name: str | None = None) -> dict[str, Any]:
    return extract_with_spans(text, doc_name)[0]


def extract_file(path: str | Path) -> dict[str, Any]:
    return extract(read_document(path), Path(path).name)


def extract_with_spans(
    text: str, doc_name: str | None = None
) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    text = nfc(text.replace("\x00", " "))
    state = walk(text)
    tasks, spans, seen = [], [], []
    for draft in state.drafts:
        body = text[draft.start : draft.end]
        found = extract_targets(body)
        seen.extend(found)
        tasks.append(_task(draft.lead, draft.coordinating, body, found))
        spans.append((draft.start, draft.end))
    doc_targets: list[Target] = []
    for start, end, by in state.doc_targets:
        for target in extract_targets(text[start:end], by):
            if not any(_same(target, other) for other in seen + doc_targets):
                doc_targets.append(target)
    result = {
        "doc": doc_name,
        "issuer": issuer(text),
        "issued_date": issued_date(text),
        "tasks": tasks,
        "targets": [t.to_schema() for t in doc_targets],
    }
    return result, spans


def _task(
    lead: str | None, coordinating: list[str], body: str, found: list[Target]
) -> dict[str, Any]:
    deadline = explicit_deadline(body)
    target_dates = [t.by for t in found if t.by]
    if deadline is None and target_dates:
        deadline_iso: str | None = max(target_dates)
    else:
        deadline_iso = deadline.isoformat() if deadline else None
        if deadline_iso and target_dates:
            deadline_iso = max([deadline_iso, *target_dates])
    return {
        "lead": lead,
        "coordinating": coordinating,
        "text": body,
        "deadline": deadline_iso,
        "recurrence": recurrence(body),
        "targets": [t.to_schema() for t in found],
    }


def _same(a: Target, b: Target) -> bool:
    """The same target stated twice (headline, lead paragraph and body)."""
    if (a.value, a.unit, a.comparator, a.scope) != (b.value, b.unit, b.comparator, b.scope):
        return False
    wa, wb = set(words(a.metric.lower())), set(words(b.metric.lower()))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5
