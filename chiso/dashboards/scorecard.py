"""One unit's scorecard for one period: every indicator with its raw inputs, rule and points at
the three stages, its evidence, and the peer group's median and best. Read from snapshots and
entries; nothing is re-scored.

`public=True` builds the portal's version: the final stage only, no reviewer comments, no
notes, no people's names, and only evidence marked public."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from chiso.collection.choices import Stage
from chiso.collection.models import Assessment, Entry, Evidence
from chiso.frameworks.models import Indicator
from chiso.org.models import PeerGroup
from chiso.scoring import queries
from chiso.scoring.models import ScoreSnapshot

RULES = {
    "boolean": "Có/không",
    "ratio": "Tỷ lệ × điểm tối đa",
    "steps": "Theo bậc",
    "per_item": "Số lượng × điểm, có trần",
    "choice": "Theo lựa chọn",
    "relative_to_best": "So với đơn vị tốt nhất",
    "min_max": "Chuẩn hoá theo khoảng của nhóm",
    "manual": "Hội đồng chấm",
}
STAGES = (Stage.SELF, Stage.APPRAISAL, Stage.FINAL)


@dataclass
class EvidenceItem:
    pk: int
    label: str
    has_file: bool
    is_public: bool


@dataclass
class Line:
    indicator: Indicator
    depth: int
    points: dict[str, float | None]  # stage → points
    inputs: dict[str, dict[str, Any] | None]  # stage → raw inputs
    median: float | None
    best: float | None
    evidence: list[EvidenceItem] = field(default_factory=list)
    note: str = ""  # the unit's note (internal)
    review_comment: str = ""  # the reviewer's comment (internal)
    owner: str = ""  # the person in charge (personal data)
    flags: list[str] = field(default_factory=list)

    @property
    def rule(self) -> str:
        kind = self.indicator.rule_kind
        return RULES.get(kind, kind) if self.indicator.is_leaf else ""


@dataclass
class Card:
    assessment: Assessment
    snapshots: dict[str, ScoreSnapshot]
    group: PeerGroup | None
    lines: list[Line]
    band: str | None
    group_median: float | None
    group_best: float | None

    @property
    def final(self) -> ScoreSnapshot | None:
        return self.snapshots.get(Stage.FINAL)

    @property
    def group_rank(self) -> int | None:
        final = self.final
        if final is None or self.group is None:
            return None
        rank: int | None = final.ranks.get(self.group.code)
        return rank

    def mains(self) -> list[Line]:
        return [line for line in self.lines if line.indicator.level == "main"]


def build(assessment: Assessment, public: bool = False) -> Card:
    stages = (Stage.FINAL,) if public else STAGES
    snaps = {
        s.stage: s for s in ScoreSnapshot.objects.filter(assessment=assessment, stage__in=stages)
    }
    group = _group(assessment, snaps.get(Stage.FINAL))
    peers = _peer_points(assessment, group)
    entries = _entries(assessment, public)
    indicators = list(assessment.version.indicators.order_by("position"))
    depth = _depths(indicators)
    kind = assessment.unit.kind
    lines = [
        _line(i, depth[i.pk], snaps, entries.get(i.code), peers, public)
        for i in indicators
        if not i.applies_to or kind in i.applies_to
    ]
    final = snaps.get(Stage.FINAL)
    band = queries.band_for(assessment.version, final.index) if final else None
    totals = [p.get("__index__", 0.0) for p in peers]
    return Card(assessment, snaps, group, lines, band, _median(totals), max(totals, default=None))


def _group(assessment: Assessment, final: ScoreSnapshot | None) -> PeerGroup | None:
    codes = [c for c in (final.ranks if final else {}) if c != "all"]
    return PeerGroup.objects.filter(code__in=codes).order_by("order", "code").first()


def _peer_points(assessment: Assessment, group: PeerGroup | None) -> list[dict[str, float]]:
    """The final points of every unit ranked in the same group (the whole cohort without one)."""
    snaps = ScoreSnapshot.objects.filter(
        version=assessment.version_id, period=assessment.period_id, stage=Stage.FINAL
    )
    if group is not None:
        snaps = snaps.filter(ranks__has_key=group.code)
    return [
        {**points, "__index__": index} for points, index in snaps.values_list("points", "index")
    ]


def _entries(assessment: Assessment, public: bool) -> dict[str, Entry]:
    evidence = Evidence.objects.order_by("pk")
    if public:
        evidence = evidence.filter(is_public=True)
    found = assessment.entries.select_related("indicator").prefetch_related(
        Prefetch("evidence", queryset=evidence)
    )
    return {e.indicator.code: e for e in found}


def _depths(indicators: list[Indicator]) -> dict[int, int]:
    depth: dict[int, int] = {}
    for i in indicators:  # parents come before children in document order
        depth[i.pk] = depth.get(i.parent_id, -1) + 1 if i.parent_id else 0
    return depth


def _line(
    indicator: Indicator,
    depth: int,
    snaps: dict[str, ScoreSnapshot],
    entry: Entry | None,
    peers: list[dict[str, float]],
    public: bool,
) -> Line:
    code = indicator.code
    values = [float(p.get(code, 0.0)) for p in peers]
    line = Line(
        indicator,
        depth,
        {s: (snap.points.get(code) if (snap := snaps.get(s)) else None) for s in snaps},
        _inputs(entry, public),
        _median(values),
        max(values, default=None),
    )
    final = snaps.get(Stage.FINAL)
    line.flags = list(final.flags.get(code, [])) if final else []
    if entry is not None:
        line.evidence = [_evidence(e) for e in entry.evidence.all()]
        if not public:
            line.note, line.review_comment, line.owner = (
                entry.note,
                entry.review_comment,
                entry.owner,
            )
    return line


def _inputs(entry: Entry | None, public: bool) -> dict[str, dict[str, Any] | None]:
    if entry is None:
        return {}
    final = entry.final_inputs or entry.appraisal_inputs or entry.self_inputs
    if public:
        return {Stage.FINAL: final}
    return {
        Stage.SELF: entry.self_inputs,
        Stage.APPRAISAL: entry.appraisal_inputs,
        Stage.FINAL: final,
    }


def _evidence(item: Evidence) -> EvidenceItem:
    return EvidenceItem(item.pk, str(item), bool(item.file), item.is_public)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
