"""`chiso synth` on a small slice: real units, a 100-leaf framework, every unit × period
assessed, scored by the real service, and the same seed giving the same values."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chiso.collection.models import Assessment, Entry
from chiso.frameworks.models import Framework
from chiso.ops.synth import FRAMEWORK, SynthError, SynthOptions, build, period_codes
from chiso.org.models import PeerGroup, Unit
from chiso.scoring.models import ScoreSnapshot

SMALL = SynthOptions(provinces=1, departments=2, communes=3, years=1, quarterly_years=1)


def values() -> list[tuple[str, str, str, Any]]:
    rows = Entry.objects.values_list(
        "assessment__unit__code", "assessment__period__code", "indicator__code", "self_inputs"
    )
    return sorted(rows, key=lambda r: r[:3])


def wipe() -> None:
    ScoreSnapshot.objects.all().delete()
    Entry.objects.all().delete()
    Assessment.objects.all().delete()


@pytest.fixture
def built(db: None) -> None:
    build(SMALL, progress=lambda line: None)


def test_it_assesses_every_unit_in_every_period_with_every_leaf(built: None) -> None:
    units = Counter(Assessment.objects.values_list("unit__kind", flat=True))
    periods = len(period_codes(SMALL))
    assert periods == 5  # the year and its four quarters
    assert units == {"province": periods, "department": 2 * periods, "commune": 3 * periods}
    assert Entry.objects.count() == 6 * periods * 100
    empty = Entry.objects.filter(self_inputs={}).count()
    assert 0 < empty < Entry.objects.count() * 0.2  # about 10% left empty


def test_the_framework_has_100_leaves_with_a_mix_of_rule_kinds(built: None) -> None:
    version = Framework.objects.get(code=FRAMEWORK).latest_version()
    assert version is not None
    kinds = Counter(version.indicators.filter(is_leaf=True).values_list("rule_kind", flat=True))
    assert sum(kinds.values()) == 100
    assert kinds["ratio"] == 28 and kinds["boolean"] == 20 and kinds["manual"] == 10
    assert {"steps", "per_item", "choice", "relative_to_best", "min_max"} <= set(kinds)


def test_it_uses_the_real_units_and_ranks_peer_groups(built: None) -> None:
    province = Unit.objects.get(kind="province")
    assert province.code == "ha-noi"  # the first province by official code
    assert Unit.objects.filter(kind="commune", parent=province).count() > 100  # all loaded
    groups = set(PeerGroup.objects.values_list("code", flat=True))
    assert {"synth-tinh", "synth-ha-noi-so-nganh"} <= groups


def test_every_assessment_is_scored_by_the_scoring_service(built: None) -> None:
    assessments = Assessment.objects.count()
    finals = ScoreSnapshot.objects.filter(stage="final")
    assert finals.count() == assessments
    assert ScoreSnapshot.objects.filter(stage="self").count() == assessments
    assert all(0 < s.index < 1 for s in finals)
    assert finals.filter(rank=1).exists()
    department = finals.filter(unit__kind="department").first()
    assert department is not None and "synth-ha-noi-so-nganh" in department.ranks


def test_the_same_seed_gives_identical_values_and_another_seed_different_ones(
    built: None,
) -> None:
    first = values()
    wipe()
    build(SMALL, progress=lambda line: None)
    assert values() == first
    wipe()
    build(SynthOptions(**{**SMALL.__dict__, "seed": 7}), progress=lambda line: None)
    assert values() != first


def test_it_refuses_to_build_over_an_existing_dataset(built: None) -> None:
    with pytest.raises(SynthError):
        build(SMALL, progress=lambda line: None)


def test_the_command_shows_progress_per_step(db: None) -> None:
    out = io.StringIO()
    call_command(
        "synth",
        "--provinces=1",
        "--departments=1",
        "--communes=1",
        "--years=1",
        "--quarterly-years=0",
        "--no-score",
        stdout=out,
    )
    text = out.getvalue()
    assert "đơn vị: " in text and "kỳ 2025 (1/1)" in text
    assert "Xong: 3 đơn vị, 1 kỳ, 3 bản đánh giá" in text
    assert not ScoreSnapshot.objects.exists()
    with pytest.raises(CommandError):
        call_command("synth", "--provinces=1", "--years=1", "--no-score", stdout=io.StringIO())
