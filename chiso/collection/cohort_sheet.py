"""Many units' values in one tracking sheet: a province (or a ministry) loads a whole period.

The sheet is the tracking sheet of `collection.sheets` with two more columns:
- "Đơn vị" (unit code, `nghe-an.xa-nghi-loc`): the unit each row belongs to;
- "Mã ô nhập" (optional; the input of the leaf's rule, as the Excel template names it:
  `numerator`, `denominator`, `percent`, `value`, `count`, `choice`, `points`): then
  "Tự đánh giá" / "Thẩm định" hold that input's value and any leaf may be imported, one row
  per input. Without it, as in the one-unit sheet, they hold the points of `manual` leaves.

All rows are checked and every problem names its row and column; nothing is kept unless
everything is valid. The write is one transaction with bulk statements (a temporary table and
an UPDATE per chunk of units on PostgreSQL, merged while the next units' changes are made and
rolled back whole if any row has a problem), so 100,000 values load in about a second, and
one audit row records the import.

Reading and checking 100,000 rows takes about as long as calamine takes to read them: rows
stay the lists the reader gives, cells as calamine gives them (`sheets.Table.raw`: only the
cells that need it are converted), the few distinct texts of the unit, code
and input columns are cleaned and looked up once, numbers are read without a RowReader, and
a leaf's values skip `validate_inputs` when its `InputCheck` proves them valid. Anything
unusual (an unknown code, text in a value cell, a value the check is not sure of) takes the
general path, so the values, the changes and the messages stay those of a row-by-row read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor, record
from chiso.collection.bulk import bulk_apply_stream
from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Period
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    InputCheck,
    open_assessments,
    validate_inputs,
)
from chiso.collection.sheets import (
    RowReader,
    Table,
    _check_scope,
    _same,
    _status,
    _text,
    clean_cell,
    is_blank,
    parse_sheet,
    read_table,
)
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.lib.memory import gc_paused
from chiso.lib.text import fold
from chiso.lib.xlsx_values import cell_value
from chiso.org.models import Unit
from chiso.scoring.engine import RULES, InputSpec

Rows = list[tuple[int, dict[str, Any]]]
YES_NO = {"co": 1, "khong": 0}
# Columns a leaf's first row may hold besides its values (the SELF change carries them).
EXTRA_COLUMNS = ("status", "owner", "due", "note")


@dataclass(frozen=True)
class CohortImportReport:
    units: int
    rows: int
    values: int
    changed: int


@transaction.atomic
def import_cohort_sheet(
    path: Path, version: FrameworkVersion, period: Period, actor: Actor
) -> CohortImportReport:
    """Import a sheet holding many units' rows into their assessments of `period`.

    Opens the assessments that do not exist yet. Raises CollectionError listing every problem
    (row and column; unknown unit, unit outside the framework or the period, bad value) and
    changes nothing then.
    """
    # The collector stays off until the batch is freed: turned back on while the parsed
    # changes still live, its first passes would walk all of them (~0.1 s) for nothing.
    with gc_paused():
        return _import(path, version, period, actor)


def _import(
    path: Path, version: FrameworkVersion, period: Period, actor: Actor
) -> CohortImportReport:
    parsed = _parse(path, version, period)
    if parsed.refused():  # known before any change is made: nothing is locked or written
        list(parsed.changes())  # every unit's problems, in the sheet's order
        raise CollectionError(parsed.errors)
    assessments = _assessments(version, period, parsed.units(), actor)
    # Each unit's changes are made while the database merges the ones before (bulk.py); a
    # problem met on the way (a value its rule refuses) stops the merging and rolls the whole
    # import back.
    stream = ((assessments[unit.pk], changes) for unit, changes in parsed.changes())
    try:
        changed = bulk_apply_stream(
            list(assessments.values()),
            stream,
            actor,
            inputs_checked=True,
            abandoned=lambda: bool(parsed.errors),
        )
    except CollectionError:
        if parsed.errors:  # the sheet's own problems come first, as when nothing is written
            raise CollectionError(parsed.errors) from None
        raise
    if parsed.errors:
        raise CollectionError(parsed.errors)
    record(
        actor,
        "assessment.import_cohort_sheet",
        period,
        new={
            "file": path.name,
            "rows": parsed.rows,
            "units": len(assessments),
            "changed": changed,
        },
    )
    return CohortImportReport(len(assessments), parsed.rows, parsed.values, changed)


def _parse(path: Path, version: FrameworkVersion, period: Period) -> _Parsed:
    """The sheet read and its rows gathered by unit; each unit's changes are made (and
    checked) when `changes()` is iterated."""
    table = read_table(path, raw=True)
    if "unit" not in table.columns:
        if next(table.numbered(), None) is not None:
            raise CollectionError([_("%(f)s: thiếu cột Đơn vị") % {"f": path.name}])
        return _Parsed(_Units(set(), version, period), {}, [], 0)
    units = _Units(_unit_codes(table), version, period)
    leaves = {i.code: i for i in version.indicators.filter(is_leaf=True)}
    if "input" in table.columns:
        parts, errors, rows = _input_parts(table, leaves, units)
    else:
        parts, errors, rows = _points_parts(table, leaves)
    return _Parsed(units, parts, errors, rows)


class _Parsed:
    """A read sheet: its units' parts in the sheet's order, and the problems met so far
    (`errors` grows while `changes()` is iterated)."""

    def __init__(
        self, units: _Units, parts: dict[str, _UnitPart], errors: list[str], rows: int
    ) -> None:
        self._units, self._parts = units, parts
        self.errors, self.rows = errors, rows
        self.values = 0  # input values in the changes made so far

    def refused(self) -> bool:
        """Whether problems are known already: rows without a unit, a unit that does not
        exist or is outside the framework or the period, or rows with an unknown code, a
        duplicate or an unreadable value."""
        return bool(self.errors) or any(
            part.refused or not self._units.wanted(code) for code, part in self._parts.items()
        )

    def units(self) -> list[Unit]:
        """The sheet's units that exist, in its order."""
        found = self._units.found
        return [found[code] for code in self._parts if code in found]

    def changes(self) -> Iterator[tuple[Unit, list[EntryChange]]]:
        """Each unit's changes, in the sheet's order; the problems of a unit (no such unit,
        out of scope, bad values) go to `errors` instead."""
        for unit, changes in self._units.changes(self._parts, self.errors):
            self.values += sum(len(c.inputs or {}) for c in changes)
            yield unit, changes


def _unit_code(raw: Any) -> str:
    """A unit cell (raw, see `Table.raw`) as a unit code ("" when there is none)."""
    return _text_of(raw).lower()


def _text_of(raw: Any) -> str:
    """A raw cell of a code column as its text: 12.0 is "12", as the sheet shows it."""
    return str(clean_cell(cell_value(raw)) or "").strip()


def _unit_codes(table: Table) -> set[str]:
    column = table.columns["unit"]
    texts = {row[column] for row in table.rows if column < len(row)}
    return {code for code in map(_unit_code, texts) if code}


@dataclass(frozen=True)
class _UnitPart:
    """One unit's share of the sheet: the row that first names it (for "no such unit") and
    how to get its changes (raising CollectionError with its problems)."""

    number: int
    changes: Callable[[], list[EntryChange]]
    refused: bool = False  # its rows already have problems (known before `changes`)


class _Units:
    """The units a sheet names, found with one query before its rows are read: the rows of a
    unit that does not exist, or is outside the framework or the period, are not read (it
    gets one message instead)."""

    def __init__(self, codes: set[str], version: FrameworkVersion, period: Period) -> None:
        self.found = {u.code: u for u in Unit.objects.filter(code__in=list(codes))}
        self._refused: dict[str, list[str]] = {}
        for code, unit in self.found.items():
            try:
                _check_scope(version, unit, period)
            except CollectionError as exc:
                self._refused[code] = exc.messages

    def wanted(self, code: str) -> bool:
        """Whether the rows of unit `code` are to be read."""
        return code in self.found and code not in self._refused

    def changes(
        self, parts: Mapping[str, _UnitPart], errors: list[str]
    ) -> Iterator[tuple[Unit, list[EntryChange]]]:
        """Each named unit's changes, in the sheet's order; a unit with problems is left out
        and its problems are added to `errors`."""
        for code, part in parts.items():
            unit = _unit_or_error(self.found.get(code), code, part.number, errors)
            if unit is not None:
                before = len(errors)
                changes = self._unit_changes(unit, part, errors)
                if len(errors) == before:
                    yield unit, changes

    def _unit_changes(self, unit: Unit, part: _UnitPart, errors: list[str]) -> list[EntryChange]:
        try:
            if unit.code in self._refused:
                raise CollectionError(self._refused[unit.code])
            return part.changes()
        except CollectionError as exc:
            errors += [f"{unit.code}: {m}" if not m.startswith("Dòng") else m for m in exc.messages]
            return []


def _unit_or_error(unit: Unit | None, code: str, number: int, errors: list[str]) -> Unit | None:
    if unit is None:
        RowReader(number, {}, errors).fail("unit", _("không có đơn vị mã '%(c)s'") % {"c": code})
    return unit


def _assessments(
    version: FrameworkVersion, period: Period, units: Sequence[Unit], actor: Actor
) -> dict[int, Assessment]:
    found = Assessment.objects.filter(version=version, period=period, unit__in=units)
    out = {a.unit_id: a for a in found.select_related("unit")}
    missing = [u for u in units if u.pk not in out]
    if missing:
        out.update({a.unit_id: a for a in open_assessments(version, period, missing, actor)})
    return out


# --- one row per leaf: points of manual leaves, as in the one-unit sheet ----------------------


def _points_parts(
    table: Table, leaves: dict[str, Indicator]
) -> tuple[dict[str, _UnitPart], list[str], int]:
    rows = table.records()
    by_unit, errors = _group_by_unit(rows)
    parts = {
        code: _UnitPart(unit_rows[0][0], partial(parse_sheet, unit_rows, leaves))
        for code, unit_rows in by_unit.items()
    }
    return parts, errors, len(rows)


def _group_by_unit(rows: Rows) -> tuple[dict[str, Rows], list[str]]:
    out: dict[str, Rows] = defaultdict(list)
    errors: list[str] = []
    for number, cells in rows:
        code = str(cells.get("unit") or "").strip().lower()
        if not code:
            RowReader(number, cells, errors).fail("unit", _("thiếu mã đơn vị"))
            continue
        out[code].append((number, cells))
    return out, errors


# --- one row per input ------------------------------------------------------------------------


def _input_parts(
    table: Table, leaves: Mapping[str, Indicator], units: _Units
) -> tuple[dict[str, _UnitPart], list[str], int]:
    sheet = _InputSheet(table, leaves, units.wanted)
    sheet.read()
    parts = {
        code: _UnitPart(unit.number, partial(sheet.changes, unit), bool(unit.errors))
        for code, unit in sheet.units.items()
    }
    return parts, sheet.errors, sheet.rows


class _Leaf:
    """A leaf as the parse needs it, built once per import (every unit has the same leaves).
    Plain classes with slots here and below: they are compared by identity (dict keys) and
    read a million times."""

    __slots__ = (
        "accepts",
        "appraisal_target",
        "code",
        "indicator",
        "self_target",
        "slots",
        "specs",
    )

    def __init__(self, indicator: Indicator, texts: dict[str, dict[str, Any]]) -> None:
        self.code: str = indicator.code
        self.indicator = indicator
        self.specs = _specs(indicator)
        self.accepts = InputCheck(indicator, self.specs).accepts
        self.slots = {
            name: _Slot(self, spec, texts.setdefault(spec.type, {}))
            for name, spec in self.specs.items()
        }
        self.self_target = _Target(self, Stage.SELF, "self")
        self.appraisal_target = _Target(self, Stage.APPRAISAL, "appraisal")


class _Slot:
    """One input of one leaf: what a row's code and input name resolve to."""

    __slots__ = ("leaf", "name", "spec", "texts", "whole")

    def __init__(self, leaf: _Leaf, spec: InputSpec, texts: dict[str, Any]) -> None:
        self.leaf, self.name, self.spec = leaf, spec.name, spec
        self.whole = spec.type in ("count", "bool")  # a whole number is kept as an int
        self.texts = texts  # text cells already read for this input type → their value


class _Target:
    """One leaf's values for one stage: the key of a unit's gathered inputs."""

    __slots__ = ("column", "is_self", "leaf", "stage")

    def __init__(self, leaf: _Leaf, stage: Stage, column: str) -> None:
        self.leaf, self.stage = leaf, stage
        self.column = column  # "self" or "appraisal": the column its problems name
        self.is_self = column == "self"  # the change that carries progress, owner, due, note


class _UnitRows:
    """One unit's rows met so far: the inputs gathered by leaf and stage, the first valid row
    of every leaf (its problems and extras are reported there) and its rows' problems."""

    __slots__ = ("errors", "first", "inputs", "number", "seen", "skip")

    def __init__(self, number: int, skip: bool) -> None:
        self.number = number  # the row that first names the unit
        self.skip = skip  # a unit that gets one message (no such unit, out of scope)
        self.errors: list[str] = []
        self.seen: dict[_Slot, int] = {}
        self.first: dict[_Leaf, tuple[int, list[Any]]] = {}
        # in the order each leaf and stage got its first value, as the changes are listed
        self.inputs: defaultdict[_Target, dict[str, Any]] = defaultdict(dict)

    def fail(self, number: int, key: str, message: str) -> None:
        RowReader(number, {}, self.errors).fail(key, message)


_BAD = object()  # a cell that could not be read (its message is recorded)
_UNKNOWN = object()  # a text not read yet


class _InputSheet:
    """One pass over a sheet with one row per input ("Mã ô nhập"): each row is checked and
    its values gathered into its unit's leaves, problems kept per unit in row order.

    A sheet repeats few distinct texts in its unit, code and input columns: each raw text is
    cleaned and resolved once (`_unit`, `_slot`) and found by a dict look-up afterwards. A
    number in the self column is read inline; any other value cell goes through `_value`,
    and text through `_read`, as the one-unit sheet reads it."""

    def __init__(
        self, table: Table, leaves: Mapping[str, Indicator], wanted: Callable[[str], bool]
    ) -> None:
        self.table, self.leaves, self.wanted = table, leaves, wanted
        self.units: dict[str, _UnitRows] = {}  # by unit code, in the sheet's order
        self.errors: list[str] = []  # rows without a unit code
        self.rows = 0  # rows that are not blank
        self._units_by_text: dict[str, _UnitRows] = {}
        self._slots_by_text: dict[str, dict[str, _Slot]] = {}  # code text → input text → slot
        self._leaves: dict[str, _Leaf | None] = {}
        self._texts: dict[str, dict[str, Any]] = {}  # input type → text cell → value
        columns = table.columns
        self._extras = {key: columns[key] for key in EXTRA_COLUMNS if key in columns}
        self._where = _("dòng %(n)s")  # translated once: gettext costs ~100 µs a call under load

    def read(self) -> None:
        """Gather every row (the loop runs 100,000 times: locals, no call on the usual path)."""
        table = self.table
        columns, width = table.columns, table.width
        unit_col, code_col, input_col = columns["unit"], columns["code"], columns["input"]
        self_col, appraisal_col = columns["self"], columns.get("appraisal")
        units, slots = self._units_by_text, self._slots_by_text
        self.rows = len(table.rows)
        for number, row in enumerate(table.rows, table.first):
            if len(row) < width:
                row = row + [None] * (width - len(row))
            unit = units.get(row[unit_col])
            if unit is None:
                unit = self._unit(number, row)
                if unit is None:
                    continue
            if unit.skip:
                continue
            by_input = slots.get(row[code_col])
            slot = None if by_input is None else by_input.get(row[input_col])
            if slot is None:
                slot = self._slot(number, row, unit)
                if slot is None:
                    continue
            seen = unit.seen
            if slot in seen:
                self._duplicate(number, slot, unit)
                continue
            seen[slot] = number
            own = row[self_col]
            if type(own) is int or type(own) is float:  # as `_value` reads it, inlined
                own = float(own)
                if slot.whole and own == int(own):
                    own = int(own)
            elif own is not None and own != "":
                own = self._value(own, slot, "self", number, unit)
            else:
                own = None
            appraised = None if appraisal_col is None else row[appraisal_col]
            if appraised == "":
                appraised = None
            elif appraised is not None:
                appraised = self._value(appraised, slot, "appraisal", number, unit)
            if own is _BAD or appraised is _BAD:
                continue
            leaf = slot.leaf
            if leaf not in unit.first:
                unit.first[leaf] = (number, row)
            if own is not None:
                unit.inputs[leaf.self_target][slot.name] = own
            if appraised is not None:
                unit.inputs[leaf.appraisal_target][slot.name] = appraised

    def _unit(self, number: int, row: list[Any]) -> _UnitRows | None:
        """The unit of a row whose unit text is new; None for a blank row (not counted in
        `rows`) or a row without a unit code (a message)."""
        raw = row[self.table.columns["unit"]]
        code = _unit_code(raw)
        if not code:
            if is_blank(row):
                self.rows -= 1
            else:
                RowReader(number, {}, self.errors).fail("unit", _("thiếu mã đơn vị"))
            return None
        unit = self.units.get(code)
        if unit is None:
            unit = self.units[code] = _UnitRows(number, skip=not self.wanted(code))
        if type(raw) is str:  # 1 and 1.0 are equal keys with different texts: text only
            self._units_by_text[raw] = unit
        return unit

    def _slot(self, number: int, row: list[Any], unit: _UnitRows) -> _Slot | None:
        """The leaf input of a row whose code and input texts are new; None (and a message)
        when the code is no scored leaf or the input not one of its rule's."""
        columns = self.table.columns
        raw_code, raw_input = row[columns["code"]], row[columns["input"]]
        code, name = _text_of(raw_code), _text_of(raw_input)
        leaf = self._leaf(code)
        if leaf is None:
            message = _("mã '%(c)s' không phải là tiêu chí của bộ chỉ số") % {"c": code}
            unit.fail(number, "code", message)
            return None
        slot = leaf.slots.get(name)
        if slot is None:
            need = ", ".join(leaf.specs)
            message = _("tiêu chí %(c)s cần ô nhập: %(n)s") % {"c": code, "n": need}
            unit.fail(number, "input", message)
            return None
        if type(raw_code) is str and type(raw_input) is str:
            self._slots_by_text.setdefault(raw_code, {})[raw_input] = slot
        return slot

    def _leaf(self, code: str) -> _Leaf | None:
        if code not in self._leaves:
            indicator = self.leaves.get(code)
            leaf = None
            if indicator is not None and indicator.rule_kind:
                leaf = _Leaf(indicator, self._texts)
            self._leaves[code] = leaf
        return self._leaves[code]

    def _duplicate(self, number: int, slot: _Slot, unit: _UnitRows) -> None:
        message = _("mã %(c)s trùng với dòng %(n)s") % {"c": slot.leaf.code, "n": unit.seen[slot]}
        unit.fail(number, "code", message)

    def _value(self, raw: Any, slot: _Slot, key: str, number: int, unit: _UnitRows) -> Any:
        """A value cell (not None) as `_read` reads it; _BAD after a message."""
        kind = type(raw)
        if kind is int or kind is float:  # not bool: "True" is refused as text
            value = float(raw)
            return int(value) if slot.whole and value == int(value) else value
        if kind is str:
            value = slot.texts.get(raw, _UNKNOWN)
            if value is not _UNKNOWN:
                return value
        before = len(unit.errors)
        value = _read(RowReader(number, {key: clean_cell(raw)}, unit.errors), key, slot.spec)
        if len(unit.errors) > before:
            return _BAD
        if kind is str:  # its value depends on the text and the input type only
            slot.texts[raw] = value
        return value

    def changes(self, unit: _UnitRows) -> list[EntryChange]:
        """The unit's changes, one per leaf and stage with values, each checked (at the leaf's
        first row); raises CollectionError with the unit's problems."""
        out: list[EntryChange] = []
        where, extras = self._where, self._extras
        for target, values in unit.inputs.items():
            leaf = target.leaf
            number, row = unit.first[leaf]
            if not leaf.accepts(values) and self._refused(unit, target, values, number):
                continue
            if extras and target.is_self:
                read = _extras(RowReader(number, self._extra_cells(row), unit.errors))
                change = EntryChange(
                    leaf.code, values, target.stage, where=where % {"n": number}, **read
                )
            else:
                change = EntryChange(leaf.code, values, target.stage, where=where % {"n": number})
            out.append(change)
        if unit.errors:
            raise CollectionError(unit.errors)
        return out

    def _refused(
        self, unit: _UnitRows, target: _Target, values: dict[str, Any], number: int
    ) -> bool:
        """`validate_inputs`' messages for values the quick check was not sure of."""
        leaf = target.leaf
        problems = validate_inputs(leaf.indicator, values, leaf.specs)
        for problem in problems:
            unit.fail(number, target.column, problem)
        return bool(problems)

    def _extra_cells(self, row: list[Any]) -> dict[str, Any]:
        # An empty .xlsx cell is None (the stored text is kept), an empty CSV cell "" (cleared),
        # as `Table.records()` reads them.
        value = cell_value if self.table.raw else _same
        return {key: clean_cell(value(row[col])) for key, col in self._extras.items()}


def _specs(indicator: Indicator) -> dict[str, InputSpec]:
    rule = RULES[indicator.rule_kind].from_params(indicator.rule_params or {}, indicator.max_points)
    return {spec.name: spec for spec in rule.inputs}


def _read(reader: RowReader, key: str, spec: InputSpec) -> Any:
    raw = reader.cells.get(key)
    if spec.type == "choice" and isinstance(raw, str) and not raw.startswith("="):
        return raw or None
    if spec.type == "bool" and isinstance(raw, str) and fold(raw) in YES_NO:
        return YES_NO[fold(raw)]
    value = reader.number_or_none(key)
    if value is not None and spec.type in ("count", "bool") and value == int(value):
        return int(value)
    return value


def _extras(reader: RowReader) -> dict[str, Any]:
    """Progress, owner, due date and note of a leaf: from its first row, as the one-unit
    sheet reads them (problems go to the reader's errors)."""
    return {
        "progress": _status(reader),
        "owner": _text(reader, "owner"),
        "due": reader.due(),
        "note": _text(reader, "note"),
    }
