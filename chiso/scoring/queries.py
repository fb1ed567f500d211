"""Reads over score snapshots (what the CLI, pages and API show). Nothing here recomputes,
except `explain`, which re-runs the engine for one cohort to show the working."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chiso.collection.models import Assessment, Period
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.org.models import Unit
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
    version: FrameworkVersion, period: Period, stage: str = "final", group: str | None = None
) -> list[RankingRow]:
    """The cohort's rows, best first (ties share a rank). `group` ranks within a peer group."""
    snaps = ScoreSnapshot.objects.filter(version=version, period=period, stage=stage)
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
