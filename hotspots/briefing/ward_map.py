"""The briefing's ward map: wards shaded by drug offences, the top hotspots ranked on top.

Geometry is British National Grid (EPSG:27700, metres), drawn as matplotlib paths with
coordinates unchanged; wards fall into at most five count classes (0, then up to four ranges by
quantile), with a legend, a 10 km scale bar and a north mark.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry

from hotspots.analysis import Analysis
from hotspots.briefing.style import INK, RULE

__all__ = ["draw_map"]


def draw_map(
    ax: Axes, wards: gpd.GeoDataFrame, area: gpd.GeoDataFrame | None, a: Analysis, f: dict[str, Any]
) -> None:
    """Wards shaded by offence class, the force outline and the top hotspots with their rank,
    a legend, a 10 km scale bar and a north mark."""
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
                edgecolors=INK,
                linewidths=0.8,
            )
        )
    top = a.hotspots.head(len(f["hotspots"]))
    if len(top):
        ax.add_collection(
            PatchCollection(
                [PathPatch(_path(g)) for g in top.geometry],
                facecolors="#d55e00",
                edgecolors=INK,
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
            color=INK,
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": INK, "lw": 0.6},
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": INK},
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
        Patch(facecolor=p, edgecolor=RULE, lw=0.3, label=lbl)
        for p, lbl in zip(palette, labels, strict=True)
    ]
    # the key shows the two marks the map draws: the hotspot's area and its rank's circle
    handles.append(Patch(facecolor="#d55e00", edgecolor=INK, lw=0.4, label="Top hotspot area"))
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor=INK,
            markeredgewidth=0.6,
            label="Its rank (1 = most offences)",
        )
    )
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
    ax.plot([x0, x0 + bar_m], [y0, y0], color=INK, lw=2, solid_capstyle="butt")
    ax.text(x0 + bar_m / 2, y0 + pad * 0.4, "10 km", fontsize=6.5, ha="center", color=INK)
    ax.text(maxx, maxy, "N ↑", fontsize=8, ha="right", va="top", color=INK, weight="bold")


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
