"""`chiso report`: write the periodic report (DOCX or PDF) of a province for a period.

chiso report --province nghe-an --period 2025 --format pdf --out bao-cao-2025.pdf
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chiso.collection.models import Period
from chiso.exports.reports.periodic import make
from chiso.org.models import Unit

FORMATS = ("docx", "pdf")


class Command(BaseCommand):
    help = "Xuất báo cáo kết quả thực hiện chuyển đổi số (DOCX, PDF) của một tỉnh trong một kỳ"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="nghe-an", help="mã tỉnh (mặc định nghe-an)")
        parser.add_argument("--period", required=True, help="mã kỳ, ví dụ 2025")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("--out", help="tệp kết quả (mặc định bao-cao-<tỉnh>-<kỳ>.<định dạng>)")
        parser.add_argument("--number", default="", help="số văn bản, ví dụ 125 (Số: 125/BC-UBND)")
        parser.add_argument("--date", help="ngày báo cáo dd/mm/yyyy (mặc định hôm nay)")

    def handle(self, *args: Any, **options: Any) -> None:
        province = Unit.objects.filter(code=options["province"], kind="province").first()
        period = Period.objects.filter(code=options["period"]).first()
        if province is None or period is None:
            raise CommandError("Không có tỉnh hoặc kỳ đánh giá này")
        day = _day(options["date"])
        fmt = options["format"]
        content = make(province, period, fmt, day, options["number"])
        out = Path(options["out"] or f"bao-cao-{province.code}-{period.code}.{fmt}")
        out.write_bytes(content)
        self.stdout.write(f"Đã ghi {out} ({len(content):,} byte)")


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as exc:
        raise CommandError(f"Ngày không hợp lệ: {text} (dd/mm/yyyy)") from exc
