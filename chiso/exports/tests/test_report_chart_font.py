"""The report's charts draw Vietnamese with the font the report chose, never empty boxes."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager

from chiso.dashboards import leaders
from chiso.exports.reports import charts
from chiso.exports.reports.fonts import font_file

LIBERATION_1 = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


def test_the_family_name_resolves_to_the_chosen_file_even_when_an_older_one_came_first() -> None:
    chosen = font_file("regular")
    if LIBERATION_1.exists() and chosen != LIBERATION_1:
        # The state a machine can be in: version 1 scanned first under the same family name.
        font_manager.fontManager.ttflist.insert(
            0, font_manager.FontEntry(fname=str(LIBERATION_1), name="Liberation Serif")
        )
        font_manager.fontManager._findfont_cached.cache_clear()
    name = charts._font()
    assert Path(font_manager.findfont(name)) == chosen
    bold = font_manager.FontProperties(family=name, weight="bold")
    assert Path(font_manager.findfont(bold)) == font_file("bold")


def test_a_chart_with_vietnamese_labels_draws_every_glyph() -> None:
    points = [leaders.DtiPoint(2022, 52, 63, 0.41), leaders.DtiPoint(2023, 41, 63, 0.5)]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        png = charts.dti(points, "Tỉnh Nghệ An — thứ hạng chỉ số")
    assert png.startswith(b"\x89PNG")


@pytest.fixture(autouse=True)
def _fresh_font_list() -> object:
    saved = list(font_manager.fontManager.ttflist)
    yield
    font_manager.fontManager.ttflist = saved
    font_manager.fontManager._findfont_cached.cache_clear()
