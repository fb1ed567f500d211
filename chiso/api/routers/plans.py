"""Plans (read): documents, their targets with status, tasks (occurrences) and their progress;
and one write, a progress update by the lead unit, through the plans services."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from chiso.api.auth import caller
from chiso.api.errors import ErrorOut
from chiso.api.pagination import Paged
from chiso.plans import access, queries, services
from chiso.plans.models import Document, Occurrence, Target

router = Router(tags=["Kế hoạch, nhiệm vụ"])
# 422: a parameter the schema refuses (an id that is not a number, a limit below 1).
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DocumentOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: dt.date | None
    issuer: str
    title: str


class TargetOut(Schema):
    id: int
    metric: str
    comparator: str
    value: float
    unit: str
    deadline: dt.date
    scope: str
    status: str = Field(description="met, on_track, off_track, missed… (theo phương pháp Open SDG)")
    current: float | None


class TaskOut(Schema):
    id: int = Field(description="Mã lượt thực hiện (occurrence)")
    document: int
    task: str
    deliverable: str
    unit: str | None
    due: dt.date | None
    status: str
    state: str = Field(description="open, due_soon, overdue, returned, done, cancelled")


class UpdateOut(Schema):
    id: int
    at: dt.datetime
    author: str
    note: str
    percent: int | None
    quantity: int | None


class ProgressIn(Schema):
    note: str
    percent: int | None = Field(None, ge=0, le=100)
    quantity: int | None = Field(None, ge=0)


def _today() -> dt.date:
    return timezone.localdate()


@router.get(
    "/plans/documents",
    response={200: list[DocumentOut], **ERRORS},
    summary="Văn bản (nghị quyết, kế hoạch, chỉ thị…) bạn được xem",
)
@paginate(Paged)
def list_documents(request: HttpRequest) -> Any:
    return access.visible_documents(caller(request)).order_by("-issued_on", "pk")


@router.get(
    "/plans/documents/{int:pk}", response={200: DocumentOut, **ERRORS}, summary="Một văn bản"
)
def read_document(request: HttpRequest, pk: int) -> Document:
    return access.get_document_or_404(caller(request), pk=pk)


@router.get(
    "/plans/documents/{int:pk}/targets",
    response={200: list[TargetOut], **ERRORS},
    summary="Mục tiêu của văn bản và tình trạng đạt",
)
def list_targets(request: HttpRequest, pk: int) -> Any:
    document = access.get_document_or_404(caller(request), pk=pk)
    targets = Target.objects.filter(objective__document=document).order_by("position", "pk")
    return [_target(t) for t in targets]


def _target(target: Target) -> dict[str, Any]:
    evaluation = queries.evaluate_target(target, _today())
    return {
        "id": target.pk,
        "metric": target.metric,
        "comparator": target.comparator,
        "value": target.value,
        "unit": target.unit,
        "deadline": target.deadline,
        "scope": target.scope,
        "status": str(evaluation.status),
        "current": evaluation.current.value if evaluation.current else None,
    }


@router.get(
    "/plans/tasks",
    response={200: list[TaskOut], **ERRORS},
    summary="Nhiệm vụ (từng lượt thực hiện) bạn được xem; `mine=true`: của đơn vị mình",
)
@paginate(Paged)
def list_tasks(request: HttpRequest, mine: bool = False, state: str | None = None) -> Any:
    user = caller(request)
    found = access.own_occurrences(user) if mine else access.visible_occurrences(user)
    found = queries.with_related(found)
    if state:
        found = queries.filter_state(found, state, _today())
    return [_task(o) for o in found]


def _task(occurrence: Occurrence) -> dict[str, Any]:
    return {
        "id": occurrence.pk,
        "document": occurrence.task.document_id,
        "task": occurrence.task.text,
        "deliverable": occurrence.task.deliverable,
        "unit": occurrence.unit.code if occurrence.unit else None,
        "due": occurrence.due,
        "status": occurrence.status,
        "state": str(queries.state_of(occurrence, _today())),
    }


@router.get(
    "/plans/tasks/{int:pk}/progress",
    response={200: list[UpdateOut], **ERRORS},
    summary="Các lần cập nhật tiến độ của một nhiệm vụ",
)
def list_progress(request: HttpRequest, pk: int) -> Any:
    occurrence = access.get_occurrence_or_404(caller(request), pk=pk)
    return [_update(u) for u in occurrence.updates.select_related("author").order_by("at", "pk")]


def _update(update: Any) -> dict[str, Any]:
    return {
        "id": update.pk,
        "at": update.at,
        "author": update.author.get_username() if update.author else "",
        "note": update.note,
        "percent": update.percent,
        "quantity": update.quantity,
    }


@router.post(
    "/plans/tasks/{int:pk}/progress",
    response={201: UpdateOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Đơn vị chủ trì cập nhật tiến độ nhiệm vụ",
)
def post_progress(request: HttpRequest, pk: int, body: ProgressIn) -> Any:
    occurrence = access.get_occurrence_or_404(caller(request), pk=pk)
    update = services.post_progress(
        caller(request), occurrence, note=body.note, percent=body.percent, quantity=body.quantity
    )
    return Status(201, _update(update))
