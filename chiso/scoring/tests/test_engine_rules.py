"""Rule kinds, one parametrised table each: typical values, edges, missing, invalid."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from chiso.scoring.engine import RULES, EngineError, Flag, RuleError, build_rule, register
from chiso.scoring.engine.rules import BooleanRule, ChoiceRule, Rule

NAN, INF = math.nan, math.inf
OK = 0
M, INV, CL, ZD = Flag.MISSING, Flag.INVALID, Flag.CLAMPED, Flag.ZERO_DENOMINATOR


def score_one(kind: str, params: Mapping[str, Any], max_points: float, **inputs: float):
    """Points and flags of a single row."""
    rule = build_rule(kind, params, max_points)
    points, flags = rule.score({k: np.array([v]) for k, v in inputs.items()}, max_points)
    return float(points[0]), int(flags[0])


def score_many(kind: str, params: Mapping[str, Any], max_points: float, values, partitions=None):
    rule = build_rule(kind, params, max_points)
    parts = None if partitions is None else np.array(partitions)
    return rule.score({"value": np.array(values, dtype=float)}, max_points, parts)


def test_every_required_rule_kind_is_registered():
    assert set(RULES) >= {
        "boolean",
        "ratio",
        "steps",
        "per_item",
        "choice",
        "relative_to_best",
        "min_max",
        "manual",
        "direct",
    }


@pytest.mark.parametrize(
    ("value", "points", "flags"),
    [
        (1, 10, OK),
        (0, 0, OK),
        (0.5, 10, OK),
        (0.49, 0, OK),
        (NAN, 0, M),
        (-1, 0, INV),
        (2, 0, INV),
        (INF, 0, INV),
    ],
)
def test_boolean_gives_full_marks_for_yes_only(value, points, flags):
    assert score_one("boolean", {}, 10, value=value) == (points, flags)


@pytest.mark.parametrize(
    ("params", "numerator", "denominator", "points", "flags"),
    [
        ({}, 45, 90, 5, OK),
        ({}, 90, 90, 10, OK),
        ({}, 0, 90, 0, OK),
        ({}, 100, 90, 10, INV | CL),
        ({}, 5, 0, 0, ZD | INV),
        ({}, 0, 0, 0, ZD | INV),
        ({}, NAN, 90, 0, M),
        ({}, 5, NAN, 0, M),
        ({}, NAN, NAN, 0, M),
        ({}, -1, 90, 0, INV),
        ({}, 5, -10, 0, INV),
        ({}, INF, 10, 0, INV),
        ({"full_at": 0.8}, 80, 100, 10, OK),
        ({"full_at": 0.8}, 40, 100, 5, OK),
        ({"full_at": 0.8}, 90, 100, 10, OK),
        ({"full_at": 0.8}, 79.99, 100, 9.99875, OK),
    ],
)
def test_ratio_scores_numerator_over_denominator(params, numerator, denominator, points, flags):
    got = score_one("ratio", params, 10, numerator=numerator, denominator=denominator)
    assert got == (pytest.approx(points), flags)


def test_ratio_gives_full_marks_at_threshold():
    assert score_one("ratio", {"full_at": 0.8}, 10, numerator=8, denominator=10) == (10, OK)


@pytest.mark.parametrize(
    ("params", "percent", "points", "flags"),
    [
        ({"input": "percent"}, 50, 10, OK),
        ({"input": "percent"}, 100, 20, OK),
        ({"input": "percent"}, 100.0000000001, 20, OK),
        ({"input": "percent"}, 120, 20, INV | CL),
        ({"input": "percent"}, 0, 0, OK),
        ({"input": "percent"}, -5, 0, INV),
        ({"input": "percent"}, NAN, 0, M),
        ({"input": "percent", "full_at": 0.5}, 25, 10, OK),
        ({"input": "percent", "full_at": 0.5}, 60, 20, OK),
        ({"input": "percent", "full_at": 0.5}, 10, 4, OK),
    ],
)
def test_ratio_reads_a_single_percent_when_asked(params, percent, points, flags):
    assert score_one("ratio", params, 20, percent=percent) == (pytest.approx(points), flags)


MEETINGS = {"steps": [[1, 5], [2, 10], [3, 15], [4, 20]]}


@pytest.mark.parametrize(
    ("params", "value", "points", "flags"),
    [
        (MEETINGS, 0, 0, OK),
        (MEETINGS, 0.99, 0, OK),
        (MEETINGS, 1, 5, OK),
        (MEETINGS, 2.5, 10, OK),
        (MEETINGS, 3, 15, OK),
        (MEETINGS, 4, 20, OK),
        (MEETINGS, 12, 20, OK),
        (MEETINGS, -1, 0, INV),
        (MEETINGS, NAN, 0, M),
        (MEETINGS, INF, 0, INV),
        ({"steps": [[-10, 2], [0, 5]]}, -20, 0, OK),
        ({"steps": [[-10, 2], [0, 5]]}, -10, 2, OK),
        ({"steps": [[-10, 2], [0, 5]]}, -1, 2, OK),
        ({"steps": [[-10, 2], [0, 5]]}, 0, 5, OK),
    ],
)
def test_steps_gives_the_points_of_the_highest_threshold_reached(params, value, points, flags):
    max_points = max(p for _, p in params["steps"])
    assert score_one("steps", params, max_points, value=value) == (points, flags)


@pytest.mark.parametrize(
    ("params", "count", "points", "flags"),
    [
        ({"points_per_item": 2}, 0, 0, OK),
        ({"points_per_item": 2}, 3, 6, OK),
        ({"points_per_item": 2}, 5, 10, OK),
        ({"points_per_item": 2}, 7, 10, OK),
        ({"points_per_item": 2}, 2.5, 5, OK),
        ({"points_per_item": 2, "cap": 6}, 5, 6, OK),
        ({"points_per_item": 2, "cap": 6}, 2, 4, OK),
        ({"points_per_item": 2}, -1, 0, INV),
        ({"points_per_item": 2}, NAN, 0, M),
        ({"points_per_item": 2}, INF, 0, INV),
    ],
)
def test_per_item_counts_items_up_to_the_cap(params, count, points, flags):
    assert score_one("per_item", params, 10, count=count) == (points, flags)


CHAIR = {
    "options": [
        {"key": "chu_tich", "label": "Chủ tịch", "points": 10},
        {"key": "pho_chu_tich", "label": "Phó Chủ tịch", "fraction": 0.5},
        {"key": "khac", "label": "Khác", "points": 0},
    ]
}


@pytest.mark.parametrize(
    ("choice", "points", "flags"),
    [
        (0, 10, OK),
        (1, 5, OK),
        (2, 0, OK),
        (3, 0, INV),
        (1.5, 0, INV),
        (-1, 0, INV),
        (NAN, 0, M),
        (INF, 0, INV),
    ],
)
def test_choice_gives_the_chosen_options_points(choice, points, flags):
    assert score_one("choice", CHAIR, 10, choice=choice) == (points, flags)


def test_choice_maps_option_keys_to_input_indices():
    rule = build_rule("choice", CHAIR, 10)
    assert isinstance(rule, ChoiceRule)
    assert rule.index_of("pho_chu_tich") == 1
    with pytest.raises(KeyError):
        rule.index_of("nobody")


@pytest.mark.parametrize(
    ("params", "values", "partitions", "points", "flags"),
    [
        ({}, [50, 100, 25, NAN, -3], None, [5, 10, 2.5, 0, 0], [OK, OK, OK, M, INV]),
        ({}, [0, 0], None, [0, 0], [OK, OK]),
        ({}, [10, 20, 10, 20], [0, 0, 1, 1], [5, 10, 5, 10], [OK] * 4),
        ({}, [10, 20, 10, 40], [0, 0, 1, 1], [5, 10, 2.5, 10], [OK] * 4),
        ({}, [NAN, NAN], None, [0, 0], [M, M]),
        ({"higher_is_better": False}, [2, 4, 8], None, [10, 5, 2.5], [OK] * 3),
        ({"higher_is_better": False}, [0, 5], None, [10, 0], [OK, OK]),
        ({"higher_is_better": False}, [4, INF, 8], None, [10, 0, 5], [OK, INV, OK]),
    ],
)
def test_relative_to_best_compares_with_the_best_of_the_partition(
    params, values, partitions, points, flags
):
    got_points, got_flags = score_many("relative_to_best", params, 10, values, partitions)
    assert got_points.tolist() == pytest.approx(points)
    assert got_flags.tolist() == flags


@pytest.mark.parametrize(
    ("params", "values", "partitions", "points", "flags"),
    [
        ({}, [10, 20, 30], None, [0, 5, 10], [OK] * 3),
        ({}, [-10, 0, 10], None, [0, 5, 10], [OK] * 3),
        ({}, [7, 7], None, [10, 10], [OK, OK]),
        ({}, [3], None, [10], [OK]),
        ({}, [10, NAN, 30, INF], None, [0, 0, 10, 0], [OK, M, OK, INV]),
        ({}, [1, 2, 100, 200], [0, 0, 1, 1], [0, 10, 0, 10], [OK] * 4),
        ({"higher_is_better": False}, [10, 20, 30], None, [10, 5, 0], [OK] * 3),
        ({}, [-1e308, 1e308, 0], None, [0, 10, 5], [OK] * 3),
    ],
)
def test_min_max_normalises_within_the_partition(params, values, partitions, points, flags):
    got_points, got_flags = score_many("min_max", params, 10, values, partitions)
    assert got_points.tolist() == pytest.approx(points)
    assert got_flags.tolist() == flags


@pytest.mark.parametrize(
    ("value", "points", "flags"),
    [
        (7, 7, OK),
        (10, 10, OK),
        (0, 0, OK),
        (12, 10, CL),
        (-1, 0, CL),
        (NAN, 0, M),
        (INF, 0, INV),
    ],
)
def test_manual_takes_the_reviewers_points_within_zero_and_max(value, points, flags):
    assert score_one("manual", {}, 10, points=value) == (points, flags)


@pytest.mark.parametrize(
    ("value", "points", "flags"),
    [
        (0.8575, 171.5, OK),
        (1.0, 200, OK),
        (0.0, 0, OK),
        (1.2, 200, CL),
        (-0.1, 0, CL),
        (NAN, 0, M),
        (-INF, 0, INV),
    ],
)
def test_direct_scales_a_published_value_to_points(value, points, flags):
    assert score_one("direct", {}, 200, value=value) == (pytest.approx(points), flags)


@pytest.mark.parametrize(
    ("kind", "params", "max_points", "message"),
    [
        ("ratio", {"full_at": 0}, 10, "full_at must be in (0, 1]"),
        ("ratio", {"full_at": 1.5}, 10, "full_at must be in (0, 1]"),
        ("ratio", {"full_at": "0.8"}, 10, "must be a finite number"),
        ("ratio", {"full_at": True}, 10, "must be a finite number"),
        ("ratio", {"input": "percentage"}, 10, "'input' must be 'counts' or 'percent'"),
        ("ratio", {"fullat": 0.8}, 10, "unknown parameter(s) 'fullat'"),
        ("steps", {}, 20, "'steps' must be a non-empty list"),
        ("steps", {"steps": []}, 20, "'steps' must be a non-empty list"),
        ("steps", {"steps": [[2, 10], [1, 5]]}, 20, "strictly ascending"),
        ("steps", {"steps": [[1, 5], [1, 10]]}, 20, "strictly ascending"),
        ("steps", {"steps": [[1, 10], [2, 5]]}, 20, "must not decrease"),
        ("steps", {"steps": [[1, 30]]}, 20, "between 0 and the maximum 20"),
        ("steps", {"steps": [[1]]}, 20, "step #1 must be [threshold, points]"),
        ("steps", {"steps": [[1, math.nan]]}, 20, "step #1 points must be a finite number"),
        ("per_item", {}, 10, "'points_per_item' is required"),
        ("per_item", {"points_per_item": 0}, 10, "points_per_item must be > 0"),
        ("per_item", {"points_per_item": 1, "cap": 50}, 10, "cap must be between 0 and the"),
        ("choice", {"options": []}, 10, "'options' must be a non-empty list"),
        (
            "choice",
            {"options": [{"key": "a", "points": 1}, {"key": "a", "points": 2}]},
            10,
            "option keys must be unique",
        ),
        (
            "choice",
            {"options": [{"key": "a", "points": 1, "fraction": 0.1}]},
            10,
            "needs exactly one of 'points' or 'fraction'",
        ),
        ("choice", {"options": [{"key": "a"}]}, 10, "needs exactly one of"),
        ("choice", {"options": [{"key": "a", "fraction": 1.5}]}, 10, "fraction must be in [0, 1]"),
        ("choice", {"options": [{"key": "a", "points": 11}]}, 10, "between 0 and the maximum 10"),
        ("choice", {"options": [{"label": "no key", "points": 1}]}, 10, "non-empty 'key'"),
        ("relative_to_best", {"higher_is_better": "yes"}, 10, "must be true or false"),
        ("min_max", {"lower": True}, 10, "unknown parameter(s) 'lower'"),
        ("boolean", {"x": 1}, 10, "unknown parameter(s) 'x'"),
        ("boolean", ["x"], 10, "params must be a mapping"),
        ("manual", {"max": 3}, 10, "unknown parameter(s) 'max'"),
        ("nonsense", {}, 10, "unknown rule kind 'nonsense'"),
    ],
)
def test_bad_rule_params_raise_a_precise_rule_error(kind, params, max_points, message):
    with pytest.raises(RuleError) as info:
        build_rule(kind, params, max_points)
    assert message in str(info.value)


def test_rule_errors_are_engine_errors():
    assert issubclass(RuleError, EngineError)


@pytest.mark.parametrize(
    ("kind", "params", "max_points", "text"),
    [
        ("boolean", {}, 10, "Có: 10 điểm; không: 0 điểm"),
        ("ratio", {}, 10, "Điểm = tử số / mẫu số × 10"),
        (
            "ratio",
            {"full_at": 0.8},
            10,
            "Điểm = tử số / mẫu số / 0,8 × 10, đạt từ 80% trở lên được 10 điểm",
        ),
        ("ratio", {"input": "percent"}, 12.5, "Điểm = tỷ lệ (%) / 100 × 12,5"),
        (
            "steps",
            MEETINGS,
            20,
            "Bậc thang: từ 4: 20 điểm; từ 3: 15 điểm; từ 2: 10 điểm; từ 1: 5 điểm; dưới 1: 0 điểm",
        ),
        ("per_item", {"points_per_item": 2}, 10, "Mỗi mục 2 điểm, tối đa 10 điểm"),
        (
            "choice",
            CHAIR,
            10,
            "Theo lựa chọn: Chủ tịch: 10 điểm; Phó Chủ tịch: 5 điểm; Khác: 0 điểm",
        ),
        ("relative_to_best", {}, 10, "Điểm = giá trị / giá trị cao nhất trong nhóm so sánh × 10"),
        ("manual", {}, 10, "Chấm trực tiếp, từ 0 đến 10 điểm"),
        ("direct", {}, 200, "Điểm = giá trị công bố (0–1) × 200"),
    ],
)
def test_rules_describe_themselves_in_vietnamese(kind, params, max_points, text):
    assert build_rule(kind, params, max_points).describe_vi(max_points) == text


def test_min_max_description_says_equal_cohorts_get_full_marks():
    assert "cả nhóm bằng nhau: điểm tối đa" in build_rule("min_max", {}, 10).describe_vi(10)


def test_a_rule_scores_whole_columns_at_once():
    points, flags = build_rule("ratio", {}, 10).score(
        {"numerator": np.array([1.0, 2, 3]), "denominator": np.array([4.0, 4, 0])}, 10
    )
    assert points.tolist() == [2.5, 5, 0]
    assert flags.dtype == np.uint8
    assert flags.tolist() == [OK, OK, ZD | INV]


def test_a_rule_raises_when_an_input_column_is_not_given():
    with pytest.raises(EngineError, match="input 'denominator' not given"):
        build_rule("ratio", {}, 10).score({"numerator": np.array([1.0])}, 10)


def test_only_cohort_rules_need_the_cohort():
    needs = {kind for kind, cls in RULES.items() if cls.needs_cohort}
    assert needs == {"relative_to_best", "min_max"}


def test_a_new_rule_kind_plugs_in_through_the_registry():
    @register
    class HalfRule(BooleanRule):
        kind = "test_half"

        def _score(self, values, max_points, partitions):
            points, flags = super()._score(values, max_points, partitions)
            return points / 2, flags

    try:
        assert score_one("test_half", {}, 10, value=1) == (5, OK)
    finally:
        RULES.pop("test_half")


def test_registering_a_taken_kind_with_another_class_fails():
    class Impostor(BooleanRule):
        kind = "ratio"

    with pytest.raises(EngineError, match="already registered by RatioRule"):
        register(Impostor)
    assert RULES["ratio"].__name__ == "RatioRule"


def test_every_rule_lists_its_inputs_with_vietnamese_labels():
    samples: dict[str, dict[str, Any]] = {
        "steps": MEETINGS,
        "per_item": {"points_per_item": 1},
        "choice": CHAIR,
    }
    for kind in RULES:
        rule: Rule = build_rule(kind, samples.get(kind, {}), 20)
        assert rule.inputs, kind
        for spec in rule.inputs:
            assert spec.label_vi and spec.type in {
                "number",
                "count",
                "bool",
                "choice",
                "percent",
                "fraction",
                "points",
            }
