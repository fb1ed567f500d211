"""The periodic report as DOCX, laid out after Nghị định 30/2020/NĐ-CP (Phụ lục I): A4,
margins 20/20/30/15 mm, Times New Roman 13–14 pt (Liberation Serif has the same metrics where
Times is missing), the two-column header (issuer and number | quốc hiệu, tiêu ngữ, place and
date), the title, the body, then "Nơi nhận" beside the signature block."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as Doc
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from chiso.exports.reports.data import Header, Report, Section, Table

FONT = "Times New Roman"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def render(report: Report) -> bytes:
    doc: Doc = Document()
    _page(doc)
    _header(doc, report.header)
    for section in report.sections:
        _section(doc, section, report.charts)
    _footer(doc, report.header)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc: Doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    # East-Asian and complex-script slots too, or Word substitutes another font for them.
    fonts = style.element.rPr.rFonts
    for attr in ("w:eastAsia", "w:cs", "w:hAnsi"):
        fonts.set(qn(attr), FONT)


def _para(
    cell_or_doc: object,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 14,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> None:
    paragraph = cell_or_doc.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(("\n" if i else "") + line)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def _grid(doc: Doc, widths: list[float]) -> object:
    table = doc.add_table(rows=1, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, width in zip(table.rows[0].cells, widths, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].text = ""
    return table


def _header(doc: Doc, header: Header) -> None:
    table = _grid(doc, [6.5, 10.0])
    left, right = table.rows[0].cells  # type: ignore[attr-defined]
    _para(left, header.issuer, bold=True, size=13)
    _para(left, "—————", size=10)
    _para(left, header.number, size=13)
    _para(right, NATION, bold=True, size=13)
    _para(right, MOTTO, bold=True, size=14)
    _para(right, "———————————", size=10)
    _para(right, header.place_date, italic=True, size=14)
    _para(doc, "", size=8)
    _para(doc, header.title, bold=True, size=14)
    _para(doc, header.subject, bold=True, size=14)
    _para(doc, "", size=8)


def _section(doc: Doc, section: Section, charts: dict[str, bytes]) -> None:
    _para(doc, section.heading, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for text in section.paragraphs:
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.paragraph_format.space_after = Pt(6)
    if section.chart and section.chart in charts:
        doc.add_picture(io.BytesIO(charts[section.chart]), width=Cm(15.5))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for table in section.tables:
        _table(doc, table)


def _table(doc: Doc, table: Table) -> None:
    _para(doc, table.title, italic=True, bold=True, size=12)
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    scale = 16.0 / sum(table.widths)
    for cell, name, width in zip(grid.rows[0].cells, table.columns, table.widths, strict=True):
        cell.width = Cm(width * scale)
        _cell(cell, name, bold=True)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value, width in zip(cells, row, table.widths, strict=True):
            cell.width = Cm(width * scale)
            _cell(cell, value)
    _para(doc, "", size=6)


def _cell(cell: object, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = paragraph.add_run(text)
    run.bold, run.font.size = bold, Pt(11)


def _footer(doc: Doc, header: Header) -> None:
    table = _grid(doc, [7.5, 9.0])
    left, right = table.rows[0].cells  # type: ignore[attr-defined]
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in header.recipients:
        _para(left, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(right, header.signer_authority, bold=True, size=14)
    _para(right, header.signer_title, bold=True, size=14)
    _para(right, "\n\n\n", size=14)
    _para(right, header.signer_name or " ", bold=True, size=14)
