"""Index frameworks as versioned data: a version's indicator tree is immutable once used."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiso.frameworks.choices import Level, Status


class Framework(models.Model):
    """A family of versions: `dti-province-2022`, `tayninh-commune-2026`, `nghean-commune`."""

    code = models.SlugField(_("mã"), max_length=80, unique=True)
    title = models.CharField(_("tên"), max_length=255)
    title_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    status = models.CharField(_("tính chính thức"), max_length=16, choices=Status.choices)
    provenance = models.TextField(_("nguồn"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("bộ chỉ số")
        verbose_name_plural = _("bộ chỉ số")

    def __str__(self) -> str:
        return self.title

    def latest_version(self) -> FrameworkVersion | None:
        return self.versions.order_by("-number").first()


class FrameworkVersion(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=255, blank=True)
    scale = models.FloatField(_("thang điểm"))
    unit_kinds = models.JSONField(_("áp dụng cho loại đơn vị"), default=list)
    views = models.JSONField(default=list)  # [{"code", "name", "members": [...], "scale"}]
    bands = models.JSONField(default=list)  # [{"code", "label", "min"}], min on the 0–1 index
    # {"kind", **params}: the rule of leaves loaded without one; kept so that a CSV of
    # sub-indicators added to this version later gets the same default.
    default_rule = models.JSONField(default=dict, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    checksum = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["framework__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.framework.code} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.framework.code}@{self.number}"

    def is_used(self) -> bool:
        """A version some assessment points at: its indicators must never change again."""
        return self.pk is not None and self.assessments.exists()


class VersionInUseError(Exception):
    """Raised on any attempt to change the indicators of a version used by an assessment."""


class Indicator(models.Model):
    """One node of a version's tree; leaves carry a scoring rule."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("mã"), max_length=40)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    name = models.TextField(_("tên"))
    name_en = models.TextField(_("tên tiếng Anh"), blank=True)
    max_points = models.FloatField(_("điểm tối đa"))
    rule_kind = models.CharField(_("cách tính điểm"), max_length=32, blank=True)
    rule_params = models.JSONField(default=dict, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=64, blank=True)
    method = models.TextField(_("phương pháp đánh giá"), blank=True)
    evidence = models.TextField(_("tài liệu kiểm chứng"), blank=True)
    evidence_required = models.BooleanField(_("bắt buộc có minh chứng"), default=False)
    data_source = models.CharField(_("nguồn số liệu"), max_length=255, blank=True)
    verifier = models.CharField(_("đơn vị phối hợp xác minh"), max_length=120, blank=True)
    applies_to = models.JSONField(_("áp dụng cho"), default=list, blank=True)
    is_leaf = models.BooleanField(default=False)  # set by the loader: no children
    position = models.PositiveIntegerField(default=0)  # document order within the version

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="indicator_max_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:60]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _ensure_unused(self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _ensure_unused(self)
        return super().delete(*args, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "max_points": self.max_points}


def _ensure_unused(indicator: Indicator) -> None:
    # Scores and evidence of past assessments refer to these rows: editing one would rewrite
    # history. Bulk updates bypass this; frameworks change only through services.load_framework.
    if indicator.version_id is not None and indicator.version.is_used():
        raise VersionInUseError(
            _("Phiên bản %(v)s đã được dùng để đánh giá; không được sửa chỉ tiêu của nó.")
            % {"v": indicator.version.label}
        )
