"""The stored snapshots always equal a fresh computation from the stored entries, whatever
wrote the entries (the services, the bulk writers, raw UPDATE/DELETE/INSERT that bypass them,
a rolled-back transaction) and whichever process re-scores.

Every re-score here is committed (its on-commit callbacks run, as they do outside a test), so
the process keeps the cohort's columns in memory; `store.forget()` drops them, and the next
re-score runs as another process would: from the persisted base copy and the
trigger-maintained `Assessment.inputs_seq`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from chiso.collection.bulk import bulk_apply_changes
from chiso.collection.models import Assessment, Entry, Period
from chiso.collection.services import (
    EntryChange,
    apply_changes,
    bulk_load_inputs,
    ensure_period,
    import_assessments,
    open_assessments,
)
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import GroupStamp, PeerGroup, Unit
from chiso.scoring import store
from chiso.scoring.engine import score_cohort
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import (
    RescoreReport,
    cohort_inputs,
    fresh_snapshots,
    leaves_by_id,
    load_inputs,
    rescore,
)
from chiso.scoring.tests.test_services import _communes, _fill
from chiso.scoring.tests.test_services import version as version  # the fixture
from chiso.scoring.tests.test_services_incremental import CONTENT, _random_edit, _stored
from chiso.scoring.trees import tree_for

FIELDS = tuple(f for f in CONTENT if f != "digest")  # all that fresh_snapshots computes
PROCESS = pytest.mark.parametrize("forget", [False, True], ids=["same-process", "other-process"])
Key = tuple[int, str]


def _on_commit() -> AbstractContextManager[list[Callable[[], Any]]]:
    """Runs, on leaving, the on-commit callbacks queued inside (the test's transaction never
    commits) and not rolled back since: as if the block were a transaction that commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _committed(version: FrameworkVersion, period: Period, **kwargs: Any) -> RescoreReport:
    """A re-score in a transaction of its own, committed."""
    with _on_commit():
        return rescore(version, period, **kwargs)


# --- the comparison ---------------------------------------------------------------------------


def _stored_content(version: FrameworkVersion, period: Period) -> dict[Key, tuple[Any, ...]]:
    rows = ScoreSnapshot.objects.filter(version=version, period=period).values_list(
        "assessment_id", "stage", *FIELDS
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def _fresh_content(version: FrameworkVersion, period: Period) -> dict[Key, tuple[Any, ...]]:
    return {
        (s.assessment_id, s.stage): tuple(getattr(s, f) for f in FIELDS)
        for s in fresh_snapshots(version, period)
    }


def _slow_totals(version: FrameworkVersion, period: Period, stage: str) -> dict[Key, float]:
    """Totals through explain's entry-by-entry path, which no cohort store touches: keeps the
    reference honest should `fresh_snapshots` ever read through the store."""
    ids = list(
        Assessment.objects.filter(version=version, period=period)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return {}
    rows = load_inputs(ids)
    inputs = cohort_inputs([rows[pk] for pk in ids], leaves_by_id(version), stage)
    totals = score_cohort(tree_for(version), inputs).total
    return {(pk, stage): round(float(t), 6) for pk, t in zip(ids, totals, strict=True)}


def _assert_fresh(version: FrameworkVersion, period: Period) -> None:
    """Every stored snapshot of the cohort, all of its content, equals a fresh computation."""
    stored = _stored_content(version, period)
    fresh = _fresh_content(version, period)
    assert sorted(stored) == sorted(fresh)
    wrong = {k: (stored[k], fresh[k]) for k in fresh if stored[k] != fresh[k]}
    assert wrong == {}
    total = FIELDS.index("total")
    for stage in ("self", "final"):
        slow = _slow_totals(version, period, stage)
        assert {k: fresh[k][total] for k in slow} == slow


def _rescore(version: FrameworkVersion, period: Period, *, forget: bool) -> RescoreReport:
    """Re-score (after forgetting, as another process) and check the cohort against fresh."""
    if forget:
        store.forget()
    report = _committed(version, period)
    _assert_fresh(version, period)
    assert report.snapshots == ScoreSnapshot.objects.filter(version=version, period=period).count()
    return report


# --- writing ------------------------------------------------------------------------------------


def _seqs(assessments: Sequence[Assessment]) -> dict[int, int]:
    found = Assessment.objects.filter(pk__in=[a.pk for a in assessments])
    return dict(found.values_list("pk", "inputs_seq"))


def _raw_set(target: Assessment, code: str, /, **fields: Any) -> None:
    """An UPDATE that bypasses the services (no revision, no audit row, no re-score queued)."""
    Entry.objects.filter(assessment=target, indicator__code=code).update(**fields)


def _sql_set_self_inputs(assessment: Assessment, code: str, text: str) -> None:
    """An UPDATE in plain SQL, as a psql session or another program would write it."""
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    table = connection.ops.quote_name(Entry._meta.db_table)
    sql = (
        f"UPDATE {table} SET self_inputs = {value} WHERE assessment_id = %s AND indicator_id = "
        f"(SELECT id FROM frameworks_indicator WHERE version_id = %s AND code = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, assessment.pk, assessment.version_id, code])
        assert cursor.rowcount == 1


def _snapshot(assessment: Assessment, stage: str = "final") -> ScoreSnapshot:
    return ScoreSnapshot.objects.get(assessment=assessment, stage=stage)


def _cohort(
    version: FrameworkVersion, code: str, units: Sequence[Unit]
) -> tuple[Period, list[Assessment]]:
    """A cohort whose units differ on every leaf (2.1 makes each depend on the best one)."""
    period = ensure_period(code)
    assessments = open_assessments(version, period, units, "test")
    for n, a in enumerate(assessments):
        _fill(a, 10 + 15 * n % 90, 100, n % 2, 5.0 + 7 * n)
    return period, assessments


# --- 1. random writes through the services, re-scored by this process or another -----------


def _valid(rng: random.Random, code: str) -> dict[str, Any]:
    if code == "1.1":
        return {"numerator": rng.randint(0, 100), "denominator": 100}
    if code == "1.2":
        return {"value": rng.randint(0, 1)}
    return {"value": round(rng.uniform(0, 90), 3)}


def _change(rng: random.Random) -> EntryChange:
    code = rng.choice(["1.1", "1.2", "2.1"])
    stage = rng.choice(["self", "self", "appraisal", "final"])
    return EntryChange(code, _valid(rng, code), stage)


def _load(rng: random.Random, targets: list[Assessment]) -> None:
    batch: dict[Assessment, dict[str, dict[str, dict[str, Any]]]] = {}
    for a in targets:
        change = _change(rng)
        batch[a] = {change.stage: {change.code: change.inputs or {}}}
    bulk_load_inputs(batch, "test")


def _write_randomly(rng: random.Random, assessments: list[Assessment]) -> None:
    """One write by one of the writers: a unit's edit, a bulk edit, a bulk load, or the
    incremental test's mix of edits and stored values the services would refuse."""
    writer = rng.choice(["apply", "bulk", "load", "mixed"])
    targets = rng.sample(assessments, rng.randint(1, min(3, len(assessments))))
    if writer == "apply":
        apply_changes(targets[0], [_change(rng) for _ in range(rng.randint(1, 3))], "test")
    elif writer == "bulk":
        bulk_apply_changes({a: [_change(rng)] for a in targets}, "test")
    elif writer == "load":
        _load(rng, targets)
    else:
        _random_edit(rng, assessments)


@pytest.mark.django_db
def test_random_writes_end_fresh_whichever_process_rescores(version: FrameworkVersion) -> None:
    rng = random.Random(20261123)
    units = _communes(6)
    PeerGroup.objects.create(code="t.nhom", name="Nhóm").members.set(units[::2])
    cohorts = [_cohort(version, "2025", units), _cohort(version, "2026", units[:4])]
    for period, _assessments in cohorts:
        _committed(version, period)
    forgotten = 0
    for _step in range(30):
        period, assessments = rng.choice(cohorts)
        for _write in range(rng.randint(1, 2)):
            _write_randomly(rng, assessments)
        forget = rng.random() < 0.35
        forgotten += forget
        _rescore(version, period, forget=forget)
        for other, _assessments in cohorts:  # an edit of one cohort never touches another's
            _assert_fresh(version, other)
    assert 0 < forgotten < 30  # both processes re-scored some of the steps


# --- 2. raw writes that bypass the services: the triggers' counter tells the store ----------


@pytest.mark.django_db
@PROCESS
def test_a_raw_update_bumps_only_its_assessments_counter_and_is_rescored(
    version: FrameworkVersion, forget: bool
) -> None:
    period, assessments = _cohort(version, "2025", _communes(5))
    _committed(version, period)
    first, others = assessments[0], assessments[1:]
    before = _seqs(assessments)
    _raw_set(first, "2.1", self_inputs={"value": 89.5})  # the new best: everyone's 2.1 drops
    after = _seqs(assessments)
    assert after.pop(first.pk) > before.pop(first.pk)
    assert after == before
    _rescore(version, period, forget=forget)
    assert _snapshot(first, "self").points["2.1"] == pytest.approx(40.0)
    assert all(_snapshot(a, "self").points["2.1"] < 40.0 for a in others)


@pytest.mark.django_db
@PROCESS
def test_raw_stage_updates_deletes_and_plain_sql_are_all_rescored(
    version: FrameworkVersion, forget: bool
) -> None:
    period, (a, b, c, d) = _cohort(version, "2025", _communes(4))
    _committed(version, period)
    _raw_set(a, "1.2", appraisal_inputs={"value": 0})  # an appraisal stage appears
    _rescore(version, period, forget=forget)
    assert ScoreSnapshot.objects.filter(assessment=a, stage="appraisal").exists()
    _raw_set(a, "1.2", appraisal_inputs=None, final_inputs={"value": 1})  # …and goes
    _rescore(version, period, forget=forget)
    assert not ScoreSnapshot.objects.filter(assessment=a, stage="appraisal").exists()
    before = _seqs([a, b, c, d])
    Entry.objects.filter(assessment=b, indicator__code="1.1").delete()
    after = _seqs([a, b, c, d])
    assert after.pop(b.pk) > before[b.pk]
    assert after == {k: v for k, v in before.items() if k != b.pk}
    _rescore(version, period, forget=forget)
    assert "1.1" in _snapshot(b).flags  # scored as missing
    _sql_set_self_inputs(c, "2.1", '{"value": 90}')
    assert _seqs([c])[c.pk] > before[c.pk] and _seqs([d]) == {d.pk: before[d.pk]}
    _rescore(version, period, forget=forget)
    assert _snapshot(c, "self").points["2.1"] == pytest.approx(40.0)


@pytest.mark.django_db
@PROCESS
def test_deleting_every_entry_of_several_assessments_is_rescored(
    version: FrameworkVersion, forget: bool
) -> None:
    period, assessments = _cohort(version, "2025", _communes(5))
    _committed(version, period)
    Entry.objects.filter(assessment__in=assessments[1:3]).delete()
    _rescore(version, period, forget=forget)
    assert _snapshot(assessments[1]).total == 0.0


@pytest.mark.django_db
@PROCESS
def test_an_entry_moved_to_another_assessment_changes_both(
    version: FrameworkVersion, forget: bool
) -> None:
    period, (a, b, _c) = _cohort(version, "2025", _communes(3))
    Entry.objects.filter(assessment=b, indicator__code="1.2").delete()
    _committed(version, period)
    before = _seqs([a, b])
    _raw_set(a, "1.2", assessment=b)  # a loses its 1.2 entry, b gains it
    after = _seqs([a, b])
    assert after[a.pk] > before[a.pk] and after[b.pk] > before[b.pk]
    _rescore(version, period, forget=forget)


@pytest.mark.django_db
@PROCESS
def test_an_entry_inserted_into_an_existing_assessment_is_rescored(
    version: FrameworkVersion, forget: bool
) -> None:
    period, (a, _b, _c) = _cohort(version, "2025", _communes(3))
    gone = Entry.objects.get(assessment=a, indicator__code="2.1")
    gone.delete()
    _committed(version, period)
    before = _seqs([a])[a.pk]
    Entry.objects.create(assessment=a, indicator=gone.indicator, self_inputs={"value": 90})
    assert _seqs([a])[a.pk] > before
    _rescore(version, period, forget=forget)
    assert _snapshot(a, "self").points["2.1"] == pytest.approx(40.0)


# --- 3. assessments opened and deleted between re-scores -------------------------------------


@pytest.mark.django_db
@PROCESS
def test_assessments_opened_and_deleted_between_rescores(
    version: FrameworkVersion, forget: bool
) -> None:
    units = _communes(8)
    period, assessments = _cohort(version, "2025", units[:4])
    _committed(version, period)
    late = open_assessments(version, period, units[4:6], "test")
    _fill(late[0], 90, 100, 1, 95.0)  # the new best on 2.1: everyone else's points drop
    _rescore(version, period, forget=forget)
    assert _snapshot(late[1]).flags  # opened, nothing entered: scored, all missing
    (imported,) = import_assessments(
        version, period, {units[6]: {"self": {"2.1": {"value": 99.0}}}}, "test"
    )
    _rescore(version, period, forget=forget)
    imported.delete()  # the best goes: 2.1 is relative to late[0] again
    _rescore(version, period, forget=forget)
    Assessment.objects.filter(pk__in=[assessments[0].pk, late[0].pk]).delete()
    _rescore(version, period, forget=forget)
    left = {pk for pk, _stage in _stored_content(version, period)}
    assert left == {a.pk for a in [*assessments[1:], late[1]]}


@pytest.mark.django_db
@PROCESS
def test_a_cohort_empty_emptied_and_reopened_is_rescored(
    version: FrameworkVersion, forget: bool
) -> None:
    units = _communes(3)
    _rescore(version, ensure_period("2025"), forget=forget)  # nothing opened yet
    period, assessments = _cohort(version, "2025", units)
    _rescore(version, period, forget=forget)
    Assessment.objects.filter(pk__in=[a.pk for a in assessments]).delete()
    _rescore(version, period, forget=forget)
    assert not ScoreSnapshot.objects.filter(period=period).exists()
    reopened = open_assessments(version, period, units[:2], "test")
    _fill(reopened[1], 10, 100, 0, 1.0)
    _rescore(version, period, forget=forget)


# --- 4. peer groups: ranks follow their members -----------------------------------------------


@pytest.mark.django_db
@PROCESS
def test_peer_group_changes_move_the_ranks(version: FrameworkVersion, forget: bool) -> None:
    units = _communes(5)
    group = PeerGroup.objects.create(code="t.nhom", name="Nhóm")
    group.members.set(units[1:3])
    period, assessments = _cohort(version, "2025", units)
    _committed(version, period)
    group.members.add(units[3])
    _rescore(version, period, forget=forget)
    assert "t.nhom" in _snapshot(assessments[3]).ranks
    group.members.remove(units[1])
    _rescore(version, period, forget=forget)
    assert "t.nhom" not in _snapshot(assessments[1]).ranks
    PeerGroup.objects.create(code="t.nhom-2", name="Nhóm 2").members.set(units[:2])
    _rescore(version, period, forget=forget)
    assert _snapshot(assessments[0]).ranks.keys() == {"all", "t.nhom-2"}
    group.delete()
    _rescore(version, period, forget=forget)
    ranks = FIELDS.index("ranks")
    assert not any("t.nhom" in row[ranks] for row in _stored_content(version, period).values())


@pytest.mark.django_db
def test_memberships_kept_in_memory_never_outlive_their_stamp_row(
    version: FrameworkVersion,
) -> None:
    """The process keeps the memberships under GroupStamp's (token, seq). When the row is
    made again (`flush`, a restore) its counter starts from 0 again and may reach the number
    the process saw, over other memberships: the new token keeps them apart."""
    units = _communes(4)
    group = PeerGroup.objects.create(code="t.nhom", name="Nhóm")
    group.members.set(units[:2])
    period, assessments = _cohort(version, "2025", units)
    _committed(version, period)
    seen = GroupStamp.objects.get(pk=1).seq
    GroupStamp.objects.all().delete()
    GroupStamp.objects.create(pk=1, seq=seen - 1)  # as post_migrate would, then one change
    group.members.set(units[2:])  # the stamp is back at `seen`, the members are others
    assert GroupStamp.objects.get(pk=1).seq >= seen
    GroupStamp.objects.filter(pk=1).update(seq=seen)
    _committed(version, period)
    assert "t.nhom" in _snapshot(assessments[3]).ranks
    assert "t.nhom" not in _snapshot(assessments[0]).ranks
    _assert_fresh(version, period)


# --- 5. idempotence: nothing changed, no content rewritten ------------------------------------


def _ids(version: FrameworkVersion) -> set[int]:
    return set(ScoreSnapshot.objects.filter(version=version).values_list("pk", flat=True))


def _assert_unchanged(version: FrameworkVersion, period: Period) -> None:
    """A re-score that writes no content: same rows and digests, one row written again
    (with a new, larger id: the dashboards' freshness stamp)."""
    rows, ids = _stored(version), _ids(version)
    assert _committed(version, period).written == 0
    assert _stored(version) == rows
    new_ids = _ids(version)
    assert len(new_ids - ids) == 1 and len(ids - new_ids) == 1
    assert max(new_ids) > max(ids)


@pytest.mark.django_db
def test_a_rescore_with_nothing_changed_rewrites_no_content(version: FrameworkVersion) -> None:
    period, (a, b, _c) = _cohort(version, "2025", _communes(3))
    _committed(version, period)
    _assert_unchanged(version, period)
    _assert_unchanged(version, period)
    store.forget()
    _assert_unchanged(version, period)
    before = _seqs([a, b])
    same = Entry.objects.get(assessment=a, indicator__code="2.1").self_inputs
    _raw_set(a, "2.1", self_inputs=same)  # writes that change nothing the engine reads
    _raw_set(b, "1.1", note="Đã rà soát")
    apply_changes(a, [EntryChange("1.2", progress="done", owner="Anh Minh")], "test")
    after = _seqs([a, b])
    assert after[a.pk] > before[a.pk] and after[b.pk] > before[b.pk]
    _assert_unchanged(version, period)
    store.forget()
    _raw_set(b, "1.1", note="Đã rà soát lại")
    _assert_unchanged(version, period)
    _assert_fresh(version, period)


@pytest.mark.django_db
def test_another_process_trusts_the_recorded_digest_only_while_it_matches(
    version: FrameworkVersion,
) -> None:
    """A process without the cohort in memory compares the fresh scores' digest with the one
    the store recorded: equal, it reads no stored snapshot back; different (an edit, or a
    snapshot deleted with its assessment), it compares row by row."""
    period, (a, _b, c) = _cohort(version, "2025", _communes(3))
    _committed(version, period)
    store.forget()
    rows = _stored(version)
    with CaptureQueriesContext(connection) as queries:
        assert _committed(version, period).written == 0
    assert _stored(version) == rows
    table = ScoreSnapshot._meta.db_table
    reads = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [q for q in reads if f"FROM {connection.ops.quote_name(table)}" in q]
    store.forget()
    apply_changes(a, [EntryChange("2.1", {"value": 77})], "test")
    assert _committed(version, period).written >= 2  # a's self and final rows at least
    _assert_fresh(version, period)
    store.forget()
    c.delete()  # its snapshots go with it
    _committed(version, period)
    _assert_fresh(version, period)


def _rows(version: FrameworkVersion) -> dict[Key, tuple[int, Any, int | None]]:
    """(id, computed_at, rank) of every stored snapshot."""
    rows = ScoreSnapshot.objects.filter(version=version)
    return {(a, s): (pk, at, r) for a, s, pk, at, r in rows.values_list(
        "assessment_id", "stage", "pk", "computed_at", "rank")}  # fmt: skip


_LIFT = [  # u0, last of the cohort, passes u1 and u2; nothing changes the best 2.1
    EntryChange("1.1", {"numerator": 100, "denominator": 100}),
    EntryChange("1.2", {"value": 1}),
]


@pytest.mark.django_db
@PROCESS
def test_rows_whose_ranks_only_moved_are_updated_in_place(
    version: FrameworkVersion, forget: bool
) -> None:
    """An edit that lifts one unit past others: its rows are written again (new ids), the
    rows it passed keep their ids with new ranks (computed again), the others are not
    touched; every row equals a fresh computation."""
    period, (u0, *others) = _cohort(version, "2025", _communes(5))
    _committed(version, period)
    before = _rows(version)
    assert before[u0.pk, "self"][2] == 5
    apply_changes(u0, _LIFT, "test")
    report = _rescore(version, period, forget=forget)
    after = _rows(version)
    old_ids = {pk for pk, _at, _rank in before.values()}
    passed = [a for a in others if after[a.pk, "self"][2] != before[a.pk, "self"][2]]
    assert len(passed) >= 2 and len(passed) < len(others)  # some moved, some did not
    assert report.written == 2 * (1 + len(passed))  # the self and final stages
    for stage in ("self", "final"):
        assert after[u0.pk, stage][0] not in old_ids
        assert after[u0.pk, stage][2] < 5
        for a in others:
            pk, at, rank = after[a.pk, stage]
            if a in passed:  # the same row, its rank and computed_at updated
                assert pk == before[a.pk, stage][0] and at > before[a.pk, stage][1]
                assert rank == before[a.pk, stage][2] + 1
            else:
                assert after[a.pk, stage] == before[a.pk, stage]
    digests = ScoreSnapshot.objects.filter(version=version).values_list("digest", flat=True)
    assert {len(d) for d in digests} == {64}


@pytest.mark.django_db
def test_rows_with_a_digest_of_the_older_form_are_written_whole(
    version: FrameworkVersion,
) -> None:
    """Rows written before the digest had two halves (32 digits) cannot tell a move in the
    ranking from a change of scores: another process writes them whole, once."""
    period, (u0, *_others) = _cohort(version, "2025", _communes(5))
    _committed(version, period)
    for row in ScoreSnapshot.objects.filter(version=version):
        ScoreSnapshot.objects.filter(pk=row.pk).update(digest=row.digest[:32])
    before = _rows(version)
    apply_changes(u0, _LIFT, "test")
    report = _rescore(version, period, forget=True)
    after = _rows(version)
    # Every row whose content changed, moved ranks included, is written whole (new ids);
    # the rest differ only in their digest's form: they too are written again, once.
    assert report.written == 10
    assert not {pk for pk, _at, _r in after.values()} & {pk for pk, _at, _r in before.values()}
    digests = ScoreSnapshot.objects.filter(version=version).values_list("digest", flat=True)
    assert {len(d) for d in digests} == {64}
    store.forget()
    _assert_unchanged(version, period)


# --- 6. a full replace writes the rows the incremental path writes ----------------------------


@pytest.mark.django_db
@PROCESS
def test_replace_after_a_raw_edit_writes_the_incremental_rows(
    version: FrameworkVersion, forget: bool
) -> None:
    period, (a, b, c, _d) = _cohort(version, "2025", _communes(4))
    _committed(version, period)
    _raw_set(a, "2.1", self_inputs={"value": 88})
    if forget:
        store.forget()
    _committed(version, period, replace=True)
    _assert_fresh(version, period)
    _raw_set(b, "1.1", final_inputs={"numerator": 1, "denominator": 100})
    _rescore(version, period, forget=forget)
    incremental = _stored(version)
    _committed(version, period, replace=True)
    assert _stored(version) == incremental
    assert _committed(version, period).written == 0
    _raw_set(c, "1.2", self_inputs={"value": "không rõ"})
    _committed(version, period, replace=True)
    _raw_set(c, "1.2", self_inputs={"value": 1})  # the same assessment again, after a replace
    _rescore(version, period, forget=forget)


# --- a write rolled back with the re-score that read it ---------------------------------------


@pytest.mark.django_db
@PROCESS
def test_a_rolled_back_write_and_rescore_leave_nothing_behind(
    version: FrameworkVersion, forget: bool
) -> None:
    """The counter rolls back with the write, and the next write moves it to the same value
    again with other inputs: what the rolled-back re-score read must not be taken for them."""
    period, (a, _b, _c) = _cohort(version, "2025", _communes(3))
    _committed(version, period)
    with pytest.raises(RuntimeError), _on_commit(), transaction.atomic():
        _raw_set(a, "2.1", self_inputs={"value": 80})
        rescore(version, period)
        raise RuntimeError("rolled back after the re-score")
    _raw_set(a, "2.1", self_inputs={"value": 2})
    _rescore(version, period, forget=forget)
    with pytest.raises(RuntimeError), _on_commit(), transaction.atomic():
        apply_changes(a, [EntryChange("1.1", {"numerator": 0, "denominator": 100})], "test")
        rescore(version, period)
        raise RuntimeError("rolled back after the re-score")
    apply_changes(a, [EntryChange("1.1", {"numerator": 77, "denominator": 100})], "test")
    _rescore(version, period, forget=forget)


# --- the two processes really take different paths --------------------------------------------


def _reads_snapshots(queries: CaptureQueriesContext) -> bool:
    table = ScoreSnapshot._meta.db_table
    return any(
        q["sql"].lstrip().upper().startswith("SELECT") and table in q["sql"]
        for q in queries.captured_queries
    )


@pytest.mark.django_db
def test_the_same_process_rescores_from_memory_and_another_from_the_table(
    version: FrameworkVersion,
) -> None:
    """Guards the tests above: their same-process runs do start from this process's memory
    (it knows what it stored), their other-process runs from what is stored."""
    period, (a, _b, _c) = _cohort(version, "2025", _communes(3))
    _committed(version, period)
    _raw_set(a, "2.1", self_inputs={"value": 1})
    with CaptureQueriesContext(connection) as warm:
        _committed(version, period)
    _raw_set(a, "2.1", self_inputs={"value": 2})
    store.forget()
    with CaptureQueriesContext(connection) as cold:
        _committed(version, period)
    assert not _reads_snapshots(warm)
    assert _reads_snapshots(cold)
    _assert_fresh(version, period)
