"""`lib.xlsx_values`: cell values of an .xlsx as openpyxl gives them, read with calamine; raw
cells for the importers that convert only what they need; formulas read as their text."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from chiso.lib.xlsx_values import XlsxBook, XlsxReadError, cell_value, read_rows


def _book(*rows: list[Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_values_come_as_openpyxl_gives_them_and_raw_as_calamine_does() -> None:
    data = _book(["a", 1, None, 2.5, dt.date(2025, 9, 30)])
    assert read_rows(data) == [["a", 1, None, 2.5, dt.date(2025, 9, 30)]]
    raw = read_rows(data, raw=True)
    assert raw == [["a", 1.0, "", 2.5, dt.date(2025, 9, 30)]]
    assert type(raw[0][1]) is float
    assert [cell_value(v) for v in raw[0]] == read_rows(data)[0]


def test_raw_is_honoured_whatever_was_read_before() -> None:
    book = XlsxBook(_book(["a", None, 1]))
    assert book.sheet_names == ["Sheet"]
    assert book.rows(0, raw=True) == [["a", "", 1.0]]
    assert book.rows(0) == [["a", None, 1]]
    assert book.rows("Sheet", raw=True) == [["a", "", 1.0]]


def test_a_sheet_with_formulas_is_read_as_their_text() -> None:
    data = _book(["x", 2, "=B1*2"])
    assert read_rows(data) == [["x", 2, "=B1*2"]]


def test_a_damaged_workbook_raises_a_read_error() -> None:
    with pytest.raises(XlsxReadError):
        read_rows(b"PK\x03\x04 not really a zip")
    with pytest.raises(KeyError):
        XlsxBook(_book(["a"])).rows("Không có")
