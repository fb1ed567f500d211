"""Cell values of an .xlsx workbook, read fast with python-calamine (a Rust reader).

Values come back as openpyxl gives them, so the importers read both the same way: whole
numbers as int, empty cells as None, dates as date/datetime, and every row from row 1 (index
0 is row 1, whatever the sheet's used range), so error messages name the rows users see.

calamine returns a formula's cached result, not its text, and the importers refuse formulas
("ô chứa công thức"); so a workbook whose sheets hold any formula is read with openpyxl, which
returns the formula text ("=A1*2"). openpyxl parses the XML in Python, several times slower on
a big sheet; templates and tracking sheets normally hold plain values.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

# A cell formula is an <f> element (<x:f> with a prefix); bytes.find is ~3× faster than one
# regular expression over a 100,000-row sheet's XML. (<formula1> of data validations is not one.)
_FORMULA_TAGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


class XlsxReadError(ValueError):
    """The bytes are not a readable .xlsx workbook (damaged, encrypted, another format)."""


class XlsxBook:
    """One workbook's sheets by name; `rows(name)` gives that sheet's cell values."""

    def __init__(self, source: Path | bytes) -> None:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        self._data = data
        try:
            self._formulas = _has_formulas(data)
            self._reader = _OpenpyxlReader(data) if self._formulas else _CalamineReader(data)
        except XlsxReadError:
            raise
        except Exception as exc:  # both readers raise many types for a damaged file
            raise XlsxReadError(str(exc)) from exc

    @property
    def sheet_names(self) -> list[str]:
        return self._reader.sheet_names()

    def rows(self, sheet: str | int = 0) -> list[list[Any]]:
        """Every row of `sheet` (a name or a position) as a list of values."""
        try:
            return self._reader.rows(sheet)
        except (KeyError, IndexError):
            raise
        except Exception as exc:
            raise XlsxReadError(str(exc)) from exc


def read_rows(source: Path | bytes, sheet: str | int = 0) -> list[list[Any]]:
    """The rows of one sheet of a workbook (the first by default)."""
    return XlsxBook(source).rows(sheet)


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if _WORKSHEET.match(name):
                xml = archive.read(name)
                if any(xml.find(tag) != -1 for tag in _FORMULA_TAGS):
                    return True
    return False


class _CalamineReader:
    def __init__(self, data: bytes) -> None:
        from python_calamine import CalamineWorkbook

        self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def rows(self, sheet: str | int) -> list[list[Any]]:
        if isinstance(sheet, int):
            found = self._book.get_sheet_by_index(sheet)
        else:
            if sheet not in self._book.sheet_names:
                raise KeyError(sheet)
            found = self._book.get_sheet_by_name(sheet)
        # skip_empty_area=False keeps leading empty rows and columns: row numbers stay true.
        # Inlined (no function call per cell): this loop is most of the reading time.
        return [
            [
                None
                if v == ""
                else int(v)
                if type(v) is float and v.is_integer() and -(2**53) < v < 2**53
                else v
                for v in row
            ]
            for row in found.to_python(skip_empty_area=False)
        ]


class _OpenpyxlReader:
    def __init__(self, data: bytes) -> None:
        from openpyxl import load_workbook

        # data_only=False: a formula comes back as its text, for the caller to refuse.
        self._book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)

    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def rows(self, sheet: str | int) -> list[list[Any]]:
        found = self._book.worksheets[sheet] if isinstance(sheet, int) else self._book[sheet]
        return [list(row) for row in found.iter_rows(values_only=True)]
