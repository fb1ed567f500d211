"""Many units' values in one tracking sheet: a province (or a ministry) loads a whole period.

The sheet is the tracking sheet of `collection.sheets` with two more columns:
- "Đơn vị" (unit code, `nghe-an.xa-nghi-loc`): the unit each row belongs to;
- "Mã ô nhập" (optional; the input of the leaf's rule, as the Excel template names it:
  `numerator`, `denominator`, `percent`, `value`, `count`, `choice`, `points`): then
  "Tự đánh giá" / "Thẩm định" hold that input's value and any leaf may be imported, one row
  per input. Without it, as in the one-unit sheet, they hold the points of `manual` leaves.

All rows are checked first and every problem names its row and column; nothing is written
unless everything is valid. The write is one transaction with bulk statements (a temporary
table and one UPDATE on PostgreSQL), so 100,000 values load in seconds, and one audit row
records the import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor, record
from chiso.collection.bulk import bulk_apply_changes
from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Period
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    open_assessments,
    validate_inputs,
)
from chiso.collection.sheets import (
    LABELS,
    RowReader,
    _check_scope,
    _status,
    _text,
    parse_sheet,
    read_rows,
)
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.lib.text import fold
from chiso.org.models import Unit
from chiso.scoring.engine import RULES, InputSpec

Rows = list[tuple[int, dict[str, Any]]]
YES_NO = {"co": 1, "khong": 0}


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
    rows = read_rows(path)
    if rows and "unit" not in rows[0][1]:
        raise CollectionError([_("%(f)s: thiếu cột Đơn vị") % {"f": path.name}])
    by_unit, errors = _group_by_unit(rows)
    units = {u.code: u for u in Unit.objects.filter(code__in=list(by_unit))}
    leaves = {i.code: i for i in version.indicators.filter(is_leaf=True)}
    batch: dict[Unit, list[EntryChange]] = {}
    specs: dict[str, dict[str, InputSpec]] = {}  # shared: every unit has the same leaves
    for code, unit_rows in by_unit.items():
        unit = _unit_or_error(units.get(code), code, unit_rows[0][0], errors)
        if unit is not None:
            batch[unit] = _parse_unit(unit, unit_rows, leaves, version, period, errors, specs)
    if errors:
        raise CollectionError(errors)
    assessments = _assessments(version, period, list(batch), actor)
    changes = {assessments[u.pk]: c for u, c in batch.items()}
    changed = bulk_apply_changes(changes, actor, inputs_checked=True)
    values = sum(len(c.inputs or {}) for changes in batch.values() for c in changes)
    record(
        actor,
        "assessment.import_cohort_sheet",
        period,
        new={"file": path.name, "rows": len(rows), "units": len(batch), "changed": changed},
    )
    return CohortImportReport(len(batch), len(rows), values, changed)


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


def _unit_or_error(unit: Unit | None, code: str, number: int, errors: list[str]) -> Unit | None:
    if unit is None:
        RowReader(number, {}, errors).fail("unit", _("không có đơn vị mã '%(c)s'") % {"c": code})
    return unit


def _parse_unit(
    unit: Unit,
    rows: Rows,
    leaves: dict[str, Indicator],
    version: FrameworkVersion,
    period: Period,
    errors: list[str],
    specs: dict[str, dict[str, InputSpec]],
) -> list[EntryChange]:
    try:
        _check_scope(version, unit, period)
        if "input" in rows[0][1]:
            return parse_input_rows(rows, leaves, specs)
        return parse_sheet(rows, leaves)
    except CollectionError as exc:
        errors += [f"{unit.code}: {m}" if not m.startswith("Dòng") else m for m in exc.messages]
        return []


def _assessments(
    version: FrameworkVersion, period: Period, units: Sequence[Unit], actor: Actor
) -> dict[int, Assessment]:
    found = Assessment.objects.filter(version=version, period=period, unit__in=units)
    out = {a.unit_id: a for a in found.select_related("unit")}
    missing = [u for u in units if u.pk not in out]
    if missing:
        out.update({a.unit_id: a for a in open_assessments(version, period, missing, actor)})
    return out


# --- one row per input ------------------------------------------------------------------------


def parse_input_rows(
    rows: Rows,
    leaves: Mapping[str, Indicator],
    specs: dict[str, dict[str, InputSpec]] | None = None,
) -> list[EntryChange]:
    """Rows (code, input, self value, appraisal value) → one change per leaf and stage; every
    value is checked with `validate_inputs`. `specs` caches each leaf's rule inputs.

    Raises CollectionError with every problem, each naming its row and column.
    """
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    inputs: dict[tuple[str, str], dict[str, Any]] = {}
    first: dict[str, RowReader] = {}
    specs = {} if specs is None else specs
    for number, cells in rows:
        reader = RowReader(number, cells, errors)
        parsed = _input_row(reader, leaves, seen, specs)
        if parsed is None:
            continue
        code, name, values = parsed
        first.setdefault(code, reader)
        for stage, value in values.items():
            inputs.setdefault((code, stage), {})[name] = value
    changes = _changes(inputs, first, leaves, errors, specs)
    if errors:
        raise CollectionError(errors)
    return changes


def _input_row(
    reader: RowReader,
    leaves: Mapping[str, Indicator],
    seen: dict[tuple[str, str], int],
    specs: dict[str, dict[str, InputSpec]],
) -> tuple[str, str, dict[str, Any]] | None:
    cells = reader.cells
    code = str(cells.get("code") or "").strip()
    name = str(cells.get("input") or "").strip()
    indicator = leaves.get(code)
    if indicator is None or not indicator.rule_kind:
        reader.fail("code", _("mã '%(c)s' không phải là tiêu chí của bộ chỉ số") % {"c": code})
        return None
    if code not in specs:
        specs[code] = _specs(indicator)
    spec = specs[code].get(name)
    if spec is None:
        need = ", ".join(specs[code])
        reader.fail("input", _("tiêu chí %(c)s cần ô nhập: %(n)s") % {"c": code, "n": need})
        return None
    if (code, name) in seen:
        previous = seen[(code, name)]
        reader.fail("code", _("mã %(c)s trùng với dòng %(n)s") % {"c": code, "n": previous})
        return None
    seen[(code, name)] = reader.number
    before = len(reader.errors)
    values = {stage: _read(reader, key, spec) for key, stage in _STAGES.items()}
    if len(reader.errors) > before:
        return None
    return code, name, {stage: v for stage, v in values.items() if v is not None}


_STAGES = {"self": Stage.SELF, "appraisal": Stage.APPRAISAL}


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


def _changes(
    inputs: dict[tuple[str, str], dict[str, Any]],
    first: dict[str, RowReader],
    leaves: Mapping[str, Indicator],
    errors: list[str],
    specs: Mapping[str, Mapping[str, InputSpec]],
) -> list[EntryChange]:
    out: list[EntryChange] = []
    row_label = _("dòng %(n)s")  # translated once: gettext costs ~100 µs a call under load
    for (code, stage), values in inputs.items():
        reader = first[code]
        problems = validate_inputs(leaves[code], values, specs[code])
        for problem in problems:
            reader.fail(LABELS[str(stage)], problem)
        if not problems:
            where = row_label % {"n": reader.number}
            extras = _extras(reader) if stage == Stage.SELF else {}
            out.append(EntryChange(code, values, stage, where=where, **extras))
    return out


def _extras(reader: RowReader) -> dict[str, Any]:
    """Progress, owner, due date and note of a leaf: from its first row, as the one-unit
    sheet reads them (problems go to the reader's errors)."""
    return {
        "progress": _status(reader),
        "owner": _text(reader, "owner"),
        "due": reader.date_or_none("due"),
        "note": _text(reader, "note"),
    }
