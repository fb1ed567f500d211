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

    # No index of their own for assessment, unit and version: the unique (assessment, stage)
    # and the indexes below lead with them (each index costs every row written).
    assessment = models.ForeignKey(
        "collection.Assessment",
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_index=False,
    )
    stage = models.CharField(max_length=16, choices=Stage.choices)
    # Denormalised so rankings and dashboards filter without joins.
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+", db_index=False
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
    # blake2b of the scores, then of the ranks (services._Scores.digest_rows): a re-score
    # rewrites only the rows whose content changed, and of those whose ranks only moved only
    # the rank columns. Rows written before (empty, or one 32-digit half) are rewritten whole
    # on their next re-score.
    digest = models.CharField(max_length=64, blank=True, default="", editable=False)

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


class CohortStore(models.Model):
    """A cohort's engine input columns kept between re-scores (scoring/store.py).

    `generation` moves on every re-score of the cohort, and `token` is new whenever the row is
    created: a process's in-memory copy is used only while both still match. `data` is a base
    copy of the columns (numpy arrays, with each assessment's `inputs_seq` at the time it was
    read) that a process without a warm copy loads instead of reading every entry; it may lag
    behind the entries, since the re-score re-reads the assessments whose counter moved since.
    `scores_digest` moves with every re-score, in the same transaction as the snapshots.
    """

    version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey("collection.Period", on_delete=models.CASCADE, related_name="+")
    generation = models.BigIntegerField(default=0)
    token = models.CharField(max_length=32)
    checksum = models.CharField(max_length=64, blank=True)  # the version's, when data was saved
    data = models.BinaryField(null=True, editable=False)
    saved_at = models.DateTimeField(null=True)
    # A digest of the cohort's snapshots as the last re-score left them (every stage, every
    # row's content): a re-score whose fresh scores have the same one writes nothing, without
    # reading the stored rows back.
    scores_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "period"], name="cohort_store_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.period_id} @{self.generation}"
