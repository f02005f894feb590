"""The web baseline: what a competent user would serve without this project (bench_web.py).

    gunicorn --preload 'plain_web:create_app()'      # run from benchmarks/, PLAIN_STORE=STORE

A Flask app over the same store, written the obvious way with the public libraries and set up
well (not a slow setup):

- at start-up (``--preload``: once, shared by the workers) the drug offences are read with
  ``geopandas.read_parquet`` and their longitude/latitude computed once; the wards are read,
  simplified to 20 m (as our map's wards are drawn) and turned into GeoJSON once;
- ``/?from=YYYY-MM&to=YYYY-MM``: a small page holding the map in an ``<iframe>`` (as ours does);
- ``/map/frame?from&to``: a Folium map of the period: a ``folium.Choropleth`` of drug offences
  per ward, a ``folium.plugins.HeatMap`` of the offences and the DBSCAN hotspots (scikit-learn
  ``DBSCAN(eps=150, min_samples=10)`` on the distinct points with their counts as
  ``sample_weight``, the fast setup of ``bench_cluster.py``) drawn as their convex hulls buffered
  by 25 m; no base map tiles (ours draws its own offline);
- caching: Flask-Caching's ``FileSystemCache`` (one folder shared by the gunicorn workers, as our
  disk cache is), keyed by the path and query string; each answer gets a strong ETag
  (``Response.add_etag``) and ``make_conditional`` answers ``If-None-Match`` with 304.

It does less than ours (no sign-in or roles, no significance, trend, forecast score, legend or
tables; automatic DBSCAN parameters replaced by fixed ones), so it is a lower bound on what the
same pages cost with the plain libraries.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import Flask, Response, request
from flask_caching import Cache
from folium.plugins import HeatMap
from sklearn.cluster import DBSCAN

EPS_M = 150.0
MIN_SAMPLES = 10
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Drug offences {start} to {end}</title></head><body>
<h1>Drug offences, {start} to {end}</h1>
<iframe title="Map" src="/map/frame?from={start}&amp;to={end}" width="100%" height="600"></iframe>
</body></html>"""


def _data(store: Path) -> tuple[pd.DataFrame, str, gpd.GeoDataFrame]:
    """The drug offences (month, ward, x/y metres, lon/lat) and the wards' GeoJSON."""
    files = sorted((store / "events" / "offence").glob("*/*.parquet"))
    events = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    events = gpd.GeoDataFrame(events, geometry="geometry", crs=27700)
    drugs = events[events["category"] == "Drugs"]
    lonlat = drugs.geometry.to_crs(4326)
    table = pd.DataFrame(
        {
            "month": drugs["month"].to_numpy(),
            "ward_code": drugs["ward_code"].to_numpy(),
            "x": drugs.geometry.x.to_numpy(),
            "y": drugs.geometry.y.to_numpy(),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
        }
    )
    wards = gpd.read_parquet(next((store / "boundaries").glob("wards*.parquet")))
    wards = wards[["ward_code", "ward_name", "geometry"]].copy()
    wards["geometry"] = wards.geometry.simplify(20.0)
    wards = wards.to_crs(4326)
    return table, wards.to_json(), wards


def _hotspots(xy: np.ndarray) -> list[shapely.Geometry]:
    """DBSCAN on the distinct points weighted by their counts; each hotspot's buffered hull."""
    if len(xy) == 0:
        return []
    points, counts = np.unique(xy, axis=0, return_counts=True)
    labels = DBSCAN(eps=EPS_M, min_samples=MIN_SAMPLES).fit_predict(points, sample_weight=counts)
    return [
        shapely.convex_hull(shapely.multipoints(points[labels == label])).buffer(25.0)
        for label in range(labels.max() + 1)
    ]


def create_app() -> Flask:
    """The baseline app over ``PLAIN_STORE`` (cache folder ``PLAIN_CACHE_DIR``)."""
    store = Path(os.environ["PLAIN_STORE"])
    table, wards_json, wards = _data(store)
    centre = wards.union_all().centroid
    app = Flask(__name__)
    cache_dir = os.environ.get("PLAIN_CACHE_DIR") or tempfile.mkdtemp(prefix="plain-web-")
    cache = Cache(
        app,
        config={
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": cache_dir,
            "CACHE_DEFAULT_TIMEOUT": 0,
            "CACHE_THRESHOLD": 10_000,
        },
    )

    def period() -> tuple[str, str]:
        return request.args.get("from", "2025-01"), request.args.get("to", "2025-12")

    @app.get("/")
    @cache.cached(query_string=True)
    def page() -> str:
        start, end = period()
        return PAGE.format(start=start, end=end)

    @app.get("/map/frame")
    @cache.cached(query_string=True)
    def frame() -> str:
        start, end = period()
        rows = table[(table["month"] >= start) & (table["month"] <= end)]
        counts = rows["ward_code"].value_counts().rename_axis("ward_code").reset_index()
        m = folium.Map(location=[centre.y, centre.x], zoom_start=10, tiles=None)
        folium.Choropleth(
            geo_data=wards_json,
            data=counts,
            columns=["ward_code", "count"],
            key_on="feature.properties.ward_code",
            fill_color="YlOrRd",
            nan_fill_color="white",
            legend_name="Drug offences",
        ).add_to(m)
        HeatMap(rows[["lat", "lon"]].to_numpy().tolist(), radius=12).add_to(m)
        hulls = _hotspots(rows[["x", "y"]].to_numpy())
        if hulls:
            shapes = gpd.GeoSeries(hulls, crs=27700).to_crs(4326)
            folium.GeoJson(shapes.to_json(), name="Hotspots").add_to(m)
        folium.LayerControl().add_to(m)
        return m.get_root().render()

    @app.after_request
    def conditional(response: Response) -> Response:
        if response.status_code == 200 and not response.direct_passthrough:
            response.add_etag()
            response.make_conditional(request)
        return response

    return app
