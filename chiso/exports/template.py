"""The per-unit Excel template: one row per leaf × input, values pre-filled, structure locked.

Layout (sheet "Tự đánh giá"): a title, then the header on row HEADER_ROW and one row per input
a leaf's rule reads. Only the "Giá trị" cells are unlocked, each validated by the input's type,
and on the first row of each leaf the cells planning its work: "Phụ trách", "Hạn xử lý" (a date
cell, dd/mm/yyyy) and "Minh chứng/Ghi chú" (templates made before these three have seven columns
and are still read). A very hidden sheet "chiso" names the assessment, unit, framework
version and revision, so an upload can be matched to its assessment and refused when it is
another one's or stale.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from chiso.collection.models import Assessment, Entry
from chiso.collection.sheets import CLEAR_MARKS
from chiso.exports.leaves import describe, entries_in_order, input_specs
from chiso.frameworks.models import Indicator
from chiso.lib.spreadsheet_safety import write_cell
from chiso.scoring.engine import InputSpec

DATA_SHEET = "Tự đánh giá"
META_SHEET = "chiso"
HEADER_ROW = 4
HEADERS = [
    "Mã",
    "Chỉ tiêu",
    "Điểm tối đa",
    "Cách tính điểm",
    "Số liệu cần nhập",
    "Mã ô nhập",
    "Giá trị",
    "Phụ trách",
    "Hạn xử lý",
    "Minh chứng/Ghi chú",
]
WIDTHS = [9, 48, 10, 40, 26, 13, 16, 22, 12, 40]
CODE, NAME, MAX, RULE, LABEL, INPUT, VALUE, OWNER, DUE, NOTE = range(1, 11)  # 1-based columns
DATE_FORMAT = "dd/mm/yyyy"
OWNER_MAX = Entry._meta.get_field("owner").max_length or 255
# Excel's date validation needs bounds; any real deadline falls between these.
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
YES, NO = "Có", "Không"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The protection password only stops accidental edits (Excel's sheet protection is not
# security); the upload checks everything again.
PROTECT_PASSWORD = "chiso"
_UNLOCKED = Protection(locked=False)
_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")


@dataclass(frozen=True)
class TemplateRow:
    """One input of one leaf: what the template shows and the upload reads back. The leaf's
    owner, due date and note are shown and read on its `first` row only."""

    indicator: Indicator
    spec: InputSpec
    current: Any
    entry: Entry
    first: bool


def template_rows(assessment: Assessment) -> list[TemplateRow]:
    return [
        TemplateRow(
            entry.indicator, spec, (entry.self_inputs or {}).get(spec.name), entry, index == 0
        )
        for entry in entries_in_order(assessment)
        for index, spec in enumerate(input_specs(entry.indicator))
    ]


def choice_labels(indicator: Indicator) -> dict[str, str]:
    """{option key: label} of a choice leaf."""
    options = (indicator.rule_params or {}).get("options", [])
    return {str(o["key"]): str(o.get("label", o["key"])) for o in options}


def shown(row: TemplateRow) -> Any:
    """The stored value as the template shows it (labels for choices, Có/Không for yes/no)."""
    if row.current is None:
        return None
    if row.spec.type == "choice":
        return choice_labels(row.indicator).get(str(row.current), row.current)
    if row.spec.type == "bool":
        return YES if float(row.current) >= 0.5 else NO
    return row.current


def build_template(assessment: Assessment) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    _title(sheet, assessment)
    _header(sheet)
    rows = template_rows(assessment)
    for offset, row in enumerate(rows):
        _write_row(sheet, HEADER_ROW + 1 + offset, row)
    _validate(sheet, rows)
    _print_setup(sheet)
    sheet.protection.set_password(PROTECT_PASSWORD)
    sheet.protection.sheet = True
    _metadata(book, assessment)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(sheet: Worksheet, assessment: Assessment) -> None:
    version = assessment.version
    sheet["A1"] = f"Bản tự đánh giá: {assessment.unit.name} · {assessment.period.label}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Bộ chỉ số: {version.framework.title} (phiên bản {version.number})"
    sheet["A3"] = (
        "Chỉ nhập vào các ô nền vàng: “Giá trị”, và ở dòng đầu của mỗi chỉ tiêu “Phụ trách”, "
        "“Hạn xử lý” (dd/mm/yyyy), “Minh chứng/Ghi chú” (để trống thì giữ nguyên nội dung đã "
        "lưu). Không thêm, xoá, di chuyển hay đổi tên cột; tải lên lại tại trang “Nhập từ "
        "Excel” để xem trước các thay đổi."
    )
    sheet["A3"].font = Font(italic=True)


def _header(sheet: Worksheet) -> None:
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = sheet.cell(HEADER_ROW, col, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)


def _write_row(sheet: Worksheet, number: int, row: TemplateRow) -> None:
    indicator = row.indicator
    values = [
        indicator.code,
        indicator.name,
        indicator.max_points,
        describe(indicator),
        row.spec.label_vi,
        row.spec.name,
        shown(row),
    ]
    for col, value in enumerate(values, start=1):
        cell = write_cell(sheet, number, col, value)
        cell.alignment = Alignment(wrap_text=col in (NAME, RULE), vertical="top")
    _unlock(sheet.cell(number, VALUE))
    if row.spec.type == "percent":
        sheet.cell(number, VALUE).number_format = "0.##"
    if row.first:
        _write_plan(sheet, number, row.entry)


def _write_plan(sheet: Worksheet, number: int, entry: Entry) -> None:
    """Owner and note are people's text: written through `write_cell`, never as a formula."""
    plan = {OWNER: entry.owner or None, DUE: entry.due, NOTE: entry.note or None}
    for col, value in plan.items():
        cell = write_cell(sheet, number, col, value)
        cell.alignment = Alignment(wrap_text=col == NOTE, vertical="top")
        _unlock(cell)
    sheet.cell(number, DUE).number_format = DATE_FORMAT


def _unlock(cell: Any) -> None:
    cell.protection = _UNLOCKED
    cell.fill = _INPUT_FILL


def _validate(sheet: Worksheet, rows: list[TemplateRow]) -> None:
    """One data validation per input row: Excel refuses a wrong value as it is typed."""
    for offset, row in enumerate(rows):
        validation = _validation_for(row)
        if validation is None:
            continue
        validation.error = "Giá trị không hợp lệ cho ô này."
        validation.errorTitle = "chiso"
        validation.showErrorMessage = True
        validation.prompt = row.spec.label_vi
        validation.showInputMessage = True
        sheet.add_data_validation(validation)
        validation.add(sheet.cell(HEADER_ROW + 1 + offset, VALUE))
    _validate_plans(sheet, [HEADER_ROW + 1 + i for i, row in enumerate(rows) if row.first])


def _validate_plans(sheet: Worksheet, numbers: list[int]) -> None:
    """A real date in "Hạn xử lý" (or a dash, which clears it), an owner that fits the
    database column."""
    if not numbers:
        return
    start, end = (str(int(to_excel(day))) for day in DATE_RANGE)
    # Relative to the first cell of the range (the lowest row), as Excel reads it.
    cell = f"{get_column_letter(DUE)}{min(numbers)}"
    dashes = ",".join(f'TRIM({cell})="{mark}"' for mark in sorted(CLEAR_MARKS))
    due = DataValidation(
        type="custom",
        formula1=f"OR({dashes},AND(ISNUMBER({cell}),{cell}>={start},{cell}<={end}))",
        allow_blank=True,
    )
    due.error = "Nhập ngày có thật, dạng dd/mm/yyyy, hoặc dấu - để xóa hạn."
    due.prompt = "Ngày dạng dd/mm/yyyy; dấu - để xóa hạn"
    due.showInputMessage = True
    longest = str(OWNER_MAX)
    owner = DataValidation(
        type="textLength", operator="lessThanOrEqual", formula1=longest, allow_blank=True
    )
    owner.error = f"Tối đa {longest} ký tự."
    for validation, col in ((due, DUE), (owner, OWNER)):
        validation.errorTitle = "chiso"
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        for number in numbers:
            validation.add(sheet.cell(number, col))


def _validation_for(row: TemplateRow) -> DataValidation | None:
    kind = row.spec.type
    if kind == "count":
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
    if kind == "percent":
        return DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True
        )
    if kind == "fraction":
        return DataValidation(
            type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True
        )
    if kind == "points":
        top = str(row.indicator.max_points)
        return DataValidation(
            type="decimal", operator="between", formula1="0", formula2=top, allow_blank=True
        )
    if kind == "bool":
        return DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    if kind == "choice":
        return _choice_validation(row.indicator)
    return DataValidation(type="decimal", allow_blank=True)


def _choice_validation(indicator: Indicator) -> DataValidation | None:
    labels = list(choice_labels(indicator).values())
    inline = ",".join(labels)
    # Excel's inline lists cannot hold commas inside an item and stop at 255 characters;
    # longer option lists stay free text, checked on upload.
    if any("," in label or '"' in label for label in labels) or len(inline) > 250:
        return None
    return DataValidation(type="list", formula1=f'"{inline}"', allow_blank=True)


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.gridLines = True


def metadata_of(assessment: Assessment) -> dict[str, Any]:
    version = assessment.version
    return {
        "assessment": assessment.pk,
        "unit": assessment.unit.code,
        "framework": version.framework.code,
        "version": version.number,
        "period": assessment.period.code,
        "revision": assessment.revision,
    }


def _metadata(book: Workbook, assessment: Assessment) -> None:
    meta = book.create_sheet(META_SHEET)
    for number, (key, value) in enumerate(metadata_of(assessment).items(), start=1):
        meta.cell(number, 1, key)
        meta.cell(number, 2, value)
    meta.protection.set_password(PROTECT_PASSWORD)
    meta.protection.sheet = True
    # "veryHidden": not listed under Unhide in Excel, so nobody edits it by accident.
    meta.sheet_state = "veryHidden"


def file_name(assessment: Assessment) -> str:
    return f"chiso-{assessment.unit.code}-{assessment.period.code}-mau.xlsx"
