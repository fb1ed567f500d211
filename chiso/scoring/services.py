"""Score snapshots: every change to a cohort's inputs re-scores that cohort.

A cohort is every assessment of one framework version in one period. Some rules compare a
unit with the best of its cohort, so a cohort is always scored whole; the engine does that
vectorised, well under a second even for a national cohort.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction

from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Entry, Period
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.org.models import PeerGroup
from chiso.scoring.engine import (
    CohortInputs,
    CohortResult,
    CompiledTree,
    build_rule,
    rank_competition,
    score_cohort,
)
from chiso.scoring.engine.flags import decode
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.trees import tree_for

ALL = "all"


@dataclass(frozen=True)
class RescoreReport:
    version: str
    period: str
    assessments: int
    snapshots: int


def rescore_ids(version_id: int, period_id: int) -> RescoreReport:
    """Subscriber of ASSESSMENT_CHANGED: re-score the cohort that just changed."""
    return rescore(FrameworkVersion.objects.get(pk=version_id), Period.objects.get(pk=period_id))


@transaction.atomic
def rescore(version: FrameworkVersion, period: Period) -> RescoreReport:
    """Re-score every assessment of `version` in `period`, at every stage, and re-rank.

    Replaces the cohort's snapshots whole (idempotent: a re-run gives the same rows).
    """
    compiled = tree_for(version)
    assessments = list(Assessment.objects.filter(version=version, period=period))
    stored = load_inputs([a.pk for a in assessments])
    leaves = leaves_by_id(version)
    groups = _peer_groups([a.unit_id for a in assessments])
    snapshots: list[ScoreSnapshot] = []
    for stage in Stage:
        rows = [a for a in assessments if _has_stage(stored[a.pk], stage)]
        if rows:
            inputs = cohort_inputs([stored[a.pk] for a in rows], leaves, stage)
            snapshots += _score_stage(compiled, rows, inputs, stage, groups)
    ScoreSnapshot.objects.filter(version=version, period=period).delete()
    ScoreSnapshot.objects.bulk_create(snapshots, batch_size=500)
    return RescoreReport(version.label, period.code, len(assessments), len(snapshots))


@dataclass(frozen=True, slots=True)
class StoredInputs:
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


def _has_stage(entries: Iterable[StoredInputs], stage: Stage) -> bool:
    """Self and final always exist; appraisal only once a reviewer appraised something."""
    if stage != Stage.APPRAISAL:
        return True
    return any(e.appraisal_inputs is not None for e in entries)


def stage_inputs(entry: StoredInputs | Entry, stage: str) -> dict[str, Any]:
    """The inputs that count at `stage`: final falls back to appraisal, appraisal to self."""
    chosen: dict[str, Any] | None = entry.self_inputs or {}
    if stage in (Stage.FINAL, Stage.APPRAISAL) and entry.appraisal_inputs is not None:
        chosen = entry.appraisal_inputs
    if stage == Stage.FINAL and entry.final_inputs is not None:
        chosen = entry.final_inputs
    return dict(chosen or {})


def _score_stage(
    compiled: CompiledTree,
    assessments: Sequence[Assessment],
    inputs: CohortInputs,
    stage: str,
    groups: dict[str, set[int]],
) -> list[ScoreSnapshot]:
    result = score_cohort(compiled, inputs)
    ranks = _rank_all(result, [a.unit_id for a in assessments], groups)
    return [
        _snapshot(a, stage, result, i, {code: int(r[i]) for code, r in ranks.items() if r[i]})
        for i, a in enumerate(assessments)
    ]


def cohort_inputs(
    rows: Sequence[Sequence[StoredInputs]], leaves: Mapping[int, Indicator], stage: str
) -> CohortInputs:
    """Build the engine's columns from stored entries: one float column per leaf input.

    Inputs a leaf's rule does not declare (left over from an earlier rule) are skipped, so
    one stale field never stops a cohort from being scored.
    """
    columns: dict[tuple[str, str], np.ndarray] = {}
    n = len(rows)
    for i, row_entries in enumerate(rows):
        for entry in row_entries:
            indicator = leaves.get(entry.indicator_id)
            if indicator is None or not indicator.rule_kind:
                continue
            for name, raw in stage_inputs(entry, stage).items():
                key = (indicator.code, name)
                if key not in columns:
                    if name not in _input_names(indicator):
                        continue
                    columns[key] = np.full(n, np.nan)
                columns[key][i] = input_number(indicator, raw)
    return CohortInputs(n_rows=n, columns=columns)


def _input_names(indicator: Indicator) -> set[str]:
    rule = build_rule(indicator.rule_kind, indicator.rule_params or {}, indicator.max_points)
    return {spec.name for spec in rule.inputs}


def input_number(indicator: Indicator, raw: Any) -> float:
    """Stored input → engine float. Choice keys become option indices; junk becomes NaN
    (scored as missing and flagged, never a crash)."""
    if raw is None or raw == "":
        return math.nan
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, str):
        index = choice_index(indicator, raw)
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


def _peer_groups(unit_ids: Sequence[int]) -> dict[str, set[int]]:
    through = PeerGroup.members.through.objects.filter(unit_id__in=unit_ids)
    out: dict[str, set[int]] = {}
    for code, unit_id in through.values_list("peergroup__code", "unit_id"):
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


def _snapshot(
    assessment: Assessment, stage: str, result: CohortResult, i: int, ranks: dict[str, int]
) -> ScoreSnapshot:
    return ScoreSnapshot(
        assessment=assessment,
        stage=stage,
        unit_id=assessment.unit_id,
        version_id=assessment.version_id,
        period_id=assessment.period_id,
        total=_clean(result.total[i]),
        index=_clean(result.index[i]),
        rank=ranks.get(ALL),
        points={c: _clean(p) for c, p in zip(result.node_codes, result.points[i], strict=True)},
        views={code: _clean(v[i]) for code, v in result.views.items()},
        ranks=ranks,
        flags=_flags(result, i),
    )


def _flags(result: CohortResult, i: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, bits in zip(result.leaf_codes, result.flags[i], strict=True):
        if bits:
            out[code] = [str(f.name) for f in decode(int(bits))]
    return out


def _clean(x: Any) -> float:
    value = float(x)
    return round(value, 6) if math.isfinite(value) else 0.0
