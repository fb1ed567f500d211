"""The admin's publishing page: each cohort (framework version × period) of the province with
its state, and the buttons to publish it to the portal or withdraw it.

Writes go through `services.publish` / `services.unpublish` (one transaction, one audit row
each). Who: admins of a province (superusers: every province). Everyone else gets 404, and a
cohort that is not on the admin's own list answers 404 as well ("missing" and "forbidden" look
the same)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.choices import AssessmentStatus
from chiso.collection.models import Assessment
from chiso.dashboards import leaders, services
from chiso.dashboards.models import Publication
from chiso.org.models import Unit

PROVINCE_KIND = "province"
DONE = {AssessmentStatus.APPROVED, AssessmentStatus.LOCKED}


@dataclass(frozen=True)
class Row:
    """One cohort of one province, as the publishing page lists it."""

    province: Unit
    cohort: leaders.Cohort
    publication: Publication | None
    assessments: int
    done: int  # approved or locked

    @property
    def key(self) -> str:
        return f"{self.province.pk}:{self.cohort.version.pk}:{self.cohort.period.pk}"


class ActionForm(forms.Form):
    """Publish or withdraw one cohort; a withdrawal must say why."""

    cohort = forms.CharField(max_length=64)
    action = forms.ChoiceField(choices=[("publish", "publish"), ("withdraw", "withdraw")])
    text = forms.CharField(max_length=255, required=False, strip=True)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "withdraw" and not data.get("text"):
            raise forms.ValidationError(gettext_lazy("Rút công bố phải nêu lý do."))
        return data


def may_publish(user: access.User) -> bool:
    """Whether to offer the page in the menu (the page itself checks the province): the user
    is a superuser or holds the admin role somewhere. Reads the per-request roles only."""
    if access.is_superuser(user):
        return True
    return any(Role.ADMIN in held for held in access.roles(user).values())


def provinces(user: access.User) -> QuerySet[Unit]:
    """The provinces whose cohorts the user may publish (admin role, province-wide)."""
    found: QuerySet[Unit] = access.units_with_role(user, Role.ADMIN).filter(kind=PROVINCE_KIND)
    return found.order_by("name")


def rows(mine: list[Unit]) -> list[Row]:
    """The provinces' own cohorts, newest first (the national DTI is not theirs)."""
    out: list[Row] = []
    published = {(p.version_id, p.period_id): p for p in _publications()}
    for province in mine:
        counts = _statuses(province)
        for cohort in leaders.cohorts(province):
            if cohort.version.framework.code == leaders.DTI_FRAMEWORK:
                continue
            pair = (cohort.version.pk, cohort.period.pk)
            by_status = counts.get(pair, Counter())
            done = sum(n for s, n in by_status.items() if s in DONE)
            found = published.get(pair)
            out.append(Row(province, cohort, found, sum(by_status.values()), done))
    return out


def _publications() -> QuerySet[Publication]:
    return Publication.objects.select_related("published_by")


def _statuses(province: Unit) -> dict[tuple[int, int], Counter[str]]:
    found = (
        Assessment.objects.filter(leaders.in_province(province))
        .values("version_id", "period_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[tuple[int, int], Counter[str]] = {}
    for item in found:
        pair = (item["version_id"], item["period_id"])
        out.setdefault(pair, Counter())[item["status"]] += item["n"]
    return out


@login_required
def page(request: HttpRequest) -> HttpResponse:
    """`/publish/`: the list (GET) and one action (POST, then back to the list)."""
    mine = list(provinces(request.user))
    if not mine:
        raise Http404
    listed = rows(mine)
    if request.method == "POST":
        return _act(request, listed)
    return render(request, "dashboards/publish.html", {"rows": listed, "form": ActionForm()})


def _act(request: HttpRequest, listed: list[Row]) -> HttpResponse:
    form = ActionForm(request.POST)
    if not form.is_valid():
        context = {"rows": listed, "form": form}
        return render(request, "dashboards/publish.html", context, status=400)
    row = next((r for r in listed if r.key == form.cleaned_data["cohort"]), None)
    if row is None:
        raise Http404
    version, period = row.cohort.version, row.cohort.period
    label = f"{version.framework.title} — {period.label}"
    try:
        if form.cleaned_data["action"] == "publish":
            services.publish(request.user, version, period, form.cleaned_data["text"])
            messages.success(request, _("Đã công bố: %(c)s.") % {"c": label})
        else:
            services.unpublish(request.user, version, period, form.cleaned_data["text"])
            messages.success(request, _("Đã rút công bố: %(c)s.") % {"c": label})
    except services.PublicationError as exc:
        messages.error(request, str(exc))
    return redirect("dashboards:publish")
