"""chiso history UNIT --framework CODE [--stage S] [--format table|json]"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.collection.choices import Stage
from chiso.lib.formats import vn_number
from chiso.scoring import queries


class Command(BaseCommand):
    help = "Kết quả qua các kỳ; kỳ trước sáp nhập lấy trung bình của các đơn vị tiền thân."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit")
        parser.add_argument("--framework", required=True)
        parser.add_argument("--stage", choices=Stage.values, default=Stage.FINAL)
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            unit = queries.unit_for(opts["unit"])
        except queries.ScoreLookupError as exc:
            raise CommandError(str(exc)) from exc
        points = queries.history(unit, opts["framework"], opts["stage"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps([asdict(p) for p in points], ensure_ascii=False))
            return
        self.stdout.write(f"{unit.name} — {opts['framework']}")
        for p in points:
            origin = f"trung bình {len(p.sources)} đơn vị tiền thân" if p.aggregated else ""
            self.stdout.write(f"  {p.period:<8} {vn_number(p.index, 4)}  {origin}")
        if not points:
            self.stdout.write("  (chưa có kết quả)")
