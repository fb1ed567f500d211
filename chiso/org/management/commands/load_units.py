"""manage.py load_units [--province nghe-an ...] [--historic] [--organisations FILE ...]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.org.loaders import (
    LoadError,
    LoadReport,
    load_current_divisions,
    load_historic_divisions,
    load_organisations,
)


class Command(BaseCommand):
    help = (
        "Nạp đơn vị hành chính hiện hành (34 tỉnh, 3.321 xã), tùy chọn cả đơn vị trước "
        "1/7/2025 và quan hệ kế thừa, và các sở, ban, ngành từ tệp YAML. Chạy lại không đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="SLUG",
            help="chỉ nạp tỉnh này (mã hiện hành hoặc h-…); lặp lại được; mặc định: cả nước",
        )
        parser.add_argument(
            "--historic",
            action="store_true",
            help="nạp cả tỉnh, huyện, xã trước 1/7/2025 và quan hệ kế thừa",
        )
        parser.add_argument(
            "--organisations",
            action="append",
            type=Path,
            default=[],
            metavar="FILE",
            help="tệp YAML sở, ban, ngành và nhóm xếp hạng (docs/units.md); lặp lại được",
        )
        parser.add_argument(
            "--skip-divisions",
            action="store_true",
            help="chỉ nạp tệp --organisations, không nạp đơn vị hành chính",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            for report in self._run(opts):
                self.stdout.write(str(report))
                for warning in report.warnings:
                    self.stderr.write(warning)
        except LoadError as exc:
            raise CommandError(f"Không có gì thay đổi:\n{exc}") from exc

    def _run(self, opts: dict[str, Any]) -> list[LoadReport]:
        provinces = opts["provinces"]
        reports = []
        if not opts["skip_divisions"]:
            reports.append(load_current_divisions(provinces))
            if opts["historic"]:
                reports.append(load_historic_divisions(provinces))
        reports += [load_organisations(path) for path in opts["organisations"]]
        return reports
