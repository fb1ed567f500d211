"""chiso remind [--days N] [--dry-run] [--digest]: the daily reminder run (cron/systemd timer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from chiso.plans.reminders import DEFAULT_DAYS, send_reminders
from chiso.plans.services import HORIZON_DAYS, extend_occurrences


class Command(BaseCommand):
    help = "Gửi thư nhắc nhiệm vụ sắp đến hạn, quá hạn và bản tổng hợp tuần cho lãnh đạo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help="nhắc việc đến hạn trong N ngày tới (mặc định 7)",
        )
        parser.add_argument("--dry-run", action="store_true", help="chỉ in, không gửi")
        parser.add_argument(
            "--digest",
            action="store_true",
            help="gửi bản tổng hợp cho lãnh đạo cả khi không phải thứ Hai",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        today = timezone.localdate()
        if not opts["dry_run"]:
            # Recurring tasks get next year's occurrences as time passes.
            extend_occurrences("cli", today + dt.timedelta(days=HORIZON_DAYS))
        report = send_reminders(
            "cli",
            today,
            days=opts["days"],
            dry_run=opts["dry_run"],
            digest=True if opts["digest"] else None,
        )
        for mail in [*report.unit_mails, *report.digests]:
            self.stdout.write(f"{', '.join(mail.to)}: {mail.subject}")
        verb = "Sẽ gửi" if opts["dry_run"] else "Đã gửi"
        self.stdout.write(
            f"{verb} {len(report.unit_mails)} thư nhắc việc ({report.occurrences} lượt nhiệm vụ), "
            f"{len(report.digests)} thư tổng hợp."
        )
