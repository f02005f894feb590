"""The web map of one period (:func:`period_map`) and the pieces the maps share.

Frames come in British National Grid (EPSG:27700) from :func:`hotspots.analyse`; they are
reprojected to WGS84 here, with coordinates rounded to 5 decimals (about 1 m). The maps load
nothing from outside the app: render them with :func:`hotspots.render.render_html`.

Layers (each toggleable in the layer control)
---------------------------------------------
- **Wards**: choropleth of the chosen measure (classes in :mod:`hotspots.render.classes`), with
  a text legend naming the measure and the period; popups give the ward's figures.
- **Hotspots**: polygons coloured by rank (ColorBrewer OrRd, darkest = rank 1) and a numbered
  marker on each (hotspots are ~100 m across and would vanish at force scale).
- **Drug offences**: a heat map (stacked points weighted by their count) or browser-side
  clusters with one marker per distinct location (never one per offence).
- **Stop-and-searches**, **raids**: one circle per location, listing its events; clustered above
  300 locations. The raid layer's name and popups say SYNTHETIC when rows are synthetic.
- **Force area boundary**, and **ward and district names** (ward names from zoom 11), so the
  map reads without base tiles.

Base tiles come from :class:`TileConfig`; without one the map has no tile layer at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure
from folium.utilities import JsCode

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.evaluate.next_month import NextMonth, capture_text, top_cells
from hotspots.figures import Figure as LayerFigure
from hotspots.parameters import DEFAULT_SCHEME
from hotspots.periods import Period
from hotspots.render import classes as cls
from hotspots.render import layers
from hotspots.render import legend as key
from hotspots.render.elements import HtmlControl, MapSetup, add_css
from hotspots.render.legend import NARROW_PX
from hotspots.render.popups import (
    describe_raid,
    describe_search,
    esc,
    rate_text,
    signed,
    ward_popup,
)

__all__ = ["ATTRIBUTION", "TileConfig", "period_map"]

WardMeasure = Literal["count", "per_km2", "change"]
OffenceView = Literal["none", "heat", "clusters"]
#: The measures wards can be shaded by, with the words a form shows for each: the one list,
#: which the web's map form and its parameter check (:mod:`web.filters`) use too.
MEASURE_LABELS: dict[str, str] = {
    "count": "Drug offences",
    "per_km2": "Drug offences per km²",
    "change": "Change on previous period",
}
#: The ways offences can be drawn, with a form's words for each (one list, as above).
OFFENCE_VIEW_LABELS: dict[str, str] = {
    "none": "Not drawn",
    "heat": "Heat map",
    "clusters": "Clusters",
}
WARD_MEASURES: tuple[str, ...] = tuple(MEASURE_LABELS)
OFFENCE_VIEWS: tuple[str, ...] = tuple(OFFENCE_VIEW_LABELS)

#: Attribution lines shown on every map (plain text).
ATTRIBUTION: tuple[str, ...] = (
    "Contains public sector information licensed under the Open Government Licence v3.0",
    "Contains OS data © Crown copyright and database right",
)
_MEASURE_COLUMN = {
    "count": "offence_count",
    "per_km2": "offence_per_km2",
    "change": "offence_change",
}


@dataclass(frozen=True)
class TileConfig:
    """A base tile layer from configuration.

    Parameters
    ----------
    url
        Tile URL template with ``{z}``, ``{x}`` and ``{y}`` (e.g. an OS Open Zoomstack or OS
        Maps API endpoint the network can reach).
    attribution
        Attribution shown on the map, plain text (escaped; no links).
    max_zoom
        Highest zoom the map offers.
    native_max_zoom
        Highest zoom the tiles exist at, when lower than ``max_zoom`` (Leaflet enlarges them
        beyond it); None: ``max_zoom``.
    """

    url: str
    attribution: str
    max_zoom: int = 18
    native_max_zoom: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or not all(k in self.url for k in ("{z}", "{x}", "{y}")):
            raise ValueError(f"tile url must contain {{z}}, {{x}} and {{y}}; got {self.url!r}")
        if not isinstance(self.attribution, str) or not self.attribution.strip():
            raise ValueError("tiles need an attribution (the tile provider's licence line)")
        if not 1 <= int(self.max_zoom) <= 22:
            raise ValueError(f"max_zoom must be between 1 and 22; got {self.max_zoom}")


@dataclass(frozen=True)
class ForecastOverlay:
    """Next month's forecast cells for the analysts' map (:func:`forecast_overlay`)."""

    cells: gpd.GeoDataFrame
    month: str
    capture_text: str = ""


def forecast_overlay(ahead: NextMonth, coverage: float | None = None) -> ForecastOverlay:
    """The forecast's top cells covering ``coverage`` of the study area (default its largest
    target coverage, 1%; at least one cell), with the back-tested capture of the area they
    really cover in words."""
    coverage = max(ahead.shares, default=0.01) if coverage is None else coverage
    n_cells = max(1, round(coverage * ahead.grid.n_cells))
    cells = gpd.GeoDataFrame(top_cells(ahead, n_cells), geometry="geometry", crs=schema.CRS_BNG)
    cells = cells[cells["expected_offences"] > 0]
    capture = ahead.capture_at(n_cells / ahead.grid.n_cells)
    # The share the cells really cover: in a small force 1% of the area is under one cell.
    cells_text = "cell" if n_cells == 1 else f"{n_cells} cells"
    text = capture_text(
        f"the forecast's top {cells_text} ({100 * n_cells / ahead.grid.n_cells:.2g}% of the area)",
        "the next month's drug offences",
        capture,
    )
    return ForecastOverlay(cells, ahead.month, text)


def period_map(
    analysis: Analysis,
    *,
    ward_measure: WardMeasure = "count",
    show_offences: OffenceView = "heat",
    show_searches: bool = True,
    show_raids: bool = True,
    show_exact_points: bool = True,
    tiles: TileConfig | None = None,
    force_area: gpd.GeoDataFrame | None = None,
    fit_wards: bool = False,
    forecast: ForecastOverlay | None = None,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> folium.Map:
    """The map of one analysed period.

    Parameters
    ----------
    analysis
        From :func:`hotspots.analyse` (frames in EPSG:27700, or any CRS they declare).
    ward_measure
        Ward choropleth: ``"count"`` (drug offences), ``"per_km2"`` (offences per km² in the
        period) or ``"change"`` (offences minus those of ``analysis.compare_to``; grey "no
        data" when the comparison period has no data).
    show_offences
        ``"heat"``, ``"clusters"`` or ``"none"``.
    show_searches, show_raids
        Add the stop-and-search / raid layers. ``show_raids=False`` also leaves raid counts
        out of the ward and hotspot popups (raids are for authorised roles only).
    show_exact_points
        False for the public-safe view: no layer puts a marker on an individual event, so
        searches and raids are left out and ``show_offences="clusters"`` is refused; the heat
        map, wards and hotspots remain.
    tiles
        Base tiles; None draws no tile layer (ward outlines and names give orientation).
    force_area
        The force boundary (any CRS); default ``analysis.force_area`` if it has one, else the
        outline of the wards.
    fit_wards
        Open the map on the bounds of ``analysis.wards`` rather than the force area (an
        officer's analysis holds the wards of their area only).
    forecast
        Next month's forecast cells (:func:`forecast_overlay`, analysts), a layer hidden until
        switched on; None: no forecast layer.
    scheme, k
        How the ward shades are classed (:data:`hotspots.parameters.SCHEMES`) and into how
        many classes (None: the measure's default); the key names both.

    Returns
    -------
    folium.Map
        Render it with :func:`hotspots.render.render_html`.
    """
    check_choice("ward_measure", ward_measure, WARD_MEASURES)
    check_choice("show_offences", show_offences, OFFENCE_VIEWS)
    if show_offences == "clusters" and not show_exact_points:
        raise ValueError(
            "show_offences='clusters' places markers on offence locations; with "
            "show_exact_points=False use 'heat' or 'none'"
        )
    wards = layers.to_wgs84(analysis.wards, "analysis.wards", fixed=True)
    area = force_area_wgs84(analysis, force_area, wards)
    period = analysis.period.label
    compare = analysis.compare_to.label if analysis.comparison_available else None
    synthetic = raids_synthetic(analysis)
    m = new_map(wards if fit_wards else area, tiles, label=f"Map of drug offences, {period}")
    legend: list[str] = []

    figures = analysis.figures()  # a layer not held: "no data" in the popups, never 0
    values = ward_values(analysis.wards, ward_measure)
    classes = ward_classes(ward_measure, [values], scheme, k)
    name = ward_layer_name(ward_measure, period, compare)
    ward_layer = layers.ward_layer(
        wards,
        values,
        classes,
        name=name,
        tip=ward_tip(ward_measure, compare),
        popup=lambda row: ward_popup(
            row,
            period=period,
            compare_to=compare,
            raids_synthetic=synthetic,
            raids=show_raids,
            figures=figures,
        ),
        # lighter under a heat map, whose colours must stay readable on top
        fill_opacity=0.4 if show_offences == "heat" else 0.6,
    )
    ward_layer.add_to(m)
    legend.append(key.classes_section(name, classes, ward_layer))

    events = layers.to_wgs84(analysis.events, "analysis.events")
    offences = events[events[schema.LAYER] == "offence"]
    if show_offences == "heat":
        heat = layers.heat_layer(offences, f"Drug offences, {period} (heat map)")
        if heat is not None:
            heat.add_to(m)
            legend.append(key.heat_section(heat, layers.HEAT_GRADIENT))
    elif show_offences == "clusters":
        cluster = layers.offence_cluster_layer(offences, f"Drug offences, {period} (clusters)")
        if cluster is not None:
            cluster.add_to(m)
            legend.append(
                key.symbol_section(
                    cluster, "Drug offences (number per cluster)", layers.OFFENCE_STYLE
                )
            )

    add_hotspots(m, analysis, legend, raids=show_raids)
    if forecast is not None:
        label = f"Forecast for {Period.months(forecast.month, forecast.month).label}"
        overlay = layers.forecast_layer(
            forecast.cells,
            name=f"{label} (top cells)",
            month=forecast.month,
            capture_text=forecast.capture_text,
        )
        if overlay is not None:
            overlay.add_to(m)
            legend.append(key.symbol_section(overlay, label, layers.FORECAST_STYLE))
    figures = analysis.figures()
    if show_exact_points and show_searches:
        searches = events[events[schema.LAYER] == "search"]
        note = _no_data_note(figures.get("search"))
        layer = layers.point_layer(
            searches,
            name=f"Stop-and-searches for drugs, {period}" + (f" ({note})" if note else ""),
            noun=("stop-and-search", "stop-and-searches"),
            style=layers.SEARCH_STYLE,
            describe=describe_search,
        )
        if layer is not None:
            layer.add_to(m)
            label = "Stop-and-search" + (f" ({note})" if note else "")
            legend.append(key.symbol_section(layer, label, layers.SEARCH_STYLE))
        elif note:  # nothing drawn: say why, never an empty layer
            legend.append(key.no_data_section("Stop-and-search", note))
    if show_exact_points and show_raids:
        raids = events[events[schema.LAYER] == "raid"]
        raid_name = "Raids" + _synthetic_suffix(raids)
        note = _no_data_note(figures.get("raid"))
        layer = layers.point_layer(
            raids,
            name=f"{raid_name}, {period}" + (f" ({note})" if note else ""),
            noun=("raid", "raids"),
            style=layers.RAID_STYLE,
            describe=describe_raid,
        )
        if layer is not None:
            layer.add_to(m)
            label = raid_name + (f" ({note})" if note else "")
            legend.append(key.symbol_section(layer, label, layers.RAID_STYLE))
        elif note:
            legend.append(key.no_data_section("Raids", note))
    add_orientation(m, area, wards, legend)
    HtmlControl(
        f'<div class="hs-title">Drug offences, {esc(period)}</div>',
        position="topright",
        label="Map title",
    ).add_to(m)
    key.map_key(legend).add_to(m)
    # open on wide screens, an icon on phones (where the list would cover the map)
    control = folium.LayerControl(collapsed=False)
    options: dict[str, Any] = control.options  # JsCode: an expression run in the page
    options["collapsed"] = JsCode(f"window.innerWidth < {NARROW_PX}")
    control.add_to(m)
    return m


# -- building blocks (shared with hotspots.render.compare) -----------------------------------------


def new_map(
    area: gpd.GeoDataFrame,
    tiles: TileConfig | None,
    *,
    label: str,
    figure: Figure | None = None,
    pane: int | None = None,
) -> folium.Map:
    """A map fitted to ``area`` (WGS84): tiles if configured, attribution, scale, page CSS.

    With ``figure`` and ``pane`` (0 left, 1 right) the map takes half of that figure.
    """
    west, south, east, north = (float(v) for v in area.total_bounds)
    max_zoom = tiles.max_zoom if tiles is not None else 18
    size: dict[str, Any] = {}
    if pane is not None:
        size = {
            "width": "50%",
            "height": "100%",
            "left": f"{50 * pane}%",
            "top": "0%",
            "position": "absolute",
        }
    m = folium.Map(
        location=[
            round((south + north) / 2, layers.DECIMALS),
            round((west + east) / 2, layers.DECIMALS),
        ],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        # the Leaflet option itself: MarkerCluster needs it when there is no tile layer
        maxZoom=max_zoom,
        zoomSnap=0.5,
        **size,
    )
    if figure is not None:
        figure.add_child(m)
    root = m.get_root()
    assert isinstance(root, Figure)  # folium.Map always sits in a Figure
    add_css(root)
    if tiles is not None:
        folium.TileLayer(
            tiles=tiles.url,
            attr=esc(tiles.attribution),
            name="Base map",
            max_zoom=tiles.max_zoom,
            max_native_zoom=tiles.native_max_zoom,
            control=False,
        ).add_to(m)
    MapSetup(attribution=ATTRIBUTION, label=label, bounds=[[south, west], [north, east]]).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def add_hotspots(m: folium.Map, analysis: Analysis, legend: list[str], *, raids: bool) -> None:
    """Add the hotspot layer (or say there are none) and its key section."""
    hotspots = analysis.hotspots
    period = analysis.period.label
    if hotspots.empty:
        legend.append(key.no_hotspots_section(period))
        return
    name = f"Hotspots, {period} ({len(hotspots)})"
    group = layers.hotspot_layer(
        layers.to_wgs84(hotspots, "analysis.hotspots"),
        name=name,
        period=period,
        compare_to=analysis.compare_to.label if analysis.comparison_available else None,
        near_m=float(analysis.parameters.get("near_m", 100.0)),
        raids_synthetic=raids_synthetic(analysis),
        raids=raids,
        figures=analysis.figures(),
    )
    group.add_to(m)
    legend.append(key.hotspot_section(group))


def add_orientation(
    m: folium.Map, area: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, legend: list[str]
) -> None:
    """Add the force boundary and the ward and district names (WGS84 frames)."""
    boundary = layers.boundary_layer(area, "Force area boundary")
    boundary.add_to(m)
    legend.append(key.line_section(boundary, "Force area boundary"))
    layers.label_layer(wards, "Ward and district names").add_to(m)


def ward_values(wards: gpd.GeoDataFrame, measure: str) -> pd.Series:
    """The ward measure as floats, in the order of ``wards`` (NaN where unknown)."""
    column = _MEASURE_COLUMN[measure]
    if column not in wards:
        raise ValueError(f"analysis.wards has no column {column!r} (needed for {measure!r})")
    return wards[column].astype(float).reset_index(drop=True)


def ward_classes(
    measure: str, values: list[pd.Series], scheme: str = DEFAULT_SCHEME, k: int | None = None
) -> cls.ColourClasses:
    """Classes of a measure over every pane that shares the key, by ``scheme`` with ``k``
    classes (None: the measure's default; :mod:`hotspots.render.classes`)."""
    pooled = pd.concat(values, ignore_index=True).to_numpy()
    if measure == "change":
        return cls.change_classes(pooled, scheme=scheme, k=k)
    return cls.sequential_classes(pooled, integer=measure == "count", scheme=scheme, k=k)


def classes_record(
    analysis: Analysis, measure: str, scheme: str = DEFAULT_SCHEME, k: int | None = None
) -> dict[str, Any]:
    """The ward classes :func:`period_map` draws for ``analysis`` (same function, same
    values), as ``/map.json`` records them: the measure, scheme, ``k`` and each class
    (:meth:`hotspots.render.classes.ColourClasses.record`)."""
    values = ward_values(analysis.wards, measure)
    return {"measure": measure, **ward_classes(measure, [values], scheme, k).record()}


def ward_layer_name(measure: str, period: str, compare: str | None) -> str:
    """Name of the ward layer (layer control and key title): measure and period."""
    if measure == "count":
        return f"Drug offences per ward, {period}"
    if measure == "per_km2":
        return f"Drug offences per km² by ward, {period}"
    if compare is None:
        return f"Change in drug offences per ward, {period} (no comparison data)"
    return f"Change in drug offences per ward, {period} vs {compare}"


def ward_tip(measure: str, compare: str | None) -> Callable[[Mapping[str, Any], Any], str]:
    """Tooltip maker for a ward: name and the measure, escaped."""

    def tip(row: Mapping[str, Any], value: float | None) -> str:
        name = row[schema.WARD_NAME]
        if measure == "count":
            # a blank count (not held, or suppressed) is "no data", never 0
            text = f"{name}: " + (
                "no data"
                if value is None or value != value
                else f"{int(value):,} drug offence" + ("" if int(value) == 1 else "s")
            )
        elif measure == "per_km2":
            text = f"{name}: {rate_text(value)} drug offences per km²"
        elif compare is None:
            text = f"{name}: change not available"
        else:
            text = f"{name}: {signed(value)} drug offences vs {compare}"
        return esc(text)

    return tip


def _synthetic_suffix(raids: pd.DataFrame) -> str:
    if raids.empty or schema.SYNTHETIC not in raids:
        return ""
    flags = raids[schema.SYNTHETIC].fillna(False).astype(bool)
    if flags.all():
        return " (SYNTHETIC demo data)"
    if flags.any():
        return " (includes SYNTHETIC demo records)"
    return ""


def raids_synthetic(analysis: Analysis) -> bool:
    """True when any raid of the period is SYNTHETIC."""
    events = analysis.events
    if schema.SYNTHETIC not in events:
        return False
    raids = events[events[schema.LAYER] == "raid"]
    return bool(raids[schema.SYNTHETIC].fillna(False).astype(bool).any())


def _no_data_note(figure: LayerFigure | None) -> str:
    """Why a layer has no figure for the period ("no raid records held", "stop-and-search
    records held for Jul 2025 only"); empty when its figure is a number."""
    return "" if figure is None or figure.is_number else figure.note


def force_area_wgs84(
    analysis: Analysis, force_area: gpd.GeoDataFrame | None, wards: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The force boundary in WGS84: as given, else ``analysis.force_area``, else the wards'."""
    area = force_area if force_area is not None else getattr(analysis, "force_area", None)
    if area is None:
        return gpd.GeoDataFrame(geometry=[wards.union_all()], crs=wards.crs)
    if not isinstance(area, gpd.GeoDataFrame):
        raise TypeError(f"force_area must be a GeoDataFrame; got {type(area).__name__}")
    if area.empty:
        raise ValueError("force_area has no rows; expected the force boundary polygon(s)")
    return layers.to_wgs84(area[[area.geometry.name]], "force_area", fixed=True)


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise ValueError naming the argument, the choices and what was received."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
