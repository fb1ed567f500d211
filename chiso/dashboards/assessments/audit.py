"""Audit history (per assessment, per indicator, and the auditor's filterable log) and the
permission-checked evidence download."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.collection.evidence import open_evidence
from chiso.collection.models import Assessment, Entry, Evidence
from chiso.dashboards.assessments.common import assessment_or_404, entry_or_404, no_store, require
from chiso.dashboards.forms import AuditFilter

PAGE_SIZE = 100
ASSESSMENT = "collection.assessment"
ENTRY = "collection.entry"
EVIDENCE = "collection.evidence"


@dataclass(frozen=True)
class Line:
    event: AuditEvent
    old: str
    new: str


def _text(value: Any) -> str:
    if value in (None, {}, ""):
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v) or '–'}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _lines(events: Any) -> list[Line]:
    return [Line(e, _text(e.old), _text(e.new)) for e in events]


def _ids(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Primary keys as text, to match AuditEvent.object_id in a subquery (no id lists)."""
    keys: QuerySet[Any] = queryset.annotate(key=Cast("pk", CharField())).values("key")
    return keys


def _about(assessments: QuerySet[Assessment]) -> Q:
    entries = Entry.objects.filter(assessment__in=assessments)
    return Q(object_type=ASSESSMENT, object_id__in=_ids(assessments)) | Q(
        object_type=ENTRY, object_id__in=_ids(entries)
    )


def _events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor").order_by("-at", "-id")


@login_required
def assessment_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything written to the assessment and its indicators, newest first."""
    assessment = assessment_or_404(request, pk)
    events = _events().filter(_about(Assessment.objects.filter(pk=assessment.pk)))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"a": assessment, "lines": _lines(page), "page": page, "entry": None}
    return no_store(render(request, "assessments/history.html", context))


@login_required
def entry_history(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    events = _events().filter(object_type=ENTRY, object_id=str(entry.pk))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"a": assessment, "lines": _lines(page), "page": page, "entry": entry}
    return no_store(render(request, "assessments/history.html", context))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's view (auditors and admins only): filter by unit, user, action, dates."""
    units = access.units_with_role(request.user, Role.AUDITOR, Role.ADMIN)
    require(access.is_superuser(request.user) or units.exists())
    form = AuditFilter(
        request.GET or None, units=units.filter(valid_to__isnull=True).order_by("name")
    )
    events = _filtered(request, form, units)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "lines": _lines(page), "page": page, "query": query.urlencode()}
    return no_store(render(request, "assessments/audit.html", context))


def _filtered(
    request: HttpRequest, form: AuditFilter, units: QuerySet[Any]
) -> QuerySet[AuditEvent]:
    events = _events()
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("unit"):
        units = units.filter(pk=data["unit"].pk)
    if data.get("unit") or not access.is_superuser(request.user):
        evidence = Evidence.objects.filter(unit__in=units)
        events = events.filter(
            _about(Assessment.objects.filter(unit__in=units))
            | Q(object_type=EVIDENCE, object_id__in=_ids(evidence))
        )
    if data.get("user"):
        events = events.filter(actor=data["user"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("since"):
        events = events.filter(at__date__gte=data["since"])
    if data.get("until"):
        events = events.filter(at__date__lte=data["until"])
    return events


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, only through the permission check (404 when not visible), streamed
    from the storage (local disk or private bucket), never by a redirect to a bucket URL."""
    item = open_evidence(request.user, pk)
    if not item.file:
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name or (item.file.name or "").rsplit("/", 1)[-1],
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
