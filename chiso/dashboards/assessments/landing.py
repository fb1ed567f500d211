""" "What I must do now": the landing page of the assessment cycle, and opening a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import Review
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import (
    CollectionError,
    ensure_period,
    open_assessments,
    schedule_period,
)
from chiso.dashboards.assessments.common import admin_anywhere, report, require
from chiso.dashboards.forms import OpenPeriodForm
from chiso.org.choices import UnitKind
from chiso.org.models import Unit, UnitQuerySet

LIST_LIMIT = 200  # a province has ~170 units per period; older periods are one click away
CLOSED = (S.APPROVED, S.LOCKED)


@dataclass(frozen=True)
class Due:
    assessment: Assessment
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_late(self) -> int:
        return -(self.days_left or 0)


def _with_deadline(assessments: QuerySet[Assessment]) -> list[Due]:
    today = timezone.localdate()
    out = []
    for a in assessments:
        closes: dt.date | None = a.period.closes_on
        out.append(Due(a, (closes - today).days if closes else None))
    return out


def _assessments(units: QuerySet[Any]) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(unit__in=units)
        .select_related("unit", "period", "version__framework")
        .order_by("-period__start", "unit__name")
    )


def _held(request: HttpRequest) -> set[str]:
    held: set[str] = set()
    for roles in access.roles(request.user).values():
        held |= roles
    if access.is_superuser(request.user):
        held.add(Role.ADMIN)
    return held


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Open assessments with deadlines, returned indicators, and what awaits the user's role."""
    user = request.user
    held = _held(request)
    mine = _assessments(access.units_with_role(user, Role.REPORTER, Role.HEAD)).exclude(
        status__in=CLOSED
    )
    context: dict[str, Any] = {
        "held": held,
        "mine": _with_deadline(mine[:LIST_LIMIT]) if held & {Role.REPORTER, Role.HEAD} else [],
        "returned": _returned(user) if Role.REPORTER in held else [],
        "to_sign": _in_state(user, Role.HEAD, [S.SUBMITTED]) if Role.HEAD in held else [],
        "to_verify": _to_verify(user) if Role.VERIFIER in held else [],
        "to_review": _in_state(user, Role.ADMIN, [S.VERIFIED, S.REVIEWED])
        if Role.ADMIN in held
        else [],
        "all_open": _all_open(user) if held & access.PROVINCE_WIDE else [],
        "is_admin": Role.ADMIN in held,
        "is_auditor": bool(held & {Role.ADMIN, Role.AUDITOR}),
    }
    return render(request, "assessments/landing.html", context)


def _returned(user: access.User) -> list[Entry]:
    units = access.units_with_role(user, Role.REPORTER)
    return list(
        Entry.objects.filter(
            assessment__unit__in=units,
            assessment__status=S.RETURNED,
            review=Review.RETURNED,
        )
        .select_related("indicator", "assessment__unit", "assessment__period")
        .order_by("assessment_id", "indicator__position")[:LIST_LIMIT]
    )


def _in_state(user: access.User, role: str, states: list[str]) -> list[Due]:
    found = _assessments(access.units_with_role(user, role)).filter(status__in=states)
    return _with_deadline(found[:LIST_LIMIT])


def _to_verify(user: access.User) -> list[Assessment]:
    """Signed assessments with figures this verifier still has to confirm, and how many."""
    codes = [u.code for u in access.verifier_units(user)]
    pending = Q(
        entries__indicator__verifier__in=codes,
        entries__verified_at__isnull=True,
    )
    found = (
        _assessments(access.visible_units(user))
        .filter(status=S.SIGNED)
        .annotate(pending=Count("entries", filter=pending))
        .filter(pending__gt=0)
    )
    return list(found[:LIST_LIMIT])


def _all_open(user: access.User) -> list[Due]:
    found = _assessments(access.visible_units(user)).exclude(status=S.LOCKED)
    return _with_deadline(found[:LIST_LIMIT])


@login_required
def open_period(request: HttpRequest) -> HttpResponse:
    """Admin only: open a period for a framework version and a set of units of one province.

    A province admin works on their province; a superuser (or the admin of several) picks the
    province first. The list of units to pick from narrows with `q` (diacritic-insensitive:
    "nghi loc" finds "Nghi Lộc"); a kind or a group always opens the whole province's."""
    require(admin_anywhere(request))
    params = request.POST if request.method == "POST" else request.GET
    provinces = _provinces(request)
    province = _chosen(provinces, params.get("province", ""))
    query = params.get("q", "").strip()[:100]
    context: dict[str, Any] = {"provinces": provinces, "province": province, "q": query}
    if province is None:
        return render(request, "assessments/open_period.html", {**context, "form": None})
    scope = _scope(request, province)
    form = OpenPeriodForm(request.POST or None, units=scope, query=query)
    if request.method == "POST" and form.is_valid():
        try:
            count = _open(request, form)
        except CollectionError as error:
            report(request, error)
        else:
            messages.success(request, _("Đã mở kỳ đánh giá cho %(n)s đơn vị.") % {"n": count})
            return redirect("collection:home")
    shown = scope.search(query) if query else scope
    context.update(form=form, shown=shown.count(), total=scope.count())
    return render(request, "assessments/open_period.html", context)


def _provinces(request: HttpRequest) -> UnitQuerySet:
    """The current provinces the user administers (every one for a superuser)."""
    ids = access.units_with_role(request.user, Role.ADMIN).values("pk")
    return Unit.objects.filter(pk__in=ids, kind=UnitKind.PROVINCE).current().order_by("name")


def _chosen(provinces: UnitQuerySet, raw: str) -> Unit | None:
    if raw.isdigit():
        return provinces.filter(pk=int(raw)).first()
    only = list(provinces[:2])
    return only[0] if len(only) == 1 else None


def _scope(request: HttpRequest, province: Unit) -> UnitQuerySet:
    """The province's current units (its departments, communes…) that the user administers."""
    # The accessor returns a plain queryset (accounts sits below org); narrow it as units.
    ids = access.units_with_role(request.user, Role.ADMIN).values("pk")
    inside = Q(pk=province.pk) | Q(parent=province) | Q(parent__parent=province)
    return Unit.objects.filter(inside, pk__in=ids).current().order_by("kind", "name")


def _open(request: HttpRequest, form: OpenPeriodForm) -> int:
    data = form.cleaned_data
    version = data["version"]
    chosen = form.chosen_units()
    if version.unit_kinds:  # a commune framework never opens for departments
        chosen = chosen.filter(kind__in=version.unit_kinds)
    units = list(chosen)
    if not units:
        raise CollectionError([_("Không có đơn vị nào phù hợp với bộ chỉ số này.")])
    period = ensure_period(data["period"])
    schedule_period(
        period, request.user, opens_on=data.get("opens_on"), closes_on=data.get("closes_on")
    )
    return len(open_assessments(version, period, units, request.user))
