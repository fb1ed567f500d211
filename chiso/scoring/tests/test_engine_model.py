"""Compiling a framework tree: what is precomputed, and precise errors for every bad tree."""

from __future__ import annotations

import math

import pytest

from chiso.scoring.engine import (
    EngineError,
    Node,
    RuleError,
    RuleSpec,
    Tree,
    View,
    compile_tree,
)

MANUAL = RuleSpec("manual")


def small_tree(**kw) -> Tree:
    """I(30) -> 1(20) -> 1.1(10), 1.2(10); I -> 2(10); II(5) -> 3(5); 4 (max 0, unscored)."""
    nodes = (
        Node("I", None, "pillar", 30),
        Node("1", "I", "main", 20),
        Node("1.1", "1", "sub", 10, MANUAL),
        Node("1.2", "1", "sub", 10, RuleSpec("boolean")),
        Node("2", "I", "main", 10, RuleSpec("ratio", {"full_at": 0.8})),
        Node("II", None, "pillar", 5),
        Node("3", "II", "main", 5, RuleSpec("min_max")),
        Node("4", None, "main", 0),
    )
    return Tree(nodes, **kw)


def test_compile_orders_nodes_depth_first_with_siblings_in_given_order():
    compiled = compile_tree(small_tree())
    assert compiled.node_codes == ("I", "1", "1.1", "1.2", "2", "II", "3", "4")
    assert compiled.leaf_codes == ("1.1", "1.2", "2", "3", "4")
    assert compiled.parent_index.tolist() == [-1, 0, 1, 1, 0, -1, 5, -1]


def test_compile_plans_the_roll_up_deepest_parents_first():
    compiled = compile_tree(small_tree())
    plan = [(compiled.node_codes[p], c) for p, c in compiled.sum_plan]
    assert [p for p, _ in plan] == ["II", "1", "I"]
    assert plan[0][1] == slice(6, 7) and plan[1][1] == slice(2, 4)
    assert plan[2][1].tolist() == [1, 4]  # "1" and "2" are not adjacent: "1.1", "1.2" sit between


def test_compile_parses_rules_and_separates_cohort_leaves():
    compiled = compile_tree(small_tree())
    assert [r.kind if r else None for r in compiled.rules] == [
        "manual",
        "boolean",
        "ratio",
        "min_max",
        None,
    ]
    assert compiled.cohort_leaves.tolist() == [3]
    assert compiled.plain_leaves.tolist() == [0, 1, 2]


def test_tree_scale_defaults_to_the_sum_of_roots_maxima():
    assert compile_tree(small_tree()).scale == 35
    assert compile_tree(small_tree(scale=1000)).scale == 1000


def test_tree_compile_is_compile_tree():
    assert small_tree().compile().node_codes == compile_tree(small_tree()).node_codes


def test_view_scale_defaults_to_the_sum_of_members_maxima():
    compiled = compile_tree(
        small_tree(views=(View("v", "V", ("1", "3")), View("w", "W", ("2",), 40)))
    )
    assert compiled.view_codes == ("v", "w")
    assert compiled.view_scales.tolist() == [25, 40]


def test_compiled_tree_finds_nodes_by_code():
    compiled = compile_tree(small_tree())
    assert compiled.node("2").max_points == 10
    with pytest.raises(EngineError, match="no node 'x'"):
        compiled.node("x")


def replace(tree: Tree, which: str, **changes) -> Tree:
    nodes = []
    for node in tree.nodes:
        if node.code == which:
            fields = {**node.__dict__, **changes}
            node = Node(**fields)
        nodes.append(node)
    return Tree(tuple(nodes), tree.views, tree.scale)


BAD_TREES = [
    (Tree(()), EngineError, "the tree has no nodes"),
    (
        Tree((*small_tree().nodes, Node("1.1", "1", "sub", 0))),
        EngineError,
        "duplicate node code '1.1' (nodes #3 and #9)",
    ),
    (replace(small_tree(), "2", parent="9"), EngineError, "node '2' has unknown parent '9'"),
    (replace(small_tree(), "2", code=""), EngineError, "node #5 has an empty code"),
    (
        replace(replace(small_tree(), "I", parent="1"), "II", max_points=5),
        EngineError,
        "cycle in parent links: I → 1 → I",
    ),
    (replace(small_tree(), "4", parent="4"), EngineError, "cycle in parent links: 4 → 4"),
    (
        replace(small_tree(), "1.1", rule=None),
        EngineError,
        "leaf '1.1' (max 10 points) has no rule",
    ),
    (replace(small_tree(), "1", rule=MANUAL), EngineError, "node '1' has children"),
    (
        replace(small_tree(), "1.2", max_points=-1),
        EngineError,
        "node '1.2': max_points must be a finite number >= 0, got -1",
    ),
    (replace(small_tree(), "1.2", max_points=math.nan), EngineError, "max_points must be a finite"),
    (
        replace(small_tree(), "1.2", max_points=15),
        EngineError,
        "node '1': max_points 20 is not the sum of its children's maxima (25)",
    ),
    (
        replace(small_tree(), "2", rule=RuleSpec("ration")),
        RuleError,
        "node '2': unknown rule kind 'ration'",
    ),
    (
        replace(small_tree(), "2", rule=RuleSpec("ratio", {"full_at": 2})),
        RuleError,
        "node '2': rule 'ratio': full_at must be in (0, 1], got 2",
    ),
    (
        small_tree(views=(View("v", "V", ("1", "9")),)),
        EngineError,
        "view 'v': unknown member(s) '9'",
    ),
    (
        small_tree(views=(View("v", "V", ("I", "1.1")),)),
        EngineError,
        "member '1.1' lies under another member",
    ),
    (small_tree(views=(View("v", "V", ("1", "1")),)), EngineError, "lists a member twice"),
    (
        small_tree(views=(View("v", "V", ("1",)), View("v", "W", ("2",)))),
        EngineError,
        "view code 'v' is empty or used twice",
    ),
    (small_tree(views=(View("v", "V", ()),)), EngineError, "view 'v' has no members"),
    (small_tree(views=(View("v", "V", ("4",)),)), EngineError, "view 'v': scale must be"),
    (small_tree(scale=0), EngineError, "the tree's scale must be a finite number > 0, got 0"),
    (Tree((Node("6", None, "main", 0),)), EngineError, "the tree's scale must be"),
]


@pytest.mark.parametrize(("tree", "error", "message"), BAD_TREES)
def test_a_bad_tree_raises_a_precise_error(tree, error, message):
    with pytest.raises(error) as info:
        compile_tree(tree)
    assert message in str(info.value)


def test_children_maxima_may_differ_from_the_parent_by_float_noise_only():
    nodes = (
        Node("A", None, "main", 100),
        *(Node(f"A.{i}", "A", "sub", 33.333333333, MANUAL) for i in range(3)),
        Node("A.4", "A", "sub", 0.000000001, MANUAL),
    )
    assert compile_tree(Tree(nodes)).scale == 100


def test_an_unscored_leaf_with_zero_max_needs_no_rule():
    compiled = compile_tree(Tree((Node("6", None, "main", 0), Node("7", None, "main", 10, MANUAL))))
    assert compiled.rules[0] is None
