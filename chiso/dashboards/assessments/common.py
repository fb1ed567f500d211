"""Lookups and answers shared by the assessment pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import CollectionError


def assessment_or_404(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the user may read its unit; otherwise 404, like a missing one."""
    queryset = Assessment.objects.select_related("unit", "period", "version__framework")
    return access.get_visible_or_404(queryset, request.user, pk=pk)


def entry_or_404(assessment: Assessment, entry_id: int) -> Entry:
    entry = (
        assessment.entries.select_related("indicator", "assessment__unit", "assessment__period")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def require(allowed: bool) -> None:
    """Visible but not theirs to do: 403 (the object's existence is no secret to them)."""
    if not allowed:
        raise PermissionDenied


def is_admin_of(request: HttpRequest, unit: object) -> bool:
    return access.has_role(request.user, unit, Role.ADMIN)


def admin_anywhere(request: HttpRequest) -> bool:
    return access.is_superuser(request.user) or bool(
        access.units_with_role(request.user, Role.ADMIN).exists()
    )


def report(request: HttpRequest, error: CollectionError) -> None:
    for message in error.messages:
        messages.error(request, message)


def back_to(assessment: Assessment, anchor: str = "") -> HttpResponseRedirect:
    response = redirect("collection:detail", pk=assessment.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
