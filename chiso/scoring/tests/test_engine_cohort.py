"""Scoring a cohort: roll-up, totals, views, flags, input checks, and re-scoring a few rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chiso.scoring.engine import (
    CohortInputs,
    EngineError,
    Flag,
    Node,
    RuleSpec,
    Tree,
    View,
    compile_tree,
    rescore_rows,
    score_cohort,
)

NAN = math.nan


def commune_tree() -> Tree:
    """A(30): A.1 ratio(10), A.2 steps(20); B(20): B.1 relative_to_best(20); C(0) unscored."""
    return Tree(
        (
            Node("A", None, "main", 30, name="Hạ tầng"),
            Node("A.1", "A", "sub", 10, RuleSpec("ratio")),
            Node("A.2", "A", "sub", 20, RuleSpec("steps", {"steps": [[1, 10], [2, 20]]})),
            Node("B", None, "main", 20),
            Node("B.1", "B", "sub", 20, RuleSpec("relative_to_best")),
            Node("C", None, "main", 0),
        ),
        views=(View("AB", "Cả hai", ("A.2", "B")), View("A-only", "Chỉ A", ("A",), scale=60)),
        scale=100,
    )


def commune_inputs() -> CohortInputs:
    # rows 0, 1 are period 1; rows 2, 3 are period 2
    return CohortInputs(
        4,
        {
            ("A.1", "numerator"): np.array([5, 10, NAN, 2]),
            ("A.1", "denominator"): np.array([10, 10, 10, 0]),
            ("A.2", "value"): np.array([2, 1, 0, 5]),
            ("B.1", "value"): np.array([50, 100, 30, 60]),
        },
        partitions=np.array([1, 1, 2, 2]),
    )


def test_score_cohort_scores_leaves_and_sums_parents():
    result = score_cohort(commune_tree(), commune_inputs())
    assert result.node_codes == ["A", "A.1", "A.2", "B", "B.1", "C"]
    assert result.column("A.1").tolist() == [5, 10, 0, 0]
    assert result.column("A.2").tolist() == [20, 10, 0, 20]
    assert result.column("B.1").tolist() == [10, 20, 10, 20]
    assert result.column("A").tolist() == [25, 20, 0, 20]
    assert result.column("B").tolist() == [10, 20, 10, 20]
    assert result.total.tolist() == [35, 40, 10, 40]
    assert result.index.tolist() == [0.35, 0.40, 0.10, 0.40]


def test_points_and_flags_have_rows_first_shapes():
    result = score_cohort(commune_tree(), commune_inputs())
    assert result.points.shape == (4, 6)
    assert result.points[0].tolist() == [25, 5, 20, 10, 10, 0]
    assert result.flags.shape == (4, 4)
    assert result.leaf_codes == ["A.1", "A.2", "B.1", "C"]
    assert result.flags[:, 0].tolist() == [0, 0, Flag.MISSING, Flag.ZERO_DENOMINATOR | Flag.INVALID]


def test_views_divide_members_points_by_their_scale():
    result = score_cohort(commune_tree(), commune_inputs())
    assert result.views["AB"].tolist() == pytest.approx([30 / 40, 30 / 40, 10 / 40, 40 / 40])
    assert result.views["A-only"].tolist() == pytest.approx([25 / 60, 20 / 60, 0, 20 / 60])


def test_values_are_points_over_max_and_nan_where_max_is_zero():
    values = score_cohort(commune_tree(), commune_inputs()).values
    assert values[0, :5].tolist() == pytest.approx([25 / 30, 0.5, 1.0, 0.5, 0.5])
    assert np.isnan(values[:, 5]).all()


def test_a_leaf_without_columns_is_missing_everywhere():
    inputs = commune_inputs()
    columns = {k: v for k, v in inputs.columns.items() if k[0] != "A.2"}
    result = score_cohort(commune_tree(), CohortInputs(4, columns, inputs.partitions))
    assert result.column("A.2").tolist() == [0, 0, 0, 0]
    assert result.flags[:, 1].tolist() == [Flag.MISSING] * 4


def test_row_dict_gives_one_row_as_plain_data():
    row = score_cohort(commune_tree(), commune_inputs()).row_dict(3)
    assert row["points"]["A"] == 20
    assert row["total"] == 40 and row["index"] == 0.4
    assert row["views"] == {"AB": 1.0, "A-only": pytest.approx(1 / 3)}
    assert row["flags"] == {"A.1": int(Flag.ZERO_DENOMINATOR | Flag.INVALID)}


def test_score_cohort_accepts_a_compiled_tree_and_an_empty_cohort():
    result = score_cohort(compile_tree(commune_tree()), CohortInputs(0, {}))
    assert result.points.shape == (0, 6) and result.total.shape == (0,)


def test_unknown_node_in_a_result_raises():
    with pytest.raises(EngineError, match="no node 'Z'"):
        score_cohort(commune_tree(), commune_inputs()).column("Z")


@pytest.mark.parametrize(
    ("columns", "n_rows", "partitions", "message"),
    [
        ({("Z", "value"): [1.0]}, 1, None, "input column for node 'Z', which is not in the tree"),
        ({("A", "value"): [1.0]}, 1, None, "input column for node 'A', which is not a leaf"),
        (
            {("A.1", "percent"): [1.0]},
            1,
            None,
            "leaf 'A.1' (rule ratio) has no input 'percent'; expected numerator, denominator",
        ),
        ({("C", "value"): [1.0]}, 1, None, "leaf 'C' (rule none (not scored)) has no input"),
        ({("A.2", "value"): [1.0, 2.0]}, 1, None, "column ('A.2', 'value') has shape (2,)"),
        ({("A.2", "value"): ["x"]}, 1, None, "column ('A.2', 'value') is not numeric"),
        ({}, 2, np.array([0.5, 1.5]), "partitions must be 2 integers"),
        ({}, 2, np.array([1, 2, 3]), "partitions must be 2 integers"),
        ({}, -1, None, "n_rows must be an integer >= 0"),
    ],
)
def test_inputs_that_do_not_fit_the_tree_raise_precisely(columns, n_rows, partitions, message):
    with pytest.raises(EngineError) as info:
        score_cohort(commune_tree(), CohortInputs(n_rows, columns, partitions))
    assert message in str(info.value)


def test_rescore_rows_updates_the_edited_row_and_its_cohort_only():
    compiled = compile_tree(commune_tree())
    inputs = commune_inputs()
    result = score_cohort(compiled, inputs)
    inputs.columns[("B.1", "value")][0] = 200  # the new best of period 1
    inputs.columns[("A.2", "value")][0] = 0
    rescore_rows(compiled, inputs, result, np.array([0]))
    assert result.column("B.1").tolist() == [20, 10, 10, 20]  # row 1 moved, period 2 did not
    assert result.column("A.2").tolist() == [0, 10, 0, 20]
    assert result.total.tolist() == [25, 30, 10, 40]
    fresh = score_cohort(compiled, inputs)
    assert np.array_equal(fresh.points, result.points)
    assert np.array_equal(fresh.flags, result.flags)
    assert all(np.array_equal(fresh.views[k], result.views[k]) for k in fresh.views)


def test_rescore_rows_of_named_leaves_equals_scoring_again():
    """Told which leaves' inputs changed, it re-scores only those: a plain leaf for its rows
    (and rolls up only them), a cohort leaf for its whole partition."""
    compiled = compile_tree(commune_tree())
    inputs = commune_inputs()
    result = score_cohort(compiled, inputs)
    inputs.columns[("A.2", "value")][1] = 0  # a plain leaf of row 1
    touched = rescore_rows(compiled, inputs, result, np.array([1]), leaves=["A.2"])
    assert np.array_equal(np.asarray(touched), [1])
    fresh = score_cohort(compiled, inputs)
    assert np.array_equal(fresh.points, result.points)
    assert np.array_equal(fresh.total, result.total)
    inputs.columns[("B.1", "value")][0] = 200  # a cohort leaf: period 1 moves
    touched = rescore_rows(compiled, inputs, result, np.array([0]), leaves=["B.1"])
    fresh = score_cohort(compiled, inputs)
    assert np.array_equal(fresh.points, result.points)
    assert np.array_equal(fresh.flags, result.flags)
    assert all(np.array_equal(fresh.views[k], result.views[k]) for k in fresh.views)
    assert np.asarray(np.arange(4)[touched]).tolist() == [0, 1]  # period 1's rows
    with pytest.raises(EngineError, match="not a scored leaf"):
        rescore_rows(compiled, inputs, result, np.array([0]), leaves=["Z.9"])


def test_rescore_rows_with_no_rows_changes_nothing():
    compiled = compile_tree(commune_tree())
    result = score_cohort(compiled, commune_inputs())
    before = result.points.copy()
    rescore_rows(compiled, commune_inputs(), result, np.array([], dtype=int))
    assert np.array_equal(before, result.points)


def test_rescore_rows_refuses_rows_out_of_range():
    compiled = compile_tree(commune_tree())
    result = score_cohort(compiled, commune_inputs())
    with pytest.raises(EngineError, match=r"rows must be in \[0, 4\), got 2..4"):
        rescore_rows(compiled, commune_inputs(), result, [2, 4])


def test_rescore_rows_refuses_a_result_from_another_cohort():
    compiled = compile_tree(commune_tree())
    other = score_cohort(compiled, CohortInputs(2, {}))
    with pytest.raises(EngineError, match="not computed from this tree and these inputs"):
        rescore_rows(compiled, commune_inputs(), other, [0])


def test_without_partitions_all_rows_are_one_cohort():
    inputs = commune_inputs()
    result = score_cohort(commune_tree(), CohortInputs(4, inputs.columns))
    assert result.column("B.1").tolist() == [10, 20, 6, 12]
