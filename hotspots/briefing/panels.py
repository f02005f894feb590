"""The briefing's side panels: the monthly trend chart and the text tables beside the map.

:func:`draw_trend` draws offences per month (period, comparison period and other months in
their own colours); :func:`draw_movers` the wards that rose and fell most; :func:`draw_hotspots`
the top hotspots; :func:`draw_caveats` the "Read with care" notes. Each draws on one
``matplotlib.axes.Axes`` from :func:`hotspots.briefing.briefing_figures`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from hotspots.briefing.style import BEFORE, GREY, INK, NOW, OTHER, RULE

__all__ = ["draw_caveats", "draw_hotspots", "draw_movers", "draw_trend"]


def draw_trend(ax: Axes, f: dict[str, Any]) -> None:
    """Offences per month as bars, with a legend of the period and the comparison period."""
    rows = f["monthly"]
    colours = {"period": NOW, "comparison": BEFORE, "other": OTHER}
    x = np.arange(len(rows))
    values = [r["offences"] for r in rows]
    ax.bar(x, values, color=[colours[r["part"]] for r in rows], width=0.75)
    ax.set_xticks(x, [f"{r['label'][:3]}\n{r['label'][-2:]}" for r in rows], fontsize=6)
    ax.tick_params(axis="y", labelsize=6.5, length=0)
    ax.tick_params(axis="x", length=0)
    ax.grid(axis="y", color="#e0e0e0", lw=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(RULE)
    handles = [Patch(color=NOW, label=f["period"])]
    if f["compare_to"]:
        handles.append(Patch(color=BEFORE, label=f["compare_to"]))
    ax.legend(handles=handles, fontsize=6.5, frameon=False, loc="upper left")
    if values:
        ax.set_ylim(0, max(values) * 1.25 + 1)


def _table(
    ax: Axes,
    y: float,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    cols: Sequence[float],
    right: Sequence[bool],
    size: float = 7.0,
    step: float = 0.062,
) -> float:
    """Text rows in axes coordinates from ``y`` down; returns the y below the table."""
    if title:
        ax.text(
            0, y, title, fontsize=8.5, weight="bold", color=INK, va="top", transform=ax.transAxes
        )
        y -= 0.075
    for i, row in enumerate([header, *rows]):
        lines = max(str(text).count("\n") + 1 for text in row)
        for text, x, r in zip(row, cols, right, strict=True):
            ax.text(
                x,
                y,
                text,
                fontsize=size,
                ha="right" if r else "left",
                va="top",
                color=GREY if i == 0 else INK,
                weight="bold" if i == 0 else "normal",
                transform=ax.transAxes,
                linespacing=1.1,
            )
        if i == 0:
            ax.axhline(y - step * 0.8, color=RULE, lw=0.5)
        y -= step * (1 + 0.75 * (lines - 1))  # a wrapped name takes its lines, never cut
    if not rows:
        ax.text(0, y, "None", fontsize=size, va="top", color=GREY, transform=ax.transAxes)
        y -= step
    return y


def draw_movers(ax: Axes, f: dict[str, Any]) -> None:
    """The wards with the biggest rises and falls in drug offences (or "No comparison data")."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    if f["compare_to"] is None:
        ax.text(0, 1, "Wards that changed most", fontsize=9, weight="bold", va="top")
        ax.text(0, 0.9, "No comparison data.", fontsize=7.5, va="top")
        return
    cols, right = (0, 0.68, 0.84, 1.0), (False, True, True, True)
    y = 1.0
    for key, word in (("rising", "Biggest rises"), ("falling", "Biggest falls")):
        rows = [
            (
                _wrap(f"{w['ward_name']} ({w['district_name']})", 36),
                f"{w['count']:,}",
                f"{w['prev']:,}",
                f"{w['change']:+,}",
            )
            for w in f[key]
        ]
        header = ("Ward (district)", "Now", "Before", "Change")
        y = _table(ax, y, f"{word} in drug offences, by ward", header, rows, cols, right) - 0.03
    ax.text(
        0,
        y + 0.01,
        f"Now: {f['period']}. Before: {f['compare_to']}.",
        fontsize=6.3,
        color=GREY,
        va="top",
        transform=ax.transAxes,
    )


def draw_hotspots(ax: Axes, f: dict[str, Any]) -> None:
    """The top hotspots: rank, place, ward, offences and change, with a note on reading them."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    rows = [
        (
            str(h["rank"]),
            _wrap(h["place"].removeprefix("On or near "), 22),
            _wrap(h["ward_name"], 20),
            f"{h['offences']:,}",
            "–" if h["change"] is None else f"{h['change']:+,}",
        )
        for h in f["hotspots"]
    ]
    cols, right = (0.0, 0.055, 0.42, 0.81, 1.0), (False, False, False, True, True)
    header = ("#", "Near", "Ward", "Offences", "Change")
    y = _table(ax, 1.0, "", header, rows, cols, right, 7.0, step=0.11)
    note = (
        "Near: the commonest police.uk location text. Hotspots are marked on the map by a dot with "
        "their rank; change is against the same area in the comparison period."
    )
    ax.text(
        0,
        y - 0.03,
        textwrap.fill(note, 64),
        fontsize=6.3,
        color=GREY,
        va="top",
        transform=ax.transAxes,
        linespacing=1.3,
    )


def draw_caveats(ax: Axes, caveats: list[str]) -> None:
    """The "Read with care" box: one bullet per caveat."""
    ax.set_axis_off()
    ax.text(
        0,
        1,
        "Read with care",
        fontsize=10,
        weight="bold",
        va="top",
        color=INK,
        transform=ax.transAxes,
    )
    text = "\n".join("• " + textwrap.fill(c, 58, subsequent_indent="   ") for c in caveats)
    ax.text(
        0, 0.93, text, fontsize=6.9, va="top", color=INK, linespacing=1.35, transform=ax.transAxes
    )


def _wrap(text: str, n: int) -> str:
    """A name on lines of at most ``n`` characters (at word breaks): never cut short."""
    return textwrap.fill(text, n, break_long_words=False)
