"""Applying many assessments' changes at once, validated, in bulk statements.

`apply_changes` (services) saves entry by entry with an audit row each: right for a person's
edit, far too slow for a sheet of 100,000 values. Here the entries are read as plain tuples,
every change is checked first (all or nothing, messages with their `where`), and the changed
rows are written by one UPDATE from a temporary table filled by COPY on PostgreSQL, or by one
executemany elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor
from chiso.collection.choices import EntryStatus
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    as_due_date,
    validate_inputs,
)
from chiso.frameworks.models import Indicator
from chiso.lib import events

STAGE_FIELDS = {"self": "self_inputs", "appraisal": "appraisal_inputs", "final": "final_inputs"}
FIELDS = [*STAGE_FIELDS.values(), "progress", "owner", "due", "note"]
IN_CHUNK = 900  # SQLite's bound-parameter limit, far below it


@transaction.atomic
def bulk_apply_changes(
    batch: Mapping[Assessment, Sequence[EntryChange]],
    actor: Actor,
    *,
    inputs_checked: bool = False,
) -> int:
    """Validate and apply every assessment's changes, all or none; returns entries changed.

    Raises CollectionError listing every invalid change (unknown code, stage, progress, due
    date, value) with its `where`. `inputs_checked=True` skips `validate_inputs` for callers
    that already ran it on every change (the sheet parsers, to name rows and columns).
    Locks the assessments; bumps the revision of those that changed and queues one re-score
    per cohort. The caller records the audit row.
    """
    ids = [a.pk for a in batch]
    _lock(ids)
    current = _entries(ids)
    indicators = _indicators({a.version_id for a in batch})
    problems: list[str] = []
    rows: dict[int, dict[str, Any]] = {}
    for assessment, changes in batch.items():
        mine = current[assessment.pk]
        for change in changes:
            leaves = indicators.get(assessment.version_id, {})
            problems += _apply(change, mine, leaves, rows, inputs_checked)
    if problems:
        raise CollectionError(problems)
    _write(rows.values(), actor)
    _bump({e["assessment_id"] for e in rows.values()}, batch)
    return len(rows)


def _lock(ids: Sequence[int]) -> None:
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        list(Assessment.objects.select_for_update().filter(pk__in=chunk).values_list("pk"))


def _entries(ids: Sequence[int]) -> dict[int, dict[int, dict[str, Any]]]:
    """{assessment id: {indicator id: entry as a dict}}, without building model instances."""
    out: dict[int, dict[int, dict[str, Any]]] = {pk: {} for pk in ids}
    names = ["id", "assessment_id", "indicator_id", *FIELDS]
    for start in range(0, len(ids), IN_CHUNK):
        found = Entry.objects.filter(assessment_id__in=ids[start : start + IN_CHUNK])
        for values in found.values_list(*names).iterator(chunk_size=5000):
            row = dict(zip(names, values, strict=True))
            out[row["assessment_id"]][row["indicator_id"]] = row
    return out


def _indicators(version_ids: Iterable[int]) -> dict[int, dict[str, Indicator]]:
    """{version id: {leaf code: leaf}}."""
    out: dict[int, dict[str, Indicator]] = {}
    for leaf in Indicator.objects.filter(version_id__in=list(version_ids), is_leaf=True):
        out.setdefault(leaf.version_id, {})[leaf.code] = leaf
    return out


def _apply(
    change: EntryChange,
    entries: dict[int, dict[str, Any]],
    leaves: Mapping[str, Indicator],
    rows: dict[int, dict[str, Any]],
    inputs_checked: bool,
) -> list[str]:
    """Check one change and, when valid, apply it to its entry's row (kept in `rows`)."""
    prefix = f"{change.where}: " if change.where else ""
    indicator = leaves.get(change.code)
    entry = entries.get(indicator.pk) if indicator is not None else None
    if indicator is None or entry is None:
        message = _("mã chỉ tiêu '%(code)s' không có trong bản đánh giá") % {"code": change.code}
        return [prefix + message]
    problems = [prefix + p for p in _check(change, indicator, inputs_checked)]
    if problems:
        return problems
    new = dict(rows.get(entry["id"], entry))
    if change.inputs is not None:
        new[STAGE_FIELDS[change.stage]] = dict(change.inputs)
    for name in ("progress", "owner", "note"):
        if getattr(change, name) is not None:
            new[name] = getattr(change, name)
    if change.due is not None:
        new["due"] = as_due_date(change.due)
    if any(new[f] != entry[f] for f in FIELDS):
        rows[entry["id"]] = new
    return []


def _check(change: EntryChange, indicator: Indicator, inputs_checked: bool) -> list[str]:
    if change.stage not in STAGE_FIELDS:
        return [_("giai đoạn '%(s)s' không hợp lệ") % {"s": change.stage}]
    if change.progress is not None and change.progress not in EntryStatus.values:
        return [_("tình trạng '%(s)s' không hợp lệ") % {"s": change.progress}]
    if change.due is not None and as_due_date(change.due) is None:
        return [
            _("%(c)s · Hạn xử lý: '%(v)s' không phải là ngày có thật (dd/mm/yyyy)")
            % {"c": change.code, "v": change.due}
        ]
    if change.inputs is None or inputs_checked:
        return []
    return validate_inputs(indicator, change.inputs)


def _bump(changed: set[int], batch: Mapping[Assessment, Any]) -> None:
    ids = sorted(changed)
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        Assessment.objects.filter(pk__in=chunk).update(revision=F("revision") + 1)
    for version_id, period_id in {(a.version_id, a.period_id) for a in batch if a.pk in changed}:
        events.publish_on_commit(
            events.ASSESSMENT_CHANGED, version_id=version_id, period_id=period_id
        )


# --- the write --------------------------------------------------------------------------------


def _write(rows: Iterable[dict[str, Any]], actor: Actor) -> None:
    user_id = actor.pk if isinstance(actor, AbstractBaseUser) else None
    now = timezone.now()
    values = [
        (
            row["id"],
            *(_json(row[f]) for f in STAGE_FIELDS.values()),
            row["progress"],
            row["owner"],
            row["due"],
            row["note"],
            now,
            user_id,
        )
        for row in rows
    ]
    if not values:
        return
    if connection.vendor == "postgresql":
        _write_postgres(values)
    else:
        _write_executemany(values)


# One encoder: json.dumps with any non-default option builds a new encoder on every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)


_COLUMNS = [*FIELDS, "updated_at", "updated_by"]


def column_of(model: type[models.Model], name: str) -> str:
    """The database column of a concrete field (`assessment` → `assessment_id`)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return str(field.column)


def _column(name: str) -> str:
    return column_of(Entry, name)


def _when(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _write_executemany(values: list[tuple[Any, ...]]) -> None:
    assignments = ", ".join(f"{_column(n)} = %s" for n in _COLUMNS)
    sql = f"UPDATE {Entry._meta.db_table} SET {assignments} WHERE id = %s"
    ops = connection.ops
    params = [
        (*v[1:6], ops.adapt_datefield_value(v[6]), v[7], _when(v[8]), v[9], v[0]) for v in values
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


_TEMP = "chiso_entry_changes"
_TEMP_TYPES = "id bigint, s jsonb, a jsonb, f jsonb, progress text, owner text, due date, "
_TEMP_TYPES += "note text, updated_at timestamptz, updated_by bigint"


def _write_postgres(values: list[tuple[Any, ...]]) -> None:
    """COPY the new rows into a temporary table, then one UPDATE … FROM joins them."""
    table = Entry._meta.db_table
    temp = ["s", "a", "f", "progress", "owner", "due", "note", "updated_at", "updated_by"]
    sets = ", ".join(f"{_column(n)} = t.{t}" for n, t in zip(_COLUMNS, temp, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} ({_TEMP_TYPES}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {_TEMP} FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} AS e SET {sets} FROM {_TEMP} AS t WHERE e.id = t.id")
        cursor.execute(f"DROP TABLE {_TEMP}")
