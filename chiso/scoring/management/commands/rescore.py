"""chiso rescore [--framework CODE] [--period P] [--background]: recompute snapshots
(idempotent), with a progress bar on the terminal, or queued for `chiso worker`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chiso.jobs.progress import BarReporter
from chiso.scoring.tasks import cohorts, request_rescore, rescore_cohorts


class Command(BaseCommand):
    help = "Tính lại điểm và xếp hạng (toàn bộ, hoặc một bộ chỉ số / một kỳ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", default="")
        parser.add_argument("--period", default="")
        parser.add_argument(
            "--background",
            action="store_true",
            help="đưa vào hàng đợi cho tiến trình nền (chiso worker) thay vì chạy ngay",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        framework, period = opts["framework"] or "", opts["period"] or ""
        if opts["background"]:
            job = request_rescore("cli", framework, period)
            self.stdout.write(f"Đã xếp hàng tác vụ {job.pk} (chạy bằng: chiso worker).")
            return
        with BarReporter("bản đánh giá") as bar:
            reports = rescore_cohorts(cohorts(framework, period), bar)
        for report in reports:
            self.stdout.write(
                f"{report.version} · {report.period}: {report.assessments} bản đánh giá, "
                f"{report.snapshots} ảnh chụp điểm"
            )
