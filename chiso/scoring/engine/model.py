"""The framework tree the engine scores (plain frozen dataclasses) and its compiled form.

`compile_tree` checks the tree and raises EngineError (RuleError for rules) naming the node and
the fault: an empty or duplicate code, an unknown parent, a cycle, a negative maximum, a parent
whose maximum is not the sum of its children's, a leaf without a rule, a rule on a parent, an
unknown rule kind, bad rule parameters, a bad view. The frameworks loader gives users friendlier
messages first; these are the engine's last line.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import EngineError, RuleError
from .rules import Rule, build_rule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Children's maxima may be written with a few decimals (e.g. 3 × 33.33 under 100).
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RuleSpec:
    """A rule kind and its parameters, e.g. RuleSpec("ratio", {"full_at": 0.8})."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Node:
    """One indicator. A node without children is a leaf and needs a rule, unless its max is 0."""

    code: str
    parent: str | None
    level: str
    max_points: float
    rule: RuleSpec | None = None
    name: str = ""


@dataclass(frozen=True)
class View:
    """An overlapping derived score: Σ members' points / scale (None: Σ members' maxima)."""

    code: str
    name: str
    members: tuple[str, ...]
    scale: float | None = None


@dataclass(frozen=True)
class Tree:
    """A framework: nodes in display order, views, and the total's scale (None: Σ roots' max)."""

    nodes: tuple[Node, ...]
    views: tuple[View, ...] = ()
    scale: float | None = None

    def compile(self) -> CompiledTree:
        """See compile_tree."""
        return compile_tree(self)


@dataclass(frozen=True, eq=False)
class CompiledTree:
    """A checked tree, ready to score. Nodes are in depth-first order (parents before children,
    siblings in the order given); leaves in the same order."""

    tree: Tree
    nodes: tuple[Node, ...]
    node_codes: tuple[str, ...]
    node_index: Mapping[str, int]
    parent_index: IntArray  # -1 for roots
    children: tuple[tuple[int, ...], ...]
    max_points: FloatArray
    leaf_nodes: IntArray  # node position of each leaf
    leaf_codes: tuple[str, ...]
    leaf_index: Mapping[str, int]
    rules: tuple[Rule | None, ...]  # per leaf; None for an unscored (max 0) leaf
    inner_nodes: IntArray
    # Parents after their children, each with its children (a slice when they are adjacent).
    sum_plan: tuple[tuple[int, slice | IntArray], ...]
    root_nodes: IntArray
    view_codes: tuple[str, ...]
    view_members: tuple[IntArray, ...]
    view_scales: FloatArray
    scale: float
    cohort_leaves: IntArray  # leaves whose rule compares rows within a partition
    plain_leaves: IntArray  # leaves with a rule that scores each row on its own

    def node(self, code: str) -> Node:
        """The node `code`; raises EngineError if the tree has none."""
        if code not in self.node_index:
            raise EngineError(f"no node {code!r} in this tree")
        return self.nodes[self.node_index[code]]


def compile_tree(tree: Tree) -> CompiledTree:
    """Check `tree` and precompute what scoring needs. Raises EngineError / RuleError."""
    nodes = _check_nodes(tree.nodes)
    children = _children_of(nodes)
    order = _depth_first(nodes, children)
    index = {nodes[i].code: pos for pos, i in enumerate(order)}
    kids = tuple(tuple(index[nodes[c].code] for c in children[i]) for i in order)
    ordered = [nodes[i] for i in order]
    _check_sums(ordered, kids)
    leaves = [pos for pos, k in enumerate(kids) if not k]
    rules = tuple(_compile_rule(ordered[pos]) for pos in leaves)
    for pos, k in enumerate(kids):
        if k and ordered[pos].rule is not None:
            raise EngineError(
                f"node {ordered[pos].code!r} has children, so its points are their sum; "
                "it must not have a rule"
            )
    return _assemble(tree, ordered, index, kids, leaves, rules)


def _assemble(
    tree: Tree,
    ordered: list[Node],
    index: dict[str, int],
    kids: tuple[tuple[int, ...], ...],
    leaves: list[int],
    rules: tuple[Rule | None, ...],
) -> CompiledTree:
    max_points = np.array([n.max_points for n in ordered], dtype=np.float64)
    parents = np.array([-1 if n.parent is None else index[n.parent] for n in ordered], np.intp)
    inner = [pos for pos, k in enumerate(kids) if k]
    views, view_members, view_scales = _compile_views(tree.views, index, parents, max_points)
    return CompiledTree(
        tree=tree,
        nodes=tuple(ordered),
        node_codes=tuple(n.code for n in ordered),
        node_index=index,
        parent_index=parents,
        children=kids,
        max_points=max_points,
        leaf_nodes=np.array(leaves, dtype=np.intp),
        leaf_codes=tuple(ordered[pos].code for pos in leaves),
        leaf_index={ordered[pos].code: j for j, pos in enumerate(leaves)},
        rules=rules,
        inner_nodes=np.array(inner, dtype=np.intp),
        sum_plan=_sum_plan(kids),
        root_nodes=np.flatnonzero(parents < 0).astype(np.intp),
        view_codes=views,
        view_members=view_members,
        view_scales=view_scales,
        scale=_tree_scale(tree.scale, max_points[parents < 0]),
        cohort_leaves=_leaves_where(rules, cohort=True),
        plain_leaves=_leaves_where(rules, cohort=False),
    )


def _check_nodes(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    if not nodes:
        raise EngineError("the tree has no nodes")
    seen: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node.code, str) or not node.code:
            raise EngineError(f"node #{i + 1} has an empty code")
        if node.code in seen:
            raise EngineError(
                f"duplicate node code {node.code!r} (nodes #{seen[node.code] + 1} and #{i + 1})"
            )
        seen[node.code] = i
        if not _is_points(node.max_points):
            raise EngineError(
                f"node {node.code!r}: max_points must be a finite number >= 0, "
                f"got {node.max_points!r}"
            )
    return nodes


def _is_points(value: Any) -> bool:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return real and math.isfinite(value) and value >= 0


def _children_of(nodes: tuple[Node, ...]) -> list[list[int]]:
    position = {n.code: i for i, n in enumerate(nodes)}
    children: list[list[int]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        if node.parent is None:
            continue
        if node.parent not in position:
            raise EngineError(f"node {node.code!r} has unknown parent {node.parent!r}")
        children[position[node.parent]].append(i)
    return children


def _depth_first(nodes: tuple[Node, ...], children: list[list[int]]) -> list[int]:
    order: list[int] = []
    stack = [i for i, n in enumerate(nodes) if n.parent is None][::-1]
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(children[i]))
    if len(order) < len(nodes):
        raise EngineError(_describe_cycle(nodes, set(order)))
    return order


def _describe_cycle(nodes: tuple[Node, ...], reached: set[int]) -> str:
    """Every node not reached from a root sits on or under a cycle of parent links."""
    position = {n.code: i for i, n in enumerate(nodes)}
    i = next(i for i in range(len(nodes)) if i not in reached)
    path: list[int] = []
    while i not in path:
        path.append(i)
        i = position[nodes[i].parent or ""]
    cycle = [nodes[j].code for j in path[path.index(i) :]] + [nodes[i].code]
    return f"cycle in parent links: {' → '.join(cycle)} (a node's parent chain must end at a root)"


def _check_sums(ordered: list[Node], kids: tuple[tuple[int, ...], ...]) -> None:
    for node, k in zip(ordered, kids, strict=True):
        if not k:
            continue
        total = math.fsum(ordered[c].max_points for c in k)
        if abs(total - node.max_points) > _SUM_TOLERANCE * max(1.0, node.max_points):
            raise EngineError(
                f"node {node.code!r}: max_points {node.max_points:g} is not the sum of its "
                f"children's maxima ({total:g})"
            )


def _compile_rule(node: Node) -> Rule | None:
    if node.rule is None:
        if node.max_points == 0:
            return None
        raise EngineError(f"leaf {node.code!r} (max {node.max_points:g} points) has no rule")
    try:
        return build_rule(node.rule.kind, node.rule.params, float(node.max_points))
    except RuleError as exc:
        raise RuleError(f"node {node.code!r}: {exc}") from exc


def _sum_plan(kids: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, slice | IntArray], ...]:
    """Roll-up steps, deepest parents first (reverse depth-first order). Children that sit
    next to each other (typically all leaves) are a slice: summed in place, no copy, no BLAS."""
    plan: list[tuple[int, slice | IntArray]] = []
    for parent in range(len(kids) - 1, -1, -1):
        children = kids[parent]
        if not children:
            continue
        if children[-1] - children[0] + 1 == len(children):
            plan.append((parent, slice(children[0], children[-1] + 1)))
        else:
            plan.append((parent, np.array(children, dtype=np.intp)))
    return tuple(plan)


def _compile_views(
    views: tuple[View, ...], index: dict[str, int], parents: IntArray, max_points: FloatArray
) -> tuple[tuple[str, ...], tuple[IntArray, ...], FloatArray]:
    scales = np.zeros(len(views), dtype=np.float64)
    codes: list[str] = []
    member_arrays: list[IntArray] = []
    for r, view in enumerate(views):
        if not view.code or view.code in codes:
            raise EngineError(f"view code {view.code!r} is empty or used twice")
        members = np.array(_view_members(view, index, parents), dtype=np.intp)
        scales[r] = _view_scale(view, float(max_points[members].sum()))
        codes.append(view.code)
        member_arrays.append(members)
    return tuple(codes), tuple(member_arrays), scales


def _view_members(view: View, index: dict[str, int], parents: IntArray) -> list[int]:
    if not view.members:
        raise EngineError(f"view {view.code!r} has no members")
    unknown = [m for m in view.members if m not in index]
    if unknown:
        raise EngineError(f"view {view.code!r}: unknown member(s) {', '.join(map(repr, unknown))}")
    members = [index[m] for m in view.members]
    if len(set(members)) != len(members):
        raise EngineError(f"view {view.code!r} lists a member twice")
    for m in members:
        ancestor = int(parents[m])
        while ancestor >= 0:
            if ancestor in members:
                raise EngineError(
                    f"view {view.code!r}: member {view.members[members.index(m)]!r}"
                    " lies under another member, so it would be counted twice"
                )
            ancestor = int(parents[ancestor])
    return members


def _view_scale(view: View, members_max: float) -> float:
    scale = members_max if view.scale is None else view.scale
    if not _is_points(scale) or scale == 0:
        raise EngineError(f"view {view.code!r}: scale must be a finite number > 0, got {scale!r}")
    return float(scale)


def _tree_scale(scale: float | None, roots_max: FloatArray) -> float:
    value = float(roots_max.sum()) if scale is None else scale
    if not _is_points(value) or value == 0:
        raise EngineError(f"the tree's scale must be a finite number > 0, got {value!r}")
    return float(value)


def _leaves_where(rules: tuple[Rule | None, ...], *, cohort: bool) -> IntArray:
    chosen = [j for j, r in enumerate(rules) if r is not None and r.needs_cohort == cohort]
    return np.array(chosen, dtype=np.intp)
