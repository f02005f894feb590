"""The commissioner's briefing: headline figures of a period, and a one-page A4 PNG or PDF.

:func:`briefing_figures` gathers what the briefing says (force-wide counts and changes, stop-and-
search outcome rates, raids, arrests and seizures, the wards that rose and fell most, the top
hotspots, the monthly trend and plain-language caveats); :func:`briefing_image` draws it with
matplotlib, with no browser and no network. Aggregates only: wards are shaded by count and
hotspots are ranked polygons; no offence, search or raid point is drawn.

Geometry is British National Grid (EPSG:27700, metres). The image is drawn on a
``matplotlib.figure.Figure`` (Agg and PDF canvases, no pyplot and no global rcParams), so
renders in several server threads do not interfere, and identical input gives identical bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.cli_analysis import headline_text, ward_movers
from hotspots.errors import HotspotsError
from hotspots.periods import Period, add_months, month_range

__all__ = ["ATTRIBUTION", "briefing_figures", "briefing_image", "monthly_counts", "trend_months"]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
#: The stop-and-search outcome that means nothing was done.
NO_FURTHER_ACTION = "A no further action disposal"
ARREST = "Arrest"
_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: A4 landscape, inches; 150 dpi gives 1754 x 1240 pixels.
A4_LANDSCAPE_IN = (11.69, 8.27)
DPI = 150
_INK, _GREY, _RULE = "#0b0c0c", "#505a5f", "#b1b4b6"
_NOW, _BEFORE, _OTHER = "#1f4e79", "#8fb3d9", "#d0d0d0"


class BriefingError(HotspotsError, ValueError):
    """A briefing was asked for with arguments that do not fit (format, CRS, columns)."""


# -- figures --------------------------------------------------------------------------------------


def trend_months(period: Period, compare_to: Period, held: Sequence[str], n: int = 12) -> list[str]:
    """Months of the trend chart: the ``n`` months to the period's end, extended back to cover
    the comparison period, limited to the ``held`` months (``YYYY-MM``)."""
    start = min(add_months(period.end, -(n - 1)), compare_to.start)
    have = set(held)
    return [m for m in month_range(start, period.end) if m in have]


def monthly_counts(store_events: pd.DataFrame, months: Sequence[str]) -> pd.DataFrame:
    """Events per month and layer.

    Parameters
    ----------
    store_events : pandas.DataFrame
        Events with ``layer`` and ``month`` columns (e.g. ``Store.load()``); not modified.
    months : sequence of str
        ``YYYY-MM`` months wanted, in order (e.g. :func:`trend_months`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` in the given order, columns ``offences``, ``searches``, ``raids``
        (int64; 0 for a month with no such event) and ``label`` ("Sep 2025"). No CRS.
    """
    missing = [c for c in (schema.LAYER, schema.MONTH) if c not in store_events.columns]
    if missing:
        raise BriefingError(f"store_events lack column(s) {missing}; expected layer and month")
    wanted = list(months)
    frame = store_events[store_events[schema.MONTH].isin(wanted)]
    table = frame.groupby([schema.MONTH, schema.LAYER]).size().unstack(fill_value=0)
    out = pd.DataFrame(index=pd.Index(wanted, name="month"))
    for layer, column in (("offence", "offences"), ("search", "searches"), ("raid", "raids")):
        values = table[layer] if layer in table.columns else pd.Series(dtype=np.int64)
        out[column] = values.reindex(wanted, fill_value=0).to_numpy(dtype=np.int64)
    out["label"] = [f"{_ABBR[int(m[5:]) - 1]} {m[:4]}" for m in wanted]
    return out


def briefing_figures(
    analysis: Analysis,
    *,
    monthly: pd.DataFrame | pd.Series,
    wards_vintage: str | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """What the briefing says, as plain numbers, lists and sentences (JSON-ready).

    Parameters
    ----------
    analysis : Analysis
        The period's analysis (:func:`hotspots.analysis.analyse`).
    monthly : pandas.DataFrame or pandas.Series
        Offences per month for the trend: :func:`monthly_counts`, or a Series of offence
        counts indexed by ``YYYY-MM``.
    wards_vintage : str, optional
        Words for the ward boundaries, e.g. "December 2023 wards (120)", for the caveats.
    top : int, default 5
        Hotspots and rising / falling wards listed.

    Returns
    -------
    dict
        ``period``, ``compare_to`` (None without comparison data), ``headline``, ``offences``,
        ``searches`` (``count``, ``with_outcome``, ``action``, ``action_rate``, ``arrests``,
        ``arrest_rate``, rates in percent or None, ``has_data``), ``raids`` (``count``,
        ``prev``, ``arrests``, ``seizure_gbp``, ``synthetic``), ``cards`` (label, value,
        detail strings), ``rising``, ``falling``, ``hotspots``, ``wards``, ``monthly``,
        ``caveats``, ``data_version``.
    """
    totals, period = analysis.totals, analysis.period
    comparable = analysis.comparison_available
    then = analysis.compare_to.label if comparable else None
    events = analysis.events
    layer = events[schema.LAYER]

    offences = {
        "count": int(totals["offence_count"]),
        "prev": _int_or_none(totals.get("offence_prev")),
        "change": _int_or_none(totals.get("offence_change")),
        "change_pct": _float_or_none(totals.get("offence_change_pct")),
    }

    searches = events[
        (layer == "search") & (events[schema.CATEGORY] == schema.CONTROLLED_DRUGS_OBJECT)
    ]
    outcome = searches[schema.OUTCOME].fillna("").astype(str).str.strip()
    recorded = outcome[outcome != ""]
    no_search_months = set((totals.get("months_without_events") or {}).get("search", []))
    search: dict[str, Any] = {
        "count": len(searches),
        "with_outcome": len(recorded),
        "action": int((recorded != NO_FURTHER_ACTION).sum()),
        "arrests": int((recorded == ARREST).sum()),
        "has_data": not set(period.months) <= no_search_months,
    }
    search["action_rate"] = _pct(search["action"], search["with_outcome"])
    search["arrest_rate"] = _pct(search["arrests"], search["with_outcome"])

    raid_rows = events[layer == "raid"]
    raid = {
        "count": len(raid_rows),
        "prev": _int_or_none(totals.get("raid_prev")),
        "arrests": _column_sum(raid_rows, "arrests"),
        "seizure_gbp": float(_column_sum(raid_rows, "seizure_gbp", cast=float)),
        "synthetic": bool(raid_rows[schema.SYNTHETIC].fillna(False).astype(bool).any()),
    }

    movers = ward_movers(analysis, top)
    monthly_rows = _monthly_rows(monthly, analysis)
    figures: dict[str, Any] = {
        "period": period.label,
        "period_slug": period.slug,
        "compare_to": then,
        "headline": headline_text(analysis),
        "offences": offences,
        "searches": search,
        "raids": raid,
        "rising": [_mover(w) for w in movers["rising"].itertuples()],
        "falling": [_mover(w) for w in movers["falling"].itertuples()],
        "hotspots": [_hotspot(h, comparable) for h in analysis.hotspots.head(top).itertuples()],
        "n_hotspots": len(analysis.hotspots),
        "wards": _ward_rows(analysis.wards, comparable),
        "monthly": monthly_rows,
        "data_version": analysis.data_version,
    }
    figures["cards"] = _cards(figures, period.label)
    figures["caveats"] = _caveats(figures, analysis, wards_vintage)
    return figures


def _cards(f: dict[str, Any], now: str) -> list[dict[str, str]]:
    off, srch, raid, then = f["offences"], f["searches"], f["raids"], f["compare_to"]
    if then is None:
        off_detail = "no data for the comparison period"
    elif off["change_pct"] is None:
        off_detail = f"{off['change']:+,} on {then} ({off['prev']:,})"
    else:
        off_detail = f"{off['change_pct']:+.0f}% on {then} ({off['prev']:,})"
    if not srch["has_data"]:
        search_value, search_detail = "No data", f"no stop-and-search records held for {now}"
    elif srch["with_outcome"] == 0:
        search_value, search_detail = f"{srch['count']:,}", "no outcomes recorded"
    else:
        search_value = f"{srch['count']:,}"
        search_detail = (
            f"{srch['action_rate']:.0f}% led to action (not 'no further action'); "
            f"{srch['arrest_rate']:.0f}% arrest"
        )
    tag = "SYNTHETIC" if raid["synthetic"] else ""
    raid_detail = (
        f"{raid['count'] - raid['prev']:+,} on {then} ({raid['prev']:,})"
        if then is not None and raid["prev"] is not None
        else "warrants executed"
    )
    return [
        {
            "label": "Drug offences recorded",
            "value": f"{off['count']:,}",
            "detail": off_detail,
            "tag": "",
        },
        {
            "label": "Drug stop-and-searches",
            "value": search_value,
            "detail": search_detail,
            "tag": "",
        },
        {"label": "Drug raids", "value": f"{raid['count']:,}", "detail": raid_detail, "tag": tag},
        {
            "label": "Arrests at raids",
            "value": f"{raid['arrests']:,}",
            "detail": f"people arrested at the raids, {now}",
            "tag": tag,
        },
        {
            "label": "Value of drugs seized",
            "value": f"£{raid['seizure_gbp']:,.0f}",
            "detail": f"estimated, at the raids, {now}",
            "tag": tag,
        },
    ]


def _caveats(f: dict[str, Any], analysis: Analysis, vintage: str | None) -> list[str]:
    p = analysis.parameters
    out = [
        "Recorded drug crime reflects police activity as well as offending: more patrols, "
        "searches and operations find more drug offences, so a rise may mean more enforcement "
        "rather than more drug use or supply.",
        "Locations are approximate: police.uk moves each offence to a nearby anonymous map point "
        "and many are recorded 'on or near' a street or a police station. Figures are by ward "
        "and hotspot area only; no individual locations are shown.",
        f"Ward boundaries: {vintage or 'as stored'} (ONS, generalised); wards changed since "
        "then are not reflected.",
        f"Hotspots: at least {p.get('min_samples')} offences within "
        f"{float(p.get('eps_m') or 0):.0f} m of each other (DBSCAN), ranked by offences.",
    ]
    if f["raids"]["synthetic"]:
        out.append(
            "Raid, arrest and seizure figures are SYNTHETIC: made up for the demonstration, "
            "not police data."
        )
    if not f["searches"]["has_data"]:
        out.append(f"No stop-and-search records are held for {f['period']}.")
    if f["compare_to"] is None:
        out.append(f"No data is held for the comparison period {analysis.compare_to.label}.")
    return out


def _monthly_rows(monthly: pd.DataFrame | pd.Series, analysis: Analysis) -> list[dict[str, Any]]:
    series = monthly["offences"] if isinstance(monthly, pd.DataFrame) else monthly
    now = set(analysis.period.months)
    before = set(analysis.compare_to.months) if analysis.comparison_available else set()
    rows = []
    for month, count in series.items():
        m = str(month)
        part = "period" if m in now else "comparison" if m in before else "other"
        label = f"{_ABBR[int(m[5:]) - 1]} {m[:4]}"
        rows.append({"month": m, "label": label, "offences": int(count), "part": part})
    return rows


def _mover(w: Any) -> dict[str, Any]:
    return {
        "ward_name": str(w.ward_name),
        "district_name": str(w.district_name),
        "count": int(w.offence_count),
        "prev": int(w.offence_prev),
        "change": int(w.offence_change),
        "change_pct": _float_or_none(w.offence_change_pct),
    }


def _hotspot(h: Any, comparable: bool) -> dict[str, Any]:
    return {
        "rank": int(h.rank),
        "place": str(h.top_location),
        "ward_name": str(h.ward_name),
        "district_name": str(h.district_name),
        "offences": int(h.offences),
        "change": int(h.change) if comparable and pd.notna(h.change) else None,
        "months_active": int(h.months_active),
        "colocated": bool(h.colocated),
    }


def _ward_rows(wards: pd.DataFrame, comparable: bool) -> list[dict[str, Any]]:
    table = wards.sort_values(["offence_count", "ward_name"], ascending=[False, True])
    return [
        {
            "ward_code": str(w.ward_code),
            "ward_name": str(w.ward_name),
            "district_name": str(w.district_name),
            "count": int(w.offence_count),
            "prev": int(w.offence_prev) if comparable else None,
            "change": int(w.offence_change) if comparable else None,
            "per_km2": _float_or_none(w.offence_per_km2),
        }
        for w in table.itertuples()
    ]


def _column_sum(frame: pd.DataFrame, column: str, cast: type = int) -> Any:
    if column not in frame.columns or frame.empty:
        return cast(0)
    return cast(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# -- image ----------------------------------------------------------------------------------------


def briefing_image(
    analysis: Analysis,
    figures: dict[str, Any],
    *,
    marking: str,
    data_date: str,
    fmt: Literal["png", "pdf"] = "png",
    wards: gpd.GeoDataFrame | None = None,
    force_area: gpd.GeoDataFrame | None = None,
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
        fig.text(x, 0.735, heading, fontsize=10, weight="bold", color=_INK, va="center")
    _map(fig.add_axes((0.015, 0.07, 0.40, 0.645)), wards, force_area, analysis, figures)
    _trend(fig.add_axes((0.46, 0.53, 0.245, 0.18)), figures)
    _movers(fig.add_axes((0.435, 0.075, 0.27, 0.39)), figures)
    _hotspots(fig.add_axes((0.735, 0.52, 0.25, 0.195)), figures)
    _caveat_box(fig.add_axes((0.735, 0.075, 0.25, 0.445)), figures["caveats"])

    buffer = io.BytesIO()
    if fmt == "png":
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    else:
        fig.savefig(buffer, format="pdf", metadata={"CreationDate": None, "Producer": None})
    return buffer.getvalue()


def _frame(fig: Figure, f: dict[str, Any], marking: str, data_date: str, a: Analysis) -> None:
    for y, va in ((0.988, "top"), (0.008, "bottom")):
        fig.text(0.5, y, marking, ha="center", va=va, fontsize=10, weight="bold", color=_INK)
    fig.text(
        0.015,
        0.945,
        f"Drug crime briefing: {f['period']}",
        fontsize=18,
        weight="bold",
        va="center",
        color=_INK,
    )
    compare = f"compared with {f['compare_to']}" if f["compare_to"] else "no comparison period"
    fig.text(
        0.015,
        0.912,
        f"{f['headline'][:1].upper()}{f['headline'][1:]}.",
        fontsize=10.5,
        va="center",
        color=_INK,
    )
    fig.text(
        0.985, 0.945, f"{f['period']}, {compare}", ha="right", va="center", fontsize=9, color=_GREY
    )
    fig.text(0.985, 0.925, data_date, ha="right", va="center", fontsize=8, color=_GREY)
    fig.text(
        0.985,
        0.907,
        f"Data version {a.data_version}",
        ha="right",
        va="center",
        fontsize=7,
        color=_GREY,
    )
    fig.text(
        0.015,
        0.04,
        ATTRIBUTION + " Boundaries: Office for National Statistics (OGL v3.0).",
        fontsize=6.5,
        va="center",
        color=_GREY,
    )
    fig.add_artist(
        Rectangle((0.015, 0.055), 0.97, 0.0012, transform=fig.transFigure, color=_RULE, lw=0)
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
                (x, 0.765), 0.004, 0.12, transform=fig.transFigure, facecolor=_NOW, edgecolor="none"
            )
        )
        fig.text(x + 0.012, 0.868, card["label"], fontsize=7.5, color=_GREY, va="center")
        fig.text(
            x + 0.012, 0.83, card["value"], fontsize=17, weight="bold", color=_INK, va="center"
        )
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
            textwrap.fill(card["detail"], 44),
            fontsize=6.8,
            color=_INK,
            va="center",
            linespacing=1.2,
        )


def _classes(counts: np.ndarray) -> list[tuple[int, int | None]]:
    """Count classes (low, high) for the map legend: 0, then up to 4 ranges of the rest."""
    positive = counts[counts > 0]
    if positive.size == 0:
        return [(0, 0)]
    cuts = sorted({int(np.ceil(q)) for q in np.quantile(positive, [0.25, 0.5, 0.75, 0.95])})
    bounds: list[tuple[int, int | None]] = [(0, 0)]
    low = 1
    for cut in cuts:
        if cut >= low and cut < int(positive.max()):
            bounds.append((low, cut))
            low = cut + 1
    bounds.append((low, None))
    return bounds


def _map(
    ax: Axes, wards: gpd.GeoDataFrame, area: gpd.GeoDataFrame | None, a: Analysis, f: dict[str, Any]
) -> None:
    counts = wards["offence_count"].to_numpy(dtype=np.int64)
    classes = _classes(counts)
    palette = [to_hex(c) for c in colormaps["YlGnBu"](np.linspace(0.03, 1.0, len(classes)))]
    which = np.zeros(len(counts), dtype=int)
    for i, (low, _high) in enumerate(classes):
        which[counts >= low] = i
    patches = [PathPatch(_path(g)) for g in wards.geometry]
    coll = PatchCollection(
        patches, facecolors=[palette[i] for i in which], edgecolors="white", linewidths=0.25
    )
    ax.add_collection(coll)
    if area is not None:
        ax.add_collection(
            PatchCollection(
                [PathPatch(_path(g)) for g in area.geometry],
                facecolors="none",
                edgecolors=_INK,
                linewidths=0.8,
            )
        )
    top = a.hotspots.head(len(f["hotspots"]))
    if len(top):
        ax.add_collection(
            PatchCollection(
                [PathPatch(_path(g)) for g in top.geometry],
                facecolors="#d55e00",
                edgecolors=_INK,
                linewidths=0.4,
            )
        )
    for h in top.itertuples():
        c = h.geometry.centroid
        ax.annotate(
            str(h.rank),
            (c.x, c.y),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=7,
            weight="bold",
            ha="center",
            va="center",
            color=_INK,
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": _INK, "lw": 0.6},
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": _INK},
        )
    minx, miny, maxx, maxy = wards.total_bounds
    pad = 0.02 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    labels = [
        "0" if hi == 0 else f"{lo}+" if hi is None else f"{lo}" if lo == hi else f"{lo}–{hi}"
        for lo, hi in classes
    ]
    handles: list[Any] = [
        Patch(facecolor=p, edgecolor=_RULE, lw=0.3, label=lbl)
        for p, lbl in zip(palette, labels, strict=True)
    ]
    handles.append(Patch(facecolor="#d55e00", edgecolor=_INK, lw=0.4, label="Top hotspots (rank)"))
    ax.legend(
        handles=handles,
        title="Offences",
        loc="lower left",
        fontsize=6.5,
        title_fontsize=7,
        frameon=False,
    )
    bar_m = 10_000.0
    x0, y0 = maxx - bar_m, miny
    ax.plot([x0, x0 + bar_m], [y0, y0], color=_INK, lw=2, solid_capstyle="butt")
    ax.text(x0 + bar_m / 2, y0 + pad * 0.4, "10 km", fontsize=6.5, ha="center", color=_INK)
    ax.text(maxx, maxy, "N ↑", fontsize=8, ha="right", va="top", color=_INK, weight="bold")


def _path(geometry: BaseGeometry) -> Path:
    """A (multi)polygon as one matplotlib path, holes included (coordinates unchanged)."""
    parts = getattr(geometry, "geoms", [geometry])
    paths = []
    for polygon in parts:
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            codes[0], codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            paths.append(Path(xy, codes))
    return Path.make_compound_path(*paths)


def _trend(ax: Axes, f: dict[str, Any]) -> None:
    rows = f["monthly"]
    colours = {"period": _NOW, "comparison": _BEFORE, "other": _OTHER}
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
    ax.spines["bottom"].set_color(_RULE)
    handles = [Patch(color=_NOW, label=f["period"])]
    if f["compare_to"]:
        handles.append(Patch(color=_BEFORE, label=f["compare_to"]))
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
            0, y, title, fontsize=8.5, weight="bold", color=_INK, va="top", transform=ax.transAxes
        )
        y -= 0.075
    for i, row in enumerate([header, *rows]):
        for text, x, r in zip(row, cols, right, strict=True):
            ax.text(
                x,
                y,
                text,
                fontsize=size,
                ha="right" if r else "left",
                va="top",
                color=_GREY if i == 0 else _INK,
                weight="bold" if i == 0 else "normal",
                transform=ax.transAxes,
            )
        if i == 0:
            ax.axhline(y - step * 0.8, color=_RULE, lw=0.5)
        y -= step
    if not rows:
        ax.text(0, y, "None", fontsize=size, va="top", color=_GREY, transform=ax.transAxes)
        y -= step
    return y


def _movers(ax: Axes, f: dict[str, Any]) -> None:
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
                _clip(f"{w['ward_name']} ({w['district_name']})", 40),
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
        color=_GREY,
        va="top",
        transform=ax.transAxes,
    )


def _hotspots(ax: Axes, f: dict[str, Any]) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    rows = [
        (
            str(h["rank"]),
            _clip(h["place"].removeprefix("On or near "), 20),
            _clip(h["ward_name"], 12),
            f"{h['offences']:,}",
            "–" if h["change"] is None else f"{h['change']:+,}",
        )
        for h in f["hotspots"]
    ]
    cols, right = (0.0, 0.055, 0.47, 0.83, 1.0), (False, False, False, True, True)
    header = ("#", "Near", "Ward", "Offences", "Change")
    y = _table(ax, 1.0, "", header, rows, cols, right, 7.0, step=0.11)
    note = (
        "Near: the commonest police.uk location text. Hotspot areas are shown on the map with "
        "their rank; change is against the same area in the comparison period."
    )
    ax.text(
        0,
        y - 0.03,
        textwrap.fill(note, 64),
        fontsize=6.3,
        color=_GREY,
        va="top",
        transform=ax.transAxes,
        linespacing=1.3,
    )


def _caveat_box(ax: Axes, caveats: list[str]) -> None:
    ax.set_axis_off()
    ax.text(
        0,
        1,
        "Read with care",
        fontsize=10,
        weight="bold",
        va="top",
        color=_INK,
        transform=ax.transAxes,
    )
    text = "\n".join("• " + textwrap.fill(c, 58, subsequent_indent="   ") for c in caveats)
    ax.text(
        0, 0.93, text, fontsize=6.9, va="top", color=_INK, linespacing=1.35, transform=ax.transAxes
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
