"""chiso check-integrity [--only scores|evidence|audit …] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chiso.ops.integrity import CHECKS, Report, check_all

TITLES = {
    "scores": gettext_lazy("Điểm đã lưu khớp điểm tính lại"),
    "evidence": gettext_lazy("Tệp minh chứng còn nguyên (sha256)"),
    "audit": gettext_lazy("Chuỗi băm nhật ký không đứt"),
}


class Command(BaseCommand):
    help = (
        "Kiểm tra toàn vẹn dữ liệu: điểm khớp điểm tính lại, tệp minh chứng đúng sha256, "
        "chuỗi băm nhật ký không đứt. Mã thoát khác 0 khi có lỗi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", action="append", choices=list(CHECKS), default=[])
        parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = check_all(tuple(opts["only"]))
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self._text(report))
        if not report.ok:
            # CommandError makes the exit code 1; the report above already says what is wrong.
            raise CommandError(_("Phát hiện %(n)s lỗi toàn vẹn.") % {"n": len(report.problems)})

    def _text(self, report: Report) -> str:
        lines = []
        for name, count in report.checked.items():
            found = [p for p in report.problems if p.check == name]
            mark = "LỖI" if found else "ĐẠT"
            lines.append(
                f"[{mark}] {TITLES[name]}: {_('đã kiểm')} {count}, {_('lỗi')} {len(found)}"
            )
            lines += [f"    - {p.message}" for p in found]
        return "\n".join(lines)
