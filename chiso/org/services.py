"""Reads over units and their lineage, used by scoring, imports and the CLI.

Lineage weights: a `Lineage.weight` is the share of the predecessor that went into that
successor (1 for a whole unit; 1/k each when divided among k). `successors()` multiplies shares
along a chain; `predecessors()` turns the weights into each predecessor's share of the
successor's aggregate (equal shares among whole predecessors, as the DTI 2024 averaged merged
provinces).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.utils.translation import gettext as _

from chiso.lib.text import fold, nfc
from chiso.org.choices import UnitKind
from chiso.org.models import Unit

# Deeper chains than this mean a cycle in the data, not real history.
MAX_CHAIN = 20
# When a name fits units of several kinds ('Hà Tĩnh' the province and the old city), the
# caller almost always means the larger one.
KIND_RANK = {
    UnitKind.PROVINCE: 0,
    UnitKind.DEPARTMENT: 1,
    UnitKind.OTHER: 2,
    UnitKind.DISTRICT: 3,
    UnitKind.COMMUNE: 4,
    UnitKind.VILLAGE: 5,
}
# Names a unit carried before the data the packages hold: Thừa Thiên Huế became Thành phố
# Huế on 1/1/2025 (Nghị quyết 1314/NQ-UBTVQH15) without a new unit, so no lineage row exists.
FORMER_NAMES = {"thua thien hue": "hue"}
_PREFIX = re.compile(r"^(tinh|thanh pho|tp|t p) ")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class UnitNotFound(LookupError):
    """No unit has this code or name."""


class AmbiguousUnit(LookupError):
    """Several units fit the name equally well; `candidates` lists them."""

    def __init__(self, message: str, candidates: list[Unit]) -> None:
        super().__init__(message)
        self.candidates = candidates


def successors(unit: Unit, on: dt.date | None = None) -> list[tuple[Unit, float]]:
    """The units valid on `on` (default today) that `unit` became, with the share of `unit`
    each received, following chains (commune 2020 → commune 2023 → commune 2025).

    A unit valid on `on` is its own successor; a unit not yet created on `on`, or one that
    ended without a recorded successor, has none.
    """
    shares: dict[int, float] = defaultdict(float)
    found: dict[int, Unit] = {}
    _walk(unit, 1.0, on or dt.date.today(), shares, found, 0)
    return sorted(((found[pk], share) for pk, share in shares.items()), key=lambda p: p[0].code)


def _walk(
    unit: Unit,
    share: float,
    day: dt.date,
    shares: dict[int, float],
    found: dict[int, Unit],
    depth: int,
) -> None:
    if unit.is_valid_on(day):
        shares[unit.pk] += share
        found[unit.pk] = unit
        return
    if unit.valid_to is None or unit.valid_to >= day or depth > MAX_CHAIN:
        return
    edges = list(unit.successions.select_related("successor"))
    total = sum(edge.weight for edge in edges)
    for edge in edges:
        _walk(edge.successor, share * edge.weight / total, day, shares, found, depth + 1)


def predecessors(unit: Unit) -> list[tuple[Unit, float]]:
    """The units that became (part of) `unit`, each with its share of `unit`'s aggregate.

    Shares sum to 1 within each predecessor kind: a new commune lists its old communes (summing
    to 1) and, separately, the old districts they belonged to (summing to 1).
    """
    rows = list(unit.predecessions.select_related("predecessor"))
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row.predecessor.kind] += row.weight
    pairs = [(row.predecessor, row.weight / totals[row.predecessor.kind]) for row in rows]
    return sorted(pairs, key=lambda p: p[0].code)


def resolve(code_or_name: str, on: dt.date | None = None) -> Unit:
    """A unit by code ('nghe-an') or name, ignoring diacritics, case, punctuation and a leading
    'Tỉnh'/'Thành phố'/'TP' ('Tỉnh Nghệ An', 'nghe an', 'TP Hồ Chí Minh').

    With `on`, units valid that day win ('Tây Ninh' in 2022 is the pre-merger province); then
    the larger kind (province over district over commune: 'Long An' is the old province, not
    today's Phường Long An); then, without `on`, current units; then the exact spelling.
    Raises UnitNotFound or AmbiguousUnit (messages in Vietnamese).
    """
    text = nfc(code_or_name).strip()
    unit = Unit.objects.filter(code=text.lower()).first()
    if unit is not None:
        return unit
    keys = _keys(text)
    former = next((FORMER_NAMES[k] for k in keys if k in FORMER_NAMES), None)
    if former is not None:
        return resolve(former, on)
    return _pick(text, _by_name(keys), on)


def normalise(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def _keys(text: str) -> set[str]:
    key = normalise(text)
    return {key, _PREFIX.sub("", key)} - {""}


def _by_name(keys: set[str]) -> list[Unit]:
    if not keys:
        return []
    probe = max((w for k in keys for w in k.split()), key=len)
    return [
        unit
        for unit in Unit.objects.filter(search_key__contains=probe)
        if keys & {k for n in (unit.name, unit.short_name, unit.abbreviation) for k in _keys(n)}
    ]


def _pick(text: str, candidates: list[Unit], on: dt.date | None) -> Unit:
    if not candidates:
        raise UnitNotFound(_("Không tìm thấy đơn vị “%(name)s”.") % {"name": text})
    if on is not None:
        candidates = [u for u in candidates if u.is_valid_on(on)] or candidates
    best = min(_rank(u) for u in candidates)
    candidates = [u for u in candidates if _rank(u) == best]
    if on is None:
        candidates = [u for u in candidates if u.valid_to is None] or candidates
    exact = [u for u in candidates if _spelled_as(u, text)]
    candidates = exact or candidates
    if len(candidates) > 1:
        codes = ", ".join(u.code for u in candidates[:10])
        raise AmbiguousUnit(
            _("Tên “%(name)s” ứng với nhiều đơn vị: %(codes)s. Hãy dùng mã đơn vị.")
            % {"name": text, "codes": codes},
            candidates,
        )
    return candidates[0]


def _rank(unit: Unit) -> int:
    return KIND_RANK.get(UnitKind(unit.kind), len(KIND_RANK))


def _spelled_as(unit: Unit, text: str) -> bool:
    """Same name with the same diacritics ('Xã Ba Tơ' is not 'Xã Ba Tô')."""
    wanted = text.casefold()
    return any(n and nfc(n).casefold() == wanted for n in (unit.name, unit.short_name))
