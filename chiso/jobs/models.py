"""A background job's visible progress. django-tasks keeps the queue (its DBTaskResult row says
queued / running / done); this row says how far along the work is, in words a person reads,
and holds what the job produced (a file, or a link to the changed object)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chiso.jobs.choices import FINISHED, JobKind, JobStatus


class Job(models.Model):
    # Random, so a job page's address says nothing about other jobs (access is still checked).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    # Who started it: null for the command line.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    # The unit the job concerns (its province admins may see the job). jobs sits below org in
    # the app levels: the unit is named by its relation, never imported.
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL)
    scope = models.CharField(max_length=255, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=128, blank=True)
    link = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"], name="job_by_user")]
        verbose_name = _("tác vụ nền")
        verbose_name_plural = _("tác vụ nền")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.scope}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
