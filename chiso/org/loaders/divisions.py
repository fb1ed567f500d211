"""Load the administrative divisions: current (since 1/7/2025) and historic (until 30/6/2025).

Codes follow docs/units.md: `nghe-an`, `nghe-an.xa-nghi-loc`; historic units are prefixed
`h-` (`h-long-an`, `h-nghe-an.huyen-nghi-loc.xa-nghi-long`). A province untouched by the 2025
merger (Nghệ An, Huế, …) is one continuous unit, so it gets no `h-` copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _
from vietnam_provinces import Province, VietNamDivisionType, Ward

from chiso.accounts.services import Actor
from chiso.org.choices import LineageKind, UnitKind
from chiso.org.loaders import sources
from chiso.org.loaders.base import (
    HISTORIC_PREFIX,
    LAST_OLD_DAY,
    REFORM_DAY,
    LineageSpec,
    LoadError,
    LoadReport,
    Timer,
    UnitSpec,
    clean_name,
    disambiguate,
    finish,
    slugify,
    sync_lineage,
    sync_units,
)
from chiso.org.loaders.sources import LegacyRow


def load_current_divisions(
    provinces: Sequence[str] | None = None, *, actor: Actor = "cli"
) -> LoadReport:
    """Create/update the 34 provinces and 3,321 communes (or those of `provinces`).

    `provinces` holds current or historic province slugs ('nghe-an', 'h-long-an').
    Raises LoadError for an unknown slug; nothing is written then.
    """
    report = LoadReport("vietnam-provinces")
    with transaction.atomic():
        with Timer(report):
            sync_units(current_specs(select_current(provinces)), report)
        return finish(report, actor)


def load_historic_divisions(
    provinces: Sequence[str] | None = None, *, actor: Actor = "cli"
) -> LoadReport:
    """Create/update the pre-2025 provinces, districts and communes and their lineage.

    'nghe-an' or 'tay-ninh' selects every old province that became that province; 'h-long-an'
    selects just that one. The current units the lineage points to are loaded as well.
    Raises LoadError for an unknown slug; nothing is written then.
    """
    report = LoadReport("vietnamadminunits")
    with transaction.atomic():
        with Timer(report):
            legacy = select_legacy(provinces)
            targets = sorted({sources.legacy_province_keys()[key] for key in legacy})
            units = sync_units(current_specs(targets), report)
            units_specs, lineage = historic_specs(legacy)
            units.update(sync_units(units_specs, report))
            sync_lineage(lineage, units, report)
        return finish(report, actor)


# --- selection -------------------------------------------------------------------------------


def select_current(provinces: Sequence[str] | None) -> list[int]:
    if provinces is None:
        return sorted(sources.current_provinces())
    old_to_new = sources.legacy_province_keys()
    return sorted({old_to_new[key] for key in select_legacy(provinces)})


def select_legacy(provinces: Sequence[str] | None) -> list[str]:
    """Province slugs -> legacy province keys ('tinhlongan'), in a stable order."""
    by_current = _legacy_keys_by_current_slug()
    by_legacy = {row.province_slug: row.province_key for row in sources.legacy_rows()}
    if provinces is None:
        return sorted(set(by_legacy.values()))
    keys: set[str] = set()
    for slug in provinces:
        if slug in by_current:
            keys.update(by_current[slug])
        elif slug.removeprefix(HISTORIC_PREFIX) in by_legacy:
            keys.add(by_legacy[slug.removeprefix(HISTORIC_PREFIX)])
        else:
            raise LoadError(_("Không có tỉnh, thành phố mã “%(code)s”.") % {"code": slug})
    return sorted(keys)


def _legacy_keys_by_current_slug() -> dict[str, list[str]]:
    provinces = sources.current_provinces()
    return {
        sources.current_province_slug(provinces[code]): olds
        for code, olds in sources.merged_predecessors().items()
    }


# --- current units ---------------------------------------------------------------------------


def current_specs(province_codes: Sequence[int]) -> list[UnitSpec]:
    provinces = [province_spec(sources.current_provinces()[code]) for code in province_codes]
    communes = [
        spec for code in province_codes for spec in commune_specs(sources.current_provinces()[code])
    ]
    return provinces + communes


def province_spec(province: Province) -> UnitSpec:
    is_city = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
    short = province.name.removeprefix("Thành phố ")
    merged = len(sources.merged_predecessors()[int(province.code)]) > 1
    return UnitSpec(
        code=sources.current_province_slug(province),
        kind=UnitKind.PROVINCE,
        name=province.name if is_city else f"Tỉnh {province.name}",
        short_name=short,
        subtype="thành phố" if is_city else "tỉnh",
        official_code=f"{int(province.code):02d}",
        valid_from=REFORM_DAY if merged else None,
    )


def commune_specs(province: Province) -> list[UnitSpec]:
    parent = sources.current_province_slug(province)
    wards = sources.wards_by_province()[int(province.code)]
    codes = disambiguate([(f"{parent}.{slugify(w.codename)}", f"{int(w.code):05d}") for w in wards])
    return [_commune_spec(ward, code, parent) for ward, code in zip(wards, codes, strict=True)]


def _commune_spec(ward: Ward, code: str, parent: str) -> UnitSpec:
    name = clean_name(ward.name)
    subtype = ward.division_type.value
    return UnitSpec(
        code=code,
        kind=UnitKind.COMMUNE,
        name=name,
        short_name=_without_prefix(name, subtype),
        subtype=subtype,
        official_code=f"{int(ward.code):05d}",
        parent=parent,
        valid_from=REFORM_DAY,
    )


def _without_prefix(name: str, subtype: str) -> str:
    if name.casefold().startswith(subtype.casefold() + " "):
        return name[len(subtype) + 1 :]
    return name


def current_commune_codes() -> dict[int, str]:
    """vietnam_provinces ward code -> current unit code."""
    found: dict[int, str] = {}
    for province in sources.current_provinces().values():
        for spec in commune_specs(province):
            found[int(spec.official_code)] = spec.code
    return found


# --- historic units --------------------------------------------------------------------------


def historic_specs(legacy_keys: Sequence[str]) -> tuple[list[UnitSpec], list[LineageSpec]]:
    wanted = set(legacy_keys)
    rows = [row for row in sources.legacy_rows() if row.province_key in wanted]
    provinces = _historic_provinces(rows)
    districts = _districts(rows, provinces)
    communes = _communes(rows, districts)
    units = [s for s in provinces.values() if s.code.startswith(HISTORIC_PREFIX)]
    units += list(districts.values()) + list(communes.values())
    lineage = _province_lineage(provinces) + _division_lineage(rows, districts, communes)
    return units, lineage


def _historic_provinces(rows: list[LegacyRow]) -> dict[str, UnitSpec]:
    """Legacy province key -> spec; a continuous province maps to its current unit's spec."""
    specs: dict[str, UnitSpec] = {}
    current = sources.current_provinces()
    for row in rows:
        if row.province_key in specs:
            continue
        new_code = sources.legacy_province_keys()[row.province_key]
        if len(sources.merged_predecessors()[new_code]) == 1:
            specs[row.province_key] = province_spec(current[new_code])
        else:
            specs[row.province_key] = _old_province_spec(row)
    return specs


def _old_province_spec(row: LegacyRow) -> UnitSpec:
    return UnitSpec(
        code=HISTORIC_PREFIX + row.province_slug,
        kind=UnitKind.PROVINCE,
        name=row.province,
        short_name=row.province_short,
        subtype="thành phố" if row.province.startswith("Thành phố") else "tỉnh",
        official_code=row.province_code,
        valid_to=LAST_OLD_DAY,
    )


def _districts(rows: list[LegacyRow], provinces: dict[str, UnitSpec]) -> dict[str, UnitSpec]:
    """Legacy 'province_district' key -> district spec."""
    specs: dict[str, UnitSpec] = {}
    for row in rows:
        key = f"{row.province_key}_{row.district_key}"
        if key not in specs:
            specs[key] = UnitSpec(
                code=f"{HISTORIC_PREFIX}{row.province_slug}.{slugify(row.district)}",
                kind=UnitKind.DISTRICT,
                name=clean_name(row.district),
                short_name=_without_prefix(clean_name(row.district), row.district_type),
                subtype=row.district_type.lower(),
                official_code=row.district_code,
                parent=provinces[row.province_key].code,
                valid_to=LAST_OLD_DAY,
            )
    return specs


def _communes(rows: list[LegacyRow], districts: dict[str, UnitSpec]) -> dict[str, UnitSpec]:
    """Legacy converter key -> commune spec (island districts have no communes)."""
    rows = [row for row in rows if row.ward_key]
    parents = [districts[f"{row.province_key}_{row.district_key}"] for row in rows]
    codes = disambiguate(
        [(f"{p.code}.{slugify(r.ward)}", r.ward_code) for r, p in zip(rows, parents, strict=True)]
    )
    return {
        row.converter_key: UnitSpec(
            code=code,
            kind=UnitKind.COMMUNE,
            name=clean_name(row.ward),
            short_name=_without_prefix(clean_name(row.ward), row.ward_type),
            subtype=row.ward_type.lower(),
            official_code=row.ward_code,
            parent=parent.code,
            valid_to=LAST_OLD_DAY,
        )
        for row, parent, code in zip(rows, parents, codes, strict=True)
    }


def _province_lineage(provinces: dict[str, UnitSpec]) -> list[LineageSpec]:
    current = sources.current_provinces()
    old_to_new = sources.legacy_province_keys()
    return [
        LineageSpec(
            predecessor=spec.code,
            successor=sources.current_province_slug(current[old_to_new[key]]),
            kind=LineageKind.MERGED_INTO,
            date=REFORM_DAY,
        )
        for key, spec in provinces.items()
        if spec.code.startswith(HISTORIC_PREFIX)
    ]


def _division_lineage(
    rows: list[LegacyRow], districts: dict[str, UnitSpec], communes: dict[str, UnitSpec]
) -> list[LineageSpec]:
    """Communes to their successors; districts to the new communes their communes went to."""
    new_codes = current_commune_codes()
    lineage: list[LineageSpec] = []
    district_targets: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        district = districts[f"{row.province_key}_{row.district_key}"].code
        targets = sorted({new_codes[s.ward_code] for s in sources.successors()[row.converter_key]})
        district_targets[district].update(targets)
        if row.ward_key:
            lineage += _edges(communes[row.converter_key].code, targets)
    for district, shared in district_targets.items():
        lineage += _edges(district, sorted(shared))
    return lineage


def _edges(predecessor: str, successors: list[str]) -> list[LineageSpec]:
    """Wholly into one unit: merged_into; divided: split_into with equal shares."""
    kind = LineageKind.MERGED_INTO if len(successors) == 1 else LineageKind.SPLIT_INTO
    return [
        LineageSpec(predecessor, s, kind, REFORM_DAY, weight=1 / len(successors))
        for s in successors
    ]
