"""Score snapshots from stored entries: stages, ranks with ties, peer groups, fresh on save."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chiso.collection.models import Assessment
from chiso.collection.services import EntryChange, apply_changes, ensure_period, open_assessments
from chiso.conftest import load_version
from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import load_framework
from chiso.org.models import PeerGroup, Unit
from chiso.scoring import queries
from chiso.scoring.explaining import explain_indicator
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import rescore

FRAMEWORK = """
code: test-commune
title: Bộ chỉ số thử
status: example
provenance: Dữ liệu thử nghiệm.
scale: 100
unit_kinds: [commune]
bands: [{code: tot, label: Tốt, min: 0.8}, {code: kha, label: Khá, min: 0.5}]
tree:
  - code: "1"
    name: Chính quyền số
    level: main
    max_points: 60
    children:
      - level: sub
        code: "1.1"
        name: Hồ sơ trực tuyến
        max_points: 40
        rule: {kind: ratio, full_at: 0.8}
      - {level: sub, code: "1.2", name: Có Tổ CNSCĐ, max_points: 20, rule: {kind: boolean}}
  - code: "2"
    name: Xã hội số
    level: main
    max_points: 40
    children:
      - level: sub
        code: "2.1"
        name: Tài khoản ngân hàng
        max_points: 40
        rule: {kind: relative_to_best}
"""


@pytest.fixture
def version(db: None, tmp_path: Path) -> FrameworkVersion:
    path = tmp_path / "test-commune.yaml"
    path.write_text(FRAMEWORK, encoding="utf-8")
    load_framework(path, actor="test")
    found = Framework.objects.get(code="test-commune").latest_version()
    assert found is not None
    return found


def _communes(n: int) -> list[Unit]:
    return [
        Unit.objects.create(
            code=f"t.xa-{i}", kind="commune", name=f"Xã {i}", valid_from=dt.date(2020, 1, 1)
        )
        for i in range(n)
    ]


def _fill(assessment: Assessment, num: int, den: int, team: int, accounts: float) -> None:
    apply_changes(
        assessment,
        [
            EntryChange("1.1", {"numerator": num, "denominator": den}),
            EntryChange("1.2", {"value": team}),
            EntryChange("2.1", {"value": accounts}),
        ],
        "test",
    )


@pytest.mark.django_db(transaction=True)
def test_saving_inputs_rescores_the_whole_cohort_on_commit(version: FrameworkVersion) -> None:
    a, b = open_assessments(version, ensure_period("2025"), _communes(2), "test")
    _fill(a, 80, 100, 1, 50.0)  # 40 + 20 + 40·50/50
    _fill(b, 40, 100, 0, 25.0)  # 20 + 0 + 40·25/50
    snap_a = ScoreSnapshot.objects.get(assessment=a, stage="self")
    snap_b = ScoreSnapshot.objects.get(assessment=b, stage="self")
    assert snap_a.total == pytest.approx(100.0) and snap_a.rank == 1
    assert snap_b.total == pytest.approx(40.0) and snap_b.rank == 2
    assert snap_b.points == pytest.approx(
        {"1": 20.0, "1.1": 20.0, "1.2": 0.0, "2": 20.0, "2.1": 20.0}
    )
    _fill(b, 40, 100, 0, 100.0)  # b becomes the best: a's relative score must drop
    snap_a = ScoreSnapshot.objects.get(assessment=a, stage="self")
    assert snap_a.points["2.1"] == pytest.approx(20.0)


@pytest.mark.django_db(transaction=True)
def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped(
    version: FrameworkVersion,
) -> None:
    units = _communes(3)
    a, b, c = open_assessments(version, ensure_period("2025"), units, "test")
    _fill(a, 50, 100, 1, 10.0)
    _fill(b, 50, 100, 1, 10.0)
    _fill(c, 10, 100, 0, 10.0)
    ranks = [ScoreSnapshot.objects.get(assessment=x, stage="final").rank for x in (a, b, c)]
    assert ranks == [1, 1, 3]


@pytest.mark.django_db(transaction=True)
def test_appraisal_and_final_stages_fall_back_leaf_by_leaf(version: FrameworkVersion) -> None:
    (a,) = open_assessments(version, ensure_period("2025"), _communes(1), "test")
    _fill(a, 80, 100, 1, 50.0)
    assert not ScoreSnapshot.objects.filter(assessment=a, stage="appraisal").exists()
    apply_changes(a, [EntryChange("1.2", {"value": 0}, stage="appraisal")], "test")
    appraisal = ScoreSnapshot.objects.get(assessment=a, stage="appraisal")
    final = ScoreSnapshot.objects.get(assessment=a, stage="final")
    assert appraisal.total == pytest.approx(80.0)  # only 1.2 lowered; the rest as self-assessed
    assert final.total == pytest.approx(80.0)
    apply_changes(a, [EntryChange("1.2", {"value": 1}, stage="final")], "test")
    assert ScoreSnapshot.objects.get(assessment=a, stage="final").total == pytest.approx(100.0)
    assert ScoreSnapshot.objects.get(assessment=a, stage="self").total == pytest.approx(100.0)


@pytest.mark.django_db(transaction=True)
def test_units_are_also_ranked_within_their_peer_group(version: FrameworkVersion) -> None:
    units = _communes(3)
    group = PeerGroup.objects.create(code="t.phuong", name="Phường")
    group.members.set(units[1:])
    a, b, c = open_assessments(version, ensure_period("2025"), units, "test")
    _fill(a, 80, 100, 1, 50.0)
    _fill(b, 60, 100, 1, 50.0)
    _fill(c, 20, 100, 1, 50.0)
    rows = queries.ranking(version, ensure_period("2025"), "final", "t.phuong")
    assert [(r.unit_code, r.rank) for r in rows] == [("t.xa-1", 1), ("t.xa-2", 2)]
    assert rows[0].band == "Tốt"  # 95/100


@pytest.mark.django_db(transaction=True)
def test_a_missing_input_scores_zero_and_is_flagged(version: FrameworkVersion) -> None:
    (a,) = open_assessments(version, ensure_period("2025"), _communes(1), "test")
    apply_changes(a, [EntryChange("1.1", {"numerator": 5, "denominator": None})], "test")
    snap = ScoreSnapshot.objects.get(assessment=a, stage="self")
    assert snap.points["1.1"] == 0.0
    assert "MISSING" in snap.flags["1.1"]


@pytest.mark.django_db(transaction=True)
def test_explain_shows_inputs_rule_and_points(version: FrameworkVersion) -> None:
    (a,) = open_assessments(version, ensure_period("2025"), _communes(1), "test")
    _fill(a, 60, 100, 1, 50.0)
    data = explain_indicator(a, "1.1").to_dict()
    assert data["points"] == pytest.approx(30.0)  # 0.6 / 0.8 × 40
    assert data["rule_kind"] == "ratio"
    assert {i["name"]: i["value"] for i in data["inputs"]} == {
        "numerator": 60.0,
        "denominator": 100.0,
    }


@pytest.mark.django_db(transaction=True)
def test_rescoring_twice_gives_the_same_snapshots(version: FrameworkVersion) -> None:
    period = ensure_period("2025")
    a, _b = open_assessments(version, period, _communes(2), "test")
    _fill(a, 80, 100, 1, 50.0)
    first = list(
        ScoreSnapshot.objects.order_by("assessment", "stage").values_list(
            "assessment", "stage", "total", "rank", "points"
        )
    )
    rescore(version, period)
    again = list(
        ScoreSnapshot.objects.order_by("assessment", "stage").values_list(
            "assessment", "stage", "total", "rank", "points"
        )
    )
    assert first == again


@pytest.mark.django_db(transaction=True)
def test_the_dti_2022_top_five_reproduce_their_published_totals_and_ranks(
    dti2022: FrameworkVersion,
) -> None:
    import csv

    from chiso.conftest import DEMO_DATA
    from chiso.demo.builder import DTI_2022_MAINS

    with (DEMO_DATA / "dti-2022-main-indices-top5.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    units = [
        Unit.objects.create(code=f"p{i}", kind="province", name=r["province"])
        for i, r in enumerate(rows)
    ]
    period = ensure_period("2022")
    for assessment, row in zip(open_assessments(dti2022, period, units, "t"), rows, strict=True):
        apply_changes(
            assessment,
            [EntryChange(code, {"value": float(row[col])}) for col, code in DTI_2022_MAINS.items()],
            "t",
        )
    result = {r.unit_name: r for r in queries.ranking(dti2022, period)}
    for row in rows:
        assert result[row["province"]].index == pytest.approx(float(row["dti_published"]), abs=1e-4)
        assert result[row["province"]].rank == int(row["rank"])
    assert result["Đà Nẵng"].views["chinh-quyen-so"] == pytest.approx(
        (100 + 90 + 82.53 + 84.87 + 75.78 + 171.5) / 700, abs=1e-4
    )


def test_load_version_helper_is_importable() -> None:
    assert callable(load_version)


@pytest.mark.django_db(transaction=True)
def test_gaps_list_lost_points_largest_first_with_their_owner(version: FrameworkVersion) -> None:
    (a,) = open_assessments(version, ensure_period("2025"), _communes(1), "test")
    _fill(a, 40, 100, 0, 50.0)  # 1.1 loses 20, 1.2 loses 20, 2.1 loses 0
    apply_changes(a, [EntryChange("1.2", owner="Chị Lan, Văn phòng")], "test")
    rows = queries.gaps(a)
    assert [(r.code, r.lost) for r in rows] == [("1.1", 20.0), ("1.2", 20.0)]
    assert rows[1].owner == "Chị Lan, Văn phòng"


@pytest.mark.django_db(transaction=True)
def test_history_before_a_merger_is_the_weighted_mean_of_the_predecessors(
    version: FrameworkVersion,
) -> None:
    from chiso.org.models import Lineage

    old = _communes(2)
    merged = Unit.objects.create(
        code="t.xa-moi", kind="commune", name="Xã Mới", valid_from=dt.date(2025, 7, 1)
    )
    for unit in old:
        Unit.objects.filter(pk=unit.pk).update(valid_to=dt.date(2025, 6, 30))
        Lineage.objects.create(
            predecessor=unit, successor=merged, kind="merged_into", date=dt.date(2025, 7, 1)
        )
    a, b = open_assessments(version, ensure_period("2024"), old, "test")
    _fill(a, 80, 100, 1, 50.0)  # 100 points → 1.0
    _fill(b, 40, 100, 0, 25.0)  # 40 points → 0.4
    (c,) = open_assessments(version, ensure_period("2025"), [merged], "test")
    _fill(c, 60, 100, 1, 10.0)
    points = queries.history(merged, "test-commune")
    assert [p.period for p in points] == ["2024", "2025"]
    assert points[0].aggregated and points[0].index == pytest.approx(0.7)
    assert points[0].mains["1"] == pytest.approx((60 / 60 + 20 / 60) / 2)
    # alone in its cohort, the unit is its own best on 2.1: 30 + 20 + 40
    assert not points[1].aggregated and points[1].index == pytest.approx(0.9)
