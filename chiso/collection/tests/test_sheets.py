"""The tracking-sheet import: the real Cần Giuộc sample, and every kind of bad sheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from chiso.accounts.models import AuditEvent
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import CollectionError, ensure_period
from chiso.collection.sheets import clean_cell, import_sheet, read_rows, read_table
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot

HEADER = [
    "Mã",
    "Chỉ tiêu",
    "Nhóm",
    "Điểm tối đa",
    "Tự đánh giá",
    "Thẩm định",
    "Chênh lệch",
    "Trạng thái",
    "Phụ trách",
    "Hạn xử lý",
    "Minh chứng/Ghi chú",
]


def _group_sums(path: Path, column: str) -> dict[str, float]:
    sums: dict[str, float] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sums[row["group_code"]] = sums.get(row["group_code"], 0.0) + float(row[column])
    return sums


def _write_csv(tmp_path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "sheet.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _counts() -> tuple[int, int, int, int]:
    return (
        Assessment.objects.count(),
        Entry.objects.exclude(self_inputs={}).count(),
        ScoreSnapshot.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_importing_the_can_giuoc_sample_gives_the_published_totals(
    tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path
) -> None:
    report = import_sheet(sample_sheet, tayninh, can_giuoc, ensure_period("2025"), "test")
    assert report.rows == 62
    own = ScoreSnapshot.objects.get(assessment=report.assessment, stage="self")
    appraised = ScoreSnapshot.objects.get(assessment=report.assessment, stage="appraisal")
    assert own.total == pytest.approx(787.84, abs=1e-6)
    assert appraised.total == pytest.approx(606.27, abs=1e-6)
    assert tayninh.scale == 960
    for group, expected in _group_sums(sample_sheet, "self_score").items():
        assert own.points[group] == pytest.approx(expected, abs=1e-6)
    for group, expected in _group_sums(sample_sheet, "verified_score").items():
        assert appraised.points[group] == pytest.approx(expected, abs=1e-6)


@pytest.mark.django_db(transaction=True)
def test_the_sample_keeps_status_owner_and_evidence_notes(
    tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path
) -> None:
    report = import_sheet(sample_sheet, tayninh, can_giuoc, ensure_period("2025"), "test")
    entry = Entry.objects.get(assessment=report.assessment, indicator__code="1.5")
    assert entry.progress == "done"
    assert "466/PVHXH" in entry.note
    assert Entry.objects.get(assessment=report.assessment, indicator__code="4.9").progress == (
        "not_started"
    )


@pytest.mark.django_db(transaction=True)
def test_importing_the_same_sheet_twice_changes_nothing_the_second_time(
    tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path
) -> None:
    period = ensure_period("2025")
    import_sheet(sample_sheet, tayninh, can_giuoc, period, "test")
    again = import_sheet(sample_sheet, tayninh, can_giuoc, period, "test")
    assert again.changed == 0


@pytest.mark.django_db(transaction=True)
def test_an_xlsx_tracking_sheet_with_vietnamese_headers_and_decimal_commas_imports(
    tayninh: FrameworkVersion, can_giuoc: Unit, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["BẢNG THEO DÕI TIÊU CHÍ CHUYỂN ĐỔI SỐ"])
    sheet.append(HEADER)
    sheet.append(
        [
            "1.1",
            "…",
            "1",
            10,
            "7,04",
            10,
            "-2,96",
            "Đang thực hiện",
            "Anh Minh",
            "30/9/2026",
            "ghi chú",
        ]
    )
    sheet.append(["2.1", "…", "2", 30, 15, None, None, "Hoàn thành", None, None, None])
    path = tmp_path / "theo-doi.xlsx"
    book.save(path)
    report = import_sheet(path, tayninh, can_giuoc, ensure_period("2025"), "test")
    snap = ScoreSnapshot.objects.get(assessment=report.assessment, stage="self")
    assert snap.total == pytest.approx(22.04)
    entry = Entry.objects.get(assessment=report.assessment, indicator__code="1.1")
    assert entry.owner == "Anh Minh"
    assert entry.due is not None and entry.due.isoformat() == "2026-09-30"


BAD_ROWS = [
    ([["9.9", "", "", 10, 5, 5, 0]], "Dòng 2, cột \"Mã\": mã '9.9'"),
    ([["1.1", "", "", 10, 12, 5, 7]], 'Dòng 2, cột "Tự đánh giá": 12.0 nằm ngoài khoảng 0–10'),
    ([["1.1", "", "", 10, "bảy", 5, None]], "Dòng 2, cột \"Tự đánh giá\": 'bảy' không phải là số"),
    ([["1.1", "", "", 10, "=B2*2", 5, None]], 'Dòng 2, cột "Tự đánh giá": ô chứa công thức'),
    ([["1.1", "", "", 20, 5, 5, 0]], 'Dòng 2, cột "Điểm tối đa": 20.0 khác điểm tối đa'),
    ([["1.1", "", "", 10, 7, 5, 1]], 'Dòng 2, cột "Chênh lệch": 1.0 ≠ 7.0 − 5.0'),
    (
        [["1.1", "", "", 10, 7, 5, 2], ["1.1", "", "", 10, 7, 5, 2]],
        'Dòng 3, cột "Mã": mã 1.1 trùng',
    ),
    ([["1.1", "", "", 10, -1, 5, None]], 'Dòng 2, cột "Tự đánh giá": -1.0 nằm ngoài'),
    ([["1.2", "", "", 10, 5, 5, 0, "Xong rồi"]], "Dòng 2, cột \"Trạng thái\": 'Xong rồi'"),
    ([["1.2", "", "", 10, 5, 5, 0, "", "", "31/02/2026"]], 'Dòng 2, cột "Hạn xử lý"'),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("rows", "message"), BAD_ROWS)
def test_a_bad_sheet_is_rejected_with_row_and_column_and_nothing_changes(
    tayninh: FrameworkVersion,
    can_giuoc: Unit,
    tmp_path: Path,
    rows: list[list[object]],
    message: str,
) -> None:
    good = [["1.3", "", "", 10, 9.92, 10, -0.08]]  # a valid row: must not land either
    path = _write_csv(tmp_path, good + rows)
    before = _counts()
    with pytest.raises(CollectionError) as caught:
        import_sheet(path, tayninh, can_giuoc, ensure_period("2025"), "test")
    shifted = message.replace("Dòng 2", "Dòng 3").replace(
        'Dòng 3, cột "Mã": mã 1.1 trùng', 'Dòng 4, cột "Mã": mã 1.1 trùng'
    )
    assert any(shifted in m for m in caught.value.messages), caught.value.messages
    assert _counts() == before


@pytest.mark.django_db(transaction=True)
def test_a_sheet_without_a_code_column_is_rejected(
    tayninh: FrameworkVersion, can_giuoc: Unit, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path, [["1.1", 5]], header=["Chỉ tiêu", "Tự đánh giá"])
    with pytest.raises(CollectionError, match="không tìm thấy dòng tiêu đề"):
        import_sheet(path, tayninh, can_giuoc, ensure_period("2025"), "test")


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_a_sheet_is_rejected(
    tayninh: FrameworkVersion, can_giuoc: Unit, tmp_path: Path
) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(CollectionError, match="không đọc được tệp Excel"):
        import_sheet(path, tayninh, can_giuoc, ensure_period("2025"), "test")
    assert Assessment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_framework_for_another_kind_of_unit_is_refused(
    dti2022: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path
) -> None:
    with pytest.raises(CollectionError, match="không áp dụng"):
        import_sheet(sample_sheet, dti2022, can_giuoc, ensure_period("2025"), "test")


@pytest.mark.django_db(transaction=True)
def test_a_unit_that_did_not_exist_in_the_period_is_refused(
    tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path
) -> None:
    with pytest.raises(CollectionError, match="không tồn tại trong kỳ"):
        import_sheet(sample_sheet, tayninh, can_giuoc, ensure_period("2023"), "test")


def test_a_table_keeps_raw_rows_and_its_records_are_the_cleaned_cells(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path,
        [
            ["1.1\u200b", "Chi\u0309 tie\u0302u", "", "", " 7,04 "],
            [],
            ["", "", "", "", ""],
            ["2.1"],  # a short line: the other columns are empty
        ],
    )
    table = read_table(path)
    assert (table.columns["code"], table.columns["self"], table.first) == (0, 4, 2)
    assert table.rows[0][0] == "1.1\u200b"  # raw: cleaned only when read
    assert [number for number, _row in table.numbered()] == [2, 5]
    assert read_rows(path) == table.records()
    number, cells = table.records()[0]
    assert (number, cells["code"], cells["name"], cells["self"]) == (2, "1.1", "Chỉ tiêu", "7,04")
    assert table.records()[1] == (5, dict.fromkeys(table.columns) | {"code": "2.1"})
    assert clean_cell(" A\u202eB\u200d ") == "AB"
    assert clean_cell(5.5) == 5.5
