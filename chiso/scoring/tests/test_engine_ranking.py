"""Competition ranking ("1224") per group, and the gap analysis (points lost per leaf)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.scoring.engine import (
    CohortInputs,
    EngineError,
    Gap,
    Node,
    RuleSpec,
    Tree,
    gap_matrix,
    gaps,
    rank_competition,
    score_cohort,
)

NAN = math.nan


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        ([0.8, 0.7, 0.7, 0.6], [1, 2, 2, 4]),
        ([0.6, 0.7, 0.8, 0.7], [4, 2, 1, 2]),
        ([0.5, 0.5, 0.5], [1, 1, 1]),
        ([0.9, NAN, 0.1], [1, 0, 2]),
        ([NAN, NAN], [0, 0]),
        ([], []),
        ([0.70001, 0.69999, 0.6], [1, 1, 3]),
        ([math.inf, 1.0, -math.inf], [1, 2, 3]),
    ],
)
def test_rank_competition_shares_ranks_on_ties_and_skips_the_next(values, ranks):
    assert rank_competition(np.array(values, dtype=float)).tolist() == ranks


def test_rank_competition_compares_exact_values_without_rounding():
    assert rank_competition(np.array([0.70001, 0.69999]), decimals=None).tolist() == [1, 2]


def test_rank_competition_ranks_each_group_on_its_own():
    values = np.array([0.5, 0.9, 0.7, 0.7, 0.1, 0.3])
    groups = np.array(["A", "B", "A", "B", "A", "B"])
    assert rank_competition(values, groups).tolist() == [2, 1, 1, 2, 3, 3]


def test_rank_competition_returns_int64():
    assert rank_competition([0.3, 0.2]).dtype == np.int64


def test_rank_competition_refuses_groups_of_another_shape():
    with pytest.raises(EngineError, match="groups has shape"):
        rank_competition(np.array([1.0, 2.0]), np.array([1]))


def naive_ranks(values: list[float], groups: list[int], decimals: int) -> list[int]:
    """1 + how many in the same group are strictly better: the definition, row by row.
    (Rounded as numpy rounds, which can differ from round() at a few binary half-way points.)"""
    rounded = [float(np.round(v, decimals)) for v in values]
    return [
        0
        if math.isnan(v)
        else 1
        + sum(
            1
            for w, h in zip(rounded, groups, strict=True)
            if h == g and not math.isnan(w) and w > v
        )
        for v, g in zip(rounded, groups, strict=True)
    ]


@given(
    st.lists(
        st.tuples(st.one_of(st.floats(0, 1), st.sampled_from([0.25, 0.5, NAN])), st.integers(0, 3)),
        max_size=60,
    )
)
def test_rank_competition_matches_the_definition_row_by_row(rows):
    values = [v for v, _ in rows]
    groups = [g for _, g in rows]
    got = rank_competition(np.array(values, dtype=float), np.array(groups, dtype=int), decimals=2)
    assert got.tolist() == naive_ranks(values, groups, 2)


def gap_tree() -> Tree:
    manual = RuleSpec("manual")
    return Tree(
        (
            Node("1", None, "main", 30, name="Nhận thức số"),
            Node("1.2", "1", "sub", 10, manual, name="b"),
            Node("1.10", "1", "sub", 10, manual, name="c"),
            Node("1.1", "1", "sub", 10, manual, name="a"),
            Node("2", None, "main", 20),
            Node("2.1", "2", "sub", 20, manual, name="d"),
            Node("3", None, "main", 0),
        )
    )


def gap_result():
    columns = {
        ("1.1", "points"): np.array([4.0, 10]),
        ("1.2", "points"): np.array([7.0, 10]),
        ("1.10", "points"): np.array([4.0, 10]),
        ("2.1", "points"): np.array([14.0, 20]),
    }
    return score_cohort(gap_tree(), CohortInputs(2, columns))


def test_gaps_list_lost_points_most_first_then_by_natural_code_order():
    assert gaps(gap_result(), 0) == [
        Gap("1.1", "a", 10, 4, 6),
        Gap("1.10", "c", 10, 4, 6),
        Gap("2.1", "d", 20, 14, 6),
        Gap("1.2", "b", 10, 7, 3),
    ]


def test_gaps_stop_at_the_limit_and_skip_leaves_with_nothing_lost():
    result = gap_result()
    assert [g.code for g in gaps(result, 0, limit=2)] == ["1.1", "1.10"]
    assert gaps(result, 1) == []


def test_gaps_refuse_a_row_out_of_range():
    with pytest.raises(EngineError, match=r"row 2 is out of range \[0, 2\)"):
        gaps(gap_result(), 2)


def test_gap_matrix_is_max_minus_points_per_leaf():
    result = gap_result()
    assert result.leaf_codes == ["1.2", "1.10", "1.1", "2.1", "3"]
    assert gap_matrix(result).tolist() == [[3, 6, 6, 6, 0], [0, 0, 0, 0, 0]]
