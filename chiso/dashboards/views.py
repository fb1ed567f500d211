"""Read-only pages over score snapshots (they never recompute)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chiso.collection.models import Period
from chiso.frameworks.models import FrameworkVersion
from chiso.scoring import queries
from chiso.scoring.models import PublishedResult, ScoreSnapshot

DEFAULT_COHORT = ("nghean-commune-example", "2025")


@dataclass(frozen=True)
class Cohort:
    version: FrameworkVersion
    period: Period
    size: int

    @property
    def key(self) -> str:
        return f"{self.version.framework.code}:{self.period.code}"


def cohorts() -> list[Cohort]:
    rows = (
        ScoreSnapshot.objects.filter(stage="final")
        .values("version_id", "period_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(r["version_id"], r["period_id"]): r["n"] for r in rows}
    versions = FrameworkVersion.objects.in_bulk({v for v, _p in counts})
    periods = Period.objects.in_bulk({p for _v, p in counts})
    for v in versions.values():
        v.framework  # noqa: B018 - loaded once here so templates never query
    found = [Cohort(versions[v], periods[p], n) for (v, p), n in counts.items()]
    return sorted(found, key=lambda c: (c.version.framework.code, c.period.start), reverse=True)


def home(request: HttpRequest) -> HttpResponse:
    """The ranking table of one cohort (framework × period), chosen by `?c=code:period`."""
    available = cohorts()
    wanted = request.GET.get("c", ":".join(DEFAULT_COHORT))
    chosen = next((c for c in available if c.key == wanted), available[0] if available else None)
    rows = queries.ranking(chosen.version, chosen.period) if chosen else []
    published = PublishedResult.objects.filter(year=2022).select_related("unit").order_by("rank")
    return render(
        request,
        "dashboards/home.html",
        {
            "groups": _by_framework(available),
            "chosen": chosen,
            "rows": rows,
            "published": published,
            "mains": rows[0].mains if rows else [],
        },
    )


def _by_framework(available: list[Cohort]) -> list[tuple[str, list[Cohort]]]:
    groups: dict[str, list[Cohort]] = {}
    for cohort in available:
        groups.setdefault(cohort.version.framework.title, []).append(cohort)
    return list(groups.items())
