"""Turn a stored framework version into the engine's compiled tree (cached per version)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.scoring.engine import CompiledTree, Node, RuleSpec, Tree, View


def tree_for(version: FrameworkVersion) -> CompiledTree:
    """The compiled tree of `version`. Cached: a used version never changes, and an unused
    one that is replaced gets a new checksum, which is part of the cache key."""
    return _compiled(version.pk, version.checksum)


@lru_cache(maxsize=64)
def _compiled(version_id: int, checksum: str) -> CompiledTree:
    version = FrameworkVersion.objects.get(pk=version_id)
    indicators = list(version.indicators.select_related("parent").order_by("position"))
    return build_tree(version, indicators).compile()


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
