"""Score snapshots (what dashboards read) and officially published results."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chiso.collection.choices import Stage


class ScoreSnapshot(models.Model):
    """The scores of one assessment at one stage, replaced whole on every re-score.

    `points` maps every node code to its points; `views` maps view codes (DTI pillars) to
    0–1 values; `ranks` maps "all" and each peer-group code to the unit's rank there;
    `flags` maps leaf codes to the engine's flag names (missing input, invalid, clamped).
    """

    assessment = models.ForeignKey(
        "collection.Assessment", on_delete=models.CASCADE, related_name="snapshots"
    )
    stage = models.CharField(max_length=16, choices=Stage.choices)
    # Denormalised so rankings and dashboards filter without joins.
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey("collection.Period", on_delete=models.CASCADE, related_name="+")
    total = models.FloatField(_("tổng điểm"))
    index = models.FloatField(_("chỉ số"))
    rank = models.PositiveIntegerField(_("xếp hạng"), null=True)
    points = models.JSONField(default=dict)
    views = models.JSONField(default=dict)
    ranks = models.JSONField(default=dict)
    flags = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)
    # blake2b of the scored content (services._encode): a re-score rewrites only the rows whose
    # digest changed. Empty for rows written before it existed (rewritten on their next re-score).
    digest = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        ordering = ["rank", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "stage"], name="snapshot_unique")
        ]
        indexes = [
            models.Index(fields=["version", "period", "stage", "rank"]),
            # One unit's rows (its history over periods, its scorecard, a successor's
            # predecessors): found directly instead of scanning 4,400-row cohorts.
            models.Index(
                fields=["unit", "version", "period", "stage"], name="snapshot_unit_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} [{self.stage}] {self.total:.2f}"


class PublishedResult(models.Model):
    """A result as an authority published it (e.g. dti.gov.vn, DTI 2022: Nghệ An 52/63)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="published")
    framework = models.ForeignKey("frameworks.Framework", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    of = models.PositiveSmallIntegerField(null=True, blank=True)  # cohort size: 63
    index = models.FloatField(null=True, blank=True)
    source_url = models.TextField(blank=True)

    class Meta:
        ordering = ["year", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "framework", "year"], name="published_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.rank}/{self.of}"
