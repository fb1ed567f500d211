"""The rule registry. Importing this package registers every built-in rule kind.

A new kind is a new `Rule` subclass decorated with `@register` (plus its tests), never a
branch on the kind name.
"""

from __future__ import annotations

from . import basic, clamp, cohort
from .base import RULES, InputSpec, InputType, Partitions, Rule, build_rule, group_extreme, register
from .basic import BooleanRule, ChoiceOption, ChoiceRule, PerItemRule, RatioRule, StepsRule
from .clamp import DirectRule, ManualRule
from .cohort import MinMaxRule, RelativeToBestRule

__all__ = [
    "RULES",
    "BooleanRule",
    "ChoiceOption",
    "ChoiceRule",
    "DirectRule",
    "InputSpec",
    "InputType",
    "ManualRule",
    "MinMaxRule",
    "Partitions",
    "PerItemRule",
    "RatioRule",
    "RelativeToBestRule",
    "Rule",
    "StepsRule",
    "basic",
    "build_rule",
    "clamp",
    "cohort",
    "group_extreme",
    "register",
]
