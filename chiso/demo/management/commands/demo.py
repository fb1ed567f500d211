"""chiso demo [--serve] [--host H] [--port P]: migrate, build the demo data, optionally serve."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from chiso.demo.builder import DEMO_PASSWORD, DEMO_PEOPLE, build


class Command(BaseCommand):
    help = "Dựng dữ liệu minh hoạ (Nghệ An, DTI 2022, xã Cần Giuộc) và chạy web."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--serve", action="store_true", help="chạy web sau khi dựng")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **opts: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        build(progress=lambda text: self.stdout.write(f"• {text}"))
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nchiso đã sẵn sàng: {url}"))
        self.stdout.write(f"  Đăng nhập tại {url}accounts/login/ — mật khẩu: {DEMO_PASSWORD}")
        for username, (name, roles) in DEMO_PEOPLE.items():
            what = ", ".join(f"{role} @ {unit}" for unit, role in roles) or "quản trị hệ thống"
            self.stdout.write(f"    {username:<12} {name} ({what})")
        if opts["serve"]:
            self.serve(f"{opts['host']}:{opts['port']}")

    def serve(self, address: str) -> None:
        """The dev server with a background worker beside it (reports requested on the web are
        built by the worker); the worker stops when the server stops."""
        worker = start_worker()
        self.stdout.write(f"  Tiến trình nền (chiso worker) đang chạy, pid {worker.pid}")
        try:
            call_command("runserver", address, use_reloader=False)
        finally:
            stop_worker(worker)


def start_worker() -> subprocess.Popen[bytes]:
    # The same interpreter and environment (settings, database) as this process.
    command = [sys.executable, "-m", "chiso.cli", "worker", "--no-reload", "--interval", "1"]
    return subprocess.Popen(command)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the worker finish the task in hand; a stuck one is killed after 30 s."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
