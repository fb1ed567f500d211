"""Targets measured by a framework indicator: progress computed from real reported entries.

The departments report the online-dossier ratio (leaf 6.1 of the Nghệ An department example
framework: numerator and denominator) through chiso.collection; the target reads it per unit
or averaged / summed over the scope, and its status follows the Open SDG method.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from chiso.collection.choices import Stage
from chiso.collection.services import EntryChange, apply_changes, ensure_period, open_assessments
from chiso.conftest import load_version
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit
from chiso.plans import queries, services
from chiso.plans.choices import Aggregate, Comparator, DocumentKind, Pillar, TargetStatus
from chiso.plans.demo import load_demo
from chiso.plans.models import Document, Target
from chiso.plans.progress import Point
from chiso.plans.services import TargetSpec

DEPARTMENTS = "nghean-department-example"
# (period, {department code: (online, total)}): finance 70 % → 85 %, home affairs 50 % → 60 %.
REPORTS = {
    "2023": {"nghe-an.so-tai-chinh": (70, 100), "nghe-an.so-noi-vu": (50, 100)},
    "2024": {"nghe-an.so-tai-chinh": (170, 200), "nghe-an.so-noi-vu": (60, 100)},
}


@pytest.fixture
def departments_version(province: Unit) -> FrameworkVersion:
    return load_version(f"{DEPARTMENTS}.yaml")


@pytest.fixture
def reported(departments_version: FrameworkVersion) -> None:
    """Each department's self-assessment of leaf 6.1 for 2023 and 2024, saved as a user would."""
    for code, values in REPORTS.items():
        units = [Unit.objects.get(code=c) for c in values]
        for assessment in open_assessments(departments_version, ensure_period(code), units, "t"):
            online, total = values[assessment.unit.code]
            change = EntryChange("6.1", {"numerator": online, "denominator": total})
            apply_changes(assessment, [change], "test")


@pytest.fixture
def online_target(province: Unit) -> Target:
    doc = services.create_document(
        "test", province=province, kind=DocumentKind.PLAN, title="Kế hoạch CĐS", issuer="UBND"
    )
    spec = TargetSpec(
        metric="tỷ lệ hồ sơ xử lý trực tuyến",
        comparator=Comparator.AT_LEAST,
        value=80,
        unit="%",
        deadline=dt.date(2025, 12, 31),
    )
    objective = services.add_objective(
        "test", doc, pillar=Pillar.GOVERNMENT, text="Trên 80% hồ sơ trực tuyến", targets=[spec]
    )
    return objective.targets.get()


def _link(target: Target, aggregate: Aggregate = Aggregate.MEAN, unit: str = "") -> Target:
    indicator = services.indicator_by_code(DEPARTMENTS, "6.1")
    measured = Unit.objects.get(code=unit) if unit else None
    services.link_indicator(
        "test", target, indicator=indicator, aggregate=aggregate, measured_unit=measured
    )
    return Target.objects.select_related("indicator__version", "objective__document").get(
        pk=target.pk
    )


def _status(target: Target, on: dt.date) -> TargetStatus:
    with time_machine.travel(dt.datetime(on.year, on.month, on.day, 9), tick=False):
        return queries.evaluate_target(target, on).status


@pytest.mark.django_db
def test_one_department_is_measured_by_its_own_reports(
    online_target: Target, reported: None
) -> None:
    finance = _link(online_target, unit="nghe-an.so-tai-chinh")
    assert queries.series(finance) == [
        Point(dt.date(2023, 12, 31), 70.0),
        Point(dt.date(2024, 12, 31), 85.0),
    ]
    assert _status(finance, dt.date(2025, 2, 1)) == TargetStatus.MET
    home = _link(online_target, unit="nghe-an.so-noi-vu")
    # 50 → 60 in a year; 80 by the end of 2025 needs 33 %/yr, 20 % observed: off track.
    assert [p.value for p in queries.series(home)] == [50.0, 60.0]
    assert _status(home, dt.date(2025, 2, 1)) == TargetStatus.OFF_TRACK


@pytest.mark.django_db
def test_the_scope_averages_or_sums_the_departments(online_target: Target, reported: None) -> None:
    mean = _link(online_target)
    assert [p.value for p in queries.series(mean)] == [60.0, 72.5]
    # 60 → 72,5 in a year is 20,8 %/yr against 10,1 %/yr needed: on track.
    assert _status(mean, dt.date(2025, 2, 1)) == TargetStatus.ON_TRACK
    assert _status(mean, dt.date(2026, 1, 2)) == TargetStatus.MISSED
    total = _link(online_target, aggregate=Aggregate.SUM)
    assert [p.value for p in queries.series(total)] == [120.0, 145.0]


@pytest.mark.django_db
def test_a_reviewers_final_value_wins_over_the_self_assessment(
    online_target: Target, reported: None, departments_version: FrameworkVersion
) -> None:
    assessment = departments_version.assessments.get(
        unit__code="nghe-an.so-noi-vu", period__code="2024"
    )
    final = EntryChange("6.1", {"numerator": 82, "denominator": 100}, stage=Stage.FINAL)
    apply_changes(assessment, [final], "test")
    home = _link(online_target, unit="nghe-an.so-noi-vu")
    assert [p.value for p in queries.series(home)] == [50.0, 82.0]
    assert _status(home, dt.date(2025, 2, 1)) == TargetStatus.MET


@pytest.mark.django_db
def test_a_code_the_framework_lacks_is_refused_with_its_name(
    departments_version: FrameworkVersion,
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.indicator_by_code(DEPARTMENTS, "9.9")
    assert caught.value.messages == [f"Bộ chỉ số {DEPARTMENTS} không có chỉ tiêu mã 9.9."]


@pytest.mark.django_db
def test_a_group_that_is_not_a_leaf_cannot_measure_a_target(
    online_target: Target, departments_version: FrameworkVersion
) -> None:
    group = services.indicator_by_code(DEPARTMENTS, "6")
    with pytest.raises(ValidationError):
        services.link_indicator("test", online_target, indicator=group)
    online_target.refresh_from_db()
    assert online_target.indicator_id is None


@pytest.mark.django_db
def test_the_demo_links_the_2023_directives_targets_and_keeps_nq09_at_8_2_1(
    province: Unit, departments_version: FrameworkVersion
) -> None:
    load_version("nghean-commune-example.yaml")
    for code in ("h-bac-giang", "h-dak-nong"):
        Unit.objects.create(code=code, kind="province", name=code)
    load_demo("test")
    online = Target.objects.get(metric="tỷ lệ hồ sơ xử lý trực tuyến")
    assert online.indicator is not None
    assert (online.indicator.version.framework.code, online.indicator.code) == (DEPARTMENTS, "6.1")
    fibre = Target.objects.get(metric__contains="cáp quang")
    assert fibre.indicator is not None and fibre.indicator.code == "3.2"
    nq09 = Document.objects.get(number="09-NQ/TU")
    assert not Target.objects.filter(objective__document=nq09, indicator__isnull=False).exists()
    found = queries.met_by_pillar(nq09, dt.date(2023, 10, 31), 2025)
    assert [found[p] for p in ("government", "economy", "society")] == [(8, 11), (2, 6), (1, 3)]
