"""chiso score --framework CODE --period P [--format table|json|csv] [--stage final] [--group G]"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.collection.choices import Stage
from chiso.lib.formats import vn_number
from chiso.lib.spreadsheet_safety import csv_row
from chiso.scoring import queries
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import rescore


class Command(BaseCommand):
    help = "In bảng điểm và xếp hạng của một bộ chỉ số trong một kỳ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--framework", required=True, help="mã bộ chỉ số, vd. dti-province-2022"
        )
        parser.add_argument("--period", required=True, help="mã kỳ: 2024, 2024-Q1, 2024-03")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--stage", choices=Stage.values, default=Stage.FINAL)
        parser.add_argument("--group", help="mã nhóm xếp hạng (xếp hạng trong nhóm)")
        parser.add_argument("--rescore", action="store_true", help="tính lại trước khi in")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            period = queries.period_for(opts["period"])
            version = queries.versions_scored_in(opts["framework"], period)
        except queries.ScoreLookupError as exc:
            raise CommandError(str(exc)) from exc
        stale = not ScoreSnapshot.objects.filter(version=version, period=period).exists()
        if opts["rescore"] or stale:
            rescore(version, period)
        rows = queries.ranking(version, period, opts["stage"], opts["group"])
        render = {"json": _json, "csv": _csv, "table": _table}[opts["format"]]
        render(self, version, period, rows)


def _json(cmd: BaseCommand, version: Any, period: Any, rows: list[queries.RankingRow]) -> None:
    payload = {
        "framework": version.framework.code,
        "version": version.number,
        "period": period.code,
        "scale": version.scale,
        "units": [r.to_dict() for r in rows],
    }
    cmd.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))


def _csv(cmd: BaseCommand, version: Any, period: Any, rows: list[queries.RankingRow]) -> None:
    mains = [p.code for p in rows[0].mains] if rows else []
    views = list(rows[0].views) if rows else []
    writer = csv.writer(cmd.stdout)
    writer.writerow(["rank", "code", "name", "total", "index", *mains, *views])
    for r in rows:
        parts = [round(p.points, 4) for p in r.mains]
        vals = [round(r.views[v], 4) for v in views]
        head = [r.rank, r.unit_code, r.unit_name, round(r.total, 4), round(r.index, 4)]
        writer.writerow(csv_row([*head, *parts, *vals]))


def _table(cmd: BaseCommand, version: Any, period: Any, rows: list[queries.RankingRow]) -> None:
    cmd.stdout.write(f"{version.framework.title} — {period.label} (thang điểm {version.scale:g})")
    cmd.stdout.write(f"{'Hạng':>4}  {'Đơn vị':<44} {'Tổng điểm':>10} {'Chỉ số':>8}  Xếp loại")
    for r in rows:
        name = r.unit_name[:44]
        cmd.stdout.write(
            f"{r.rank or '–':>4}  {name:<44} {vn_number(r.total):>10} "
            f"{vn_number(r.index, 4):>8}  {r.band or ''}"
        )
    if not rows:
        cmd.stdout.write("(chưa có đơn vị nào được chấm điểm)")
    sys.stdout.flush()
