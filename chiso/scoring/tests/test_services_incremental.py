"""A re-score writes only the snapshots that changed, and ends with exactly the rows a full
replace would have written; the fast input path reads the same columns as the slow one."""

from __future__ import annotations

import random
from typing import Any

import pytest

from chiso.collection.models import Assessment, Entry
from chiso.collection.services import EntryChange, apply_changes, ensure_period, open_assessments
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import PeerGroup
from chiso.scoring.engine import score_cohort
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import (
    cohort_inputs,
    fresh_snapshots,
    leaves_by_id,
    load_inputs,
    rescore,
)
from chiso.scoring.tests.test_services import _communes
from chiso.scoring.tests.test_services import version as version  # the fixture
from chiso.scoring.trees import tree_for

CONTENT = ("unit_id", "total", "index", "rank", "points", "views", "ranks", "flags", "digest")


def _stored(version: FrameworkVersion) -> dict[tuple[int, str], tuple[Any, ...]]:
    rows = ScoreSnapshot.objects.filter(version=version).values_list(
        "assessment_id", "stage", *CONTENT
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def _random_edit(rng: random.Random, assessments: list[Assessment]) -> None:
    """One unit's edit through the service, or (a third of the time) stored values the
    service would refuse: leftover fields, junk text, emptied stages."""
    target = rng.choice(assessments)
    stage = rng.choice(["self", "self", "appraisal", "final"])
    if rng.random() < 0.67:
        change = rng.choice(
            [
                EntryChange("1.1", {"numerator": rng.randint(0, 100), "denominator": 100}, stage),
                EntryChange("1.2", {"value": rng.randint(0, 1)}, stage),
                EntryChange("2.1", {"value": round(rng.uniform(0, 90), 3)}, stage),
                EntryChange("1.1", {"numerator": None, "denominator": 100}, stage),
            ]
        )
        apply_changes(target, [change], "test")
        return
    code = rng.choice(["1.1", "1.2", "2.1"])
    raw = rng.choice([{"old_field": 3}, {"value": "không rõ"}, {"value": "12,5"}, {}, None])
    field = {"self": "self_inputs", "appraisal": "appraisal_inputs", "final": "final_inputs"}
    if stage == "self" and raw is None:
        raw = {}
    Entry.objects.filter(assessment=target, indicator__code=code).update(**{field[stage]: raw})


@pytest.mark.django_db
def test_writing_only_changed_rows_ends_with_the_rows_a_full_replace_writes(
    version: FrameworkVersion,
) -> None:
    rng = random.Random(20261122)
    period = ensure_period("2025")
    units = _communes(6)
    group = PeerGroup.objects.create(code="t.nhom", name="Nhóm")
    group.members.set(units[::2])
    assessments = open_assessments(version, period, units, "test")
    for a in assessments:
        apply_changes(a, [EntryChange("2.1", {"value": rng.randint(1, 60)})], "test")
    rescore(version, period, replace=True)
    for _round in range(12):
        for _edit in range(rng.randint(1, 3)):
            _random_edit(rng, assessments)
        report = rescore(version, period)
        incremental = _stored(version)
        assert rescore(version, period).written == 0  # nothing changed since
        rescore(version, period, replace=True)
        assert _stored(version) == incremental
        assert report.snapshots == len(incremental)


@pytest.mark.django_db
def test_an_edit_rewrites_only_the_rows_it_changed(version: FrameworkVersion) -> None:
    period = ensure_period("2025")
    assessments = open_assessments(version, period, _communes(5), "test")
    for n, a in enumerate(assessments):
        apply_changes(
            a, [EntryChange("1.2", {"value": 1}), EntryChange("2.1", {"value": 10})], "test"
        )
        apply_changes(a, [EntryChange("1.1", {"numerator": 10 * n, "denominator": 100})], "test")
    first = rescore(version, period)
    ids = {
        (a, s): pk for pk, a, s in ScoreSnapshot.objects.values_list("id", "assessment", "stage")
    }
    # The weakest unit gains a little, passing nobody: its own two rows change, no one else's.
    apply_changes(
        assessments[0], [EntryChange("1.1", {"numerator": 5, "denominator": 100})], "test"
    )
    report = rescore(version, period)
    assert (first.snapshots, report.snapshots, report.written) == (10, 10, 2)
    after = {
        (a, s): pk for pk, a, s in ScoreSnapshot.objects.values_list("id", "assessment", "stage")
    }
    mine = {(assessments[0].pk, "self"), (assessments[0].pk, "final")}
    assert after.keys() == ids.keys()
    assert all(after[k] != ids[k] for k in mine)
    assert all(after[k] == ids[k] for k in ids.keys() - mine)


@pytest.mark.django_db
def test_a_removed_assessment_loses_its_snapshots(version: FrameworkVersion) -> None:
    period = ensure_period("2025")
    a, b = open_assessments(version, period, _communes(2), "test")
    rescore(version, period)
    b.delete()
    report = rescore(version, period)
    assert set(ScoreSnapshot.objects.values_list("assessment_id", flat=True)) == {a.pk}
    assert report.assessments == 1


@pytest.mark.django_db
def test_fresh_snapshots_and_explain_read_the_same_inputs_as_rescore(
    version: FrameworkVersion,
) -> None:
    rng = random.Random(7)
    period = ensure_period("2025")
    assessments = open_assessments(version, period, _communes(4), "test")
    for _ in range(15):
        _random_edit(rng, assessments)
    rescore(version, period)
    fresh = {(s.assessment_id, s.stage): s for s in fresh_snapshots(version, period)}
    stored = {(s.assessment_id, s.stage): s for s in ScoreSnapshot.objects.all()}
    assert fresh.keys() == stored.keys()
    for key, s in stored.items():
        f = fresh[key]
        assert (f.total, f.rank, f.points, f.flags, f.ranks) == (
            s.total,
            s.rank,
            s.points,
            s.flags,
            s.ranks,
        )
    # The slow path (explain) builds the same engine columns as the cohort read.
    cohort = [a.pk for a in sorted(assessments, key=lambda a: a.pk)]
    stored_inputs = load_inputs(cohort)
    slow = cohort_inputs([stored_inputs[pk] for pk in cohort], leaves_by_id(version), "final")
    totals = score_cohort(tree_for(version), slow).total
    finals = [fresh[(pk, "final")].total for pk in cohort]
    assert [round(float(t), 6) for t in totals] == finals
