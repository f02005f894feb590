"""The one-page A4 landscape briefing: page layout, header, cards and footer, saved as PNG or PDF.

:func:`briefing_image` draws :func:`hotspots.briefing.briefing_figures` with matplotlib, with no
browser and no network: the protective marking, title and headline, a row of headline cards, the
ward map (:mod:`hotspots.briefing.ward_map`), the trend, movers, hotspots and caveats panels
(:mod:`hotspots.briefing.panels`) and the attribution. Aggregates only: wards are shaded by count
and hotspots are ranked polygons; no offence, search or raid point is drawn.

The image is drawn on a ``matplotlib.figure.Figure`` (Agg and PDF canvases, no pyplot and no
global rcParams), so renders in several server threads do not interfere, and identical input
gives identical bytes.
"""

from __future__ import annotations

import io
from typing import Any, Literal

import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.basemap import BaseMap
from hotspots.briefing.errors import BriefingError
from hotspots.briefing.panels import (
    draw_caveats,
    draw_districts,
    draw_hotspots,
    draw_movers,
    draw_trend,
)
from hotspots.briefing.style import GREY, INK, NOW, RULE
from hotspots.briefing.textfit import fill, width_pt
from hotspots.briefing.ward_map import draw_map

__all__ = ["A4_LANDSCAPE_IN", "ATTRIBUTION", "DPI", "briefing_image"]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
#: A4 landscape, inches; 150 dpi gives 1754 x 1240 pixels.
A4_LANDSCAPE_IN = (11.69, 8.27)
DPI = 150
#: Font size of the headline under the title, points, and the smallest it becomes to fit.
HEADLINE_PT, HEADLINE_MIN_PT = 10.5, 8.5
#: Font size of a headline card's detail line, points (fitted to the card, less its margins).
CARD_DETAIL_PT = 6.8


def briefing_image(
    analysis: Analysis,
    figures: dict[str, Any],
    *,
    marking: str,
    data_date: str,
    fmt: Literal["png", "pdf"] = "png",
    wards: gpd.GeoDataFrame | None = None,
    force_area: gpd.GeoDataFrame | None = None,
    basemap: BaseMap | None = None,
) -> bytes:
    """Draw the one-page A4 landscape briefing.

    Parameters
    ----------
    analysis : Analysis
        The period's analysis; its ward table (EPSG:27700) shades the map by drug offences.
    figures : dict
        :func:`briefing_figures` of the same analysis.
    marking : str
        Protective-marking line printed at the top and the bottom, e.g. "OFFICIAL-SENSITIVE".
    data_date : str
        What the data runs to, e.g. "data to Dec 2025, ingested 2026-01-20".
    fmt : {"png", "pdf"}
        PNG (1754 x 1240 pixels, 150 dpi) or a one-page vector PDF.
    wards : geopandas.GeoDataFrame, optional
        Ward summary to shade (default ``analysis.wards``); EPSG:27700 with ``offence_count``.
    force_area : geopandas.GeoDataFrame, optional
        Force boundary (EPSG:27700), drawn as an outline.
    basemap : hotspots.basemap.BaseMap, optional
        Base-map tiles drawn under the ward map, with their attribution.

    Returns
    -------
    bytes
        The file; identical input gives identical bytes (no timestamps or software stamps).
    """
    if fmt not in ("png", "pdf"):
        raise BriefingError(f"fmt={fmt!r}; expected 'png' or 'pdf'")
    wards = analysis.wards if wards is None else wards
    for name, frame in (("wards", wards), ("force_area", force_area)):
        if frame is not None and (frame.crs is None or not frame.crs.equals(schema.CRS_BNG)):
            got = "no CRS" if frame.crs is None else frame.crs.to_string()
            raise BriefingError(f"{name} are in {got}; expected {schema.CRS_BNG} (metres)")

    fig = Figure(figsize=A4_LANDSCAPE_IN, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    _frame(fig, figures, marking, data_date, analysis)
    _cards_row(fig, figures["cards"])
    n_top = len(figures["hotspots"])
    headings = (
        (0.015, f"Drug offences by ward, {figures['period']}"),
        (0.435, "Drug offences per month"),
        (0.735, f"Top {n_top} of {figures['n_hotspots']} hotspots, by offences"),
    )
    for x, heading in headings:
        fig.text(x, 0.735, heading, fontsize=10, weight="bold", color=INK, va="center")
    draw_map(
        fig.add_axes((0.015, 0.07, 0.40, 0.645)), wards, force_area, analysis, figures, basemap
    )
    draw_trend(fig.add_axes((0.46, 0.53, 0.245, 0.18)), figures)
    draw_movers(fig.add_axes((0.435, 0.075, 0.27, 0.39)), figures)
    # the caveats start under the hotspots' note, wherever long names have put it
    below = draw_hotspots(fig.add_axes((0.735, 0.52, 0.25, 0.195)), figures) - 0.02
    if figures["districts"]:  # then each district's figures, under the hotspots
        below = draw_districts(fig.add_axes((0.735, 0.075, 0.25, below - 0.075)), figures) - 0.02
    draw_caveats(fig.add_axes((0.735, 0.075, 0.25, below - 0.075)), figures["caveats"])

    buffer = io.BytesIO()
    if fmt == "png":
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    else:
        fig.savefig(buffer, format="pdf", metadata={"CreationDate": None, "Producer": None})
    return buffer.getvalue()


def _frame(fig: Figure, f: dict[str, Any], marking: str, data_date: str, a: Analysis) -> None:
    for y, va in ((0.988, "top"), (0.008, "bottom")):
        fig.text(0.5, y, marking, ha="center", va=va, fontsize=10, weight="bold", color=INK)
    fig.text(
        0.015,
        0.945,
        f"Drug crime briefing: {f['period']}",
        fontsize=18,
        weight="bold",
        va="center",
        color=INK,
    )
    # without a comparison, the headline below says why (naming the months held)
    compare = (
        f"compared with {f['compare_to']}"
        if f["compare_to"]
        else f"not compared with {a.compare_to.label}"
    )
    right = (
        (0.945, f"{f['period']}, {compare}", 9.0),
        (0.925, data_date, 8.0),
        (0.907, f"Data version {a.data_version}", 7.0),
    )
    for y, text, size in right:
        fig.text(0.985, y, text, ha="right", va="center", fontsize=size, color=GREY)
    # the headline keeps clear of the block on the right: smaller, then on two lines if long
    # ("… no data for the comparison period May–Jul 2019 (… held for Jul 2019 only)")
    room_pt = 0.97 * fig.get_figwidth() * 72 - max(width_pt(t, s) for _, t, s in right) - 12
    headline = f"{f['headline'][:1].upper()}{f['headline'][1:]}."
    size = HEADLINE_PT
    while width_pt(headline, size) > room_pt and size > HEADLINE_MIN_PT:
        size -= 0.25
    fig.text(
        0.015,
        0.912,
        fill(headline, room_pt, size),
        fontsize=size,
        va="center",
        color=INK,
        linespacing=1.1,
    )
    fig.text(
        0.015,
        0.04,
        ATTRIBUTION + " Boundaries: Office for National Statistics (OGL v3.0).",
        fontsize=6.5,
        va="center",
        color=GREY,
    )
    fig.add_artist(
        Rectangle((0.015, 0.055), 0.97, 0.0012, transform=fig.transFigure, color=RULE, lw=0)
    )


def _cards_row(fig: Figure, cards: list[dict[str, str]]) -> None:
    n, left, gap, width = len(cards), 0.015, 0.008, 0.97
    w = (width - gap * (n - 1)) / n
    for i, card in enumerate(cards):
        x = left + i * (w + gap)
        fig.add_artist(
            Rectangle(
                (x, 0.765),
                w,
                0.12,
                transform=fig.transFigure,
                facecolor="#f3f2f1",
                edgecolor="none",
            )
        )
        fig.add_artist(
            Rectangle(
                (x, 0.765), 0.004, 0.12, transform=fig.transFigure, facecolor=NOW, edgecolor="none"
            )
        )
        fig.text(x + 0.012, 0.868, card["label"], fontsize=7.5, color=GREY, va="center")
        fig.text(x + 0.012, 0.83, card["value"], fontsize=17, weight="bold", color=INK, va="center")
        if card.get("tag"):
            fig.text(
                x + w - 0.008,
                0.868,
                card["tag"],
                fontsize=6.5,
                weight="bold",
                ha="right",
                va="center",
                color="#a63d00",
                bbox={"boxstyle": "square,pad=0.25", "fc": "white", "ec": "#a63d00", "lw": 0.8},
            )
        fig.text(
            x + 0.012,
            0.785,
            fill(card["detail"], (w - 0.02) * A4_LANDSCAPE_IN[0] * 72, CARD_DETAIL_PT),
            fontsize=CARD_DETAIL_PT,
            color=INK,
            va="center",
            linespacing=1.2,
        )
