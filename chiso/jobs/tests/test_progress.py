"""The progress API: a job row moves as the work advances; a bar draws on a stream; a task
that died outside chiso's code is mirrored as failed."""

from __future__ import annotations

import io

import pytest
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from chiso.jobs import services
from chiso.jobs.choices import JobKind, JobStatus
from chiso.jobs.progress import BarReporter, JobReporter, Outcome, finish

pytestmark = pytest.mark.django_db


@task()
def never_run(job_id: str) -> None:
    """Queued by the tests below, never run."""


def test_a_job_row_moves_as_the_work_advances_and_keeps_its_file(
    settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    job = services.create_job(JobKind.REPORT, scope="Báo cáo thử")
    reporter = JobReporter(job.pk)
    reporter.start(4, "Bắt đầu")
    reporter.advance(1, "Bước một")
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.RUNNING, 1, 4, 25)
    assert job.message == "Bước một"
    finish(
        job.pk,
        Outcome(file_name="bao-cao.txt", content="Xin chào".encode(), content_type="text/plain"),
    )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.percent == 100
    assert job.file.read() == "Xin chào".encode()


def test_the_bar_draws_its_progress_on_the_stream() -> None:
    out = io.StringIO()
    with BarReporter("dòng", out=out, disable=False) as bar:
        bar.start(10, "Kiểm tra")
        bar.advance(5)
    assert "5/10" in out.getvalue() and "Kiểm tra" in out.getvalue()


def test_a_task_that_died_outside_chiso_is_shown_as_failed() -> None:
    job = services.enqueue(services.create_job(JobKind.RESCORE), never_run)
    row = DBTaskResult.objects.get(pk=job.task_id)
    row.set_failed(RuntimeError("worker killed"))
    services.sync(job)
    assert job.status == JobStatus.FAILED and "bất thường" in job.error
