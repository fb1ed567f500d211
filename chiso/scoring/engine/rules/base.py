"""Scoring rules: a registry of rule kinds, each turning raw input columns into points.

Every rule is vectorised over rows. A rule raises `RuleError` only from `from_params` (bad
parameters); `score` never raises on input values: NaN is *missing* (0 points, MISSING), and a
value that makes no sense is *invalid* (0 points, INVALID) unless the rule says otherwise.

Choices made where the methodology leaves room:
- ratio: a numerator above its denominator (or a percent above 100) is capped at 1, flagged
  INVALID | CLAMPED. The reviewer sees the flag; capping keeps the score monotone in the
  numerator, and 0 points would punish a unit for a figure that is likely a rounding or
  source mismatch. A denominator of 0 gives 0 points, flagged ZERO_DENOMINATOR | INVALID.
- relative_to_best: values must be >= 0. If the best value of a cohort is 0 (higher is better),
  nobody has anything and everybody scores 0; with lower-is-better a value of 0 is the best
  possible and scores full marks.
- min_max: if every reported value in a cohort is equal, everybody gets full marks: nobody is
  behind anybody, and 0 for all would punish a cohort that, say, all reached 100%.
- Cohort rules compare only rows that reported a valid value; missing rows do not drag the
  best or the range.
- boolean: only values in [0, 1] are valid (>= 0.5 is "có"); 2 or -1 is INVALID.
- per_item: a fractional count is taken as given (some items are averages); a negative one
  is INVALID. Reaching the cap is not a flag: the cap is part of the rule.
- manual / direct: out-of-range points are clamped (CLAMPED), not refused, because a reviewer
  typing 11 of 10 meant "full"; ±inf is INVALID everywhere.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NoReturn, TypeVar

import numpy as np
import numpy.typing as npt

from ..errors import EngineError, RuleError
from ..flags import FLAG_MESSAGES_VI, Flag, FlagArray, decode, mark

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# Rows with equal partition keys form one cohort; None: all rows are one cohort.
Partitions = npt.NDArray[Any] | None
InputType = Literal["number", "count", "bool", "choice", "percent", "fraction", "points"]

# A percent of 100.0000000001 is float noise, not an invalid figure.
RATIO_TOLERANCE = 1e-9


@dataclass(frozen=True)
class InputSpec:
    """One raw value a rule reads: its column name, its type (for forms), its Vietnamese label."""

    name: str
    type: InputType
    label_vi: str


class Rule(ABC):
    """A parsed rule. Subclasses set `kind`, `needs_cohort`, `inputs` and implement `_score`."""

    kind: ClassVar[str]
    needs_cohort: ClassVar[bool] = False
    inputs: tuple[InputSpec, ...]

    @classmethod
    @abstractmethod
    def from_params(cls, params: Mapping[str, Any], max_points: float) -> Rule:
        """Validate `params`; raise RuleError naming the parameter and the fault."""

    @abstractmethod
    def describe_vi(self, max_points: float) -> str:
        """One Vietnamese line saying how points are computed."""

    @abstractmethod
    def _score(
        self, values: Mapping[str, FloatArray], max_points: float, partitions: Partitions
    ) -> tuple[FloatArray, FlagArray]: ...

    def score(
        self,
        inputs: Mapping[str, npt.ArrayLike],
        max_points: float,
        partitions: Partitions = None,
    ) -> tuple[FloatArray, FlagArray]:
        """(points, flags) per row. Raises EngineError only if an input column is absent."""
        values = {spec.name: column_of(inputs, spec.name, self.kind) for spec in self.inputs}
        with np.errstate(all="ignore"):
            return self._score(values, float(max_points), partitions)

    def flag_messages_vi(self, bits: int, values: Mapping[str, float | None]) -> list[str]:
        """Vietnamese messages for one row's flags; `values` are its inputs (None = missing)."""
        messages = []
        for flag in decode(bits):
            if flag is Flag.MISSING:
                missing = [
                    lower_first(s.label_vi) for s in self.inputs if values.get(s.name) is None
                ]
                messages.append(f"{FLAG_MESSAGES_VI[flag]}: {', '.join(missing)}")
            else:
                messages.append(FLAG_MESSAGES_VI[flag])
        return messages

    def cohort_note_vi(
        self, values: Mapping[str, FloatArray], partitions: Partitions, row: int
    ) -> str | None:
        """For cohort rules: the reference values (best, range) the row was compared with."""
        return None


RULES: dict[str, type[Rule]] = {}
R = TypeVar("R", bound=type[Rule])


def register(cls: R) -> R:
    """Class decorator adding a rule kind to RULES; a kind registered twice is an EngineError."""
    known = RULES.get(cls.kind)
    if known is not None and known is not cls:
        raise EngineError(f"rule kind {cls.kind!r} is already registered by {known.__name__}")
    RULES[cls.kind] = cls
    return cls


def build_rule(kind: str, params: Mapping[str, Any], max_points: float) -> Rule:
    """The parsed rule of `kind`. Raises RuleError for an unknown kind or bad parameters."""
    cls = RULES.get(kind)
    if cls is None:
        raise RuleError(f"unknown rule kind {kind!r} (known: {', '.join(sorted(RULES))})")
    return cls.from_params(params, max_points)


# --- helpers -------------------------------------------------------------------------------


def column_of(inputs: Mapping[str, npt.ArrayLike], name: str, kind: str) -> FloatArray:
    if name not in inputs:
        raise EngineError(f"rule {kind!r}: input {name!r} not given (got {sorted(inputs)})")
    return np.asarray(inputs[name], dtype=np.float64)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def screen(x: FloatArray, flags: FlagArray, *, allow_negative: bool = False) -> BoolArray:
    """Usable rows: NaN is flagged MISSING, inf (and negatives unless allowed) INVALID."""
    missing = np.isnan(x)
    mark(flags, missing, Flag.MISSING)
    bad = np.isinf(x) if allow_negative else np.isinf(x) | (x < 0)
    mark(flags, bad, Flag.INVALID)
    return ~(missing | bad)


def new_flags(x: FloatArray) -> FlagArray:
    return np.zeros(x.shape, dtype=np.uint8)


def fmt_vi(x: float) -> str:
    """Vietnamese number: decimal comma, no trailing zeros ('12,5', '10')."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def group_extreme(x: FloatArray, partitions: Partitions, ufunc: np.ufunc) -> FloatArray:
    """Per row, `ufunc` (np.fmax / np.fmin) over its partition; NaN rows ignored, all NaN -> NaN."""
    if partitions is None:
        extreme = ufunc.reduce(x) if x.size else np.nan
        return np.full(x.shape, extreme, dtype=np.float64)
    keys, inverse = np.unique(partitions, return_inverse=True)
    out = np.full(keys.shape, np.nan, dtype=np.float64)
    ufunc.at(out, inverse, x)
    result: FloatArray = out[inverse]
    return result


class Params:
    """Reads rule parameters, failing with the rule kind and parameter in the message."""

    def __init__(self, kind: str, params: Mapping[str, Any]) -> None:
        if not isinstance(params, Mapping):
            raise RuleError(f"rule {kind!r}: params must be a mapping, got {type(params).__name__}")
        self.kind, self.params, self.used = kind, params, set[str]()

    def fail(self, message: str) -> NoReturn:
        raise RuleError(f"rule {self.kind!r}: {message}")

    def raw(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.params.get(key, default)

    def number(self, key: str, default: float | None = None) -> float:
        value = self.raw(key, default)
        if value is None:
            self.fail(f"parameter {key!r} is required")
        return self.real(value, key)

    def real(self, value: Any, what: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            self.fail(f"{what} must be a finite number, got {value!r}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.fail(f"parameter {key!r} must be true or false, got {value!r}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.params) - self.used)
        if unknown:
            self.fail(f"unknown parameter(s) {', '.join(map(repr, unknown))}")


def check_points(p: Params, points: float, max_points: float, what: str) -> None:
    if not 0 <= points <= max_points:
        p.fail(
            f"{what} must be between 0 and the maximum {fmt_vi(max_points)}, got {fmt_vi(points)}"
        )
