"""`chiso backup [FILE]`: the database and the stored files, consistent, in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.lib.formats import vn_number
from chiso.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ dữ liệu và tệp (minh chứng, tài liệu) vào một tệp .zip có bảng kê "
        "sha256; chạy được khi trang web đang hoạt động."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "archive",
            nargs="?",
            help="tệp sao lưu sẽ tạo (mặc định chiso-backup-NĂMTHÁNGNGÀY-GIỜPHÚTGIÂY.zip)",
        )
        parser.add_argument("--database", default="default", help="bí danh cơ sở dữ liệu")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = Path(options["archive"] or f"chiso-backup-{stamp}.zip")
        quiet = options["verbosity"] == 0
        say = (lambda _text: None) if quiet else self.stdout.write
        say(_("Sao lưu vào %(p)s …") % {"p": path})
        try:
            manifest = create_backup(path, using=options["database"], progress=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"])
        say(
            _("Xong: %(r)s dòng trong %(t)s bảng, %(f)s tệp → %(p)s")
            % {
                "r": vn_number(rows, 0),
                "t": len(manifest["tables"]),
                "f": vn_number(len(manifest["files"]), 0),
                "p": path,
            }
        )
