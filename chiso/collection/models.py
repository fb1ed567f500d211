"""Periods, assessments (unit × framework version × period) and their per-indicator entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiso.collection.choices import (
    AssessmentStatus,
    EntryStatus,
    EvidenceKind,
    PeriodKind,
    Review,
)


class Period(models.Model):
    """A reporting period: `2023`, `2024-Q1`, `2024-03`."""

    code = models.SlugField(_("mã kỳ"), max_length=16, unique=True)
    kind = models.CharField(_("loại kỳ"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))
    opens_on = models.DateField(_("mở nhập từ"), null=True, blank=True)
    closes_on = models.DateField(_("hạn nộp"), null=True, blank=True)

    class Meta:
        ordering = ["start", "kind"]
        verbose_name = _("kỳ đánh giá")
        verbose_name_plural = _("kỳ đánh giá")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_range")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return f"Năm {self.start.year}"
        if self.kind == PeriodKind.QUARTER:
            return f"Quý {(self.start.month - 1) // 3 + 1}/{self.start.year}"
        return f"Tháng {self.start.month}/{self.start.year}"


class Assessment(models.Model):
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="assessments")
    version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="assessments"
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    revision = models.PositiveIntegerField(default=0)  # optimistic locking
    # Bumped by the database itself (triggers, migration 0004) on every INSERT, UPDATE or
    # DELETE of one of this assessment's entries, whatever wrote it: the scoring column store
    # re-reads exactly the assessments whose counter moved since it last read them.
    inputs_seq = models.BigIntegerField(default=0, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "unit"]
        verbose_name = _("bản tự đánh giá")
        verbose_name_plural = _("bản tự đánh giá")
        constraints = [
            models.UniqueConstraint(fields=["unit", "version", "period"], name="assessment_unique")
        ]
        indexes = [
            # A unit's assessment in a period (scorecard, `chiso explain`, the API): the unique
            # constraint leads with version, which those lookups do not know.
            models.Index(fields=["unit", "period"], name="assessment_unit_period"),
            # A cohort (re-score, progress per period): 4,400 rows of 75,000 nationally.
            models.Index(fields=["version", "period", "status"], name="assessment_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"


class Entry(models.Model):
    """The inputs of one leaf indicator in one assessment, for each of the three stages.

    Inputs are `{input_name: number}` as the leaf's rule declares them. `appraisal_inputs` and
    `final_inputs` stay null until a reviewer sets them; the final score falls back to the
    appraisal, then to the self-assessment.
    """

    # No index of its own: the unique index on (assessment, indicator) leads with it. Every
    # index an UPDATE has to touch makes a sheet import slower (collection/migrations/0005).
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    indicator = models.ForeignKey(
        "frameworks.Indicator", on_delete=models.PROTECT, related_name="entries"
    )
    self_inputs = models.JSONField(default=dict, blank=True)
    appraisal_inputs = models.JSONField(null=True, blank=True)
    final_inputs = models.JSONField(null=True, blank=True)
    progress = models.CharField(
        _("tình trạng"),
        max_length=16,
        choices=EntryStatus.choices,
        default=EntryStatus.NOT_STARTED,
    )
    owner = models.CharField(_("phụ trách"), max_length=255, blank=True)
    due = models.DateField(_("hạn xử lý"), null=True, blank=True)
    note = models.TextField(_("minh chứng / ghi chú"), blank=True)
    review = models.CharField(
        _("thẩm định"), max_length=16, choices=Review.choices, default=Review.PENDING
    )
    review_comment = models.TextField(_("ý kiến thẩm định"), blank=True)
    verified_at = models.DateTimeField(_("đơn vị xác minh xác nhận lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not indexed, so that saving an entry changes no indexed column and PostgreSQL can
    # update it in place (a HOT update, no index touched): see migration 0005. Only deleting
    # a user looks entries up by it.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.indicator.code}"


class Evidence(models.Model):
    """A file or a document reference that backs one or more indicators, reusable across
    periods. Files live in the default storage (MEDIA_ROOT/evidence, outside the web root, or
    a private S3 bucket), are read only through the storage API and served only through a
    permission-checked view."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("loại"), max_length=16, choices=EvidenceKind.choices)
    title = models.CharField(_("tên"), max_length=255, blank=True)
    file = models.FileField(_("tệp"), upload_to="evidence/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    number = models.CharField(_("số hiệu"), max_length=80, blank=True)  # 586/KH-UBND
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    signer = models.CharField(_("người ký"), max_length=120, blank=True)
    summary = models.TextField(_("trích yếu"), blank=True)
    is_public = models.BooleanField(_("công khai"), default=False)
    entries = models.ManyToManyField(Entry, related_name="evidence", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")

    def __str__(self) -> str:
        if self.kind == EvidenceKind.DOCUMENT:
            return f"{self.number} {self.summary[:60]}".strip()
        return self.title or self.original_name
