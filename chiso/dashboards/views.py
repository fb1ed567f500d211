"""The leaders' dashboard and the unit scorecard: read-only pages over score snapshots (they
never recompute). Heavy sections are rendered once per snapshot freshness (see freshness.py).

Who sees what: the dashboard is for the province's leaders, admins and auditors; a unit's
scorecard for whoever may read the unit (its own people, the province, verifiers)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chiso.accounts import access
from chiso.collection.models import Assessment
from chiso.dashboards import charts, freshness, leaders, plan_links, scorecard, shell
from chiso.dashboards.freshness import fragment
from chiso.org.models import Unit
from chiso.scoring import queries
from chiso.scoring.models import ScoreSnapshot

PROVINCE_KIND = "province"


def home(request: HttpRequest) -> HttpResponse:
    """Leaders get the dashboard; unit people their unit's scorecard; the public the portal."""
    if not request.user.is_authenticated:
        return redirect("dashboards:portal:index")
    # The whole page is cached under the stamp (scores, publications and plans), the filters
    # and what decides the province (see _who): a warm page costs three queries, the session,
    # the user with their roles (accounts/backends.py) and the stamp.
    freshness.stamp(request, plan_links.stamp_parts())  # this request's stamp, plans included
    key = _key("dashboard", _who(request), sorted(request.GET.items()))

    def context() -> dict[str, Any] | None:
        body = fragment(request, key, lambda: _dashboard_or_blank(request))
        return {"body": body} if body else None

    found = shell.page(request, "dashboards/dashboard.html", key, context)
    return found if found is not None else _elsewhere(request)


def _who(request: HttpRequest) -> tuple[bool, list[int]]:
    """Everything `_province_for` reads about the user: the superuser flag and the units
    holding a province-wide role. Part of each cache key, so a fragment is shared only by
    people who would be shown the same province, and a change of role shows at once."""
    held = access.roles(request.user)
    mine = sorted(u for u, roles in held.items() if roles & access.PROVINCE_WIDE)
    return access.is_superuser(request.user), mine


def _dashboard_or_blank(request: HttpRequest) -> str:
    province = _province_for(request, required=False)
    return _dashboard_body(request, province) if province is not None else ""


def _elsewhere(request: HttpRequest) -> HttpResponse:
    unit = access.visible_units(request.user).exclude(kind=PROVINCE_KIND).first()
    if unit is None:
        return redirect("dashboards:portal:index")
    return redirect("dashboards:scorecard", code=unit.code)


def health(request: HttpRequest) -> HttpResponse:
    """A trivial page for load balancers, and the baseline of bench/web_load."""
    return HttpResponse("ok", content_type="text/plain")


def today() -> dt.date:
    return timezone.localdate()


def _province_for(request: HttpRequest, required: bool = True) -> Unit | None:
    """The province whose dashboard the user may read: `?p=code`, else their own."""
    code = request.GET.get("p")
    mine = [u for u, held in access.roles(request.user).items() if held & access.PROVINCE_WIDE]
    # The usual case, a role held on the province itself, needs one plain query.
    direct = Unit.objects.filter(pk__in=mine, kind=PROVINCE_KIND)
    found = direct.filter(code=code).first() if code else direct.first()
    if found is None and (code or access.is_superuser(request.user) or mine):
        allowed = access.units_with_role(request.user, *access.PROVINCE_WIDE).filter(
            kind=PROVINCE_KIND
        )
        found = allowed.filter(code=code).first() if code else _busiest(allowed)
    if found is None and required:
        raise Http404
    return found


def _busiest(allowed: Any) -> Unit | None:
    """For superusers without a membership: the province of the latest scored unit."""
    snap = (
        ScoreSnapshot.objects.filter(unit__parent__kind=PROVINCE_KIND)
        .exclude(version__framework__code=leaders.DTI_FRAMEWORK)
        .order_by("-period__start", "-id")
        .values_list("unit__parent_id", flat=True)
        .first()
    )
    found: Unit | None = allowed.filter(pk=snap).first() if snap else None
    return found


def _key(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def _filters(request: HttpRequest) -> leaders.Filters:
    get = request.GET
    return leaders.Filters(get.get("group", ""), get.get("view", ""), get.get("main", ""))


def _chosen(available: list[leaders.Cohort], wanted: str | None) -> leaders.Cohort | None:
    own = [c for c in available if c.version.framework.code != leaders.DTI_FRAMEWORK]
    default = own[0] if own else (available[0] if available else None)
    return next((c for c in available if c.key == wanted), default)


def _previous(available: list[leaders.Cohort], cohort: leaders.Cohort) -> leaders.Cohort | None:
    same = leaders.latest_by_framework(available)[cohort.version.framework.code]
    older = [c for c in same if c.period.start < cohort.period.start]
    return older[0] if older else None


def _cohorts(request: HttpRequest, province: Unit) -> list[leaders.Cohort]:
    return fragment(request, _key("cohorts", province.pk), lambda: leaders.cohorts(province))


def _dashboard_body(request: HttpRequest, province: Unit) -> str:
    available = _cohorts(request, province)
    chosen = _chosen(available, request.GET.get("c"))
    context: dict[str, Any] = {
        "province": province,
        "national": fragment(request, _key("national", province.pk), lambda: _national(province)),
        "headline": fragment(
            request, _key("headline", province.pk), lambda: _headline(province, available)
        ),
        "ranking": _ranking_html(request, province, available, chosen),
        "gaps": _gaps_html(request, province, chosen),
        "progress": fragment(request, _key("progress", province.pk), lambda: _progress(province)),
        "trends": fragment(
            request, _key("trends", province.pk), lambda: _trends(province, available)
        ),
        "plans": _plans(province),
    }
    return render_to_string("dashboards/_dashboard_body.html", context)


def _national(province: Unit) -> str:
    points = leaders.dti_history(province)
    chart = charts.dti_chart(points, province.name) if points else None
    context = {
        "province": province,
        "points": points,
        "latest": points[-1] if points else None,
        "goal": leaders.GOAL_RANK,
        "goal_source": leaders.GOAL_SOURCE,
        "chart": chart,
    }
    return render_to_string("dashboards/_national.html", context)


def _headline(province: Unit, available: list[leaders.Cohort]) -> str:
    items = leaders.headlines(province, available)
    rows = [(h, charts.radar_chart(h)) for h in items]
    return render_to_string("dashboards/_headline.html", {"items": rows})


def ranking(request: HttpRequest) -> HttpResponse:
    """The ranking section alone (HTMX swaps it in when a filter changes)."""
    key = _key("ranking-section", _who(request), sorted(request.GET.items()))
    # Bytes: served as they are, with no decoding from the cache or encoding for the wire.
    html = fragment(request, key, lambda: _ranking_section(request).encode())
    if not html:
        raise Http404
    if request.headers.get("HX-Request"):
        return HttpResponse(html)
    return redirect(reverse("dashboards:home") + "?" + request.GET.urlencode())


def _ranking_section(request: HttpRequest) -> str:
    province = _province_for(request, required=False)
    if province is None:
        return ""
    available = _cohorts(request, province)
    chosen = _chosen(available, request.GET.get("c"))
    return _ranking_html(request, province, available, chosen)


def _ranking_html(
    request: HttpRequest,
    province: Unit,
    available: list[leaders.Cohort],
    chosen: leaders.Cohort | None,
) -> str:
    if chosen is None:
        return render_to_string("dashboards/_ranking.html", {"chosen": None})
    filters = _filters(request)
    key = _key("ranking", province.pk, chosen.key, filters)

    def build() -> str:
        return _ranking_build(request, province, available, chosen, filters)

    return fragment(request, key, build)


def _ranking_build(
    request: HttpRequest,
    province: Unit,
    available: list[leaders.Cohort],
    chosen: leaders.Cohort,
    filters: leaders.Filters,
) -> str:
    previous = _previous(available, chosen)
    rows = leaders.ranking(chosen, filters, previous, province)
    mains = leaders.main_indicators(chosen.version)
    measure = filters.measure_label(chosen.version, mains)
    context = {
        "province": province,
        "available": available,
        "chosen": chosen,
        "previous": previous,
        "filters": filters,
        "groups": leaders.groups_of(chosen),
        "mains": mains,
        "rows": rows,
        "chart": charts.ranking_chart(rows, measure),
    }
    return render_to_string("dashboards/_ranking.html", context)


def _gaps_html(request: HttpRequest, province: Unit, chosen: leaders.Cohort | None) -> str:
    if chosen is None:
        return ""
    key = _key("gaps", province.pk, chosen.key)
    by_indicator, by_unit = fragment(request, key, lambda: leaders.gaps(chosen, province))
    tasks = plan_links.tasks_for(chosen.version, [g.code for g in by_indicator])
    linked = [(g, tasks.get(g.code, [])) for g in by_indicator]
    context = {"chosen": chosen, "by_indicator": linked, "by_unit": by_unit}
    return render_to_string("dashboards/_gaps.html", context)


def _progress(province: Unit) -> str:
    period = leaders.open_period(province)
    found = leaders.progress(province, period, today()) if period else None
    return render_to_string("dashboards/_progress.html", {"progress": found})


def _trends(province: Unit, available: list[leaders.Cohort]) -> str:
    items = [charts.trend_chart(t) for t in leaders.trends(province, available)]
    return render_to_string("dashboards/_trends.html", {"charts": items})


def _plans(province: Unit) -> str:
    day = today()
    context = {
        "overdue": plan_links.overdue(province, day)[:10],
        "targets": plan_links.target_progress(province, day),
    }
    return render_to_string("dashboards/_plans.html", context)


# --- the unit scorecard ------------------------------------------------------------------


@login_required
def unit_scorecard(request: HttpRequest, code: str) -> HttpResponse:
    """`/units/<code>/?period=2025&framework=…`: the latest scored period by default."""
    units = access.scoped(Unit.objects.all(), request.user, "pk")
    unit = units.filter(code=code).first()
    if unit is None:
        raise Http404
    assessment = _assessment(unit, request.GET.get("period"), request.GET.get("framework"))
    card = scorecard.build(assessment)
    history = queries.history(unit, assessment.version.framework.code)
    others = Assessment.objects.filter(unit=unit).select_related("period", "version__framework")
    context = {
        "unit": unit,
        "card": card,
        "history": history,
        "others": others.order_by("-period__start"),
        "charts": _card_charts(card, history),
    }
    return render(request, "dashboards/scorecard.html", context)


def _assessment(unit: Unit, period: str | None, framework: str | None) -> Assessment:
    found = Assessment.objects.filter(unit=unit, snapshots__stage="final").distinct()
    if period:
        found = found.filter(period__code=period)
    if framework:
        found = found.filter(version__framework__code=framework)
    found = found.select_related("unit", "period", "version__framework")
    item = found.order_by("-period__start", "-version__number").first()
    if item is None:
        raise Http404
    return item


def _card_charts(card: scorecard.Card, history: list[queries.HistoryPoint]) -> list[charts.Chart]:
    out = [charts.card_radar(card)]
    if history:
        out.append(charts.history_chart(history, card.mains()))
    return out
