"""Jobs: create one, queue its task, run its body with progress, mirror how it ended.

The queue is django-tasks' (DatabaseBackend, `chiso worker` runs it); a Job row is the part a
person sees. Progress rows are telemetry, not domain data: they are written without an audit
row, while the work a job does (an import, a re-score) audits itself as it always does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task_backends
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from chiso.jobs import progress
from chiso.jobs.models import Job

logger = logging.getLogger(__name__)


def create_job(kind: str, *, user: Any = None, unit: Any = None, scope: str = "") -> Job:
    return Job.objects.create(kind=kind, user=user, unit=unit, scope=scope[:255])


def enqueue(job: Job, task: Task[..., Any], **kwargs: Any) -> Job:
    """Queue `task(job_id=…, **kwargs)`; keyword arguments must be JSON values.

    Call it inside the caller's transaction: the job, its queue row and the caller's audit row
    commit together, and a worker cannot pick the task up before they exist.
    """
    result = task.enqueue(job_id=str(job.pk), **kwargs)
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])
    return job


def run(job_id: str, work: Callable[[progress.Reporter], progress.Outcome]) -> None:
    """The body of every job task: run `work` with the job's reporter, then record how it
    ended. A failure is written on the job (its page shows it) and raised again, so the task
    queue marks the task failed too and keeps the traceback."""
    try:
        outcome = work(progress.JobReporter(job_id))
    except Exception as exc:
        # The task queue logs the traceback and keeps it on its result row.
        logger.warning("job %s failed: %s", job_id, exc)
        progress.fail(job_id, error_text(exc))
        raise
    progress.finish(job_id, outcome)


def error_text(exc: BaseException) -> str:
    """What the job page shows: the service's own translated messages when it has them."""
    messages = getattr(exc, "messages", None)
    if isinstance(messages, list) and messages:
        return "\n".join(str(m) for m in messages)
    return _("Lỗi không mong đợi (%(kind)s): %(text)s") % {
        "kind": type(exc).__name__,
        "text": str(exc) or "—",
    }


def sync(job: Job) -> Job:
    """Mirror a task that died outside `run` (worker killed, task code missing) on its job,
    so its page stops waiting."""
    if job.is_finished or not job.task_id:
        return job
    backend = task_backends["default"]
    if not backend.supports_get_result:
        return job
    try:
        result = backend.get_result(job.task_id)
    except TaskResultDoesNotExist:
        return job
    if result.status == TaskResultStatus.FAILED:
        progress.fail(job.pk, _("Tác vụ nền dừng bất thường; hãy thử lại."))
        job.refresh_from_db()
    return job
