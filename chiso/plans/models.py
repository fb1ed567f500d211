"""Documents (resolutions, plans, directives), their objectives and targets, their tasks.

A document states objectives ("mục tiêu"); an objective holds one or more measurable targets
("chỉ tiêu"): "90% cấp tỉnh, 80% cấp huyện, 60% cấp xã" is one objective with three targets.
A task is given to a lead (one unit, or a collective such as "UBND các xã" that expands to
every unit of that kind) and is tracked as occurrences: one per lead unit and due date, so a
quarterly report from 130 communes is 130 occurrences a quarter, each with its own updates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiso.lib.text import fold
from chiso.plans.choices import (
    Aggregate,
    Comparator,
    DocumentKind,
    OccurrenceStatus,
    Pillar,
    Recurrence,
    ReminderKind,
    Scope,
)

# `Target.indicator_input` for a ratio leaf: the percent 100 × numerator / denominator (or the
# leaf's own percent input), since the entry stores the two counts, not the ratio.
RATIO_INPUT = "%"

# Files go to the default storage (MEDIA_ROOT, which no URL serves, or a private S3 bucket):
# only the permission-checked views read them.


class Document(models.Model):
    province = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="plan_documents"
    )
    kind = models.CharField(_("loại văn bản"), max_length=16, choices=DocumentKind.choices)
    number = models.CharField(_("số hiệu"), max_length=60, blank=True)  # 586/KH-UBND
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    title = models.TextField(_("trích yếu"))
    text = models.TextField(_("toàn văn"), blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)
    related = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="implemented_by",
        verbose_name=_("văn bản liên quan (thực hiện)"),
    )
    search_key = models.CharField(max_length=600, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "number"], condition=~Q(number=""), name="document_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = fold(f"{self.number} {self.issuer} {self.title}")[:600]
        super().save(*args, **kwargs)


class Attachment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="plans/documents/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    """One statement of a document's objectives; met when all of its targets are met."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="objectives")
    pillar = models.CharField(_("trụ cột"), max_length=16, choices=Pillar.choices)
    text = models.TextField(_("nội dung"))
    position = models.PositiveIntegerField(default=0)
    # The text or the number was written for the demo, not taken from the document.
    illustrative = models.BooleanField(_("minh hoạ"), default=False)
    # Part of the dashboards' freshness stamp (dashboards/plan_links.py): an edit changes
    # neither the count nor the largest id, so without it a cached page would keep old values.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")

    def __str__(self) -> str:
        return self.text[:80]


class Target(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="targets")
    metric = models.TextField(_("chỉ tiêu"))
    comparator = models.CharField(_("so sánh"), max_length=2, choices=Comparator.choices)
    value = models.FloatField(_("giá trị"))
    unit = models.CharField(_("đơn vị tính"), max_length=60, blank=True)
    deadline = models.DateField(_("thời hạn"))
    scope = models.CharField(_("phạm vi"), max_length=16, choices=Scope.choices, blank=True)
    # Measured by a framework indicator (reported values), else by manual measurements.
    indicator = models.ForeignKey(
        "frameworks.Indicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_targets",
        verbose_name=_("chỉ số đo"),
    )
    indicator_input = models.CharField(max_length=60, default="value", blank=True)
    aggregate = models.CharField(max_length=8, choices=Aggregate.choices, default=Aggregate.MEAN)
    measured_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chỉ tính cho đơn vị"),
    )
    baseline_value = models.FloatField(_("giá trị gốc"), null=True, blank=True)
    baseline_on = models.DateField(_("ngày gốc"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    illustrative = models.BooleanField(_("minh hoạ"), default=False)
    updated_at = models.DateTimeField(auto_now=True)  # see Objective.updated_at

    class Meta:
        ordering = ["objective", "position"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")

    def __str__(self) -> str:
        return f"{self.metric[:60]} {self.comparator} {self.value:g}{self.unit}"


class Measurement(models.Model):
    """A value of a target's metric on a date, entered by hand with its evidence."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="measurements")
    value = models.FloatField(_("giá trị"))
    measured_on = models.DateField(_("ngày số liệu"))
    evidence = models.TextField(_("minh chứng"), blank=True)
    illustrative = models.BooleanField(_("minh hoạ"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "measured_on", "id"]
        verbose_name = _("số liệu đo")
        verbose_name_plural = _("số liệu đo")

    def __str__(self) -> str:
        return f"{self.target_id}: {self.value:g} ({self.measured_on:%d/%m/%Y})"


class Task(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("nhiệm vụ"))
    deliverable = models.TextField(_("sản phẩm, kết quả"), blank=True)
    lead_text = models.CharField(_("chủ trì (theo văn bản)"), max_length=255, blank=True)
    leads = models.ManyToManyField(
        "org.Unit", blank=True, related_name="led_tasks", verbose_name=_("đơn vị chủ trì")
    )
    coordinating_text = models.JSONField(_("phối hợp (theo văn bản)"), default=list, blank=True)
    coordinating = models.ManyToManyField(
        "org.Unit",
        blank=True,
        related_name="coordinated_tasks",
        verbose_name=_("đơn vị phối hợp"),
    )
    recurrence = models.CharField(
        _("lặp lại"), max_length=16, choices=Recurrence.choices, blank=True
    )
    # "ít nhất 20 tin, bài/năm": a count each occurrence must reach.
    quota = models.PositiveIntegerField(_("số lượng mỗi kỳ"), null=True, blank=True)
    quota_unit = models.CharField(_("đơn vị số lượng"), max_length=60, blank=True)
    starts_on = models.DateField(_("bắt đầu"), null=True, blank=True)
    deadline = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    indicators = models.ManyToManyField(
        "frameworks.Indicator", blank=True, related_name="plan_tasks"
    )
    targets = models.ManyToManyField(Target, blank=True, related_name="tasks")
    search_key = models.CharField(max_length=600, editable=False, db_index=True)

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = fold(f"{self.lead_text} {self.text}")[:600]
        super().save(*args, **kwargs)


class Occurrence(models.Model):
    """One lead unit's instance of a task with one due date (recurring tasks have many)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="occurrences")
    # Null when the lead named in the text is not a unit we know ("Các cơ quan báo chí").
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    due = models.DateField(_("hạn"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=OccurrenceStatus.choices,
        default=OccurrenceStatus.TODO,
        db_index=True,
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("lý do trả lại"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due", "task", "unit"]
        verbose_name = _("lượt thực hiện")
        verbose_name_plural = _("lượt thực hiện")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit", "due"], name="occurrence_unique")
        ]
        # A lead unit's work by deadline (its task list, reminders, overdue counts).
        indexes = [models.Index(fields=["unit", "due"], name="occurrence_lead_due")]

    def __str__(self) -> str:
        due = f" · {self.due:%d/%m/%Y}" if self.due else ""
        return f"{self.task}{due}"

    @property
    def is_open(self) -> bool:
        return self.status not in (OccurrenceStatus.DONE, OccurrenceStatus.CANCELLED)

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due is not None and self.due < today


class ProgressUpdate(models.Model):
    """A unit's report on an occurrence, with a file or a document reference as evidence."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("nội dung"))
    # xgettext:no-python-format
    percent = models.PositiveSmallIntegerField(_("% hoàn thành"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("số lượng"), null=True, blank=True)
    evidence = models.FileField(upload_to="plans/evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)
    doc_number = models.CharField(_("số hiệu văn bản"), max_length=60, blank=True)
    doc_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    doc_signer = models.CharField(_("người ký"), max_length=120, blank=True)
    doc_summary = models.TextField(_("trích yếu"), blank=True)

    class Meta:
        ordering = ["occurrence", "at", "id"]
        verbose_name = _("cập nhật tiến độ")
        verbose_name_plural = _("cập nhật tiến độ")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100), name="update_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurrence_id} · {self.at:%d/%m/%Y}"


class ReminderLog(models.Model):
    """What was sent, so a second run on the same day sends nothing again."""

    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    day = models.DateField()
    occurrence = models.ForeignKey(
        Occurrence, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "occurrence"],
                condition=Q(occurrence__isnull=False),
                name="reminder_once_per_occurrence_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "day", "user"],
                condition=Q(user__isnull=False),
                name="reminder_once_per_user_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day:%d/%m/%Y}"
