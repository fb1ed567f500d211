"""chiso serve [--host H] [--port P] [--workers N] [--threads T] [--no-collectstatic] [--dev]

Production: checks the configuration and the schema, collects the static files, then replaces
itself with gunicorn (chiso/gunicorn_conf.py), so the process a supervisor started is gunicorn's
master and receives its signals itself (SIGTERM: finish requests in flight, exit 0).
`--dev` runs Django's development server instead.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise CommandError(
            _("%(name)s=%(raw)r: cần một số nguyên dương") % {"name": name, "raw": raw}
        )
    return int(raw)


def cpus() -> int:
    """The CPUs this process may run on (a container's cpuset, not the whole host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Command(BaseCommand):
    help = "Chạy máy chủ web: gunicorn cho vận hành thật, hoặc máy chủ phát triển (--dev)."
    # Checked in handle(), with the deployment checks in production.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        # Defaults come from the environment in handle(), where a bad value is a clean error.
        parser.add_argument("--host", help="địa chỉ lắng nghe ($CHISO_HOST, 127.0.0.1)")
        parser.add_argument("--port", type=int, help="cổng ($CHISO_PORT, 8000)")
        parser.add_argument("--workers", type=int, help="số tiến trình ($CHISO_WORKERS, CPU + 1)")
        parser.add_argument("--threads", type=int, help="luồng mỗi tiến trình ($CHISO_THREADS, 2)")
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="không gom tệp tĩnh (đã gom sẵn, như trong ảnh Docker)",
        )
        parser.add_argument("--dev", action="store_true", help="máy chủ phát triển của Django")

    def handle(self, *args: Any, **opts: Any) -> None:
        host = opts["host"] or os.environ.get("CHISO_HOST") or "127.0.0.1"
        address = bind_address(host, opts["port"] or env_int("CHISO_PORT", 8000))
        if opts["dev"]:
            call_command("runserver", address)
            return
        workers = opts["workers"] or env_int("CHISO_WORKERS", cpus() + 1)
        threads = opts["threads"] or env_int("CHISO_THREADS", 2)
        self.check(include_deployment_checks=settings.PRODUCTION, fail_level=checks.ERROR)
        self.refuse_unapplied_migrations()
        if settings.PRODUCTION and not opts["no_collectstatic"]:
            # Hashed names for the manifest storage; WhiteNoise serves them from STATIC_ROOT.
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # each worker opens its own; none may inherit this one
        sys.stdout.flush()
        sys.stderr.flush()
        argv = [sys.executable, "-m", "gunicorn", "--config", "python:chiso.gunicorn_conf",
                "--bind", address, "--workers", str(workers), "--threads", str(threads),
                "chiso.wsgi:application"]  # fmt: skip
        os.execv(sys.executable, argv)

    def refuse_unapplied_migrations(self) -> None:
        """Serving new code over an old schema answers 500s: stop and say what to run."""
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise CommandError(
                _("Cơ sở dữ liệu còn %(n)d migration chưa áp dụng: chạy `chiso migrate` trước")
                % {"n": len(plan)}
            )
