"""What the dashboard and the report read from the plans app: tasks linked to the indicators
where points are lost, overdue work by unit, and the documents' target progress ("8/11").

Kept in one module so the pages depend on the plans app through a handful of reads only;
the callers pass the province (leaders read the whole province's plans)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit
from chiso.plans import queries as plan_queries
from chiso.plans.models import Document, Measurement, Objective, Occurrence, Target, Task


@dataclass(frozen=True)
class TaskLink:
    pk: int
    text: str
    document: str
    deadline: dt.date | None


def tasks_for(version: FrameworkVersion, codes: list[str]) -> dict[str, list[TaskLink]]:
    """{indicator code: tasks linked to it} for the indicators of one version (one query)."""
    through = Task.indicators.through.objects.filter(
        indicator__version=version, indicator__code__in=codes
    ).select_related("task__document", "indicator")
    out: dict[str, list[TaskLink]] = defaultdict(list)
    for row in through:
        task = row.task
        out[row.indicator.code].append(
            TaskLink(task.pk, task.text, task.document.number, task.deadline)
        )
    return dict(out)


def overdue(province: Unit, today: dt.date) -> list[plan_queries.UnitOverdue]:
    """Units of the province with overdue task occurrences, most first."""
    found = Occurrence.objects.filter(task__document__province=province)
    return plan_queries.overdue_by_unit(found, today)


@dataclass(frozen=True)
class DocumentTargets:
    number: str
    title: str
    met: int
    total: int
    by_pillar: dict[str, tuple[int, int]]


def target_progress(province: Unit, today: dt.date) -> list[DocumentTargets]:
    """Each plan document's objectives met / total (all horizons), e.g. "8/11"."""
    out = []
    for document in Document.objects.filter(province=province).order_by("issued_on"):
        pillars: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for horizon in plan_queries.horizons(document, today):
            for row in horizon.pillars:
                pillars[row.label][0] += row.met
                pillars[row.label][1] += row.total
        if pillars:
            met = sum(v[0] for v in pillars.values())
            total = sum(v[1] for v in pillars.values())
            shown = {k: (v[0], v[1]) for k, v in pillars.items()}
            out.append(DocumentTargets(document.number, document.title, met, total, shown))
    return out


def stamp_parts() -> list[str]:
    """Scalar subqueries that change when tasks, their links to indicators, their progress,
    objectives, targets or measurements change (added, edited or deleted); read with the score
    stamp in one round trip (freshness.stamp). Reported values behind targets move with the
    score stamp."""
    tables = [m._meta.db_table for m in (Occurrence, Measurement, Target, Task.indicators.through)]
    parts = [f"(SELECT COUNT(*) FROM {t})" for t in tables]
    parts += [f"(SELECT MAX(id) FROM {t})" for t in tables]
    # Table names come from the models, not from input.
    edited = [m._meta.db_table for m in (Occurrence, Objective, Target)]
    return [*parts, *(f"(SELECT MAX(updated_at) FROM {t})" for t in edited)]
