"""chiso rescore [--framework CODE] [--period P]: recompute snapshots (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chiso.collection.models import Assessment, Period
from chiso.frameworks.models import FrameworkVersion
from chiso.scoring.services import rescore


class Command(BaseCommand):
    help = "Tính lại điểm và xếp hạng (toàn bộ, hoặc một bộ chỉ số / một kỳ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework")
        parser.add_argument("--period")

    def handle(self, *args: Any, **opts: Any) -> None:
        pairs = Assessment.objects.values_list("version_id", "period_id").distinct()
        if opts["framework"]:
            pairs = pairs.filter(version__framework__code=opts["framework"])
        if opts["period"]:
            pairs = pairs.filter(period__code=opts["period"])
        for version_id, period_id in sorted(set(pairs)):
            report = rescore(
                FrameworkVersion.objects.get(pk=version_id), Period.objects.get(pk=period_id)
            )
            self.stdout.write(
                f"{report.version} · {report.period}: {report.assessments} bản đánh giá, "
                f"{report.snapshots} ảnh chụp điểm"
            )
