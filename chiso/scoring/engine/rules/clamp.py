"""Rule kinds that take points (or a 0–1 value) as given: manual, direct."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..flags import Flag, FlagArray, mark
from .base import (
    FloatArray,
    InputSpec,
    Params,
    Partitions,
    Rule,
    fmt_vi,
    new_flags,
    register,
    screen,
)


class _ClampRule(Rule):
    """Shared by manual and direct: the input, clamped to [0, upper], scaled to points."""

    @classmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> Rule:
        Params(cls.kind, params).done()
        return cls()

    @abstractmethod
    def _bounds(self, max_points: float) -> tuple[float, float]:
        """(upper bound of the input, points per unit of input)."""

    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]:
        x = values[self.inputs[0].name]
        flags = new_flags(x)
        ok = screen(x, flags, allow_negative=True)
        upper, scale = self._bounds(max_points)
        clamped = np.clip(x, 0.0, upper)
        mark(flags, ok & (clamped != x), Flag.CLAMPED)
        return np.where(ok, clamped * scale, 0.0), flags


@register
class ManualRule(_ClampRule):
    """Hội đồng chấm: the reviewer's points, clamped to [0, max]."""

    kind = "manual"
    inputs = (InputSpec("points", "points", "Điểm chấm"),)

    def describe_vi(self, max_points: float) -> str:
        return f"Chấm trực tiếp, từ 0 đến {fmt_vi(max_points)} điểm"

    def _bounds(self, max_points: float) -> tuple[float, float]:
        return max_points, 1.0


@register
class DirectRule(_ClampRule):
    """A published 0–1 value (e.g. a main index) times the maximum."""

    kind = "direct"
    inputs = (InputSpec("value", "fraction", "Giá trị công bố (0–1)"),)

    def describe_vi(self, max_points: float) -> str:
        return f"Điểm = giá trị công bố (0–1) × {fmt_vi(max_points)}"

    def _bounds(self, max_points: float) -> tuple[float, float]:
        return 1.0, max_points
