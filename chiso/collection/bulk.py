"""Applying many assessments' changes at once, validated, in bulk statements.

`apply_changes` (services) saves entry by entry with an audit row each: right for a person's
edit, far too slow for a sheet of 100,000 values. Here every change is checked first (all or
nothing, messages with their `where`), then written in bulk:
- on PostgreSQL, the changes go by COPY into a temporary table and an UPDATE … FROM merges
  them into the entries, in the database: the entries are never read into Python (decoding
  100,000 JSON values costs more than the whole write), and only the rows whose values
  differ are updated (`IS DISTINCT FROM`, jsonb compared by value). The merge runs chunk by
  chunk, in pipeline mode, while the caller makes the next chunk (`bulk_apply_stream`), so
  PostgreSQL and Python work at the same time;
- elsewhere (SQLite, one province's sheets), the entries are read as plain tuples, merged here
  and the changed rows written by one executemany.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    as_due_date,
    field_problem,
    validate_inputs,
)
from chiso.frameworks.models import Indicator
from chiso.lib import events

STAGE_FIELDS = {"self": "self_inputs", "appraisal": "appraisal_inputs", "final": "final_inputs"}
FIELDS = [*STAGE_FIELDS.values(), "progress", "owner", "due", "note"]
IN_CHUNK = 900  # SQLite's bound-parameter limit, far below it


def bulk_apply_changes(
    batch: Mapping[Assessment, Sequence[EntryChange]],
    actor: Actor,
    *,
    inputs_checked: bool = False,
) -> int:
    """Validate and apply every assessment's changes, all or none; returns entries changed.

    Raises CollectionError listing every invalid change (unknown code, no such entry in the
    assessment, stage, progress, due date, value) with its `where`. `inputs_checked=True`
    skips `validate_inputs` for callers that already ran it on every change (the sheet
    parsers, to name rows and columns). Locks the assessments; bumps the revision of those
    that changed and queues one re-score per cohort. The caller records the audit row.
    """
    return bulk_apply_stream(list(batch), batch.items(), actor, inputs_checked=inputs_checked)


@transaction.atomic
def bulk_apply_stream(
    assessments: Sequence[Assessment],
    stream: Iterable[tuple[Assessment, Sequence[EntryChange]]],
    actor: Actor,
    *,
    inputs_checked: bool = False,
    abandoned: Callable[[], bool] = lambda: False,
) -> int:
    """`bulk_apply_changes` for changes given as they are made (each assessment once, among
    `assessments`): on PostgreSQL the database merges each chunk of assessments while the
    caller makes the next (see `_merge_in_database`). The whole stream is read before any
    problem is raised, so a caller that gathers its own problems while making the changes
    (the sheet parser) has them all; once `abandoned()` is true (it found one and will roll
    back), nothing more is merged."""
    _lock([a.pk for a in assessments])
    indicators = _indicators({a.version_id for a in assessments})
    if connection.vendor == "postgresql":
        changed, count = _merge_in_database(stream, indicators, actor, inputs_checked, abandoned)
    else:
        batch = dict(stream)
        if abandoned():
            return 0
        changed, count = _merge_here(batch, indicators, actor, inputs_checked)
    _bump(changed, assessments)
    return count


def _merge_here(
    batch: Mapping[Assessment, Sequence[EntryChange]],
    indicators: Mapping[int, Mapping[str, Indicator]],
    actor: Actor,
    inputs_checked: bool,
) -> tuple[set[int], int]:
    """Read the entries, merge the changes into them here, write the rows that differ."""
    current = _entries([a.pk for a in batch])
    problems: list[str] = []
    rows: dict[int, dict[str, Any]] = {}
    for assessment, changes in batch.items():
        mine = current[assessment.pk]
        leaves = indicators.get(assessment.version_id, {})
        for change in changes:
            problems += _apply(change, mine, leaves, rows, inputs_checked)
    if problems:
        raise CollectionError(problems)
    _write(rows.values(), actor)
    return {e["assessment_id"] for e in rows.values()}, len(rows)


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
        return [prefix + _no_entry(change)]
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


def _no_entry(change: EntryChange) -> str:
    return _("mã chỉ tiêu '%(code)s' không có trong bản đánh giá") % {"code": change.code}


def _check(change: EntryChange, indicator: Indicator, inputs_checked: bool) -> list[str]:
    problem = field_problem(change)
    if problem is not None:
        return [problem]
    if change.inputs is None or inputs_checked:
        return []
    return validate_inputs(indicator, change.inputs)


def _bump(changed: set[int], batch: Iterable[Assessment]) -> None:
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
    if values:
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


# --- PostgreSQL: the merge in the database ----------------------------------------------------

# The temporary table: one row per entry changed, its key, then each field's new value
# (NULL: left as it is).
_ROW_COLUMNS = (
    ("assessment_id", "bigint"),
    ("indicator_id", "bigint"),
    ("self_inputs", "jsonb"),
    ("appraisal_inputs", "jsonb"),
    ("final_inputs", "jsonb"),
    ("progress", "text"),
    ("owner", "text"),
    ("due", "date"),
    ("note", "text"),
)
_TEMP = "chiso_entry_changes"
_SLOT = {name: i for i, name in enumerate(FIELDS)}
_STAGE_SLOT = {stage: _SLOT[name] for stage, name in STAGE_FIELDS.items()}

# For the merge's statements: no JIT (compiling them took ~20 ms, more than it saved) and
# room to hash the changed rows in memory, for this transaction only and put back afterwards.
_MERGE_SETTINGS = {"jit": "off", "work_mem": "64MB"}


@contextmanager
def _merge_settings(cursor: Any) -> Iterator[None]:
    names = list(_MERGE_SETTINGS)
    cursor.execute(
        "SELECT "
        + ", ".join("current_setting(%s)" for _ in names)
        + ", "
        + ", ".join("set_config(%s, %s, true)" for _ in names),
        [*names, *(v for n in names for v in (n, _MERGE_SETTINGS[n]))],
    )
    before = cursor.fetchone()[: len(names)]
    yield
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
        [v for pair in zip(names, before, strict=True) for v in pair],
    )


def _merge_in_database(
    stream: Iterable[tuple[Assessment, Sequence[EntryChange]]],
    indicators: Mapping[int, Mapping[str, Indicator]],
    actor: Actor,
    inputs_checked: bool,
    abandoned: Callable[[], bool],
) -> tuple[set[int], int]:
    """Check every change here, then let PostgreSQL merge them into the entries.

    The changes of one entry are folded into one row (a later change of a field wins, as
    when they are applied one by one). Every `CHUNK` assessments, their rows are copied into
    a temporary table and one statement names the entries that do not exist (refused, like
    an unknown code) and updates the ones whose values differ. That statement is sent in
    pipeline mode (psycopg): PostgreSQL runs it on the other core while this process folds
    the next chunk and the caller makes it; its result is read before the next COPY. Nothing
    is committed here: a problem anywhere rolls every chunk back.
    """
    consumed: list[tuple[Assessment, Sequence[EntryChange]]] = []
    valid = True
    with connection.cursor() as cursor, _merge_settings(cursor):
        names = ", ".join(f"{name} {kind}" for name, kind in _ROW_COLUMNS)
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} ({names}) ON COMMIT DROP")
        merger = _Merger(actor)
        with connection.wrap_database_errors, merger:
            rows: dict[tuple[int, int], list[Any]] = {}
            for count, (assessment, changes) in enumerate(stream, 1):
                consumed.append((assessment, changes))
                leaves = indicators.get(assessment.version_id, {})
                valid = _fold_into(rows, assessment.pk, changes, leaves, inputs_checked) and valid
                if count % CHUNK == 0:
                    merger.send(rows, update=valid and not abandoned())
                    rows = {}
            if rows:
                merger.send(rows, update=valid and not abandoned())
        missing, changed = merger.missing, merger.changed
        cursor.execute(f"DROP TABLE {_TEMP}")
    if missing or not valid:
        raise CollectionError(_problems(consumed, indicators, inputs_checked, missing))
    return set(changed), sum(changed.values())


CHUNK = 64  # assessments merged by one statement (~6,000 entries): small enough to overlap


class _Merger:
    """The statements of `_merge_in_database` on the transaction's own connection: each chunk
    is copied into the temporary table, then its merge is sent in pipeline mode and `send`
    returns at once (the server starts on a statement as soon as it arrives). The next
    `send`, or leaving the block, reads the result first: COPY cannot run in a pipeline."""

    def __init__(self, actor: Actor) -> None:
        self.missing: set[tuple[int, int]] = set()
        self.changed: dict[int, int] = {}
        self._user_id = actor.pk if isinstance(actor, AbstractBaseUser) else None
        self._now = timezone.now()
        self._connection = connection.connection  # the psycopg connection, in the transaction
        self._cursor: Any = None
        self._pipeline: Any = None

    def __enter__(self) -> _Merger:
        self._cursor = self._connection.cursor()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._wait(*exc)
        finally:
            self._cursor.close()

    def send(self, rows: dict[tuple[int, int], list[Any]], *, update: bool) -> None:
        """Name the rows' missing entries and, with `update`, merge the rows. (After an
        invalid change nothing is merged any more, but every missing entry is still named.)"""
        self._wait()
        cursor = self._cursor
        cursor.execute(f"TRUNCATE {_TEMP}")
        with cursor.copy(f"COPY {_TEMP} FROM STDIN") as copy:
            for (assessment_id, indicator_id), (s, a, f, *rest) in rows.items():
                copy.write_row(
                    (assessment_id, indicator_id, _jsonb(s), _jsonb(a), _jsonb(f), *rest)
                )
        ids = sorted({assessment_id for assessment_id, _ in rows})
        self._pipeline = self._connection.pipeline()
        self._pipeline.__enter__()
        if update:
            cursor.execute(_MERGE_SQL, [ids, self._now, self._user_id, ids])
        else:
            cursor.execute(_MISSING_SQL, [ids])

    def _wait(self, *exc: Any) -> None:
        """Leave the pipeline (its statement has run, or failed) and read what it returned."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is None:
            return
        pipeline.__exit__(*(exc or (None, None, None)))
        if exc and exc[0] is not None:
            return
        for assessment_id, number, is_count in self._cursor.fetchall():
            if is_count:
                self.changed[assessment_id] = self.changed.get(assessment_id, 0) + number
            else:
                self.missing.add((assessment_id, number))


def _fold_into(
    rows: dict[tuple[int, int], list[Any]],
    assessment_id: int,
    changes: Sequence[EntryChange],
    leaves: Mapping[str, Indicator],
    inputs_checked: bool,
) -> bool:
    """Fold one assessment's changes into `rows`: {(assessment, indicator): the entry's new
    fields (None: as it is)}; False when a change is not valid (`_problems` says why)."""
    valid = True
    width = len(FIELDS)
    for change in changes:
        indicator = leaves.get(change.code)
        if indicator is None or _check(change, indicator, inputs_checked):
            valid = False
            continue
        key = (assessment_id, indicator.pk)
        fields = rows.get(key)
        if fields is None:
            fields = rows[key] = [None] * width
        _fold(change, fields)
    return valid


def _jsonb(value: Any) -> str | None:
    """JSON for a jsonb column: orjson, ~5× faster than the json module for 100,000 small
    objects (its compact spacing is what jsonb stores anyway). The values were checked:
    finite numbers, choice keys."""
    return None if value is None else orjson.dumps(value).decode()


def _fold(change: EntryChange, fields: list[Any]) -> None:
    """Set the fields `change` gives in `fields` (the entry's pending new values)."""
    if change.inputs is not None:
        fields[_STAGE_SLOT[change.stage]] = change.inputs  # only read, to encode it
    if change.progress is not None:
        fields[_SLOT["progress"]] = change.progress
    if change.owner is not None:
        fields[_SLOT["owner"]] = change.owner
    if change.note is not None:
        fields[_SLOT["note"]] = change.note
    if change.due is not None:
        # NULL in the temporary table keeps the stored date; a due of "" clears it.
        fields[_SLOT["due"]] = _CLEAR_DUE if change.due == "" else as_due_date(change.due)


# A date no deadline can be: the temporary table's "clear the stored due date".
_CLEAR_DUE = "-infinity"


def _merge_statements() -> tuple[str, str]:
    """(merge, missing only): SQL merging the temporary table, taking the chunk's assessment
    ids (and, to merge, the time, the user and the ids again). Each returns
    (assessment, indicator, false) for an entry that does not exist and (assessment, entries
    changed, true) for every assessment the merge changed.

    The entries are found by the assessments' ids first (the unique index on assessment and
    indicator), so the planner never scans the whole table. Only those whose given fields
    differ are updated (jsonb compares by value, as Python's dicts do), so importing the same
    sheet twice changes nothing the second time."""
    table = Entry._meta.db_table
    missing = (
        f"missing AS (SELECT t.assessment_id, t.indicator_id FROM {_TEMP} AS t LEFT JOIN "
        f"(SELECT assessment_id, indicator_id FROM {table} WHERE assessment_id = ANY(%s)) AS e "
        "ON e.assessment_id = t.assessment_id AND e.indicator_id = t.indicator_id "
        "WHERE e.assessment_id IS NULL)"
    )
    fields = [(_column(name), name) for name in FIELDS]

    def given(name: str) -> str:  # the new value ("-infinity" clears a due date)
        if name != "due":
            return f"t.{name}"
        return f"(CASE WHEN t.due = '{_CLEAR_DUE}' THEN NULL ELSE t.due END)"

    sets = ", ".join(
        f"{column} = CASE WHEN t.{name} IS NULL THEN e.{column} ELSE {given(name)} END"
        for column, name in fields
    )
    differs = " OR ".join(
        f"(t.{name} IS NOT NULL AND {given(name)} IS DISTINCT FROM e.{column})"
        for column, name in fields
    )
    changed = (
        f"changed AS (UPDATE {table} AS e SET {sets}, "
        f"{_column('updated_at')} = %s, {_column('updated_by')} = %s "
        f"FROM {_TEMP} AS t WHERE e.assessment_id = ANY(%s) "
        "AND e.assessment_id = t.assessment_id AND e.indicator_id = t.indicator_id "
        f"AND ({differs}) RETURNING e.assessment_id)"
    )
    absent = "SELECT assessment_id, indicator_id, false FROM missing"
    counted = "SELECT assessment_id, count(*), true FROM changed GROUP BY assessment_id"
    return (
        f"WITH {missing}, {changed} {absent} UNION ALL {counted}",
        f"WITH {missing} {absent}",
    )


_MERGE_SQL, _MISSING_SQL = _merge_statements()


def _problems(
    batch: Iterable[tuple[Assessment, Sequence[EntryChange]]],
    indicators: Mapping[int, Mapping[str, Indicator]],
    inputs_checked: bool,
    missing: set[tuple[int, int]],
) -> list[str]:
    """Every change's problems in the order of the changes, each after its `where`."""
    out: list[str] = []
    for assessment, changes in batch:
        leaves = indicators.get(assessment.version_id, {})
        for change in changes:
            prefix = f"{change.where}: " if change.where else ""
            indicator = leaves.get(change.code)
            if indicator is None or (assessment.pk, indicator.pk) in missing:
                out.append(prefix + _no_entry(change))
            else:
                out += [prefix + p for p in _check(change, indicator, inputs_checked)]
    return out
