"""Rankings ("1224" competition ranks, per group) and gap analysis (points lost per leaf)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .cohort import CohortResult
from .errors import EngineError

FloatArray = npt.NDArray[np.float64]
RankArray = npt.NDArray[np.int64]

# Float noise must not split a tie nor order two equal losses.
_LOST_DECIMALS = 9
_DIGITS = re.compile(r"(\d+)")


def rank_competition(
    values: npt.ArrayLike, groups: npt.ArrayLike | None = None, decimals: int | None = 4
) -> RankArray:
    """Descending competition ranks within each group: ties share a rank, the next is skipped
    (1, 2, 2, 4). Values are compared after rounding to `decimals` (the official tables publish
    4), None compares them exactly. NaN is unranked: 0. Raises EngineError on mismatched shapes."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise EngineError(f"values must be one-dimensional, got shape {v.shape}")
    g = np.zeros(v.shape, dtype=np.int8) if groups is None else np.asarray(groups)
    if g.shape != v.shape:
        raise EngineError(f"groups has shape {g.shape}, values {v.shape}")
    if decimals is not None:
        v = np.round(v, decimals)
    # lexsort: last key is primary. NaN sorts last, so it never pushes a real value down.
    order = np.lexsort((-v, g))
    return _ranks_in_order(v[order], g[order], order)


def _ranks_in_order(
    v: FloatArray, g: npt.NDArray[np.generic], order: npt.NDArray[np.intp]
) -> RankArray:
    n = v.size
    position = np.arange(n)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_value = new_group.copy()
    new_value[1:] |= v[1:] != v[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    run_start = np.maximum.accumulate(np.where(new_value, position, 0))
    sorted_ranks = np.where(np.isnan(v), 0, run_start - group_start + 1).astype(np.int64)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = sorted_ranks
    return ranks


@dataclass(frozen=True)
class Gap:
    """Points a row lost on one leaf: max_points − points."""

    code: str
    name: str
    max_points: float
    points: float
    lost: float


def gap_matrix(result: CohortResult) -> FloatArray:
    """(n_rows, n_leaves) points lost per leaf, in `result.leaf_codes` order."""
    leaf_max = result.max_points[result.leaf_nodes]
    lost: FloatArray = leaf_max[:, None] - result.node_points[result.leaf_nodes]
    return lost.T


def gaps(result: CohortResult, row: int, limit: int | None = None) -> list[Gap]:
    """The leaves where `row` lost points (lost > 0), most lost first, ties in natural code
    order ('1.2' before '1.10'); at most `limit`. Raises EngineError for a row out of range."""
    if not 0 <= row < result.n_rows:
        raise EngineError(f"row {row} is out of range [0, {result.n_rows})")
    found = [_gap(result, int(node), row) for node in result.leaf_nodes]
    found = [gap for gap in found if round(gap.lost, _LOST_DECIMALS) > 0]
    found.sort(key=lambda gap: (-round(gap.lost, _LOST_DECIMALS), _natural(gap.code)))
    return found if limit is None else found[:limit]


def _gap(result: CohortResult, node: int, row: int) -> Gap:
    max_points = float(result.max_points[node])
    points = float(result.node_points[node, row])
    code = result.node_codes[node]
    return Gap(code, result.node_names[node], max_points, points, max_points - points)


def _natural(code: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(code) if p)
