"""Turn a stored framework version into the engine's compiled tree (cached per version)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.scoring.engine import CompiledTree, Node, RuleSpec, Tree, View, build_rule


def tree_for(version: FrameworkVersion) -> CompiledTree:
    """The compiled tree of `version`. Cached: a used version never changes, and an unused
    one that is replaced gets a new checksum, which is part of the cache key."""
    return _compiled(version.pk, version.checksum)


@lru_cache(maxsize=64)
def _compiled(version_id: int, checksum: str) -> CompiledTree:
    version = FrameworkVersion.objects.get(pk=version_id)
    indicators = list(version.indicators.select_related("parent").order_by("position"))
    return build_tree(version, indicators).compile()


@dataclass(frozen=True)
class LeafInputs:
    """What turning one leaf's stored inputs into engine columns needs, computed once.

    `keys` maps each input name the leaf's rule declares to its column number in
    `VersionInputs.columns`; `choices` maps an option key to its index (the first wins).
    """

    code: str
    keys: dict[str, int]
    choices: dict[str, int]


@dataclass(frozen=True)
class VersionInputs:
    """Per leaf (by indicator id) its input metadata, and every column key (code, name)."""

    leaves: dict[int, LeafInputs]
    columns: tuple[tuple[str, str], ...]


def inputs_for(version: FrameworkVersion) -> VersionInputs:
    """The input metadata of `version`'s scored leaves, cached like `tree_for`."""
    return _inputs(version.pk, version.checksum)


@lru_cache(maxsize=64)
def _inputs(version_id: int, checksum: str) -> VersionInputs:
    leaves = FrameworkVersion.objects.get(pk=version_id).indicators.filter(is_leaf=True)
    return version_inputs(list(leaves.order_by("position")))


def version_inputs(leaves: list[Indicator]) -> VersionInputs:
    """Input metadata of these leaves (those without a rule are left out: never scored)."""
    out: dict[int, LeafInputs] = {}
    columns: list[tuple[str, str]] = []
    for leaf in leaves:
        if not leaf.rule_kind:
            continue
        params = leaf.rule_params or {}
        rule = build_rule(leaf.rule_kind, params, leaf.max_points)
        keys = {}
        for spec in rule.inputs:
            keys[spec.name] = len(columns)
            columns.append((leaf.code, spec.name))
        out[leaf.pk] = LeafInputs(leaf.code, keys, _choices(params))
    return VersionInputs(out, tuple(columns))


def _choices(params: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for index, option in enumerate(params.get("options") or []):
        if isinstance(option, dict) and isinstance(option.get("key"), str):
            out.setdefault(option["key"], index)
    return out


def build_tree(version: FrameworkVersion, indicators: list[Indicator]) -> Tree:
    nodes = tuple(_node(ind) for ind in indicators)
    views = tuple(_view(v) for v in version.views)
    return Tree(nodes=nodes, views=views, scale=version.scale)


def _node(ind: Indicator) -> Node:
    rule = RuleSpec(ind.rule_kind, ind.rule_params or {}) if ind.rule_kind else None
    parent = ind.parent.code if ind.parent_id and ind.parent else None
    return Node(
        code=ind.code,
        parent=parent,
        level=ind.level,
        max_points=ind.max_points,
        rule=rule,
        name=ind.name,
    )


def _view(spec: dict[str, Any]) -> View:
    return View(
        code=spec["code"],
        name=spec.get("name", spec["code"]),
        members=tuple(str(m) for m in spec["members"]),
        scale=spec.get("scale"),
    )
