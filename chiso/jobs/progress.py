"""How long work says how far along it is: `start(total)`, then `advance(step)` as it goes.

Services that may run long take a `Reporter` (default `SILENT`); the caller decides where the
progress goes: a Job row a web page polls (`JobReporter`), or a bar on the terminal
(`BarReporter`, tqdm). Each JobReporter call is one short UPDATE on its own, so call it between
the work's transactions, not inside one (inside, the row would move only at the commit).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, Protocol

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chiso.jobs.choices import JobStatus
from chiso.jobs.models import Job

MESSAGE_LENGTH = 255


class Reporter(Protocol):
    def start(self, total: int, message: str = "") -> None: ...

    def advance(self, step: int = 1, message: str = "") -> None: ...


class Silent:
    """For callers that do not watch (tests, the save-triggered re-score)."""

    def start(self, total: int, message: str = "") -> None:
        pass

    def advance(self, step: int = 1, message: str = "") -> None:
        pass


SILENT = Silent()


@dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: a message, and a file to download or a link to follow."""

    message: str = ""
    file_name: str = ""
    content: bytes | None = None
    content_type: str = ""
    link: str = ""


def start(job_id: Any, total: int, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        total=max(total, 0),
        done=0,
        message=message[:MESSAGE_LENGTH],
        status=JobStatus.RUNNING,
        started=timezone.now(),
    )


def advance(job_id: Any, step: int = 1, message: str = "") -> None:
    fields: dict[str, Any] = {"done": F("done") + step}
    if message:
        fields["message"] = message[:MESSAGE_LENGTH]
    Job.objects.filter(pk=job_id).update(**fields)


@transaction.atomic
def finish(job_id: Any, outcome: Outcome) -> None:
    """Mark the job done and store its file through the default storage (never a local path:
    the web workers that serve the download may run on other machines)."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if outcome.content is not None:
        job.file.save(outcome.file_name, ContentFile(outcome.content), save=False)
        job.file_name, job.content_type = outcome.file_name, outcome.content_type
    job.link = outcome.link
    job.message = (outcome.message or job.message)[:MESSAGE_LENGTH]
    job.status, job.finished = JobStatus.SUCCEEDED, timezone.now()
    job.done = max(job.done, job.total)
    job.save()


def fail(job_id: Any, error: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error, finished=timezone.now()
    )


class JobReporter:
    """Progress into one Job row (what the web's progress page polls)."""

    def __init__(self, job_id: Any) -> None:
        self.job_id = job_id

    def start(self, total: int, message: str = "") -> None:
        start(self.job_id, total, message)

    def advance(self, step: int = 1, message: str = "") -> None:
        advance(self.job_id, step, message)


class BarReporter:
    """Progress as a tqdm bar on stderr. `disable=None` (the default) draws it only on a
    terminal, so logs (systemd, cron, tests) get no carriage-return noise."""

    def __init__(
        self, unit: str, *, out: IO[str] | None = None, disable: bool | None = None
    ) -> None:
        self.unit, self.out, self.disable = unit, out or sys.stderr, disable
        self.bar: Any = None

    def start(self, total: int, message: str = "") -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(
            total=total, desc=message, unit=self.unit, file=self.out, disable=self.disable
        )

    def advance(self, step: int = 1, message: str = "") -> None:
        if self.bar is None:
            return
        if message:
            self.bar.set_description_str(message, refresh=False)
        self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> BarReporter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
