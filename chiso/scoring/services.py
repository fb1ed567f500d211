"""Score snapshots: every change to a cohort's inputs re-scores that cohort.

A cohort is every assessment of one framework version in one period. Some rules compare a
unit with the best of its cohort, so a cohort is always scored whole; the engine does that
vectorised in milliseconds even for a national cohort (4,375 units). The service around it is
what costs at that size, so it works in bulk: one raw query for the inputs (JSON decoded by
orjson), the engine's columns filled by numpy from flat lists, the snapshots encoded by
orjson and compared by digest with the stored ones, and only the rows that changed written
(COPY on PostgreSQL).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
from django.db import connection, models, transaction
from django.utils import timezone

from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Entry, Period
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.org.models import PeerGroup
from chiso.scoring.engine import (
    CohortInputs,
    CohortResult,
    CompiledTree,
    rank_competition,
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

    Writes only the snapshots whose content changed (their digest differs) and deletes those
    whose assessment or stage is gone; `replace` deletes and rewrites the whole cohort. The
    stored rows end the same either way (idempotent: a re-run writes nothing). Raises the
    engine's RuleError/EngineError on a broken rule, with nothing written.
    """
    _lock_cohort(version, period)
    with _no_gc():
        stages = _score_stages(version, period)
        written = _store(version, period, stages, replace)
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
    """The cohort's snapshots computed now from the stored inputs, not saved (`rescore` saves
    them; `chiso check-integrity` compares them with the stored ones)."""
    with _no_gc():
        rows = [
            scores.scored(i)
            for scores in _score_stages(version, period)
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
        for r in rows
    ]


@contextmanager
def _no_gc() -> Iterator[None]:
    """A cohort allocates a million small objects and frees none of them as cycles: the
    collector's passes over them cost more than the re-score itself (~0.5 s a cohort)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def _score_stages(version: FrameworkVersion, period: Period) -> list[_Scores]:
    compiled = tree_for(version)
    meta = inputs_for(version)
    cohort = _read_cohort(version, period, meta)
    groups = _peer_groups(version, period)
    out: list[_Scores] = []
    for stage, rows, inputs in _stage_inputs(cohort, meta):
        ids = [cohort.ids[i] for i in rows.tolist()]
        unit_ids = [cohort.unit_ids[i] for i in rows.tolist()]
        out.append(_score_stage(compiled, inputs, stage, ids, unit_ids, groups))
    return out


def _read_cohort(version: FrameworkVersion, period: Period, meta: VersionInputs) -> _Cohort:
    """The cohort's inputs, column-wise: the per-entry work runs in C (zip, dict, map) and
    numpy; only each distinct (leaf, JSON text) and each appraisal/final entry is decoded."""
    assessments = Assessment.objects.filter(version=version, period=period).order_by("pk")
    pairs = list(assessments.values_list("pk", "unit_id"))
    ids = [pk for pk, _unit in pairs]
    units = [unit for _pk, unit in pairs]
    appraised = np.zeros(len(ids), dtype=bool)
    over: dict[str, _Override] = {s: _Override([], [], [], [], []) for s in _OVERRIDING}
    entries = _entry_rows(version, period)
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


def _entry_rows(version: FrameworkVersion, period: Period) -> list[tuple[Any, ...]]:
    """(assessment id, indicator id, self, appraisal, final inputs as JSON text) of every entry
    of the cohort: both backends hand jsonb/JSON over as text, decoded here by orjson."""
    fields = ("assessment", "indicator", "self_inputs", "appraisal_inputs", "final_inputs")
    columns = ", ".join(_column(Entry, f) for f in fields)
    sql = (
        f"SELECT {columns} FROM {_table(Entry)} WHERE {_column(Entry, 'assessment')} IN "
        f"(SELECT {_column(Assessment, 'id')} FROM {_table(Assessment)} "
        f"WHERE {_column(Assessment, 'version')} = %s AND {_column(Assessment, 'period')} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [version.pk, period.pk])
        return list(cursor.fetchall())


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


def _stage_inputs(
    cohort: _Cohort, meta: VersionInputs
) -> Iterator[tuple[str, npt.NDArray[np.intp], CohortInputs]]:
    """Per stage with rows: the rows (cohort positions) and the engine's columns for them.
    Self and final always exist; appraisal only where a reviewer appraised something."""
    n = len(cohort.ids)
    if n == 0:
        return
    matrix = np.full((len(meta.columns), n), np.nan)
    _fill(matrix, *cohort.base)
    everyone = np.arange(n)
    yield Stage.SELF, everyone, _inputs(matrix, meta, everyone)
    _apply(matrix, cohort.overrides[Stage.APPRAISAL])
    appraised = np.flatnonzero(cohort.appraised)
    if appraised.size:
        yield Stage.APPRAISAL, appraised, _inputs(matrix, meta, appraised)
    _apply(matrix, cohort.overrides[Stage.FINAL])
    yield Stage.FINAL, everyone, _inputs(matrix, meta, everyone)


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
    picked = matrix[:, rows]
    present = ~np.isnan(picked).all(axis=1)
    columns = {meta.columns[c]: picked[c] for c in np.flatnonzero(present)}
    return CohortInputs(n_rows=len(rows), columns=columns)


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class _Scores:
    """One stage's scores, kept in arrays: a row's dicts and JSON are built only for the rows
    that are written (or asked for), its digest straight from the numbers."""

    stage: str
    ids: list[int]
    unit_ids: list[int]
    node_codes: list[str]
    view_codes: list[str]
    numbers: npt.NDArray[np.float64]  # (rows, 2 + nodes + views): total, index, points, views
    ranks: list[dict[str, int]]
    flags: list[dict[str, list[str]]]
    layout: bytes = b""  # the codes the numbers belong to: part of every digest

    def __post_init__(self) -> None:
        self.layout = orjson.dumps([self.node_codes, self.view_codes])

    def key(self, i: int) -> tuple[int, str]:
        return (self.ids[i], self.stage)

    def digest(self, i: int) -> str:
        """Of all the scored content (not of computed_at): a re-score compares digests."""
        tail = orjson.dumps([self.unit_ids[i], self.ranks[i], self.flags[i]])
        content = self.layout + self.numbers[i].tobytes() + tail
        return hashlib.blake2b(content, digest_size=16).hexdigest()

    def scored(self, i: int) -> Scored:
        numbers = self.numbers[i].tolist()
        nodes = len(self.node_codes)
        return Scored(
            self.ids[i],
            self.stage,
            self.unit_ids[i],
            numbers[0],
            numbers[1],
            self.ranks[i].get(ALL),
            dict(zip(self.node_codes, numbers[2 : 2 + nodes], strict=True)),
            dict(zip(self.view_codes, numbers[2 + nodes :], strict=True)),
            self.ranks[i],
            self.flags[i],
        )


def _score_stage(
    compiled: CompiledTree,
    inputs: CohortInputs,
    stage: str,
    ids: list[int],
    unit_ids: list[int],
    groups: dict[str, set[int]],
) -> _Scores:
    result = score_cohort(compiled, inputs)
    views = list(result.views)
    stacked = np.vstack([result.total, result.index, result.node_points, *result.views.values()])
    numbers = np.ascontiguousarray(_clean(stacked).T)
    ranks = _row_ranks(_rank_all(result, unit_ids, groups), len(ids))
    return _Scores(
        stage, ids, unit_ids, list(result.node_codes), views, numbers, ranks, _row_flags(result)
    )


def _peer_groups(version: FrameworkVersion, period: Period) -> dict[str, set[int]]:
    units = Assessment.objects.filter(version=version, period=period).values("unit_id")
    through = PeerGroup.members.through.objects.filter(unit_id__in=units)
    out: dict[str, set[int]] = {}
    for code, unit_id in through.values_list("peergroup__code", "unit_id").order_by(
        "peergroup__code"
    ):
        out.setdefault(code, set()).add(unit_id)
    return out


def _rank_all(
    result: CohortResult, unit_ids: Sequence[int], groups: dict[str, set[int]]
) -> dict[str, np.ndarray]:
    ranks = {ALL: rank_competition(result.index)}
    ids = np.asarray(unit_ids)
    for code, members in groups.items():
        mask = np.isin(ids, list(members))
        if mask.any():
            values = np.where(mask, result.index, np.nan)
            ranks[code] = rank_competition(values)
    return ranks


def _row_ranks(ranks: dict[str, np.ndarray], n: int) -> list[dict[str, int]]:
    """Per row: "all" and each peer group → its rank there (unranked ones left out)."""
    out: list[dict[str, int]] = [{} for _ in range(n)]
    for code, r in ranks.items():
        ranked = np.flatnonzero(r)
        for i, rank in zip(ranked.tolist(), r[ranked].tolist(), strict=True):
            out[i][code] = rank
    return out


def _row_flags(result: CohortResult) -> list[dict[str, list[str]]]:
    """Per row: leaf code → the engine's flag names, for the leaves flagged there."""
    out: list[dict[str, list[str]]] = [{} for _ in range(result.n_rows)]
    names: dict[int, list[str]] = {}
    leaves, rows = np.nonzero(result.leaf_flags)  # leaf-major: each row's keys in leaf order
    bits = result.leaf_flags[leaves, rows].tolist()
    codes = result.leaf_codes
    for leaf, i, b in zip(leaves.tolist(), rows.tolist(), bits, strict=True):
        if b not in names:
            names[b] = [str(f.name) for f in decode(b)]
        out[i][codes[leaf]] = list(names[b])
    return out


def _clean(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Rounded to 6 decimals exactly as Python's round() does; NaN and ±inf become 0.

    numpy rounds x·10⁶ in binary, which can fall on the other side of a half than the exact
    decimal: values that close to a half (or too large for that check) go through round().
    """
    a = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(a)
    safe = np.where(finite, a, 0.0)
    out = np.round(safe, 6).astype(np.float64, copy=False)
    scaled = np.abs(safe) * 1e6
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= scaled * 1e-15 + 1e-9
    for where in zip(*np.nonzero(near_half | (np.abs(safe) >= 1e9)), strict=True):
        out[where] = round(float(safe[where]), 6)
    return out


# --- writing the snapshots -------------------------------------------------------------------


def _store(version: FrameworkVersion, period: Period, fresh: list[_Scores], replace: bool) -> int:
    """Delete the stored snapshots that differ from `fresh` or are gone, insert the fresh
    ones that differ or are new; the number of snapshots whose content changed."""
    cohort = ScoreSnapshot.objects.filter(version=version, period=period)
    stored = {} if replace else _stored_digests(cohort)
    keys, new = set(), []
    for scores in fresh:
        for i in range(len(scores.ids)):
            key = scores.key(i)
            keys.add(key)
            if key not in stored or stored[key][1] != scores.digest(i):
                new.append((scores, i))
    changed = len(new)
    if not new and keys:
        # The dashboards' freshness stamp is the largest snapshot id (dashboards/freshness.py):
        # every re-score moves it, so one unchanged row is written again with a new id.
        new = [(fresh[0], 0)]
    written = {scores.key(i) for scores, i in new}
    stale = [pk for key, (pk, _d) in stored.items() if key in written or key not in keys]
    if replace or len(stale) == len(stored):
        cohort.delete()
    else:
        for start in range(0, len(stale), _BATCH):
            ScoreSnapshot.objects.filter(pk__in=stale[start : start + _BATCH]).delete()
    _insert(version, period, new)
    return changed


def _stored_digests(cohort: Any) -> dict[tuple[int, str], tuple[int, str]]:
    return {
        (a, s): (pk, d) for pk, a, s, d in cohort.values_list("pk", "assessment", "stage", "digest")
    }


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


def _insert(version: FrameworkVersion, period: Period, rows: list[tuple[_Scores, int]]) -> None:
    if not rows:
        return
    columns = ", ".join(_column(ScoreSnapshot, f) for f in _COLUMNS)
    table = _table(ScoreSnapshot)
    now = timezone.now()
    values = (_values(scores, i, version.pk, period.pk, now) for scores, i in rows)
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


def _values(scores: _Scores, i: int, version_id: int, period_id: int, now: Any) -> tuple[Any, ...]:
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
        scores.digest(i),
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
