"""Read the two administrative-unit packages into plain records.

- `vietnam_provinces` (the official 34 provinces and 3,321 communes after 1/7/2025): its
  in-memory `Province`/`Ward` API is fast, so it is used as is.
- `vietnamadminunits` (the 63 provinces, 696 districts and 10,035 communes before 1/7/2025,
  and the conversion between the two): rows come from its public `database.query` API.
  Its converter API (`convert_address`) parses one address string at a time with regular
  expressions (and may geocode), far too slow and lossy for 10,000 units; the loader reads the
  converter's shipped mapping file `data/converter_2025.json` instead, which is exactly what that
  API consults.

The packages disagree on 114 commune codes and spell some names differently ('Hoà'/'Hòa',
stray spaces, ’ vs '), so new communes are matched across packages by province and folded name.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import vietnamadminunits
from vietnam_provinces import Province, Ward
from vietnamadminunits.database import query

from chiso.lib.text import fold
from chiso.org.loaders.base import slugify

CONVERTER_JSON = Path(vietnamadminunits.__file__).parent / "data" / "converter_2025.json"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(name: str) -> str:
    return _NON_ALNUM.sub("", fold(name))


@dataclass(frozen=True)
class LegacyRow:
    """One pre-2025 commune (or a district without communes, `ward` empty) and its parents."""

    province_key: str
    province: str
    province_short: str
    province_code: str
    district_key: str
    district: str
    district_type: str
    district_code: str
    ward_key: str
    ward: str
    ward_type: str
    ward_code: str

    @property
    def converter_key(self) -> str:
        return f"{self.province_key}_{self.district_key}_{self.ward_key}"

    @property
    def province_slug(self) -> str:
        return slugify(self.province_short)


@dataclass(frozen=True)
class Successor:
    ward_code: int  # vietnam_provinces ward code
    whole: bool  # False when the old commune was divided among several new ones


def current_province_slug(province: Province) -> str:
    return slugify(province.codename)


@cache
def current_provinces() -> dict[int, Province]:
    return {int(p.code): p for p in Province.iter_all()}


@cache
def wards_by_province() -> dict[int, list[Ward]]:
    grouped: dict[int, list[Ward]] = defaultdict(list)
    for ward in Ward.iter_all():
        grouped[int(ward.province_code)].append(ward)
    return dict(grouped)


@cache
def _converter() -> dict[str, Any]:
    with CONVERTER_JSON.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def _new_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = query(
        "SELECT provinceKey, provinceCode, wardKey, ward FROM admin_units"
    )
    return rows


@cache
def new_province_codes() -> dict[str, int]:
    """vietnamadminunits' new province key ('tinhtayninh') -> GSO code (80)."""
    return {r["provinceKey"]: int(r["provinceCode"]) for r in _new_rows()}


@cache
def merged_predecessors() -> dict[int, list[str]]:
    """Current province code -> legacy province keys it was formed from (1 if not merged)."""
    codes = new_province_codes()
    return {codes[new]: olds for new, olds in _converter()["DICT_PROVINCE"].items()}


def legacy_province_keys() -> dict[str, int]:
    """Legacy province key -> the current province code it went into."""
    return {old: new for new, olds in merged_predecessors().items() for old in olds}


@cache
def legacy_rows() -> list[LegacyRow]:
    rows = query(
        "SELECT provinceKey, province, provinceShort, provinceCode, districtKey, district,"
        " districtType, districtCode, wardKey, ward, wardType, wardCode"
        " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
    )
    return [LegacyRow(*(r[k] or "" for k in r)) for r in rows]


@cache
def _new_ward_codes() -> dict[tuple[str, str], int]:
    """(new province key, new ward key) -> vietnam_provinces ward code."""
    by_name: dict[tuple[int, str], list[Ward]] = defaultdict(list)
    for province_code, wards in wards_by_province().items():
        for ward in wards:
            by_name[(province_code, _key(ward.name))].append(ward)
    return {(r["provinceKey"], r["wardKey"]): _match(by_name, r) for r in _new_rows()}


def _match(by_name: dict[tuple[int, str], list[Ward]], row: dict[str, Any]) -> int:
    candidates = by_name[(int(row["provinceCode"]), _key(row["ward"]))]
    if len(candidates) > 1:  # 'Xã Văn Lang' / 'Xã Văn Lăng': only the accents tell them apart
        candidates = [w for w in candidates if w.name == row["ward"]]
    if len(candidates) != 1:
        raise LookupError(f"cannot match {row['ward']!r} of province {row['provinceCode']}")
    return int(candidates[0].code)


@cache
def successors() -> dict[str, list[Successor]]:
    """Legacy converter key ('tinhlongan_huyencangiuoc_xaphuocly') -> new communes."""
    codes = _new_ward_codes()
    found: dict[str, list[Successor]] = defaultdict(list)
    conv = _converter()
    for province, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            for old in old_keys:
                found[old].append(Successor(codes[(province, new_key)], whole=True))
    for province, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for new in news:
                found[old].append(Successor(codes[(province, new["newWardKey"])], whole=False))
    return dict(found)
