"""Rule kinds that compare a unit with its cohort: relative_to_best, min_max."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..flags import FlagArray
from .base import (
    BoolArray,
    FloatArray,
    InputSpec,
    Params,
    Partitions,
    Rule,
    fmt_vi,
    group_extreme,
    new_flags,
    register,
    screen,
)


@register
class RelativeToBestRule(Rule):
    """value / best value of the cohort × max (lower is better: best / value)."""

    kind = "relative_to_best"
    needs_cohort = True
    inputs = (InputSpec("value", "number", "Giá trị"),)

    def __init__(self, higher_is_better: bool) -> None:
        self.higher_is_better = higher_is_better

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> RelativeToBestRule:
        p = Params(cls.kind, params)
        higher = p.boolean("higher_is_better", True)
        p.done()
        return cls(higher)

    def describe_vi(self, max_points: float) -> str:
        if self.higher_is_better:
            return f"Điểm = giá trị / giá trị cao nhất trong nhóm so sánh × {fmt_vi(max_points)}"
        return f"Điểm = giá trị thấp nhất trong nhóm so sánh / giá trị × {fmt_vi(max_points)}"

    def _best(self, x: FloatArray, ok: BoolArray, partitions: Partitions) -> FloatArray:
        ufunc = np.fmax if self.higher_is_better else np.fmin
        return group_extreme(np.where(ok, x, np.nan), partitions, ufunc)

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["value"]
        flags = new_flags(x)
        ok = screen(x, flags)
        best = self._best(x, ok, partitions)
        if self.higher_is_better:
            share = np.where(best > 0, x / best, 0.0)
        else:
            share = np.where(x == 0, 1.0, best / x)
        return np.where(ok, np.minimum(share, 1.0) * max_points, 0.0), flags

    def cohort_note_vi(
        self, values: Mapping[str, FloatArray], partitions: Partitions, row: int
    ) -> str | None:
        x = values["value"]
        with np.errstate(all="ignore"):
            ok = np.isfinite(x) & (x >= 0)
            best = float(self._best(x, ok, partitions)[row])
        word = "cao nhất" if self.higher_is_better else "thấp nhất"
        return f"Giá trị {word} trong nhóm so sánh: {'—' if math.isnan(best) else fmt_vi(best)}"


@register
class MinMaxRule(Rule):
    """(value − min) / (max − min) of the cohort × max; full marks when all values are equal."""

    kind = "min_max"
    needs_cohort = True
    inputs = (InputSpec("value", "number", "Giá trị"),)

    def __init__(self, higher_is_better: bool) -> None:
        self.higher_is_better = higher_is_better

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> MinMaxRule:
        p = Params(cls.kind, params)
        higher = p.boolean("higher_is_better", True)
        p.done()
        return cls(higher)

    def describe_vi(self, max_points: float) -> str:
        top = "(giá trị − nhỏ nhất)" if self.higher_is_better else "(lớn nhất − giá trị)"
        return (
            f"Điểm = {top} / (lớn nhất − nhỏ nhất) trong nhóm so sánh × {fmt_vi(max_points)}; "
            "cả nhóm bằng nhau: điểm tối đa"
        )

    @staticmethod
    def _range(
        x: FloatArray, ok: BoolArray, partitions: Partitions
    ) -> tuple[FloatArray, FloatArray]:
        usable = np.where(ok, x, np.nan)
        low = group_extreme(usable, partitions, np.fmin)
        return low, group_extreme(usable, partitions, np.fmax)

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["value"]
        flags = new_flags(x)
        ok = screen(x, flags, allow_negative=True)
        low, high = self._range(x, ok, partitions)
        # Halve before subtracting so that ±1e308 values cannot overflow to inf.
        half = 0.5 * x
        top = half - 0.5 * low if self.higher_is_better else 0.5 * high - half
        span = 0.5 * high - 0.5 * low
        share = np.where(span > 0, top / span, 1.0)
        return np.where(ok, np.clip(share, 0.0, 1.0) * max_points, 0.0), flags

    def cohort_note_vi(
        self, values: Mapping[str, FloatArray], partitions: Partitions, row: int
    ) -> str | None:
        x = values["value"]
        low, high = self._range(x, np.isfinite(x), partitions)
        if math.isnan(low[row]):
            return "Nhóm so sánh chưa có giá trị nào"
        return f"Nhóm so sánh: nhỏ nhất {fmt_vi(low[row])}, lớn nhất {fmt_vi(high[row])}"
