"""The assessment page: the generated form, HTMX autosave per indicator (with a plain-POST
fallback that saves every field), workflow buttons and evidence slots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection import evidence as evidence_services
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.evidence import EvidenceError
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import CollectionError, ConflictError, EntryChange
from chiso.collection.workflow import (
    EDITABLE_BY_REPORTER,
    NotAllowed,
    allowed_transitions,
    changes_since_approval,
    confirm_fixed,
    save_self_inputs,
    transition,
)
from chiso.dashboards.assessments.common import (
    assessment_or_404,
    back_to,
    entry_or_404,
    is_admin_of,
    is_htmx,
    no_store,
    report,
    require,
)
from chiso.dashboards.assessments.rows import (
    Conflict,
    Leaf,
    Sheet,
    Typed,
    build_sheet,
    can_edit,
    check_typed,
    describe,
    typed_inputs,
)
from chiso.dashboards.forms import EntryMetaForm, ReferenceForm, UploadForm, evidence_ids

NEEDS_REASON = {"reject", "reopen"}
EVIDENCE_CHOICES = 300  # the picker lists the unit's newest items


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    return _page(request, assessment, Typed())


def _page(
    request: HttpRequest,
    assessment: Assessment,
    typed: Typed,
    status: int = 200,
    attempt: Attempt | None = None,
    meta: tuple[int, EntryMetaForm] | None = None,
) -> HttpResponse:
    sheet = build_sheet(assessment, request.user, typed)
    if meta is not None and (failed := sheet.leaf(meta[0])) is not None:
        failed.meta_bound = meta[1]
    evidence = _evidence_context(request, assessment)
    _attach_forms(sheet, assessment, evidence["evidence_ok"], attempt)
    is_admin = is_admin_of(request, assessment.unit)
    context: dict[str, Any] = {
        **evidence,
        "a": assessment,
        "sheet": sheet,
        "transitions": allowed_transitions(request.user, assessment),
        "needs_reason": NEEDS_REASON,
        "since_approval": changes_since_approval(assessment) if assessment.approved_at else None,
        "is_admin": is_admin,
        "can_verify": assessment.status == S.SIGNED and bool(access.verifier_units(request.user)),
        "has_previous": evidence_services.previous_assessment(assessment) is not None,
        "tools": _tools(request, assessment, is_admin),
        "problems": _problems(sheet, attempt),
    }
    return no_store(render(request, "assessments/detail.html", context, status=status))


def page_with_meta_form(
    request: HttpRequest, assessment: Assessment, entry_id: int, form: EntryMetaForm
) -> HttpResponse:
    """The page again (400) with an indicator's failed owner / due date / note form."""
    return _page(request, assessment, Typed(), status=400, meta=(entry_id, form))


@dataclass(frozen=True)
class Tools:
    """Which of the Excel round trip and the sheet import the user may use on this
    assessment — the same rules as chiso.exports.views (a link is shown only when it works)."""

    template: bool  # anyone who can read the assessment downloads the filled template
    upload: bool  # the unit's reporters upload it back
    sheet: bool  # the province's admins, or the reporters while the unit still edits


def _tools(request: HttpRequest, assessment: Assessment, is_admin: bool) -> Tools:
    reporter = access.has_role(request.user, assessment.unit, Role.REPORTER)
    editable = assessment.status in EDITABLE_BY_REPORTER
    sheet = assessment.status != S.LOCKED and (is_admin or (reporter and editable))
    return Tools(template=True, upload=reporter, sheet=sheet)


def _problems(sheet: Sheet, attempt: Attempt | None) -> list[tuple[str, str]]:
    """(anchor, text) of everything that stopped a plain-form save, listed at the top of the
    re-rendered page with links to the boxes (the messages also sit beside each box)."""
    out = []
    for leaf in sheet.leaves:
        code = leaf.indicator.code
        out += [(f.html_id, f"{code} · {f.label}: {f.error}") for f in leaf.fields if f.error]
        out += [(f"leaf-{leaf.pk}", m) for m in leaf.messages]
        if leaf.conflict:
            out.append((f"result-{leaf.pk}", _("%(c)s: người khác vừa lưu.") % {"c": code}))
        if attempt is not None and attempt.entry_id == leaf.pk:
            for form in (leaf.upload_form, leaf.reference_form):
                out += _form_problems(code, form, f"evidence-{leaf.pk}")
            out += [(f"evidence-{leaf.pk}", f"{code}: {m}") for m in leaf.evidence_errors]
        out += _form_problems(code, leaf.meta_bound, f"meta-{leaf.pk}")
    return out


def _form_problems(code: str, form: forms.Form | None, where: str) -> list[tuple[str, str]]:
    """(anchor, text) of a bound form's errors: each box's, or `where` for the others."""
    if form is None or not form.is_bound:
        return []
    out = []
    for name, errors in form.errors.items():
        anchor = form[name].auto_id if name in form.fields else where
        label = form.fields[name].label if name in form.fields else code
        out += [(anchor, f"{code} · {label}: {e}") for e in errors]
    return out


def _evidence_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    evidence_ok = _can_change_evidence(request, assessment)
    items = evidence_services.evidence_of_unit(assessment.unit_id)[:EVIDENCE_CHOICES]
    return {"evidence_ok": evidence_ok, "unit_evidence": list(items) if evidence_ok else []}


def _can_change_evidence(request: HttpRequest, assessment: Assessment) -> bool:
    if assessment.status == S.LOCKED:
        return False
    if assessment.status in EDITABLE_BY_REPORTER:
        return access.has_role(request.user, assessment.unit, Role.REPORTER, Role.HEAD, Role.ADMIN)
    return is_admin_of(request, assessment.unit)


# --- autosave (HTMX) ---------------------------------------------------------------------


@login_required
@require_POST
def save_leaf(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Save one indicator's inputs; answer with its redrawn result, the totals and the new
    revision (out of band). The input boxes themselves are never replaced, so nothing typed
    meanwhile is lost; on an error the typed text stays and the message sits beside it."""
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    if request.POST.get("keep"):
        return _leaf_response(request, assessment, entry.pk, Typed(), whole=True)
    if not any(key.startswith(f"in-{entry.pk}-") for key in request.POST):
        # A request without the boxes would save "nothing typed" and clear the figures.
        return HttpResponseBadRequest(_("Không nhận được số liệu nào của chỉ tiêu này."))
    inputs, raw = typed_inputs(entry.indicator, request.POST, f"in-{entry.pk}")
    typed = _checked(entry, inputs, raw)
    if entry.pk not in typed.errors and not typed.messages.get(entry.pk):
        _try_save(request, assessment, entry, inputs, typed)
    return _leaf_response(request, assessment, entry.pk, typed)


def _checked(entry: Entry, inputs: dict[str, Any], raw: dict[str, str]) -> Typed:
    typed = Typed(values={entry.pk: raw})
    by_field, leaf_wide = check_typed(entry.indicator, inputs)
    if by_field:
        typed.errors[entry.pk] = by_field
    if leaf_wide:
        typed.messages[entry.pk] = leaf_wide
    return typed


def _try_save(
    request: HttpRequest, assessment: Assessment, entry: Entry, inputs: dict[str, Any], typed: Typed
) -> None:
    revision = _revision(request)
    try:
        _save_one(request, assessment, entry, inputs, revision)
    except ConflictError as error:
        code = entry.indicator.code
        typed.conflicts[entry.pk] = Conflict(
            describe(entry.indicator, error.current.get(code)),
            describe(entry.indicator, inputs),
            error.revision,
        )
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        typed.messages[entry.pk] = error.messages
    else:
        typed.saved.add(entry.pk)
        typed.values.pop(entry.pk, None)


def _save_one(
    request: HttpRequest,
    assessment: Assessment,
    entry: Entry,
    inputs: dict[str, Any],
    revision: int | None,
) -> None:
    code = entry.indicator.code
    try:
        save_self_inputs(
            assessment, [EntryChange(code, inputs)], request.user, expected_revision=revision
        )
    except ConflictError as error:
        # The revision moved because someone saved *another* indicator: this one is still as
        # the user saw it, so saving it overwrites nothing of theirs.
        seen = request.POST.get(f"base-{entry.pk}")
        if seen is None or json.dumps(error.current.get(code) or {}, sort_keys=True) != seen:
            raise
        save_self_inputs(
            assessment, [EntryChange(code, inputs)], request.user, expected_revision=error.revision
        )


def _revision(request: HttpRequest) -> int | None:
    raw = request.POST.get("overwrite") or request.POST.get("rev")
    return int(raw) if raw and raw.isdigit() else None


def _leaf_response(
    request: HttpRequest, assessment: Assessment, entry_id: int, typed: Typed, whole: bool = False
) -> HttpResponse:
    assessment.refresh_from_db(fields=["revision", "status"])
    sheet = build_sheet(assessment, request.user, typed)
    evidence = _evidence_context(request, assessment)
    if whole:  # the evidence block is drawn again too
        _attach_forms(sheet, assessment, evidence["evidence_ok"], None)
    leaf = sheet.leaf(entry_id)
    context = {
        **evidence,
        "a": assessment,
        "sheet": sheet,
        "leaf": leaf,
        "whole": whole,
        "htmx": True,
        "status": _status(leaf) if leaf else "",
    }
    response = render(request, "assessments/_leaf_response.html", context)
    if whole and leaf is not None:
        response["HX-Retarget"] = f"#leaf-{leaf.pk}"
        response["HX-Reswap"] = "outerHTML"
    return no_store(response)


def _status(leaf: Leaf) -> str:
    """One line for the screen reader's live region (and the sighted user's status bar)."""
    code = leaf.indicator.code
    if leaf.conflict:
        return _("%(c)s: người khác vừa lưu — xem hai giá trị và chọn.") % {"c": code}
    problems = [f.error for f in leaf.fields if f.error] + leaf.messages
    if problems:
        return _("Chưa lưu %(c)s: %(m)s") % {"c": code, "m": " ".join(problems)}
    if leaf.saved:
        now = timezone.localtime().strftime("%H:%M:%S")
        return _("Đã lưu %(c)s lúc %(t)s.") % {"c": code, "t": now}
    return ""


# --- plain form fallback -------------------------------------------------------------------


@login_required
@require_POST
def save_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Without JavaScript: save every changed indicator at once, all or nothing."""
    assessment = assessment_or_404(request, pk)
    require(can_edit(request.user, assessment))
    typed = Typed()
    changes = _changed(request, assessment, typed)
    if typed.errors or any(typed.messages.values()):
        # The page lists every problem at the top, each linked to its box.
        return _page(request, assessment, typed, status=400)
    try:
        count = save_self_inputs(
            assessment, [EntryChange(leaf.indicator.code, i) for leaf, i in changes],
            request.user, expected_revision=_revision(request),
        )  # fmt: skip
    except ConflictError as error:
        _conflicts(typed, changes, error)
        report(request, error)
        return _page(request, assessment, typed, status=409)
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
        return _page(request, assessment, typed, status=400)
    messages.success(request, _("Đã lưu %(n)s chỉ tiêu.") % {"n": count})
    return back_to(assessment)


def _changed(
    request: HttpRequest, assessment: Assessment, typed: Typed
) -> list[tuple[Leaf, dict[str, Any]]]:
    out = []
    for leaf in build_sheet(assessment, request.user).leaves:
        if not leaf.editable:
            continue
        inputs, raw = typed_inputs(leaf.indicator, request.POST, f"in-{leaf.pk}")
        stored = {k: v for k, v in (leaf.entry.self_inputs or {}).items() if v not in (None, "")}
        if inputs == stored:
            continue
        checked = _checked(leaf.entry, inputs, raw)
        typed.values.update(checked.values)
        typed.errors.update(checked.errors)
        typed.messages.update(checked.messages)
        out.append((leaf, inputs))
    return out


def _conflicts(
    typed: Typed, changes: list[tuple[Leaf, dict[str, Any]]], error: ConflictError
) -> None:
    for leaf, inputs in changes:
        theirs = describe(leaf.indicator, error.current.get(leaf.indicator.code))
        typed.conflicts[leaf.pk] = Conflict(
            theirs, describe(leaf.indicator, inputs), error.revision
        )


# --- workflow ------------------------------------------------------------------------------


@login_required
@require_POST
def run_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    try:
        transition(assessment, name, request.user, reason=request.POST.get("reason", ""))
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Bản đánh giá chuyển sang “%(s)s”.") % {"s": assessment.get_status_display()},
        )
    return back_to(assessment)


@login_required
@require_POST
def mark_fixed(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    try:
        confirm_fixed(assessment, entry.indicator.code, request.user)
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    else:
        messages.success(
            request, _("Đã báo sửa xong chỉ tiêu %(c)s.") % {"c": entry.indicator.code}
        )
    return back_to(assessment, f"leaf-{entry.pk}")


# --- evidence ------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One try at adding evidence to a leaf: the bound form that failed (to draw it back with
    what was typed and each message beside its box), or messages not about any one box."""

    entry_id: int
    upload: UploadForm | None = None
    reference: ReferenceForm | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        bound = [f for f in (self.upload, self.reference) if f is not None]
        return bool(self.errors) or any(f.errors for f in bound)


@login_required
@require_POST
def add_evidence(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Upload a file, add a document reference, or pick one of the unit's earlier items.

    With HTMX the answer is the leaf's evidence block (swapped in place); without, a success
    redirects back and an error re-renders the page with the bound form (status 400)."""
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    attempt = Attempt(entry.pk)
    adders = {"file": _add_file, "document": _add_reference, "pick": _add_existing}
    adder = adders.get(request.POST.get("kind", ""))
    added = False
    try:
        if adder is None:
            attempt.errors.append(_("Loại minh chứng không hợp lệ."))
        else:
            added = adder(request, assessment, entry, attempt)
    except NotAllowed as error:
        raise PermissionDenied from error
    code = entry.indicator.code
    if attempt.failed:
        status = _("Chưa gắn minh chứng cho %(c)s: xem thông báo bên cạnh các ô.") % {"c": code}
        if is_htmx(request):
            return _evidence_block(request, assessment, entry.pk, attempt, status)
        return _page(request, assessment, Typed(), status=400, attempt=attempt)
    done = (
        _("Đã gắn minh chứng cho %(c)s.") % {"c": code}
        if added
        else _("Minh chứng này đã gắn với %(c)s.") % {"c": code}
    )
    if is_htmx(request):
        return _evidence_block(request, assessment, entry.pk, None, done)
    messages.success(request, done)
    return back_to(assessment, f"leaf-{entry.pk}")


def _evidence_block(
    request: HttpRequest,
    assessment: Assessment,
    entry_id: int,
    attempt: Attempt | None,
    status: str,
) -> HttpResponse:
    sheet = build_sheet(assessment, request.user)
    context = {**_evidence_context(request, assessment), "a": assessment, "oob_status": status}
    _attach_forms(sheet, assessment, context["evidence_ok"], attempt)
    context["leaf"] = sheet.leaf(entry_id)
    return no_store(render(request, "assessments/_evidence_response.html", context))


def _attach_forms(
    sheet: Sheet, assessment: Assessment, evidence_ok: bool, attempt: Attempt | None
) -> None:
    """Fresh evidence forms on every leaf; the failed attempt's bound form on its own leaf."""
    if not evidence_ok:
        return
    for leaf in sheet.leaves:
        ids = evidence_ids(leaf.pk)
        leaf.upload_form = UploadForm(auto_id=ids)
        leaf.reference_form = ReferenceForm(auto_id=ids, period=assessment.period)
        if attempt is None or attempt.entry_id != leaf.pk:
            continue
        leaf.upload_form = attempt.upload or leaf.upload_form
        leaf.reference_form = attempt.reference or leaf.reference_form
        leaf.evidence_open = True
        leaf.evidence_errors = attempt.errors
        for form in (attempt.upload, attempt.reference):
            _focus_first_error(form)


def _focus_first_error(form: forms.Form | None) -> None:
    """Put the keyboard on the first box that needs fixing (after a swap or a reload)."""
    if form is None:
        return
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _add_file(request: HttpRequest, assessment: Assessment, entry: Entry, attempt: Attempt) -> bool:
    form = UploadForm(request.POST, request.FILES, auto_id=evidence_ids(entry.pk))
    attempt.upload = form
    if not form.is_valid():
        return False
    upload = form.cleaned_data["file"]
    try:
        evidence_services.upload_evidence(
            assessment.unit, upload, upload.name or "tep", request.user,
            title=form.cleaned_data["title"], entries=[entry],
        )  # fmt: skip
    except NotAllowed:
        raise
    except CollectionError as error:
        _place(form, error)
        return False
    return True


def _add_reference(
    request: HttpRequest, assessment: Assessment, entry: Entry, attempt: Attempt
) -> bool:
    form = ReferenceForm(request.POST, auto_id=evidence_ids(entry.pk), period=assessment.period)
    attempt.reference = form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        evidence_services.add_document_reference(
            assessment.unit, request.user, number=data["number"], issued_on=data["issued_on"],
            signer=data["signer"], summary=data["summary"], entries=[entry],
        )  # fmt: skip
    except NotAllowed:
        raise
    except CollectionError as error:
        _place(form, error)
        return False
    return True


def _place(form: forms.Form, error: CollectionError) -> None:
    """The service's messages beside the boxes they are about (the rest above the form)."""
    by_field = error.fields if isinstance(error, EvidenceError) else {}
    placed = set()
    for name, found in by_field.items():
        if name in form.fields:
            for message in found:
                form.add_error(name, message)
                placed.add(message)
    for message in error.messages:
        if message not in placed and not any(message.endswith(m) for m in placed):
            form.add_error(None, message)


def _add_existing(
    request: HttpRequest, assessment: Assessment, entry: Entry, attempt: Attempt
) -> bool:
    raw = request.POST.get("evidence", "")
    found = evidence_services.evidence_of_unit(assessment.unit_id).filter(
        pk=int(raw) if raw.isdigit() else 0
    )
    item = found.first()
    if item is None:
        attempt.errors.append(_("Hãy chọn một minh chứng của đơn vị."))
        return False
    try:
        return evidence_services.link_evidence(entry, item, request.user)
    except NotAllowed:
        raise
    except CollectionError as error:
        attempt.errors.extend(error.messages)
        return False


@login_required
@require_POST
def remove_evidence(request: HttpRequest, pk: int, entry_id: int, evidence_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    item = get_object_or_404(entry.evidence.all(), pk=evidence_id)
    try:
        evidence_services.unlink_evidence(entry, item, request.user)
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    return back_to(assessment, f"leaf-{entry.pk}")


@login_required
@require_POST
def reuse_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Link last period's evidence to the same indicators of this assessment."""
    assessment = assessment_or_404(request, pk)
    try:
        count = evidence_services.carry_forward(assessment, request.user)
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    else:
        messages.success(request, _("Đã dùng lại %(n)s minh chứng của kỳ trước.") % {"n": count})
    return back_to(assessment)
