"""Charts as data: each chart is an ECharts option plus the same figures as a table (shown to
everyone, read by screen readers) and as a CSV download. Builders take the dashboard's
dataclasses, so the chart, its table and its CSV can never disagree."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext as _

from chiso.dashboards.leaders import GOAL_RANK, DtiPoint, Headline, RankRow, Trend
from chiso.lib.formats import vn_number
from chiso.lib.spreadsheet_safety import csv_row, csv_writer

Cell = str | float | int | None
BAR_LIMIT = 30  # above this many units a bar chart shows the 15 best and the 15 last


@dataclass
class Chart:
    id: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    option: dict[str, Any] = field(default_factory=dict)
    height: int = 320
    note: str = ""

    @property
    def option_json(self) -> str:
        # "</" cannot appear inside the <script> that carries the option.
        return json.dumps(self.option, ensure_ascii=False).replace("</", "<\\/")

    @property
    def csv_href(self) -> str:
        return "data:text/csv;charset=utf-8," + quote(to_csv(self.columns, self.rows))

    @property
    def filename(self) -> str:
        return f"{self.id}.csv"

    def shown(self, decimals: int = 4) -> list[list[str]]:
        """The rows formatted the Vietnamese way for the HTML table."""
        return [[_cell(c, decimals) for c in row] for row in self.rows]


def _cell(value: Cell, decimals: int) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return vn_number(value, decimals)
    return str(value)


def to_csv(columns: list[str], rows: list[list[Cell]]) -> str:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read the diacritics."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(columns)
    writer.writerows([csv_row("" if c is None else c for c in row) for row in rows])
    return "\ufeff" + out.getvalue()


def _base(**extra: Any) -> dict[str, Any]:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"containLabel": True},
        **extra,
    }


def dti_chart(points: list[DtiPoint], name: str) -> Chart:
    years = [str(p.year) for p in points]
    ranks = [p.rank for p in points]
    option = _base(
        xAxis={"type": "category", "data": years},
        yAxis={
            "type": "value",
            "inverse": True,
            "min": 1,
            "max": max([63, *[p.of or 0 for p in points]]),
            "name": _("Hạng"),
        },
        series=[
            {
                "type": "line",
                "name": name,
                "data": ranks,
                "label": {"show": True},
                "markArea": {
                    "itemStyle": {"color": "rgba(46,125,50,0.12)"},
                    "data": [
                        [
                            {"yAxis": GOAL_RANK[0], "name": _("Mục tiêu NQ 09")},
                            {"yAxis": GOAL_RANK[1]},
                        ]
                    ],
                },
            }
        ],
    )
    rows: list[list[Cell]] = [[p.year, p.rank, p.of, p.index] for p in points]
    return Chart(
        "dti",
        _("Xếp hạng DTI cấp tỉnh"),
        [_("Năm"), _("Hạng"), _("Số tỉnh"), "DTI"],
        rows,
        option,
        260,
    )


def radar_chart(item: Headline) -> Chart:
    names = [f"{m.code}. {m.name}" for m in item.mains]
    now = [round(m.now or 0.0, 4) for m in item.mains]
    before = [round(m.before or 0.0, 4) for m in item.mains]
    series = [{"value": now, "name": item.cohort.period.code}]
    if item.previous:
        series.append({"value": before, "name": item.previous.period.code})
    option = {
        "animation": False,
        "tooltip": {},
        "legend": {"bottom": 0},
        "radar": {"indicator": [{"name": n, "max": 1} for n in names], "radius": "62%"},
        "series": [{"type": "radar", "data": series}],
    }
    rows: list[list[Cell]] = [
        [n, m.now, m.before, m.change] for n, m in zip(names, item.mains, strict=True)
    ]
    columns = [
        _("Chỉ số chính"),
        item.cohort.period.code,
        item.previous.period.code if item.previous else _("Kỳ trước"),
        _("Thay đổi"),
    ]
    return Chart(
        f"radar-{item.cohort.version.framework.code}",
        _("Chỉ số chính: kỳ này và kỳ trước"),
        columns,
        rows,
        option,
        340,
    )


def ranking_chart(rows: list[RankRow], measure: str, chart_id: str = "ranking") -> Chart:
    shown = rows if len(rows) <= BAR_LIMIT else rows[:15] + rows[-15:]
    names = [r.row.unit_name for r in reversed(shown)]
    values = [round(r.measure, 4) for r in reversed(shown)]
    option = _base(
        xAxis={"type": "value", "max": 1},
        yAxis={
            "type": "category",
            "data": names,
            "axisLabel": {"width": 220, "overflow": "truncate"},
        },
        series=[
            {"type": "bar", "name": measure, "data": values, "itemStyle": {"color": "#b3261e"}}
        ],
    )
    table: list[list[Cell]] = [
        [r.row.rank, r.row.unit_name, r.measure, r.row.index, r.row.band or "", r.previous, r.move]
        for r in rows
    ]
    columns = [
        _("Hạng"),
        _("Đơn vị"),
        measure,
        _("Chỉ số"),
        _("Xếp loại"),
        _("Hạng kỳ trước"),
        _("Thay đổi"),
    ]
    note = (
        _("Biểu đồ: 15 đơn vị cao nhất và 15 thấp nhất; bảng: tất cả.")
        if len(rows) > BAR_LIMIT
        else ""
    )
    return Chart(
        chart_id,
        _("Xếp hạng theo %(m)s") % {"m": measure},
        columns,
        table,
        option,
        60 + 22 * len(shown),
        note,
    )


def trend_chart(trend: Trend) -> Chart:
    series = [
        {
            "type": "line",
            "name": _("Chỉ số tổng hợp"),
            "data": [round(v, 4) for v in trend.index],
            "lineStyle": {"width": 4},
        }
    ]
    series += [
        {"type": "line", "name": name, "data": [None if v is None else round(v, 4) for v in values]}
        for name, values in trend.mains.items()
    ]
    option = _base(
        legend={"type": "scroll", "bottom": 0},
        xAxis={"type": "category", "data": trend.periods},
        yAxis={"type": "value", "min": 0, "max": 1},
        series=series,
    )
    columns = [_("Chỉ số"), *trend.periods]
    rows: list[list[Cell]] = [[_("Chỉ số tổng hợp"), *trend.index]]
    rows += [[name, *values] for name, values in trend.mains.items()]
    return Chart(
        f"trend-{trend.framework}",
        _("Xu hướng qua các năm (bình quân toàn tỉnh)"),
        columns,
        rows,
        option,
        340,
    )


def card_radar(card: Any) -> Chart:
    """A unit's main indicators (0–1) beside its peer group's median and best."""
    mains = card.mains()
    names = [f"{m.indicator.code}. {m.indicator.name}" for m in mains]

    def values(pick: Any) -> list[float]:
        return [
            round((pick(m) or 0.0) / m.indicator.max_points, 4) if m.indicator.max_points else 0.0
            for m in mains
        ]

    own = values(lambda m: m.points.get("final"))
    median = values(lambda m: m.median)
    best = values(lambda m: m.best)
    unit = card.assessment.unit.name
    option = {
        "animation": False,
        "tooltip": {},
        "legend": {"bottom": 0},
        "radar": {"indicator": [{"name": n, "max": 1} for n in names], "radius": "62%"},
        "series": [
            {
                "type": "radar",
                "data": [
                    {"value": own, "name": unit},
                    {"value": median, "name": _("Trung vị nhóm")},
                    {"value": best, "name": _("Cao nhất nhóm")},
                ],
            }
        ],
    }
    rows: list[list[Cell]] = [list(r) for r in zip(names, own, median, best, strict=True)]
    columns = [_("Chỉ số chính"), unit, _("Trung vị nhóm"), _("Cao nhất nhóm")]
    return Chart("radar-unit", _("Chỉ số chính so với nhóm"), columns, rows, option, 340)


def history_chart(history: list[Any], mains: list[Any]) -> Chart:
    """The unit's index and main indicators over the years (predecessors' mean before a merger)."""
    periods = [h.period for h in history]
    names = {m.indicator.code: f"{m.indicator.code}. {m.indicator.name}" for m in mains}
    series = [
        {
            "type": "line",
            "name": _("Chỉ số tổng hợp"),
            "data": [round(h.index, 4) for h in history],
            "lineStyle": {"width": 4},
        }
    ]
    series += [
        {
            "type": "line",
            "name": name,
            "data": [round(h.mains[c], 4) if c in h.mains else None for h in history],
        }
        for c, name in names.items()
    ]
    option = _base(
        legend={"type": "scroll", "bottom": 0},
        xAxis={"type": "category", "data": periods},
        yAxis={"type": "value", "min": 0, "max": 1},
        series=series,
    )
    rows: list[list[Cell]] = [[_("Chỉ số tổng hợp"), *[h.index for h in history]]]
    rows += [[name, *[h.mains.get(c) for h in history]] for c, name in names.items()]
    note = (
        _("Kỳ trước sáp nhập: bình quân của các đơn vị tiền thân.")
        if any(h.aggregated for h in history)
        else ""
    )
    return Chart(
        "history", _("Kết quả qua các năm"), [_("Chỉ số"), *periods], rows, option, 320, note
    )
