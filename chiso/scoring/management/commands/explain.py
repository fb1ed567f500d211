"""chiso explain UNIT INDICATOR --period P [--framework CODE] [--stage S] [--format text|json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.collection.choices import Stage
from chiso.lib.formats import vn_number
from chiso.scoring import queries
from chiso.scoring.explaining import explain_indicator


class Command(BaseCommand):
    help = "Giải thích điểm của một chỉ tiêu: số liệu → cách tính → điểm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="mã đơn vị, vd. nghe-an.xa-nghi-loc")
        parser.add_argument("indicator", help="mã chỉ tiêu, vd. 4.3")
        parser.add_argument("--period", required=True)
        parser.add_argument("--framework", help="mã bộ chỉ số (khi đơn vị có nhiều bản đánh giá)")
        parser.add_argument("--stage", choices=Stage.values, default=Stage.FINAL)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            unit = queries.unit_for(opts["unit"])
            period = queries.period_for(opts["period"])
            assessment = queries.assessment_for(unit, period, opts["framework"])
            result = explain_indicator(assessment, opts["indicator"], opts["stage"])
        except queries.ScoreLookupError as exc:
            raise CommandError(str(exc)) from exc
        data = result.to_dict()
        if opts["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(f"{unit.name} — {period.label} — {assessment.version.framework.code}")
        self._text(data)

    def _text(self, data: dict[str, Any]) -> None:
        self.stdout.write(f"  {data['code']} {data['name']}")
        for item in data.get("inputs", []):
            value = item["value"]
            shown = "(chưa nhập)" if value is None else vn_number(value, 4).rstrip("0").rstrip(",")
            self.stdout.write(f"    {item['label_vi']}: {shown}")
        if data.get("description_vi"):
            self.stdout.write(f"    Cách tính: {data['description_vi']}")
        for message in data.get("messages_vi", []):
            self.stdout.write(f"    ⚠ {message}")
        for child in data.get("children", []):
            self.stdout.write(f"    {child['code']}: {vn_number(child['points'])} điểm")
        self.stdout.write(
            f"  → {vn_number(data['points'])} / {vn_number(data['max_points'], 0)} điểm"
        )
