"""Import the tracking sheet communes already keep (one row per criterion) into an assessment.

Columns (Vietnamese headers, any order, diacritics and case ignored): Mã, Chỉ tiêu, Nhóm,
Điểm tối đa, Tự đánh giá, Thẩm định, Chênh lệch, Trạng thái, Phụ trách, Hạn xử lý,
Minh chứng/Ghi chú. The English column names of the peer platform's CSV export (code,
self_score, verified_score, …) are accepted too. All rows are checked first; a sheet with any
error changes nothing, and every error names its row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor, record
from chiso.collection.choices import EntryStatus, Stage
from chiso.collection.models import Assessment, Period
from chiso.collection.services import CollectionError, EntryChange, apply_changes, open_assessments
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.jobs.progress import SILENT, Reporter
from chiso.lib import safe_files
from chiso.lib.formats import parse_vn_date, parse_vn_number
from chiso.lib.text import fold
from chiso.lib.unicode_safety import clean_line
from chiso.lib.xlsx_values import XlsxReadError, cell_value
from chiso.lib.xlsx_values import read_rows as read_xlsx_rows
from chiso.org.models import Unit

# canonical key → header spellings (folded)
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("ma", "ma chi tieu", "ma tieu chi", "code"),
    # A sheet of many units (collection.cohort_sheet), one row per rule input if "Mã ô nhập".
    "unit": ("don vi", "ma don vi", "unit", "unit_code"),
    "input": ("ma o nhap", "o nhap", "input"),
    "name": ("chi tieu", "ten chi tieu", "tieu chi", "name", "name_vi"),
    "group": ("nhom", "group_code", "group"),
    "max": ("diem toi da", "max_points"),
    "self": ("tu danh gia", "diem tu danh gia", "self_score"),
    "appraisal": ("tham dinh", "diem tham dinh", "verified_score", "appraisal_score"),
    "diff": ("chenh lech", "diff_self_minus_verified_as_in_source"),
    "status": ("trang thai", "status_vi", "status"),
    "owner": ("phu trach", "nguoi phu trach", "owner"),
    "due": ("han xu ly", "due"),
    "note": (
        "minh chung/ghi chu",
        "minh chung / ghi chu",
        "minh chung",
        "ghi chu",
        "evidence_notes_vi",
        "note",
    ),
}
LABELS = {
    "code": "Mã",
    "unit": "Đơn vị",
    "input": "Mã ô nhập",
    "max": "Điểm tối đa",
    "self": "Tự đánh giá",
    "appraisal": "Thẩm định",
    "diff": "Chênh lệch",
    "status": "Trạng thái",
    "due": "Hạn xử lý",
}
STATUSES = {fold(str(label)): value for value, label in EntryStatus.choices}
TOLERANCE = 0.011  # sheets round to 2 decimals
PROGRESS_EVERY = 200  # rows between two progress reports


@dataclass(frozen=True)
class ImportReport:
    assessment: Assessment
    rows: int
    changed: int


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, {canonical column: raw cell}) for every data row."""
    return read_table(path).records()


@dataclass(frozen=True)
class Table:
    """A sheet's data rows as read: lists of raw cells (not cleaned, blank rows kept) and the
    column of every header found.

    `records()` gives what `read_rows` returns. A sheet of 100,000 rows is read from here
    instead (collection.cohort_sheet): a dict per row and a `_cell` per cell cost more than
    the parse itself, while the few distinct codes of its columns need cleaning only once."""

    columns: dict[str, int]  # canonical key → column index
    first: int  # the row number users see for rows[0]
    rows: list[list[Any]]
    # Cells as calamine gives them ("" for empty, every number a float; `read_table(raw=True)`):
    # `records()` still gives them as `read_rows` does.
    raw: bool = False

    @property
    def width(self) -> int:
        """Rows shorter than this (a short CSV line) lack some mapped columns: pad them."""
        return max(self.columns.values()) + 1

    def numbered(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, raw cells) of every row that is not blank."""
        return (
            (number, row) for number, row in enumerate(self.rows, self.first) if not is_blank(row)
        )

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        columns = self.columns.items()
        value = cell_value if self.raw else _same
        return [
            (number, {key: clean_cell(value(cells[col])) for key, col in columns})
            for number, cells in self.padded()
        ]

    def padded(self) -> Iterator[tuple[int, list[Any]]]:
        """`numbered()` with every row at least `width` long (a short row read as empty)."""
        width = self.width
        for number, row in self.numbered():
            yield number, row if len(row) >= width else row + [None] * (width - len(row))


def read_table(path: Path, *, raw: bool = False) -> Table:
    """The sheet at `path` (.xlsx or .csv), checked as hostile first; raises CollectionError
    when it is unsafe, unreadable or has no header row with "Mã" and "Tự đánh giá".

    `raw=True`: an .xlsx sheet's cells as calamine gives them (see `Table.raw`), for a reader
    of 100,000 rows that converts only the cells it needs (`cell_value`)."""
    check_sheet_file(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table, raw = list(_csv_rows(path)), False
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, raw)
    else:
        raise CollectionError([_("%(f)s: chỉ nhận tệp .xlsx hoặc .csv") % {"f": path.name}])
    return _find_header(path.name, table, raw)


def _same(value: Any) -> Any:
    return value


def is_blank(row: list[Any]) -> bool:
    """A row with no value in any column (even one without a header) is not a data row."""
    return not any(c not in (None, "") for c in row)


def check_sheet_file(path: Path) -> None:
    """Size (CHISO_IMPORT_MAX_MB), zip bomb, macros (.xlsm too), external links: refused
    before any reader opens the file (docs/security-files.md). Raises CollectionError."""
    try:
        safe_files.check_file_path(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            with path.open("rb") as stream:
                if stream.read(4) == b"PK\x03\x04":  # not a zip: the reader says so
                    safe_files.check_workbook(stream, path.name)
    except safe_files.UnsafeFile as exc:
        raise CollectionError([str(exc)]) from exc


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CollectionError([_("%(f)s: tệp CSV phải mã hoá UTF-8") % {"f": path.name}]) from exc
    yield from csv.reader(io.StringIO(text))


def _xlsx_rows(path: Path, raw: bool = False) -> list[list[Any]]:
    # python-calamine (Rust) reads values ~10× faster than openpyxl on a big sheet; a sheet
    # with formulas is still read as their text, so that they are refused below.
    try:
        return read_xlsx_rows(path, raw=raw)
    except XlsxReadError as exc:
        raise CollectionError([_("%(f)s: không đọc được tệp Excel") % {"f": path.name}]) from exc


def _find_header(name: str, table: list[list[Any]], raw: bool = False) -> Table:
    for index, row in enumerate(table[:20]):
        mapping = _header_map(row)
        if "code" in mapping:
            missing = [LABELS[k] for k in ("code", "self") if k not in mapping]
            if missing:
                raise CollectionError(
                    [_("%(f)s: thiếu cột %(c)s") % {"f": name, "c": ", ".join(missing)}]
                )
            return Table(mapping, index + 2, table[index + 1 :], raw)
    raise CollectionError([_("%(f)s: không tìm thấy dòng tiêu đề có cột 'Mã'") % {"f": name}])


def _header_map(row: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, cell in enumerate(row):
        key = fold(str(cell or ""))
        for canonical, spellings in COLUMNS.items():
            if key in spellings and canonical not in out:
                out[canonical] = col
    return out


def clean_cell(value: Any) -> Any:
    """A raw cell as importers read it: text trimmed, NFC, without zero-width or bidi
    characters ("1.1\u200b" in a sheet is the code "1.1"); other values as they are."""
    if not isinstance(value, str):
        return value
    # Printable ASCII (codes, input names, most cells) holds nothing clean_line changes but
    # the ends; the check is ~20× cheaper than its regular expressions on a 100,000-row sheet.
    return value.strip() if value.isascii() and value.isprintable() else clean_line(value)


# A cell holding only a dash clears what is stored (owner, due date, note); a blank cell keeps
# it, so that a sheet filled for its values alone wipes nothing.
CLEAR_MARKS = frozenset({"-", "–", "—"})


def is_clear_mark(raw: Any) -> bool:
    return isinstance(raw, str) and raw.strip() in CLEAR_MARKS


class RowReader:
    """Parses one row's cells, collecting 'dòng N, cột X: …' messages.

    Shared with the Excel template upload (exports), so both read numbers, formulas and dates
    the same way; `key` may be a canonical column or the column's label itself."""

    def __init__(self, number: int, cells: dict[str, Any], errors: list[str]) -> None:
        self.number, self.cells, self.errors = number, cells, errors

    def fail(self, key: str, message: str) -> None:
        column = LABELS.get(key, key)
        self.errors.append(
            _('Dòng %(n)s, cột "%(c)s": %(m)s') % {"n": self.number, "c": column, "m": message}
        )

    def number_or_none(self, key: str) -> float | None:
        raw = self.cells.get(key)
        if raw is None or raw == "":
            return None
        if isinstance(raw, str) and raw.startswith("="):
            self.fail(key, _("ô chứa công thức, hãy nhập giá trị"))
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        try:
            return parse_vn_number(str(raw))
        except ValueError:
            self.fail(key, _("'%(v)s' không phải là số") % {"v": raw})
            return None

    def due(self, key: str = "due") -> dt.date | str | None:
        """A due date; "" (clear it) for a dash, None (keep it) for a blank cell."""
        return "" if is_clear_mark(self.cells.get(key)) else self.date_or_none(key)

    def date_or_none(self, key: str) -> dt.date | None:
        raw = self.cells.get(key)
        if raw in (None, ""):
            return None
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return parse_vn_date(str(raw))
        except ValueError:
            self.fail(key, _("'%(v)s' không phải ngày dạng dd/mm/yyyy") % {"v": raw})
            return None


def parse_sheet(
    rows: list[tuple[int, dict[str, Any]]],
    leaves: dict[str, Indicator],
    progress: Reporter = SILENT,
) -> list[EntryChange]:
    """Check every row against the framework's leaves; raise CollectionError with all errors."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    changes: list[EntryChange] = []
    for done, (number, cells) in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress.advance(PROGRESS_EVERY)
        reader = RowReader(number, cells, errors)
        code = str(cells.get("code") or "").strip()
        if code in seen:
            reader.fail("code", _("mã %(c)s trùng với dòng %(n)s") % {"c": code, "n": seen[code]})
            continue
        seen[code] = number
        indicator = leaves.get(code)
        if indicator is None:
            reader.fail("code", _("mã '%(c)s' không phải là tiêu chí của bộ chỉ số") % {"c": code})
            continue
        changes += _row_changes(reader, indicator)
    if errors:
        raise CollectionError(errors)
    return changes


def _row_changes(reader: RowReader, indicator: Indicator) -> list[EntryChange]:
    before = len(reader.errors)
    limit = indicator.max_points
    declared = reader.number_or_none("max")
    if declared is not None and abs(declared - limit) > 1e-9:
        reader.fail(
            "max", _("%(d)s khác điểm tối đa của bộ chỉ số (%(m)s)") % {"d": declared, "m": limit}
        )
    if indicator.rule_kind != "manual":
        reader.fail(
            "code",
            _("tiêu chí %(c)s tính điểm theo số liệu (%(k)s), không nhập điểm trực tiếp")
            % {"c": indicator.code, "k": indicator.rule_kind},
        )
    scores = {key: reader.number_or_none(key) for key in ("self", "appraisal")}
    for key, value in scores.items():
        if value is not None and not 0 <= value <= limit:
            reader.fail(key, _("%(v)s nằm ngoài khoảng 0–%(m)s") % {"v": value, "m": limit})
    _check_diff(reader, scores)
    status = _status(reader)
    due = reader.due()
    if len(reader.errors) > before:
        return []
    where = _("dòng %(n)s") % {"n": reader.number}
    code = indicator.code
    out = [
        EntryChange(
            code,
            {"points": scores["self"]},
            Stage.SELF,
            progress=status,
            owner=_text(reader, "owner"),
            due=due,
            note=_text(reader, "note"),
            where=where,
        )
    ]
    if scores["appraisal"] is not None:
        out.append(EntryChange(code, {"points": scores["appraisal"]}, Stage.APPRAISAL, where=where))
    return out


def _check_diff(reader: RowReader, scores: dict[str, float | None]) -> None:
    diff = reader.number_or_none("diff")
    own, appraised = scores["self"], scores["appraisal"]
    if diff is None or own is None or appraised is None:
        return
    if abs(diff - (own - appraised)) > TOLERANCE:
        reader.fail("diff", _("%(d)s ≠ %(s)s − %(a)s") % {"d": diff, "s": own, "a": appraised})


def _status(reader: RowReader) -> str | None:
    raw = reader.cells.get("status")
    if raw in (None, ""):
        return None
    value = STATUSES.get(fold(str(raw)))
    if value is None:
        choices = ", ".join(str(label) for _v, label in EntryStatus.choices)
        reader.fail("status", _("'%(v)s' không hợp lệ (chọn: %(c)s)") % {"v": raw, "c": choices})
    return value


def _text(reader: RowReader, key: str) -> str | None:
    """An owner or note: None (keep) for a blank cell, "" (clear) for a dash."""
    raw = reader.cells.get(key)
    if is_clear_mark(raw):
        return ""
    return None if raw is None else str(raw)


@transaction.atomic
def import_sheet(
    path: Path,
    version: FrameworkVersion,
    unit: Unit,
    period: Period,
    actor: Actor,
    progress: Reporter = SILENT,
) -> ImportReport:
    """Import a tracking sheet into the unit's assessment, all rows or none.

    Raises CollectionError (every problem with its row and column) and changes nothing then.
    `progress` counts the rows checked, then one step for the write.
    """
    _check_scope(version, unit, period)
    rows = read_rows(path)
    progress.start(len(rows) + 1, _("Kiểm tra các dòng"))
    leaves = {i.code: i for i in version.indicators.filter(is_leaf=True)}
    changes = parse_sheet(rows, leaves, progress)
    progress.advance(len(rows) % PROGRESS_EVERY, _("Ghi vào cơ sở dữ liệu"))
    (assessment,) = open_assessments(version, period, [unit], actor)
    report = apply_sheet(assessment, changes, actor, file_name=path.name, rows=len(rows))
    progress.advance(1)
    return report


@transaction.atomic
def apply_sheet(
    assessment: Assessment,
    changes: list[EntryChange],
    actor: Actor,
    *,
    file_name: str,
    rows: int,
    expected_revision: int | None = None,
) -> ImportReport:
    """Apply the changes parsed from a sheet (all or none) and record the import.

    Split from `import_sheet` so the web can preview first and commit later against the
    revision it previewed (ConflictError when someone saved in between).
    """
    changed = apply_changes(assessment, changes, actor, expected_revision=expected_revision)
    record(actor, "assessment.import_sheet", assessment, new={"file": file_name, "rows": rows})
    return ImportReport(assessment, rows, changed)


def _check_scope(version: FrameworkVersion, unit: Unit, period: Period) -> None:
    if version.unit_kinds and unit.kind not in version.unit_kinds:
        raise CollectionError(
            [
                _("Bộ chỉ số %(f)s không áp dụng cho %(u)s")
                % {"f": version.framework.code, "u": unit}
            ]
        )
    if not (unit.is_valid_on(period.end) or unit.is_valid_on(period.start)):
        raise CollectionError([_("%(u)s không tồn tại trong kỳ %(p)s") % {"u": unit, "p": period}])
