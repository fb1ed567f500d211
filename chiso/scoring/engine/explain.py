"""Every score explains itself: raw values → rule → points, or children → sum."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .cohort import CohortInputs, CohortResult
from .errors import EngineError
from .flags import decode
from .model import CompiledTree
from .rules import Rule


@dataclass
class ExplainedInput:
    name: str
    label_vi: str
    type: str
    value: float | None  # None: not reported


@dataclass
class ExplainedChild:
    code: str
    name: str
    points: float
    max_points: float


@dataclass
class Explanation:
    """Why one node of one row has its points. Plain data; to_dict() is JSON-ready."""

    code: str
    name: str
    level: str
    is_leaf: bool
    rule_kind: str | None  # None for a parent (a sum) or an unscored leaf
    description_vi: str
    points: float
    max_points: float
    value: float | None  # points / max, None when max is 0
    flags: int = 0
    flag_names: list[str] = field(default_factory=list)
    messages_vi: list[str] = field(default_factory=list)
    inputs: list[ExplainedInput] = field(default_factory=list)
    children: list[ExplainedChild] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A dict of plain values; non-finite numbers (an input of inf) become None."""
        return _finite(asdict(self))  # type: ignore[no-any-return]


def explain(
    compiled: CompiledTree, inputs: CohortInputs, result: CohortResult, row: int, code: str
) -> Explanation:
    """Explain node `code` for `row`. Raises EngineError for an unknown code or a row out of
    range."""
    if not 0 <= row < result.n_rows:
        raise EngineError(f"row {row} is out of range [0, {result.n_rows})")
    node = compiled.node(code)
    position = compiled.node_index[code]
    points = float(result.node_points[position, row])
    base = Explanation(
        code=code,
        name=node.name,
        level=node.level,
        is_leaf=code in compiled.leaf_index,
        rule_kind=None,
        description_vi="",
        points=points,
        max_points=float(node.max_points),
        value=points / node.max_points if node.max_points else None,
    )
    if base.is_leaf:
        return _explain_leaf(compiled, inputs, result, row, base)
    return _explain_parent(compiled, result, row, position, base)


def _explain_parent(
    compiled: CompiledTree, result: CohortResult, row: int, position: int, base: Explanation
) -> Explanation:
    for child in compiled.children[position]:
        node = compiled.nodes[child]
        points = float(result.node_points[child, row])
        base.children.append(ExplainedChild(node.code, node.name, points, float(node.max_points)))
    base.description_vi = "Tổng điểm của các chỉ số thành phần"
    return base


def _explain_leaf(
    compiled: CompiledTree, inputs: CohortInputs, result: CohortResult, row: int, base: Explanation
) -> Explanation:
    leaf = compiled.leaf_index[base.code]
    rule = compiled.rules[leaf]
    if rule is None:
        base.description_vi = "Không tính điểm"
        return base
    columns = {
        spec.name: _column(inputs, base.code, spec.name, result.n_rows) for spec in rule.inputs
    }
    values = {name: _value(column[row]) for name, column in columns.items()}
    bits = int(result.leaf_flags[leaf, row])
    base.rule_kind = rule.kind
    base.description_vi = rule.describe_vi(base.max_points)
    base.inputs = [ExplainedInput(s.name, s.label_vi, s.type, values[s.name]) for s in rule.inputs]
    base.flags, base.flag_names = bits, [str(flag.name) for flag in decode(bits)]
    base.messages_vi = rule.flag_messages_vi(bits, values)
    _add_cohort_note(rule, columns, inputs, row, base)
    return base


def _add_cohort_note(
    rule: Rule, columns: dict[str, Any], inputs: CohortInputs, row: int, base: Explanation
) -> None:
    if rule.needs_cohort:
        note = rule.cohort_note_vi(columns, inputs.partitions, row)
        if note:
            base.messages_vi.append(note)


def _column(inputs: CohortInputs, code: str, name: str, n: int) -> Any:
    raw = inputs.columns.get((code, name))
    return np.full(n, np.nan) if raw is None else np.asarray(raw, dtype=np.float64)


def _value(x: Any) -> float | None:
    value = float(x)
    return None if math.isnan(value) else value


def _finite(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(item) for item in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data
