"""The briefing's side panels: the monthly trend chart and the text tables beside the map.

:func:`draw_trend` draws offences per month (period, comparison period and other months in
their own colours); :func:`draw_movers` the wards that rose and fell most; :func:`draw_hotspots`
the top hotspots; :func:`draw_districts` each district's offences and change;
:func:`draw_caveats` the "Read with care" notes. Each draws on one
``matplotlib.axes.Axes`` from :func:`hotspots.briefing.briefing_figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from hotspots.briefing.axis import count_axis
from hotspots.briefing.monthly import axis_labels
from hotspots.briefing.style import BEFORE, GREY, INK, NOW, OTHER, RULE
from hotspots.briefing.textfit import fill, width_pt

#: Font sizes of the tables, the notes under them and the caveats, points; the space kept
#: between a column's text and the next column's, points.
TABLE_PT, NOTE_PT, CAVEAT_PT, GAP_PT = 7.0, 6.3, 6.9, 4.0
#: The smallest the caveats become to fit their box, points (the notes' size is smaller).
CAVEAT_MIN_PT = 6.3
#: Districts listed on the page at most (most offences first); the rest are named as a count.
PAGE_DISTRICTS = 6

__all__ = ["draw_caveats", "draw_districts", "draw_hotspots", "draw_movers", "draw_trend"]


def draw_trend(ax: Axes, f: dict[str, Any]) -> None:
    """Offences per month as bars, with a legend of the period and the comparison period."""
    rows = f["monthly"]
    colours = {"period": NOW, "comparison": BEFORE, "other": OTHER, "no data": "none"}
    x = np.arange(len(rows))
    values = [r["offences"] or 0 for r in rows]
    ax.bar(x, values, color=[colours[r["part"]] for r in rows], width=0.75)
    for i, r in enumerate(rows):  # a month not held: said, never drawn as a bar of 0
        if r["offences"] is None:
            ax.text(i, 0, " no data", rotation=90, ha="center", va="bottom", fontsize=6, color=GREY)
    ticks = axis_labels([r["label"] for r in rows])
    ax.set_xticks(x, [f"{month}\n{year}" for month, year in ticks], fontsize=6)
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
    # Above the bars, in one row: the shared axis (count_axis) leaves no headroom inside.
    ax.legend(
        handles=handles,
        fontsize=6.5,
        frameon=False,
        loc="lower left",
        bbox_to_anchor=(0, 1),
        ncols=2,
        borderaxespad=0.1,
        handlelength=1.2,
    )
    axis = count_axis(values)  # the web page's axis too
    ax.set_ylim(0, axis.top)
    ax.set_yticks(list(axis.ticks))


def _table(
    ax: Axes,
    y: float,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    cols: Sequence[float],
    right: Sequence[bool],
    size: float = TABLE_PT,
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
        y -= step + _line(ax, size) * (lines - 1)  # a wrapped name takes its lines, never cut
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
    header = ("Ward (district)", "Now", "Before", "Change")
    tables = []
    for key, word in (("rising", "Biggest rises"), ("falling", "Biggest falls")):
        counts = [(f"{w['count']:,}", f"{w['prev']:,}", f"{w['change']:+,}") for w in f[key]]
        name_pt = _room(ax, cols[0], cols[1], [c[0] for c in counts])
        rows = [
            (fill(f"{w['ward_name']} ({w['district_name']})", name_pt, TABLE_PT), *c)
            for w, c in zip(f[key], counts, strict=True)
        ]
        tables.append((f"{word} in drug offences, by ward", rows))
    # rows close up when long names take more lines, so the tables and the note below them
    # stay inside the panel (titles 0.075, gaps 0.03, the note 0.05 of its height)
    n_rows = sum(1 + max(len(rows), 1) for _, rows in tables)
    extra = sum(r[0].count("\n") for _, rows in tables for r in rows) * _line(ax, TABLE_PT)
    step = min(0.062, (1 - 2 * 0.075 - 2 * 0.03 - 0.05 - extra) / n_rows)
    y = 1.0
    for title, rows in tables:
        y = _table(ax, y, title, header, rows, cols, right, step=step) - 0.03
    ax.text(
        0,
        y + 0.01,
        f"Now: {f['period']}. Before: {f['compare_to']}.",
        fontsize=NOTE_PT,
        color=GREY,
        va="top",
        transform=ax.transAxes,
    )


def draw_hotspots(ax: Axes, f: dict[str, Any]) -> float:
    """The top hotspots: rank, place, ward, offences and change, with a note on reading them;
    returns the bottom of the note in figure coordinates (long names take more lines)."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    cols, right = (0.0, 0.055, 0.42, 0.81, 1.0), (False, False, False, True, True)
    header = ("#", "Near", "Ward", "Offences", "Change")
    offences = [f"{h['offences']:,}" for h in f["hotspots"]]
    place_pt = _room(ax, cols[1], cols[2], [])
    ward_pt = _room(ax, cols[2], cols[3], offences)
    rows = [
        (
            str(h["rank"]),
            fill(h["place"].removeprefix("On or near "), place_pt, TABLE_PT),
            fill(h["ward_name"], ward_pt, TABLE_PT),
            n,
            "–" if h["change"] is None else f"{h['change']:+,}",
        )
        for h, n in zip(f["hotspots"], offences, strict=True)
    ]
    y = _table(ax, 1.0, "", header, rows, cols, right, TABLE_PT, step=0.11)
    note = (
        "Near: the commonest police.uk location text. Hotspots are marked on the map by a dot with "
        "their rank; change is against the same area in the comparison period."
    )
    text = ax.text(
        0,
        y - 0.03,
        fill(note, _room(ax, 0, 1, []), NOTE_PT),
        fontsize=NOTE_PT,
        color=GREY,
        va="top",
        transform=ax.transAxes,
        linespacing=1.3,
    )
    figure = ax.get_figure(root=True)
    assert figure is not None  # drawn on a page
    box = text.get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined]
    return float(figure.transFigure.inverted().transform((0, box.y0))[1])


def draw_districts(ax: Axes, f: dict[str, Any]) -> float:
    """Each district's drug offences now and before and the change ("–" where the figure rule
    gives none); returns the bottom of the table in figure coordinates. The axes' top is the
    table's top; its height sets the row step (a row is one line of :data:`TABLE_PT`)."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    cols, right = (0.0, 0.6, 0.8, 1.0), (False, True, True, True)
    header = ("District", "Now", "Before", "Change")

    def number(value: int | None, sign: bool = False) -> str:
        return "–" if value is None else f"{value:+,}" if sign else f"{value:,}"

    shown = f["districts"][:PAGE_DISTRICTS]
    rows = [
        (d["district_name"], number(d["count"]), number(d["prev"]), number(d["change"], True))
        for d in shown
    ]
    if len(f["districts"]) > len(shown):  # many districts: the page lists them all
        rows.append((f"{len(f['districts']) - len(shown)} more on the web page", "", "", ""))
    step = 1.45 * _line(ax, TABLE_PT)
    title = "Drug offences by district"
    ax.text(0, 1, title, fontsize=8.5, weight="bold", color=INK, va="top", transform=ax.transAxes)
    y = _table(ax, 1 - 1.7 * _line(ax, 8.5), "", header, rows, cols, right, step=step)
    figure = ax.get_figure(root=True)
    assert figure is not None  # drawn on a page
    bottom = ax.transAxes.transform((0, y))
    return float(figure.transFigure.inverted().transform(bottom)[1])


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
    column_pt = _room(ax, 0, 1, [])
    figure = ax.get_figure(root=True)
    assert figure is not None  # drawn on a page
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    room = ax.get_window_extent(renderer)
    size, spacing = CAVEAT_PT, 1.35
    while True:  # smaller and closer until the notes fit above the footer, or the floor
        text = "\n".join(fill("• " + c, column_pt, size, indent="   ") for c in caveats)
        drawn = ax.text(
            0,
            0.93,
            text,
            fontsize=size,
            va="top",
            color=INK,
            linespacing=spacing,
            transform=ax.transAxes,
        )
        if drawn.get_window_extent(renderer).y0 >= room.y0 or size <= CAVEAT_MIN_PT:
            return
        drawn.remove()
        size, spacing = max(CAVEAT_MIN_PT, size - 0.2), max(1.2, spacing - 0.05)


def _line(ax: Axes, size_pt: float) -> float:
    """Height of one more line of a wrapped table cell (``linespacing`` 1.1 of a line 1.2 times
    the font size), as a fraction of the axes' height."""
    figure = ax.get_figure(root=True)
    assert figure is not None  # drawn on a page
    return 1.1 * 1.2 * size_pt / (ax.get_position().height * figure.get_figheight() * 72)


def _room(ax: Axes, left: float, right: float, beside: Sequence[str]) -> float:
    """Points free for a left-aligned column from ``left`` to ``right`` (axes fractions) when
    the next column is right-aligned at ``right`` and holds the texts ``beside`` (else the
    next column starts at ``right``), keeping :data:`GAP_PT` clear. Headers are not counted:
    they have their own row, and the one long one ("Offences") is beside a short one."""
    figure = ax.get_figure(root=True)
    assert figure is not None  # drawn on a page
    axes_pt = ax.get_position().width * figure.get_figwidth() * 72
    taken = max((width_pt(t, TABLE_PT, "bold") for t in beside), default=0.0)
    return (right - left) * axes_pt - taken - GAP_PT
