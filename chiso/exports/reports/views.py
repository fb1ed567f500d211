"""Downloads: the periodic report (leaders, admins, auditors of the province), ranking and
scorecard workbooks (whoever may read the units), and the open data (everyone, published
cohorts only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chiso.accounts import access
from chiso.collection.models import Assessment, Period
from chiso.dashboards import leaders, scorecard
from chiso.dashboards.portal import publications, published_or_404
from chiso.exports import opendata, tasks
from chiso.exports.reports import periodic, xlsx_report
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit
from chiso.scoring.queries import versions_scored_in

PROVINCE = "province"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _provinces(request: HttpRequest) -> list[Unit]:
    found = access.units_with_role(request.user, *access.PROVINCE_WIDE).filter(kind=PROVINCE)
    mine = [u for u, held in access.roles(request.user).items() if held & access.PROVINCE_WIDE]
    return list(found.filter(pk__in=mine)) or list(found[:1])


def _province_or_404(request: HttpRequest) -> Unit:
    found = _provinces(request)
    code = request.GET.get("p")
    chosen = next((u for u in found if u.code == code), None) if code else None
    chosen = chosen or (found[0] if found else None)
    if chosen is None:
        raise Http404
    return chosen


@login_required
def index(request: HttpRequest) -> HttpResponse:
    province = _province_or_404(request)
    available = leaders.cohorts(province)
    periods = sorted({c.period for c in available}, key=lambda p: p.start, reverse=True)
    context = {"province": province, "periods": periods, "cohorts": available}
    return render(request, "dashboards/reports_index.html", context)


@login_required
@require_POST
def periodic_report(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    """Queue the report (charts and layout take seconds) and show its progress page."""
    province = _province_or_404(request)
    found = Period.objects.filter(code=period).first()
    if found is None or fmt not in periodic.FORMATS:
        raise Http404
    number = request.POST.get("so", "")[:40]
    job = tasks.request_report(
        request.user,  # type: ignore[arg-type]
        province,
        found,
        fmt,
        timezone.localdate(),
        number,
    )
    return redirect("reports:job", pk=job.pk)


def _version(framework: str, period: Period) -> FrameworkVersion:
    try:
        return versions_scored_in(framework, period)
    except LookupError as exc:
        raise Http404 from exc


@login_required
def ranking_xlsx(request: HttpRequest, framework: str, period: str) -> HttpResponse:
    province = _province_or_404(request)
    found = Period.objects.filter(code=period).first()
    if found is None:
        raise Http404
    version = _version(framework, found)
    cohort = leaders.Cohort(version, found, 0)
    group = request.GET.get("group", "")
    previous = _previous(province, cohort)
    rows = leaders.ranking(cohort, leaders.Filters(group=group), previous, province)
    content = xlsx_report.ranking(cohort, rows, group)
    name = f"xep-hang-{framework}-{period}.xlsx"
    return _download(content, opendata.FORMATS["xlsx"][1], name)


def _previous(province: Unit, cohort: leaders.Cohort) -> leaders.Cohort | None:
    same = leaders.latest_by_framework(leaders.cohorts(province)).get(
        cohort.version.framework.code, []
    )
    older = [c for c in same if c.period.start < cohort.period.start]
    return older[0] if older else None


@login_required
def scorecard_xlsx(request: HttpRequest, framework: str, period: str, code: str) -> HttpResponse:
    found = access.get_visible_or_404(
        Assessment.objects.select_related("unit", "period", "version__framework"),
        request.user,
        unit__code=code,
        period__code=period,
        version__framework__code=framework,
    )
    content = xlsx_report.scorecard(scorecard.build(found))
    return _download(content, opendata.FORMATS["xlsx"][1], f"bang-diem-{code}-{period}.xlsx")


def opendata_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/opendata.html", {"publications": publications()})


def opendata_file(request: HttpRequest, framework: str, period: str, fmt: str) -> HttpResponse:
    publication = published_or_404(framework, period)
    if fmt not in opendata.FORMATS:
        raise Http404
    build, content_type = opendata.FORMATS[fmt]
    response = HttpResponse(build(publication), content_type=content_type)
    if fmt != "json":
        name = f"chiso-{framework}-{period}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
