"""Writes of the plans app. Each is one transaction with one audit row and takes the actor.

Permission checks for users happen here too (not only in views), so the web, the API and the
CLI refuse the same things: they raise PermissionDenied, which views turn into a 404.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts.access import User as AccessUser
from chiso.accounts.services import Actor, record
from chiso.frameworks.models import Indicator
from chiso.lib.safe_files import display_name
from chiso.org.models import Unit
from chiso.plans import access
from chiso.plans.choices import (
    Aggregate,
    Comparator,
    OccurrenceStatus,
    Pillar,
    Recurrence,
    Scope,
)
from chiso.plans.evidence import check_upload, stored_name
from chiso.plans.leads import resolve_leads
from chiso.plans.models import (
    RATIO_INPUT,
    Attachment,
    Document,
    Measurement,
    Objective,
    Occurrence,
    ProgressUpdate,
    Target,
    Task,
)
from chiso.plans.schedule import due_dates
from chiso.scoring.engine import RULES, InputSpec

# Recurring tasks without an end get their occurrences this far ahead; `chiso remind` extends.
HORIZON_DAYS = 366


@dataclass
class TargetSpec:
    metric: str
    comparator: Comparator
    value: float
    deadline: dt.date
    unit: str = ""
    scope: Scope = Scope.ANY
    illustrative: bool = False


@dataclass
class TaskSpec:
    text: str
    lead_text: str = ""
    coordinating_text: list[str] = field(default_factory=list)
    deliverable: str = ""
    recurrence: Recurrence = Recurrence.NONE
    deadline: dt.date | None = None
    starts_on: dt.date | None = None
    quota: int | None = None
    quota_unit: str = ""
    expand_collective: bool = True


@dataclass
class DocumentRef:
    """A document cited as evidence: số hiệu, ngày, người ký, trích yếu."""

    number: str = ""
    date: dt.date | None = None
    signer: str = ""
    summary: str = ""


@transaction.atomic
def create_document(
    acting_user: Actor,
    *,
    province: Unit,
    kind: str,
    title: str,
    issuer: str,
    number: str = "",
    issued_on: dt.date | None = None,
    text: str = "",
    source_url: str = "",
    related: Sequence[Document] = (),
) -> Document:
    """A document of `province`. Users need the province admin role."""
    _check(acting_user, lambda user: access.can_manage(user, province))
    _check_number(province, number)
    document = Document.objects.create(
        province=province,
        kind=kind,
        number=number,
        issued_on=issued_on,
        issuer=issuer,
        title=title,
        text=text,
        source_url=source_url,
    )
    document.related.set(_same_province(related, province))
    record(acting_user, "plans.create_document", document, new={"number": number})
    return document


DOCUMENT_FIELDS = ("kind", "number", "issued_on", "issuer", "title", "text", "source_url")


@transaction.atomic
def update_document(
    acting_user: Actor,
    document: Document,
    *,
    related: Sequence[Document] | None = None,
    **changes: object,
) -> Document:
    """Change the fields in `changes` (DOCUMENT_FIELDS) and, when given, the related documents.

    The audit row keeps the old and new values of what changed. Users need the admin role.
    """
    _check(acting_user, lambda user: access.can_manage(user, document.province))
    unknown = set(changes) - set(DOCUMENT_FIELDS)
    if unknown:
        raise ValueError(f"not document fields: {sorted(unknown)}")
    if "number" in changes:
        _check_number(document.province, str(changes["number"]), exclude=document)
    old = {k: str(getattr(document, k)) for k in changes if getattr(document, k) != changes[k]}
    for name, value in changes.items():
        setattr(document, name, value)
    document.save()
    if related is not None:
        if document in related:
            raise ValidationError(_("Văn bản không thể thực hiện chính nó."))
        document.related.set(_same_province(related, document.province))
    new = {k: str(getattr(document, k)) for k in old}
    record(acting_user, "plans.update_document", document, old=old, new=new)
    return document


@transaction.atomic
def add_attachment(
    acting_user: Actor, document: Document, upload: UploadedFile[bytes]
) -> Attachment:
    """A file of the document (type checked on its bytes, size capped, stored privately)."""
    _check(acting_user, lambda user: access.can_manage(user, document.province))
    attachment = Attachment(
        document=document,
        content_type=check_upload(upload),
        name=display_name(upload.name or "tep"),
        size=upload.size or 0,
    )
    attachment.file.save(stored_name(upload), upload, save=False)
    attachment.save()
    record(acting_user, "plans.add_attachment", document, new={"file": attachment.name})
    return attachment


@transaction.atomic
def add_objective(
    acting_user: Actor,
    document: Document,
    *,
    pillar: Pillar,
    text: str,
    targets: Sequence[TargetSpec],
    illustrative: bool = False,
) -> Objective:
    """An objective and its targets (one per level when the statement sets several)."""
    _check(acting_user, lambda user: access.can_manage(user, document.province))
    if not targets:
        raise ValidationError(_("Mục tiêu cần ít nhất một chỉ tiêu."))
    position = document.objectives.count()
    objective = Objective.objects.create(
        document=document, pillar=pillar, text=text, position=position, illustrative=illustrative
    )
    Target.objects.bulk_create(
        Target(objective=objective, position=i, **vars(spec)) for i, spec in enumerate(targets)
    )
    record(acting_user, "plans.add_objective", objective, new={"targets": len(targets)})
    return objective


OBJECTIVE_FIELDS = ("pillar", "text")
TARGET_FIELDS = (
    "metric",
    "comparator",
    "value",
    "unit",
    "deadline",
    "scope",
    "baseline_value",
    "baseline_on",
)


@dataclass(frozen=True)
class Dependents:
    """What deleting an objective or a target takes with it: the objective's targets, their
    manual measurements, and the links from tasks (the tasks and their progress stay)."""

    targets: int = 0
    measurements: int = 0
    tasks: int = 0


def dependents(item: Objective | Target) -> Dependents:
    targets = _targets_of(item)
    return Dependents(
        targets=targets.count() if isinstance(item, Objective) else 0,
        measurements=Measurement.objects.filter(target__in=targets).count(),
        tasks=Task.objects.filter(targets__in=targets).distinct().count(),
    )


@transaction.atomic
def update_objective(acting_user: Actor, objective: Objective, **changes: Any) -> Objective:
    """Change the objective's OBJECTIVE_FIELDS; the audit row keeps old and new values.

    Raises PermissionDenied (users need the province admin role), ValidationError keyed by
    the field at fault (an empty text, an unknown pillar), ValueError for another field.
    """
    _check(acting_user, lambda user: access.can_manage(user, _province(objective)))
    _known(changes, OBJECTIVE_FIELDS)
    errors: dict[str, str] = {}
    if "text" in changes and not str(changes["text"]).strip():
        errors["text"] = _("Nội dung mục tiêu không được để trống.")
    if "pillar" in changes and changes["pillar"] not in Pillar.values:
        errors["pillar"] = _("Trụ cột không có trong danh sách.")
    if errors:
        raise ValidationError(errors)
    _apply(acting_user, "plans.update_objective", objective, changes)
    return objective


@transaction.atomic
def update_target(acting_user: Actor, target: Target, **changes: Any) -> Target:
    """Change the target's TARGET_FIELDS; the audit row keeps old and new values.

    Measurements and the indicator link stay: the status is recomputed from them against the
    new requirement. Raises PermissionDenied (users need the province admin role),
    ValidationError keyed by the field at fault, ValueError for a field not in TARGET_FIELDS.
    """
    _check(acting_user, lambda user: access.can_manage(user, _province(target)))
    _known(changes, TARGET_FIELDS)
    merged = {name: changes.get(name, getattr(target, name)) for name in TARGET_FIELDS}
    errors = {**_requirement_errors(merged), **_baseline_errors(merged)}
    if errors:
        raise ValidationError(errors)
    _apply(acting_user, "plans.update_target", target, changes)
    return target


@transaction.atomic
def delete_objective(
    acting_user: Actor, objective: Objective, *, confirmed: Dependents | None = None
) -> None:
    """Delete the objective with its targets and their manual measurements; linked tasks stay.

    `confirmed` is what the user was shown (see `dependents`): the deletion is refused with a
    ValidationError unless it is exactly what the objective has now, so nothing added since
    goes unseen. The audit row keeps every target and measurement, so they can be re-entered.
    Raises PermissionDenied (users need the province admin role).
    """
    objective = Objective.objects.select_for_update(of=("self",)).get(pk=objective.pk)
    _check(acting_user, lambda user: access.can_manage(user, _province(objective)))
    _check_confirmed(objective, confirmed)
    targets = [_snapshot(t) for t in _targets_of(objective)]
    old = {"pillar": objective.pillar, "text": objective.text, "targets": targets}
    record(acting_user, "plans.delete_objective", objective, old=old)
    document = objective.document
    objective.delete()
    _renumber(document.objectives.all())


@transaction.atomic
def delete_target(
    acting_user: Actor, target: Target, *, confirmed: Dependents | None = None
) -> None:
    """Delete the target with its manual measurements; linked tasks stay, unlinked.

    Refused (ValidationError) when it is its objective's only target, since an objective needs
    one (edit the target, or delete the objective), and when it has measurements or linked
    tasks that `confirmed` does not match (see `delete_objective`). The audit row keeps the
    target and its measurements. Raises PermissionDenied (users need the province admin role).
    """
    # The objective's row first: two admins deleting its last two targets take turns.
    objective = Objective.objects.select_for_update(of=("self",)).get(pk=target.objective_id)
    target = Target.objects.select_for_update(of=("self",)).get(pk=target.pk)
    _check(acting_user, lambda user: access.can_manage(user, _province(objective)))
    if not objective.targets.exclude(pk=target.pk).exists():
        raise ValidationError(
            _(
                "Đây là chỉ tiêu duy nhất của mục tiêu, mà mỗi mục tiêu cần ít nhất một chỉ "
                "tiêu: hãy sửa chỉ tiêu này, hoặc xoá cả mục tiêu."
            ),
            code="last_target",
        )
    _check_confirmed(target, confirmed)
    record(acting_user, "plans.delete_target", target, old=_snapshot(target))
    target.delete()
    _renumber(objective.targets.all())


@transaction.atomic
def record_measurement(
    acting_user: Actor,
    target: Target,
    *,
    value: float,
    measured_on: dt.date,
    evidence: str = "",
    illustrative: bool = False,
) -> Measurement:
    """A manual value of the target's metric. Users need the province admin role."""
    _check(acting_user, lambda user: access.can_measure(user, _doc(target)))
    if target.indicator_id is not None:
        # Its status reads the indicator's reported values: a manual value would be ignored.
        raise ValidationError(
            _("Chỉ tiêu này được đo bằng số liệu báo cáo của chỉ số, không nhập số liệu thủ công.")
        )
    measurement = Measurement.objects.create(
        target=target,
        value=value,
        measured_on=measured_on,
        evidence=evidence,
        illustrative=illustrative,
        recorded_by=_user(acting_user),
    )
    record(acting_user, "plans.record_measurement", target, new={"value": value})
    return measurement


@transaction.atomic
def link_indicator(
    acting_user: Actor,
    target: Target,
    *,
    indicator: Indicator | None,
    aggregate: Aggregate = Aggregate.MEAN,
    measured_unit: Unit | None = None,
) -> Target:
    """Measure `target` by a framework leaf's reported values (None: back to manual values).

    A ratio leaf is read as a percent (100 × numerator / denominator); other leaves by their
    single numeric input. `measured_unit` reads one unit only; otherwise the values of the
    units of the target's scope are averaged or summed (`aggregate`).
    """
    document = _doc(target)
    _check(acting_user, lambda user: access.can_measure(user, document))
    old = {"indicator": target.indicator_id}
    target.indicator = indicator
    target.indicator_input = _input_name(indicator) if indicator else "value"
    target.aggregate = aggregate
    target.measured_unit = measured_unit if indicator else None
    if measured_unit is not None and not _inside(measured_unit, document.province):
        raise ValidationError(_("Đơn vị đo không thuộc tỉnh của văn bản."))
    target.save(
        update_fields=["indicator", "indicator_input", "aggregate", "measured_unit", "updated_at"]
    )
    new = {"indicator": target.indicator_id, "aggregate": aggregate}
    record(acting_user, "plans.link_indicator", target, old=old, new=new)
    return target


def indicator_by_code(framework_code: str, code: str) -> Indicator:
    """The leaf `code` of the framework's latest version. Raises ValidationError if absent."""
    found = (
        Indicator.objects.filter(version__framework__code=framework_code, code=code.strip())
        .select_related("version__framework")
        .order_by("-version__number")
        .first()
    )
    if found is None:
        raise ValidationError(
            _("Bộ chỉ số %(framework)s không có chỉ tiêu mã %(code)s.")
            % {"framework": framework_code, "code": code.strip()},
            code="indicator",
        )
    return found


def _input_name(indicator: Indicator) -> str:
    """The entry input that carries the leaf's value. Raises ValidationError if none does."""
    if not indicator.is_leaf or not indicator.rule_kind:
        raise ValidationError(
            _("Chỉ số %(code)s không phải chỉ tiêu lá có số liệu báo cáo.")
            % {"code": indicator.code}
        )
    if indicator.rule_kind == "ratio":
        return RATIO_INPUT
    numeric = [spec.name for spec in _specs(indicator) if spec.type != "choice"]
    if len(numeric) != 1:
        raise ValidationError(
            _("Chỉ số %(code)s không có một giá trị số duy nhất để đo chỉ tiêu.")
            % {"code": indicator.code}
        )
    return numeric[0]


def _specs(indicator: Indicator) -> list[InputSpec]:
    rule = RULES[indicator.rule_kind].from_params(indicator.rule_params, indicator.max_points)
    return list(rule.inputs)


def _inside(unit: Unit, province: Unit) -> bool:
    parents = {unit.pk, unit.parent_id, unit.parent.parent_id if unit.parent else None}
    return province.pk in parents


@transaction.atomic
def assign_task(
    acting_user: Actor, document: Document, spec: TaskSpec, *, until: dt.date | None = None
) -> Task:
    """A task with its leads resolved to units and its occurrences generated up to `until`."""
    on = spec.starts_on or document.issued_on or timezone.localdate()
    task = Task.objects.create(
        document=document,
        position=document.tasks.count(),
        text=spec.text,
        deliverable=spec.deliverable,
        lead_text=spec.lead_text,
        coordinating_text=spec.coordinating_text,
        recurrence=spec.recurrence,
        quota=spec.quota,
        quota_unit=spec.quota_unit,
        starts_on=spec.starts_on,
        deadline=spec.deadline,
    )
    leads = resolve_leads(spec.lead_text, document.province, on, expand=spec.expand_collective)
    task.leads.set(leads)
    task.coordinating.set(_coordinating(spec.coordinating_text, document.province, on))
    created = _generate(task, on, until or on + dt.timedelta(days=HORIZON_DAYS))
    record(acting_user, "plans.assign_task", task, new={"leads": len(leads), "due": created})
    return task


@transaction.atomic
def extend_occurrences(acting_user: Actor, until: dt.date) -> int:
    """Create the recurring tasks' occurrences due up to `until` (idempotent)."""
    created = 0
    for task in Task.objects.exclude(recurrence="").prefetch_related("leads"):
        start = task.starts_on or task.document.issued_on or until
        created += _generate(task, start, until)
    if created:
        record(acting_user, "plans.extend_occurrences", Task(), new={"created": created})
    return created


@transaction.atomic
def post_progress(
    acting_user: Actor,
    occurrence: Occurrence,
    *,
    note: str,
    percent: int | None = None,
    quantity: int | None = None,
    evidence: UploadedFile[bytes] | None = None,
    reference: DocumentRef | None = None,
) -> ProgressUpdate:
    """A progress report by the lead unit. Raises PermissionDenied, ValidationError (file)."""
    occurrence = _lock(occurrence)
    _check(acting_user, lambda user: access.can_update(user, occurrence))
    if not occurrence.is_open:
        raise ValidationError(_("Nhiệm vụ đã hoàn thành hoặc đã huỷ, không cập nhật thêm."))
    update = ProgressUpdate(
        occurrence=occurrence,
        author=_user(acting_user),
        note=note,
        percent=percent,
        quantity=quantity,
    )
    _attach(update, evidence, reference or DocumentRef())
    update.save()
    if occurrence.status in (OccurrenceStatus.TODO, OccurrenceStatus.RETURNED):
        occurrence.status = OccurrenceStatus.IN_PROGRESS
        occurrence.save(update_fields=["status", "updated_at"])
    record(acting_user, "plans.post_progress", occurrence, new={"percent": percent})
    return update


@transaction.atomic
def complete_occurrence(acting_user: Actor, occurrence: Occurrence, note: str = "") -> Occurrence:
    """The lead unit declares the work done. Raises PermissionDenied."""
    occurrence = _lock(occurrence)
    _check(acting_user, lambda user: access.can_update(user, occurrence))
    old = occurrence.status
    occurrence.status = OccurrenceStatus.DONE
    occurrence.completed_at = timezone.now()
    occurrence.save(update_fields=["status", "completed_at", "updated_at"])
    if note:
        ProgressUpdate.objects.create(
            occurrence=occurrence, author=_user(acting_user), note=note, percent=100
        )
    record(acting_user, "plans.complete_occurrence", occurrence, old=old, new=occurrence.status)
    return occurrence


@transaction.atomic
def return_occurrence(acting_user: Actor, occurrence: Occurrence, reason: str) -> Occurrence:
    """The province admin sends the work back with a reason. Raises PermissionDenied."""
    occurrence = _lock(occurrence)
    _check(acting_user, lambda user: access.can_return(user, occurrence))
    if not reason.strip():
        raise ValidationError(_("Cần nêu lý do trả lại."))
    old = occurrence.status
    occurrence.status = OccurrenceStatus.RETURNED
    occurrence.returned_reason = reason
    occurrence.completed_at = None
    occurrence.save(update_fields=["status", "returned_reason", "completed_at", "updated_at"])
    record(
        acting_user,
        "plans.return_occurrence",
        occurrence,
        old=old,
        new=occurrence.status,
        reason=reason,
    )
    return occurrence


def _generate(task: Task, start: dt.date, until: dt.date) -> int:
    leads: list[Unit | None] = list(task.leads.all()) or [None]
    wanted = {
        (u.pk if u else None, d)
        for u in leads
        for d in due_dates(task.recurrence, start, until, task.deadline)
    }
    existing = set(task.occurrences.values_list("unit_id", "due"))
    missing = sorted(wanted - existing, key=lambda k: (k[1] or dt.date.max, k[0] or 0))
    Occurrence.objects.bulk_create(Occurrence(task=task, unit_id=u, due=d) for u, d in missing)
    return len(missing)


def _coordinating(names: Sequence[str], province: Unit, on: dt.date) -> list[Unit]:
    # "các cơ quan, đơn vị liên quan" is not a list of units: never expand a collective here.
    return [u for name in names for u in resolve_leads(name, province, on, expand=False)]


def _attach(update: ProgressUpdate, upload: UploadedFile[bytes] | None, ref: DocumentRef) -> None:
    if upload is not None:
        update.evidence_type = check_upload(upload)
        update.evidence_name = display_name(upload.name or "minh-chung")
        update.evidence_size = upload.size
        update.evidence.save(stored_name(upload), upload, save=False)
    update.doc_number, update.doc_date = ref.number, ref.date
    update.doc_signer, update.doc_summary = ref.signer, ref.summary


def _lock(occurrence: Occurrence) -> Occurrence:
    """Re-read under a row lock so two concurrent updates cannot interleave."""
    return (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("task__document__province", "unit")
        .get(pk=occurrence.pk)
    )


def _check_number(province: Unit, number: str, exclude: Document | None = None) -> None:
    # The database refuses it too; checking first gives the user a sentence, not an error 500.
    same = Document.objects.filter(province=province, number=number).exclude(number="")
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if number and same.exists():
        raise ValidationError(
            _("Tỉnh đã có văn bản số %(number)s.") % {"number": number}, code="number"
        )


def _same_province(related: Sequence[Document], province: Unit) -> list[Document]:
    """Related documents come from the same province's programme (no cross-province links)."""
    if any(d.province_id != province.pk for d in related):
        raise ValidationError(_("Văn bản liên quan phải thuộc cùng tỉnh."))
    return list(related)


def _doc(target: Target) -> Document:
    return target.objective.document


def _province(item: Objective | Target) -> Unit:
    objective = item.objective if isinstance(item, Target) else item
    return objective.document.province


def _known(changes: dict[str, Any], fields: Sequence[str]) -> None:
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"not editable fields: {sorted(unknown)}")


def _apply(actor: Actor, action: str, item: Objective | Target, changes: dict[str, Any]) -> None:
    """Save what differs and audit it; nothing differs, nothing is written."""
    old = {k: _plain(getattr(item, k)) for k, v in changes.items() if getattr(item, k) != v}
    if not old:
        return
    for name in old:
        setattr(item, name, changes[name])
    item.save(update_fields=[*old, "updated_at"])
    record(actor, action, item, old=old, new={k: _plain(getattr(item, k)) for k in old})


def _plain(value: object) -> object:
    """A JSON value for the audit row (dates as ISO text, choices as their value)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if isinstance(value, str) else value


def _finite(value: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value)  # type: ignore[arg-type]


def _requirement_errors(target: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(target["metric"] or "").strip():
        errors["metric"] = _("Tên chỉ tiêu đo không được để trống.")
    if target["comparator"] not in Comparator.values:
        errors["comparator"] = _("Phép so sánh phải là ≥, ≤ hoặc =.")
    if not _finite(target["value"]):
        errors["value"] = _("Giá trị của chỉ tiêu phải là một số.")
    if len(str(target["unit"] or "")) > 60:  # Target.unit's max_length
        errors["unit"] = _("Đơn vị tính dài quá 60 ký tự.")
    if target["scope"] not in Scope.values:
        errors["scope"] = _("Phạm vi không có trong danh sách.")
    if not isinstance(target["deadline"], dt.date):
        errors["deadline"] = _("Cần nhập thời hạn của chỉ tiêu.")
    return errors


def _baseline_errors(target: dict[str, Any]) -> dict[str, str]:
    """The base point (value, date) from which progress is measured: both or neither."""
    value, on, deadline = target["baseline_value"], target["baseline_on"], target["deadline"]
    if value is None and on is None:
        return {}
    if value is None or not _finite(value):
        return {"baseline_value": _("Có ngày gốc thì cần nhập giá trị gốc (một số).")}
    if not isinstance(on, dt.date):
        return {"baseline_on": _("Có giá trị gốc thì cần nhập ngày gốc.")}
    if isinstance(deadline, dt.date) and on >= deadline:
        return {"baseline_on": _("Ngày gốc phải trước thời hạn của chỉ tiêu.")}
    return {}


def _targets_of(item: Objective | Target) -> QuerySet[Target]:
    if isinstance(item, Objective):
        return item.targets.all()
    return Target.objects.filter(pk=item.pk)


def _check_confirmed(item: Objective | Target, confirmed: Dependents | None) -> None:
    """Refuse to delete what goes with `item` unless the user confirmed exactly that."""
    found = dependents(item)
    if found == Dependents() or confirmed == found:
        return
    counts = {"targets": found.targets, "measurements": found.measurements, "tasks": found.tasks}
    if isinstance(item, Objective):
        what = _(
            "Mục tiêu có %(targets)d chỉ tiêu, %(measurements)d số liệu đo và %(tasks)d "
            "nhiệm vụ liên kết."
        )
    else:
        what = _("Chỉ tiêu có %(measurements)d số liệu đo và %(tasks)d nhiệm vụ liên kết.")
    if confirmed is None:
        why = _(
            "Các số liệu đo bị xoá cùng; nhiệm vụ vẫn giữ, chỉ bỏ liên kết. Xem danh sách trên "
            "trang xác nhận rồi xác nhận xoá."
        )
    else:
        why = _(
            "Dữ liệu đi kèm đã thay đổi từ khi mở trang xác nhận: xem lại danh sách rồi "
            "xác nhận xoá lần nữa."
        )
    raise ValidationError(f"{what % counts} {why}", code="dependents")


def _snapshot(target: Target) -> dict[str, Any]:
    """Everything a deleted target held, for the audit row."""
    fields = {name: _plain(getattr(target, name)) for name in TARGET_FIELDS}
    indicator = target.indicator.code if target.indicator else None
    measurements = [
        {"on": m.measured_on.isoformat(), "value": m.value, "evidence": m.evidence}
        for m in target.measurements.order_by("measured_on", "id")
    ]
    tasks = list(target.tasks.order_by("pk").values_list("pk", flat=True))
    return {**fields, "indicator": indicator, "measurements": measurements, "tasks": tasks}


def _renumber(rows: QuerySet[Any]) -> None:
    """Positions stay 0..n-1, so the next one added (position = count) comes last, untied."""
    items = list(rows.order_by("position", "pk"))
    for i, item in enumerate(items):
        item.position = i
    rows.model.objects.bulk_update(items, ["position"])


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _check(actor: Actor, allowed: Callable[[AccessUser], bool]) -> None:
    """System writes (a label such as "cli" or "demo") pass; people need the right role."""
    if isinstance(actor, str) or actor is None:
        return
    if not allowed(actor):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
