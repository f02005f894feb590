"""Counts are whole-number columns in every export format, for every role: a GeoPackage field
``Integer`` (read by GDAL's ``ogrinfo``, as QGIS would) and a GeoParquet column ``int64`` (read
by pyarrow), NULL where a count is blank (a small count blanked for the public or the
commissioner's office, or "no data": the demo store holds searches for July 2025 only), never
``7.0`` beside the JSON's and CSV's ``7`` (:func:`hotspots.numbers.is_count` names the count
columns; :func:`hotspots.export.counts.integer_counts` types them).

Jul-Sep 2025 on the shared demo store (read-only): searches are held for July only, so every
role's ``search_*`` counts are blank; the public's and the commissioner's small counts are
blank too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.export import ExportMetadata, export
from hotspots.export.counts import integer_counts
from hotspots.numbers import is_count
from tests.accounts import client_as
from tests.helpers import AppFactory

PERIOD = "from=2025-07&to=2025-09"
#: (role, API path, GeoPackage layer): every role that may have each table.
CASES = [
    ("public", "wards", "wards"),
    ("commissioner", "wards", "wards"),
    ("analyst", "wards", "wards"),
    ("officer", "wards", "wards"),
    ("commissioner", "hotspots", "hotspots"),
    ("analyst", "hotspots", "hotspots"),
    ("officer", "hotspots", "hotspots"),
]


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True)


def _client(app: Flask, role: str) -> FlaskClient:
    return client_as(app, None if role == "public" else role)


def _ogr_fields(path: Path, layer: str) -> dict[str, str]:
    """``ogrinfo``'s field types of ``layer``: name → ``Integer``, ``Real``, ``String`` ..."""
    out = subprocess.run(
        ["ogrinfo", "-so", "-nomd", str(path), layer], capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"^(\w+): (\w+)", out, flags=re.M))


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
@pytest.mark.parametrize(("role", "table", "layer"), CASES)
def test_geopackage_counts_are_integer_fields(
    app: Flask, tmp_path: Path, role: str, table: str, layer: str
) -> None:
    response = _client(app, role).get(f"/api/v1/{table}?{PERIOD}&format=gpkg")
    assert response.status_code == 200, response.data[:300]
    path = tmp_path / f"{table}.gpkg"
    path.write_bytes(response.data)
    fields = _ogr_fields(path, layer)
    counts = {name: kind for name, kind in fields.items() if is_count(name)}
    assert counts, fields
    assert {n: k for n, k in counts.items() if k not in ("Integer", "Integer64")} == {}
    frame = gpd.read_file(path, layer=layer)
    if table == "wards":  # searches: July only of Jul-Sep, so "no data" (NULL, never 0)
        assert frame["search_count"].isna().all()
        assert "search_count" in counts
    if role == "public":  # small counts blank, the rest whole
        assert frame["offence_count"].isna().any() and frame["offence_count"].notna().any()


@pytest.mark.parametrize(("role", "table", "layer"), CASES)
def test_geoparquet_counts_are_int64(
    app: Flask, tmp_path: Path, role: str, table: str, layer: str
) -> None:
    response = _client(app, role).get(f"/api/v1/{table}?{PERIOD}&format=parquet")
    assert response.status_code == 200, response.data[:300]
    path = tmp_path / f"{table}.parquet"
    path.write_bytes(response.data)
    schema = pq.read_schema(path)
    counts = {f.name: str(f.type) for f in schema if is_count(f.name)}
    assert counts
    # a column of blanks only ("no data" everywhere) has no values to type but stays integer
    assert {n: t for n, t in counts.items() if t != "int64"} == {}
    json_counts = _client(app, role).get(f"/api/v1/{table}?{PERIOD}").get_json()["features"]
    parquet = pq.read_table(path).to_pandas()
    first = next(iter(counts))
    assert [f["properties"][first] for f in json_counts] == [
        None if pd.isna(v) else int(v) for v in parquet[first]
    ]


def test_events_geopackage_raid_counts_are_integer(app: Flask, tmp_path: Path) -> None:
    """The API's events as one GeoPackage layer of all layers: a raid's ``arrests`` is blank
    on an offence's row (pandas makes that column float)."""
    response = _client(app, "analyst").get(f"/api/v1/events?{PERIOD}&format=parquet")
    assert response.status_code == 200
    path = tmp_path / "events.parquet"
    path.write_bytes(response.data)
    types = {f.name: str(f.type) for f in pq.read_schema(path)}
    assert types["arrests"] == "int64" and types["charges"] == "int64"


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([7.0, None, 0.0], "Int64"),  # whole or blank: a count
        ([None, None], "Int64"),  # all blank ("no data"): still a count column
        ([7.5, 1.0], "float64"),  # not whole: not rounded
    ],
)
def test_integer_counts_table(values: list[float | None], dtype: str) -> None:
    frame = pd.DataFrame({"search_count": pd.array(values, dtype="float64"), "x_per_km2": 1.5})
    out = integer_counts(frame)
    assert str(out["search_count"].dtype) == dtype
    assert str(out["x_per_km2"].dtype) == "float64"
    assert out["search_count"].isna().tolist() == [v is None for v in values]


def test_export_of_a_blanked_frame_types_counts_in_every_format(tmp_path: Path) -> None:
    """One frame with a blank count, through :func:`hotspots.export.export` in every format."""
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"ward_code": ["A", "B"], "offence_count": [7.0, float("nan")], "offence_per_km2": 0.5},
        geometry=[Point(500000, 200000), Point(500100, 200000)],
        crs="EPSG:27700",
    )
    meta = ExportMetadata(period="Jul–Sep 2025", parameters={}, data_version="t")
    export(frame, tmp_path / "w.parquet", "parquet", meta)
    assert str(pq.read_schema(tmp_path / "w.parquet").field("offence_count").type) == "int64"
    export(frame, tmp_path / "w.csv", "csv", meta)
    assert (tmp_path / "w.csv").read_text().splitlines()[1:3][0].startswith("A,7,0.5,")
    export(frame, tmp_path / "w.geojson", "geojson", meta)
    assert '"offence_count":7,' in (tmp_path / "w.geojson").read_text()
    if shutil.which("ogrinfo"):
        export(frame, tmp_path / "w.gpkg", "gpkg", meta)
        assert _ogr_fields(tmp_path / "w.gpkg", "wards")["offence_count"] == "Integer"


@pytest.mark.parametrize(
    ("args", "fmt"),
    [
        (["wards", "--public-safe"], "parquet"),
        (["wards"], "parquet"),
        (["hotspots"], "parquet"),
        (["wards", "--public-safe"], "gpkg"),
    ],
)
def test_the_command_line_exports_type_counts_alike(
    demo_store_path: Path, tmp_path: Path, args: list[str], fmt: str
) -> None:
    """``hotspots export`` writes through the same writer: counts integer, blanks NULL."""
    from hotspots.cli import main

    out = tmp_path / f"out.{fmt}"
    period = ["--from", "2025-07", "--to", "2025-09", "--no-score"]
    store = ["--store", str(demo_store_path)]
    code = main(["export", *args, *period, "--format", fmt, "-o", str(out), *store])
    assert code == 0
    if fmt == "parquet":
        types = {f.name: str(f.type) for f in pq.read_schema(out) if is_count(f.name)}
        assert types and set(types.values()) == {"int64"}, types
    elif shutil.which("ogrinfo"):
        layer = "wards" if args[0] == "wards" else "hotspots"
        fields = {n: k for n, k in _ogr_fields(out, layer).items() if is_count(n)}
        assert fields and set(fields.values()) == {"Integer"}, fields
