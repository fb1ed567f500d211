"""The test database shared with real processes: a gunicorn server, a `chiso` command.

On PostgreSQL a subprocess simply connects to the test database (tests that use this run
with `transactional_db`, so what they set up is committed and visible). SQLite's test database
lives in this process's memory, so it is copied to a file with SQLite's online backup for the
processes, and copied back when they are done, so the test then reads what they wrote
through the ORM as usual.

    with shared_database(tmp_path) as site:
        with site.server(workers=4) as url: ...      # gunicorn chiso.wsgi
        site.run("chiso", "import-sheet", ...)        # or any command, with site.env
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


class Site:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.process: subprocess.Popen[str] | None = None  # the running server
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            CHISO_DATA_DIR=str(tmp_path / "data"),
            CHISO_MEDIA_ROOT=str(tmp_path / "media"),
            CHISO_INSECURE_DEV="1",
        )

    def command(self, *args: str) -> list[str]:
        """A `chiso` verb (or `python`, `gunicorn`) from this virtualenv."""
        return [str(BIN / args[0]), *args[1:]]

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), env=self.env, cwd=ROOT, capture_output=True, text=True, **kwargs
        )

    def popen(self, *args: str, log: str = "process.log") -> subprocess.Popen[str]:
        """Start a process; its output goes to a file under tmp_path (a pipe nobody reads
        would fill up and block the process's logging, and with it every request)."""
        with open(self.tmp_path / log, "a") as out:
            return subprocess.Popen(
                self.command(*args),
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own process group: a kill reaches every worker
            )

    def log(self, name: str = "server.log") -> str:
        path = self.tmp_path / name
        return path.read_text(errors="replace") if path.exists() else ""

    @contextmanager
    def server(self, workers: int = 2, threads: int = 4) -> Iterator[str]:
        """gunicorn (the production server) on a free port; yields its base URL."""
        port = free_port()
        process = self.popen(
            "gunicorn", "chiso.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--log-level", "warning", "--backlog", "512", "--timeout", "120",
            log="server.log",
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        self.process = process
        try:
            wait_until_up(url, process, self)
            yield url
        finally:
            self.process = None
            # SIGINT is gunicorn's quick shutdown: every request has been answered by now.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[str], site: Site, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{site.log()}")
        try:
            urllib.request.urlopen(f"{url}/health/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer /health/ in {seconds} s")


def database_url() -> str:
    settings = connection.settings_dict
    user, host = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[Site]:
    """The test database, reachable from subprocesses for the duration of the block."""
    if connection.vendor == "postgresql":
        yield Site(tmp_path, database_url())
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    _copy(connection.connection, path, outward=True)
    try:
        yield Site(tmp_path, f"sqlite:///{path}")
    finally:
        _copy(connection.connection, path, outward=False)


def _copy(memory: Any, path: Path, *, outward: bool) -> None:
    with sqlite3.connect(path) as disk:
        if outward:
            memory.backup(disk)
        else:
            disk.backup(memory)
    disk.close()


def wait_for(
    predicate: Any, seconds: float = 60, every: float = 0.05, what: str = "condition"
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise TimeoutError(f"{what}: not reached in {seconds} s")
