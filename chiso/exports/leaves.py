"""What a leaf indicator asks for: its rule in words and the inputs the rule reads.

Shared by the Excel template and the API, so both describe a leaf the same way.
"""

from __future__ import annotations

from django.db.models import QuerySet

from chiso.collection.models import Assessment, Entry
from chiso.frameworks.models import Indicator
from chiso.scoring.engine import RULES, InputSpec, Rule


def rule_of(indicator: Indicator) -> Rule | None:
    kind = RULES.get(indicator.rule_kind)
    if kind is None:
        return None
    return kind.from_params(indicator.rule_params or {}, indicator.max_points)


def input_specs(indicator: Indicator) -> tuple[InputSpec, ...]:
    rule = rule_of(indicator)
    return rule.inputs if rule else ()


def describe(indicator: Indicator) -> str:
    rule = rule_of(indicator)
    return rule.describe_vi(indicator.max_points) if rule else ""


def entries_in_order(assessment: Assessment) -> QuerySet[Entry]:
    """The assessment's leaves in the framework's document order."""
    return assessment.entries.select_related("indicator").order_by("indicator__position")
