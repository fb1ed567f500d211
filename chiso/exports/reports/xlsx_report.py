"""Ranking and scorecard workbooks, formatted for printing: A4, fitted to the page width,
header row repeated on every page, frozen panes, page numbers in the footer."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chiso.dashboards import leaders
from chiso.dashboards.scorecard import Card
from chiso.lib.spreadsheet_safety import write_cell

FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
Cell = str | float | int | None


def _sheet(wb: Workbook, title: str, landscape: bool) -> Worksheet:
    ws: Worksheet = wb.active
    ws.title = title[:31]
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "Trang &P/&N"
    return ws


def _write(ws: Worksheet, heading: list[str], columns: list[str], rows: Sequence[Sequence[Cell]],
           widths: list[int]) -> None:  # fmt: skip
    for i, text in enumerate(heading, start=1):
        write_cell(ws, i, 1, text).font = Font(name=FONT, bold=i == 1, size=13)
    top = len(heading) + 2
    for col, (name, width) in enumerate(zip(columns, widths, strict=True), start=1):
        cell = ws.cell(row=top, column=col, value=name)
        cell.font, cell.fill, cell.border = Font(name=FONT, bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(rows, start=top + 1):
        for col, value in enumerate(row, start=1):
            cell = write_cell(ws, r, col, value)
            cell.font, cell.border = Font(name=FONT), BOX
            cell.alignment = Alignment(wrap_text=isinstance(value, str), vertical="top")
            if isinstance(value, float):
                cell.number_format = "0.0000" if abs(value) <= 1 else "0.00"
    ws.print_title_rows = f"{top}:{top}"
    ws.freeze_panes = ws.cell(row=top + 1, column=3)


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ranking(cohort: leaders.Cohort, rows: list[leaders.RankRow], group_name: str = "") -> bytes:
    wb = Workbook()
    ws = _sheet(wb, f"Xếp hạng {cohort.period.code}", landscape=True)
    mains = rows[0].row.mains if rows else []
    columns = ["Hạng", "Đơn vị", "Tổng điểm", "Chỉ số", "Xếp loại", "Hạng kỳ trước", "Thay đổi"]
    columns += [f"{m.code}. {m.name}" for m in mains]
    body = [
        [r.row.rank, r.row.unit_name, r.row.total, r.row.index, r.row.band or "", r.previous,
         r.move, *[p.value for p in r.row.mains]]
        for r in rows
    ]  # fmt: skip
    heading = [
        f"BẢNG XẾP HẠNG — {cohort.version.framework.title.upper()}",
        f"{cohort.period.label}{' — ' + group_name if group_name else ''}",
    ]
    _write(ws, heading, columns, body, [7, 40, 11, 9, 12, 10, 9, *[14] * len(mains)])
    return _bytes(wb)


def scorecard(card: Card) -> bytes:
    wb = Workbook()
    a = card.assessment
    ws = _sheet(wb, f"Bảng điểm {a.period.code}", landscape=True)
    columns = ["Mã", "Chỉ tiêu", "Cách tính", "Tự đánh giá", "Thẩm định", "Chính thức",
               "Tối đa", "Trung vị nhóm", "Cao nhất nhóm"]  # fmt: skip
    body = [
        [line.indicator.code, line.indicator.name, line.rule, line.points.get("self"),
         line.points.get("appraisal"), line.points.get("final"), line.indicator.max_points,
         line.median, line.best]
        for line in card.lines
    ]  # fmt: skip
    heading = [
        f"BẢNG ĐIỂM — {a.unit.name.upper()}",
        f"{a.version.framework.title} — {a.period.label}",
    ]
    _write(ws, heading, columns, body, [8, 60, 22, 11, 11, 11, 9, 11, 11])
    return _bytes(wb)
