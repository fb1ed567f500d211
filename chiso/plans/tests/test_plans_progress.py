"""Target status: met / on track / off track / missed, by the Open SDG growth-ratio method."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from chiso.org.models import Unit
from chiso.plans import queries, services
from chiso.plans.choices import Comparator, DocumentKind, Pillar, Progress, TargetStatus
from chiso.plans.progress import Point, category, evaluate, growth
from chiso.plans.services import TargetSpec

D = dt.date
DEADLINE = D(2025, 12, 31)


def test_growth_is_the_compound_annual_rate() -> None:
    assert growth(121, 100, 2) == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (1.2, Progress.SUBSTANTIAL),
        (0.95, Progress.SUBSTANTIAL),
        (0.94, Progress.MODERATE),
        (0.6, Progress.MODERATE),
        (0.59, Progress.LIMITED),
        (0.0, Progress.LIMITED),
        (-0.01, Progress.DETERIORATION),
        (None, Progress.NOT_AVAILABLE),
    ],
)
def test_open_sdg_thresholds_place_each_ratio_in_its_category(
    ratio: float | None, expected: Progress
) -> None:
    assert category(ratio) == expected


def test_a_target_reached_is_met_whatever_the_growth() -> None:
    result = evaluate(">=", 50, DEADLINE, [Point(D(2023, 1, 1), 51)], D(2023, 6, 1))
    assert result.status == TargetStatus.MET


def test_growth_fast_enough_to_reach_the_target_on_time_is_on_track() -> None:
    # 40 → 45 in a year; 40 → 60 in three years needs 14.5%/yr, 12.5% observed → R 0.86
    # would be off track, so observe 40 → 47 (17.5%, R 1.21) instead.
    series = [Point(D(2023, 1, 1), 40), Point(D(2024, 1, 1), 47)]
    result = evaluate(">=", 60, D(2026, 1, 1), series, D(2024, 2, 1))
    assert result.status == TargetStatus.ON_TRACK
    assert result.ratio is not None and result.ratio >= 0.95


def test_growth_too_slow_is_off_track_with_moderate_progress() -> None:
    series = [Point(D(2023, 1, 1), 40), Point(D(2024, 1, 1), 45)]
    result = evaluate(">=", 60, D(2026, 1, 1), series, D(2024, 2, 1))
    assert result.status == TargetStatus.OFF_TRACK
    assert result.progress == Progress.MODERATE


def test_moving_away_from_the_target_is_deterioration() -> None:
    series = [Point(D(2023, 1, 1), 40), Point(D(2024, 1, 1), 38)]
    result = evaluate(">=", 60, D(2026, 1, 1), series, D(2024, 2, 1))
    assert (result.status, result.progress) == (TargetStatus.OFF_TRACK, Progress.DETERIORATION)


def test_an_upper_bound_counts_falling_values_as_progress() -> None:
    series = [Point(D(2023, 1, 1), 20), Point(D(2024, 1, 1), 15)]
    result = evaluate("<=", 10, D(2026, 1, 1), series, D(2024, 2, 1))
    assert result.status == TargetStatus.ON_TRACK


def test_an_unmet_target_after_its_deadline_is_missed() -> None:
    series = [Point(D(2023, 1, 1), 40), Point(D(2024, 1, 1), 59)]
    assert evaluate(">=", 60, D(2024, 6, 30), series, D(2024, 7, 1)).status == TargetStatus.MISSED


def test_one_measurement_below_the_target_cannot_say_on_or_off_track() -> None:
    result = evaluate(">=", 60, DEADLINE, [Point(D(2023, 1, 1), 40)], D(2023, 6, 1))
    assert result.status == TargetStatus.NO_DATA


def test_measurements_after_today_are_not_used() -> None:
    series = [Point(D(2023, 1, 1), 40), Point(D(2025, 1, 1), 70)]
    assert evaluate(">=", 60, DEADLINE, series, D(2024, 1, 1)).status == TargetStatus.NO_DATA


@pytest.mark.django_db
def test_a_target_turns_from_on_track_to_off_track_to_missed_as_time_passes(
    province: Unit,
) -> None:
    doc = services.create_document(
        "test", province=province, kind=DocumentKind.PLAN, title="Kế hoạch", issuer="UBND tỉnh"
    )
    spec = TargetSpec(
        metric="hồ sơ trực tuyến",
        comparator=Comparator.AT_LEAST,
        value=80,
        unit="%",
        deadline=D(2025, 12, 31),
    )
    target = services.add_objective(
        "test", doc, pillar=Pillar.GOVERNMENT, text="80% hồ sơ", targets=[spec]
    ).targets.get()
    for day, value in [(D(2023, 1, 1), 40), (D(2024, 1, 1), 52), (D(2025, 1, 1), 55)]:
        services.record_measurement("test", target, value=value, measured_on=day)
    statuses = []
    for now in (D(2024, 2, 1), D(2025, 2, 1), D(2026, 1, 2)):
        with time_machine.travel(dt.datetime(now.year, now.month, now.day, 9), tick=False):
            statuses.append(queries.evaluate_target(target, now).status)
    assert statuses == [TargetStatus.ON_TRACK, TargetStatus.OFF_TRACK, TargetStatus.MISSED]
