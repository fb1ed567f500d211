"""`chiso load-framework FILE [--framework CODE]`: a thin wrapper over services.load_framework."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from chiso.frameworks.formats import FrameworkFileError
from chiso.frameworks.services import load_framework


class Command(BaseCommand):
    help = _("Nạp bộ chỉ số từ tệp YAML, hoặc bổ sung chỉ tiêu từ tệp CSV (--framework MÃ).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("tệp .yaml/.yml hoặc .csv"))
        parser.add_argument(
            "--framework", default=None, help=_("mã bộ chỉ số (bắt buộc với tệp CSV)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_framework(options["file"], framework_code=options["framework"])
        except FrameworkFileError as exc:
            self.stderr.write(_("Tệp bị từ chối, không có gì thay đổi:"))
            self.stderr.write(exc.text())
            raise SystemExit(1) from exc
        self.stdout.write(result.message)
