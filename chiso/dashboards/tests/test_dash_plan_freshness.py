"""The leaders' dashboard is cached under a freshness stamp: editing an objective or a target
of a plan (chiso.plans.services) must move it, or the cached page would show the old target."""

from __future__ import annotations

import pytest

from chiso.dashboards import freshness, plan_links
from chiso.plans import services
from chiso.plans.choices import Pillar, Scope
from chiso.plans.models import Objective
from chiso.plans.tests.conftest import directive, province  # noqa: F401  (fixtures)
from chiso.plans.tests.test_plans_edit_objectives import objective  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_an_edit_of_an_objective_or_a_target_moves_the_freshness_stamp(
    objective: Objective,  # noqa: F811
) -> None:
    target = objective.targets.get(scope=Scope.COMMUNE)
    before = freshness.stamp(None, plan_links.stamp_parts())
    services.update_target("test", target, value=65.0)
    after_target = freshness.stamp(None, plan_links.stamp_parts())
    services.update_objective("test", objective, pillar=Pillar.ECONOMY)
    after_objective = freshness.stamp(None, plan_links.stamp_parts())
    assert len({before, after_target, after_objective}) == 3
