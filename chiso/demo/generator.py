"""Plausible, deterministic assessment inputs for the demo province.

Each unit-year gets a capability in [0, 1] (from a seed made of the unit code, so the same
unit is consistently strong or weak, plus a steady yearly improvement); each leaf's inputs are
drawn around that capability in the shape its rule needs. Nothing here is real data: the demo
labels it as illustrative.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from chiso.frameworks.models import Indicator


def capability(unit_code: str, year: int, base_year: int = 2023) -> float:
    seed = _seed(unit_code)
    rng = np.random.default_rng(seed)
    base = 0.35 + 0.45 * rng.beta(2.2, 2.0)
    return float(min(0.97, base + 0.05 * (year - base_year)))


def rng_for(*parts: object) -> np.random.Generator:
    return np.random.default_rng(_seed("|".join(str(p) for p in parts)))


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def inputs_for(indicator: Indicator, level: float, rng: np.random.Generator) -> dict[str, Any]:
    """Inputs for one leaf, around `level` (0–1), in the shape of its rule."""
    p = float(np.clip(level + rng.normal(0, 0.12), 0.0, 1.0))
    maker = _MAKERS.get(indicator.rule_kind, _manual)
    return maker(indicator, p, rng)


def _boolean(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    return {"value": 1 if rng.random() < 0.25 + 0.75 * p else 0}


def _ratio(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    if ind.rule_params.get("input") == "percent":
        return {"percent": round(100 * p, 1)}
    denominator = int(rng.integers(20, 1500))
    return {"numerator": round(denominator * p), "denominator": denominator}


def _steps(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    thresholds = [float(t) for t, _pts in ind.rule_params.get("steps", [[1, 0]])]
    top = max(thresholds) if thresholds else 1.0
    value = top * p * 1.15
    return {"value": round(value) if top >= 3 else round(value, 2)}


def _per_item(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    per = float(ind.rule_params.get("points_per_item", 1)) or 1.0
    cap = float(ind.rule_params.get("cap") or ind.max_points)
    return {"count": round(cap / per * p * 1.1)}


def _choice(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    options = ind.rule_params.get("options", [])
    if not options:
        return {}
    ranked = sorted(options, key=lambda o: -float(o.get("points", o.get("fraction", 0))))
    index = min(len(ranked) - 1, int((1 - p) * len(ranked)))
    return {"choice": ranked[index]["key"]}


def _value(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    return {"value": round(100 * p, 2)}


def _manual(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    return {"points": round(ind.max_points * p, 2)}


def _direct(ind: Indicator, p: float, rng: np.random.Generator) -> dict[str, Any]:
    return {"value": round(p, 4)}


_MAKERS = {
    "boolean": _boolean,
    "ratio": _ratio,
    "steps": _steps,
    "per_item": _per_item,
    "choice": _choice,
    "relative_to_best": _value,
    "min_max": _value,
    "manual": _manual,
    "direct": _direct,
}
