"""Server-rendered pages of the plans app. Every object lookup goes through chiso.plans.access;
writes go through chiso.plans.services. "Not yours" and "does not exist" both answer 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiso.lib.formats import vn_date
from chiso.lib.text import fold
from chiso.plans import access, queries, services
from chiso.plans.choices import TargetStatus, TaskState
from chiso.plans.export import xlsx_response
from chiso.plans.forms import (
    AttachmentForm,
    CompleteForm,
    DocumentFilter,
    MonthFilter,
    ProgressForm,
    ReturnForm,
    TargetFilter,
    TaskFilter,
)
from chiso.plans.models import Occurrence, Target

MAX_ROWS = 300  # pages show this many rows; the .xlsx export has them all


def _today() -> dt.date:
    return timezone.localdate()


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


# --- documents and targets ---------------------------------------------------------------


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    form = DocumentFilter(request.GET or None)
    qs = access.visible_documents(request.user).select_related("province")
    if form.is_valid():
        if key := fold(form.cleaned_data["q"]):
            qs = qs.filter(search_key__contains=key)
        if kind := form.cleaned_data["kind"]:
            qs = qs.filter(kind=kind)
    if _wants_xlsx(request):
        rows = (
            (d.get_kind_display(), d.number, vn_date(d.issued_on), d.issuer, d.title) for d in qs
        )
        headers = [
            _("Loại"),
            _("Số hiệu"),
            _("Ngày ban hành"),
            _("Cơ quan ban hành"),
            _("Trích yếu"),
        ]
        return xlsx_response("van-ban", _("Văn bản"), headers, rows)
    context = {
        "form": form,
        "documents": qs[:MAX_ROWS],
        "can_create": access.manageable_provinces(request.user).exists(),
    }
    return render(request, "plans/documents.html", context)


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = access.get_document_or_404(request.user, pk=pk)
    today = _today()
    occurrences = access.visible_occurrences(request.user).filter(task__document=doc)
    tasks = doc.tasks.prefetch_related("leads").order_by("position")
    context = {
        "doc": doc,
        "today": today,
        "horizons": queries.horizons(doc, today),
        "states": queries.count_states(occurrences, today),
        "tasks": tasks,
        "related": doc.related.all(),
        "implemented_by": doc.implemented_by.all(),
        "attachments": doc.attachments.all(),
        "can_manage": access.can_manage(request.user, doc.province),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "plans/document.html", context)


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    form = TargetFilter(request.GET or None)
    docs = access.visible_documents(request.user)
    qs = (
        Target.objects.filter(objective__document__in=docs)
        .select_related("objective__document__province", "indicator")
        .prefetch_related("measurements")
    )
    wanted: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    if key := fold(wanted.get("q", "")):
        qs = qs.filter(objective__document__search_key__contains=key) | qs.filter(
            metric__icontains=wanted["q"]
        )
    if pillar := wanted.get("pillar"):
        qs = qs.filter(objective__pillar=pillar)
    today = _today()
    rows = [(t, queries.evaluate_target(t, today)) for t in qs[: MAX_ROWS * 4]]
    if status := wanted.get("status"):
        rows = [(t, e) for t, e in rows if e.status == status]
    if _wants_xlsx(request):
        return _targets_xlsx(rows)
    return render(request, "plans/targets.html", {"form": form, "rows": rows[:MAX_ROWS]})


def _targets_xlsx(rows: list[tuple[Target, Any]]) -> HttpResponse:
    headers = [
        _("Văn bản"),
        _("Trụ cột"),
        _("Chỉ tiêu"),
        _("So sánh"),
        _("Giá trị"),
        _("Đơn vị tính"),
        _("Phạm vi"),
        _("Thời hạn"),
        _("Hiện tại"),
        _("Tình trạng"),
    ]
    data = (
        (
            str(t.objective.document),
            t.objective.get_pillar_display(),
            t.metric,
            t.get_comparator_display(),
            t.value,
            t.unit,
            t.get_scope_display(),
            vn_date(t.deadline),
            e.current.value if e.current else None,
            TargetStatus(e.status).label,
        )
        for t, e in rows
    )
    return xlsx_response("chi-tieu", _("Chỉ tiêu"), headers, data)


# --- task lists --------------------------------------------------------------------------


def _filtered(request: HttpRequest, qs: QuerySet[Occurrence], form: TaskFilter) -> Any:
    today = _today()
    if form.is_valid():
        qs = queries.search(qs, form.cleaned_data["q"])
        if state := form.cleaned_data["state"]:
            qs = queries.filter_state(qs, state, today)
    return queries.with_related(qs)


def _task_rows(qs: QuerySet[Occurrence], today: dt.date) -> list[tuple[Occurrence, TaskState]]:
    return [(o, queries.state_of(o, today)) for o in qs]


def _tasks_xlsx(name: str, rows: list[tuple[Occurrence, TaskState]]) -> HttpResponse:
    headers = [_("Văn bản"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Hạn"), _("Tình trạng")]
    data = (
        (
            str(o.task.document),
            o.task.text,
            o.unit.name if o.unit else o.task.lead_text,
            vn_date(o.due),
            TaskState(s).label,
        )
        for o, s in rows
    )
    return xlsx_response(name, _("Nhiệm vụ"), headers, data)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The user's units' work: overdue, returned, due soon, then the rest still open."""
    today = _today()
    form = TaskFilter(request.GET or None)
    qs = _filtered(request, access.own_occurrences(request.user), form)
    rows = _task_rows(qs.order_by("due", "pk")[: MAX_ROWS * 10], today)
    if _wants_xlsx(request):
        return _tasks_xlsx("nhiem-vu-cua-toi", rows)
    sections = [
        (state, [o for o, s in rows if s == state][:MAX_ROWS])
        for state in (TaskState.OVERDUE, TaskState.RETURNED, TaskState.DUE_SOON, TaskState.OPEN)
    ]
    done = [o for o, s in rows if s == TaskState.DONE][-20:]
    context = {"form": form, "sections": sections, "done": done, "today": today}
    context["units"] = access.own_units(request.user).order_by("name")
    return render(request, "plans/my_tasks.html", context)


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Leaders: overdue work by unit, the escalation list, and every overdue occurrence."""
    today = _today()
    form = TaskFilter(request.GET or None)
    visible = _filtered(request, access.visible_occurrences(request.user), form)
    late = visible.filter(queries.overdue_q(today)).order_by("due", "pk")
    rows = _task_rows(late[: MAX_ROWS * 10], today)
    if _wants_xlsx(request):
        return _tasks_xlsx("qua-han", rows)
    context = {
        "form": form,
        "by_unit": queries.overdue_by_unit(visible, today),
        "escalations": queries.escalations(visible, today).order_by("due", "pk")[:MAX_ROWS],
        "rows": rows[:MAX_ROWS],
        "today": today,
        "grace": queries.ESCALATE_AFTER_DAYS,
    }
    return render(request, "plans/overdue.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Deadlines of one month, day by day."""
    today = _today()
    form = MonthFilter(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    first = _month_start(month or f"{today:%Y-%m}")
    after = (first + dt.timedelta(days=32)).replace(day=1)
    qs = _filtered(request, access.visible_occurrences(request.user), form)
    qs = qs.filter(due__gte=first, due__lt=after).order_by("due", "pk")
    rows = _task_rows(qs[: MAX_ROWS * 10], today)
    if _wants_xlsx(request):
        return _tasks_xlsx(f"lich-{first:%Y-%m}", rows)
    days: dict[dt.date, list[tuple[Occurrence, TaskState]]] = {}
    for occurrence, state in rows[:MAX_ROWS]:
        assert occurrence.due is not None
        days.setdefault(occurrence.due, []).append((occurrence, state))
    context = {
        "form": form,
        "days": sorted(days.items()),
        "first": first,
        "previous": (first - dt.timedelta(days=1)).replace(day=1),
        "next": after,
    }
    return render(request, "plans/calendar.html", context)


def _month_start(text: str) -> dt.date:
    try:
        year, month = (int(p) for p in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc


# --- one occurrence ----------------------------------------------------------------------


@login_required
def occurrence(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.get_occurrence_or_404(request.user, pk=pk)
    return _occurrence_page(request, found, ProgressForm(), ReturnForm())


def _occurrence_page(
    request: HttpRequest, found: Occurrence, form: ProgressForm, back: ReturnForm
) -> HttpResponse:
    context = {
        "o": found,
        "state": queries.state_of(found, _today()),
        "updates": found.updates.select_related("author"),
        "form": form,
        "complete_form": CompleteForm(),
        "return_form": back,
        "can_update": access.can_update(request.user, found) and found.is_open,
        "can_return": access.can_return(request.user, found),
        "coordinating": found.task.coordinating.all(),
    }
    return render(request, "plans/occurrence.html", context)


@login_required
@require_POST
def post_progress(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.get_occurrence_or_404(request.user, pk=pk)
    if not access.can_update(request.user, found):
        raise Http404
    form = ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        return _occurrence_page(request, found, form, ReturnForm())
    data = form.cleaned_data
    ref = services.DocumentRef(
        data["doc_number"], data["doc_date"], data["doc_signer"], data["doc_summary"]
    )
    try:
        services.post_progress(
            request.user,
            found,
            note=data["note"],
            percent=data["percent"],
            quantity=data["quantity"],
            evidence=data["evidence"],
            reference=ref,
        )
    except (ValidationError, PermissionDenied) as exc:
        form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        return _occurrence_page(request, found, form, ReturnForm())
    messages.success(request, _("Đã ghi nhận cập nhật tiến độ."))
    return redirect("plans:occurrence", pk=found.pk)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.get_occurrence_or_404(request.user, pk=pk)
    if not access.can_update(request.user, found):
        raise Http404
    form = CompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.complete_occurrence(request.user, found, note=note)
    messages.success(request, _("Đã đánh dấu hoàn thành."))
    return redirect("plans:occurrence", pk=found.pk)


@login_required
@require_POST
def return_work(request: HttpRequest, pk: int) -> HttpResponse:
    found = access.get_occurrence_or_404(request.user, pk=pk)
    if not access.can_return(request.user, found):
        raise Http404
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _occurrence_page(request, found, ProgressForm(), form)
    services.return_occurrence(request.user, found, form.cleaned_data["reason"])
    messages.success(request, _("Đã trả lại nhiệm vụ cho đơn vị."))
    return redirect("plans:occurrence", pk=found.pk)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, only to those who may read its occurrence."""
    update = access.get_update_or_404(request.user, pk=pk)
    if not update.evidence:
        raise Http404
    response = FileResponse(
        update.evidence.open("rb"), as_attachment=True, filename=update.evidence_name
    )
    response["Content-Type"] = update.evidence_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response
