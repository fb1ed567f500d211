"""A background job's pages: its progress (HTMX polls it every second), the file it made, and
the list of one's own jobs.

Only the user who started a job, and the admins of the province it concerns, see it; anyone
else gets the same 404 as for a job that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.jobs import services as jobs
from chiso.jobs.choices import JobStatus
from chiso.jobs.models import Job

# htmx stops polling when a poll answers 286 (and still shows the answer).
STOP_POLLING = 286


def _may_see(user: Any, job: Job) -> bool:
    if job.user_id is not None and job.user_id == user.pk:
        return True
    if job.unit is not None:
        return access.has_role(user, job.unit, Role.ADMIN)
    return access.is_superuser(user)


def job_or_404(request: HttpRequest, pk: Any) -> Job:
    job = Job.objects.select_related("unit").filter(pk=pk).first()
    if job is None or not _may_see(request.user, job):
        raise Http404
    return jobs.sync(job)


@never_cache
@login_required
@require_GET
def job_page(request: HttpRequest, pk: Any) -> HttpResponse:
    return render(request, "exports/job.html", {"job": job_or_404(request, pk)})


@never_cache
@login_required
@require_GET
def job_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    job = job_or_404(request, pk)
    status = STOP_POLLING if job.is_finished else 200
    return render(request, "exports/_job_progress.html", {"job": job}, status=status)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: Any) -> FileResponse:
    job = job_or_404(request, pk)
    if job.status != JobStatus.SUCCEEDED or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=job.content_type or "application/octet-stream",
    )


@never_cache
@login_required
@require_GET
def my_jobs(request: HttpRequest) -> HttpResponse:
    user_id = request.user.pk
    mine = Job.objects.filter(user_id=user_id)[:50] if user_id is not None else Job.objects.none()
    return render(request, "exports/jobs.html", {"jobs": mine})
