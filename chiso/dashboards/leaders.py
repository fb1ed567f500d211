"""Reads behind the leaders' dashboard: a province's cohorts, headline results, rankings with
movement, points still to win, submission progress and trends. Everything here reads stored
snapshots; nothing re-scores. Each function runs a fixed number of queries, whatever the
number of units (the pages have query-count guards)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.models import Assessment, Entry, Period
from chiso.frameworks.models import FrameworkVersion, Indicator
from chiso.org.models import PeerGroup, Unit
from chiso.scoring import queries
from chiso.scoring.models import PublishedResult, ScoreSnapshot

DTI_FRAMEWORK = "dti-province-2022"
# Nghị quyết 09-NQ/TU (5/8/2022): "luôn giữ vị trí thuộc nhóm 25 - 30 tỉnh, thành phố có chỉ
# số cao về chuyển đổi số" — the rank the province aims to stay within.
GOAL_RANK = (25, 30)
GOAL_SOURCE = "Nghị quyết số 09-NQ/TU ngày 05/8/2022 của Tỉnh ủy Nghệ An"
FINAL = "final"


def in_province(province: Unit, prefix: str = "unit") -> Q:
    """The province, its departments and communes, and its historic districts' communes."""
    return (
        Q(**{prefix: province})
        | Q(**{f"{prefix}__parent": province})
        | Q(**{f"{prefix}__parent__parent": province})
    )


@dataclass(frozen=True)
class Cohort:
    version: FrameworkVersion
    period: Period
    size: int

    @property
    def key(self) -> str:
        return f"{self.version.framework.code}:{self.period.code}"


def cohorts(province: Unit | None = None) -> list[Cohort]:
    """Scored cohorts (framework version × period), newest first; of one province if given."""
    found = ScoreSnapshot.objects.filter(stage=FINAL)
    if province is not None:  # the national ranking is public data every province reads
        found = found.filter(in_province(province) | Q(version__framework__code=DTI_FRAMEWORK))
    rows = found.values("version_id", "period_id").annotate(n=Count("id")).order_by()
    counts = {(r["version_id"], r["period_id"]): r["n"] for r in rows}
    versions = FrameworkVersion.objects.select_related("framework").in_bulk({v for v, _ in counts})
    periods = Period.objects.in_bulk({p for _v, p in counts})
    out = [Cohort(versions[v], periods[p], n) for (v, p), n in counts.items()]
    return sorted(out, key=lambda c: (c.period.start, c.version.framework.code), reverse=True)


def latest_by_framework(available: list[Cohort]) -> dict[str, list[Cohort]]:
    """{framework code: its cohorts, newest first}."""
    out: dict[str, list[Cohort]] = defaultdict(list)
    for cohort in available:
        out[cohort.version.framework.code].append(cohort)
    return dict(out)


# --- the province in the national DTI ----------------------------------------------------


@dataclass(frozen=True)
class DtiPoint:
    year: int
    rank: int | None
    of: int | None
    index: float | None

    @property
    def in_goal(self) -> bool:
        return self.rank is not None and self.rank <= GOAL_RANK[1]


def dti_history(province: Unit) -> list[DtiPoint]:
    """The province's published national DTI ranks, oldest first."""
    rows = PublishedResult.objects.filter(unit=province).order_by("year")
    return [DtiPoint(r.year, r.rank, r.of, r.index) for r in rows]


# --- headline results of the province's own frameworks -----------------------------------


@dataclass(frozen=True)
class MainRow:
    code: str
    name: str
    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        return None if self.now is None or self.before is None else self.now - self.before


@dataclass
class Headline:
    """A framework's province-wide mean this period and last (units of both periods)."""

    cohort: Cohort
    previous: Cohort | None
    index: float
    index_before: float | None
    total: float
    band: str | None
    mains: list[MainRow] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return None if self.index_before is None else self.index - self.index_before


def headlines(province: Unit, available: list[Cohort]) -> list[Headline]:
    out = []
    for items in latest_by_framework(available).values():
        if items[0].version.framework.code == DTI_FRAMEWORK:
            continue  # the national index is shown from the published results
        out.append(headline(province, items[0], items[1] if len(items) > 1 else None))
    return out


def headline(province: Unit, cohort: Cohort, previous: Cohort | None) -> Headline:
    mains = main_indicators(cohort.version)
    now = _means(province, cohort, mains)
    before = _means(province, previous, mains) if previous else {}
    rows = [MainRow(m.code, m.name, now.get(m.code), before.get(m.code)) for m in mains]
    index = now.get("index", 0.0)
    return Headline(
        cohort,
        previous,
        index,
        before.get("index"),
        now.get("total", 0.0),
        queries.band_for(cohort.version, index),
        rows,
    )


def main_indicators(version: FrameworkVersion) -> list[Indicator]:
    found = version.indicators.filter(level__in=queries.MAIN_LEVELS).order_by("position")
    return list(found)


def _means(province: Unit, cohort: Cohort, mains: list[Indicator]) -> dict[str, float]:
    snaps = ScoreSnapshot.objects.filter(
        in_province(province), version=cohort.version, period=cohort.period, stage=FINAL
    ).values_list("index", "total", "points")
    rows = list(snaps)
    if not rows:
        return {}
    out = {"index": statistics.fmean(r[0] for r in rows)}
    out["total"] = statistics.fmean(r[1] for r in rows)
    for m in mains:
        if m.max_points:
            out[m.code] = statistics.fmean(r[2].get(m.code, 0.0) / m.max_points for r in rows)
    return out


# --- rankings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    row: queries.RankingRow
    previous: int | None  # the rank one period earlier, in the same group
    measure: float  # what the chosen filter sorts by (index, a pillar, a main indicator)

    @property
    def move(self) -> int | None:
        """Places gained (+) or lost (−) since the last period; None for new units."""
        if self.previous is None or self.row.rank is None:
            return None
        return self.previous - self.row.rank


@dataclass(frozen=True)
class Filters:
    group: str = ""
    view: str = ""
    main: str = ""

    def measure_label(self, version: FrameworkVersion, mains: list[Indicator]) -> str:
        views = {v["code"]: v["name"] for v in version.views}
        names = {m.code: f"{m.code}. {m.name}" for m in mains}
        return views.get(self.view) or names.get(self.main) or str(_("Chỉ số tổng hợp"))


def ranking(
    cohort: Cohort, filters: Filters, previous: Cohort | None, province: Unit | None = None
) -> list[RankRow]:
    """The cohort's rows ranked in the chosen group, sorted by the chosen measure. With a
    `province`, only its units (their ranks stay those of the whole cohort): a cohort shared
    by many provinces — one national deployment — lists thousands of units, and a province's
    leaders read their own. The national DTI cohort (provinces) is always listed whole."""
    group = filters.group or None
    within = _scope(cohort, province)
    rows = queries.ranking(cohort.version, cohort.period, FINAL, group, within)
    before = _previous_ranks(previous, group, within) if previous else {}
    out = [RankRow(r, before.get(r.unit_code), _measure(r, filters)) for r in rows]
    return sorted(out, key=lambda r: (-r.measure, r.row.rank or 10**9, r.row.unit_code))


def _measure(row: queries.RankingRow, filters: Filters) -> float:
    if filters.view:
        return float(row.views.get(filters.view, 0.0))
    part = next((p for p in row.mains if p.code == filters.main), None)
    if part is not None:
        return part.value or 0.0
    return row.index


def _scope(cohort: Cohort, province: Unit | None) -> Q | None:
    if province is None or cohort.version.framework.code == DTI_FRAMEWORK:
        return None
    return in_province(province)


def _previous_ranks(
    previous: Cohort, group: str | None, within: Q | None = None
) -> dict[str, int | None]:
    snaps = ScoreSnapshot.objects.filter(
        version__framework=previous.version.framework_id, period=previous.period, stage=FINAL
    )
    if within is not None:
        snaps = snaps.filter(within)
    rows = snaps.values_list("unit__code", "rank", "ranks")
    return {code: (ranks.get(group) if group else rank) for code, rank, ranks in rows}


def groups_of(cohort: Cohort) -> list[PeerGroup]:
    """The peer groups the cohort is ranked in (from the stored ranks, one small query)."""
    snap = ScoreSnapshot.objects.filter(version=cohort.version, period=cohort.period, stage=FINAL)
    codes: set[str] = set()
    for ranks in snap.values_list("ranks", flat=True):
        codes.update(k for k in ranks if k != "all")
    return list(PeerGroup.objects.filter(code__in=codes).order_by("order", "code"))


# --- points still to win -----------------------------------------------------------------


@dataclass
class IndicatorGap:
    code: str
    name: str
    max_points: float
    lost: float  # summed over the cohort's units
    units: int  # units that lost points on it
    verifier: str
    worst: list[str] = field(default_factory=list)  # the units losing most


@dataclass
class UnitGap:
    unit_code: str
    unit_name: str
    lost: float
    top_code: str
    top_name: str
    top_lost: float
    owner: str = ""  # who the unit's sheet names for that indicator


def gaps(
    cohort: Cohort, province: Unit, limit: int = 10
) -> tuple[list[IndicatorGap], list[UnitGap]]:
    """The largest losses by indicator (summed over units) and by unit, largest first."""
    leaves = list(cohort.version.indicators.filter(is_leaf=True, max_points__gt=0))
    snaps = ScoreSnapshot.objects.filter(
        in_province(province), version=cohort.version, period=cohort.period, stage=FINAL
    ).values_list("assessment_id", "unit__code", "unit__name", "unit__kind", "points")
    by_leaf: dict[str, IndicatorGap] = {}
    by_unit: list[tuple[UnitGap, int]] = []
    for assessment_id, code, name, kind, points in snaps:
        losses = _losses(leaves, kind, points)
        for leaf, lost in losses:
            gap = by_leaf.setdefault(
                leaf.code,
                IndicatorGap(leaf.code, leaf.name, leaf.max_points, 0.0, 0, leaf.verifier),
            )
            gap.lost, gap.units = gap.lost + lost, gap.units + 1
        if losses:
            leaf, lost = max(losses, key=lambda x: x[1])
            total = sum(x[1] for x in losses)
            by_unit.append((UnitGap(code, name, total, leaf.code, leaf.name, lost), assessment_id))
    top_leaves = sorted(by_leaf.values(), key=lambda g: -g.lost)[:limit]
    top_units = sorted(by_unit, key=lambda u: -u[0].lost)[:limit]
    _name_verifiers(top_leaves)
    _name_owners(top_units)
    return top_leaves, [u for u, _a in top_units]


def _losses(
    leaves: list[Indicator], kind: str, points: dict[str, float]
) -> list[tuple[Indicator, float]]:
    out = []
    for leaf in leaves:
        if leaf.applies_to and kind not in leaf.applies_to:
            continue
        lost = leaf.max_points - float(points.get(leaf.code, 0.0))
        if lost > 1e-9:
            out.append((leaf, lost))
    return out


def _name_verifiers(rows: list[IndicatorGap]) -> None:
    names = dict(
        Unit.objects.filter(code__in={r.verifier for r in rows if r.verifier}).values_list(
            "code", "name"
        )
    )
    for row in rows:
        row.verifier = names.get(row.verifier, row.verifier)


def _name_owners(rows: list[tuple[UnitGap, int]]) -> None:
    wanted = {(a, g.top_code) for g, a in rows}
    found = Entry.objects.filter(
        assessment_id__in=[a for _g, a in rows], indicator__code__in=[c for _a, c in wanted]
    ).values_list("assessment_id", "indicator__code", "owner")
    owners = {(a, c): o for a, c, o in found if (a, c) in wanted}
    for gap, assessment_id in rows:
        gap.owner = owners.get((assessment_id, gap.top_code), "")


# --- submission progress -----------------------------------------------------------------

NOT_SUBMITTED = (S.DRAFT,)
WAITING_SIGNATURE = (S.SUBMITTED,)
RETURNED = (S.RETURNED,)
DONE = (S.SIGNED, S.VERIFIED, S.REVIEWED, S.APPROVED, S.LOCKED)


@dataclass
class Progress:
    period: Period
    counts: dict[str, int]  # status → number of assessments
    pending: list[tuple[str, str, str]]  # (unit code, unit name, status label) not yet signed
    today: dt.date

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, statuses: tuple[str, ...]) -> int:
        return sum(self.counts.get(s, 0) for s in statuses)

    @property
    def not_submitted(self) -> int:
        return self.count(NOT_SUBMITTED)

    @property
    def waiting_signature(self) -> int:
        return self.count(WAITING_SIGNATURE)

    @property
    def returned(self) -> int:
        return self.count(RETURNED)

    @property
    def signed(self) -> int:
        return self.count(DONE)

    @property
    def days_left(self) -> int | None:
        closes = self.period.closes_on
        return None if closes is None else (closes - self.today).days


def open_period(province: Unit) -> Period | None:
    """The latest period in which some of the province's assessments are not yet locked."""
    found = Assessment.objects.filter(in_province(province)).exclude(status=S.LOCKED)
    period_id = found.order_by("-period__start").values_list("period_id", flat=True).first()
    return None if period_id is None else Period.objects.get(pk=period_id)


def progress(province: Unit, period: Period, today: dt.date) -> Progress:
    found = Assessment.objects.filter(in_province(province), period=period)
    counts = dict(found.values_list("status").annotate(n=Count("id")).order_by())
    labels = dict(S.choices)
    late = found.filter(status__in=[*NOT_SUBMITTED, *WAITING_SIGNATURE, *RETURNED])
    pending = [
        (code, name, str(labels[status]))
        for code, name, status in late.order_by("status", "unit__name").values_list(
            "unit__code", "unit__name", "status"
        )
    ]
    return Progress(period, counts, pending, today)


# --- trends ------------------------------------------------------------------------------


@dataclass
class Trend:
    """A framework's province-wide means per period: the index and each main indicator."""

    framework: str
    title: str
    periods: list[str]
    index: list[float]
    mains: dict[str, list[float | None]]  # "code. name" → one value per period


def trends(province: Unit, available: list[Cohort]) -> list[Trend]:
    out = []
    for code, items in latest_by_framework(available).items():
        if code == DTI_FRAMEWORK:
            continue
        ordered = list(reversed(items))
        mains = main_indicators(ordered[-1].version)
        means = [_means(province, c, mains) for c in ordered]
        out.append(
            Trend(
                code,
                ordered[-1].version.framework.title,
                [c.period.code for c in ordered],
                [m.get("index", 0.0) for m in means],
                {f"{i.code}. {i.name}": [m.get(i.code) for m in means] for i in mains},
            )
        )
    return out
