"""Scoring a whole cohort at once, and re-scoring a few rows after an edit.

Layout: points and flags are kept leaf/node-major (one contiguous array per node), because every
rule fills one node for all rows; `CohortResult.points` and `.flags` are transposed views with
the documented (n_rows, n_nodes) / (n_rows, n_leaves) shapes. Copy them with
np.ascontiguousarray if a row-major array is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import EngineError
from .flags import FlagArray
from .model import CompiledTree, Tree, compile_tree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Columns = list[dict[str, FloatArray]]  # per leaf: input name -> column


@dataclass(frozen=True)
class CohortInputs:
    """Raw values: columns[(leaf_code, input_name)] is a float column of n_rows (NaN = missing).

    `partitions` (ints, one per row) splits the rows into cohorts for cohort rules, e.g. one
    partition per period; None makes all rows one cohort. A leaf without columns is all missing.
    """

    n_rows: int
    columns: Mapping[tuple[str, str], npt.ArrayLike]
    partitions: npt.NDArray[Any] | None = None


@dataclass(eq=False)
class CohortResult:
    """Points of every node for every row, plus totals, index, views and per-leaf flags."""

    node_codes: list[str]
    node_names: list[str]
    leaf_codes: list[str]
    max_points: FloatArray  # (n_nodes,)
    total: FloatArray  # (n_rows,) Σ roots' points
    index: FloatArray  # (n_rows,) total / scale
    views: dict[str, FloatArray]  # code -> (n_rows,) 0–1
    scale: float
    node_points: FloatArray  # (n_nodes, n_rows), the storage behind `points`
    leaf_flags: FlagArray  # (n_leaves, n_rows), the storage behind `flags`
    leaf_nodes: IntArray
    _position: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._position = {code: i for i, code in enumerate(self.node_codes)}

    @property
    def n_rows(self) -> int:
        return int(self.node_points.shape[1])

    @property
    def points(self) -> FloatArray:
        """(n_rows, n_nodes) points of every node, roll-ups included (a transposed view)."""
        return self.node_points.T

    @property
    def flags(self) -> FlagArray:
        """(n_rows, n_leaves) uint8 Flag bits per leaf (a transposed view)."""
        return self.leaf_flags.T

    @property
    def values(self) -> FloatArray:
        """(n_rows, n_nodes) points / max, 0–1; NaN where max is 0. Computed on each access."""
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = self.node_points / self.max_points[:, None]
        shares[self.max_points == 0] = np.nan
        return shares.T

    @property
    def leaf_points(self) -> FloatArray:
        """(n_rows, n_leaves) points of the leaves only (a copy)."""
        leaves: FloatArray = self.node_points[self.leaf_nodes]
        return leaves.T

    def position(self, code: str) -> int:
        """The column of node `code`; raises EngineError for an unknown code."""
        if code not in self._position:
            raise EngineError(f"no node {code!r} in this result")
        return self._position[code]

    def column(self, code: str) -> FloatArray:
        """Points of node `code` for every row (a view)."""
        column: FloatArray = self.node_points[self.position(code)]
        return column

    def row_dict(self, row: int) -> dict[str, Any]:
        """One row as plain JSON-ready data: points per node, total, index, views, raised flags."""
        pts = self.node_points[:, row]
        flags = self.leaf_flags[:, row]
        return {
            "points": {code: float(p) for code, p in zip(self.node_codes, pts, strict=True)},
            "total": float(self.total[row]),
            "index": float(self.index[row]),
            "views": {code: float(v[row]) for code, v in self.views.items()},
            "flags": {c: int(f) for c, f in zip(self.leaf_codes, flags, strict=True) if f},
        }


def score_cohort(tree: Tree | CompiledTree, inputs: CohortInputs) -> CohortResult:
    """Score every row. Raises EngineError if the tree is bad or the inputs do not fit it
    (unknown leaf or input name, wrong column length, non-integer partitions)."""
    compiled = tree if isinstance(tree, CompiledTree) else compile_tree(tree)
    columns, partitions = _prepare(compiled, inputs)
    n = inputs.n_rows
    node_points = np.zeros((len(compiled.node_codes), n), dtype=np.float64)
    leaf_flags = np.zeros((len(compiled.leaf_codes), n), dtype=np.uint8)
    store = (node_points, leaf_flags)
    _score_leaves(compiled, compiled.plain_leaves, columns, partitions, store, None)
    _score_leaves(compiled, compiled.cohort_leaves, columns, partitions, store, None)
    result = CohortResult(
        node_codes=list(compiled.node_codes),
        node_names=[node.name for node in compiled.nodes],
        leaf_codes=list(compiled.leaf_codes),
        max_points=compiled.max_points.copy(),
        total=np.zeros(n),
        index=np.zeros(n),
        views={code: np.zeros(n) for code in compiled.view_codes},
        scale=compiled.scale,
        node_points=node_points,
        leaf_flags=leaf_flags,
        leaf_nodes=compiled.leaf_nodes,
    )
    _roll_up(compiled, result, slice(None))
    return result


def rescore_rows(
    compiled: CompiledTree,
    inputs: CohortInputs,
    result: CohortResult,
    rows: npt.ArrayLike,
    leaves: Iterable[str] | None = None,
) -> IntArray | slice:
    """Update `result` in place after the inputs of `rows` changed; returns the rows whose
    points may have moved (`rows`, or whole partitions when a cohort rule is re-scored).

    Leaves whose rule needs the cohort are re-scored for every row of the partitions touched;
    the others only for `rows`. `leaves` (leaf codes), when given, says that only their inputs
    changed: the other leaves keep their points, and when no cohort leaf is among them only
    `rows` are rolled up again. Partitions must not have changed. Raises EngineError if
    `result` does not belong to `compiled` and `inputs`, a row is out of range or a code is no
    scored leaf.
    """
    picked = _check_rows(compiled, inputs, result, rows)
    if picked.size == 0:
        return picked
    plain, cohort = compiled.plain_leaves, compiled.cohort_leaves
    if leaves is not None:
        chosen = np.array(sorted({_leaf_index(compiled, code) for code in leaves}), np.intp)
        plain, cohort = np.intersect1d(plain, chosen), np.intersect1d(cohort, chosen)
    columns, partitions = _prepare(compiled, inputs)
    store = (result.node_points, result.leaf_flags)
    _score_leaves(compiled, plain, columns, partitions, store, picked)
    touched: IntArray | slice = picked
    if cohort.size:
        touched = _compact(_partition_rows(partitions, picked, inputs.n_rows))
        _score_leaves(compiled, cohort, columns, partitions, store, touched)
    _roll_up(compiled, result, touched)
    return touched


def _leaf_index(compiled: CompiledTree, code: str) -> int:
    index = compiled.leaf_index.get(code)
    if index is None or compiled.rules[index] is None:
        raise EngineError(f"{code!r} is not a scored leaf of this tree")
    return index


def _score_leaves(
    compiled: CompiledTree,
    leaves: IntArray,
    columns: Columns,
    partitions: npt.NDArray[Any] | None,
    store: tuple[FloatArray, FlagArray],
    rows: IntArray | slice | None,
) -> None:
    """Score `leaves` for `rows` (None: all rows) into store = (node_points, leaf_flags)."""
    node_points, leaf_flags = store
    parts = partitions if partitions is None or rows is None else partitions[rows]
    for leaf in leaves.tolist():
        rule, node = compiled.rules[leaf], int(compiled.leaf_nodes[leaf])
        assert rule is not None  # plain_leaves and cohort_leaves hold scored leaves only
        values = columns[leaf] if rows is None else {k: c[rows] for k, c in columns[leaf].items()}
        points, flags = rule.score(values, float(compiled.max_points[node]), parts)
        if rows is None:
            node_points[node], leaf_flags[leaf] = points, flags
        else:
            node_points[node, rows], leaf_flags[leaf, rows] = points, flags


def _roll_up(compiled: CompiledTree, result: CohortResult, rows: IntArray | slice) -> None:
    """Parents = Σ children, deepest first; then total, index and views, for `rows` only."""
    block = result.node_points[:, rows]  # a view for a slice, a copy for an index array
    for parent, children in compiled.sum_plan:
        np.sum(block[children], axis=0, out=block[parent])
    if not isinstance(rows, slice) and compiled.sum_plan:
        parents = np.array([parent for parent, _ in compiled.sum_plan], dtype=np.intp)
        result.node_points[np.ix_(parents, rows)] = block[parents]
    total = block[compiled.root_nodes].sum(axis=0)
    result.total[rows] = total
    result.index[rows] = total / compiled.scale
    for code, members, scale in zip(
        compiled.view_codes, compiled.view_members, compiled.view_scales, strict=True
    ):
        result.views[code][rows] = block[members].sum(axis=0) / scale


def _compact(rows: IntArray) -> IntArray | slice:
    """A run of consecutive rows (a period stored contiguously) as a slice: views, not copies."""
    if rows.size and int(rows[-1]) - int(rows[0]) + 1 == rows.size:
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _partition_rows(partitions: npt.NDArray[Any] | None, rows: IntArray, n: int) -> IntArray:
    if partitions is None:
        return np.arange(n, dtype=np.intp)
    return np.flatnonzero(np.isin(partitions, np.unique(partitions[rows]))).astype(np.intp)


def _check_rows(
    compiled: CompiledTree, inputs: CohortInputs, result: CohortResult, rows: npt.ArrayLike
) -> IntArray:
    expected = (len(compiled.node_codes), inputs.n_rows)
    if result.node_points.shape != expected or result.node_codes != list(compiled.node_codes):
        raise EngineError(
            f"result has shape {result.node_points.shape} (nodes, rows), expected {expected}: "
            "it was not computed from this tree and these inputs"
        )
    picked = np.unique(np.asarray(rows, dtype=np.intp).ravel())
    if picked.size and (picked[0] < 0 or picked[-1] >= inputs.n_rows):
        raise EngineError(f"rows must be in [0, {inputs.n_rows}), got {picked[0]}..{picked[-1]}")
    return picked


def _prepare(
    compiled: CompiledTree, inputs: CohortInputs
) -> tuple[Columns, npt.NDArray[Any] | None]:
    """Per-leaf input columns as float64 (no copy when already float64); absent ones all NaN."""
    n = _row_count(inputs.n_rows)
    missing = np.full(n, np.nan)
    missing.flags.writeable = False
    columns: Columns = [
        {spec.name: missing for spec in rule.inputs} if rule is not None else {}
        for rule in compiled.rules
    ]
    for (code, name), raw in inputs.columns.items():
        leaf = _leaf_for(compiled, code, name)
        columns[leaf][name] = _as_column(raw, n, f"column ({code!r}, {name!r})")
    return columns, _partitions(inputs.partitions, n)


def _row_count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise EngineError(f"n_rows must be an integer >= 0, got {n!r}")
    return int(n)


def _leaf_for(compiled: CompiledTree, code: str, name: str) -> int:
    leaf = compiled.leaf_index.get(code)
    if leaf is None:
        what = "is not a leaf" if code in compiled.node_index else "is not in the tree"
        raise EngineError(f"input column for node {code!r}, which {what}")
    rule = compiled.rules[leaf]
    names = [spec.name for spec in rule.inputs] if rule is not None else []
    if name not in names:
        kind = rule.kind if rule is not None else "none (not scored)"
        raise EngineError(
            f"leaf {code!r} (rule {kind}) has no input {name!r}; expected {', '.join(names) or '-'}"
        )
    return leaf


def _as_column(raw: npt.ArrayLike, n: int, what: str) -> FloatArray:
    try:
        column = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{what} is not numeric: {exc}") from exc
    if column.shape != (n,):
        raise EngineError(f"{what} has shape {column.shape}, expected ({n},)")
    return column


def _partitions(raw: npt.NDArray[Any] | None, n: int) -> npt.NDArray[Any] | None:
    if raw is None:
        return None
    parts = np.asarray(raw)
    if parts.shape != (n,) or not (np.issubdtype(parts.dtype, np.integer) or parts.size == 0):
        raise EngineError(
            f"partitions must be {n} integers, got shape {parts.shape} of {parts.dtype}"
        )
    return parts
