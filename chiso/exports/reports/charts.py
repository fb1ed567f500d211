"""Charts of the periodic report, drawn server-side with matplotlib (PNG, 200 dpi)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

from chiso.dashboards import leaders
from chiso.exports.reports.fonts import STYLES, font_file

BRAND = "#b3261e"


def _font() -> str:
    """The report font's family name, bound to the file `font_file` chose.

    Debian may hold Liberation Serif 1 (no Vietnamese beyond Latin-1) and 2 under one family
    name; matplotlib resolves a family name to whichever file it scanned first, so the charts
    could draw "ỉ" or "ệ" as empty boxes. Every other file of that family is dropped from the
    font list, and the lookup cache cleared, so the name can only mean the chosen files."""
    chosen = {str(font_file(style)) for style in STYLES}
    manager = font_manager.fontManager
    for path in sorted(chosen):
        manager.addfont(path)
    name = font_manager.FontProperties(fname=str(font_file("regular"))).get_name()
    manager.ttflist = [f for f in manager.ttflist if f.name != name or f.fname in chosen]
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    return name


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=200, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def dti(points: list[leaders.DtiPoint], name: str) -> bytes:
    """The province's national rank by year, with the Nghị quyết 09 goal band."""
    plt.rcParams["font.family"] = _font()
    fig, ax = plt.subplots(figsize=(6.2, 2.6))
    years = [p.year for p in points]
    ranks = [p.rank or 0 for p in points]
    low, high = leaders.GOAL_RANK
    ax.axhspan(low, high, color="#2e7d32", alpha=0.15, label=f"Mục tiêu NQ 09: nhóm {low}–{high}")
    ax.plot(years, ranks, marker="o", color=BRAND, label=name)
    for x, y in zip(years, ranks, strict=True):
        ax.annotate(
            f"{y}/{points[0].of}", (x, y), textcoords="offset points", xytext=(0, 8), ha="center"
        )
    ax.set_ylim(max(64, max(ranks) + 3), 0)
    ax.set_xticks(years)
    ax.set_ylabel("Xếp hạng")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def mains(head: leaders.Headline) -> bytes:
    """Main indicators this period beside the previous one (0–1)."""
    plt.rcParams["font.family"] = _font()
    fig, ax = plt.subplots(figsize=(6.2, 3.0))
    labels = [m.code for m in head.mains]
    xs = range(len(labels))
    now = [m.now or 0.0 for m in head.mains]
    ax.bar([x + 0.2 for x in xs], now, width=0.4, color=BRAND, label=head.cohort.period.label)
    if head.previous:
        before = [m.before or 0.0 for m in head.mains]
        ax.bar(
            [x - 0.2 for x in xs],
            before,
            width=0.4,
            color="#9aa3ad",
            label=head.previous.period.label,
        )
    ax.set_xticks(list(xs), labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Chỉ số (0–1)")
    ax.set_xlabel("; ".join(f"{m.code}. {m.name}" for m in head.mains), fontsize=7, wrap=True)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
