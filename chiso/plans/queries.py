"""Reads of the plans app: target status, document summaries, task states and lists.

Views and the API call these with querysets already narrowed by chiso.plans.access.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import fmean

from django.db.models import Prefetch, Q, QuerySet

from chiso.collection.models import Entry
from chiso.lib.text import fold
from chiso.org.choices import UnitKind
from chiso.org.models import Lineage, Unit
from chiso.org.services import MAX_CHAIN
from chiso.plans.choices import Aggregate, OccurrenceStatus, Pillar, Scope, TargetStatus, TaskState
from chiso.plans.models import RATIO_INPUT, Document, Measurement, Objective, Occurrence, Target
from chiso.plans.progress import Evaluation, Point, evaluate

DUE_SOON_DAYS = 14
ESCALATE_AFTER_DAYS = 30  # overdue this long goes on the leaders' escalation list
CLOSED = (OccurrenceStatus.DONE, OccurrenceStatus.CANCELLED)
SCOPE_KINDS: dict[str, list[str]] = {
    Scope.PROVINCE: [UnitKind.PROVINCE, UnitKind.DEPARTMENT],
    Scope.DISTRICT: [UnitKind.DISTRICT],
    Scope.COMMUNE: [UnitKind.COMMUNE],
    Scope.VILLAGE: [UnitKind.VILLAGE],
}
# Worst first: an objective is as far as its furthest target.
SEVERITY = [
    TargetStatus.MISSED,
    TargetStatus.OFF_TRACK,
    TargetStatus.NO_DATA,
    TargetStatus.ON_TRACK,
    TargetStatus.MET,
]


# --- targets -----------------------------------------------------------------------------


def series(target: Target) -> list[Point]:
    """The target's measured values: from its indicator's reported data, else manual."""
    if target.indicator_id is not None:
        return indicator_series(target)
    return [Point(m.measured_on, m.value) for m in target.measurements.all()]


def evaluate_target(target: Target, today: dt.date) -> Evaluation:
    base = None
    if target.baseline_value is not None and target.baseline_on is not None:
        base = Point(target.baseline_on, target.baseline_value)
    return evaluate(
        target.comparator, target.value, target.deadline, series(target), today, base=base
    )


def indicator_series(target: Target) -> list[Point]:
    """One point per reporting period: the scope's units' values, averaged or summed.

    Values are the indicator's input (`indicator_input`, "value" by default) at the latest
    stage a reviewer set: final, else appraisal, else the unit's own.
    """
    indicator = target.indicator
    assert indicator is not None
    entries = Entry.objects.filter(
        indicator__version__framework_id=indicator.version.framework_id,
        indicator__code=indicator.code,
    )
    if target.measured_unit_id is not None:
        entries = entries.filter(assessment__unit_id=target.measured_unit_id)
    else:
        entries = entries.filter(assessment__unit__in=scope_units(target))
    by_day: dict[dt.date, list[float]] = {}
    rows = entries.values_list(
        "assessment__period__end", "final_inputs", "appraisal_inputs", "self_inputs"
    )
    for day, *stages in rows:
        value = _input(stages, target.indicator_input or "value")
        if value is not None:
            by_day.setdefault(day, []).append(value)
    combine = sum if target.aggregate == Aggregate.SUM else fmean
    return [Point(day, float(combine(values))) for day, values in sorted(by_day.items())]


def scope_units(target: Target) -> QuerySet[Unit]:
    province = target.objective.document.province
    inside = Unit.objects.filter(
        Q(pk=province.pk) | Q(parent=province) | Q(parent__parent=province)
    )
    kinds = SCOPE_KINDS.get(target.scope)
    return inside.filter(kind__in=kinds) if kinds else inside


def _input(stages: list[object], name: str) -> float | None:
    """The value at the latest stage that has it (a reviewer may set only some leaves)."""
    for inputs in stages:
        if isinstance(inputs, dict):
            value = _percent(inputs) if name == RATIO_INPUT else _number(inputs.get(name))
            if value is not None:
                return value
    return None


def _number(value: object) -> float | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number else None  # type: ignore[arg-type]


def _percent(inputs: dict[str, object]) -> float | None:
    if (percent := _number(inputs.get("percent"))) is not None:
        return percent
    numerator, denominator = _number(inputs.get("numerator")), _number(inputs.get("denominator"))
    if numerator is None or not denominator:
        return None  # a zero denominator has no ratio, rather than 0 %
    return 100 * numerator / denominator


# --- documents ---------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    evaluation: Evaluation


@dataclass
class ObjectiveRow:
    objective: Objective
    targets: list[TargetRow]

    @property
    def status(self) -> TargetStatus:
        statuses = {t.evaluation.status for t in self.targets}
        return next((s for s in SEVERITY if s in statuses), TargetStatus.NO_DATA)

    @property
    def met(self) -> bool:
        return bool(self.targets) and self.status == TargetStatus.MET


@dataclass
class PillarRow:
    pillar: Pillar
    objectives: list[ObjectiveRow] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for o in self.objectives if o.met)

    @property
    def total(self) -> int:
        return len(self.objectives)

    @property
    def label(self) -> str:
        return str(self.pillar.label)


@dataclass
class Horizon:
    year: int
    pillars: list[PillarRow]


def document_objectives(document: Document) -> QuerySet[Objective]:
    measurements = Measurement.objects.order_by("measured_on", "id")
    targets = Target.objects.select_related("indicator", "objective__document__province")
    return document.objectives.prefetch_related(
        Prefetch(
            "targets",
            queryset=targets.prefetch_related(Prefetch("measurements", queryset=measurements)),
        )
    )


def horizons(document: Document, today: dt.date) -> list[Horizon]:
    """Objectives grouped by their deadline year, then by pillar, with met / total."""
    grouped: dict[int, dict[str, PillarRow]] = {}
    for objective in document_objectives(document):
        rows = [TargetRow(t, evaluate_target(t, today)) for t in objective.targets.all()]
        if not rows:
            continue
        year = max(r.target.deadline for r in rows).year
        pillars = grouped.setdefault(year, {})
        row = pillars.setdefault(objective.pillar, PillarRow(Pillar(objective.pillar)))
        row.objectives.append(ObjectiveRow(objective, rows))
    order = list(Pillar)
    return [
        Horizon(year, sorted(p.values(), key=lambda r: order.index(r.pillar)))
        for year, p in sorted(grouped.items())
    ]


def met_by_pillar(document: Document, today: dt.date, year: int) -> dict[str, tuple[int, int]]:
    """{pillar: (met, total)} for the objectives due in `year`."""
    found = next((h for h in horizons(document, today) if h.year == year), None)
    return {p.pillar: (p.met, p.total) for p in found.pillars} if found else {}


# --- tasks -------------------------------------------------------------------------------


def state_of(occurrence: Occurrence, today: dt.date, soon: int = DUE_SOON_DAYS) -> TaskState:
    if occurrence.status == OccurrenceStatus.DONE:
        return TaskState.DONE
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return TaskState.CANCELLED
    if occurrence.due is not None and occurrence.due < today:
        return TaskState.OVERDUE
    if occurrence.status == OccurrenceStatus.RETURNED:
        return TaskState.RETURNED
    if occurrence.due is not None and occurrence.due <= today + dt.timedelta(days=soon):
        return TaskState.DUE_SOON
    return TaskState.OPEN


def open_q() -> Q:
    return ~Q(status__in=CLOSED)


def overdue_q(today: dt.date) -> Q:
    return open_q() & Q(due__lt=today)


def due_soon_q(today: dt.date, days: int = DUE_SOON_DAYS) -> Q:
    return open_q() & Q(due__gte=today, due__lte=today + dt.timedelta(days=days))


def with_related(qs: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    return qs.select_related("task__document", "unit")


def search(qs: QuerySet[Occurrence], text: str) -> QuerySet[Occurrence]:
    """Diacritic-insensitive: 'so tai chinh' finds 'Sở Tài chính' tasks."""
    key = fold(text)
    if not key:
        return qs
    return qs.filter(
        Q(task__search_key__contains=key)
        | Q(unit__search_key__contains=key)
        | Q(task__document__search_key__contains=key)
    )


def filter_state(qs: QuerySet[Occurrence], state: str, today: dt.date) -> QuerySet[Occurrence]:
    filters = {
        TaskState.OVERDUE: overdue_q(today),
        TaskState.DUE_SOON: due_soon_q(today),
        TaskState.RETURNED: Q(status=OccurrenceStatus.RETURNED) & ~overdue_q(today),
        TaskState.DONE: Q(status=OccurrenceStatus.DONE),
        TaskState.CANCELLED: Q(status=OccurrenceStatus.CANCELLED),
        TaskState.OPEN: open_q() & (Q(due__isnull=True) | Q(due__gt=today)),
    }
    chosen = filters.get(state)  # type: ignore[call-overload]
    return qs.filter(chosen) if chosen is not None else qs


def count_states(qs: QuerySet[Occurrence], today: dt.date) -> dict[TaskState, int]:
    counts: Counter[TaskState] = Counter()
    for status, due in qs.values_list("status", "due"):
        counts[state_of(Occurrence(status=status, due=due), today)] += 1
    return {state: counts[state] for state in TaskState}


@dataclass
class UnitOverdue:
    unit_id: int | None
    name: str
    overdue: int
    escalated: int
    formerly: list[str] = field(default_factory=list)  # ended units whose work this row holds


def overdue_by_unit(qs: QuerySet[Occurrence], today: dt.date) -> list[UnitOverdue]:
    """Units with overdue work, most first; `escalated` counts those past the grace period.

    Work of a unit that has since merged or been renamed counts for the unit(s) it became
    today, naming the old unit in `formerly`: leaders chase whoever exists now.
    """
    counts = _overdue_counts(qs, today)
    units = Unit.objects.in_bulk([pk for pk in counts if pk is not None])
    heirs_of = heirs_on(units.values(), today)
    rows: dict[tuple[int, ...], UnitOverdue] = {}
    for unit_id, (overdue, escalated) in counts.items():
        unit = units.get(unit_id) if unit_id is not None else None
        heirs = (heirs_of.get(unit.pk) or [unit]) if unit is not None else []
        key = tuple(u.pk for u in heirs)
        name = ", ".join(u.name for u in heirs)
        out = rows.setdefault(key, UnitOverdue(key[0] if len(key) == 1 else None, name, 0, 0))
        out.overdue += overdue
        out.escalated += escalated
        if unit is not None and heirs != [unit]:
            out.formerly.append(unit.name)
    return sorted(rows.values(), key=lambda r: (-r.overdue, r.name))


def _overdue_counts(qs: QuerySet[Occurrence], today: dt.date) -> dict[int | None, list[int]]:
    """{unit id: [overdue, overdue past the grace period]} as the tasks were assigned."""
    late = today - dt.timedelta(days=ESCALATE_AFTER_DAYS)
    counts: dict[int | None, list[int]] = {}
    for unit_id, due in qs.filter(overdue_q(today)).values_list("unit_id", "due"):
        pair = counts.setdefault(unit_id, [0, 0])
        pair[0] += 1
        pair[1] += int(due is not None and due < late)
    return counts


def heirs_on(units: Iterable[Unit], day: dt.date) -> dict[int, list[Unit]]:
    """{unit id: the units it is on `day`}: itself while valid, else what
    `chiso.org.services.successors` finds (empty for a unit ended without a recorded
    successor), batched as one query per generation so a list of many old units (every
    district of a province) does not cost a walk per unit.
    """
    found: dict[int, dict[int, Unit]] = {u.pk: {} for u in units}
    frontier: dict[int, list[Unit]] = {u.pk: [u] for u in units}
    for _generation in range(MAX_CHAIN + 1):
        ended = []
        for start, nodes in frontier.items():
            for node in nodes:
                if node.is_valid_on(day):
                    found[start][node.pk] = node
                elif node.valid_to is not None and node.valid_to < day:
                    ended.append((start, node))
        if not ended:
            break
        frontier = _next_generation(ended)
    return {start: sorted(heirs.values(), key=lambda u: u.code) for start, heirs in found.items()}


def _next_generation(ended: list[tuple[int, Unit]]) -> dict[int, list[Unit]]:
    edges = Lineage.objects.filter(predecessor__in=[n for _s, n in ended]).select_related(
        "successor"
    )
    by_predecessor: dict[int, list[Unit]] = {}
    for edge in edges:
        by_predecessor.setdefault(edge.predecessor_id, []).append(edge.successor)
    frontier: dict[int, list[Unit]] = {}
    for start, node in ended:
        frontier.setdefault(start, []).extend(by_predecessor.get(node.pk, []))
    return frontier


def escalations(qs: QuerySet[Occurrence], today: dt.date) -> QuerySet[Occurrence]:
    """Overdue for more than ESCALATE_AFTER_DAYS, or returned and overdue: for the leaders."""
    late = today - dt.timedelta(days=ESCALATE_AFTER_DAYS)
    return qs.filter(
        open_q() & (Q(due__lt=late) | Q(status=OccurrenceStatus.RETURNED, due__lt=today))
    )
