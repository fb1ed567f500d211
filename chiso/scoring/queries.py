"""Reads over score snapshots (what the CLI, pages and API show). Nothing here recomputes,
except `explain`, which re-runs the engine for one cohort to show the working."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from chiso.collection.models import Assessment, Period
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.org.models import Unit
from chiso.org.services import predecessors
from chiso.scoring.models import ScoreSnapshot

MAIN_LEVELS = ("main",)


class ScoreLookupError(LookupError):
    """A framework, period, unit or indicator that does not exist (message in Vietnamese)."""


@dataclass(frozen=True)
class Part:
    code: str
    name: str
    points: float
    max_points: float

    @property
    def value(self) -> float | None:
        return self.points / self.max_points if self.max_points else None


@dataclass
class RankingRow:
    unit_code: str
    unit_name: str
    total: float
    index: float
    rank: int | None
    mains: list[Part] = field(default_factory=list)
    views: dict[str, float] = field(default_factory=dict)
    band: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.unit_code,
            "name": self.unit_name,
            "total": round(self.total, 4),
            "index": round(self.index, 4),
            "rank": self.rank,
            "band": self.band,
            "main_indicators": [
                {
                    "code": p.code,
                    "name": p.name,
                    "points": round(p.points, 4),
                    "max_points": p.max_points,
                    "value": None if p.value is None else round(p.value, 4),
                }
                for p in self.mains
            ],
            "views": {k: round(v, 4) for k, v in self.views.items()},
        }


def version_for(framework_code: str, number: int | None = None) -> FrameworkVersion:
    framework = Framework.objects.filter(code=framework_code).first()
    if framework is None:
        raise ScoreLookupError(_("Không có bộ chỉ số mã '%(c)s'") % {"c": framework_code})
    versions = framework.versions.order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise ScoreLookupError(_("Bộ chỉ số '%(c)s' chưa có phiên bản") % {"c": framework_code})
    return version


def versions_scored_in(framework_code: str, period: Period) -> FrameworkVersion:
    """The version of `framework_code` used in `period` (the newest if several)."""
    used = FrameworkVersion.objects.filter(
        framework__code=framework_code, assessments__period=period
    ).order_by("-number")
    version = used.first()
    return version if version is not None else version_for(framework_code)


def period_for(code: str) -> Period:
    period = Period.objects.filter(code=code).first()
    if period is None:
        raise ScoreLookupError(_("Không có kỳ đánh giá '%(c)s'") % {"c": code})
    return period


def unit_for(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ScoreLookupError(_("Không có đơn vị mã '%(c)s'") % {"c": code})
    return unit


def ranking(
    version: FrameworkVersion,
    period: Period,
    stage: str = "final",
    group: str | None = None,
    within: Q | None = None,
) -> list[RankingRow]:
    """The cohort's rows, best first (ties share a rank). `group` ranks within a peer group;
    `within` keeps only some rows (e.g. one province's units of a national cohort), each
    with its rank in the whole cohort or group."""
    snaps = ScoreSnapshot.objects.filter(version=version, period=period, stage=stage)
    if within is not None:
        snaps = snaps.filter(within)
    snaps = snaps.select_related("unit")
    mains = list(version.indicators.filter(level__in=MAIN_LEVELS).order_by("position"))
    rows = [_row(s, mains, version, group) for s in snaps]
    if group:
        rows = [r for r in rows if r.rank]
    return sorted(rows, key=lambda r: (r.rank or 10**9, r.unit_code))


def _row(
    snap: ScoreSnapshot, mains: list[Indicator], version: FrameworkVersion, group: str | None
) -> RankingRow:
    return RankingRow(
        unit_code=snap.unit.code,
        unit_name=snap.unit.name,
        total=snap.total,
        index=snap.index,
        rank=snap.ranks.get(group) if group else snap.rank,
        mains=[Part(m.code, m.name, snap.points.get(m.code, 0.0), m.max_points) for m in mains],
        views=snap.views,
        band=band_for(version, snap.index),
    )


def band_for(version: FrameworkVersion, index: float) -> str | None:
    for band in sorted(version.bands, key=lambda b: -float(b["min"])):
        if index >= float(band["min"]):
            return str(band["label"])
    return None


def assessment_for(unit: Unit, period: Period, framework_code: str | None) -> Assessment:
    found = Assessment.objects.filter(unit=unit, period=period).select_related("version")
    if framework_code:
        found = found.filter(version__framework__code=framework_code)
    items = list(found.order_by("-version__number")[:2])
    if not items:
        raise ScoreLookupError(
            _("%(u)s không có bản đánh giá trong kỳ %(p)s") % {"u": unit, "p": period}
        )
    if len(items) > 1 and not framework_code:
        raise ScoreLookupError(_("%(u)s có nhiều bản đánh giá; hãy chọn --framework") % {"u": unit})
    return items[0]


@dataclass(frozen=True)
class GapRow:
    """Points still to win on one leaf, and who owns them."""

    code: str
    name: str
    max_points: float
    points: float
    owner: str  # the person named in the unit's sheet ("Phụ trách"), else empty
    verifier: str  # the co-verifying unit that owns the figure, if any

    @property
    def lost(self) -> float:
        return round(self.max_points - self.points, 6)


def gaps(assessment: Assessment, stage: str = "final", limit: int | None = None) -> list[GapRow]:
    """Leaves where the unit lost points, largest loss first (ties in the framework's order).

    Reads the stored snapshot; raises ScoreLookupError when the assessment is not scored yet.
    """
    snap = ScoreSnapshot.objects.filter(assessment=assessment, stage=stage).first()
    if snap is None:
        raise ScoreLookupError(_("%(a)s chưa có điểm ở giai đoạn này") % {"a": assessment})
    owners = dict(assessment.entries.values_list("indicator__code", "owner"))
    leaves = list(assessment.version.indicators.filter(is_leaf=True, max_points__gt=0))
    names = dict(
        Unit.objects.filter(code__in={i.verifier for i in leaves if i.verifier}).values_list(
            "code", "name"
        )
    )
    rows = [
        GapRow(
            i.code,
            i.name,
            i.max_points,
            float(snap.points.get(i.code, 0.0)),
            owners.get(i.code, ""),
            names.get(i.verifier, i.verifier),
        )
        for i in sorted(leaves, key=lambda i: i.position)
        if i.code in owners
    ]
    rows = sorted((r for r in rows if r.lost > 1e-9), key=lambda r: -r.lost)
    return rows[:limit] if limit else rows


@dataclass(frozen=True)
class HistoryPoint:
    """A unit's result in one period: its own, or the weighted mean of its predecessors'."""

    period: str
    year: int
    index: float
    mains: dict[str, float]  # main indicator code → 0–1 value
    sources: tuple[tuple[str, float], ...] = ()  # (predecessor code, weight) when aggregated

    @property
    def aggregated(self) -> bool:
        return bool(self.sources)


def history(unit: Unit, framework_code: str, stage: str = "final") -> list[HistoryPoint]:
    """The unit's results over time under a framework, old and new versions alike.

    Periods before the unit existed come from its predecessors (lineage): the mean of their
    0–1 values weighted by their shares, as the DTI 2024 averaged merged provinces' indices.
    Predecessors without a result in a period are left out and the weights re-normalised.
    """
    own = {s.period.code: s for s in _snapshots([unit.pk], framework_code, stage)}
    points = [_point(s, ()) for s in own.values()]
    shares = dict((u.pk, (u.code, w)) for u, w in predecessors(unit))
    by_period: dict[str, list[tuple[ScoreSnapshot, float, str]]] = {}
    for snap in _snapshots(list(shares), framework_code, stage):
        code, weight = shares[snap.unit_id]
        by_period.setdefault(snap.period.code, []).append((snap, weight, code))
    for period, items in by_period.items():
        if period not in own:
            points.append(_aggregate(items))
    return sorted(points, key=lambda p: p.period)


def _snapshots(unit_ids: list[int], framework_code: str, stage: str) -> list[ScoreSnapshot]:
    found = ScoreSnapshot.objects.filter(
        unit_id__in=unit_ids, version__framework__code=framework_code, stage=stage
    )
    return list(found.select_related("period", "version"))


def _point(snap: ScoreSnapshot, sources: tuple[tuple[str, float], ...]) -> HistoryPoint:
    mains = _main_values(snap)
    return HistoryPoint(snap.period.code, snap.period.start.year, snap.index, mains, sources)


def _main_values(snap: ScoreSnapshot) -> dict[str, float]:
    maxima = _main_maxima(snap.version_id)
    return {c: snap.points.get(c, 0.0) / m for c, m in maxima.items() if m}


_MAXIMA: dict[int, dict[str, float]] = {}


def _main_maxima(version_id: int) -> dict[str, float]:
    if version_id not in _MAXIMA:  # versions in use never change, so this never goes stale
        rows = Indicator.objects.filter(version_id=version_id, level__in=MAIN_LEVELS)
        _MAXIMA[version_id] = dict(rows.values_list("code", "max_points"))
    return _MAXIMA[version_id]


def _aggregate(items: list[tuple[ScoreSnapshot, float, str]]) -> HistoryPoint:
    total = sum(weight for _s, weight, _c in items) or 1.0
    first = items[0][0]
    index = sum(s.index * w for s, w, _c in items) / total
    mains: dict[str, float] = {}
    for snap, weight, _code in items:
        for code, value in _main_values(snap).items():
            mains[code] = mains.get(code, 0.0) + value * weight / total
    sources = tuple((code, round(w / total, 6)) for _s, w, code in items)
    return HistoryPoint(first.period.code, first.period.start.year, index, mains, sources)
