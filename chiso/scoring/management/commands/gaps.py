"""chiso gaps UNIT --period P [--framework CODE] [--stage S] [--limit N] [--format table|json]"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.collection.choices import Stage
from chiso.lib.formats import vn_number
from chiso.scoring import queries


class Command(BaseCommand):
    help = "Điểm còn có thể giành được: các chỉ tiêu bị mất điểm nhiều nhất và người phụ trách."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit")
        parser.add_argument("--period", required=True)
        parser.add_argument("--framework")
        parser.add_argument("--stage", choices=Stage.values, default=Stage.FINAL)
        parser.add_argument("--limit", type=int, default=15)
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            unit = queries.unit_for(opts["unit"])
            period = queries.period_for(opts["period"])
            assessment = queries.assessment_for(unit, period, opts["framework"])
            rows = queries.gaps(assessment, opts["stage"], opts["limit"])
        except queries.ScoreLookupError as exc:
            raise CommandError(str(exc)) from exc
        if opts["format"] == "json":
            data = [{**asdict(r), "lost": r.lost} for r in rows]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{unit.name} — {period.label}: điểm còn có thể giành")
        for r in rows:
            who = r.owner or r.verifier or unit.display_name
            self.stdout.write(
                f"  {r.code:<8} −{vn_number(r.lost):>7} / {vn_number(r.max_points, 0):>4}  "
                f"{r.name[:60]}  [{who}]"
            )
