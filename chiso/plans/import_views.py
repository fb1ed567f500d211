"""Import a document's text: paste or upload → review the proposed tasks and targets → accept.

The pasted or uploaded text is kept server-side in the user's session between the two steps;
the proposals are recomputed from it on every view, so the form only carries the reviewer's
edits, never the document text. Only a province admin (or a superuser) may import; anyone else
gets the same 404 as for a page that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseFormSet, formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chiso.lib.formats import parse_vn_date, vn_date
from chiso.org.models import Unit
from chiso.plans import importing
from chiso.plans.choices import Comparator, DocumentKind, Pillar, Recurrence, Scope
from chiso.plans.importing import DocumentDraft, ImportDraft, TargetDraft, TaskDraft
from chiso.plans.leads import resolve_leads

SESSION_KEY = "plans_import"
EXTRA_TARGETS = 2  # blank rows to add targets the extractor missed
EXTRA_TASKS = 1


# --- forms --------------------------------------------------------------------------------


class ImportDateField(forms.CharField):
    """dd/mm/yyyy; the error repeats what was typed, so "31/02/2024" is easy to find."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return parse_vn_date(text)
        except ValueError as exc:
            raise ValidationError(
                _("“%(value)s” không phải là ngày hợp lệ (dd/mm/yyyy).") % {"value": text}
            ) from exc


class NumberField(forms.CharField):
    """Vietnamese numbers: "3.000" is three thousand, "2,5" is two and a half."""

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip().replace(" ", "")
        if not text:
            return None
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
        try:
            return float(text.replace(",", "."))
        except ValueError as exc:
            raise ValidationError(_("“%(value)s” không phải là số.") % {"value": text}) from exc


class UploadForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Dán nội dung văn bản"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    file = forms.FileField(
        label=gettext_lazy("Hoặc chọn tệp (.txt, .docx, .pdf)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(importing.SUPPORTED)}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        raw = importing.read_upload(upload) if upload else data.get("text") or ""
        data["clean_text"] = importing.clean_text(raw)
        return data


class DocumentForm(forms.Form):
    province = forms.ModelChoiceField(
        label=gettext_lazy("Tỉnh"), queryset=Unit.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("Loại văn bản"), choices=DocumentKind.choices)
    number = forms.CharField(label=gettext_lazy("Số hiệu"), max_length=60, required=False)
    issued_on = ImportDateField(label=gettext_lazy("Ngày ban hành (dd/mm/yyyy)"), required=False)
    issuer = forms.CharField(label=gettext_lazy("Cơ quan ban hành"), max_length=255)
    title = forms.CharField(
        label=gettext_lazy("Trích yếu"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, provinces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = provinces


class TaskForm(forms.Form):
    lead = forms.CharField(label=gettext_lazy("Chủ trì"), required=False)
    coordinating = forms.CharField(label=gettext_lazy("Phối hợp (cách nhau bởi ;)"), required=False)
    text = forms.CharField(
        label=gettext_lazy("Nội dung nhiệm vụ"), widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = ImportDateField(label=gettext_lazy("Hạn (dd/mm/yyyy)"), required=False)
    recurrence = forms.ChoiceField(
        label=gettext_lazy("Lặp lại"), choices=Recurrence.choices, required=False
    )

    def has_changed(self) -> bool:
        # A blank extra row with a default recurrence is not a new task.
        return "text" in self.changed_data


class TargetForm(forms.Form):
    owner = forms.ChoiceField(label=gettext_lazy("Thuộc"), required=False)
    metric = forms.CharField(label=gettext_lazy("Chỉ tiêu"))
    comparator = forms.ChoiceField(label=gettext_lazy("So sánh"), choices=Comparator.choices)
    value = NumberField(label=gettext_lazy("Giá trị"))
    unit = forms.CharField(label=gettext_lazy("Đơn vị tính"), max_length=60, required=False)
    deadline = ImportDateField(label=gettext_lazy("Thời hạn (dd/mm/yyyy)"))
    scope = forms.ChoiceField(label=gettext_lazy("Phạm vi"), choices=Scope.choices, required=False)
    pillar = forms.ChoiceField(label=gettext_lazy("Trụ cột"), choices=Pillar.choices)

    def __init__(self, *args: Any, tasks: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = [(str(n), _("Nhiệm vụ %(n)s") % {"n": n}) for n in range(1, tasks + 1)]
        field = self.fields["owner"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Cấp văn bản")), *owners]

    def has_changed(self) -> bool:
        return bool({"metric", "value"} & set(self.changed_data))


TaskFormSet = formset_factory(TaskForm, extra=EXTRA_TASKS, can_delete=True)
TargetFormSet = formset_factory(TargetForm, extra=EXTRA_TARGETS, can_delete=True)


# --- pending import (server-side, per user) -----------------------------------------------


def _save_pending(request: HttpRequest, text: str, name: str) -> None:
    request.session[SESSION_KEY] = {"user": request.user.pk, "text": text, "name": name}


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    found: dict[str, Any] | None = request.session.get(SESSION_KEY)
    # A session outlives a logout only in odd setups; never show one person's draft to another.
    if found is None or found.get("user") != request.user.pk:
        return None
    return found


def _provinces(request: HttpRequest) -> Any:
    provinces = importing.importing_provinces(request.user)
    if not provinces.exists():
        raise Http404
    return provinces


# --- views --------------------------------------------------------------------------------


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _provinces(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        _save_pending(request, form.cleaned_data["clean_text"], upload.name if upload else "")
        return redirect("plans:import_review")
    return render(request, "plans/import_start.html", {"form": form})


@login_required
def import_review(request: HttpRequest) -> HttpResponse:
    provinces = _provinces(request)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Chưa có văn bản đang nhập: hãy dán nội dung hoặc chọn tệp."))
        return redirect("plans:import_start")
    proposal = importing.propose(pending["text"])
    forms_ = _bound(request, proposal, provinces)
    if request.method == "POST":
        draft = _reviewed(*forms_)
        if draft is not None:
            done = _accept(request, forms_[0], pending, draft)
            if done is not None:
                return done
    return render(
        request, "plans/import_review.html", _context(pending, proposal, provinces, *forms_)
    )


def import_link(request: HttpRequest) -> HttpResponse:
    """The "import" link for the plans pages, loaded by htmx: empty for who may not import."""
    if not importing.can_import(request.user):
        return HttpResponse("")
    return render(request, "plans/import_link.html")


@login_required
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("Đã huỷ văn bản đang nhập."))
    return redirect("plans:documents")


def _accept(
    request: HttpRequest, doc_form: DocumentForm, pending: dict[str, Any], draft: ImportDraft
) -> HttpResponse | None:
    province = doc_form.cleaned_data["province"]
    try:
        document = importing.accept_import(request.user, province, pending["text"], draft)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        doc_form.add_error(None, exc)
        return None
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        _("Đã nhập văn bản: %(tasks)s nhiệm vụ, %(targets)s chỉ tiêu.")
        % {"tasks": document.tasks.count(), "targets": _target_count(draft)},
    )
    return redirect("plans:document", document.pk)


def _target_count(draft: ImportDraft) -> int:
    return len(draft.targets) + sum(len(t.targets) for t in draft.tasks)


# --- proposal ↔ forms ---------------------------------------------------------------------


Forms = tuple[DocumentForm, "BaseFormSet[TaskForm]", "BaseFormSet[TargetForm]"]


def _bound(request: HttpRequest, proposal: ImportDraft, provinces: Any) -> Forms:
    data = request.POST if request.method == "POST" else None
    slots = len(proposal.tasks) + EXTRA_TASKS
    doc_form = DocumentForm(data, provinces=provinces, initial=_doc_initial(proposal.document))
    tasks = TaskFormSet(data, prefix="task", initial=[_task_initial(t) for t in proposal.tasks])
    targets = TargetFormSet(
        data, prefix="target", initial=_targets_initial(proposal), form_kwargs={"tasks": slots}
    )
    if data is None:
        doc_form.initial["province"] = provinces.first()
    return doc_form, tasks, targets


def _doc_initial(doc: DocumentDraft) -> dict[str, Any]:
    return {**vars(doc), "issued_on": vn_date(doc.issued_on) if doc.issued_on else ""}


def _task_initial(task: TaskDraft) -> dict[str, Any]:
    return {
        "lead": task.lead,
        "coordinating": "; ".join(task.coordinating),
        "text": task.text,
        "deadline": vn_date(task.deadline) if task.deadline else "",
        "recurrence": task.recurrence,
    }


def _targets_initial(proposal: ImportDraft) -> list[dict[str, Any]]:
    rows = [_target_initial(t, "") for t in proposal.targets]
    for n, task in enumerate(proposal.tasks, start=1):
        rows += [_target_initial(t, str(n)) for t in task.targets]
    return rows


def _target_initial(target: TargetDraft, owner: str) -> dict[str, Any]:
    value = int(target.value) if float(target.value).is_integer() else target.value
    return {
        **vars(target),
        "owner": owner,
        "value": str(value).replace(".", ","),
        "deadline": vn_date(target.deadline) if target.deadline else "",
    }


def _reviewed(
    doc_form: DocumentForm, tasks: BaseFormSet[TaskForm], targets: BaseFormSet[TargetForm]
) -> ImportDraft | None:
    """The reviewer's edits as a draft, or None when a field is wrong (errors on the forms)."""
    if not all([doc_form.is_valid(), tasks.is_valid(), targets.is_valid()]):
        return None
    drafts: dict[str, TaskDraft] = {
        str(n): _task_draft(f.cleaned_data) for n, f in _kept(tasks) if f.cleaned_data
    }
    doc_level: list[TargetDraft] = []
    for _n, form in _kept(targets):
        owner = form.cleaned_data.get("owner") or ""
        if not form.cleaned_data or (owner and owner not in drafts):
            continue  # a blank row, or a target of a task the reviewer removed
        (drafts[owner].targets if owner else doc_level).append(_target_draft(form.cleaned_data))
    doc = {k: v for k, v in doc_form.cleaned_data.items() if k != "province"}
    return ImportDraft(DocumentDraft(**doc), list(drafts.values()), doc_level)


def _kept(formset: BaseFormSet[Any]) -> Iterable[tuple[int, Any]]:
    deleted = set(map(id, formset.deleted_forms))
    return ((n, f) for n, f in enumerate(formset.forms, start=1) if id(f) not in deleted)


def _task_draft(data: dict[str, Any]) -> TaskDraft:
    return TaskDraft(
        text=data["text"],
        lead=data["lead"],
        coordinating=[c.strip() for c in data["coordinating"].split(";") if c.strip()],
        deadline=data["deadline"],
        recurrence=data["recurrence"] or Recurrence.NONE,
    )


def _target_draft(data: dict[str, Any]) -> TargetDraft:
    fields = ("metric", "comparator", "value", "unit", "deadline", "scope", "pillar")
    return TargetDraft(**{k: data[k] for k in fields})


# --- what the review page shows -----------------------------------------------------------


def _context(
    pending: dict[str, Any],
    proposal: ImportDraft,
    provinces: Any,
    doc_form: DocumentForm,
    tasks: BaseFormSet[TaskForm],
    targets: BaseFormSet[TargetForm],
) -> dict[str, Any]:
    # The lead preview uses the chosen province and date when valid, else the proposal's.
    chosen = doc_form.cleaned_data if doc_form.is_bound and doc_form.is_valid() else {}
    province = chosen.get("province") or provinces.first()
    on = chosen.get("issued_on") or importing.resolution_date(proposal.document)
    return {
        "name": pending["name"],
        "doc_form": doc_form,
        "tasks": tasks,
        "task_rows": _task_rows(tasks, proposal, province, on),
        "targets": targets,
        "target_rows": list(enumerate(targets.forms, start=1)),
        "segments": highlight(pending["text"], [t.span for t in proposal.tasks if t.span]),
        "errors": error_lines(doc_form, tasks, targets),
        "on": on,
        "dated": bool(chosen.get("issued_on") or proposal.document.issued_on),
    }


def _task_rows(
    tasks: BaseFormSet[TaskForm], proposal: ImportDraft, province: Unit | None, on: dt.date
) -> list[dict[str, Any]]:
    cache: dict[str, list[Unit]] = {}
    rows = []
    for n, form in enumerate(tasks.forms, start=1):
        lead = (form["lead"].value() or "").strip()
        if province is not None and lead not in cache:
            cache[lead] = resolve_leads(lead, province, on) if lead else []
        span = proposal.tasks[n - 1].span if n <= len(proposal.tasks) else None
        rows.append({"n": n, "form": form, "span": span, "lead": lead, "units": cache.get(lead)})
    return rows


def highlight(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, int | None]]:
    """The text cut into (chunk, task number or None) so each task's source can be marked."""
    segments: list[tuple[str, int | None]] = []
    at = 0
    for n, (start, end) in enumerate(spans, start=1):
        if start < at or end <= start:
            continue  # an overlapping span stays unmarked rather than garbling the text
        segments += [(text[at:start], None), (text[start:end], n)]
        at = end
    segments.append((text[at:], None))
    return [s for s in segments if s[0]]


def error_lines(
    doc_form: DocumentForm, tasks: BaseFormSet[TaskForm], targets: BaseFormSet[TargetForm]
) -> list[str]:
    """Every error with where it is: "Nhiệm vụ 3, Hạn (dd/mm/yyyy): “31/02/2024” …"."""
    lines = [str(e) for e in doc_form.non_field_errors()]
    lines += _field_errors(_("Văn bản"), doc_form)
    for label, formset in ((_("Nhiệm vụ"), tasks), (_("Chỉ tiêu"), targets)):
        for n, form in enumerate(formset.forms, start=1):
            lines += _field_errors(f"{label} {n}", form)
    return lines


def _field_errors(where: str, form: forms.Form) -> list[str]:
    return [
        f"{where}, {form.fields[name].label if name in form.fields else ''}: {message}"
        for name, errors in form.errors.items()
        if name != "__all__"
        for message in errors
    ]
