"""The briefing's ward map: wards shaded by drug offences, the top hotspots ranked on top.

Geometry is British National Grid (EPSG:27700, metres), drawn as matplotlib paths with
coordinates unchanged; wards are shaded in the map page's classes and colours
(:func:`hotspots.render.classes.sequential_classes`: "none", then the quartiles of the wards
with any, ColorBrewer Blues), so the briefing, the map page and an export's QGIS style give the
same wards the same class; a key in the corner where it hides no top hotspot and least of the
wards, a scale bar of the map's own size (:func:`scale_bar_m`) and a north mark.

With a base map (:mod:`hotspots.basemap`) its tiles, read from the file and resampled onto the
map's BNG grid (:func:`hotspots.basemap.image_bng`), are drawn first, the wards are shaded
translucently over them, and the base map's attribution is printed in the map's corner.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation, Transform
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from hotspots.analysis import Analysis
from hotspots.basemap import BaseMap, image_bng
from hotspots.briefing.style import HOTSPOT, INK, RULE
from hotspots.render import classes as cls

__all__ = [
    "BASEMAP_WARD_ALPHA",
    "badge_offsets",
    "distance_label",
    "draw_map",
    "hotspot_dot",
    "rank_badge",
    "scale_bar_m",
]

#: Opacity of the ward shading over a base map (streets stay readable through it).
BASEMAP_WARD_ALPHA = 0.55
Corner = Literal["lower left", "upper left", "lower right", "upper right"]
#: Corners the map's key may take (matplotlib ``loc``), in order of preference on ties.
KEY_CORNERS: tuple[Corner, ...] = ("lower left", "upper left", "lower right", "upper right")
#: Font size of the map's key, points.
KEY_FONT_PT = 6.5
#: Largest base-map image drawn under the map, pixels along its longer side.
BASEMAP_MAX_PX = 1600


def draw_map(
    ax: Axes,
    wards: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | None,
    a: Analysis,
    f: dict[str, Any],
    basemap: BaseMap | None = None,
) -> None:
    """Wards shaded by offence class, the force outline and the top hotspots with their rank,
    a key, a scale bar and a north mark; on ``basemap``'s tiles when given."""
    minx, miny, maxx, maxy = wards.total_bounds
    pad = 0.02 * max(maxx - minx, maxy - miny)
    extent = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    drawn = basemap is not None and _draw_basemap(ax, basemap, extent)
    counts = wards["offence_count"].to_numpy(dtype=float)
    classes = cls.sequential_classes(counts, integer=True)
    patches = [PathPatch(_path(g)) for g in wards.geometry]
    coll = PatchCollection(
        patches,
        facecolors=[classes.colour(c) for c in counts],
        edgecolors="white",
        linewidths=0.25,
        alpha=BASEMAP_WARD_ALPHA if drawn else None,
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
    if len(top):  # the areas at true size (tens of metres: a speck) under their marks
        ax.add_collection(
            PatchCollection(
                [PathPatch(_path(g)) for g in top.geometry],
                facecolors=HOTSPOT.fill,
                edgecolors=HOTSPOT.edge,
                linewidths=HOTSPOT.dot_edge_pt,
                zorder=3,
            )
        )
    x0, y0, x1, y1 = _fill_panel(ax, extent)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.apply_aspect()  # the data limits the marks are placed in
    centres = [(g.centroid.x, g.centroid.y) for g in top.geometry]
    offsets = badge_offsets(ax, centres)
    for h, (x, y), (dx, dy) in zip(top.itertuples(), centres, offsets, strict=True):
        ax.annotate(  # the leader line, from the dot's edge to the rank's circle
            "",
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            arrowprops={
                "arrowstyle": "-",
                "lw": HOTSPOT.leader_pt,
                "color": HOTSPOT.edge,
                "shrinkA": HOTSPOT.badge_pt / 2,
                "shrinkB": HOTSPOT.dot_pt / 2,
            },
            zorder=4,
        )
        ax.add_artist(hotspot_dot(x, y, ax.transData))
        shift = ScaledTranslation(dx / 72, dy / 72, ax.figure.dpi_scale_trans)
        for artist in rank_badge(x, y, str(h.rank), ax.transData + shift):
            ax.add_artist(artist)
    ax.set_axis_off()
    handles: list[Any] = [
        Patch(
            facecolor=p,
            edgecolor=RULE,
            lw=0.3,
            label=lbl,
            alpha=BASEMAP_WARD_ALPHA if drawn else None,
        )
        for p, lbl in zip(classes.colours, classes.labels, strict=True)
    ]
    # the key draws the map's two hotspot marks with the same functions and style
    handles.append(_Key("dot", "Top hotspot"))
    handles.append(_Key("badge", "Its rank (1 = most offences)"))
    legend_args: dict[str, Any] = {
        "handles": handles,
        "handler_map": {_Key: _KeyHandler()},
        "handleheight": HOTSPOT.badge_pt / KEY_FONT_PT,  # each row fits the rank's circle
        "title": "Offences",
        "fontsize": KEY_FONT_PT,
        "title_fontsize": 7,
        "facecolor": "white",  # readable over the wards it may lie on
        "edgecolor": "none",
        "framealpha": 0.85,
    }
    corner = _key_corner(ax, legend_args, wards, centres, offsets)
    ax.legend(loc=corner, **legend_args)
    # the scale bar and the north mark take the right-hand corners the key leaves free
    bar_m = scale_bar_m(maxx - minx)
    x0 = minx if corner == "lower right" else maxx - bar_m
    ax.plot([x0, x0 + bar_m], [miny, miny], color=INK, lw=2, solid_capstyle="butt")
    ax.text(
        x0 + bar_m / 2,
        miny + pad * 0.4,
        distance_label(bar_m),
        fontsize=6.5,
        ha="center",
        color=INK,
    )
    left = corner == "upper right"
    ax.text(
        minx if left else maxx,
        maxy,
        "N ↑",
        fontsize=8,
        ha="left" if left else "right",
        va="top",
        color=INK,
        weight="bold",
    )


def scale_bar_m(width_m: float) -> float:
    """The scale bar's length for a map ``width_m`` metres wide: the longest 1, 2 or 5 times a
    power of ten within a fifth of the width (Cambridgeshire, 70 km: 10 km; Merseyside, 42 km:
    5 km; a city force of 3 km: 500 m), never a bar longer than the map."""
    limit = max(width_m, 1.0) / 5
    power = 10.0 ** np.floor(np.log10(limit))
    return float(max(s * power for s in (1, 2, 5) if s * power <= limit))


def distance_label(metres: float) -> str:
    """``"5 km"``, ``"500 m"``: a scale bar's length in words."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def badge_offsets(ax: Axes, centres: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where each rank's circle goes, in points from its dot (``centres`` in data coordinates,
    rank order): up and right by :attr:`~hotspots.briefing.style.HotspotMark.offset_pt`
    unless that circle would touch a circle or dot already placed; then the first free place
    around the dot, at 1 to 4 times that distance (top hotspots a few hundred metres apart in
    a city centre are one point on a force's map). Greedy, rank 1 first: the top rank keeps
    the usual place."""
    pt_per_px = 72 / ax.figure.dpi
    dots = [tuple(ax.transData.transform(c) * pt_per_px) for c in centres]
    clear_badges = HOTSPOT.badge_pt + 1.0
    clear_dots = (HOTSPOT.badge_pt + HOTSPOT.dot_pt) / 2 + 0.5
    placed: list[tuple[float, float]] = []
    offsets = []
    for x, y in dots:
        choice = (HOTSPOT.offset_pt, HOTSPOT.offset_pt)
        for dx, dy in _around(HOTSPOT.offset_pt):
            bx, by = x + dx, y + dy
            if all(np.hypot(bx - px, by - py) >= clear_badges for px, py in placed) and all(
                np.hypot(bx - px, by - py) >= clear_dots for px, py in dots
            ):
                choice = (dx, dy)
                break
        placed.append((x + choice[0], y + choice[1]))
        offsets.append(choice)
    return offsets


def _around(step_pt: float) -> list[tuple[float, float]]:
    """Candidate offsets of a rank's circle from its dot, points: the usual one first, then
    around the dot, further out each ring."""
    out = []
    for ring in (1, 2, 3, 4):
        r = ring * step_pt * np.sqrt(2)  # the usual offset is (step, step)
        for degrees in (45, 135, -45, -135, 90, -90, 0, 180, 22.5, 157.5, -22.5, -157.5):
            a = np.radians(degrees)
            out.append((float(r * np.cos(a)), float(r * np.sin(a))))
    return out


def _fill_panel(ax: Axes, extent: tuple[float, float, float, float]) -> tuple[float, ...]:
    """``extent`` grown about its centre to the shape of the map's panel, so that the map fills
    the panel at one scale. A force wider than its panel (South Wales, the City of London)
    then has room above and below it for the key; fitted tightly, the panel shrank to the
    force's shape and every corner of the key lay on wards (the Gower, Farringdon)."""
    x0, y0, x1, y1 = extent
    width, height = x1 - x0, y1 - y0
    box = ax.get_window_extent()  # the panel on the page, in pixels
    panel = box.height / box.width if box.width > 0 else 0.0  # height over width
    if width <= 0 or height <= 0 or panel <= 0:
        return extent
    if height / width < panel:  # wider than the panel: more height
        grow = (width * panel - height) / 2
        return (x0, y0 - grow, x1, y1 + grow)
    grow = (height / panel - width) / 2  # taller than the panel: more width
    return (x0 - grow, y0, x1 + grow, y1)


def _key_corner(
    ax: Axes,
    legend_args: dict[str, Any],
    wards: gpd.GeoDataFrame,
    centres: list[tuple[float, float]],
    offsets: list[tuple[float, float]],
) -> Corner:
    """The corner of the map where the key hides least: first the fewest top hotspots' dots
    and ranks under it, then the least ward area, then the order of :data:`KEY_CORNERS`. The
    force's shape decides (Cambridgeshire leaves its lower left nearly empty; Merseyside's
    lower left is the Wirral). Without a renderer to measure the key: the first corner."""
    get_renderer = getattr(ax.figure.canvas, "get_renderer", None)
    if get_renderer is None:
        return KEY_CORNERS[0]
    renderer = get_renderer()
    to_data = ax.transData.inverted()
    px_per_pt = ax.figure.dpi / 72
    dots = [tuple(ax.transData.transform(c)) for c in centres]
    spots = dots + [  # and the ranks' circles
        (x + dx * px_per_pt, y + dy * px_per_pt)
        for (x, y), (dx, dy) in zip(dots, offsets, strict=True)
    ]
    scores = []
    for order, corner in enumerate(KEY_CORNERS):
        legend = ax.legend(loc=corner, **legend_args)
        key = legend.get_window_extent(renderer)
        legend.remove()
        hidden = sum(bool(key.contains(x, y)) for x, y in spots)
        (x0, y0), (x1, y1) = to_data.transform([(key.x0, key.y0), (key.x1, key.y1)])
        covered = float(wards.geometry.intersection(box(x0, y0, x1, y1)).area.sum())
        scores.append((hidden, covered, order))
    return KEY_CORNERS[min(scores)[2]]


def _circle(
    x: float,
    y: float,
    transform: Transform,
    size_pt: float,
    fill: str,
    edge_pt: float,
    *,
    zorder: int,
) -> Line2D:
    """A circle marker of ``size_pt`` at ``(x, y)``, edged in the hotspot colour, never clipped."""
    return Line2D(
        [x],
        [y],
        transform=transform,
        linestyle="none",
        marker="o",
        markersize=size_pt,
        markerfacecolor=fill,
        markeredgecolor=HOTSPOT.edge,
        markeredgewidth=edge_pt,
        zorder=zorder,
        clip_on=False,
    )


def hotspot_dot(x: float, y: float, transform: Transform) -> Line2D:
    """The dot marking a top hotspot's centre at ``(x, y)`` in ``transform``'s coordinates
    (:data:`hotspots.briefing.style.HOTSPOT`); the map and its key both draw it."""
    return _circle(x, y, transform, HOTSPOT.dot_pt, HOTSPOT.fill, HOTSPOT.dot_edge_pt, zorder=5)


def rank_badge(x: float, y: float, rank: str, transform: Transform) -> list[Artist]:
    """A hotspot's rank in a circle of fixed size centred on ``(x, y)`` in ``transform``'s
    coordinates (:data:`hotspots.briefing.style.HOTSPOT`); the map and its key both draw it."""
    circle = _circle(
        x, y, transform, HOTSPOT.badge_pt, HOTSPOT.badge_fill, HOTSPOT.badge_edge_pt, zorder=6
    )
    text = Text(
        x,
        y,
        rank,
        transform=transform,
        fontsize=HOTSPOT.rank_font_pt,
        weight="bold",
        ha="center",
        va="center_baseline",
        color=HOTSPOT.edge,
        zorder=7,
        clip_on=False,
    )
    return [circle, text]


class _Key:
    """A key entry for one of the hotspot marks: ``"dot"`` or ``"badge"``."""

    def __init__(self, mark: str, label: str) -> None:
        self.mark, self.label = mark, label

    def get_label(self) -> str:
        return self.label


class _KeyHandler(HandlerBase):
    """Draws a :class:`_Key` in the legend with :func:`hotspot_dot` or :func:`rank_badge`."""

    def create_artists(
        self,
        legend: Legend,
        orig_handle: Any,
        xdescent: float,
        ydescent: float,
        width: float,
        height: float,
        fontsize: float,
        trans: Transform,
    ) -> list[Artist]:
        x, y = width / 2 - xdescent, height / 2 - ydescent
        if orig_handle.mark == "dot":
            return [hotspot_dot(x, y, trans)]
        return rank_badge(x, y, "1", trans)


def _draw_basemap(ax: Axes, basemap: BaseMap, extent: tuple[float, float, float, float]) -> bool:
    """Draw the base map's tiles over ``extent`` (EPSG:27700) at about the axes' resolution,
    with its attribution; False when the file has no tile there."""
    minx, miny, maxx, maxy = extent
    box = ax.get_window_extent()  # display pixels at the figure's dpi
    scale = min(max(box.width, box.height), BASEMAP_MAX_PX) / max(maxx - minx, maxy - miny)
    width_px = max(1, round((maxx - minx) * scale))
    height_px = max(1, round((maxy - miny) * scale))
    image = image_bng(basemap, extent, width_px, height_px)
    if image is None:
        return False
    ax.imshow(
        image,
        extent=(minx, maxx, miny, maxy),
        origin="upper",
        interpolation="nearest",
        zorder=0,
    )
    ax.text(
        0.995,
        0.005,
        basemap.attribution,
        transform=ax.transAxes,
        fontsize=5,
        ha="right",
        va="bottom",
        color=INK,
        bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1},
    )
    return True


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
