"""Pages where the province admin writes: documents and their attachments, objectives with
their targets (added, edited, deleted after a page listing what goes with them), and how each
target is measured (a framework indicator or manual values).

Every write goes through chiso.plans.services (one transaction, one audit row). Whoever is not
the admin of the document's province gets 404, as for anything not theirs; anonymous visitors
are sent to the login page.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chiso.frameworks.models import Framework
from chiso.org.models import Unit
from chiso.plans import access, queries, services
from chiso.plans.choices import Aggregate, Comparator, Pillar
from chiso.plans.forms import (
    AttachmentForm,
    DeleteForm,
    DocumentForm,
    IndicatorLinkForm,
    MeasurementForm,
    ObjectiveEditForm,
    ObjectiveForm,
    TargetForm,
)
from chiso.plans.models import Document, Measurement, Objective, Target, Task
from chiso.plans.services import TargetSpec


def _managed_document(request: HttpRequest, pk: int) -> Document:
    document = access.get_document_or_404(request.user, pk=pk)
    if not access.can_manage(request.user, document.province):
        raise Http404
    return document


def _managed_objective(request: HttpRequest, pk: int) -> Objective:
    objective = access.get_objective_or_404(request.user, pk=pk)
    if not access.can_manage(request.user, objective.document.province):
        raise Http404
    return objective


def _managed_target(request: HttpRequest, pk: int) -> Target:
    target = access.get_target_or_404(request.user, pk=pk)
    if not access.can_measure(request.user, target.objective.document):
        raise Http404
    return target


def _add_errors(form: Form, exc: ValidationError | PermissionDenied) -> None:
    """A service's refusal shown on the form, on its field when the service named one."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    field = {"number": "number", "indicator": "code"}.get(getattr(exc, "code", "") or "")
    form.add_error(field if field in form.fields else None, exc.messages)


# --- documents ---------------------------------------------------------------------------


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    provinces = access.manageable_provinces(request.user)
    if not provinces.exists():
        raise Http404
    form = DocumentForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "related": list(form.cleaned_data["related"])}
        try:
            document = services.create_document(request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã tạo văn bản."))
            return redirect("plans:document", pk=document.pk)
    return render(request, "plans/document_form.html", {"form": form, "doc": None})


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed_document(request, pk)
    provinces = Unit.objects.filter(pk=document.province_id)
    initial = {name: getattr(document, name) for name in services.DOCUMENT_FIELDS}
    initial["related"] = list(document.related.all())
    form = DocumentForm(
        request.POST or None, provinces=provinces, document=document, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "related": list(form.cleaned_data["related"])}
        try:
            services.update_document(request.user, document, **data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu văn bản."))
            return redirect("plans:document", pk=document.pk)
    return render(request, "plans/document_form.html", {"form": form, "doc": document})


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed_document(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(request.user, document, form.cleaned_data["file"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã đính kèm tệp."))
            return redirect("plans:document", pk=document.pk)
    for error in [*form.errors.get("file", []), *form.non_field_errors()]:
        messages.error(request, str(error))
    return redirect("plans:document", pk=document.pk)


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only to those who may read its document."""
    found = access.get_attachment_or_404(request.user, pk=pk)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- objectives and targets --------------------------------------------------------------


@login_required
def objective_add(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed_document(request, pk)
    form = ObjectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        specs = [
            TargetSpec(
                metric=data["metric"],
                comparator=Comparator(data["comparator"]),
                value=value,
                deadline=data["deadline"],
                unit=data["unit"],
                scope=scope,
            )
            for scope, value in form.values()
        ]
        try:
            services.add_objective(
                request.user,
                document,
                pillar=Pillar(data["pillar"]),
                text=data["text"],
                targets=specs,
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm mục tiêu."))
            return redirect("plans:document", pk=document.pk)
    return render(request, "plans/objective_form.html", {"form": form, "doc": document})


@login_required
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _managed_objective(request, pk)
    initial = {name: getattr(objective, name) for name in services.OBJECTIVE_FIELDS}
    form = ObjectiveEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_objective(request.user, objective, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu mục tiêu."))
            return redirect("plans:document", pk=objective.document_id)
    context = {"form": form, "objective": objective, "doc": objective.document}
    return render(request, "plans/objective_edit.html", context)


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _managed_target(request, pk)
    initial = {name: getattr(found, name) for name in services.TARGET_FIELDS}
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_target(request.user, found, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu chỉ tiêu."))
            return redirect("plans:target", pk=found.pk)
    context = {"form": form, "t": found, "doc": found.objective.document}
    return render(request, "plans/target_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what would go with the objective; only the confirming POST deletes."""
    objective = _managed_objective(request, pk)
    return _delete(request, objective, _("Đã xoá mục tiêu."))


@login_required
@require_http_methods(["GET", "POST"])
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what would go with the target; only the confirming POST deletes."""
    return _delete(request, _managed_target(request, pk), _("Đã xoá chỉ tiêu."))


def _delete(request: HttpRequest, item: Objective | Target, done: str) -> HttpResponse:
    error = ""
    if request.method == "POST":
        form = DeleteForm(request.POST)
        confirmed = services.Dependents(**form.cleaned_data) if form.is_valid() else None
        document_pk = _objective(item).document_id
        try:
            if isinstance(item, Objective):
                services.delete_objective(request.user, item, confirmed=confirmed)
            else:
                services.delete_target(request.user, item, confirmed=confirmed)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect("plans:document", pk=document_pk)
    return _confirm_page(request, item, error)


def _confirm_page(request: HttpRequest, item: Objective | Target, error: str) -> HttpResponse:
    """Every target, measurement and task link the deletion would take, counted as the
    service counts them: the form sends the counts back, and a change since is refused."""
    objective = _objective(item)
    is_objective = isinstance(item, Objective)
    shown = objective.targets.all() if is_objective else Target.objects.filter(pk=item.pk)
    context = {
        "item": item,
        "is_objective": is_objective,
        "objective": objective,
        "doc": objective.document,
        "targets": _with_dependents(shown),
        "last_target": not is_objective and objective.targets.count() == 1,
        "form": DeleteForm(initial=asdict(services.dependents(item))),
        "error": error,
    }
    return render(request, "plans/confirm_delete.html", context)


def _with_dependents(targets: QuerySet[Target]) -> QuerySet[Target]:
    return (
        targets.select_related("indicator")
        .prefetch_related(
            Prefetch("measurements", Measurement.objects.order_by("measured_on", "id")),
            Prefetch("tasks", Task.objects.order_by("position")),
        )
        .order_by("position", "pk")
    )


def _objective(item: Objective | Target) -> Objective:
    return item if isinstance(item, Objective) else item.objective


@login_required
def target(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.get_target_or_404(request.user, pk=pk)
    found = Target.objects.select_related(
        "objective__document__province", "indicator__version__framework", "measured_unit"
    ).get(pk=found.pk)
    return _target_page(request, found, None, None)


def _target_page(
    request: HttpRequest,
    found: Target,
    link_form: IndicatorLinkForm | None,
    measure_form: MeasurementForm | None,
) -> HttpResponse:
    today = timezone.localdate()
    document = found.objective.document
    can_edit = access.can_measure(request.user, document)
    context: dict[str, Any] = {
        "t": found,
        "doc": document,
        "evaluation": queries.evaluate_target(found, today),
        "points": queries.series(found),
        # Manual values show their evidence; reported values come from the assessments.
        "measurements": [] if found.indicator_id else found.measurements.all(),
        "can_edit": can_edit,
    }
    if can_edit:
        context["link_form"] = link_form or _link_form(found, None)
        context["measure_form"] = measure_form or MeasurementForm()
    return render(request, "plans/target.html", context)


def _link_form(found: Target, data: Any) -> IndicatorLinkForm:
    frameworks = [(f.code, f.title) for f in Framework.objects.order_by("code")]
    initial: dict[str, Any] = {}
    if found.indicator is not None:
        initial = {
            "framework": found.indicator.version.framework.code,
            "code": found.indicator.code,
            "aggregate": "unit" if found.measured_unit_id else found.aggregate,
            "measured_unit": found.measured_unit_id,
        }
    units = queries.scope_units(found).order_by("kind", "name")
    return IndicatorLinkForm(data, frameworks=frameworks, units=units, initial=initial)


@login_required
@require_POST
def target_link(request: HttpRequest, pk: int) -> HttpResponse:
    found = _managed_target(request, pk)
    form = _link_form(found, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        one_unit = data["aggregate"] == "unit"
        try:
            indicator = services.indicator_by_code(data["framework"], data["code"])
            services.link_indicator(
                request.user,
                found,
                indicator=indicator,
                aggregate=Aggregate.MEAN if one_unit else Aggregate(data["aggregate"]),
                measured_unit=data["measured_unit"] if one_unit else None,
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Chỉ tiêu được đo bằng số liệu báo cáo của chỉ số."))
            return redirect("plans:target", pk=found.pk)
    found.refresh_from_db()  # a refused link leaves the target as it was
    return _target_page(request, found, form, None)


@login_required
@require_POST
def target_measure(request: HttpRequest, pk: int) -> HttpResponse:
    found = _managed_target(request, pk)
    form = MeasurementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_measurement(
                request.user,
                found,
                value=data["value"],
                measured_on=data["measured_on"],
                evidence=data["evidence"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận số liệu."))
            return redirect("plans:target", pk=found.pk)
    return _target_page(request, found, None, form)
