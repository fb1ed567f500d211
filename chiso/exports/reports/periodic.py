"""The periodic report in every format, by name (a registry: adding a format is one entry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from chiso.collection.models import Period
from chiso.exports.reports import data, docx_report, pdf_report
from chiso.org.models import Unit

FORMATS: dict[str, tuple[Callable[[data.Report], bytes], str]] = {
    "docx": (
        docx_report.render,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": (pdf_report.render, "application/pdf"),
}


def make(province: Unit, period: Period, fmt: str, day: dt.date, number: str = "") -> bytes:
    """The report as bytes; raises KeyError for an unknown format."""
    render, _type = FORMATS[fmt]
    return render(data.build(province, period, day, number))


def filename(province: Unit, period: Period, fmt: str) -> str:
    return f"bao-cao-chuyen-doi-so-{province.code}-{period.code}.{fmt}"
