"""The province's review page (accept / correct with a reason / return with a comment, per
indicator) and the co-verifier's page (the figures it owns, across units)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiso.accounts import access
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import Review
from chiso.collection.models import Entry
from chiso.collection.services import CollectionError
from chiso.collection.workflow import (
    NotAllowed,
    allowed_transitions,
    review_entry,
    verify_entry,
)
from chiso.dashboards.assessments.common import (
    assessment_or_404,
    entry_or_404,
    is_admin_of,
    no_store,
    report,
    require,
)
from chiso.dashboards.assessments.rows import (
    Field,
    Leaf,
    build_sheet,
    check_typed,
    describe,
    input_fields,
    typed_inputs,
)
from chiso.dashboards.forms import ReviewForm

REVIEWABLE = (S.VERIFIED, S.REVIEWED)
NEEDS_REASON = {"reject", "reopen"}
VERIFY_LIMIT = 500


@dataclass
class ReviewRow:
    leaf: Leaf
    fields: list[Field]


def _current(entry: Entry) -> dict[str, Any]:
    """What a correction starts from: the final figures, else the appraisal, else the unit's."""
    for stage in (entry.final_inputs, entry.appraisal_inputs, entry.self_inputs):
        if stage:
            return dict(stage)
    return {}


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    require(is_admin_of(request, assessment.unit))
    sheet = build_sheet(assessment, request.user)
    rows = [
        ReviewRow(leaf, input_fields(leaf.indicator, f"fix-{leaf.pk}", _current(leaf.entry), {}))
        for leaf in sheet.leaves
    ]
    context = {
        "a": assessment,
        "sheet": sheet,
        "rows": rows,
        "open": assessment.status in REVIEWABLE,
        "decisions": ReviewForm().fields["decision"].choices,  # type: ignore[attr-defined]
        "pending": sum(1 for r in rows if r.leaf.entry.review == Review.PENDING),
        "transitions": allowed_transitions(request.user, assessment),
        "needs_reason": NEEDS_REASON,
    }
    return no_store(render(request, "assessments/review.html", context))


@login_required
@require_POST
def review_one(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    require(is_admin_of(request, assessment.unit))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn chấp nhận, điều chỉnh hoặc trả lại."))
        return _back_to_review(assessment.pk, entry.pk)
    decision = form.cleaned_data["decision"]
    corrected = (
        _corrected(request, entry, f"fix-{entry.pk}") if decision == Review.CORRECTED else None
    )
    if corrected is not False:
        _decide(request, entry, decision, corrected, form.cleaned_data["comment"])
    return _back_to_review(assessment.pk, entry.pk)


def _decide(
    request: HttpRequest, entry: Entry, decision: str, corrected: Any, comment: str
) -> None:
    try:
        review_entry(
            entry.assessment, entry.indicator.code, decision, request.user,
            corrected=corrected or None, comment=comment,
        )  # fmt: skip
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    else:
        messages.success(request, _("Đã thẩm định chỉ tiêu %(c)s.") % {"c": entry.indicator.code})


def _corrected(request: HttpRequest, entry: Entry, prefix: str) -> dict[str, Any] | bool:
    """The corrected inputs, or False (with the messages shown) when they are invalid."""
    inputs, _raw = typed_inputs(entry.indicator, request.POST, prefix)
    by_field, leaf_wide = check_typed(entry.indicator, inputs)
    problems = [*by_field.values(), *leaf_wide]
    for problem in problems:
        messages.error(request, problem)
    return False if problems else inputs


def _back_to_review(pk: int, entry_id: int) -> HttpResponse:
    response = redirect("collection:review", pk=pk)
    response["Location"] += f"#leaf-{entry_id}"
    return response


# --- co-verification -------------------------------------------------------------------------


@dataclass
class VerifyRow:
    entry: Entry
    self_text: str
    appraisal_text: str
    fields: list[Field]


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Every figure the user's verifying unit owns, in signed assessments of visible units."""
    codes = [u.code for u in access.verifier_units(request.user)]
    require(bool(codes) or access.is_superuser(request.user))
    entries = (
        Entry.objects.filter(
            assessment__unit__in=access.visible_units(request.user),
            assessment__status=S.SIGNED,
        )
        .select_related("indicator", "assessment__unit", "assessment__period")
        .order_by("verified_at", "assessment__unit__name", "indicator__position")
    )
    entries = (
        entries.filter(indicator__verifier__in=codes)
        if codes
        else entries.exclude(indicator__verifier="")
    )
    rows = [_verify_row(e) for e in entries[:VERIFY_LIMIT]]
    return no_store(render(request, "assessments/verify.html", {"rows": rows}))


def _verify_row(entry: Entry) -> VerifyRow:
    fields = input_fields(entry.indicator, f"fix-{entry.pk}", _current(entry), {})
    return VerifyRow(
        entry,
        describe(entry.indicator, entry.self_inputs),
        describe(entry.indicator, entry.appraisal_inputs),
        fields,
    )


@login_required
@require_POST
def verify_one(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Confirm the figure as reported, or correct it (the reason is required)."""
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    corrected: dict[str, Any] | bool | None = None
    if request.POST.get("action") == "correct":
        corrected = _corrected(request, entry, f"fix-{entry.pk}")
    if corrected is not False:
        _verify(request, entry, corrected or None)
    return redirect("collection:verify")


def _verify(request: HttpRequest, entry: Entry, corrected: Any) -> None:
    try:
        verify_entry(
            entry.assessment, entry.indicator.code, request.user,
            corrected=corrected, reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except NotAllowed as error:
        raise PermissionDenied from error
    except CollectionError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Đã xác minh %(c)s của %(u)s.")
            % {"c": entry.indicator.code, "u": entry.assessment.unit.name},
        )
