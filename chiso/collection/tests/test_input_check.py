"""InputCheck, the quick proof that a leaf's inputs are valid (sheet imports of 100,000 values
skip validate_inputs with it), never accepts what validate_inputs refuses, and accepts the
values sheets usually hold. validate_inputs stays the one source of the messages."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from chiso.collection.services import InputCheck, validate_inputs
from chiso.frameworks.models import Indicator

OPTIONS = {"options": [{"key": "dat", "fraction": 1.0}, {"key": "khong-dat", "points": 0}]}
# One leaf per rule kind and input type (points, bool, count, percent, number, choice, fraction).
LEAVES = {
    "manual": Indicator(code="1.1", rule_kind="manual", rule_params={}, max_points=10),
    "manual 2.5": Indicator(code="1.2", rule_kind="manual", rule_params={}, max_points=2.5),
    "manual 0": Indicator(code="1.3", rule_kind="manual", rule_params={}, max_points=0),
    "boolean": Indicator(code="2.1", rule_kind="boolean", rule_params={}, max_points=5),
    "ratio": Indicator(code="2.2", rule_kind="ratio", rule_params={}, max_points=5),
    "percent": Indicator(
        code="2.3", rule_kind="ratio", rule_params={"input": "percent"}, max_points=5
    ),
    "steps": Indicator(
        code="2.4", rule_kind="steps", rule_params={"steps": [[1, 2], [2, 5]]}, max_points=5
    ),
    "per_item": Indicator(
        code="2.5", rule_kind="per_item", rule_params={"points_per_item": 1}, max_points=5
    ),
    "choice": Indicator(code="2.6", rule_kind="choice", rule_params=OPTIONS, max_points=5),
    "direct": Indicator(code="2.7", rule_kind="direct", rule_params={}, max_points=5),
    "min_max": Indicator(code="2.8", rule_kind="min_max", rule_params={}, max_points=5),
    "relative_to_best": Indicator(
        code="2.9", rule_kind="relative_to_best", rule_params={}, max_points=5
    ),
    "not scored": Indicator(code="3.1", rule_kind="", rule_params={}, max_points=5),
}
NAMES = ["points", "value", "numerator", "denominator", "percent", "count", "choice", "other"]
VALUES: list[Any] = [
    *(0, 1, -1, 2, 0.5, 1.0, 0.0, -0.0, 1e-9, -1e-9, 0.999999, 1.000001),
    *(2.5, 2.5000001, 10, 10.0, 10.5, 99.99, 100, 100.0, 100.0001, 101),
    *(2**53 - 1, 2**53, 2**53 + 1, -(2**53), 10**20, 10**308, 10**309, 1e308, -1e308),
    *(math.nan, math.inf, -math.inf, True, False, None),
    *("", "dat", "khong-dat", "Dat", "dat ", "x", "5", "1,5", "nan"),
    *([], {}, (1,), b"dat", 1j),
]


def refused(indicator: Indicator, inputs: dict[str, Any]) -> bool:
    """validate_inputs refuses the inputs: a message, or an exception (a value it cannot
    even compare, such as an int too large for a float)."""
    try:
        return bool(validate_inputs(indicator, inputs))
    except (OverflowError, TypeError, ValueError):
        return True


@pytest.mark.parametrize("kind", list(LEAVES))
@pytest.mark.parametrize("name", NAMES)
def test_a_single_value_the_check_accepts_is_never_refused(kind: str, name: str) -> None:
    indicator = LEAVES[kind]
    check = InputCheck(indicator)
    for value in VALUES:
        inputs = {name: value}
        if check.accepts(inputs):
            assert not refused(indicator, inputs), (kind, name, value)


PAIR_VALUES: list[Any] = [0, 1, 49, 50, 51, 2**53, 2**53 + 1, 0.5, 50.0, -1, math.nan, True, "5"]


@pytest.mark.parametrize("kind", ["ratio", "percent", "manual"])
def test_a_numerator_and_denominator_pair_the_check_accepts_is_never_refused(kind: str) -> None:
    indicator = LEAVES[kind]
    check = InputCheck(indicator)
    for num, den in itertools.product(PAIR_VALUES, repeat=2):
        for inputs in ({"numerator": num, "denominator": den}, {"denominator": den}):
            if check.accepts(inputs):
                assert not refused(indicator, inputs), (kind, inputs)


def test_the_values_sheets_usually_hold_are_accepted_without_validate_inputs() -> None:
    accepted: list[tuple[str, dict[str, Any]]] = [
        ("manual", {"points": 3.5}),
        ("manual", {"points": 10}),
        ("boolean", {"value": 1}),
        ("boolean", {"value": 0}),
        ("ratio", {"numerator": 40, "denominator": 50}),
        ("ratio", {"numerator": 50, "denominator": 50}),
        ("ratio", {"denominator": 50}),
        ("percent", {"percent": 99.5}),
        ("steps", {"value": -12.5}),
        ("per_item", {"count": 3}),
        ("choice", {"choice": "dat"}),
        ("direct", {"value": 0.25}),
    ]
    for kind, inputs in accepted:
        assert InputCheck(LEAVES[kind]).accepts(inputs), (kind, inputs)


def test_values_it_is_not_sure_of_are_left_to_validate_inputs() -> None:
    unsure: list[tuple[str, dict[str, Any]]] = [
        ("manual", {"points": 10.5}),
        ("boolean", {"value": True}),
        ("ratio", {"numerator": 51, "denominator": 50}),
        ("ratio", {"numerator": 2.0}),  # a whole float count: valid, but validate_inputs says so
        ("percent", {"percent": math.inf}),
        ("steps", {"value": math.nan}),
        ("choice", {"choice": "Dat"}),
        ("choice", {"choice": ""}),  # valid (a cleared value), but not the usual case
        ("manual", {"value": 1}),
        ("not scored", {}),
    ]
    for kind, inputs in unsure:
        assert not InputCheck(LEAVES[kind]).accepts(inputs), (kind, inputs)
