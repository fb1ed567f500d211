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
import threading
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
    """One workbook's sheets by name; `rows(name)` gives that sheet's cell values.

    The formula scan runs on a thread while calamine parses the sheet: both release the GIL
    (zlib's inflate, calamine's Rust parse), so on a big sheet the scan (~0.1 s for 100,000
    rows) is hidden behind the parse on a quiet 2-core machine. A damaged workbook may
    therefore raise XlsxReadError from `sheet_names` or `rows`, not only from here."""

    def __init__(self, source: Path | bytes) -> None:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        self._data = data
        self._scan = _Scan(data)
        self._reader: _CalamineReader | _OpenpyxlReader | None = None
        try:
            calamine: _CalamineReader | None = _CalamineReader(data)
        except Exception:  # unreadable, or readable by openpyxl only: the scan decides
            calamine = None
        self._calamine = calamine
        if calamine is None:
            self._choose()

    def _choose(self) -> _CalamineReader | _OpenpyxlReader:
        """The reader, once the scan has said whether the sheets hold formulas."""
        if self._reader is None:
            try:
                formulas = self._scan.result()
                if formulas:
                    self._reader = _OpenpyxlReader(self._data)
                elif self._calamine is not None:
                    self._reader = self._calamine
                else:
                    self._reader = _CalamineReader(self._data)  # raises what calamine says
            except XlsxReadError:
                raise
            except Exception as exc:  # both readers raise many types for a damaged file
                raise XlsxReadError(str(exc)) from exc
        return self._reader

    @property
    def sheet_names(self) -> list[str]:
        return self._choose().sheet_names()

    def rows(self, sheet: str | int = 0, *, raw: bool = False) -> list[list[Any]]:
        """Every row of `sheet` (a name or a position) as a list of values.

        `raw=True` (calamine only, for a caller that reads every cell itself): the cells as
        calamine gives them, "" for an empty cell and a float for every number; `cell_value`
        turns one into what `raw=False` gives."""
        try:
            parsed = self._parsed_early(sheet)
            reader = self._choose()
            if isinstance(reader, _CalamineReader):
                return reader.values(reader.sheet(sheet) if parsed is None else parsed, raw)
            return reader.rows(sheet)
        except (KeyError, IndexError, XlsxReadError):
            raise
        except Exception as exc:
            raise XlsxReadError(str(exc)) from exc

    def _parsed_early(self, sheet: str | int) -> Any:
        """calamine's parse of `sheet`, made while the scan runs; None once a reader is
        chosen, or when calamine fails (openpyxl may read it yet, if the scan finds formulas)."""
        if self._reader is not None or self._calamine is None:
            return None
        try:
            return self._calamine.sheet(sheet)
        except (KeyError, IndexError):
            raise
        except Exception:
            return None


def read_rows(source: Path | bytes, sheet: str | int = 0, *, raw: bool = False) -> list[list[Any]]:
    """The rows of one sheet of a workbook (the first by default); `raw` as `XlsxBook.rows`."""
    return XlsxBook(source).rows(sheet, raw=raw)


def cell_value(value: Any) -> Any:
    """A raw calamine cell as openpyxl gives it: None for "", a whole number as int."""
    if value == "":
        return None
    if type(value) is float and value.is_integer() and -(2**53) < value < 2**53:
        return int(value)
    return value


class _Scan:
    """`_has_formulas(data)` on a thread of its own; `result()` waits for it."""

    def __init__(self, data: bytes) -> None:
        self._found: bool | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(data,), name="xlsx-formulas")
        self._thread.daemon = True
        self._thread.start()

    def _run(self, data: bytes) -> None:
        try:
            self._found = _has_formulas(data)
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc

    def result(self) -> bool:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return bool(self._found)


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

    def sheet(self, sheet: str | int) -> Any:
        """The parsed sheet (calamine parses it here, without holding the GIL)."""
        if isinstance(sheet, int):
            return self._book.get_sheet_by_index(sheet)
        if sheet not in self._book.sheet_names:
            raise KeyError(sheet)
        return self._book.get_sheet_by_name(sheet)

    @staticmethod
    def values(found: Any, raw: bool) -> list[list[Any]]:
        # skip_empty_area=False keeps leading empty rows and columns: row numbers stay true.
        rows: list[list[Any]] = found.to_python(skip_empty_area=False)
        if raw:
            return rows
        # `cell_value` inlined (no function call per cell): this loop is most of the time.
        return [
            [
                None
                if v == ""
                else int(v)
                if type(v) is float and v.is_integer() and -(2**53) < v < 2**53
                else v
                for v in row
            ]
            for row in rows
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
