"""Assessments: read, write values (optimistic locking), run transitions, verify, review."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from chiso.accounts import access
from chiso.api.auth import caller
from chiso.api.errors import ConflictOut, ErrorOut
from chiso.api.pagination import Paged
from chiso.api.schemas import (
    AssessmentOut,
    EntryChangeIn,
    EntryOut,
    InputOut,
    ReviewIn,
    SnapshotOut,
    TransitionIn,
    ValuesIn,
    ValuesOut,
    VerifyIn,
)
from chiso.collection.choices import AssessmentStatus
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import EntryChange
from chiso.collection.workflow import (
    allowed_transitions,
    fix_returned,
    review_entry,
    save_self_inputs,
    transition,
    verify_entry,
)
from chiso.exports.leaves import entries_in_order, input_specs
from chiso.scoring.models import ScoreSnapshot

router = Router(tags=["Bản đánh giá"])
# 422: a parameter the schema refuses (an id that is not a number, a limit below 1).
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: ErrorOut,
}


class AssessmentFilter(Schema):
    period: str | None = None
    framework: str | None = None
    unit: str | None = None
    status: str | None = None


def visible(request: HttpRequest) -> QuerySet[Assessment]:
    query = Assessment.objects.select_related("unit", "version__framework", "period")
    return access.scoped(query, caller(request))


def get_assessment(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the caller may read it; else 404, the same as a missing one."""
    return access.get_visible_or_404(visible(request), caller(request), pk=pk)


def assessment_out(assessment: Assessment, user: Any) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "unit": assessment.unit.code,
        "unit_name": assessment.unit.name,
        "framework": assessment.version.framework.code,
        "version": assessment.version.number,
        "period": assessment.period.code,
        "status": assessment.status,
        "status_label": str(assessment.get_status_display()),
        "revision": assessment.revision,
        "submitted_at": assessment.submitted_at,
        "signed_at": assessment.signed_at,
        "approved_at": assessment.approved_at,
        "transitions": [t.name for t in allowed_transitions(user, assessment)],
    }


@router.get(
    "/assessments",
    response={200: list[AssessmentOut], **READ_ERRORS},
    summary="Danh sách bản đánh giá mà bạn được xem",
)
@paginate(Paged)
def list_assessments(request: HttpRequest, filters: Query[AssessmentFilter]) -> Any:
    """Lọc theo kỳ (`period=2025`), bộ chỉ số (`framework=`), đơn vị (`unit=`), trạng thái."""
    query = visible(request).order_by("period__start", "unit__code", "pk")
    lookups = {
        "period__code": filters.period,
        "version__framework__code": filters.framework,
        "unit__code": filters.unit,
        "status": filters.status,
    }
    query = query.filter(**{k: v for k, v in lookups.items() if v})
    # allowed_transitions needs the caller's roles per row; roles are cached on the user.
    return [assessment_out(a, caller(request)) for a in query]


@router.get(
    "/assessments/{int:pk}",
    response={200: AssessmentOut, **READ_ERRORS},
    summary="Một bản đánh giá",
)
def read_assessment(request: HttpRequest, pk: int) -> Any:
    return assessment_out(get_assessment(request, pk), caller(request))


@router.get(
    "/assessments/{int:pk}/entries",
    response={200: list[EntryOut], **READ_ERRORS},
    summary="Số liệu và điểm từng chỉ tiêu",
)
def list_entries(request: HttpRequest, pk: int) -> Any:
    assessment = get_assessment(request, pk)
    points = {s.stage: s.points for s in ScoreSnapshot.objects.filter(assessment=assessment)}
    entries = entries_in_order(assessment).prefetch_related("evidence")
    return [entry_out(e, points) for e in entries]


def entry_out(entry: Entry, points: dict[str, dict[str, float]]) -> dict[str, Any]:
    indicator = entry.indicator
    return {
        "code": indicator.code,
        "name": indicator.name,
        "max_points": indicator.max_points,
        "inputs": [
            InputOut(name=s.name, type=s.type, label=s.label_vi) for s in input_specs(indicator)
        ],
        "self_inputs": entry.self_inputs or {},
        "appraisal_inputs": entry.appraisal_inputs,
        "final_inputs": entry.final_inputs,
        "points": {stage: by_code.get(indicator.code) for stage, by_code in points.items()},
        "progress": entry.progress,
        "owner": entry.owner,
        "due": entry.due,
        "note": entry.note,
        "review": entry.review,
        "review_comment": entry.review_comment,
        "verified_at": entry.verified_at,
        "evidence": [e.pk for e in entry.evidence.all()],
    }


@router.patch(
    "/assessments/{int:pk}/entries",
    response={200: ValuesOut, **WRITE_ERRORS},
    summary="Ghi số liệu tự đánh giá (khoá lạc quan theo revision)",
)
def write_values(request: HttpRequest, pk: int, body: ValuesIn) -> Any:
    """Tất cả hoặc không thay đổi nào. Nếu `revision` đã cũ: 409 `conflict` kèm giá trị đang
    lưu (`current`) và `revision` mới. Khi bản đánh giá bị trả lại, chỉ sửa được các chỉ tiêu
    bị trả lại; chúng trở về trạng thái chờ thẩm định."""
    assessment = get_assessment(request, pk)
    changes = [_change(c) for c in body.changes]
    if assessment.status == AssessmentStatus.RETURNED:
        changed = _fix_all(assessment, changes, caller(request), body.revision)
    else:
        changed = save_self_inputs(
            assessment, changes, caller(request), expected_revision=body.revision
        )
    assessment.refresh_from_db(fields=["revision"])
    return {"changed": changed, "revision": assessment.revision}


def _change(item: EntryChangeIn) -> EntryChange:
    return EntryChange(
        code=item.code,
        inputs=item.inputs,
        progress=item.progress,
        owner=item.owner,
        due="" if item.clear_due else item.due,  # "" clears the due date
        note=item.note,
    )


@transaction.atomic
def _fix_all(assessment: Assessment, changes: list[EntryChange], user: Any, revision: int) -> int:
    # The first fix checks the caller's revision; the rest follow it inside one transaction.
    changed = 0
    for index, change in enumerate(changes):
        expected = revision if index == 0 else None
        changed += fix_returned(assessment, change, user, expected_revision=expected)
    return changed


@router.post(
    "/assessments/{int:pk}/transitions/{name}",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Chuyển trạng thái: submit, sign, reject, resubmit, approve, lock, reopen",
)
def run_transition(request: HttpRequest, pk: int, name: str, body: TransitionIn) -> Any:
    """Mỗi thao tác kiểm tra vai trò của người gọi với đơn vị và ghi một dòng nhật ký."""
    assessment = get_assessment(request, pk)
    transition(assessment, name, caller(request), reason=body.reason)
    return assessment_out(get_assessment(request, pk), caller(request))


@router.post(
    "/assessments/{int:pk}/entries/{code}/verify",
    response={200: EntryOut, **WRITE_ERRORS},
    summary="Đơn vị xác minh xác nhận hoặc điều chỉnh số liệu mình quản lý",
)
def verify(request: HttpRequest, pk: int, code: str, body: VerifyIn) -> Any:
    assessment = get_assessment(request, pk)
    verify_entry(assessment, code, caller(request), corrected=body.corrected, reason=body.reason)
    return _one_entry(assessment, code)


@router.post(
    "/assessments/{int:pk}/entries/{code}/review",
    response={200: EntryOut, **WRITE_ERRORS},
    summary="Tỉnh thẩm định một chỉ tiêu: chấp nhận, điều chỉnh hoặc trả lại",
)
def review(request: HttpRequest, pk: int, code: str, body: ReviewIn) -> Any:
    assessment = get_assessment(request, pk)
    review_entry(
        assessment,
        code,
        body.decision,
        caller(request),
        corrected=body.corrected,
        comment=body.comment,
    )
    return _one_entry(assessment, code)


def _one_entry(assessment: Assessment, code: str) -> dict[str, Any]:
    entry = entries_in_order(assessment).prefetch_related("evidence").get(indicator__code=code)
    points = {s.stage: s.points for s in ScoreSnapshot.objects.filter(assessment=assessment)}
    return entry_out(entry, points)


@router.get(
    "/assessments/{int:pk}/scores",
    response={200: list[SnapshotOut], **READ_ERRORS},
    summary="Điểm của bản đánh giá theo từng giai đoạn (tự đánh giá, thẩm định, chính thức)",
)
def scores(request: HttpRequest, pk: int) -> Any:
    assessment = get_assessment(request, pk)
    return list(ScoreSnapshot.objects.filter(assessment=assessment).order_by("stage"))
