"""chiso import-sheet FILE --framework CODE [--unit CODE] --period P"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.collection.cohort_sheet import import_cohort_sheet
from chiso.collection.services import CollectionError, ensure_period
from chiso.collection.sheets import import_sheet
from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.jobs.progress import BarReporter
from chiso.lib.periods import PeriodCodeError
from chiso.org.models import Unit


class Command(BaseCommand):
    help = "Nhập bảng theo dõi tiêu chí (.xlsx/.csv) vào bản tự đánh giá, tất cả hoặc không."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--framework", required=True)
        parser.add_argument(
            "--unit", help="đơn vị của bảng; bỏ trống khi bảng có cột “Đơn vị” (nhiều đơn vị)"
        )
        parser.add_argument("--period", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        framework = Framework.objects.filter(code=opts["framework"]).first()
        if framework is None or (version := framework.latest_version()) is None:
            raise CommandError(f"Không có bộ chỉ số mã '{opts['framework']}'")
        if not opts["unit"]:
            self._many_units(path, version, opts["period"])
            return
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã '{opts['unit']}'")
        try:
            with BarReporter("dòng") as bar:
                period = ensure_period(opts["period"])
                report = import_sheet(path, version, unit, period, "cli", bar)
        except (CollectionError, PeriodCodeError) as exc:
            raise _refused(exc) from exc
        self.stdout.write(
            f"Đã nhập {report.rows} dòng vào {report.assessment} ({report.changed} thay đổi)."
        )

    def _many_units(self, path: Path, version: FrameworkVersion, period_code: str) -> None:
        try:
            report = import_cohort_sheet(path, version, ensure_period(period_code), "cli")
        except (CollectionError, PeriodCodeError) as exc:
            raise _refused(exc) from exc
        self.stdout.write(
            f"Đã nhập {report.rows} dòng ({report.values} giá trị) của {report.units} đơn vị, "
            f"kỳ {period_code} ({report.changed} mục thay đổi)."
        )


def _refused(exc: CollectionError | PeriodCodeError) -> CommandError:
    messages = getattr(exc, "messages", [str(exc)])
    return CommandError("Tệp bị từ chối, không có gì thay đổi:\n" + "\n".join(messages))
