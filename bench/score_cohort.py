"""Benchmark: score a synthetic national cohort with chiso's engine, against a DuckDB floor.

4,500 units × 17 periods (partitions = periods) × 100 leaves under 8 mains in 2 groups, 3 views,
~10% missing values, seeded. Run: .venv/bin/python bench/score_cohort.py [--quick]

Goals (printed beside the figures, MISSED when missed):
  full re-score (score_cohort + per-period ranking) < 1 s and <= 3× the DuckDB floor;
  one unit's edit (rescore_rows for one row) < 50 ms.
The floor gets the leaf points for free and only sums them per main and per row and ranks
per period in SQL; the engine also evaluates every rule and computes groups, views and flags.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from chiso.scoring.engine import (
    CohortInputs,
    CohortResult,
    CompiledTree,
    Node,
    RuleSpec,
    Tree,
    View,
    compile_tree,
    rank_competition,
    rescore_rows,
    score_cohort,
)

SEED = 20250701
MISSING_SHARE = 0.10
# kind -> (how many leaves, rule params); 100 leaves in all.
MIX: list[tuple[str, int, dict[str, Any]]] = [
    ("ratio", 20, {}),
    ("ratio", 8, {"input": "percent", "full_at": 0.8}),
    ("boolean", 20, {}),
    ("steps", 14, {}),
    ("per_item", 12, {}),
    ("manual", 10, {}),
    ("choice", 8, {}),
    ("relative_to_best", 4, {}),
    ("min_max", 4, {}),
]
MAINS = {"G1": ["M1", "M2", "M3", "M4", "M5"], "G2": ["M6", "M7", "M8"]}


def build_tree(rng: np.random.Generator) -> Tree:
    kinds = [(kind, params) for kind, count, params in MIX for _ in range(count)]
    order = rng.permutation(len(kinds))
    mains = [m for ms in MAINS.values() for m in ms]
    leaves: dict[str, list[Node]] = {m: [] for m in mains}
    for i, k in enumerate(order):
        kind, params = kinds[k]
        main = mains[i % len(mains)]
        max_points = float(rng.choice([5, 10, 15, 20]))
        code = f"{main}.{len(leaves[main]) + 1}"
        rule = RuleSpec(kind, _params(kind, params, max_points))
        leaves[main].append(Node(code, main, "sub", max_points, rule))
    return Tree(_assemble(leaves), _views())


def _params(kind: str, params: dict[str, Any], max_points: float) -> dict[str, Any]:
    if kind == "steps":
        return {
            "steps": [
                [1, max_points / 4],
                [2, max_points / 2],
                [3, 0.75 * max_points],
                [4, max_points],
            ]
        }
    if kind == "per_item":
        return {"points_per_item": max_points / 5}
    if kind == "choice":
        return {
            "options": [
                {"key": "full", "label": "Đạt", "fraction": 1.0},
                {"key": "half", "label": "Đạt một phần", "fraction": 0.5},
                {"key": "none", "label": "Không đạt", "points": 0},
            ]
        }
    return dict(params)


def _assemble(leaves: dict[str, list[Node]]) -> tuple[Node, ...]:
    nodes: list[Node] = []
    for group, mains in MAINS.items():
        main_nodes = [Node(m, group, "main", sum(n.max_points for n in leaves[m])) for m in mains]
        nodes.append(Node(group, None, "pillar", sum(n.max_points for n in main_nodes)))
        for main in main_nodes:
            nodes.extend([main, *leaves[main.code]])
    return tuple(nodes)


def _views() -> tuple[View, ...]:
    base = tuple(MAINS["G1"])
    return tuple(
        View(f"V{i + 1}", f"Trụ cột {i + 1}", (*base, m)) for i, m in enumerate(MAINS["G2"])
    )


def build_inputs(
    compiled: CompiledTree, n_units: int, n_periods: int, rng: np.random.Generator
) -> CohortInputs:
    n = n_units * n_periods
    columns: dict[tuple[str, str], np.ndarray] = {}
    for code, rule in zip(compiled.leaf_codes, compiled.rules, strict=True):
        assert rule is not None
        for spec in rule.inputs:
            column = _column(spec.type, spec.name, n, rng)
            column[rng.random(n) < MISSING_SHARE] = np.nan
            columns[(code, spec.name)] = column
    _fix_ratios(columns)
    partitions = np.repeat(np.arange(n_periods, dtype=np.int64), n_units)
    return CohortInputs(n, columns, partitions)


def _column(kind: str, name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "bool":
        return (rng.random(n) < 0.7).astype(np.float64)
    if kind == "percent":
        return rng.uniform(0, 100, n)
    if kind == "choice":
        return rng.integers(0, 3, n).astype(np.float64)
    if kind == "points":
        return rng.uniform(-1, 22, n)  # a few out of range: clamped
    if name == "denominator":
        return rng.integers(0, 200, n).astype(np.float64)  # a few zeros
    return rng.integers(0, 8, n).astype(np.float64) if kind == "count" else rng.gamma(2, 10, n)


def _fix_ratios(columns: dict[tuple[str, str], np.ndarray]) -> None:
    """Numerators mostly below their denominators (about 1% above: flagged and capped)."""
    for (code, name), column in columns.items():
        if name == "numerator":
            den = columns[(code, "denominator")]
            share = np.random.default_rng(len(code)).uniform(0, 1.02, column.size)
            column[:] = np.where(np.isnan(column), np.nan, np.floor(np.nan_to_num(den) * share))


def score_and_rank(compiled: CompiledTree, inputs: CohortInputs) -> tuple[CohortResult, Any]:
    result = score_cohort(compiled, inputs)
    return result, rank_competition(result.index, inputs.partitions)


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def bench_edits(
    compiled: CompiledTree, inputs: CohortInputs, result: CohortResult, rng: np.random.Generator
) -> list[float]:
    """Edit every input of one unit in one period, then rescore_rows that row; 50 times."""
    times = []
    for _ in range(50):
        row = int(rng.integers(inputs.n_rows))
        for column in inputs.columns.values():
            column[row] = column[row] + 1 if not np.isnan(column[row]) else 1.0
        start = time.perf_counter()
        rescore_rows(compiled, inputs, result, np.array([row]))
        times.append(time.perf_counter() - start)
    return times


def duckdb_floor(
    compiled: CompiledTree, result: CohortResult, inputs: CohortInputs, repeat: int
) -> tuple[list[float], Any]:
    """Leaf points as a long table; SQL sums them per main, per row, and ranks per period."""
    import duckdb

    n, n_leaves = inputs.n_rows, len(compiled.leaf_codes)
    main_of_leaf = compiled.parent_index[compiled.leaf_nodes]
    assert inputs.partitions is not None
    long = {
        "row_id": np.repeat(np.arange(n, dtype=np.int32), n_leaves),
        "period": np.repeat(inputs.partitions.astype(np.int16), n_leaves),
        "main": np.tile(main_of_leaf.astype(np.int16), n),
        "points": np.ascontiguousarray(result.leaf_points).ravel(),
    }
    con = duckdb.connect()
    con.register("long_src", long)
    con.execute("CREATE TABLE leaf_points AS SELECT * FROM long_src")
    con.unregister("long_src")
    sql = [
        "CREATE OR REPLACE TABLE main_points AS SELECT row_id, period, main, SUM(points) AS points"
        " FROM leaf_points GROUP BY row_id, period, main",
        f"CREATE OR REPLACE TABLE ranked AS SELECT row_id, period, SUM(points) AS total,"
        f" RANK() OVER (PARTITION BY period ORDER BY ROUND(SUM(points) / {compiled.scale}, 4)"
        " DESC) AS rnk FROM main_points GROUP BY row_id, period",
    ]
    times = timed(lambda: [con.execute(q) for q in sql], repeat)
    check = con.execute("SELECT row_id, total, rnk FROM ranked ORDER BY row_id").fetchnumpy()
    return times, check


def memory_of_scoring(compiled: CompiledTree, inputs: CohortInputs) -> int:
    tracemalloc.start()
    score_and_rank(compiled, inputs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=4500)
    parser.add_argument("--periods", type=int, default=17)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)

    start = time.perf_counter()
    tree = build_tree(rng)
    compiled = compile_tree(tree)
    build_tree_s = time.perf_counter() - start
    start = time.perf_counter()
    inputs = build_inputs(compiled, args.units, args.periods, rng)
    build_inputs_s = time.perf_counter() - start
    n_values = sum(np.asarray(c).size for c in inputs.columns.values())
    n_missing = sum(int(np.isnan(c).sum()) for c in inputs.columns.values())
    kinds: dict[str, int] = {}
    for rule in compiled.rules:
        assert rule is not None
        kinds[rule.kind] = kinds.get(rule.kind, 0) + 1

    print(
        f"cohort: {args.units:,} units × {args.periods} periods = {inputs.n_rows:,} rows; "
        f"{len(compiled.leaf_codes)} leaves, {len(compiled.node_codes)} nodes, "
        f"{len(compiled.view_codes)} views"
    )
    print(f"rule mix: {', '.join(f'{k} {v}' for k, v in kinds.items())}")
    print(f"input values: {n_values:,} ({n_missing / n_values:.1%} missing)")
    print(f"build: tree + compile {build_tree_s * 1000:.1f} ms; inputs {build_inputs_s:.2f} s")

    result, ranks = score_and_rank(compiled, inputs)  # warm-up
    full = timed(lambda: score_and_rank(compiled, inputs), args.repeat)
    best, median = min(full), statistics.median(full)
    peak = memory_of_scoring(compiled, inputs)

    floor_times, check = duckdb_floor(compiled, result, inputs, args.repeat)
    floor = min(floor_times)
    same_totals = np.allclose(check["total"], result.total, atol=1e-9)
    same_ranks = bool(np.array_equal(check["rnk"], ranks))

    edits = bench_edits(compiled, inputs, result, rng)
    fresh = score_cohort(compiled, inputs)
    edits_ok = np.allclose(fresh.node_points, result.node_points) and np.array_equal(
        fresh.leaf_flags, result.leaf_flags
    )
    edit = statistics.median(edits)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ratio = best / floor
    print(
        f"full re-score (score_cohort + per-period ranks): best {best * 1000:.0f} ms, "
        f"median {median * 1000:.0f} ms of {args.repeat}   goal < 1000 ms: {verdict(best < 1)}"
    )
    print(
        f"peak memory: tracemalloc peak of one scoring {peak / 2**20:.0f} MiB; "
        f"process max RSS {rss_mb:.0f} MiB"
    )
    print(
        f"one unit's edit (rescore_rows, 1 row of 1 period): median {edit * 1000:.2f} ms, "
        f"max {max(edits) * 1000:.2f} ms of 50   goal < 50 ms: {verdict(edit < 0.05)}"
    )
    print(f"  edits then full re-score agree: {edits_ok}")
    print(
        f"DuckDB floor (sum per main and per row, RANK per period; leaf points given): "
        f"best {floor * 1000:.0f} ms of {args.repeat}; same totals {same_totals}, "
        f"same ranks {same_ranks}"
    )
    print(f"engine / floor: {ratio:.2f}×   goal <= 3×: {verdict(ratio <= 3)}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work skews wall times)")
    return 0 if edits_ok and same_totals and same_ranks else 1


if __name__ == "__main__":
    sys.exit(main())
