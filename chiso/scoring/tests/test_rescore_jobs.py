"""`chiso rescore` with progress: in the foreground, queued for the worker, and through a real
`chiso worker` process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from chiso.collection.services import ensure_period
from chiso.collection.sheets import import_sheet
from chiso.frameworks.models import FrameworkVersion
from chiso.jobs.choices import JobKind, JobStatus
from chiso.jobs.models import Job
from chiso.jobs.progress import Outcome, Reporter
from chiso.jobs.services import run
from chiso.jobs.testing import run_queued_tasks
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.tasks import cohorts, rescore_cohorts


class Recorder:
    """A reporter that remembers what it was told (a real implementation of the protocol)."""

    def __init__(self) -> None:
        self.total, self.done, self.messages = 0, 0, list[str]()

    def start(self, total: int, message: str = "") -> None:
        self.total = total

    def advance(self, step: int = 1, message: str = "") -> None:
        self.done += step
        self.messages.append(message)


@pytest.fixture
def scored(tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path) -> None:
    import_sheet(sample_sheet, tayninh, can_giuoc, ensure_period("2025"), "test")


@pytest.mark.django_db
def test_the_rescore_counts_its_progress_in_assessments(scored: None) -> None:
    recorder = Recorder()
    reports = rescore_cohorts(cohorts(), recorder)
    assert recorder.total == recorder.done == 1
    assert recorder.messages == [f"{reports[0].version} · 2025"]
    assert ScoreSnapshot.objects.count() == reports[0].snapshots > 0


@pytest.mark.django_db
def test_rescore_in_the_background_is_run_by_the_worker(scored: None) -> None:
    ScoreSnapshot.objects.all().delete()
    out = io.StringIO()
    call_command("rescore", "--background", stdout=out)
    job = Job.objects.get(kind=JobKind.RESCORE)
    assert str(job.pk) in out.getvalue() and job.user is None
    assert ScoreSnapshot.objects.count() == 0
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 1
    assert ScoreSnapshot.objects.count() > 0


@pytest.mark.django_db
def test_a_failing_job_records_the_error_and_raises_for_the_queue(scored: None) -> None:
    job = Job.objects.create(kind=JobKind.RESCORE)

    def broken(reporter: Reporter) -> Outcome:
        reporter.start(2)
        reporter.advance(1)
        raise ValueError("cột 'Điểm' hỏng")

    with pytest.raises(ValueError):
        run(str(job.pk), broken)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.done == 1
    assert "cột 'Điểm' hỏng" in job.error


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a second process needs a database it can reach: the SQLite test database is in memory",
)
@pytest.mark.django_db(transaction=True)
def test_chiso_worker_runs_a_queued_rescore_in_its_own_process(scored: None) -> None:
    ScoreSnapshot.objects.all().delete()
    call_command("rescore", "--background", stdout=io.StringIO())
    db: dict[str, Any] = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CHISO_INSECURE_DEV": "1"}
    command = [sys.executable, "-m", "chiso.cli", "worker", "--batch", "--no-startup-delay"]
    subprocess.run(command, env=env, check=True, timeout=120, capture_output=True)
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    assert ScoreSnapshot.objects.count() > 0
