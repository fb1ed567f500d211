"""The in-memory form of a framework file, and the problems found while reading one.

A framework file (YAML, or CSV rows of the decision's appendix) is parsed into a `FrameworkSpec`,
validated as a whole (see `validation.py`), and only then written to the database. Every problem
carries the file, the place in it ("dòng 12", "tree[2].children[0] (mã 1.3)") and a Vietnamese
message, so an administrator can fix the file without reading code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chiso.frameworks.choices import Level

# Past this many problems the rest are almost always consequences of the first ones.
MAX_PROBLEMS = 50

LEVEL_ALIASES: dict[str, str] = {
    "pillar": Level.PILLAR,
    "group": Level.GROUP,
    "main": Level.MAIN,
    "sub": Level.SUB,
    "criterion": Level.CRITERION,
    "sub_item": Level.CRITERION,  # the Tây Ninh commune file's name for scored items
    "sub-item": Level.CRITERION,
}

# Node fields a YAML node, a CSV row or an override may set (besides code/parent/children).
NODE_FIELDS = (
    "name",
    "name_en",
    "level",
    "max_points",
    "rule",
    "unit",
    "method",
    "evidence",
    "evidence_required",
    "data_source",
    "verifier",
    "applies_to",
)


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f", {self.where}" if self.where else ""
        return f"{self.file}{place}: {self.message}"


class FrameworkFileError(Exception):
    """The file was rejected; `problems` lists every problem found (up to MAX_PROBLEMS)."""

    def __init__(self, problems: list[Problem], omitted: int = 0) -> None:
        self.problems = problems
        self.omitted = omitted
        super().__init__(self.text())

    def text(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.omitted:
            lines.append(_("… và %(n)d lỗi khác.") % {"n": self.omitted})
        return "\n".join(lines)


class Problems:
    """Collects problems across the whole file so the administrator sees them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.omitted = 0

    def add(self, file: str, where: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, where, message))
        else:
            self.omitted += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise FrameworkFileError(list(self.items), self.omitted)


@dataclass(frozen=True)
class Where:
    """A place in a file: its name and a human location ("dòng 12", "tree[0] (mã 1)")."""

    file: str
    place: str

    def report(self, problems: Problems, message: str) -> None:
        problems.add(self.file, self.place, message)


@dataclass
class NodeSpec:
    code: str
    name: str
    level: str
    max_points: float | None  # None on a parent until it is resolved to the sum of children
    where: Where
    parent_code: str | None = None
    name_en: str = ""
    rule_kind: str = ""
    rule_params: dict[str, Any] = field(default_factory=dict)
    unit: str = ""
    method: str = ""
    evidence: str = ""
    evidence_required: bool = False
    data_source: str = ""
    verifier: str = ""
    applies_to: list[str] = field(default_factory=list)
    inherited: bool = False  # taken from the latest version when a CSV adds rows to it
    max_given: bool = False  # a maximum was written, even if invalid (reported once, not twice)

    def canonical(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "parent": self.parent_code,
            "level": self.level,
            "name": self.name,
            "name_en": self.name_en,
            "max_points": self.max_points,
            "rule": {"kind": self.rule_kind, **self.rule_params} if self.rule_kind else None,
            "unit": self.unit,
            "method": self.method,
            "evidence": self.evidence,
            "evidence_required": self.evidence_required,
            "data_source": self.data_source,
            "verifier": self.verifier,
            "applies_to": list(self.applies_to),
        }


@dataclass
class ViewSpec:
    code: str
    name: str
    members: list[str]
    scale: float | None
    where: Where

    def canonical(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "members": self.members, "scale": self.scale}


@dataclass
class BandSpec:
    code: str
    label: str
    min: float

    def canonical(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "min": self.min}


@dataclass
class FrameworkSpec:
    code: str
    title: str
    status: str
    source_name: str
    title_en: str = ""
    provenance: str = ""
    legal_basis: str = ""
    scale: float | None = None
    unit_kinds: list[str] = field(default_factory=list)
    views: list[ViewSpec] = field(default_factory=list)
    bands: list[BandSpec] = field(default_factory=list)
    default_rule: dict[str, Any] = field(default_factory=dict)  # {"kind": …, **params} or {}
    nodes: list[NodeSpec] = field(default_factory=list)  # depth-first document order

    def canonical(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "title_en": self.title_en,
            "status": self.status,
            "provenance": self.provenance,
            "legal_basis": self.legal_basis,
            "scale": self.scale,
            "unit_kinds": list(self.unit_kinds),
            "views": [v.canonical() for v in self.views],
            "bands": [b.canonical() for b in self.bands],
            "default_rule": self.default_rule,
            "nodes": [n.canonical() for n in self.nodes],
        }

    def checksum(self) -> str:
        """sha256 of the canonical JSON: equal checksums mean the same framework content."""
        text = json.dumps(
            self.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def leaves(self) -> list[NodeSpec]:
        parents = {n.parent_code for n in self.nodes}
        return [n for n in self.nodes if n.code not in parents]

    def roots(self) -> list[NodeSpec]:
        return [n for n in self.nodes if n.parent_code is None]
