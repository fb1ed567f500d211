"""chiso demo [--serve] [--host H] [--port P]: migrate, build the demo data, optionally serve."""

from __future__ import annotations

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
            call_command("runserver", f"{opts['host']}:{opts['port']}", use_reloader=False)
