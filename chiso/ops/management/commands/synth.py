"""chiso synth [--seed N] [--provinces N] [--departments N] [--communes N] [--years N] …"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.ops.synth import SynthError, SynthOptions, build


class Command(BaseCommand):
    help = (
        "Dựng bộ dữ liệu giả lập cấp quốc gia để đo hiệu năng (34 tỉnh, sở ngành, 3.321 xã, "
        "100 tiêu chí, 5 năm theo năm và quý), cùng hạt giống cho cùng dữ liệu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=SynthOptions.seed)
        parser.add_argument("--provinces", type=int, help="chỉ N tỉnh đầu (mặc định: cả 34)")
        parser.add_argument(
            "--departments", type=int, default=SynthOptions.departments, help="số sở mỗi tỉnh"
        )
        parser.add_argument("--communes", type=int, help="tối đa N xã mỗi tỉnh (mặc định: tất cả)")
        parser.add_argument("--years", type=int, default=SynthOptions.years)
        parser.add_argument(
            "--quarterly-years",
            type=int,
            default=SynthOptions.quarterly_years,
            help="số năm cuối có kỳ quý (mặc định 3: 5 năm + 12 quý = 17 kỳ)",
        )
        parser.add_argument("--no-score", action="store_true", help="không chấm điểm")

    def handle(self, *args: Any, **opts: Any) -> None:
        options = SynthOptions(
            seed=opts["seed"],
            provinces=opts["provinces"],
            departments=opts["departments"],
            communes=opts["communes"],
            years=opts["years"],
            quarterly_years=min(opts["quarterly_years"], opts["years"]),
            score=not opts["no_score"],
        )
        try:
            report = build(options, progress=self._progress)
        except SynthError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Xong: {report.units} đơn vị, {report.periods} kỳ, {report.assessments} bản đánh giá, "
            f"{report.values} giá trị, {report.snapshots} bản điểm ({report.seconds:.0f}s)."
        )

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
