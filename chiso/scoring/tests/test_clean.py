"""Stored numbers are rounded to 6 decimals exactly as Python's round() does (a snapshot must
not depend on numpy's binary rounding), NaN and ±inf stored as 0; the vectorised `_clean`
agrees with round() on every value, halves and huge values included."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chiso.scoring.services import _clean

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=64)
# Values a half-millionth apart around a half: where numpy's x·10⁶ can round the wrong way.
HALVES = st.integers(-(10**12), 10**12).map(lambda k: (k + 0.5) / 1e6)


def _expected(value: float) -> float:
    return round(value, 6) if math.isfinite(value) else 0.0


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 40)), elements=ANY_FLOAT))
def test_clean_is_pythons_round_to_six_decimals_on_any_value(values: np.ndarray) -> None:
    cleaned = _clean(values)
    expected = np.vectorize(_expected, otypes=[np.float64])(values)
    assert cleaned.shape == values.shape
    assert np.array_equal(cleaned.view(np.uint64), expected.view(np.uint64))


@given(st.lists(HALVES, min_size=1, max_size=50))
def test_clean_rounds_values_next_to_a_half_as_round_does(values: list[float]) -> None:
    cleaned = _clean(np.array(values)).tolist()
    assert cleaned == [round(v, 6) for v in values]
