"""`chiso restore FILE`: a backup onto an empty instance (all of it, or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chiso.lib.formats import vn_number
from chiso.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu vào một cơ sở dữ liệu mới (đã chạy `chiso migrate`, chưa có "
        "dữ liệu); kiểm tra sha256 mọi thành phần trước khi ghi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="tệp sao lưu (.zip) do `chiso backup` tạo")
        parser.add_argument(
            "--check",
            action="store_true",
            help="chỉ kiểm tra tệp sao lưu (sha256, kích thước), không ghi gì",
        )
        parser.add_argument("--database", default="default", help="bí danh cơ sở dữ liệu")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        quiet = options["verbosity"] == 0
        say = (lambda _text: None) if quiet else self.stdout.write
        try:
            manifest = restore_backup(
                path, using=options["database"], progress=say, check_only=options["check"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        values = {
            "r": vn_number(sum(t["rows"] for t in manifest["tables"]), 0),
            "f": vn_number(len(manifest["files"]), 0),
            "d": manifest["created_at"],
            "v": manifest["database"]["vendor"],
        }
        if options["check"]:
            say(_("Tệp sao lưu nguyên vẹn: %(r)s dòng, %(f)s tệp, tạo lúc %(d)s (%(v)s).") % values)
        else:
            say(
                _("Đã khôi phục %(r)s dòng và %(f)s tệp từ bản sao lưu lúc %(d)s (%(v)s).") % values
            )
