"""Properties that must hold for any input: bounds, monotonicity, missing values, roll-up sums,
and re-scoring a few rows agreeing with a full re-score."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.scoring.engine import (
    CohortInputs,
    Flag,
    Node,
    RuleSpec,
    Tree,
    View,
    build_rule,
    compile_tree,
    rescore_rows,
    score_cohort,
)

SAMPLE_PARAMS: dict[str, list[dict[str, Any]]] = {
    "boolean": [{}],
    "ratio": [{}, {"full_at": 0.8}, {"input": "percent"}, {"input": "percent", "full_at": 0.3}],
    "steps": [{"steps": [[1, 2.5], [2, 5], [3, 7.5], [4, 10]]}, {"steps": [[-5, 1], [0, 4]]}],
    "per_item": [{"points_per_item": 3}, {"points_per_item": 0.5, "cap": 4}],
    "choice": [{"options": [{"key": "a", "points": 10}, {"key": "b", "fraction": 0.3}]}],
    "relative_to_best": [{}, {"higher_is_better": False}],
    "min_max": [{}, {"higher_is_better": False}],
    "manual": [{}],
    "direct": [{}],
}
RULE_SAMPLES = [(kind, params) for kind, ps in SAMPLE_PARAMS.items() for params in ps]

any_float = st.floats(allow_nan=True, allow_infinity=True)
edgy_float = st.one_of(
    any_float,
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 4.0, 100.0, -1.0, math.nan, math.inf, -math.inf]),
)


@settings(max_examples=300)
@given(
    st.sampled_from(RULE_SAMPLES),
    st.floats(0, 1000),
    st.lists(st.tuples(edgy_float, edgy_float), min_size=1, max_size=30),
    st.lists(st.integers(0, 2), min_size=30, max_size=30),
)
def test_every_rule_keeps_points_within_zero_and_max(sample, max_points, pairs, parts):
    kind, params = sample
    if kind in ("steps", "choice", "per_item"):  # their params name points up to 10
        max_points = max(max_points, 10.0)
    rule = build_rule(kind, params, max_points)
    columns = {
        spec.name: np.array([pair[i] for pair in pairs]) for i, spec in enumerate(rule.inputs)
    }
    partitions = np.array(parts[: len(pairs)])
    points, flags = rule.score(columns, max_points, partitions)
    assert points.shape == flags.shape == (len(pairs),)
    assert np.isfinite(points).all()
    assert (points >= 0).all() and (points <= max_points).all()
    missing = np.logical_or.reduce([np.isnan(c) for c in columns.values()])
    assert (points[missing] == 0).all()
    assert ((flags[missing] & Flag.MISSING) != 0).all()
    assert ((flags[~missing] & Flag.MISSING) == 0).all()


@given(st.sampled_from(RULE_SAMPLES), st.integers(1, 20))
def test_a_missing_input_scores_zero_and_is_flagged(sample, n):
    kind, params = sample
    rule = build_rule(kind, params, 10)
    points, flags = rule.score({s.name: np.full(n, math.nan) for s in rule.inputs}, 10)
    assert (points == 0).all() and (flags == Flag.MISSING).all()


finite_values = st.lists(st.floats(0, 1e6), min_size=2, max_size=40)


@given(finite_values, st.sampled_from([p for k, p in RULE_SAMPLES if k == "steps"]))
def test_steps_never_give_fewer_points_for_a_higher_value(values, params):
    rule = build_rule("steps", params, 10)
    points, _ = rule.score({"value": np.sort(np.array(values))}, 10)
    assert (np.diff(points) >= 0).all()


@given(finite_values, st.sampled_from([p for k, p in RULE_SAMPLES if k == "per_item"]))
def test_per_item_never_gives_fewer_points_for_more_items(values, params):
    rule = build_rule("per_item", params, 10)
    points, _ = rule.score({"count": np.sort(np.array(values))}, 10)
    assert (np.diff(points) >= 0).all()


@given(finite_values, st.floats(1e-6, 1e6), st.sampled_from([{}, {"full_at": 0.8}]))
def test_ratio_never_gives_fewer_points_for_a_higher_numerator(values, denominator, params):
    rule = build_rule("ratio", params, 10)
    numerators = np.sort(np.array(values))
    points, _ = rule.score(
        {"numerator": numerators, "denominator": np.full(numerators.size, denominator)}, 10
    )
    assert (np.diff(points) >= 0).all()


@given(st.lists(st.floats(0, 500), min_size=2, max_size=40))
def test_ratio_never_gives_fewer_points_for_a_higher_percent(values):
    rule = build_rule("ratio", {"input": "percent", "full_at": 0.9}, 10)
    points, _ = rule.score({"percent": np.sort(np.array(values))}, 10)
    assert (np.diff(points) >= 0).all()


# --- random trees ----------------------------------------------------------------------------

LEAF_KINDS = ["manual", "boolean", "ratio", "per_item", "relative_to_best", "min_max"]
LEAF_PARAMS = {"per_item": {"points_per_item": 2}}


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """A random tree, 1–3 roots, up to 3 levels, leaves of random kinds and maxima (some 0)."""
    nodes: list[Node] = []

    def grow(code: str, parent: str | None, depth: int) -> float:
        n_children = draw(st.integers(0, 3)) if depth < 3 else 0
        if parent is not None and n_children == 0:
            return leaf(code, parent)
        index = len(nodes)
        nodes.append(Node(code, parent, "group", 0))
        total = math.fsum(grow(f"{code}.{i}", code, depth + 1) for i in range(max(n_children, 1)))
        nodes[index] = Node(code, parent, "group", total)
        return total

    def leaf(code: str, parent: str) -> float:
        max_points = float(draw(st.sampled_from([0, 1, 2.5, 5, 10, 20])))
        if max_points == 0 and draw(st.booleans()):
            nodes.append(Node(code, parent, "sub", 0))
            return 0.0
        kind = draw(st.sampled_from(LEAF_KINDS))
        nodes.append(
            Node(code, parent, "sub", max_points, RuleSpec(kind, LEAF_PARAMS.get(kind, {})))
        )
        return max_points

    roots = [grow(f"R{i}", None, 0) for i in range(draw(st.integers(1, 3)))]
    if sum(roots) == 0:
        nodes.append(Node("X", None, "sub", 1, RuleSpec("manual")))
    codes = [n.code for n in nodes]
    members = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=1, unique=True))
    views = (
        ()
        if sum(n.max_points for n in nodes if n.code in members) == 0
        else (View("v", "V", tuple(members)),)
    )
    return Tree(tuple(nodes), views)


def random_inputs(tree: Tree, n: int, seed: int) -> CohortInputs:
    rng = np.random.default_rng(seed)
    compiled = compile_tree(tree)
    columns = {}
    for code, rule in zip(compiled.leaf_codes, compiled.rules, strict=True):
        for spec in rule.inputs if rule else ():
            column = rng.choice([0, 1, 2, 5, 10, 25, -1, math.nan, math.inf], size=n).astype(float)
            columns[(code, spec.name)] = column * rng.uniform(0.5, 1.5, n)
    return CohortInputs(n, columns, rng.integers(0, 3, n))


def leaf_sum(tree: Tree, points_of, code: str) -> float:
    """Σ points of the leaves under `code`, found by walking parents: independent of the engine."""

    def under(node: Node) -> bool:
        parents = {n.code: n.parent for n in tree.nodes}
        walk: str | None = node.code
        while walk is not None:
            if walk == code:
                return True
            walk = parents[walk]
        return False

    has_children = {n.parent for n in tree.nodes}
    return math.fsum(
        points_of(n.code) for n in tree.nodes if n.code not in has_children and under(n)
    )


@settings(max_examples=60, deadline=None)
@given(trees(), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_every_parent_scores_the_sum_of_the_leaves_under_it(tree, n, seed):
    result = score_cohort(tree, random_inputs(tree, n, seed))
    for row in range(n):

        def points_of(code: str, row: int = row) -> float:
            return float(result.column(code)[row])

        for node in tree.nodes:
            assert math.isclose(
                points_of(node.code),
                leaf_sum(tree, points_of, node.code),
                rel_tol=1e-9,
                abs_tol=1e-9,
            )
        roots = math.fsum(points_of(n.code) for n in tree.nodes if n.parent is None)
        assert math.isclose(result.total[row], roots, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(result.index[row], roots / compile_tree(tree).scale, rel_tol=1e-9)
        for view in tree.views:
            scale = math.fsum(n.max_points for n in tree.nodes if n.code in view.members)
            expected = math.fsum(points_of(m) for m in view.members) / scale
            assert math.isclose(result.views[view.code][row], expected, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(trees(), st.integers(1, 15), st.integers(0, 2**32 - 1), st.data())
def test_rescoring_edited_rows_equals_a_full_rescore(tree, n, seed, data):
    compiled = compile_tree(tree)
    inputs = random_inputs(tree, n, seed)
    result = score_cohort(compiled, inputs)
    rows = data.draw(st.lists(st.integers(0, n - 1), max_size=4), label="rows")
    edit = data.draw(st.floats(allow_nan=True, allow_infinity=True), label="value")
    for column in inputs.columns.values():
        column[rows] = edit  # type: ignore[index]
    rescore_rows(compiled, inputs, result, np.array(rows, dtype=int))
    fresh = score_cohort(compiled, inputs)
    np.testing.assert_allclose(result.points, fresh.points, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(result.flags, fresh.flags)
    np.testing.assert_allclose(result.total, fresh.total, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.index, fresh.index, rtol=1e-12, atol=1e-12)
    for code, view in fresh.views.items():
        np.testing.assert_allclose(result.views[code], view, rtol=1e-12, atol=1e-12)
