"""Score snapshots: every change to a cohort's inputs re-scores that cohort.

A cohort is every assessment of one framework version in one period. Some rules compare a
unit with the best of its cohort, so a cohort is always scored whole; the engine does that
vectorised in milliseconds even for a national cohort (4,375 units). The service around it is
what costs at that size, so it works in bulk and incrementally: the inputs come from the
cohort's column store (scoring/store.py), which re-reads only the assessments whose entries
changed (one raw query, JSON decoded by orjson); the fresh scores are compared with the stored
ones array to array (or by digest, in a process that has not seen the cohort), and only the
rows that changed are written (COPY on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
import xxhash
from django.db import connection, models, transaction
from django.utils import timezone

from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Entry, Period
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.lib.memory import gc_paused
from chiso.org.models import GroupStamp, PeerGroup
from chiso.scoring import store
from chiso.scoring.engine import (
    CohortInputs,
    CohortResult,
    CompiledTree,
    rank_competition,
    rescore_rows,
    score_cohort,
)
from chiso.scoring.engine.flags import decode
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.trees import LeafInputs, VersionInputs, inputs_for, tree_for, version_inputs

ALL = "all"
_OVERRIDING = (str(Stage.APPRAISAL), str(Stage.FINAL))  # stages whose inputs replace self's
_BATCH = 500  # ids per DELETE … IN (…) (SQLite's bound-parameter limit)


@dataclass(frozen=True)
class RescoreReport:
    version: str
    period: str
    assessments: int
    snapshots: int
    written: int = 0  # snapshots whose content changed (and were written again)


def rescore_ids(version_id: int, period_id: int) -> RescoreReport:
    """Subscriber of ASSESSMENT_CHANGED: re-score the cohort that just changed."""
    return rescore(FrameworkVersion.objects.get(pk=version_id), Period.objects.get(pk=period_id))


@transaction.atomic
def rescore(version: FrameworkVersion, period: Period, *, replace: bool = False) -> RescoreReport:
    """Re-score every assessment of `version` in `period`, at every stage, and re-rank.

    Writes only the snapshots whose content changed and deletes those whose assessment or
    stage is gone; `replace` reads every entry again and rewrites the whole cohort. The stored
    rows end the same either way (idempotent: a re-run writes nothing). The inputs come from
    the cohort's column store (scoring/store.py), which re-reads only the assessments whose
    entries changed. Raises the engine's RuleError/EngineError on a broken rule, with nothing
    written.
    """
    _lock_cohort(version, period)
    with gc_paused():
        held = store.checkout(version, period)
        rows = _cohort_rows(version, period)
        meta = inputs_for(version)
        warm = None if replace else held.warm
        start = warm.columns if warm is not None else (None if replace else held.base)
        synced = None
        if start is None:
            columns, drift = _read_columns(version, period, meta, rows), len(rows[0])
        else:
            synced = _sync(start, rows, version, period, meta)
            columns = synced.columns
            drift = (warm.drift if warm is not None else 0) + synced.reread
        previous = None if warm is None else warm.scores
        stages = _score_columns(version, meta, columns, previous, synced)
        fingerprint = _fingerprint(stages)
        unchanged = not replace and previous is None and held.row.scores_digest == fingerprint
        written = _store(version, period, stages, previous, unchanged, replace=replace)
        save_base = start is None or drift > max(64, len(columns.ids) // 50)
        warm = store.Warm(columns, {s.stage: s for s in stages}, drift)
        held.commit(warm, save_base=save_base, scores_digest=fingerprint)
    assessments = len({pk for scores in stages for pk in scores.ids})
    snapshots = sum(len(scores.ids) for scores in stages)
    return RescoreReport(version.label, period.code, assessments, snapshots, written)


def _lock_cohort(version: FrameworkVersion, period: Period) -> None:
    """One re-score of a cohort at a time, reading inputs only once it holds the lock.

    Without it two writers' re-scores (each after its own commit) overlap on PostgreSQL: the
    second fails on the unique snapshot it meant to replace, or the older one finishes last
    and leaves stale scores. A transaction-level advisory lock keyed by the cohort, released
    at commit; SQLite's IMMEDIATE transactions already run one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [version.pk, period.pk])


def fresh_snapshots(version: FrameworkVersion, period: Period) -> list[ScoreSnapshot]:
    """The cohort's snapshots computed now from every stored entry, not saved and without
    the column store (`rescore` saves them; `chiso check-integrity` compares them with the
    stored ones)."""
    with gc_paused():
        rows = _cohort_rows(version, period)
        meta = inputs_for(version)
        columns = _read_columns(version, period, meta, rows)
        scored = [
            scores.scored(i)
            for scores in _score_columns(version, meta, columns)
            for i in range(len(scores.ids))
        ]
    return [
        ScoreSnapshot(
            assessment_id=r.assessment_id,
            stage=r.stage,
            unit_id=r.unit_id,
            version_id=version.pk,
            period_id=period.pk,
            total=r.total,
            index=r.index,
            rank=r.rank,
            points=r.points,
            views=r.views,
            ranks=r.ranks,
            flags=r.flags,
        )
        for r in scored
    ]


# --- reading the inputs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    """One snapshot's content, before it becomes a row or a model instance."""

    assessment_id: int
    stage: str
    unit_id: int
    total: float
    index: float
    rank: int | None
    points: dict[str, float]
    views: dict[str, float]
    ranks: dict[str, int]
    flags: dict[str, list[str]]


class _Override(NamedTuple):
    cleared_columns: list[int]
    cleared_rows: list[int]
    columns: list[int]
    rows: list[int]
    values: list[float]


@dataclass
class _Cohort:
    """The cohort's inputs as (column, row, value) triples: the self-assessed ones, and the
    entries the appraisal and the final stage override (an override replaces a whole leaf)."""

    ids: list[int]
    unit_ids: list[int]
    appraised: npt.NDArray[np.bool_]  # rows with an appraisal stage
    base: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[Any]]
    overrides: dict[str, _Override]


Key = tuple[int, str]  # (assessment id, stage): a snapshot's identity
CohortRows = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]


def _cohort_rows(version: FrameworkVersion, period: Period) -> CohortRows:
    """(ids, unit ids, inputs_seq) of the cohort's assessments, by id: one small query.
    Read before any entry, so an entry committed meanwhile is re-read next time, never lost.
    Sorted here, not by the database: its sort of a national cohort cost more than the scan."""
    names = [_column(Assessment, f) for f in ("id", "unit", "inputs_seq", "version", "period")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names[0]}, {names[1]}, {names[2]} FROM {_table(Assessment)} "
            f"WHERE {names[3]} = %s AND {names[4]} = %s",
            [version.pk, period.pk],
        )
        found = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    found = found[np.argsort(found[:, 0], kind="stable")]
    return found[:, 0].copy(), found[:, 1].copy(), found[:, 2].copy()


def _read_columns(
    version: FrameworkVersion, period: Period, meta: VersionInputs, rows: CohortRows
) -> store.Columns:
    """The columns of the assessments in `rows`, read from their entries."""
    ids, units, seqs = rows
    cohort = _read_cohort(version, period, meta, ids.tolist(), units.tolist(), whole=True)
    self_m, appr_m, final_m = store.shared(*_matrices(cohort, meta))
    return store.Columns(ids, units, seqs, self_m, appr_m, final_m, cohort.appraised)


class _Synced(NamedTuple):
    columns: store.Columns
    reread: int  # assessments read again
    # When the columns were patched in place (the same assessments): the positions read
    # again, and per stage the engine columns whose values changed there. None otherwise.
    rows: npt.NDArray[np.intp] | None
    inputs: dict[str, npt.NDArray[np.intp]] | None


def _sync(
    start: store.Columns,
    rows: CohortRows,
    version: FrameworkVersion,
    period: Period,
    meta: VersionInputs,
) -> _Synced:
    """`start` brought up to date with `rows`: the assessments that are new, whose unit or
    whose inputs_seq moved are read again, the rest kept; gone ones dropped. Patched in place
    when the assessments are the same ones, and then what changed is said (`_Synced`)."""
    ids, units, seqs = rows
    n = len(ids)
    at = np.minimum(np.searchsorted(start.ids, ids), max(len(start.ids) - 1, 0))
    if len(start.ids):
        found = start.ids[at] == ids
        kept = found & (start.seqs[at] == seqs) & (start.unit_ids[at] == units)
    else:  # nothing kept from an empty cohort
        found = kept = np.zeros(n, dtype=bool)
    stale = np.flatnonzero(~kept)
    if len(start.ids) == n and kept.all():
        return _Synced(start, 0, stale, {})  # nothing read again: nothing changed
    same = len(start.ids) == n and bool(found.all())
    if same:
        out = start  # the same assessments: patch their columns in place
        out.unit_ids[:], out.seqs[:] = units, seqs
    else:
        kept_at = at[kept]
        shape = (start.self_m.shape[0], n)
        out = store.Columns(
            ids,
            units,
            seqs,
            np.full(shape, np.nan),
            np.full(shape, np.nan),
            np.full(shape, np.nan),
            np.zeros(n, dtype=bool),
        )
        for mine, theirs in (
            (out.self_m, start.self_m),
            (out.appr_m, start.appr_m),
            (out.final_m, start.final_m),
        ):
            mine[:, kept] = theirs[:, kept_at]
        out.appraised[kept] = start.appraised[kept_at]
    if stale.size:
        cohort = _read_cohort(
            version, period, meta, ids[stale].tolist(), units[stale].tolist(), whole=False
        )
        self_m, appr_m, final_m = _matrices(cohort, meta)
        if same:
            changed = {
                str(stage): np.flatnonzero(store.differs(old[:, stale], new).any(axis=1))
                for stage, old, new in (
                    (Stage.SELF, out.self_m, self_m),
                    (Stage.APPRAISAL, out.appr_m, appr_m),
                    (Stage.FINAL, out.final_m, final_m),
                )
            }
        out.patch(stale, self_m, appr_m, final_m)
        out.appraised[stale] = cohort.appraised
    if not same:
        out.self_m, out.appr_m, out.final_m = store.shared(out.self_m, out.appr_m, out.final_m)
        return _Synced(out, int(stale.size), None, None)
    return _Synced(out, int(stale.size), stale, changed if stale.size else {})


def _score_columns(
    version: FrameworkVersion,
    meta: VersionInputs,
    columns: store.Columns,
    previous: Mapping[str, _Scores] | None = None,
    synced: _Synced | None = None,
) -> list[_Scores]:
    """Self and final for every assessment; appraisal where a reviewer appraised something.

    With `previous` (this process's last scores of the cohort) and `synced` saying which
    assessments and which inputs changed since, a stage with the same assessments is brought
    up to date by the engine's `rescore_rows` (those rows, those leaves) instead of being
    scored whole."""
    n = len(columns.ids)
    if n == 0:
        return []
    compiled = tree_for(version)
    groups = _peer_groups()
    ids, units = columns.ids, columns.unit_ids
    everyone = np.arange(n)
    appraised = np.flatnonzero(columns.appraised)
    plan = [(Stage.SELF, columns.self_m, everyone)]
    if appraised.size:
        plan.append((Stage.APPRAISAL, columns.appr_m, appraised))
    plan.append((Stage.FINAL, columns.final_m, everyone))
    changed = synced.rows if synced is not None else None
    out: list[_Scores] = []
    for stage, m, at in plan:
        if stage == Stage.FINAL and len(at) == n and _same_inputs(m, columns.self_m):
            # Nothing appraised or finalised: the final scores are the self-assessed ones.
            out.append(dataclasses.replace(out[0], stage=str(stage), result=None, raw=None))
            continue
        before = previous.get(str(stage)) if previous is not None else None
        update = None
        if before is not None and changed is not None and np.array_equal(before.ids, ids[at]):
            rows = changed if len(at) == n else np.flatnonzero(np.isin(at, changed))
            moved = synced.inputs.get(str(stage)) if synced and synced.inputs else None
            leaves = None if moved is None else {meta.columns[c][0] for c in moved.tolist()}
            update = _Update(before, rows, leaves)
        inputs = _inputs(m, meta, at)
        out.append(_score_stage(compiled, inputs, str(stage), ids[at], units[at], groups, update))
    return out


def _same_inputs(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> bool:
    """Whether two stages' input matrices hold the same values (NaN = missing in both)."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    # The same bits are the same values, NaN included: one integer comparison (a fifth of
    # equal_nan's cost on a national cohort, where the two are usually copies of each other).
    # Different bits may still be equal values (0.0 and -0.0): then the exact check decides.
    contiguous = a.flags.c_contiguous and b.flags.c_contiguous
    if contiguous and np.array_equal(a.view(np.int64), b.view(np.int64)):
        return True
    return bool(np.array_equal(a, b, equal_nan=True))


class _Update(NamedTuple):
    """What a stage's last scores need to be brought up to date."""

    before: _Scores  # the stage's last scores, with the engine's result
    rows: npt.NDArray[np.intp]  # the rows (of the stage) whose inputs changed
    leaves: set[str] | None  # the leaves whose inputs changed there (None: any)


def _read_cohort(
    version: FrameworkVersion,
    period: Period,
    meta: VersionInputs,
    ids: list[int],
    units: list[int],
    *,
    whole: bool,
) -> _Cohort:
    """The inputs of the assessments `ids` (sorted), column-wise: the per-entry work runs in C
    (zip, dict, map) and numpy; only each distinct (leaf, JSON text) and each appraisal/final
    entry is decoded. `whole`: `ids` are the whole cohort (one query by cohort)."""
    appraised = np.zeros(len(ids), dtype=bool)
    over: dict[str, _Override] = {s: _Override([], [], [], [], []) for s in _OVERRIDING}
    entries = _entry_rows(version, period, None if whole else ids)
    if not entries or not ids:
        empty = np.zeros(0, dtype=np.intp)
        return _Cohort(ids, units, appraised, (empty, empty, np.zeros(0)), over)
    assessment_ids, indicator_ids, own, appraisal, final = zip(*entries, strict=True)
    rows = _positions(ids, assessment_ids)
    base = _distinct_cells(meta, list(zip(indicator_ids, own, strict=True)), rows)
    if appraisal.count(None) < len(appraisal) or final.count(None) < len(final):
        for k in np.flatnonzero(rows >= 0).tolist():
            leaf = meta.leaves.get(indicator_ids[k])
            _read_overrides(leaf, int(rows[k]), appraisal[k], final[k], appraised, over)
    return _Cohort(ids, units, appraised, base, over)


def _read_overrides(
    leaf: LeafInputs | None,
    i: int,
    appraisal: str | None,
    final: str | None,
    appraised: npt.NDArray[np.bool_],
    over: dict[str, _Override],
) -> None:
    """One entry's appraisal and final inputs (few entries have them: decoded one by one)."""
    if appraisal is not None and (inputs := _loads(appraisal)) is not None:
        appraised[i] = True  # any entry appraised gives the assessment an appraisal stage
        if leaf is not None:
            _override(over[Stage.APPRAISAL], leaf, i, _items(leaf, inputs))
    if leaf is not None and final is not None and (inputs := _loads(final)) is not None:
        _override(over[Stage.FINAL], leaf, i, _items(leaf, inputs))


def _positions(ids: list[int], assessment_ids: Sequence[int]) -> npt.NDArray[np.intp]:
    """Each entry's row (ids are sorted); -1 for an assessment created after `ids` was read."""
    sorted_ids = np.asarray(ids, dtype=np.int64)
    wanted = np.asarray(assessment_ids, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_ids, wanted), len(ids) - 1)
    return np.where(sorted_ids[at] == wanted, at, -1).astype(np.intp)


def _distinct_cells(
    meta: VersionInputs, keys: list[tuple[int, str | None]], rows: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[Any]]:
    """(column, row, value) of every self-assessed input. Each distinct (indicator, JSON text)
    is decoded once: a national cohort's 437,500 entries hold ~114,000 distinct ones."""
    unique = list(dict.fromkeys(keys))
    number = dict(zip(unique, range(len(unique)), strict=True))
    starts: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    leaf_of = meta.leaves.get
    for indicator_id, text in unique:
        starts.append(len(columns))
        leaf = leaf_of(indicator_id)
        if leaf is not None and text is not None:
            for column, value in _items(leaf, _loads(text)):
                columns.append(column)
                values.append(value)
    which = np.fromiter(map(number.__getitem__, keys), np.intp, len(keys))
    bounds = np.asarray([*starts, len(columns)], dtype=np.intp)
    picked, rows = _expand(bounds, which[rows >= 0], rows[rows >= 0])
    flat_columns = np.asarray(columns, dtype=np.intp)
    flat_values = np.asarray(values, dtype=np.float64)
    return flat_columns[picked], rows, flat_values[picked]


def _expand(
    bounds: npt.NDArray[np.intp], which: npt.NDArray[np.intp], rows: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Entry k uses the flat cells bounds[which[k]]:bounds[which[k] + 1]: their indices, and
    the entry's row repeated for each (numpy's repeat/arange instead of a Python loop)."""
    counts = np.diff(bounds)[which]
    ends = np.cumsum(counts)
    total = int(ends[-1]) if ends.size else 0
    picked = np.repeat(bounds[which] - (ends - counts), counts) + np.arange(total)
    return picked, np.repeat(rows, counts)


def _entry_rows(
    version: FrameworkVersion, period: Period, ids: list[int] | None = None
) -> list[tuple[Any, ...]]:
    """(assessment id, indicator id, self, appraisal, final inputs as JSON text) of every entry
    of the cohort, or of the assessments `ids`: both backends hand jsonb/JSON over as text,
    decoded here by orjson."""
    fields = ("assessment", "indicator", "self_inputs", "appraisal_inputs", "final_inputs")
    columns = ", ".join(_column(Entry, f) for f in fields)
    head = f"SELECT {columns} FROM {_table(Entry)} WHERE {_column(Entry, 'assessment')} IN "
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(
                f"{head}(SELECT {_column(Assessment, 'id')} FROM {_table(Assessment)} "
                f"WHERE {_column(Assessment, 'version')} = %s "
                f"AND {_column(Assessment, 'period')} = %s)",
                [version.pk, period.pk],
            )
            return list(cursor.fetchall())
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            cursor.execute(f"{head}({', '.join(['%s'] * len(chunk))})", chunk)
            out += cursor.fetchall()
        return out


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN/Infinity, which SQLite's JSON text may hold
        return json.loads(text)


def _items(leaf: LeafInputs, chosen: Any) -> list[tuple[int, float]]:
    """(column, number) of each input the leaf's rule declares. Inputs it does not declare
    (left over from an earlier rule) are skipped, so one stale field never stops a cohort."""
    if not chosen or not isinstance(chosen, dict):
        return []
    out = []
    for name, raw in chosen.items():
        column = leaf.keys.get(name)
        if column is None:
            continue
        kind = type(raw)
        if kind is float or kind is int or kind is bool:
            out.append((column, float(raw)))
        else:
            out.append((column, _number(raw, leaf.choices)))
    return out


def _add(into: tuple[list[int], list[int], list[float]], i: int, items: list[Any]) -> None:
    columns, rows, values = into
    for column, value in items:
        columns.append(column)
        rows.append(i)
        values.append(value)


def _override(into: _Override, leaf: LeafInputs, i: int, items: list[Any]) -> None:
    """The stage's inputs of this leaf replace the earlier stage's whole: clear, then set."""
    into.cleared_columns.extend(leaf.keys.values())
    into.cleared_rows.extend([i] * len(leaf.keys))
    _add((into.columns, into.rows, into.values), i, items)


def _matrices(cohort: _Cohort, meta: VersionInputs) -> tuple[Any, Any, Any]:
    """The (columns, assessments) inputs at each stage: self; after the appraisal's overrides;
    after the final stage's."""
    matrix = np.full((len(meta.columns), len(cohort.ids)), np.nan)
    _fill(matrix, *cohort.base)
    own = matrix.copy()
    _apply(matrix, cohort.overrides[Stage.APPRAISAL])
    appraised = matrix.copy()
    _apply(matrix, cohort.overrides[Stage.FINAL])
    return own, appraised, matrix


def _fill(matrix: npt.NDArray[np.float64], columns: Any, rows: Any, values: Any) -> None:
    if len(values):
        matrix[np.asarray(columns, dtype=np.intp), np.asarray(rows, dtype=np.intp)] = values


def _apply(matrix: npt.NDArray[np.float64], over: _Override) -> None:
    if over.cleared_rows:
        cleared = np.asarray(over.cleared_columns, dtype=np.intp)
        matrix[cleared, np.asarray(over.cleared_rows, dtype=np.intp)] = np.nan
    _fill(matrix, over.columns, over.rows, over.values)


def _inputs(
    matrix: npt.NDArray[np.float64], meta: VersionInputs, rows: npt.NDArray[np.intp]
) -> CohortInputs:
    """An all-NaN column is the same to the engine as an absent one: only the others go."""
    picked = matrix if len(rows) == matrix.shape[1] else matrix[:, rows]  # rows: all, in order
    present = ~np.isnan(picked).all(axis=1)
    columns = {meta.columns[c]: picked[c] for c in np.flatnonzero(present)}
    return CohortInputs(n_rows=len(rows), columns=columns)


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class _Scores:
    """One stage's scores, kept in arrays: a row's dicts and JSON are built only for the rows
    that are written (or asked for), its digest from the row's bytes."""

    stage: str
    ids: npt.NDArray[np.int64]
    unit_ids: npt.NDArray[np.int64]
    node_codes: list[str]
    view_codes: list[str]
    numbers: npt.NDArray[np.float64]  # (rows, 2 + nodes + views): total, index, points, views
    rank_codes: list[str]  # "all", then the peer groups ranked here, by code
    rank_matrix: npt.NDArray[np.int64]  # (rows, rank codes): the rank there, 0 = not ranked
    leaf_codes: list[str]
    leaf_flags: npt.NDArray[np.uint8]  # (rows, leaves): the engine's flag bits
    # The engine's result and `numbers` before rounding (columns, rows), kept so that the
    # next re-score in this process updates only the rows that changed.
    result: CohortResult | None = None
    raw: npt.NDArray[np.float64] | None = None

    @property
    def layout(self) -> bytes:
        """The codes the arrays' columns belong to: the key of the whole stage's fingerprint."""
        codes = [self.node_codes, self.view_codes, self.rank_codes, self.leaf_codes]
        return hashlib.blake2b(orjson.dumps(codes)).digest()

    def key(self, i: int) -> tuple[int, str]:
        return (int(self.ids[i]), self.stage)

    def digest_rows(self, rows: npt.NDArray[np.intp]) -> list[str]:
        """Of all the scored content of `rows` (not of computed_at): a re-score compares them.

        Two halves of 32 hex digits: the scores (unit, total, index, points, views, flags),
        then the ranks. A row whose first half is unchanged only moved in the ranking: its
        rank columns are updated in place instead of the whole row being written again."""
        if not len(rows):
            return []
        content = np.hstack(
            [
                self.numbers[rows].view(np.uint8),
                self.leaf_flags[rows],
                self.unit_ids[rows].reshape(-1, 1).view(np.uint8),
            ]
        )
        ranks = np.ascontiguousarray(self.rank_matrix[rows]).view(np.uint8)
        scored = _layout_key(self.node_codes, self.view_codes, self.leaf_codes)
        ranked = _layout_key(self.rank_codes)
        return [
            hashlib.blake2b(row, digest_size=16, key=scored).hexdigest()
            + hashlib.blake2b(rank, digest_size=16, key=ranked).hexdigest()
            for row, rank in zip(content, ranks, strict=True)
        ]

    def fingerprint(self) -> bytes:
        """Of the whole stage's content, as one hash over its arrays: ~1 ms for a national
        cohort, where a digest per row costs ~25 ms. xxh3 (128 bits) is not a cryptographic
        hash, and need not be: it detects change, it does not guard against forgery."""
        digest = xxhash.xxh3_128(self.layout)
        digest.update(self.stage.encode())
        for array in (self.ids, self.unit_ids, self.numbers, self.rank_matrix, self.leaf_flags):
            digest.update(np.ascontiguousarray(array).data)
        return digest.digest()

    def compare(self, other: _Scores) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None:
        """Per row, (whether its scores equal `other`'s, whether its ranks do too); None when
        they are not comparable row by row: other assessments or other codes."""
        comparable = (
            np.array_equal(self.ids, other.ids)
            and self.node_codes == other.node_codes
            and self.view_codes == other.view_codes
            and self.rank_codes == other.rank_codes
            and self.leaf_codes == other.leaf_codes
        )
        if not comparable:
            return None
        scored: npt.NDArray[np.bool_] = (
            (self.numbers.view(np.uint64) == other.numbers.view(np.uint64)).all(axis=1)
            & (self.leaf_flags == other.leaf_flags).all(axis=1)
            & (self.unit_ids == other.unit_ids)
        )
        return scored, scored & (self.rank_matrix == other.rank_matrix).all(axis=1)

    def ranks(self, i: int) -> dict[str, int]:
        """Row `i`'s ranks by rank code, where it is ranked."""
        row = self.rank_matrix[i].tolist()
        return {c: r for c, r in zip(self.rank_codes, row, strict=True) if r}

    def scored(self, i: int) -> Scored:
        numbers = self.numbers[i].tolist()
        nodes = len(self.node_codes)
        ranks = self.ranks(i)
        flagged = np.flatnonzero(self.leaf_flags[i]).tolist()
        bits = self.leaf_flags[i][flagged].tolist()
        return Scored(
            int(self.ids[i]),
            self.stage,
            int(self.unit_ids[i]),
            numbers[0],
            numbers[1],
            ranks.get(ALL),
            dict(zip(self.node_codes, numbers[2 : 2 + nodes], strict=True)),
            dict(zip(self.view_codes, numbers[2 + nodes :], strict=True)),
            ranks,
            {self.leaf_codes[leaf]: _flag_names(b) for leaf, b in zip(flagged, bits, strict=True)},
        )


def _layout_key(*codes: list[str]) -> bytes:
    """The key of a row digest's half: the codes its columns belong to."""
    return hashlib.blake2b(orjson.dumps(codes)).digest()


@lru_cache(maxsize=256)
def _flag_names(bits: int) -> list[str]:
    return [str(f.name) for f in decode(bits)]


def _score_stage(
    compiled: CompiledTree,
    inputs: CohortInputs,
    stage: str,
    ids: npt.NDArray[np.int64],
    unit_ids: npt.NDArray[np.int64],
    groups: _Groups,
    update: _Update | None = None,
) -> _Scores:
    """One stage's scores: the engine on every row or, with `update`, `rescore_rows` on the
    last result for the rows and leaves that changed. That result and the unrounded numbers
    are updated in place: they belong to this re-score from then on (store.checkout hands
    the process's copy over, and drops it if the re-score fails)."""
    before = update.before if update is not None else None
    if update is not None and before is not None and before.result is not None:
        result = before.result
        touched = rescore_rows(compiled, inputs, result, update.rows, update.leaves)
    else:
        result, before, touched = score_cohort(compiled, inputs), None, slice(None)
    views = list(result.views)
    raw = before.raw if before is not None else None
    if before is not None and raw is not None and raw.shape[1] == len(ids):
        # Only the touched rows can have moved, and rounding is element by element: only the
        # values that moved are rounded again.
        numbers = before.numbers.copy()
        rows = np.arange(len(ids))[touched]
        fresh = _stack(result, rows)
        at, column = np.nonzero(fresh != raw[:, rows])
        numbers[rows[column], at] = _clean(fresh[at, column])
        raw[:, rows] = fresh
    else:
        raw = _stack(result, slice(None))
        numbers = np.ascontiguousarray(_clean(raw).T)
    rank_codes, rank_matrix = _rank_all(result, unit_ids, groups)
    return _Scores(
        stage,
        ids,
        unit_ids,
        list(result.node_codes),
        views,
        numbers,
        rank_codes,
        rank_matrix,
        list(result.leaf_codes),
        np.ascontiguousarray(result.leaf_flags.T),
        result,
        raw,
    )


def _stack(result: CohortResult, rows: npt.NDArray[np.intp] | slice) -> npt.NDArray[np.float64]:
    """(total, index, node points, views) × `rows`, unrounded: the columns of `numbers`."""
    views = [view[rows] for view in result.views.values()]
    return np.vstack([result.total[rows], result.index[rows], result.node_points[:, rows], *views])


@dataclass(frozen=True)
class _Groups:
    """Peer-group memberships of the cohort's units, as parallel arrays sorted by code."""

    codes: list[str]  # distinct group codes, sorted
    labels: npt.NDArray[np.int64]  # per membership: index into `codes`
    units: npt.NDArray[np.int64]  # per membership: the unit id


def _peer_groups() -> _Groups:
    """Every peer-group membership (ranks use those of the cohort's units), kept in memory
    while the database's GroupStamp has not moved since they were read."""
    stamp = GroupStamp.objects.filter(pk=1).values_list("token", "seq").first()
    cached = _GROUPS
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    pairs = list(
        PeerGroup.members.through.objects.values_list("peergroup__code", "unit_id").order_by(
            "peergroup__code", "unit_id"
        )
    )
    codes = sorted({code for code, _unit in pairs})
    at = {code: i for i, code in enumerate(codes)}
    labels = np.fromiter((at[code] for code, _unit in pairs), np.int64, len(pairs))
    members = np.fromiter((unit for _code, unit in pairs), np.int64, len(pairs))
    groups = _Groups(codes, labels, members)
    if stamp is not None:
        # Kept once this transaction commits: a stamp moved by a transaction that rolls back
        # is moved again, to the same number, by the next one.
        transaction.on_commit(lambda: _keep_groups(stamp, groups))
    return groups


# ((GroupStamp.token, GroupStamp.seq), memberships), shared by the threads of a process
_GROUPS: tuple[tuple[str, int], _Groups] | None = None


def _keep_groups(stamp: tuple[str, int], groups: _Groups) -> None:
    global _GROUPS
    _GROUPS = (stamp, groups)


def _rank_all(
    result: CohortResult, unit_ids: npt.NDArray[np.int64], groups: _Groups
) -> tuple[list[str], npt.NDArray[np.int64]]:
    """The rank codes ("all", then each group with a member here) and (rows, codes) ranks,
    0 = unranked. The groups overlap, so each membership is one entry of a single ranking
    by group (one sort for all of them)."""
    n = len(unit_ids)
    order = np.argsort(unit_ids, kind="stable")
    at = np.minimum(np.searchsorted(unit_ids[order], groups.units), max(n - 1, 0))
    here = (unit_ids[order][at] == groups.units) if n else np.zeros(0, dtype=bool)
    rows, labels = order[at[here]], groups.labels[here]
    present = np.unique(labels)
    codes = [ALL, *(groups.codes[i] for i in present.tolist())]
    matrix = np.zeros((n, len(codes)), dtype=np.int64)
    matrix[:, 0] = rank_competition(result.index)
    if rows.size:
        column = np.searchsorted(present, labels) + 1
        matrix[rows, column] = rank_competition(result.index[rows], column)
    return codes, matrix


def _clean(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Rounded to 6 decimals exactly as Python's round() does; NaN and ±inf become 0.

    numpy rounds x·10⁶ in binary (`np.round`: multiply, rint, divide), which can fall on the
    other side of a half than the exact decimal: values that close to a half, too large for
    that check, or not finite go through round(). Worked through in blocks whose temporaries
    stay in the CPU's cache: a national stage is 500,000 values, and as whole-array passes
    the same work took five times as long (each pass a trip through memory, each temporary
    new pages).
    """
    a = np.asarray(x, dtype=np.float64)
    out = np.empty(a.shape)
    values, into = a.reshape(-1), out.reshape(-1)
    n = values.size
    size = max(1, min(n, _CLEAN_BLOCK))
    scaled, tolerance, near = np.empty(size), np.empty(size), np.empty(size, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, size):
            v = values[start : start + size]
            k = len(v)
            s, tol, check, rounded = scaled[:k], tolerance[:k], near[:k], into[start : start + k]
            np.multiply(v, 1e6, out=s)
            np.rint(s, out=rounded)
            # Near a half: ½ − |x·10⁶ − rint(x·10⁶)| ≤ |x·10⁶|·10⁻¹⁵ + 10⁻⁹. From 5·10⁸ on the
            # tolerance passes ½ and every value is checked; NaN (x not finite, or x·10⁶
            # overflowing) fails the comparison, so it is checked too.
            np.abs(s, out=tol)
            tol *= 1e-15
            tol += 1e-9
            np.subtract(s, rounded, out=s)
            np.abs(s, out=s)
            np.subtract(0.5, s, out=s)
            np.greater(s, tol, out=check)
            np.logical_not(check, out=check)
            rounded /= 1e6
            for i in np.flatnonzero(check).tolist():
                value = float(v[i])
                rounded[i] = round(value, 6) if math.isfinite(value) else 0.0
    return out


_CLEAN_BLOCK = 1 << 15  # values: two float temporaries of 256 KB, within a core's cache


# --- writing the snapshots -------------------------------------------------------------------


def _fingerprint(stages: Sequence[_Scores]) -> str:
    """The digest of a cohort's snapshots: every stage's content, in order."""
    digest = hashlib.blake2b(digest_size=32)
    for scores in stages:
        digest.update(scores.fingerprint())
    return digest.hexdigest()


def _store(
    version: FrameworkVersion,
    period: Period,
    fresh: list[_Scores],
    previous: Mapping[str, _Scores] | None,
    unchanged: bool,
    *,
    replace: bool,
) -> int:
    """Write the fresh snapshots that differ from the stored ones or are new, delete the
    stored ones that differ or are gone; the number of snapshots whose content changed.
    `replace` deletes every stored one and writes every fresh one.

    Otherwise what is stored is known, in order: from `previous` (this process's last
    re-score of the cohort, compared array to array); from `unchanged` (the fresh scores
    have the digest the store recorded for the stored snapshots: nothing to write); else
    from the digests of the stored rows, read from the table and compared with each fresh
    row's. A row whose scores are unchanged but whose ranks moved (most of a cohort after a
    big import: every unit below a changed one shifts) gets its rank columns updated in
    place: writing it whole made PostgreSQL parse its points again, ~60 µs a row.
    """
    new: list[tuple[_Scores, int]] = []
    moved: list[tuple[_Scores, int]] = []  # stored rows whose ranks only changed
    stored: dict[Key, str] | None = None
    digests: dict[tuple[str, int], str] = {}  # of fresh rows, by (stage, row), once each
    # Every stage compared row by row with the same stages of the same assessments: the
    # stored rows are the fresh ones' (no key sets to build, ~4 ms for a national cohort).
    alike = previous is not None and set(previous) == {scores.stage for scores in fresh}
    for scores in fresh:
        before = previous.get(scores.stage) if previous is not None else None
        same = scores.compare(before) if before is not None else None
        alike = alike and same is not None
        if replace:
            new += [(scores, i) for i in range(len(scores.ids))]
        elif same is not None:
            scored, whole = same
            new += [(scores, i) for i in np.flatnonzero(~scored).tolist()]
            moved += [(scores, i) for i in np.flatnonzero(scored & ~whole).tolist()]
        elif unchanged:
            continue
        else:
            stored = _stored_digests(version, period) if stored is None else stored
            for i, digest in enumerate(scores.digest_rows(np.arange(len(scores.ids)))):
                digests[scores.stage, i] = digest
                before_digest = stored.get(scores.key(i), "")
                if before_digest == digest:
                    continue
                # A digest of the older form (one 32-digit hash of everything) has no halves.
                if len(before_digest) == len(digest) and before_digest[:32] == digest[:32]:
                    moved.append((scores, i))
                else:
                    new.append((scores, i))
    known: set[Key] | None = None  # the stored rows' keys; None: the same as the fresh ones
    if (unchanged or alike) and stored is None and not replace:
        keys, gone = ({fresh[0].key(0)} if fresh else set()), set()
    else:
        keys = {(pk, scores.stage) for scores in fresh for pk in scores.ids.tolist()}
        if stored is not None:
            known = set(stored)
        elif previous is not None:
            known = {(pk, b.stage) for b in previous.values() for pk in b.ids.tolist()}
        else:
            known = set()
        gone = known - keys
    changed = len(new) + len(moved)
    if not new and keys:
        # The dashboards' freshness stamp is the largest snapshot id (dashboards/freshness.py):
        # every re-score moves it, so one row is written again with a new id.
        new = [moved.pop() if moved else (fresh[0], 0)]
    doomed = gone | {scores.key(i) for scores, i in new}
    if replace or (known is not None and known <= doomed):
        ScoreSnapshot.objects.filter(version=version, period=period).delete()
    else:
        by_stage: dict[str, list[int]] = {}
        for pk, stage in sorted(doomed if known is None else doomed & known):
            by_stage.setdefault(stage, []).append(pk)
        for stage, ids in by_stage.items():
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                # By (assessment, stage), the unique index: an assessment is in one cohort.
                ScoreSnapshot.objects.filter(assessment_id__in=chunk, stage=stage).delete()
    digests.update(_row_digests([r for r in new + moved if (r[0].stage, r[1]) not in digests]))
    now = timezone.now()
    _update_ranks(moved, now, digests)
    _insert(version, period, new, now, digests)
    return changed


def _stored_digests(version: FrameworkVersion, period: Period) -> dict[tuple[int, str], str]:
    rows = ScoreSnapshot.objects.filter(version=version, period=period)
    return {(a, s): d for a, s, d in rows.values_list("assessment", "stage", "digest")}


_COLUMNS = (
    "assessment",
    "stage",
    "unit",
    "version",
    "period",
    "total",
    "index",
    "rank",
    "points",
    "views",
    "ranks",
    "flags",
    "computed_at",
    "digest",
)


def _insert(
    version: FrameworkVersion,
    period: Period,
    rows: list[tuple[_Scores, int]],
    now: Any,
    digests: Mapping[tuple[str, int], str],
) -> None:
    if not rows:
        return
    columns = ", ".join(_column(ScoreSnapshot, f) for f in _COLUMNS)
    table = _table(ScoreSnapshot)
    values = (
        _values(scores, i, version.pk, period.pk, now, digests[scores.stage, i])
        for scores, i in rows
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: ~10× faster than INSERT for thousands of rows with ~130-key JSON each.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
        else:
            at = connection.ops.adapt_datetimefield_value(now)
            marks = ", ".join(["%s"] * len(_COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            cursor.executemany(sql, [(*v[:-2], at, v[-1]) for v in values])


_MOVED = "chiso_moved_ranks"  # the temporary table of `_update_ranks`


def _update_ranks(
    rows: list[tuple[_Scores, int]], now: Any, digests: Mapping[tuple[str, int], str]
) -> None:
    """Set the rank, ranks, digest and computed_at of stored rows whose scores are unchanged
    (the other columns stay as they are; PostgreSQL copies the stored points untouched)."""
    if not rows:
        return
    values = []
    for scores, i in rows:
        by_code = scores.ranks(i)
        pk, stage = scores.key(i)
        text = orjson.dumps(by_code).decode()
        values.append((pk, stage, by_code.get(ALL), text, digests[stage, i]))
    table = _table(ScoreSnapshot)
    names = ("assessment", "stage", "rank", "ranks", "digest", "computed_at")
    assessment, stage_, rank, ranks, digest, at = (_column(ScoreSnapshot, f) for f in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a temporary table and one UPDATE joined on the unique (assessment,
            # stage) index: ~15 µs a row, against ~60 for writing the row whole.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_MOVED} (assessment_id bigint, stage text, "
                "rank integer, ranks jsonb, digest text) ON COMMIT DROP"
            )
            with cursor.cursor.copy(f"COPY {_MOVED} FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
            cursor.execute(
                f"UPDATE {table} AS s SET {rank} = m.rank, {ranks} = m.ranks, "
                f"{digest} = m.digest, {at} = %s FROM {_MOVED} AS m "
                f"WHERE s.{assessment} = m.assessment_id AND s.{stage_} = m.stage",
                [now],
            )
            cursor.execute(f"DROP TABLE {_MOVED}")
        else:
            stamp = connection.ops.adapt_datetimefield_value(now)
            cursor.executemany(
                f"UPDATE {table} SET {rank} = %s, {ranks} = %s, {digest} = %s, {at} = %s "
                f"WHERE {assessment} = %s AND {stage_} = %s",
                [(r, j, d, stamp, pk, st) for pk, st, r, j, d in values],
            )


def _row_digests(rows: list[tuple[_Scores, int]]) -> dict[tuple[str, int], str]:
    """The digest of each row, computed by stage in one pass over its rows."""
    by_stage: dict[str, tuple[_Scores, list[int]]] = {}
    for scores, i in rows:
        by_stage.setdefault(scores.stage, (scores, []))[1].append(i)
    out: dict[tuple[str, int], str] = {}
    for stage, (scores, at) in by_stage.items():
        digests = scores.digest_rows(np.asarray(at, dtype=np.intp))
        out.update({(stage, i): d for i, d in zip(at, digests, strict=True)})
    return out


def _values(
    scores: _Scores, i: int, version_id: int, period_id: int, now: Any, digest: str
) -> tuple[Any, ...]:
    r = scores.scored(i)
    return (
        r.assessment_id,
        r.stage,
        r.unit_id,
        version_id,
        period_id,
        r.total,
        r.index,
        r.rank,
        *(orjson.dumps(v).decode() for v in (r.points, r.views, r.ranks, r.flags)),
        now,
        digest,
    )


# --- the inputs of a few assessments (explaining one indicator re-runs its cohort) -----------


class StoredInputs(NamedTuple):
    """One entry's inputs as stored, without building a model instance (cohorts are big)."""

    indicator_id: int
    self_inputs: dict[str, Any] | None
    appraisal_inputs: dict[str, Any] | None
    final_inputs: dict[str, Any] | None


def load_inputs(assessment_ids: Sequence[int]) -> dict[int, list[StoredInputs]]:
    out: dict[int, list[StoredInputs]] = {pk: [] for pk in assessment_ids}
    rows = Entry.objects.filter(assessment__in=assessment_ids).values_list(
        "assessment_id", "indicator_id", "self_inputs", "appraisal_inputs", "final_inputs"
    )
    for assessment_id, *fields in rows.iterator(chunk_size=5000):
        out[assessment_id].append(StoredInputs(*fields))
    return out


def leaves_by_id(version: FrameworkVersion) -> dict[int, Indicator]:
    return {i.pk: i for i in version.indicators.filter(is_leaf=True)}


def stage_inputs(entry: StoredInputs | Entry, stage: str) -> dict[str, Any]:
    """The inputs that count at `stage`: final falls back to appraisal, appraisal to self."""
    chosen: dict[str, Any] | None = entry.self_inputs or {}
    if stage in (Stage.FINAL, Stage.APPRAISAL) and entry.appraisal_inputs is not None:
        chosen = entry.appraisal_inputs
    if stage == Stage.FINAL and entry.final_inputs is not None:
        chosen = entry.final_inputs
    return dict(chosen or {})


def cohort_inputs(
    rows: Sequence[Iterable[StoredInputs]], leaves: Mapping[int, Indicator], stage: str
) -> CohortInputs:
    """Build the engine's columns from stored entries: one float column per leaf input (the
    same columns `rescore` builds, for rows loaded by `load_inputs`)."""
    meta = version_inputs(list(leaves.values()))
    cells: tuple[list[int], list[int], list[float]] = ([], [], [])
    for i, row_entries in enumerate(rows):
        for entry in row_entries:
            leaf = meta.leaves.get(entry.indicator_id)
            if leaf is not None:
                _add(cells, i, _items(leaf, stage_inputs(entry, stage)))
    matrix = np.full((len(meta.columns), len(rows)), np.nan)
    _fill(matrix, *cells)
    return _inputs(matrix, meta, np.arange(len(rows)))


def input_number(indicator: Indicator, raw: Any) -> float:
    """Stored input → engine float. Choice keys become option indices; junk becomes NaN
    (scored as missing and flagged, never a crash)."""
    options = (indicator.rule_params or {}).get("options") if indicator.rule_kind else None
    choices: dict[str, int] = {}
    for index, option in enumerate(options or []):
        if isinstance(option, dict) and isinstance(option.get("key"), str):
            choices.setdefault(option["key"], index)
    return _number(raw, choices)


def _number(raw: Any, choices: Mapping[str, int]) -> float:
    if raw is None or raw == "":
        return math.nan
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, str):
        index = choices.get(raw)
        if index is not None:
            return float(index)
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            return math.nan
    try:
        return float(raw)
    except (TypeError, ValueError):
        return math.nan


def choice_index(indicator: Indicator, key: str) -> int | None:
    options = (indicator.rule_params or {}).get("options", []) if indicator.rule_kind else []
    for index, option in enumerate(options):
        if isinstance(option, dict) and option.get("key") == key:
            return index
    return None
