"""Target status from a series of measurements: the Open SDG progress method (pure Python).

Open SDG (sdg-build `ProgressMeasure`, after Statistics Canada and Eurostat) compares the
compound annual growth observed since the base value with the compound annual growth needed
to reach the target on time:

    CAGR_o = (y_current / y_base) ** (1 / (t_current - t_base)) - 1
    CAGR_r = (y_target  / y_base) ** (1 / (t_target  - t_base)) - 1
    R      = sign(y_base) * d * CAGR_o / |CAGR_r|      d = +1 up is good, -1 down is good

    target achieved  → met
    R ≥ 0.95         → substantial progress  = on track
    0.6 ≤ R < 0.95   → moderate progress     ┐
    0 ≤ R < 0.6      → limited progress      ├ off track
    R < 0            → deterioration         ┘

Adaptations, documented in docs/plans.md: time is in fractional years (days / 365.25) because
units report several times a year; after the deadline an unmet target is "missed"; a zero
base is replaced by 0.001 and a zero target by 0.001, as sdg-build does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from chiso.plans.choices import Comparator, Progress, TargetStatus

ON_TRACK = 0.95
MODERATE = 0.6
LIMITED = 0.0
EPSILON = 0.001  # sdg-build's stand-in for a zero base or target value
YEAR = 365.25


@dataclass(frozen=True)
class Point:
    on: dt.date
    value: float


@dataclass(frozen=True)
class Evaluation:
    status: TargetStatus
    progress: Progress
    current: Point | None = None
    base: Point | None = None
    ratio: float | None = None  # R: observed over required growth
    observed: float | None = None  # CAGR_o
    required: float | None = None  # CAGR_r


def evaluate(
    comparator: str,
    target: float,
    deadline: dt.date,
    series: Sequence[Point],
    today: dt.date,
    base: Point | None = None,
) -> Evaluation:
    """The status of one target on `today` from the points measured up to that day."""
    known = sorted((p for p in series if p.on <= today), key=lambda p: p.on)
    if not known:
        late = deadline < today
        status = TargetStatus.MISSED if late else TargetStatus.NO_DATA
        return Evaluation(status, Progress.NOT_AVAILABLE)
    current, first = known[-1], base or known[0]
    direction = _direction(comparator, target, first.value)
    if achieved(comparator, target, current.value, first.value):
        return Evaluation(TargetStatus.MET, Progress.ACHIEVED, current, first)
    ratio, observed, required = _ratio(first, current, target, deadline, direction)
    progress = category(ratio)
    if deadline < today:
        status = TargetStatus.MISSED
    elif ratio is None:
        status = TargetStatus.NO_DATA
    else:
        status = TargetStatus.ON_TRACK if ratio >= ON_TRACK else TargetStatus.OFF_TRACK
    return Evaluation(status, progress, current, first, ratio, observed, required)


def achieved(comparator: str, target: float, value: float, base: float) -> bool:
    """≥ and ≤ are bounds; "=" means reach the value, coming from the base's side."""
    if comparator == Comparator.AT_MOST:
        return value <= target
    if comparator == Comparator.EQUAL and base > target:
        return value <= target
    return value >= target


def category(ratio: float | None) -> Progress:
    if ratio is None:
        return Progress.NOT_AVAILABLE
    if ratio >= ON_TRACK:
        return Progress.SUBSTANTIAL
    if ratio >= MODERATE:
        return Progress.MODERATE
    if ratio >= LIMITED:
        return Progress.LIMITED
    return Progress.DETERIORATION


def growth(later: float, earlier: float, years: float) -> float:
    """Compound annual growth rate between two values `years` apart."""
    return float((later / earlier) ** (1 / years) - 1)


def _direction(comparator: str, target: float, base: float) -> int:
    if comparator == Comparator.AT_MOST:
        return -1
    if comparator == Comparator.EQUAL and base > target:
        return -1
    return 1


def _ratio(
    base: Point, current: Point, target: float, deadline: dt.date, direction: int
) -> tuple[float | None, float | None, float | None]:
    """(R, CAGR_o, CAGR_r), or Nones when growth cannot be measured (one date, sign change)."""
    elapsed = (current.on - base.on).days / YEAR
    horizon = (deadline - base.on).days / YEAR
    start = base.value or EPSILON
    if elapsed <= 0 or horizon <= 0 or start * current.value < 0:
        return None, None, None
    observed = growth(current.value, start, elapsed)
    required = growth(target or EPSILON, start, horizon)
    sign = -1 if start < 0 else 1
    if required == 0:
        # Base already equals the target yet the target is not achieved now: any movement
        # away from it is deterioration; none at all is no progress.
        return (-math.inf if observed else 0.0), observed, required
    return sign * direction * observed / abs(required), observed, required
