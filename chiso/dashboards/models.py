"""What the public may see: a cohort (framework version × period) an admin has published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    """The results of one framework version in one period, made public by an admin.

    The public portal and the open data read only cohorts that have a row here; withdrawing
    a publication deletes the row (the audit log keeps who published and withdrew, and when).
    """

    version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="publications"
    )
    period = models.ForeignKey(
        "collection.Period", on_delete=models.PROTECT, related_name="publications"
    )
    published_at = models.DateTimeField(_("công bố lúc"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("ghi chú công bố"), max_length=255, blank=True)

    class Meta:
        ordering = ["-period__start", "version__framework__code"]
        verbose_name = _("kết quả đã công bố")
        verbose_name_plural = _("kết quả đã công bố")
        constraints = [
            models.UniqueConstraint(fields=["version", "period"], name="publication_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version.label} · {self.period.code}"
