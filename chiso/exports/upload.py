"""Read a filled-in template back: a dry-run preview first, then an all-or-nothing commit.

The preview names every change (code, input, old → new) and every row that fails (row, column,
message). Nothing is written until `commit`, which goes through the workflow's
`save_self_inputs` (role, state, audit) against the revision that was previewed.

Blank cells: an emptied "Giá trị" clears that input (the template is a full copy of the
inputs), while an emptied "Phụ trách", "Hạn xử lý" or "Minh chứng/Ghi chú" keeps what is
stored, as the tracking-sheet import does (an `EntryChange` field left None is left as it
is). A dash ("-") in one of those three clears it (sheets.CLEAR_MARKS). A template made
before these three columns existed is read without them and leaves them as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chiso.accounts.services import Actor
from chiso.collection.models import Assessment
from chiso.collection.services import CollectionError, EntryChange, validate_inputs
from chiso.collection.sheets import RowReader, is_clear_mark
from chiso.collection.workflow import save_self_inputs
from chiso.exports.template import (
    CODE,
    DATA_SHEET,
    DUE,
    HEADER_ROW,
    HEADERS,
    INPUT,
    META_SHEET,
    NO,
    NOTE,
    OWNER,
    OWNER_MAX,
    VALUE,
    YES,
    TemplateRow,
    choice_labels,
    metadata_of,
    template_rows,
)
from chiso.lib import safe_files
from chiso.lib.formats import vn_date
from chiso.lib.text import fold
from chiso.lib.unicode_safety import clean, clean_line
from chiso.lib.xlsx_values import XlsxBook, XlsxReadError

VALUE_LABEL = HEADERS[VALUE - 1]
BASE_HEADERS = HEADERS[:VALUE]  # the columns of a template made before the planning ones
# entry field → its column in the template
PLAN_COLUMNS = {"owner": OWNER, "due": DUE, "note": NOTE}


class UploadError(CollectionError):
    """The file as a whole cannot be used (not xlsx, not our template, another unit's, stale)."""


@dataclass(frozen=True)
class Change:
    code: str
    input: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _('Dòng %(n)s, cột "%(c)s": %(m)s') % {
            "n": self.row,
            "c": self.column,
            "m": self.message,
        }


@dataclass(frozen=True)
class Plan:
    """A leaf's owner, due date and note as read from its first row; None where blank (kept),
    "" where a dash clears it."""

    owner: str | None
    due: dt.date | str | None
    note: str | None


@dataclass
class Preview:
    """What an upload would change, for the commit: `inputs` is {code: full new inputs},
    `plans` {code: {"owner" | "due" | "note": new value}} with only the changed fields (due
    dates as ISO text, so that the session can hold them)."""

    revision: int
    checksum: str
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_session(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "checksum": self.checksum,
            "inputs": self.inputs,
            "plans": self.plans,
        }


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def preview(assessment: Assessment, data: bytes) -> Preview:
    """Parse `data` against the assessment. Raises UploadError for a file that is not this
    assessment's current template; row problems are collected in `Preview.errors`."""
    _check_safe(data)
    book = _open(data)
    try:  # the book reads a sheet when asked: a damaged one fails here, not in `_open`
        _check_metadata(assessment, _metadata(book))
        with_plans, table = _data_rows(book)
    except XlsxReadError as exc:
        raise UploadError([_unreadable()]) from exc
    result = Preview(assessment.revision, checksum(data))
    expected = {(r.indicator.code, r.spec.name): r for r in template_rows(assessment)}
    parsed = _parse_rows(table, expected, result)
    plans = _parse_plans(table, expected, result) if with_plans else {}
    _collect_changes(expected, parsed, result)
    _collect_plans(expected, plans, result)
    return result


def _check_safe(data: bytes) -> None:
    """Zip bomb, macros, external links: refused before any parser opens the file."""
    if not data.startswith(b"PK\x03\x04"):
        return  # not a zip: `_open` says it is not an Excel file
    try:
        safe_files.check_workbook_bytes(data, _("tệp tải lên"))
    except safe_files.UnsafeFile as exc:
        raise UploadError([str(exc)]) from exc


def _open(data: bytes) -> XlsxBook:
    import io

    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadError([_("Tệp tải lên không phải tệp Excel (.xlsx).")])
    try:
        # Values through python-calamine; a formula still comes back as its text ("=A1*2")
        # and is refused (chiso.lib.xlsx_values).
        return XlsxBook(data)
    except XlsxReadError as exc:
        raise UploadError([_unreadable()]) from exc


def _unreadable() -> str:
    return _("Không đọc được tệp Excel; tệp có thể bị hỏng.")


def _metadata(book: XlsxBook) -> dict[str, Any]:
    if META_SHEET not in book.sheet_names or DATA_SHEET not in book.sheet_names:
        raise UploadError(
            [_("Tệp không phải mẫu do chiso tạo ra; hãy tải mẫu của bản đánh giá này.")]
        )
    rows = [[*r, None, None][:2] for r in book.rows(META_SHEET)]
    return {str(k): v for k, v in rows if k}


def _check_metadata(assessment: Assessment, meta: dict[str, Any]) -> None:
    mine = metadata_of(assessment)
    if meta.get("unit") != mine["unit"]:
        raise UploadError(
            [
                _("Đây là mẫu của đơn vị “%(o)s”, không phải của %(u)s.")
                % {"o": meta.get("unit"), "u": assessment.unit.name}
            ]
        )
    if any(meta.get(k) != mine[k] for k in ("assessment", "framework", "version", "period")):
        raise UploadError(
            [
                _("Đây là mẫu của bản đánh giá khác (kỳ %(p)s, bộ chỉ số %(f)s).")
                % {"p": meta.get("period"), "f": meta.get("framework")}
            ]
        )
    if meta.get("revision") != mine["revision"]:
        raise UploadError(
            [
                _(
                    "Bản đánh giá đã được cập nhật sau khi bạn tải mẫu (phiên bản %(o)s, nay là "
                    "%(n)s). Hãy tải mẫu mới để không ghi đè số liệu của người khác."
                )
                % {"o": meta.get("revision"), "n": mine["revision"]}
            ]
        )


def _data_rows(book: XlsxBook) -> tuple[bool, list[tuple[int, list[Any]]]]:
    """(whether the file has the planning columns, its non-blank rows padded to HEADERS)."""
    table = book.rows(DATA_SHEET)
    header = table[HEADER_ROW - 1] if len(table) >= HEADER_ROW else []
    columns = _check_header(header)
    width = len(HEADERS)
    # An older template's cells right of its last column are not read, as before.
    rows = [([*r[:columns], *[None] * width][:width]) for r in table[HEADER_ROW:]]
    numbered = [
        (HEADER_ROW + 1 + i, r) for i, r in enumerate(rows) if any(c not in (None, "") for c in r)
    ]
    return columns == len(HEADERS), numbered


def _check_header(header: list[Any]) -> int:
    """The number of columns of the file: all of HEADERS, or BASE_HEADERS for a template made
    before the planning columns. Raises UploadError when the header is neither."""
    found = [str(c or "").strip() for c in header]
    wanted = HEADERS if any(found[len(BASE_HEADERS) :]) else BASE_HEADERS
    problems = [
        _("Cột %(n)s phải là “%(e)s”, tệp có “%(f)s”.")
        % {"n": i + 1, "e": want, "f": found[i] if i < len(found) else ""}
        for i, want in enumerate(wanted)
        if i >= len(found) or fold(found[i]) != fold(want)
    ]
    extra = [c for c in found[len(wanted) :] if c]
    if extra:
        problems.append(_("Có cột thừa: %(c)s.") % {"c": ", ".join(extra)})
    if problems:
        hint = _(
            "Các cột đã bị di chuyển hoặc đổi tên; hãy tải mẫu mới và chỉ nhập vào các ô nền vàng."
        )
        raise UploadError([hint, *problems])
    return len(wanted)


def _key(cells: list[Any]) -> tuple[str, str]:
    return clean_line(str(cells[CODE - 1] or "")), clean_line(str(cells[INPUT - 1] or ""))


def _parse_rows(
    table: list[tuple[int, list[Any]]],
    expected: dict[tuple[str, str], TemplateRow],
    result: Preview,
) -> dict[tuple[str, str], tuple[int, Any]]:
    """{(code, input): (row number, parsed value)}; problems go to `result.errors`."""
    out: dict[tuple[str, str], tuple[int, Any]] = {}
    for number, cells in table:
        key = _key(cells)
        row = expected.get(key)
        if row is None:
            result.errors.append(
                RowError(
                    number,
                    HEADERS[0],
                    _("“%(c)s / %(i)s” không có trong bản đánh giá") % {"c": key[0], "i": key[1]},
                )
            )
            continue
        if key in out:
            result.errors.append(
                RowError(number, HEADERS[0], _("trùng với dòng %(n)s") % {"n": out[key][0]})
            )
            continue
        value, message = _value(row, cells[VALUE - 1], number)
        if message:
            result.errors.append(RowError(number, VALUE_LABEL, message))
            continue
        out[key] = (number, value)
    return out


def _value(row: TemplateRow, raw: Any, number: int) -> tuple[Any, str | None]:
    """(parsed value, None) or (None, message). Yes/no and choices are read by label or key."""
    if isinstance(raw, str):
        raw = clean_line(raw)
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, str) and raw.startswith("="):
        # Every input of the template is a number, yes/no or a choice: a formula is none of
        # them, and its cached result is whatever the last program wrote. Never evaluated.
        return None, _("ô chứa công thức, hãy nhập giá trị")
    if row.spec.type == "bool" and isinstance(raw, str):
        known = {fold(YES): 1, fold(NO): 0}
        value = known.get(fold(raw))
        return (value, None) if value is not None else (None, _("chọn “Có” hoặc “Không”"))
    if row.spec.type == "choice":
        return _choice(row, raw)
    errors: list[str] = []
    parsed = RowReader(number, {"v": raw}, errors).number_or_none("v")
    if errors:
        return None, errors[0].split(": ", 1)[-1]
    if parsed is not None and row.spec.type == "count" and parsed == int(parsed):
        return int(parsed), None
    return parsed, None


def _choice(row: TemplateRow, raw: Any) -> tuple[Any, str | None]:
    labels = choice_labels(row.indicator)
    by_label = {fold(label): key for key, label in labels.items()}
    text = str(raw)
    key = text if text in labels else by_label.get(fold(text))
    if key is None:
        return None, _("“%(v)s” không phải một lựa chọn (chọn: %(c)s)") % {
            "v": text,
            "c": "; ".join(labels.values()),
        }
    return key, None


def _collect_changes(
    expected: dict[tuple[str, str], TemplateRow],
    parsed: dict[tuple[str, str], tuple[int, Any]],
    result: Preview,
) -> None:
    by_code: dict[str, list[TemplateRow]] = {}
    for row in expected.values():
        by_code.setdefault(row.indicator.code, []).append(row)
    for code, rows in by_code.items():
        seen = [r for r in rows if (code, r.spec.name) in parsed]
        changed = [r for r in seen if parsed[(code, r.spec.name)][1] != r.current]
        if not changed:
            continue
        new = {r.spec.name: r.current for r in rows if r.current is not None}
        new.update({r.spec.name: parsed[(code, r.spec.name)][1] for r in seen})
        new = {k: v for k, v in new.items() if v is not None}
        first_row = parsed[(code, seen[0].spec.name)][0]
        problems = validate_inputs(rows[0].indicator, new)
        if problems:
            result.errors += [RowError(first_row, VALUE_LABEL, p) for p in problems]
            continue
        result.inputs[code] = new
        result.changes += [
            Change(code, r.spec.name, r.spec.label_vi, r.current, parsed[(code, r.spec.name)][1])
            for r in changed
        ]


def _parse_plans(
    table: list[tuple[int, list[Any]]],
    expected: dict[tuple[str, str], TemplateRow],
    result: Preview,
) -> dict[str, Plan]:
    """{code: its owner, due date and note}, read from each leaf's first row; problems go to
    `result.errors`. Rows that match no input were reported by `_parse_rows`."""
    out: dict[str, Plan] = {}
    for number, cells in table:
        row = expected.get(_key(cells))
        if row is None or (row.first and row.indicator.code in out):
            continue
        if not row.first:
            _check_plan_blank(number, cells, row, result)
            continue
        plan = _plan(number, cells, result)
        if plan is not None:
            out[row.indicator.code] = plan
    return out


def _check_plan_blank(number: int, cells: list[Any], row: TemplateRow, result: Preview) -> None:
    """The planning cells of a leaf's other rows are locked; a tampered file is told so."""
    filled = [HEADERS[c - 1] for c in PLAN_COLUMNS.values() if not _blank(cells[c - 1])]
    if filled:
        message = _("chỉ nhập ở dòng đầu tiên của chỉ tiêu %(c)s") % {"c": row.indicator.code}
        result.errors.append(RowError(number, filled[0], message))


def _plan(number: int, cells: list[Any], result: Preview) -> Plan | None:
    """The row's planning cells (None when all are blank); a bad cell becomes an error."""
    raw = {name: cells[col - 1] for name, col in PLAN_COLUMNS.items()}
    if all(_blank(v) for v in raw.values()):
        return None
    errors: list[str] = []
    due_label = HEADERS[DUE - 1]
    due_raw = clean_line(raw["due"]) if isinstance(raw["due"], str) else raw["due"]
    due = RowReader(number, {due_label: due_raw}, errors).due(due_label)
    result.errors += [RowError(number, due_label, e.split(": ", 1)[-1]) for e in errors]
    owner = _text(raw["owner"], one_line=True)
    if owner is not None and len(owner) > OWNER_MAX:
        message = _("dài %(n)s ký tự, tối đa %(m)s") % {"n": len(owner), "m": OWNER_MAX}
        result.errors.append(RowError(number, HEADERS[OWNER - 1], message))
    return Plan(owner, due, _text(raw["note"], one_line=False))


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not clean_line(raw))


def _text(raw: Any, *, one_line: bool) -> str | None:
    """People's text as stored: cleaned, None when blank. A formula's text is kept as inert
    text, as the tracking-sheet import does; exports neutralise it (spreadsheet_safety)."""
    if raw is None:
        return None
    if is_clear_mark(raw):
        return ""
    text = clean_line(str(raw)) if one_line else clean(str(raw)).strip()
    return text or None


def _collect_plans(
    expected: dict[tuple[str, str], TemplateRow], plans: dict[str, Plan], result: Preview
) -> None:
    entries = {r.indicator.code: r.entry for r in expected.values() if r.first}
    for code, plan in plans.items():
        entry = entries[code]
        for name in PLAN_COLUMNS:
            new, old = getattr(plan, name), getattr(entry, name)
            if new is None or new == old or (new == "" and not old):
                continue  # kept, unchanged, or a dash where nothing is stored
            stored = new.isoformat() if isinstance(new, dt.date) else new
            result.plans.setdefault(code, {})[name] = stored
            label = HEADERS[PLAN_COLUMNS[name] - 1]
            result.changes.append(Change(code, name, label, _shown(old), _shown(new)))


def _shown(value: Any) -> Any:
    """An owner, due date or note as the preview shows it ("–" when blank)."""
    if isinstance(value, dt.date):
        return vn_date(value)
    return value or None


def commit(assessment: Assessment, stored: dict[str, Any], actor: Actor) -> int:
    """Write a previewed upload, all or nothing. Raises ConflictError when the assessment
    changed since the preview, NotAllowed / WorkflowError / CollectionError as
    `save_self_inputs` does."""
    inputs: dict[str, dict[str, Any]] = stored["inputs"]
    plans: dict[str, dict[str, str]] = stored.get("plans", {})  # absent: an older preview
    codes = [*inputs, *(code for code in plans if code not in inputs)]
    changes = [_change(code, inputs.get(code), plans.get(code, {})) for code in codes]
    return save_self_inputs(assessment, changes, actor, expected_revision=stored["revision"])


def _change(code: str, inputs: dict[str, Any] | None, plan: dict[str, str]) -> EntryChange:
    due = plan.get("due")
    return EntryChange(
        code,
        dict(inputs) if inputs is not None else None,
        owner=plan.get("owner"),
        due=dt.date.fromisoformat(due) if due else due,  # "" clears it; None keeps it
        note=plan.get("note"),
    )


def as_dicts(items: list[Any]) -> list[dict[str, Any]]:
    return [asdict(i) for i in items]
