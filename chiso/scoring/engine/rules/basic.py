"""Rule kinds over one unit's own figures: boolean, ratio, steps, per_item, choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..flags import Flag, FlagArray, mark
from .base import (
    RATIO_TOLERANCE,
    BoolArray,
    FloatArray,
    InputSpec,
    Params,
    Partitions,
    Rule,
    check_points,
    fmt_vi,
    new_flags,
    register,
    screen,
)


@register
class BooleanRule(Rule):
    """Có / không: full marks for 1, nothing for 0. Values outside [0, 1] are invalid."""

    kind = "boolean"
    inputs = (InputSpec("value", "bool", "Có/không (1 = có, 0 = không)"),)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> BooleanRule:
        Params(cls.kind, params).done()
        return cls()

    def describe_vi(self, max_points: float) -> str:
        return f"Có: {fmt_vi(max_points)} điểm; không: 0 điểm"

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["value"]
        flags = new_flags(x)
        ok = screen(x, flags)
        over = ok & (x > 1)
        mark(flags, over, Flag.INVALID)
        return np.where(ok & ~over & (x >= 0.5), max_points, 0.0), flags


@register
class RatioRule(Rule):
    """Tỷ lệ = tử số / mẫu số (or a percent); points = min(ratio / full_at, 1) × max."""

    kind = "ratio"
    _COUNTS = (
        InputSpec("numerator", "count", "Tử số"),
        InputSpec("denominator", "count", "Mẫu số"),
    )
    _PERCENT = (InputSpec("percent", "percent", "Tỷ lệ (%)"),)

    def __init__(self, full_at: float, percent: bool) -> None:
        self.full_at, self.percent = full_at, percent
        self.inputs = self._PERCENT if percent else self._COUNTS

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> RatioRule:
        p = Params(cls.kind, params)
        full_at = p.number("full_at", 1.0)
        if not 0 < full_at <= 1:
            p.fail(f"full_at must be in (0, 1], got {full_at!r}")
        mode = p.raw("input", "counts")
        if mode not in ("counts", "percent"):
            p.fail(f"parameter 'input' must be 'counts' or 'percent', got {mode!r}")
        p.done()
        return cls(full_at, mode == "percent")

    def describe_vi(self, max_points: float) -> str:
        ratio = "tỷ lệ (%) / 100" if self.percent else "tử số / mẫu số"
        if self.full_at >= 1:
            return f"Điểm = {ratio} × {fmt_vi(max_points)}"
        pct = fmt_vi(self.full_at * 100)
        return (
            f"Điểm = {ratio} / {fmt_vi(self.full_at)} × {fmt_vi(max_points)}, "
            f"đạt từ {pct}% trở lên được {fmt_vi(max_points)} điểm"
        )

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        ratio, flags, ok = self._ratio(values)
        over = ok & (ratio > 1 + RATIO_TOLERANCE)
        mark(flags, over, Flag.INVALID | Flag.CLAMPED)
        share = np.minimum(np.minimum(ratio, 1.0) / self.full_at, 1.0)
        return np.where(ok, share * max_points, 0.0), flags

    def _ratio(self, values: Mapping[str, FloatArray]) -> tuple[FloatArray, FlagArray, BoolArray]:
        if self.percent:
            x = values["percent"]
            flags = new_flags(x)
            return x / 100.0, flags, screen(x, flags)
        num, den = values["numerator"], values["denominator"]
        flags = new_flags(num)
        ok = screen(num, flags) & screen(den, flags)
        zero = ok & (den == 0)
        mark(flags, zero, Flag.ZERO_DENOMINATOR | Flag.INVALID)
        return num / den, flags, ok & ~zero

    def flag_messages_vi(self, bits: int, values: Mapping[str, float | None]) -> list[str]:
        if bits & Flag.ZERO_DENOMINATOR:
            bits &= ~Flag.INVALID
        if bits & Flag.CLAMPED:
            rest = super().flag_messages_vi(bits & ~(Flag.INVALID | Flag.CLAMPED), values)
            return [*rest, "Tỷ lệ vượt 100% (tử số lớn hơn mẫu số): chỉ tính tối đa 100%"]
        return super().flag_messages_vi(bits, values)


@register
class StepsRule(Rule):
    """Bậc thang: the points of the highest threshold reached, else 0."""

    kind = "steps"
    inputs = (InputSpec("value", "number", "Giá trị"),)

    def __init__(self, thresholds: FloatArray, points: FloatArray) -> None:
        self.thresholds, self.points = thresholds, points
        # Index 0 stands for "below the lowest threshold".
        self._table = np.concatenate(([0.0], points))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> StepsRule:
        p = Params(cls.kind, params)
        steps = p.raw("steps")
        p.done()
        if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
            p.fail(f"'steps' must be a non-empty list of [threshold, points], got {steps!r}")
        pairs = [cls._pair(p, step, i) for i, step in enumerate(steps)]
        cls._check_order(p, pairs, max_points)
        thresholds, points = (np.array(col, dtype=np.float64) for col in zip(*pairs, strict=True))
        return cls(thresholds, points)

    @staticmethod
    def _pair(p: Params, step: Any, i: int) -> tuple[float, float]:
        if not isinstance(step, Sequence) or isinstance(step, str) or len(step) != 2:
            p.fail(f"step #{i + 1} must be [threshold, points], got {step!r}")
        return p.real(step[0], f"step #{i + 1} threshold"), p.real(step[1], f"step #{i + 1} points")

    @staticmethod
    def _check_order(p: Params, pairs: list[tuple[float, float]], max_points: float) -> None:
        for i, (threshold, points) in enumerate(pairs):
            check_points(p, points, max_points, f"step #{i + 1} points")
            if i and threshold <= pairs[i - 1][0]:
                p.fail(f"step thresholds must be strictly ascending (step #{i + 1}: {threshold!r})")
            if i and points < pairs[i - 1][1]:
                p.fail(f"step points must not decrease (step #{i + 1}: {points!r})")

    def describe_vi(self, max_points: float) -> str:
        steps = "; ".join(
            f"từ {fmt_vi(t)}: {fmt_vi(p)} điểm"
            for t, p in zip(self.thresholds[::-1], self.points[::-1], strict=True)
        )
        return f"Bậc thang: {steps}; dưới {fmt_vi(self.thresholds[0])}: 0 điểm"

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["value"]
        flags = new_flags(x)
        # A negative value is only meaningful if the steps themselves go below zero.
        ok = screen(x, flags, allow_negative=bool(self.thresholds[0] < 0))
        reached = np.searchsorted(self.thresholds, x, side="right")
        return np.where(ok, self._table[reached], 0.0), flags


@register
class PerItemRule(Rule):
    """Mỗi mục p điểm, capped at `cap` (default the maximum)."""

    kind = "per_item"
    inputs = (InputSpec("count", "count", "Số lượng"),)

    def __init__(self, points_per_item: float, cap: float | None) -> None:
        self.points_per_item, self.cap = points_per_item, cap

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> PerItemRule:
        p = Params(cls.kind, params)
        per_item = p.number("points_per_item")
        if per_item <= 0:
            p.fail(f"points_per_item must be > 0, got {per_item!r}")
        cap = p.raw("cap")
        if cap is not None:
            cap = p.real(cap, "cap")
            check_points(p, cap, max_points, "cap")
        p.done()
        return cls(per_item, cap)

    def describe_vi(self, max_points: float) -> str:
        cap = max_points if self.cap is None else self.cap
        return f"Mỗi mục {fmt_vi(self.points_per_item)} điểm, tối đa {fmt_vi(cap)} điểm"

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["count"]
        flags = new_flags(x)
        ok = screen(x, flags)
        cap = max_points if self.cap is None else self.cap
        return np.where(ok, np.minimum(x * self.points_per_item, cap), 0.0), flags


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a choice rule: fixed `points`, or a `fraction` of the maximum."""

    key: str
    label: str
    points: float | None = None
    fraction: float | None = None

    def value(self, max_points: float) -> float:
        return self.points if self.points is not None else (self.fraction or 0.0) * max_points


@register
class ChoiceRule(Rule):
    """Theo lựa chọn: the chosen option's points. The input is the option's 0-based index."""

    kind = "choice"
    inputs = (InputSpec("choice", "choice", "Lựa chọn"),)

    def __init__(self, options: tuple[ChoiceOption, ...]) -> None:
        self.options = options

    def index_of(self, key: str) -> int:
        """The input value for option `key`; raises KeyError for an unknown key."""
        for i, option in enumerate(self.options):
            if option.key == key:
                return i
        raise KeyError(key)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> ChoiceRule:
        p = Params(cls.kind, params)
        raw = p.raw("options")
        p.done()
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            p.fail(f"'options' must be a non-empty list, got {raw!r}")
        options = tuple(cls._option(p, o, i, max_points) for i, o in enumerate(raw))
        keys = [o.key for o in options]
        if len(set(keys)) != len(keys):
            p.fail(f"option keys must be unique, got {keys!r}")
        return cls(options)

    @staticmethod
    def _option(p: Params, raw: Any, i: int, max_points: float) -> ChoiceOption:
        what = f"option #{i + 1}"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str) or not raw["key"]:
            p.fail(f"{what} must be a mapping with a non-empty 'key', got {raw!r}")
        unknown = set(raw) - {"key", "label", "points", "fraction"}
        if unknown or (("points" in raw) == ("fraction" in raw)):
            p.fail(
                f"{what} ({raw['key']!r}) needs exactly one of 'points' or 'fraction'"
                + (f"; unknown {sorted(unknown)}" if unknown else "")
            )
        label = str(raw.get("label", raw["key"]))
        if "points" in raw:
            points = p.real(raw["points"], f"{what} points")
            check_points(p, points, max_points, f"{what} points")
            return ChoiceOption(raw["key"], label, points=points)
        fraction = p.real(raw["fraction"], f"{what} fraction")
        if not 0 <= fraction <= 1:
            p.fail(f"{what} fraction must be in [0, 1], got {fraction!r}")
        return ChoiceOption(raw["key"], label, fraction=fraction)

    def describe_vi(self, max_points: float) -> str:
        options = "; ".join(f"{o.label}: {fmt_vi(o.value(max_points))} điểm" for o in self.options)
        return f"Theo lựa chọn: {options}"

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values["choice"]
        flags = new_flags(x)
        ok = screen(x, flags)
        known = ok & (x == np.floor(x)) & (x < len(self.options))
        mark(flags, ok & ~known, Flag.INVALID)
        table = np.array([o.value(max_points) for o in self.options], dtype=np.float64)
        index = np.where(known, x, 0).astype(np.intp)
        return np.where(known, table[index], 0.0), flags
