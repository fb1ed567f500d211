"""For tests: run what is queued through django-tasks' own database worker code.

`run_queued_tasks` claims and runs each ready task with the worker's own `run_task`, in this
process and on this connection, so it works inside a test's transaction (the worker's polling
loop closes connections between polls, which a test transaction does not survive).
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def _worker(*, batch: bool, interval: float = 0.0) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run_queued_tasks() -> int:
    """Run every ready task, as `chiso worker --batch` would; returns how many ran."""
    worker, ran = _worker(batch=True), 0
    while True:
        with exclusive_transaction():
            found = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if found is not None:
                found.claim(worker.worker_id)
        if found is None:
            return ran
        worker.run_task(found)
        ran += 1
