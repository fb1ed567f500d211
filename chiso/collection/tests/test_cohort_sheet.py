"""A sheet of many units' values ("Đơn vị", "Mã ô nhập"): read with calamine, checked whole,
written in bulk, all or nothing, every error with its row and column."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
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
    ]


@pytest.mark.parametrize("case", range(7))
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
