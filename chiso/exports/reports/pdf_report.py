"""The periodic report as PDF (reportlab), the same layout as the DOCX: Nghị định 30/2020
header, body, tables, charts, "Nơi nhận" and signature. Liberation Serif is embedded, so the
PDF shows Vietnamese the same everywhere."""

from __future__ import annotations

import io
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as Grid

from chiso.exports.reports.data import Header, Report, Section, Table
from chiso.exports.reports.docx_report import MOTTO, NATION
from chiso.exports.reports.fonts import font_file

FONT = "ReportSerif"
Align = Literal[0, 1, 2, 4]  # reportlab.lib.enums TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY
WIDTH = A4[0] - 45 * mm  # text width between the 30 mm and 15 mm margins


def _register() -> None:
    """The family's regular face carries the family name, as reportlab's mapping expects."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    names = {"regular": FONT, "bold": f"{FONT}-Bold", "italic": f"{FONT}-Italic",
             "bolditalic": f"{FONT}-BoldItalic"}  # fmt: skip
    for style, name in names.items():
        pdfmetrics.registerFont(TTFont(name, str(font_file(style))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=names["bold"], italic=names["italic"],
        boldItalic=names["bolditalic"],
    )  # fmt: skip


def _style(size: float = 13, align: Align = TA_CENTER, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        "s", fontName=FONT, fontSize=size, leading=size * 1.3, alignment=align, **extra
    )


def _p(text: str, size: float = 13, align: Align = TA_CENTER, bold: bool = False,
       italic: bool = False, **extra: Any) -> Paragraph:  # fmt: skip
    body = escape(text).replace("\n", "<br/>")
    if bold:
        body = f"<b>{body}</b>"
    if italic:
        body = f"<i>{body}</i>"
    return Paragraph(body, _style(size, align, **extra))


def render(report: Report) -> bytes:
    _register()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, topMargin=20 * mm, bottomMargin=20 * mm, leftMargin=30 * mm,
        rightMargin=15 * mm, title=report.header.subject, author=report.header.issuer,
    )  # fmt: skip
    story: list[Any] = [*_header(report.header)]
    for section in report.sections:
        story += _section(section, report.charts)
    story.append(_footer(report.header))
    doc.build(story)
    return out.getvalue()


def _header(header: Header) -> list[Any]:
    left = [_p(header.issuer, 12, bold=True), _p("————", 9), _p(header.number, 12)]
    right = [
        _p(NATION, 12, bold=True),
        _p(MOTTO, 13, bold=True),
        _p("——————————", 9),
        _p(header.place_date, 13, italic=True),
    ]
    grid = Grid([[left, right]], colWidths=[WIDTH * 0.4, WIDTH * 0.6])
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [
        grid,
        Spacer(1, 6 * mm),
        _p(header.title, 14, bold=True),
        _p(header.subject, 14, bold=True),
        Spacer(1, 5 * mm),
    ]


def _section(section: Section, charts: dict[str, bytes]) -> list[Any]:
    out: list[Any] = [_p(section.heading, 13, TA_LEFT, bold=True, spaceBefore=6, spaceAfter=4)]
    body = _style(13, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=4)
    out += [Paragraph(escape(text), body) for text in section.paragraphs]
    if section.chart and section.chart in charts:
        image = Image(io.BytesIO(charts[section.chart]))
        ratio = image.imageHeight / image.imageWidth
        image.drawWidth, image.drawHeight = WIDTH * 0.95, WIDTH * 0.95 * ratio
        out.append(image)
    for table in section.tables:
        out += _table(table)
    return out


def _table(table: Table) -> list[Any]:
    cell = _style(10, TA_LEFT)
    head = _style(10, TA_CENTER)
    rows = [[Paragraph(f"<b>{escape(c)}</b>", head) for c in table.columns]]
    rows += [[Paragraph(escape(v), cell) for v in row] for row in table.rows]
    scale = WIDTH / sum(table.widths)
    grid = Grid(rows, colWidths=[w * scale for w in table.widths], repeatRows=1)
    grid.setStyle(
        TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ])
    )  # fmt: skip
    return [Spacer(1, 2 * mm), _p(table.title, 11, bold=True, italic=True), grid, Spacer(1, 3 * mm)]


def _footer(header: Header) -> Grid:
    left = [_p("Nơi nhận:", 12, TA_LEFT, bold=True, italic=True)]
    left += [_p(f"- {line}", 11, TA_LEFT) for line in header.recipients]
    right = [
        _p(header.signer_authority, 13, bold=True),
        _p(header.signer_title, 13, bold=True),
        Spacer(1, 22 * mm),
        _p(header.signer_name or " ", 13, bold=True),
    ]
    grid = Grid([[left, right]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid
