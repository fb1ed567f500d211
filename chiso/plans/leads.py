"""Lead and coordinating agencies as written ("Sở Tài chính", "UBND các xã") → units."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q

from chiso.lib.text import fold
from chiso.org.choices import UnitKind
from chiso.org.models import Unit
from chiso.plans.extraction.agencies import expand_collective, match_agency, split_agencies

# Levels a collective name may expand to; villages and "other" organisations never do.
EXPANDABLE = {UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE}
_DEPARTMENTS = re.compile(r"\bcac so\b|\bso, ban\b|\bban, nganh\b")


def resolve_leads(text: str, province: Unit, on: dt.date, *, expand: bool = True) -> list[Unit]:
    """The units `text` names, valid on `on`, inside `province`.

    A collective ("các sở, ban, ngành; UBND các huyện") gives every unit of those kinds when
    `expand` is set; otherwise, and for names we do not know, the result is empty and the
    caller keeps the text.
    """
    if not text.strip():
        return []
    kinds = [k for k in expand_collective(text) if k in EXPANDABLE and _names_kind(text, k)]
    if kinds:
        return _of_kinds(province, kinds, on) if expand else []
    return _named(text, province, on)


def _names_kind(text: str, kind: str) -> bool:
    """ "các cơ quan báo chí", "các cơ quan, đơn vị liên quan" are not the departments."""
    if kind != UnitKind.DEPARTMENT:
        return True
    return bool(_DEPARTMENTS.search(fold(text)))


def _of_kinds(province: Unit, kinds: list[str], on: dt.date) -> list[Unit]:
    inside = Q(parent=province) | Q(parent__parent=province)
    return list(Unit.objects.filter(inside, kind__in=kinds).valid_on(on).order_by("kind", "code"))


def _named(text: str, province: Unit, on: dt.date) -> list[Unit]:
    units = {u.code: u for u in _candidates(province, on)}
    names = [(u.code, name) for u in units.values() for name in _names(u)]
    found: list[Unit] = []
    for part in split_agencies(text) or [text]:
        codes = match_agency(part, names)
        # Only a unique match is linked: "các cơ quan liên quan" must not grab every unit.
        if len(set(codes)) == 1 and units[codes[0]] not in found:
            found.append(units[codes[0]])
    return found


def _candidates(province: Unit, on: dt.date) -> list[Unit]:
    levels = [UnitKind.DEPARTMENT, UnitKind.OTHER]
    return list(Unit.objects.filter(parent=province, kind__in=levels).valid_on(on))


def _names(unit: Unit) -> list[str]:
    return [n for n in (unit.name, unit.short_name, unit.abbreviation) if n]
