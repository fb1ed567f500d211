"""The public portal (no login): only cohorts an admin has published (see models.Publication).

This module is the one place that decides what the public may see; the open data exports
(chiso.exports.opendata) read `public_rows` from here. The public sees final results only:
no self or appraisal scores, no reviewer comments or unit notes, no names of people, and
evidence only when marked public. Pages are the same for everyone, logged in or not.

Stable URLs: /portal/, /portal/<framework>/<period>/, /portal/<framework>/<period>/<unit>/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from chiso.collection.models import Assessment, Evidence
from chiso.dashboards import charts, leaders, scorecard, shell
from chiso.dashboards.freshness import fragment
from chiso.dashboards.models import Publication
from chiso.org.models import PeerGroup
from chiso.scoring import queries
from chiso.scoring.models import PublishedResult, ScoreSnapshot

FINAL = "final"


def publications() -> list[Publication]:
    found = Publication.objects.select_related("version__framework", "period")
    return list(found.order_by("-period__start", "version__framework__code"))


def published_or_404(framework: str, period: str) -> Publication:
    found = (
        Publication.objects.filter(version__framework__code=framework, period__code=period)
        .select_related("version__framework", "period")
        .first()
    )
    if found is None:
        raise Http404
    return found


def public_rows(publication: Publication) -> list[dict[str, Any]]:
    """The open-data rows of a published cohort: one per unit, final results only."""
    version, period = publication.version, publication.period
    rows = queries.ranking(version, period, FINAL)
    groups = _group_ranks(publication)
    return [
        {
            "framework": version.framework.code,
            "framework_version": version.number,
            "period": period.code,
            **row.to_dict(),
            "group_ranks": groups.get(row.unit_code, {}),
        }
        for row in rows
    ]


def _group_ranks(publication: Publication) -> dict[str, dict[str, int]]:
    found = ScoreSnapshot.objects.filter(
        version=publication.version, period=publication.period, stage=FINAL
    ).values_list("unit__code", "ranks")
    return {code: {k: v for k, v in ranks.items() if k != "all"} for code, ranks in found}


# --- views -------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal:index", lambda: (_("Công khai kết quả"), _index_page()))


def _page(request: HttpRequest, key: str, build: Callable[[], tuple[str, str]]) -> HttpResponse:
    """The whole page from the cache (see shell.py); 404 when `build` finds nothing public."""

    def context() -> dict[str, Any] | None:
        title, html = fragment(request, key, build)
        return {"body": html, "title": title} if html else None

    found = shell.page(request, "portal/page.html", key, context)
    if found is None:
        raise Http404
    return found


def _key(*parts: str) -> str:
    """A cache key from URL parts (hashed: they come from the visitor)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def _with_crumbs(html: str) -> str:
    """The page body with its breadcrumbs, rendered (and cached) together."""
    return render_to_string("portal/_crumbs.html") + html


def _index_page() -> str:
    return _with_crumbs(_index_html())


def _index_html() -> str:
    items = publications()
    latest = next((p for p in items if p.version.framework.code != leaders.DTI_FRAMEWORK), None)
    context: dict[str, Any] = {
        "publications": items,
        "national": PublishedResult.objects.select_related("unit").order_by("-year", "rank"),
        "goal": leaders.GOAL_RANK,
    }
    if latest is not None:
        context["latest"] = latest
        context["rows"] = queries.ranking(latest.version, latest.period, FINAL)
    return render_to_string("portal/_index.html", context)


def ranking(request: HttpRequest, framework: str, period: str) -> HttpResponse:
    """Whether the cohort is published is decided inside the cached build: publications are
    part of the freshness stamp, so a withdrawal answers 404 on the next request."""
    group = request.GET.get("group", "")
    key = _key("portal:ranking", framework, period, group)
    return _page(request, key, lambda: _ranking_page(framework, period, group))


def _ranking_page(framework: str, period: str, group: str) -> tuple[str, str]:
    try:
        publication = published_or_404(framework, period)
    except Http404:
        return "", ""
    title = f"{publication.version.framework.title} — {publication.period.label}"
    return title, _with_crumbs(_ranking_html(publication, group))


def _ranking_html(publication: Publication, group: str) -> str:
    version, period = publication.version, publication.period
    rows = queries.ranking(version, period, FINAL, group or None)
    wrapped = [leaders.RankRow(r, None, r.index) for r in rows]
    cohort = leaders.Cohort(version, period, len(rows))
    context = {
        "publication": publication,
        "rows": rows,
        "group": group,
        "groups": leaders.groups_of(cohort),
        "mains": rows[0].mains if rows else [],
        "chart": charts.ranking_chart(wrapped, "Chỉ số tổng hợp"),
    }
    return render_to_string("portal/_ranking.html", context)


def unit(request: HttpRequest, framework: str, period: str, code: str) -> HttpResponse:
    key = _key("portal:unit", framework, period, code)
    return _page(request, key, lambda: (code, _unit_page(framework, period, code)))


def _unit_page(framework: str, period: str, code: str) -> str:
    try:
        publication = published_or_404(framework, period)
    except Http404:
        return ""
    html = _unit_html(publication, code)
    return _with_crumbs(html) if html else ""


def _unit_html(publication: Publication, code: str) -> str:
    assessment = (
        Assessment.objects.filter(
            version=publication.version, period=publication.period, unit__code=code
        )
        .select_related("unit", "period", "version__framework")
        .first()
    )
    if assessment is None:
        return ""
    card = scorecard.build(assessment, public=True)
    context = {"publication": publication, "card": card, "chart": charts.card_radar(card)}
    return render_to_string("portal/_unit.html", context)


def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """A public evidence file of a published cohort; anything else answers 404."""
    published = Publication.objects.values_list("version_id", "period_id")
    item = Evidence.objects.filter(pk=pk, is_public=True).exclude(file="").first()
    if item is None or not _backs_published(item, set(published)):
        raise Http404
    name = item.original_name or (item.file.name or "evidence").rsplit("/", 1)[-1]
    # The type found from the bytes at upload, never one guessed from the uploader's name.
    content_type = item.content_type or "application/octet-stream"
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


def _backs_published(item: Evidence, published: set[tuple[int, int]]) -> bool:
    cohorts = item.entries.values_list("assessment__version_id", "assessment__period_id")
    return any(pair in published for pair in cohorts)


def groups_for(publication: Publication) -> list[PeerGroup]:
    cohort = leaders.Cohort(publication.version, publication.period, 0)
    return leaders.groups_of(cohort)
