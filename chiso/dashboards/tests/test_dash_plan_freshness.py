"""The leaders' dashboard is cached under a freshness stamp: editing an objective or a target
of a plan (chiso.plans.services) must move it, or the cached page would show the old target."""

from __future__ import annotations

import datetime as dt

import pytest

from chiso.dashboards import freshness, plan_links
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import Comparator, DocumentKind, Pillar, Scope
from chiso.plans.services import TargetSpec


@pytest.mark.django_db
def test_an_edit_of_an_objective_or_a_target_moves_the_freshness_stamp() -> None:
    province = Unit.objects.create(code="nghe-an", kind="province", name="Nghệ An")
    document = services.create_document(
        "test",
        province=province,
        kind=DocumentKind.DIRECTIVE,
        number="12/CT-UBND",
        issued_on=dt.date(2025, 8, 1),
        issuer="UBND tỉnh Nghệ An",
        title="Chỉ thị về đẩy mạnh chuyển đổi số",
    )
    objective = services.add_objective(
        "test",
        document,
        pillar=Pillar.GOVERNMENT,
        text="60% hồ sơ cấp xã xử lý trên môi trường mạng",
        targets=[
            TargetSpec(
                metric="hồ sơ xử lý trên môi trường mạng",
                comparator=Comparator.AT_LEAST,
                value=60,
                unit="%",
                deadline=dt.date(2025, 12, 31),
                scope=Scope.COMMUNE,
            )
        ],
    )
    target = objective.targets.get()
    before = freshness.stamp(None, plan_links.stamp_parts())
    services.update_target("test", target, value=65.0)
    after_target = freshness.stamp(None, plan_links.stamp_parts())
    services.update_objective("test", objective, pillar=Pillar.ECONOMY)
    after_objective = freshness.stamp(None, plan_links.stamp_parts())
    assert len({before, after_target, after_objective}) == 3
