"""A float column's JSON type is the whole table's, not each value's (docs/exports.md,
"Numbers in JSON"): counts with a blank are integers, a column of fractions keeps ``1.0`` even
in a chunk or page whose values are all whole, because QGIS 3.22 types a field from the first
features it reads (``tests/test_ogc.py`` drives QGIS itself).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

from hotspots.export import ExportMetadata, export
from hotspots.export.jsonvalues import whole_columns
from tests.helpers import ClientFor

#: Three points in Cambridge (British National Grid metres).
_POINTS = [Point(545_000, 258_000), Point(545_100, 258_100), Point(545_200, 258_200)]


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "offence_count": [21.0, math.nan, 3.0],  # a count with a blank: floats in pandas
            "colocation_share": [1.0, 1.0, 0.63],  # a share, whole in its first rows
            "rank": [1, 2, 3],
        },
        geometry=_POINTS,
        crs="EPSG:27700",
    )


def test_whole_columns_are_decided_on_the_whole_table() -> None:
    frame = _frame()
    assert whole_columns(frame) == frozenset({"offence_count"})
    assert whole_columns(frame.iloc[:2]) == frozenset({"offence_count", "colocation_share"})


def test_the_geojson_export_keeps_a_shares_type_in_every_chunk(tmp_path: Path) -> None:
    out = tmp_path / "t.geojson"
    export(_frame(), out, "geojson", ExportMetadata(period="test"), chunk_rows=1)
    text = out.read_text(encoding="utf-8")
    assert '"colocation_share":1.0' in text and '"colocation_share":0.63' in text
    assert '"offence_count":21,' in text and '"offence_count":null' in text
    values = [f["properties"] for f in json.loads(text)["features"]]
    assert [type(v["offence_count"]) for v in values] == [int, type(None), int]


def test_an_ogc_page_of_whole_shares_writes_them_as_the_collection_does(
    client_for: ClientFor,
) -> None:
    """The first page of the demo's hotspots at eps_m=60, min_samples=4 holds shares of 1
    only; the collection has 0.8 and 0.6 later, so the page says 1.0."""
    client = client_for("analyst")
    query = "eps_m=60&min_samples=4"
    every = client.get(f"/api/v1/hotspots?{query}").get_json()["features"]
    shares = [f["properties"]["colocation_share"] for f in every]
    assert set(shares[:10]) == {1} and min(shares) < 1
    page = client.get(f"/ogc/collections/hotspots/items?limit=10&{query}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('"colocation_share":1.0') == 10
    assert all(
        isinstance(f["properties"]["offences"], int)
        for f in json.loads(page.get_data())["features"]
    )
