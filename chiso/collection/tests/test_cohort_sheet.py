"""A sheet of many units' values ("Đơn vị", "Mã ô nhập"): read with calamine, checked whole,
written in bulk, all or nothing, every error with its row and column."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import Workbook

from chiso.accounts.models import AuditEvent
from chiso.collection.cohort_sheet import import_cohort_sheet
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import CollectionError, ensure_period
from chiso.frameworks.models import FrameworkVersion
from chiso.ops.synth import load_synth_framework
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot

HEADER = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Thẩm định", "Phụ trách"]


@pytest.fixture
def version(db: None) -> FrameworkVersion:
    return load_synth_framework(1)


@pytest.fixture
def units(db: None) -> list[Unit]:
    province = Unit.objects.create(code="tinh", kind="province", name="Tỉnh Thử")
    return [
        Unit.objects.create(code=f"tinh.xa-{i}", kind="commune", name=f"Xã {i}", parent=province)
        for i in (1, 2)
    ]


def leaf(version: FrameworkVersion, kind: str, **params: Any) -> str:
    found = version.indicators.filter(is_leaf=True, rule_kind=kind)
    for key, value in params.items():
        found = found.filter(**{f"rule_params__{key}": value})
    first = found.order_by("position").first()
    assert first is not None
    return first.code


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Bảng số liệu các xã, kỳ 2025"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def good_rows(version: FrameworkVersion) -> list[list[Any]]:
    ratio = leaf(version, "ratio")
    choice = leaf(version, "choice")
    boolean = leaf(version, "boolean")
    manual = leaf(version, "manual")
    return [
        ["tinh.xa-1", ratio, "numerator", 40, 38, "Chị Lan"],
        ["tinh.xa-1", ratio, "denominator", 50, 50, None],
        ["tinh.xa-1", choice, "choice", "dat", None, None],
        ["tinh.xa-1", boolean, "value", "Có", None, None],
        ["tinh.xa-2", manual, "points", "3,5", None, None],
        ["tinh.xa-2", boolean, "value", 0, None, None],
    ]


def test_a_sheet_of_many_units_imports_every_input_into_each_assessment(
    version: FrameworkVersion,
    units: list[Unit],
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    path = write_xlsx(tmp_path / "xa.xlsx", good_rows(version))
    with django_capture_on_commit_callbacks(execute=True):
        report = import_cohort_sheet(path, version, ensure_period("2025"), "test")
    assert (report.units, report.rows, report.values) == (2, 6, 8)  # 6 self, 2 appraisal
    one = Entry.objects.get(assessment__unit__code="tinh.xa-1", indicator__rule_kind="ratio",
                            indicator__code=good_rows(version)[0][1])  # fmt: skip
    assert one.self_inputs == {"numerator": 40, "denominator": 50}
    assert one.appraisal_inputs == {"numerator": 38, "denominator": 50}
    assert one.owner == "Chị Lan"
    two = Entry.objects.get(assessment__unit__code="tinh.xa-2", indicator__rule_kind="manual",
                            indicator__code=good_rows(version)[4][1])  # fmt: skip
    assert two.self_inputs == {"points": 3.5}
    assert Assessment.objects.filter(revision=1).count() == 2
    assert AuditEvent.objects.filter(action="assessment.import_cohort_sheet").count() == 1
    assert ScoreSnapshot.objects.filter(stage="self").count() == 2  # re-scored after commit


def test_importing_the_same_sheet_again_changes_nothing(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "xa.xlsx", good_rows(version))
    import_cohort_sheet(path, version, ensure_period("2025"), "test")
    again = import_cohort_sheet(path, version, ensure_period("2025"), "test")
    assert again.changed == 0
    assert Assessment.objects.filter(revision=1).count() == 2


def bad_rows(version: FrameworkVersion) -> list[tuple[list[Any], str]]:
    ratio, percent = leaf(version, "ratio"), leaf(version, "ratio", input="percent")
    boolean = leaf(version, "boolean")
    return [
        (["tinh.xa-9", ratio, "numerator", 1, None], 'Dòng 5, cột "Đơn vị": không có đơn vị'),
        (["tinh.xa-1", ratio, "tu-so", 1, None], 'Dòng 5, cột "Mã ô nhập": tiêu chí'),
        (["tinh.xa-1", "9.9.9", "value", 1, None], "Dòng 5, cột \"Mã\": mã '9.9.9'"),
        (["tinh.xa-1", percent, "percent", 120, None], 'Dòng 5, cột "Tự đánh giá"'),
        (["tinh.xa-1", boolean, "value", "bảy", None], "Dòng 5, cột \"Tự đánh giá\": 'bảy'"),
        (["tinh.xa-1", boolean, "value", "=1+0", None], "ô chứa công thức"),
        ([None, boolean, "value", 1, None], 'Dòng 5, cột "Đơn vị": thiếu mã đơn vị'),
        # Text that Python's float() reads but is no figure (it used to crash the import).
        (["tinh.xa-1", boolean, "value", "nan", None], "Dòng 5, cột \"Tự đánh giá\": 'nan'"),
        (["tinh.xa-1", percent, "percent", "inf", None], "Dòng 5, cột \"Tự đánh giá\": 'inf'"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_a_bad_row_is_refused_with_its_row_and_column_and_nothing_changes(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path, case: int
) -> None:
    row, message = bad_rows(version)[case]
    good = good_rows(version)[:2]  # valid rows: must not land either
    path = write_xlsx(tmp_path / "xa.xlsx", [*good, row])
    with pytest.raises(CollectionError) as caught:
        import_cohort_sheet(path, version, ensure_period("2025"), "test")
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="assessment.").exists()


def test_a_numerator_above_its_denominator_names_the_leafs_first_row(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    ratio = leaf(version, "ratio")
    rows = [["tinh.xa-2", ratio, "numerator", 60, None], ["tinh.xa-2", ratio, "denominator", 50]]
    with pytest.raises(CollectionError) as caught:
        import_cohort_sheet(
            write_xlsx(tmp_path / "x.xlsx", rows), version, ensure_period("2025"), "t"
        )
    assert any(m.startswith('Dòng 3, cột "Tự đánh giá"') and "tử số" in m
               for m in caught.value.messages)  # fmt: skip


def test_import_sheet_without_unit_reads_a_sheet_of_many_units(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "xa.xlsx", good_rows(version))
    out = io.StringIO()
    call_command("import_sheet", str(path), "--framework", "synth-national", "--period", "2025",
                 stdout=out)  # fmt: skip
    assert "của 2 đơn vị" in out.getvalue()
    assert Assessment.objects.count() == 2


def test_bad_values_in_many_rows_are_all_reported_in_the_sheets_order(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    ratio, percent = leaf(version, "ratio"), leaf(version, "ratio", input="percent")
    boolean, choice, manual = (
        leaf(version, "boolean"),
        leaf(version, "choice"),
        leaf(version, "manual"),
    )
    rows: list[list[Any]] = [
        ["tinh.xa-1", boolean, "value", "bảy", None],  # 3
        ["tinh.xa-2", percent, "percent", 120, None],  # 4
        [None, ratio, "numerator", 1, None],  # 5
        ["tinh.xa-1", ratio, "tu-so", 1, None],  # 6
        ["tinh.xa-1", ratio, "numerator", 60, 70],  # 7: the ratio's first valid row
        ["tinh.xa-1", ratio, "denominator", 50, 50],  # 8
        ["tinh.xa-9", boolean, "value", "bảy", None],  # 9: no such unit, its rows not read
        ["tinh.xa-1", boolean, "value", 1, None],  # 10
        ["tinh.xa-2", choice, "choice", "=A1", None],  # 11
        ["tinh.xa-2", choice, "choice", "dat", None],  # 12: row 11 failed, still a duplicate
        ["tinh.xa-1", manual, "points", "3,5", "bảy"],  # 13
        ["tinh.xa-2", boolean, "value", "Có", 2],  # 14
        ["tinh.xa-2", manual, "points", "bảy", None],  # 15: the same text, read again
    ]
    with pytest.raises(CollectionError) as caught:
        import_cohort_sheet(
            write_xlsx(tmp_path / "x.xlsx", rows), version, ensure_period("2025"), "t"
        )
    self_col, appraisal_col = 'cột "Tự đánh giá"', 'cột "Thẩm định"'
    assert caught.value.messages == [
        'Dòng 5, cột "Đơn vị": thiếu mã đơn vị',
        f"Dòng 3, {self_col}: 'bảy' không phải là số",
        f'Dòng 6, cột "Mã ô nhập": tiêu chí {ratio} cần ô nhập: numerator, denominator',
        f'Dòng 10, cột "Mã": mã {boolean} trùng với dòng 3',
        f"Dòng 13, {appraisal_col}: 'bảy' không phải là số",
        f"Dòng 7, {self_col}: {ratio}: tử số (60) lớn hơn mẫu số (50)",
        f"Dòng 7, {appraisal_col}: {ratio}: tử số (70) lớn hơn mẫu số (50)",
        f"Dòng 11, {self_col}: ô chứa công thức, hãy nhập giá trị",
        f'Dòng 12, cột "Mã": mã {choice} trùng với dòng 11',
        f"Dòng 15, {self_col}: 'bảy' không phải là số",
        f"Dòng 4, {self_col}: {percent} · Tỷ lệ (%): lớn hơn 100",
        f"Dòng 14, {appraisal_col}: {boolean} · Có/không (1 = có, 0 = không): lớn hơn 1",
        "Dòng 9, cột \"Đơn vị\": không có đơn vị mã 'tinh.xa-9'",
    ]
    assert not Assessment.objects.exists()


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    lines = [",".join(header), *(",".join("" if c is None else str(c) for c in r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_csv_sheet_with_short_and_blank_rows_keeps_each_leafs_first_row_details(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    ratio, boolean, choice = (
        leaf(version, "ratio"),
        leaf(version, "boolean"),
        leaf(version, "choice"),
    )
    header = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Trạng thái", "Hạn xử lý", "Ghi chú"]
    rows: list[list[Any]] = [
        ["tinh.xa-1", ratio, "numerator", "1.200", "Đang thực hiện", "30/9/2025", "sổ A"],
        ["tinh.xa-1", ratio, "denominator", 1500, "Hoàn thành", "1/1/2026", "sổ B"],
        [None, None, None, None, None, None, None],
        ["tinh.xa-2", boolean, "value", "không"],  # a short line: the other cells are empty
        ["\u200btinh.xa-2 ", f"{choice}\u200b", "choice", " mot-phan "],
        ["TINH.XA-1", boolean, "value", "Có", "", "", ""],
    ]
    path = write_csv(tmp_path / "xa.csv", header, rows)
    report = import_cohort_sheet(path, version, ensure_period("2025"), "test")
    assert (report.units, report.rows, report.values) == (2, 5, 5)
    one = Entry.objects.get(assessment__unit__code="tinh.xa-1", indicator__code=ratio)
    assert one.self_inputs == {"numerator": 1200, "denominator": 1500}
    assert (one.progress, one.note) == ("in_progress", "sổ A")
    assert one.due is not None and one.due.isoformat() == "2025-09-30"
    assert Entry.objects.get(assessment__unit__code="tinh.xa-1", indicator__code=boolean
                             ).self_inputs == {"value": 1}  # fmt: skip
    two = {
        e.indicator.code: e.self_inputs
        for e in Entry.objects.filter(assessment__unit__code="tinh.xa-2")
    }
    assert two[boolean] == {"value": 0}
    assert two[choice] == {"choice": "mot-phan"}


def test_a_bad_status_or_due_date_is_named_at_the_leafs_first_row(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    ratio = leaf(version, "ratio")
    header = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Trạng thái", "Hạn xử lý"]
    rows = [
        ["tinh.xa-1", ratio, "numerator", 1, "Xong rồi", "31/02/2025"],
        ["tinh.xa-1", ratio, "denominator", 2, "Hoàn thành", "30/9/2025"],
    ]
    with pytest.raises(CollectionError) as caught:
        import_cohort_sheet(write_csv(tmp_path / "x.csv", header, rows), version,
                            ensure_period("2025"), "t")  # fmt: skip
    assert [m.split(":")[0] for m in caught.value.messages] == [
        'Dòng 2, cột "Trạng thái"',
        'Dòng 2, cột "Hạn xử lý"',
    ]


def _entries(*units: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    found = Entry.objects.filter(assessment__unit__code__in=units).select_related(
        "assessment__unit", "indicator"
    )
    return {
        (e.assessment.unit.code, e.indicator.code): (
            e.self_inputs,
            e.appraisal_inputs,
            e.progress,
            e.owner,
            e.due,
            e.note,
        )
        for e in found
    }


def test_an_xlsx_sheet_read_raw_gives_what_the_same_rows_as_csv_give(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    """The importer reads an .xlsx sheet's cells as calamine gives them ("" for empty, every
    number a float) and converts only what it needs: numbers typed in a code column, whole
    numbers of count inputs, empty value cells, real date cells. The same rows as CSV text
    (read as strings) must import the same values."""
    ratio, boolean, manual = (
        leaf(version, "ratio"),
        leaf(version, "boolean"),
        leaf(version, "manual"),
    )
    version.indicators.filter(code=manual).update(code="12")  # a code Excel stores as a number
    header = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Thẩm định", "Hạn xử lý", "Ghi chú"]
    due = dt.date(2025, 9, 30)

    def rows(unit: str, code_12: Any, due_cell: Any) -> list[list[Any]]:
        return [
            [unit, ratio, "numerator", 40, None, due_cell, "sổ A"],
            [unit, ratio, "denominator", 50.0, 50, None, None],
            [unit, boolean, "value", 1, None, None, None],
            [unit, code_12, "points", 2.5, None, None, None],
            [None] * 7,  # a blank row
        ]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows("tinh.xa-1", 12, due):
        sheet.append(row)
    sheet["F2"].number_format = "DD/MM/YYYY"
    book.save(tmp_path / "xa.xlsx")
    csv_rows = rows("tinh.xa-2", "12", "30/09/2025")
    period = ensure_period("2025")
    xlsx = import_cohort_sheet(tmp_path / "xa.xlsx", version, period, "t")
    csv = import_cohort_sheet(write_csv(tmp_path / "xa.csv", header, csv_rows), version,
                              period, "t")  # fmt: skip
    assert (
        (xlsx.rows, xlsx.values, xlsx.changed)
        == (csv.rows, csv.values, csv.changed)
        == (
            4,
            5,
            3,
        )
    )
    one, two = _entries("tinh.xa-1"), _entries("tinh.xa-2")
    assert {k[1]: v for k, v in one.items()} == {k[1]: v for k, v in two.items()}
    assert one["tinh.xa-1", ratio] == (
        {"numerator": 40, "denominator": 50},
        {"denominator": 50},
        "not_started",
        "",
        due,
        "sổ A",
    )
    assert one["tinh.xa-1", "12"][0] == {"points": 2.5}
    assert type(one["tinh.xa-1", boolean][0]["value"]) is int


def test_a_blank_value_cell_in_an_xlsx_sheet_is_no_value(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    """An empty cell (calamine's "") in the value columns gives no value, and a row of empty
    cells is not a data row."""
    ratio = leaf(version, "ratio")
    path = write_xlsx(
        tmp_path / "x.xlsx",
        [
            ["tinh.xa-1", ratio, "numerator", 3, "", None],
            ["", "", "", "", "", ""],
            ["tinh.xa-1", ratio, "denominator", 4, None, None],
        ],
    )
    report = import_cohort_sheet(path, version, ensure_period("2025"), "t")
    assert (report.rows, report.values) == (2, 2)
    entry = Entry.objects.get(assessment__unit__code="tinh.xa-1", indicator__code=ratio)
    assert (entry.self_inputs, entry.appraisal_inputs) == ({"numerator": 3, "denominator": 4}, None)


def test_blank_owner_and_note_cells_clear_them_in_csv_and_keep_them_in_xlsx(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    """As the one-unit sheets read them: an empty CSV cell is the empty text (it clears the
    stored one), an empty .xlsx cell is no value (the stored one is kept)."""
    ratio = leaf(version, "ratio")
    header = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Phụ trách", "Ghi chú"]
    period = ensure_period("2025")
    for unit in ("tinh.xa-1", "tinh.xa-2"):
        path = write_csv(
            tmp_path / "a.csv", header, [[unit, ratio, "numerator", 1, "Chị Lan", "sổ"]]
        )
        import_cohort_sheet(path, version, period, "t")
    blank = [None, ratio, "numerator", 2, None, None]
    csv = write_csv(tmp_path / "b.csv", header, [["tinh.xa-1", *blank[1:]]])
    import_cohort_sheet(csv, version, period, "t")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(["tinh.xa-2", *blank[1:]])
    book.save(tmp_path / "b.xlsx")
    import_cohort_sheet(tmp_path / "b.xlsx", version, period, "t")
    got = _entries("tinh.xa-1", "tinh.xa-2")
    assert got["tinh.xa-1", ratio][3::2] == ("", "")  # owner, note
    assert got["tinh.xa-2", ratio][3::2] == ("Chị Lan", "sổ")


def test_a_dash_clears_a_stored_owner_due_date_or_note_and_a_blank_keeps_it(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    """In .xlsx and CSV alike: "-" (or an en or em dash) clears; a blank due date keeps."""
    ratio = leaf(version, "ratio")
    header = ["Đơn vị", "Mã", "Mã ô nhập", "Tự đánh giá", "Phụ trách", "Hạn xử lý", "Ghi chú"]
    period = ensure_period("2025")
    first = [
        [unit, ratio, "numerator", 1, "Chị Lan", "30/09/2025", "sổ"]
        for unit in ("tinh.xa-1", "tinh.xa-2")
    ]
    import_cohort_sheet(write_csv(tmp_path / "a.csv", header, first), version, period, "t")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(["tinh.xa-1", ratio, "numerator", 2, "-", "–", "—"])
    sheet.append(["tinh.xa-2", ratio, "numerator", 2, None, None, None])
    book.save(tmp_path / "b.xlsx")
    import_cohort_sheet(tmp_path / "b.xlsx", version, period, "t")
    got = _entries("tinh.xa-1", "tinh.xa-2")
    assert got["tinh.xa-1", ratio][3:] == ("", None, "")
    assert got["tinh.xa-2", ratio][3:] == ("Chị Lan", dt.date(2025, 9, 30), "sổ")
    dashed = [["tinh.xa-2", ratio, "numerator", 3, "Chị Lan", " - ", "sổ"]]
    import_cohort_sheet(write_csv(tmp_path / "c.csv", header, dashed), version, period, "t")
    assert _entries("tinh.xa-2")["tinh.xa-2", ratio][3:] == ("Chị Lan", None, "sổ")


def test_a_sheet_with_a_known_problem_is_refused_before_anything_is_locked_or_written(
    version: FrameworkVersion, units: list[Unit], tmp_path: Path
) -> None:
    """An unknown code (found while the rows are gathered) refuses the sheet before any
    assessment is opened, locked or written: only reads run."""
    rows = [*good_rows(version), ["tinh.xa-2", "9.9.9", "value", 1, None, None]]
    path, period = write_xlsx(tmp_path / "x.xlsx", rows), ensure_period("2025")
    statements: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql.lstrip().split(None, 1)[0].upper())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch), pytest.raises(CollectionError) as caught:
        import_cohort_sheet(path, version, period, "t")
    assert [m.split(":")[0] for m in caught.value.messages] == ['Dòng 9, cột "Mã"']
    assert statements and set(statements) <= {"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK"}
    assert not Assessment.objects.exists()
