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


def test_clean_agrees_with_round_across_blocks_on_a_national_sized_stage() -> None:
    """A stage is worked through in blocks: halves, huge values, NaN, ±inf and -0.0 fall on
    block edges and inside them, in an array of several blocks, (nodes, rows)-shaped."""
    rng = np.random.default_rng(7)
    shape = (115, 4_375)
    values = rng.integers(0, 2_000_000, shape) / 10.0 ** rng.integers(0, 9, shape)
    flat = values.reshape(-1)
    spots = rng.choice(flat.size, 2_000, replace=False)
    flat[spots[:1_000]] = (rng.integers(-(10**12), 10**12, 1_000) + 0.5) / 1e6
    block = 1 << 15
    edges = [block - 1, block, block + 1, 2 * block, flat.size - 1]
    specials = [np.nan, np.inf, -np.inf, -0.0, 2.5e9 + 0.5e-6]
    for at, value in zip(edges, specials, strict=True):
        flat[at] = value
    odd = [1e300, -1e300, 5e8 + 0.5e-6, 0.5e-6, -0.5e-6, 1.0000005, 0, 3, 0.1, 1e-7]
    flat[spots[1_000:1_010]] = odd
    cleaned = _clean(values)
    expected = np.vectorize(_expected, otypes=[np.float64])(values)
    assert cleaned.shape == values.shape
    assert np.array_equal(cleaned.view(np.uint64), expected.view(np.uint64))
    assert cleaned.reshape(-1)[block - 1] == 0.0 and cleaned.reshape(-1)[2 * block] == 0.0
