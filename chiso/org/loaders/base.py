"""Shared machinery of the loaders: specs, idempotent bulk upserts, the load report."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from chiso.accounts.services import Actor, record
from chiso.lib.text import fold
from chiso.org.models import Lineage, Unit, build_search_key

BATCH = 500
# SQLite caps the number of bound parameters; stay far below it in `IN (...)` lookups.
IN_CHUNK = 900
REFORM_DAY = dt.date(2025, 7, 1)
LAST_OLD_DAY = dt.date(2025, 6, 30)
HISTORIC_PREFIX = "h-"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """'Xã Nghi Lộc' -> 'xa-nghi-loc'; 'phuong_ba_dinh' -> 'phuong-ba-dinh'."""
    return _NON_ALNUM.sub("-", fold(text)).strip("-")


def clean_name(text: str) -> str:
    """The packages' names carry stray double spaces ('Xã  Bắc Đông Quan')."""
    return " ".join(text.split())


def disambiguate(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """(code, official_code) -> codes, suffixing the official code on every clashing code.

    Both members of a clash get the suffix so that neither silently owns the plain slug.
    """
    counts = Counter(code for code, _ in pairs)
    return [f"{code}-{official}" if counts[code] > 1 else code for code, official in pairs]


class LoadError(ValueError):
    """A source file or argument is wrong; the message (Vietnamese) names file and entry."""


@dataclass(frozen=True)
class UnitSpec:
    """What a unit should look like after a load; `parent` is a unit code."""

    code: str
    kind: str
    name: str
    subtype: str = ""
    short_name: str = ""
    name_en: str = ""
    abbreviation: str = ""
    official_code: str = ""
    parent: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class LineageSpec:
    predecessor: str
    successor: str
    kind: str
    date: dt.date
    weight: float = 1.0
    note: str = ""


@dataclass
class LoadReport:
    """Counts of one load call. Recorded as the single audit row of the call."""

    source: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    lineage_created: int = 0
    lineage_updated: int = 0
    groups_created: int = 0
    groups_changed: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_created(self) -> int:
        return sum(self.created.values()) + self.lineage_created + self.groups_created

    @property
    def total_changed(self) -> int:
        return (
            self.total_created
            + sum(self.updated.values())
            + self.lineage_updated
            + self.groups_changed
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created", "updated", "unchanged"):
            data[name] = {str(kind): n for kind, n in getattr(self, name).items()}
        data["seconds"] = round(self.seconds, 3)
        return data

    def __str__(self) -> str:
        return (
            f"{self.source}: tạo {sum(self.created.values())} đơn vị, "
            f"sửa {sum(self.updated.values())}, giữ nguyên {sum(self.unchanged.values())}; "
            f"quan hệ kế thừa +{self.lineage_created}/~{self.lineage_updated}; "
            f"nhóm +{self.groups_created}/~{self.groups_changed} ({self.seconds:.1f}s)"
        )


class Timer:
    def __init__(self, report: LoadReport) -> None:
        self.report = report

    def __enter__(self) -> LoadReport:
        self.started = time.perf_counter()
        return self.report

    def __exit__(self, *exc: object) -> None:
        self.report.seconds = time.perf_counter() - self.started


def finish(report: LoadReport, actor: Actor) -> LoadReport:
    record(actor, "org.load", report, new=report.as_dict())
    return report


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def units_by_code(codes: Iterable[str]) -> dict[str, Unit]:
    wanted = sorted(set(codes))
    found: dict[str, Unit] = {}
    for part in chunks(wanted):
        found.update({u.code: u for u in Unit.objects.filter(code__in=part)})
    return found


_COMPARED = [f.name for f in fields(UnitSpec) if f.name not in ("code", "parent")]


def _apply(unit: Unit, spec: UnitSpec, parent_id: int | None) -> bool:
    """Copy spec onto unit; True when anything changed."""
    changed = unit.parent_id != parent_id
    unit.parent_id = parent_id
    for name in _COMPARED:
        value = getattr(spec, name)
        if getattr(unit, name) != value:
            setattr(unit, name, value)
            changed = True
    key = build_search_key(unit.name, unit.short_name, unit.abbreviation)
    changed = changed or unit.search_key != key
    unit.search_key = key  # bulk_create/bulk_update skip Unit.save(), which normally sets it
    return changed


def sync_units(specs: Sequence[UnitSpec], report: LoadReport) -> dict[str, Unit]:
    """Create or update units so they match `specs`; parents must precede children.

    Specs are written level by level (a spec's parent is either already in the database or
    earlier in `specs`), so one bulk_create per level suffices.
    """
    existing = units_by_code([s.code for s in specs] + [s.parent for s in specs if s.parent])
    for level in _levels(specs):
        _sync_level(level, existing, report)
    return existing


def _levels(specs: Sequence[UnitSpec]) -> list[list[UnitSpec]]:
    depth: dict[str, int] = {}
    for spec in specs:
        depth[spec.code] = depth.get(spec.parent or "", -1) + 1
    levels: dict[int, list[UnitSpec]] = {}
    for spec in specs:
        levels.setdefault(depth[spec.code], []).append(spec)
    return [levels[d] for d in sorted(levels)]


def _sync_level(specs: list[UnitSpec], existing: dict[str, Unit], report: LoadReport) -> None:
    new: list[Unit] = []
    changed: list[Unit] = []
    for spec in specs:
        parent_id = existing[spec.parent].pk if spec.parent else None
        unit = existing.get(spec.code)
        if unit is None:
            unit = Unit(code=spec.code)
            _apply(unit, spec, parent_id)
            new.append(unit)
            report.created[spec.kind] += 1
        elif _apply(unit, spec, parent_id):
            changed.append(unit)
            report.updated[spec.kind] += 1
        else:
            report.unchanged[spec.kind] += 1
    # SQLite and PostgreSQL both return primary keys from bulk_create.
    Unit.objects.bulk_create(new, batch_size=BATCH)
    Unit.objects.bulk_update(changed, ["parent", "search_key", *_COMPARED], batch_size=BATCH)
    existing.update({u.code: u for u in new})


def sync_lineage(specs: Sequence[LineageSpec], units: dict[str, Unit], report: LoadReport) -> None:
    """Create missing lineage rows and correct kind/weight/note of existing ones."""
    ids = {code: units[code].pk for s in specs for code in (s.predecessor, s.successor)}
    current = _existing_lineage(list({ids[s.predecessor] for s in specs}))
    new: list[Lineage] = []
    changed: list[Lineage] = []
    for spec in specs:
        key = (ids[spec.predecessor], ids[spec.successor], spec.date)
        row = current.get(key)
        if row is None:
            new.append(
                Lineage(
                    predecessor_id=key[0],
                    successor_id=key[1],
                    date=spec.date,
                    kind=spec.kind,
                    weight=spec.weight,
                    note=spec.note,
                )
            )
        elif (row.kind, row.weight, row.note) != (spec.kind, spec.weight, spec.note):
            row.kind, row.weight, row.note = spec.kind, spec.weight, spec.note
            changed.append(row)
    Lineage.objects.bulk_create(new, batch_size=BATCH)
    Lineage.objects.bulk_update(changed, ["kind", "weight", "note"], batch_size=BATCH)
    report.lineage_created += len(new)
    report.lineage_updated += len(changed)


def _existing_lineage(predecessor_ids: list[int]) -> dict[tuple[int, int, dt.date], Lineage]:
    rows: dict[tuple[int, int, dt.date], Lineage] = {}
    for part in chunks(predecessor_ids):
        for row in Lineage.objects.filter(predecessor_id__in=part):
            rows[(row.predecessor_id, row.successor_id, row.date)] = row
    return rows
