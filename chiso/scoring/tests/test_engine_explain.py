"""Every score explains itself: inputs → rule → points, flags in Vietnamese; parents → sum."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from chiso.scoring.engine import (
    CohortInputs,
    EngineError,
    Node,
    RuleSpec,
    Tree,
    compile_tree,
    explain,
    score_cohort,
)

NAN = math.nan


def setup():
    tree = Tree(
        (
            Node("1", None, "main", 30, name="Chính quyền số"),
            Node("1.1", "1", "sub", 10, RuleSpec("ratio"), name="Tỷ lệ hồ sơ trực tuyến"),
            Node("1.2", "1", "sub", 20, RuleSpec("relative_to_best"), name="Số dịch vụ"),
            Node("6", None, "main", 0, name="Đô thị thông minh"),
        )
    )
    inputs = CohortInputs(
        4,
        {
            ("1.1", "numerator"): np.array([30, 5, 12, math.inf]),
            ("1.1", "denominator"): np.array([40, 0, 10, 1]),
            ("1.2", "value"): np.array([50, 100, NAN, 25]),
        },
        partitions=np.array([0, 0, 0, 0]),
    )
    compiled = compile_tree(tree)
    return compiled, inputs, score_cohort(compiled, inputs)


def test_a_leaf_explains_its_inputs_rule_and_points():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 0, "1.1")
    assert (e.is_leaf, e.rule_kind, e.points, e.max_points, e.value) == (
        True,
        "ratio",
        7.5,
        10,
        0.75,
    )
    assert e.description_vi == "Điểm = tử số / mẫu số × 10"
    assert [(i.name, i.label_vi, i.value) for i in e.inputs] == [
        ("numerator", "Tử số", 30),
        ("denominator", "Mẫu số", 40),
    ]
    assert e.flags == 0 and e.messages_vi == []


def test_a_missing_input_is_named_in_vietnamese():
    compiled, inputs, result = setup()
    del inputs.columns[("1.1", "denominator")]
    result = score_cohort(compiled, inputs)
    e = explain(compiled, inputs, result, 0, "1.1")
    assert e.flag_names == ["MISSING"]
    assert e.messages_vi == ["Thiếu số liệu: mẫu số"]
    assert e.inputs[1].value is None and e.points == 0


def test_a_zero_denominator_says_so_without_a_generic_invalid_message():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 1, "1.1")
    assert e.flag_names == ["INVALID", "ZERO_DENOMINATOR"]
    assert e.messages_vi == ["Mẫu số bằng 0, không tính được tỷ lệ"]


def test_a_ratio_above_one_says_it_was_capped():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 2, "1.1")
    assert e.points == 10
    assert e.messages_vi == ["Tỷ lệ vượt 100% (tử số lớn hơn mẫu số): chỉ tính tối đa 100%"]


def test_a_cohort_rule_names_the_best_value_it_compared_with():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 0, "1.2")
    assert e.points == 10
    assert "Giá trị cao nhất trong nhóm so sánh: 100" in e.messages_vi


def test_a_parent_explains_itself_as_the_sum_of_its_children():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 0, "1")
    assert not e.is_leaf and e.rule_kind is None
    assert [(c.code, c.points, c.max_points) for c in e.children] == [
        ("1.1", 7.5, 10),
        ("1.2", 10, 20),
    ]
    assert e.points == sum(c.points for c in e.children) == 17.5


def test_an_unscored_leaf_says_it_is_not_scored():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 0, "6")
    assert e.description_vi == "Không tính điểm" and e.value is None and e.points == 0


def test_an_explanation_is_json_ready_even_with_an_infinite_input():
    compiled, inputs, result = setup()
    e = explain(compiled, inputs, result, 3, "1.1")
    data = e.to_dict()
    json.dumps(data, allow_nan=False, ensure_ascii=False)
    assert data["inputs"][0]["value"] is None
    assert data["messages_vi"] == ["Số liệu không hợp lệ nên không được tính điểm"]


@pytest.mark.parametrize(("row", "code", "message"), [(0, "9", "no node '9'"), (4, "1", "row 4")])
def test_explain_refuses_unknown_codes_and_rows(row, code, message):
    compiled, inputs, result = setup()
    with pytest.raises(EngineError, match=message):
        explain(compiled, inputs, result, row, code)
