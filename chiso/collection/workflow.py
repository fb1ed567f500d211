"""The assessment workflow: explicit states, and one service per transition.

    draft ──submit (reporter)──▶ submitted ──sign (unit head)──▶ signed
    signed ──(every co-verifying unit confirms or corrects its figures)──▶ verified
    verified ──the province reviews each indicator: accept / correct with a reason / return──▶
        reviewed (all accepted or corrected)    or    returned (any indicator returned)
    returned ──the reporter fixes the returned indicators, resubmit──▶ verified
    reviewed ──approve (admin)──▶ approved ──lock (admin)──▶ locked

Each transition checks the acting user's role on the assessment's unit, runs in one
transaction, writes one audit row (old → new status) and triggers a re-score after commit.
Writes by the CLI or the demo (an actor that is a label, not a user) are trusted.
Corrections go to a stage of their own: a verifier's to the appraisal inputs, the province's
to the final inputs, so the unit's own claim (self) is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.accounts.services import Actor, record
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import Review, Stage
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    apply_changes,
    validate_inputs,
)
from chiso.lib import events


class WorkflowError(CollectionError):
    """A transition that is not allowed now, or not to this person (message in Vietnamese)."""


class NotAllowed(WorkflowError):
    """The acting user lacks the role; views answer 403 (or 404 when they may not even see)."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str


def _t(name: str, sources: set[str], target: str, roles: set[str], label: str) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(roles), label)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", {S.DRAFT}, S.SUBMITTED, {Role.REPORTER}, "Gửi bản tự đánh giá"),
        _t("sign", {S.SUBMITTED}, S.SIGNED, {Role.HEAD}, "Lãnh đạo ký duyệt"),
        _t("reject", {S.SUBMITTED}, S.DRAFT, {Role.HEAD}, "Lãnh đạo trả về để sửa"),
        _t("resubmit", {S.RETURNED}, S.VERIFIED, {Role.REPORTER}, "Gửi lại sau khi sửa"),
        _t("approve", {S.REVIEWED}, S.APPROVED, {Role.ADMIN}, "Phê duyệt kết quả"),
        _t("lock", {S.APPROVED}, S.LOCKED, {Role.ADMIN}, "Khoá kết quả"),
        _t("reopen", {S.APPROVED, S.LOCKED}, S.REVIEWED, {Role.ADMIN}, "Mở lại để điều chỉnh"),
    )
}
EDITABLE_BY_REPORTER = {S.DRAFT, S.RETURNED}


def _is_user(actor: Actor) -> bool:
    return isinstance(actor, AbstractBaseUser)


def require_role(actor: Actor, assessment: Assessment, roles: set[str] | frozenset[str]) -> None:
    """Raise NotAllowed unless `actor` holds one of `roles` on the assessment's unit."""
    if not _is_user(actor):
        return
    if not access.has_role(actor, assessment.unit, *roles):  # type: ignore[arg-type]
        raise NotAllowed([_("Bạn không có quyền thực hiện thao tác này với đơn vị này.")])


def allowed_transitions(actor: Actor, assessment: Assessment) -> list[Transition]:
    """The transitions the actor could run now (for buttons in the UI and the API)."""
    out = []
    for transition in TRANSITIONS.values():
        if assessment.status not in transition.sources:
            continue
        try:
            require_role(actor, assessment, transition.roles)
        except NotAllowed:
            continue
        out.append(transition)
    return out


@transaction.atomic
def transition(assessment: Assessment, name: str, actor: Actor, *, reason: str = "") -> Assessment:
    """Run the transition `name` (submit, sign, reject, resubmit, approve, lock, reopen).

    Raises WorkflowError when the assessment is not in a source state or a precondition fails
    (e.g. required evidence missing before submit), NotAllowed when the role is missing.
    """
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise WorkflowError([_("Thao tác không hợp lệ: %(n)s") % {"n": name}])
    locked = Assessment.objects.select_for_update().select_related("unit").get(pk=assessment.pk)
    require_role(actor, locked, spec.roles)
    if locked.status not in spec.sources:
        raise WorkflowError(
            [
                _("Không thể “%(t)s” khi bản đánh giá đang ở trạng thái “%(s)s”.")
                % {"t": spec.label, "s": locked.get_status_display()}
            ]
        )
    _PRECONDITIONS.get(name, _no_check)(locked)
    if name == "reject" and not reason.strip():
        raise WorkflowError([_("Hãy ghi lý do trả về.")])
    old = locked.status
    _move(locked, spec.target)
    if name == "sign" and not _verifier_entries(locked).exists():
        _move(locked, S.VERIFIED)  # nothing to co-verify
    record(
        actor,
        f"assessment.{name}",
        locked,
        old={"status": old},
        new={"status": locked.status},
        reason=reason,
    )
    _rescore(locked)
    assessment.status, assessment.revision = locked.status, locked.revision
    return locked


def _move(assessment: Assessment, target: str) -> None:
    now = timezone.now()
    stamps: dict[str, str] = {
        S.SUBMITTED: "submitted_at",
        S.SIGNED: "signed_at",
        S.APPROVED: "approved_at",
    }
    assessment.status = target
    fields = ["status", "revision", "updated_at"]
    if target in stamps:
        setattr(assessment, stamps[target], now)
        fields.append(stamps[target])
    assessment.revision += 1
    assessment.save(update_fields=fields)


def _no_check(assessment: Assessment) -> None:
    return None


def _check_submit(assessment: Assessment) -> None:
    """Required evidence present, and every input that is filled in is valid."""
    problems = []
    for entry in assessment.entries.select_related("indicator").prefetch_related("evidence"):
        indicator = entry.indicator
        if indicator.evidence_required and not entry.evidence.all():
            problems.append(
                _("%(c)s: thiếu minh chứng bắt buộc (%(e)s)")
                % {"c": indicator.code, "e": indicator.evidence or _("tài liệu kiểm chứng")}
            )
        problems += validate_inputs(indicator, entry.self_inputs or {})
    if problems:
        raise WorkflowError(problems)


def _check_resubmit(assessment: Assessment) -> None:
    if assessment.entries.filter(review=Review.RETURNED).exists():
        codes = assessment.entries.filter(review=Review.RETURNED).values_list(
            "indicator__code", flat=True
        )
        raise WorkflowError(
            [_("Còn chỉ tiêu bị trả lại chưa sửa: %(c)s") % {"c": ", ".join(codes)}]
        )


def _check_approve(assessment: Assessment) -> None:
    pending = assessment.entries.filter(review=Review.PENDING)
    if pending.exists():
        codes = ", ".join(pending.values_list("indicator__code", flat=True)[:10])
        raise WorkflowError([_("Còn chỉ tiêu chưa thẩm định: %(c)s") % {"c": codes}])


_PRECONDITIONS = {
    "submit": _check_submit,
    "resubmit": _check_resubmit,
    "approve": _check_approve,
}


def _verifier_entries(assessment: Assessment) -> Any:
    return assessment.entries.exclude(indicator__verifier="")


def _rescore(assessment: Assessment) -> None:
    events.publish_on_commit(
        events.ASSESSMENT_CHANGED, version_id=assessment.version_id, period_id=assessment.period_id
    )


# --- editing by the unit ---------------------------------------------------------------------


def save_self_inputs(
    assessment: Assessment,
    changes: Sequence[EntryChange],
    actor: Actor,
    *,
    expected_revision: int | None = None,
) -> int:
    """The unit's reporter edits its own figures: in draft, or the returned indicators only.

    Raises NotAllowed, WorkflowError (wrong state or not a returned indicator), ConflictError
    (someone saved first) or CollectionError (invalid values).
    """
    require_role(actor, assessment, {Role.REPORTER})
    if assessment.status not in EDITABLE_BY_REPORTER:
        raise WorkflowError(
            [
                _("Bản đánh giá ở trạng thái “%(s)s”, không sửa được.")
                % {"s": assessment.get_status_display()}
            ]
        )
    if assessment.status == S.RETURNED:
        returned = set(
            assessment.entries.filter(review=Review.RETURNED).values_list(
                "indicator__code", flat=True
            )
        )
        others = sorted({c.code for c in changes} - returned)
        if others:
            raise WorkflowError(
                [
                    _("Chỉ được sửa các chỉ tiêu bị trả lại; không sửa được: %(c)s")
                    % {"c": ", ".join(others)}
                ]
            )
    selfish = [_as_stage(c, Stage.SELF) for c in changes]
    return apply_changes(assessment, selfish, actor, expected_revision=expected_revision)


def _as_stage(change: EntryChange, stage: str) -> EntryChange:
    change.stage = stage
    return change


# --- co-verification ---------------------------------------------------------------------------


@transaction.atomic
def verify_entry(
    assessment: Assessment,
    code: str,
    actor: Actor,
    *,
    corrected: Mapping[str, Any] | None = None,
    reason: str = "",
) -> Entry:
    """A co-verifying unit confirms (or corrects, with a reason) a figure it owns.

    The correction becomes the appraisal inputs. When every figure owned by a verifier is
    confirmed, a signed assessment moves to verified.
    """
    entry = _entry(assessment, code)
    _require_verifier(actor, entry)
    if assessment.status != S.SIGNED:
        raise WorkflowError([_("Chỉ xác minh được bản đánh giá đã được lãnh đạo ký.")])
    if corrected is not None:
        if not reason.strip():
            raise WorkflowError([_("Điều chỉnh số liệu cần ghi lý do.")])
        apply_changes(
            assessment, [EntryChange(code, dict(corrected), Stage.APPRAISAL)], actor, reason=reason
        )
        entry.refresh_from_db()
    entry.verified_at = timezone.now()
    entry.save(update_fields=["verified_at", "updated_at"])
    record(actor, "entry.verify", entry, new={"corrected": corrected}, reason=reason)
    if not _verifier_entries(assessment).filter(verified_at__isnull=True).exists():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        old = locked.status
        _move(locked, S.VERIFIED)
        record(
            actor, "assessment.verified", locked, old={"status": old}, new={"status": locked.status}
        )
        assessment.status, assessment.revision = locked.status, locked.revision
    _rescore(assessment)
    return entry


def _require_verifier(actor: Actor, entry: Entry) -> None:
    if not _is_user(actor):
        return
    codes = {u.code for u in access.verifier_units(actor)}  # type: ignore[arg-type]
    if entry.indicator.verifier not in codes and not access.is_superuser(actor):  # type: ignore[arg-type]
        raise NotAllowed([_("Đơn vị của bạn không phải đơn vị xác minh chỉ tiêu này.")])


def _entry(assessment: Assessment, code: str) -> Entry:
    entry = assessment.entries.select_related("indicator").filter(indicator__code=code).first()
    if entry is None:
        raise WorkflowError([_("Không có chỉ tiêu %(c)s trong bản đánh giá.") % {"c": code}])
    return entry


# --- review by the province --------------------------------------------------------------------


@transaction.atomic
def review_entry(
    assessment: Assessment,
    code: str,
    decision: str,
    actor: Actor,
    *,
    corrected: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Entry:
    """The province accepts, corrects (final inputs, reason required) or returns (comment
    required) one indicator of a verified assessment. Returning moves the assessment to
    returned; the last decision on a fully reviewed assessment moves it to reviewed."""
    require_role(actor, assessment, {Role.ADMIN})
    if assessment.status not in (S.VERIFIED, S.REVIEWED):
        raise WorkflowError([_("Chỉ thẩm định được bản đánh giá đã xác minh.")])
    entry = _entry(assessment, code)
    if decision in (Review.CORRECTED, Review.RETURNED) and not comment.strip():
        raise WorkflowError([_("Hãy ghi lý do hoặc ý kiến cho chỉ tiêu %(c)s.") % {"c": code}])
    if decision == Review.CORRECTED:
        if corrected is None:
            raise WorkflowError([_("Điều chỉnh cần số liệu mới.")])
        apply_changes(
            assessment, [EntryChange(code, dict(corrected), Stage.FINAL)], actor, reason=comment
        )
        entry.refresh_from_db()
    elif decision not in (Review.ACCEPTED, Review.RETURNED):
        raise WorkflowError([_("Quyết định thẩm định không hợp lệ: %(d)s") % {"d": decision}])
    old = {"review": entry.review, "comment": entry.review_comment}
    entry.review, entry.review_comment = decision, comment
    entry.save(update_fields=["review", "review_comment", "updated_at"])
    record(
        actor,
        "entry.review",
        entry,
        old=old,
        new={"review": decision, "comment": comment},
        reason=comment,
    )
    _settle_review(assessment, actor)
    _rescore(assessment)
    return entry


def _settle_review(assessment: Assessment, actor: Actor) -> None:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    reviews = set(locked.entries.values_list("review", flat=True))
    if Review.RETURNED in reviews:
        target = S.RETURNED
    elif Review.PENDING not in reviews:
        target = S.REVIEWED
    else:
        target = S.VERIFIED
    if target != locked.status:
        old = locked.status
        _move(locked, target)
        record(actor, "assessment.review", locked, old={"status": old}, new={"status": target})
    assessment.status, assessment.revision = locked.status, locked.revision


@transaction.atomic
def fix_returned(
    assessment: Assessment,
    change: EntryChange,
    actor: Actor,
    *,
    expected_revision: int | None = None,
) -> int:
    """The reporter corrects a returned indicator; it goes back to pending review."""
    count = save_self_inputs(assessment, [change], actor, expected_revision=expected_revision)
    Entry.objects.filter(assessment=assessment, indicator__code=change.code).update(
        review=Review.PENDING
    )
    return count


@transaction.atomic
def confirm_fixed(assessment: Assessment, code: str, actor: Actor) -> Entry:
    """The reporter says a returned indicator is fixed: it goes back to pending review.

    For the web, where each keystroke autosaves through `save_self_inputs` (so the indicator
    stays editable while it is being fixed) and the reporter confirms once at the end.
    Raises NotAllowed, or WorkflowError when the indicator is not returned.
    """
    require_role(actor, assessment, {Role.REPORTER})
    entry = _entry(assessment, code)
    if assessment.status != S.RETURNED or entry.review != Review.RETURNED:
        raise WorkflowError([_("Chỉ tiêu %(c)s không ở trạng thái bị trả lại.") % {"c": code}])
    entry.review = Review.PENDING
    entry.save(update_fields=["review", "updated_at"])
    record(
        actor,
        "entry.fixed",
        entry,
        old={"review": Review.RETURNED},
        new={"review": Review.PENDING},
    )
    return entry


def changes_since_approval(assessment: Assessment) -> int:
    """How many value edits were made to the assessment's indicators after it was approved
    (review decisions are audited too, but are not edits of figures)."""
    if assessment.approved_at is None:
        return 0
    from chiso.accounts.models import AuditEvent

    entry_ids = [str(pk) for pk in assessment.entries.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        action="entry.update",
        object_type="collection.entry",
        object_id__in=entry_ids,
        at__gt=assessment.approved_at,
    ).count()
