"""The layers of our maps, each built from frames already in WGS84 (see :func:`to_wgs84`).

Every function returns a folium layer (or ``None`` when there is nothing to draw) and, where it
has one, the HTML of its legend section; :mod:`hotspots.render.maps` puts them together.
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer
from folium.plugins import FastMarkerCluster, HeatMap
from folium.utilities import JsCode
from pyproj import Transformer

from hotspots import schema
from hotspots.render import classes as cls
from hotspots.render import geomemo
from hotspots.render.elements import FEATURE_EVENTS_JS, LabelLayer, js_value
from hotspots.render.popups import esc, event_list_popup, hotspot_popup

#: Coordinates in the page are rounded to this many decimals (about 1 m).
DECIMALS = 5
#: Above this many distinct locations a point layer is clustered in the browser.
MAX_POINT_MARKERS = 300
#: z-index steps between hotspot ranks, more than a map frame's height in pixels: where markers
#: overlap the better rank is drawn on top (Leaflet stacks markers by latitude otherwise).
RANK_STACK_PX = 10_000

#: CVD-safe heat gradient (ColorBrewer YlOrRd), light = few offences, dark = many.
HEAT_GRADIENT = {0.2: "#ffffb2", 0.4: "#fecc5c", 0.6: "#fd8d3c", 0.8: "#f03b20", 1.0: "#bd0026"}
SEARCH_STYLE = {
    "color": "#01665e",
    "weight": 2,
    "fill": True,
    "fillColor": "#ffffff",
    "fillOpacity": 1.0,
}
RAID_STYLE = {
    "color": "#ffffff",
    "weight": 1.5,
    "fill": True,
    "fillColor": "#1a1a1a",
    "fillOpacity": 1.0,
}
OFFENCE_STYLE = {
    "color": "#1a1a1a",
    "weight": 1,
    "fill": True,
    "fillColor": "#fc8d59",
    "fillOpacity": 0.9,
}
#: Heat weights are capped at this quantile of the offences per location, so one very busy
#: point (often where offences are recorded, e.g. a police station) does not wash out the rest.
HEAT_CAP_QUANTILE = 0.95

_CLUSTER_ICON_JS = """function (cluster) {
    var n = 0, kids = cluster.getAllChildMarkers();
    for (var i = 0; i < kids.length; i++) { n += kids[i].options.count || 1; }
    var fill = n < 10 ? '#fdd49e' : (n < 100 ? '#fc8d59' : '#b30000');
    var ink = n < 100 ? '#1a1a1a' : '#ffffff';
    return L.divIcon({className: 'hs-cluster', iconSize: L.point(34, 34),
        html: '<span style="background:' + fill + ';color:' + ink + '">' + n + '</span>'});
}"""


def to_wgs84(frame: gpd.GeoDataFrame, name: str, *, fixed: bool = False) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326 with coordinates rounded to :data:`DECIMALS` (a copy).

    ``fixed=True`` for geometry that every map repeats (wards, the force boundary): the
    projected geometry is remembered (:mod:`hotspots.render.geomemo`).
    """
    if frame.crs is None:
        raise ValueError(f"{name} has no CRS; expected a CRS such as {schema.CRS_BNG}")

    geometry = frame.geometry.to_numpy()
    transformer = _to_wgs84(frame.crs.to_wkt())
    projected_crs = bool(frame.crs.is_projected)

    def project() -> np.ndarray:
        def xy_to_lonlat(xy: np.ndarray) -> np.ndarray:
            lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
            return np.round(np.column_stack([lon, lat]), DECIMALS)

        shapes = display_outlines(geometry) if fixed and projected_crs else geometry
        return shapely.transform(shapes, xy_to_lonlat)

    if fixed:
        key = geomemo.digest(geometry, frame.crs.to_string())
        projected = geomemo.memo("wgs84", key, project)
    else:
        projected = project()
    return gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name),
        geometry=gpd.GeoSeries(projected, index=frame.index, crs=schema.CRS_WGS84),
        crs=schema.CRS_WGS84,
    )


#: Outlines (wards, the force boundary) of more vertices than this are drawn simplified: ONS's
#: generalised files (BSC, BGC) hold a few thousand per force and are drawn as they are; a
#: full-resolution file (BFC) a vertex every few metres (Merseyside's wards densified to one
#: every 5 m: 267,133 vertices, a 6.2 MB map frame against the BSC's 0.46 MB).
DISPLAY_MAX_VERTICES = 100_000
#: How far a simplified outline may stray from the file's, metres: under a pixel up to zoom 15
#: (4.8 m a pixel at the equator, less in Britain), a line's width beyond.
OUTLINE_TOLERANCE_M = 5.0


def display_outlines(geometry: np.ndarray) -> np.ndarray:
    """``geometry`` (polygons in metres) as maps draw it: unchanged up to
    :data:`DISPLAY_MAX_VERTICES` vertices, else simplified within
    :data:`OUTLINE_TOLERANCE_M` as one coverage (``shapely.coverage_simplify``: neighbouring
    wards keep one shared edge, no gaps or overlaps appear). Drawing only: counts, areas and
    the ward join use the stored geometry."""
    if int(shapely.get_num_coordinates(geometry).sum()) <= DISPLAY_MAX_VERTICES:
        return geometry
    try:
        return np.asarray(shapely.coverage_simplify(geometry, OUTLINE_TOLERANCE_M))
    except shapely.errors.GEOSException:  # not a coverage (overlapping polygons): one by one
        return np.asarray(shapely.simplify(geometry, OUTLINE_TOLERANCE_M, preserve_topology=True))


_THREAD = threading.local()


def _to_wgs84(crs_wkt: str) -> Transformer:
    """A transformer from ``crs_wkt`` to WGS84 (lon, lat), made once per thread and CRS.

    pyproj transformers are not safe to share between threads; creating one takes ~20 ms.
    """
    made: dict[str, Transformer] = _THREAD.__dict__.setdefault("transformers", {})
    if crs_wkt not in made:
        made[crs_wkt] = Transformer.from_crs(crs_wkt, schema.CRS_WGS84, always_xy=True)
    return made[crs_wkt]


def feature_collection(
    frame: gpd.GeoDataFrame,
    properties: Callable[[Mapping[str, Any]], dict[str, Any]],
    *,
    fixed: bool = False,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``frame``'s geometry and the given properties.

    ``fixed=True`` remembers the GeoJSON geometry of geometry every map repeats (wards).
    """
    geoms = frame.geometry.to_numpy()

    def mappings() -> list[dict[str, Any] | None]:
        return [
            None if geom is None or geom.is_empty else shapely.geometry.mapping(geom)
            for geom in geoms
        ]

    shapes = geomemo.memo("geojson", geomemo.digest(geoms), mappings) if fixed else mappings()
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    features = [
        {"type": "Feature", "id": i, "geometry": shape, "properties": properties(row)}
        for i, (shape, row) in enumerate(zip(shapes, records, strict=True))
        if shape is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_layer(
    data: dict[str, Any],
    name: str,
    *,
    show: bool = True,
    marker: Any = None,
    interactive: bool = True,
) -> folium.GeoJson:
    """A GeoJson layer styled by ``properties.style``, with popups/tooltips from properties."""
    kwargs: dict[str, Any] = {}
    if not interactive:
        kwargs["interactive"] = False
    return folium.GeoJson(
        data,
        name=name,
        show=show,
        marker=marker,
        on_each_feature=JsCode(FEATURE_EVENTS_JS) if interactive else None,
        **kwargs,
    )


def ward_layer(
    wards: gpd.GeoDataFrame,
    values: pd.Series,
    classes: cls.ColourClasses,
    *,
    name: str,
    tip: Callable[[Mapping[str, Any], Any], str],
    popup: Callable[[Mapping[str, Any]], str],
    show: bool = True,
    fill_opacity: float = 0.6,
) -> folium.GeoJson:
    """Ward choropleth: fill by class of ``values`` (aligned with ``wards``)."""
    frame = wards.assign(_value=values.to_numpy())

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        value = row["_value"]
        value = None if value is None or pd.isna(value) else float(value)
        style = {
            "color": "#4d4d4d",
            "weight": 1,
            "fillColor": classes.colour(value),
            "fillOpacity": fill_opacity,
        }
        return {"tip": tip(row, value), "popup": popup(row), "style": style}

    return geojson_layer(feature_collection(frame, props, fixed=True), name, show=show)


def hotspot_layer(
    hotspots: gpd.GeoDataFrame,
    *,
    name: str,
    period: str,
    compare_to: str | None,
    near_m: float,
    raids_synthetic: bool,
    raids: bool = True,
    figures: Mapping[str, Any] | None = None,
) -> folium.FeatureGroup:
    """Hotspot polygons coloured by rank, and a numbered, focusable marker on each
    (``figures``: the period's, for the popups' "no data")."""
    group = folium.FeatureGroup(name=name)
    n = len(hotspots)

    def popup(row: Mapping[str, Any]) -> str:
        return hotspot_popup(
            row,
            n_hotspots=n,
            period=period,
            compare_to=compare_to,
            near_m=near_m,
            raids_synthetic=raids_synthetic,
            raids=raids,
            figures=figures,
        )

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        style = {
            "color": "#1a1a1a",
            "weight": 2,
            "fillColor": cls.hotspot_colour(int(row["rank"])),
            "fillOpacity": 0.85,
        }
        tip = f"Hotspot {int(row['rank'])}: {int(row['offences']):,} drug offences"
        return {"tip": esc(tip), "popup": popup(row), "style": style}

    geojson_layer(feature_collection(hotspots, props), name).add_to(group)
    rows = []
    points = hotspots.geometry.representative_point()
    for point, row in zip(points, hotspots.to_dict("records"), strict=True):
        rank = int(row["rank"])
        fill = cls.hotspot_colour(rank)
        badge = f'<span style="background:{fill};color:{cls.text_colour(fill)}">{rank}</span>'
        title = f"Hotspot {rank}: {int(row['offences']):,} drug offences"
        # rank 1 on top where markers overlap (a city centre's hotspots at the force's zoom)
        stack = (n - rank + 1) * RANK_STACK_PX
        rows.append(
            [round(point.y, DECIMALS), round(point.x, DECIMALS), badge, title, popup(row), stack]
        )
    LabelLayer(rows, css_class="hs-rank", interactive=True, z_index=1000).add_to(group)
    return group


def boundary_layer(area: gpd.GeoDataFrame, name: str) -> folium.GeoJson:
    """The force boundary as a dark line (not clickable)."""

    def props(_row: Mapping[str, Any]) -> dict[str, Any]:
        return {"style": {"color": "#1a1a1a", "weight": 3, "fill": False, "opacity": 0.9}}

    return geojson_layer(feature_collection(area, props, fixed=True), name, interactive=False)


def label_layer(wards: gpd.GeoDataFrame, name: str) -> folium.FeatureGroup:
    """District names at low zoom and ward names from zoom 11 (orientation without tiles)."""
    group = folium.FeatureGroup(name=name)
    districts = wards.get(schema.DISTRICT_NAME)
    key = geomemo.digest(
        wards.geometry.to_numpy(),
        tuple(wards[schema.WARD_NAME]),
        None if districts is None else tuple(districts),
    )
    ward_rows, district_rows = geomemo.memo("labels", key, lambda: _label_rows(wards))
    LabelLayer(ward_rows, css_class="hs-label hs-label-ward", z_index=-1000).add_to(group)
    if district_rows:
        LabelLayer(district_rows, css_class="hs-label hs-label-district", z_index=-1000).add_to(
            group
        )
    return group


def _label_rows(wards: gpd.GeoDataFrame) -> tuple[list[list[Any]], list[list[Any]]]:
    """Label rows (lat, lon, html, "", "") of the wards and of the districts they make up."""
    ward_rows = [
        [round(point.y, DECIMALS), round(point.x, DECIMALS), _span(ward), "", ""]
        for point, ward in zip(
            wards.geometry.representative_point(), wards[schema.WARD_NAME], strict=True
        )
    ]
    district_rows: list[list[Any]] = []
    if schema.DISTRICT_NAME in wards and wards[schema.DISTRICT_NAME].notna().any():
        districts = wards.dropna(subset=[schema.DISTRICT_NAME]).dissolve(schema.DISTRICT_NAME)
        district_rows = [
            [round(point.y, DECIMALS), round(point.x, DECIMALS), _span(district), "", ""]
            for point, district in zip(
                districts.geometry.representative_point(), districts.index, strict=True
            )
        ]
    return ward_rows, district_rows


def heat_layer(offences: gpd.GeoDataFrame, name: str) -> HeatMap | None:
    """Offence heat map; stacked points (same coordinates) become one weighted point.

    Weights are the offences at each point, capped at :data:`HEAT_CAP_QUANTILE` of them.
    """
    stacked = _stack(offences)
    if stacked.empty:
        return None
    cap = max(1.0, float(np.quantile(stacked["n"], HEAT_CAP_QUANTILE)))
    stacked["w"] = np.minimum(stacked["n"].astype(float), cap).round(2)
    data = stacked[["lat", "lon", "w"]].to_numpy().tolist()
    return HeatMap(data, name=name, radius=15, blur=15, min_opacity=0.3, gradient=HEAT_GRADIENT)


def point_layer(
    events: gpd.GeoDataFrame,
    *,
    name: str,
    noun: tuple[str, str],
    style: dict[str, Any],
    describe: Callable[[Mapping[str, Any]], list[str]],
    show: bool = True,
) -> Layer | None:
    """One circle per distinct location with a popup listing its events.

    Up to :data:`MAX_POINT_MARKERS` locations are drawn as GeoJSON circles; more are clustered
    in the browser (FastMarkerCluster; cluster badges add up the events).
    """
    if events.empty:
        return None
    frame = pd.DataFrame(events.drop(columns=events.geometry.name))
    frame["lat"] = events.geometry.y.round(DECIMALS).to_numpy()
    frame["lon"] = events.geometry.x.round(DECIMALS).to_numpy()
    sort_cols = [c for c in (schema.DATE, schema.MONTH, schema.EVENT_ID) if c in frame]
    frame = frame.sort_values(["lat", "lon", *sort_cols], kind="stable")
    by_place: dict[tuple[float, float], list[dict[str, Any]]] = {}
    for record in frame.to_dict("records"):
        by_place.setdefault((record["lat"], record["lon"]), []).append(record)
    rows = []
    for (lat, lon), group in by_place.items():
        n = len(group)
        title = f"{n:,} {noun[0] if n == 1 else noun[1]}"
        popup = event_list_popup(title, group, describe, location=group[0].get(schema.LOCATION))
        rows.append((float(lat), float(lon), n, popup, esc(title)))
    if len(rows) > MAX_POINT_MARKERS:
        callback = _cluster_callback(style)
        return FastMarkerCluster(
            [[r[0], r[1], r[2], r[3]] for r in rows],
            callback=callback,
            name=name,
            show=show,
            icon_create_function=_CLUSTER_ICON_JS,
            showCoverageOnHover=False,
        )
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [r[1], r[0]]},
            "properties": {"tip": r[4], "popup": r[3], "style": {**style, "radius": _radius(r[2])}},
        }
        for i, r in enumerate(rows)
    ]
    data = {"type": "FeatureCollection", "features": features}
    return geojson_layer(data, name, show=show, marker=folium.CircleMarker(radius=5))


def offence_cluster_layer(offences: gpd.GeoDataFrame, name: str) -> FastMarkerCluster | None:
    """Offences clustered in the browser: one marker per location, badges add up offences."""
    stacked = _stack(offences, with_location=True)
    if stacked.empty:
        return None
    data = []
    for row in stacked.itertuples(index=False):
        noun = "drug offence" if row.n == 1 else "drug offences"
        text = f"<b>{row.n:,} {noun}</b><br>{esc(row.location)}"
        data.append([row.lat, row.lon, int(row.n), text])
    return FastMarkerCluster(
        data,
        callback=_cluster_callback(OFFENCE_STYLE),
        name=name,
        icon_create_function=_CLUSTER_ICON_JS,
        showCoverageOnHover=False,
        maxClusterRadius=60,
    )


def _cluster_callback(style: Mapping[str, Any]) -> str:
    options = {k: v for k, v in style.items()}
    return (
        "function (row) {"
        f" var opts = {js_value(options)};"
        " opts.count = row[2]; opts.radius = Math.min(14, 4 + 2 * Math.sqrt(row[2]));"
        " var marker = L.circleMarker(new L.LatLng(row[0], row[1]), opts);"
        " marker.bindPopup(row[3], {maxWidth: 360});"
        " return marker; }"
    )


def _stack(offences: gpd.GeoDataFrame, *, with_location: bool = False) -> pd.DataFrame:
    """Offences grouped by identical (rounded) coordinates: lat, lon, n [, location]."""
    if offences.empty:
        return pd.DataFrame(columns=["lat", "lon", "n", "location"])
    frame = pd.DataFrame(
        {
            "lat": offences.geometry.y.round(DECIMALS).to_numpy(),
            "lon": offences.geometry.x.round(DECIMALS).to_numpy(),
            "location": offences[schema.LOCATION].fillna("").astype(str).to_numpy(),
        }
    )
    out = frame.groupby(["lat", "lon"], sort=True).size().rename("n").reset_index()
    if with_location:
        # the most common description at each point (ties: first in sort order)
        named = frame.groupby(["lat", "lon", "location"], sort=True).size().rename("k")
        named = named.reset_index().sort_values(
            ["lat", "lon", "k"], ascending=[True, True, False], kind="stable"
        )
        first = named.drop_duplicates(["lat", "lon"]).set_index(["lat", "lon"])["location"]
        out["location"] = first.reindex(pd.MultiIndex.from_frame(out[["lat", "lon"]])).to_numpy()
    return out


def _radius(n: int) -> float:
    return round(min(14.0, 4.0 + 2.0 * math.sqrt(n)), 1)


def _span(text: Any) -> str:
    return f"<span>{html.escape(str(text), quote=True)}</span>"


#: Outline of the forecast cells (dashed, not a hotspot fill: a forecast, not a record).
FORECAST_STYLE = {"color": "#54278f", "weight": 2, "dashArray": "4 3", "fillColor": "#9e9ac8"}


def forecast_layer(
    cells: gpd.GeoDataFrame, *, name: str, month: str, capture_text: str = "", show: bool = False
) -> folium.FeatureGroup | None:
    """The forecast's top cells for ``month`` (analysts' layer), shaded by expected offences.

    ``cells`` is :func:`hotspots.evaluate.next_month.top_cells` as a GeoDataFrame (any CRS):
    ``rank``, ``expected_offences``, ``expected_share`` and the cell squares. ``capture_text``
    (the back-tested capture) goes in every popup. None when there is no cell.
    """
    if cells.empty:
        return None
    frame = to_wgs84(cells, "forecast cells")
    top = float(frame["expected_offences"].max()) or 1.0

    def props(row: Mapping[str, Any]) -> dict[str, Any]:
        expected = float(row["expected_offences"])
        tip = (
            f"Forecast cell {int(row['rank'])}: {expected:.1f} expected drug offences in "
            f"{month} ({100 * float(row['expected_share']):.1f}% of the force's)"
        )
        style = {**FORECAST_STYLE, "fillOpacity": round(0.15 + 0.6 * expected / top, 3)}
        popup = f"<p>{esc(tip)}</p>" + (f"<p>{esc(capture_text)}</p>" if capture_text else "")
        return {"tip": esc(tip), "popup": popup, "style": style}

    group = folium.FeatureGroup(name=name, show=show)
    geojson_layer(feature_collection(frame, props), name).add_to(group)
    return group
