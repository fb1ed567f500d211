"""Open data of the published results, in CSV, JSON and XLSX (schema: docs/opendata.md).

What is public is decided by chiso.dashboards.portal (published cohorts, final results only);
this module only serialises it. Every format carries the same fields; CSV and XLSX flatten the
main indicators into `main_<code>` columns and the peer-group ranks into `rank_<group>`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook

from chiso.dashboards.models import Publication
from chiso.dashboards.portal import public_rows
from chiso.lib.spreadsheet_safety import append_row, csv_row, csv_writer

SCHEMA_VERSION = "1.0"
BASE_FIELDS = ["framework", "framework_version", "period", "code", "name", "rank", "total",
               "index", "band"]  # fmt: skip


def flat(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows with main indicators, pillars and group ranks as extra columns."""
    mains = [m["code"] for m in rows[0]["main_indicators"]] if rows else []
    views = sorted({k for r in rows for k in r["views"]})
    groups = sorted({k for r in rows for k in r["group_ranks"]})
    columns = [*BASE_FIELDS, *[f"main_{c}" for c in mains], *[f"view_{v}" for v in views],
               *[f"rank_{g}" for g in groups]]  # fmt: skip
    out = []
    for r in rows:
        values = {m["code"]: m["value"] for m in r["main_indicators"]}
        out.append(
            [r[f] for f in BASE_FIELDS]
            + [values.get(c) for c in mains]
            + [r["views"].get(v) for v in views]
            + [r["group_ranks"].get(g) for g in groups]
        )
    return columns, out


def to_csv(publication: Publication) -> bytes:
    columns, rows = flat(public_rows(publication))
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(columns)
    writer.writerows(csv_row(row) for row in rows)  # unit names are typed by people
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(publication: Publication) -> bytes:
    document = {
        "schema": "chiso-opendata",
        "schema_version": SCHEMA_VERSION,
        "framework": publication.version.framework.code,
        "framework_title": publication.version.framework.title,
        "framework_version": publication.version.number,
        "scale": publication.version.scale,
        "period": publication.period.code,
        "published_at": publication.published_at.isoformat(),
        "units": public_rows(publication),
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def to_xlsx(publication: Publication) -> bytes:
    columns, rows = flat(public_rows(publication))
    wb = Workbook()
    ws = wb.active
    ws.title = f"{publication.period.code}"
    ws.append(columns)
    for row in rows:
        append_row(ws, row)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


FORMATS: dict[str, tuple[Callable[[Publication], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "json": (to_json, "application/json; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
