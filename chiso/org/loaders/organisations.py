"""Load departments, other organisations and peer groups from a YAML file (docs/units.md).

The whole file is validated before anything is written, and every problem is reported at once
with the file and the entry it comes from; the write itself is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor
from chiso.lib import safe_files
from chiso.lib.unicode_safety import clean
from chiso.org.choices import LineageKind, UnitKind
from chiso.org.loaders.base import (
    LineageSpec,
    LoadError,
    LoadReport,
    Timer,
    UnitSpec,
    finish,
    sync_lineage,
    sync_units,
    units_by_code,
)
from chiso.org.models import PeerGroup, Unit

ORG_KINDS = {UnitKind.DEPARTMENT.value, UnitKind.OTHER.value}
UNIT_KEYS = {
    "code",
    "kind",
    "name",
    "short_name",
    "name_en",
    "abbreviation",
    "subtype",
    "parent",
    "valid_from",
    "valid_to",
    "successors",
    "note",
}
SUCCESSOR_KEYS = {"code", "kind", "date", "weight", "note"}
GROUP_KEYS = {"code", "name", "scope", "description", "order", "members", "select"}
SELECT_KEYS = {"kind", "subtype", "parent", "valid_on", "current"}


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name: str
    scope: str | None
    description: str
    order: int
    members: tuple[str, ...]
    select: dict[str, Any] | None


@dataclass
class Parsed:
    units: list[UnitSpec]
    lineage: list[LineageSpec]
    groups: list[GroupSpec]
    where: dict[str, str] = field(default_factory=dict)  # unit code -> 'units[3] (code)'


def load_organisations(path: str | Path, *, actor: Actor = "cli") -> LoadReport:
    """Create/update the organisations, their lineage and the peer groups of a YAML file.

    Raises LoadError (naming the file and each bad entry) when the file is unreadable or an
    entry is invalid: unknown kind or key, duplicate code, unknown parent/successor/member.
    Nothing is written then.
    """
    path = Path(path)
    report = LoadReport(f"organisations:{path.name}")
    with transaction.atomic():
        with Timer(report):
            parsed = parse_file(path)
            sync_units(parsed.units, report)
            sync_lineage(parsed.lineage, units_by_code(_lineage_codes(parsed)), report)
            for group in parsed.groups:
                _sync_group(group, report)
        return finish(report, actor)


def _lineage_codes(parsed: Parsed) -> list[str]:
    return [c for s in parsed.lineage for c in (s.predecessor, s.successor)]


# --- parsing and validation ------------------------------------------------------------------


class _Errors:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{self.path}: {where}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise LoadError("\n".join(self.lines))


def parse_file(path: Path) -> Parsed:
    errors = _Errors(path)
    data = _read_yaml(path, errors)
    units = _as_list(data.get("units", []), "units", errors)
    groups = _as_list(data.get("peer_groups", []), "peer_groups", errors)
    errors.raise_if_any()
    parsed = Parsed([], [], [])
    province = data.get("province")
    known = _parse_units(units, str(province) if province else None, parsed, errors)
    _check_references(parsed, known, errors)
    parsed.groups = _parse_groups(groups, known | set(_existing(parsed)), errors)
    errors.raise_if_any()
    return parsed


def _read_yaml(path: Path, errors: _Errors) -> dict[str, Any]:
    try:
        # NFC, no zero-width characters in codes; no YAML aliases (docs/security-files.md)
        data = safe_files.load_yaml(clean(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        message = _("%(path)s: không đọc được tệp: %(err)s") % {"path": path, "err": exc}
        raise LoadError(message) from exc
    if not isinstance(data, dict):
        raise LoadError(_("%(path)s: tệp phải là một ánh xạ YAML") % {"path": path})
    errors.raise_if_any()
    return data


def _as_list(value: Any, name: str, errors: _Errors) -> list[Any]:
    if not isinstance(value, list):
        errors.add(name, _("phải là một danh sách"))
        return []
    return value


def _parse_units(
    entries: list[Any], province: str | None, parsed: Parsed, errors: _Errors
) -> set[str]:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where("units", index, entry)
        spec = _unit_spec(entry, where, seen, errors, province)
        if spec is None:
            continue
        seen.add(spec.code)
        parsed.where[spec.code] = where
        parsed.units.append(spec)
        parsed.lineage += _successors(entry, spec, where, errors)
    return seen


def _where(section: str, index: int, entry: Any) -> str:
    """'units[3] (nghe-an.so-x)': the entry's position and code, as the error names it."""
    code = entry.get("code", "?") if isinstance(entry, dict) else "?"
    return f"{section}[{index}] ({code})"


def _unit_spec(
    entry: Any, where: str, seen: set[str], errors: _Errors, province: str | None
) -> UnitSpec | None:
    if not _check_mapping(entry, UNIT_KEYS, {"code", "kind", "name"}, where, errors):
        return None
    code, kind = str(entry["code"]), str(entry["kind"])
    problems = [
        (code in seen, _("mã “%(v)s” bị trùng") % {"v": code}),
        (
            kind not in ORG_KINDS,
            _("loại “%(v)s” không hợp lệ (chỉ nhận: %(ok)s)")
            % {"v": kind, "ok": ", ".join(sorted(ORG_KINDS))},
        ),
        (
            not _is_slug(code),
            _("mã “%(v)s” chỉ được gồm chữ thường không dấu, số, “-” và “.”") % {"v": code},
        ),
    ]
    valid_from = _date(entry.get("valid_from"), "valid_from", where, errors)
    valid_to = _date(entry.get("valid_to"), "valid_to", where, errors)
    problems.append(
        (
            bool(valid_from and valid_to and valid_to < valid_from),
            _("“valid_to” đứng trước “valid_from”"),
        )
    )
    for failed, message in problems:
        if failed:
            errors.add(where, message)
    if any(failed for failed, _m in problems):
        return None
    return UnitSpec(
        code=code,
        kind=kind,
        name=str(entry["name"]),
        short_name=str(entry.get("short_name", "")),
        name_en=str(entry.get("name_en", "")),
        abbreviation=str(entry.get("abbreviation", "")),
        subtype=str(entry.get("subtype", "")),
        parent=str(entry["parent"]) if entry.get("parent") else province,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _is_slug(code: str) -> bool:
    return (
        bool(code)
        and all(c.isascii() and (c.isalnum() or c in "-.") for c in code)
        and (code == code.lower())
    )


def _check_mapping(
    entry: Any, allowed: set[str], required: set[str], where: str, errors: _Errors
) -> bool:
    if not isinstance(entry, dict):
        errors.add(where, _("mỗi mục phải là một ánh xạ (khóa: giá trị)"))
        return False
    for key in sorted(set(entry) - allowed):
        errors.add(where, _("khóa “%(v)s” không được hỗ trợ") % {"v": key})
    for key in sorted(required - set(entry)):
        errors.add(where, _("thiếu khóa bắt buộc “%(v)s”") % {"v": key})
    return not (set(entry) - allowed or required - set(entry))


def _date(value: Any, key: str, where: str, errors: _Errors) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    errors.add(where, _("“%(k)s” phải là ngày dạng YYYY-MM-DD") % {"k": key})
    return None


def _successors(
    entry: dict[str, Any], spec: UnitSpec, where: str, errors: _Errors
) -> list[LineageSpec]:
    found: list[LineageSpec] = []
    for index, item in enumerate(_as_list(entry.get("successors", []), where, errors)):
        at = f"{where}.successors[{index}]"
        if not _check_mapping(item, SUCCESSOR_KEYS, {"code", "date"}, at, errors):
            continue
        kind = str(item.get("kind", LineageKind.MERGED_INTO))
        day = _date(item["date"], "date", at, errors)
        if kind not in LineageKind.values:
            errors.add(at, _("loại kế thừa “%(v)s” không hợp lệ") % {"v": kind})
        elif day is not None:
            weight = float(item.get("weight", 1.0))
            found.append(
                LineageSpec(
                    spec.code, str(item["code"]), kind, day, weight, str(item.get("note", ""))
                )
            )
    return found


def _existing(parsed: Parsed) -> set[str]:
    return set(
        units_by_code(
            [s.parent for s in parsed.units if s.parent] + [s.successor for s in parsed.lineage]
        )
    )


def _check_references(parsed: Parsed, known: set[str], errors: _Errors) -> None:
    """Parents must come earlier in the file or exist already; successors anywhere."""
    in_db = _existing(parsed)
    earlier: set[str] = set()
    for spec in parsed.units:
        if spec.parent and spec.parent not in earlier | in_db:
            errors.add(
                parsed.where[spec.code],
                _("đơn vị cha “%(v)s” không tồn tại (chưa nạp, hoặc khai báo sau mục này)")
                % {"v": spec.parent},
            )
        earlier.add(spec.code)
    taken = Unit.objects.filter(code__in=known).exclude(kind__in=ORG_KINDS)
    for code, kind in taken.values_list("code", "kind"):
        errors.add(
            parsed.where[code],
            _("mã “%(v)s” đã dùng cho một đơn vị loại %(k)s") % {"v": code, "k": kind},
        )
    for lineage in parsed.lineage:
        if lineage.successor not in known | in_db:
            errors.add(
                parsed.where[lineage.predecessor],
                _("đơn vị kế thừa “%(v)s” không tồn tại") % {"v": lineage.successor},
            )


def _parse_groups(entries: list[Any], known: set[str], errors: _Errors) -> list[GroupSpec]:
    groups: list[GroupSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where("peer_groups", index, entry)
        if not _check_mapping(entry, GROUP_KEYS, {"code", "name"}, where, errors):
            continue
        group = _group_spec(entry, where, errors)
        if group.code in seen:
            errors.add(where, _("mã nhóm “%(v)s” bị trùng") % {"v": group.code})
        for code in [*group.members, *([group.scope] if group.scope else [])]:
            if code not in known and not Unit.objects.filter(code=code).exists():
                errors.add(where, _("đơn vị “%(v)s” không tồn tại") % {"v": code})
        seen.add(group.code)
        groups.append(group)
    return groups


def _group_spec(entry: dict[str, Any], where: str, errors: _Errors) -> GroupSpec:
    select = entry.get("select")
    if select is not None and _check_mapping(select, SELECT_KEYS, set(), where + ".select", errors):
        _date(select.get("valid_on"), "valid_on", where + ".select", errors)
    members = entry.get("members", [])
    if not isinstance(members, list):
        errors.add(where, _("“members” phải là một danh sách mã đơn vị"))
        members = []
    return GroupSpec(
        code=str(entry["code"]),
        name=str(entry["name"]),
        scope=entry.get("scope"),
        description=str(entry.get("description", "")).strip(),
        order=int(entry.get("order", 0)),
        members=tuple(str(m) for m in members),
        select=select,
    )


# --- peer groups -----------------------------------------------------------------------------

_FILTERS: dict[str, Callable[[Any], Q]] = {
    "kind": lambda v: Q(kind=v),
    "subtype": lambda v: Q(subtype=v),
    "parent": lambda v: Q(parent__code=v),
    "current": lambda v: Q(valid_to__isnull=bool(v)),
}


def select_members(select: dict[str, Any]) -> list[int]:
    """Unit ids matched by a group's `select` rule, e.g. all wards (phường) of a province."""
    units = Unit.objects.all()
    if "valid_on" in select:
        units = units.valid_on(select["valid_on"])
    for key, value in select.items():
        if key in _FILTERS:
            units = units.filter(_FILTERS[key](value))
    return list(units.values_list("pk", flat=True))


def _sync_group(spec: GroupSpec, report: LoadReport) -> None:
    scope = Unit.objects.get(code=spec.scope) if spec.scope else None
    fields = {
        "name": spec.name,
        "scope": scope,
        "description": spec.description,
        "order": spec.order,
    }
    group, created = PeerGroup.objects.get_or_create(code=spec.code, defaults=fields)
    changed = not created and any(getattr(group, k) != v for k, v in fields.items())
    if changed:
        PeerGroup.objects.filter(pk=group.pk).update(**fields)
    wanted = set(_member_ids(spec))
    if set(group.members.values_list("pk", flat=True)) != wanted:
        group.members.set(wanted)
        changed = True
    report.groups_created += created
    report.groups_changed += changed and not created
    if spec.select and not wanted:
        report.warnings.append(f"{spec.code}: 0 thành viên (chưa nạp đơn vị hành chính?)")


def _member_ids(spec: GroupSpec) -> Sequence[int]:
    explicit = list(Unit.objects.filter(code__in=spec.members).values_list("pk", flat=True))
    return explicit + (select_members(spec.select) if spec.select else [])
