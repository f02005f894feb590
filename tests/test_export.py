"""Exports: GeoJSON per RFC 7946, GeoPackage, CSV and GeoParquet; streaming from the store.

The frames are hand-made in British National Grid (EPSG:27700). The point at (545000, 258000) is
in the centre of Cambridge, about lon 0.1203, lat 52.2012.
"""

from __future__ import annotations

import csv
import importlib
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from shapely import wkt
from shapely.geometry import Point, Polygon, shape

from hotspots.export import (
    FORMATS,
    LICENCE,
    SYNTHETIC_NOTE,
    ExportError,
    ExportMetadata,
    export,
    export_events,
)
from hotspots.periods import Period
from hotspots.publicsafe import suppress_small_counts
from hotspots.store import Store
from tests.helpers import ClientFor

CAMBRIDGE_BNG = (545000.0, 258000.0)
CAMBRIDGE_LONLAT = (0.12, 52.2)
SCRIPT = '<script>alert("x")</script>'
QUOTED = 'it\'s "quoted", with, commas'
# The module where ``export()`` lives (``hotspots.export`` re-exports the function), so a test
# can replace a helper it calls.
export_module = importlib.import_module("hotspots.export.frames")
METADATA_KEYS = {"period", "parameters", "data_version", "generated", "licence"}

# -- builders -----------------------------------------------------------------------------------


def points() -> gpd.GeoDataFrame:
    """Three events: NaN, numpy ints, hostile text, a missing timestamp, one synthetic row."""
    return gpd.GeoDataFrame(
        {
            "event_id": ["a", "b", "c"],
            "count": np.array([1, 2, 3], dtype=np.int64),
            "rate": [0.5, np.nan, 2.25],
            "note": [SCRIPT, QUOTED, None],
            "synthetic": [False, True, False],
            "when": pd.to_datetime(["2025-01-02 10:30", None, "2025-03-04 00:00"]),
        },
        geometry=[
            Point(CAMBRIDGE_BNG),
            Point(545100, 258050),
            Point(546000.123456, 259000.987654),
        ],
        crs="EPSG:27700",
    )


def polygons() -> gpd.GeoDataFrame:
    """A CCW square whose hole is given CCW, and a square given clockwise (both must flip)."""
    x, y = CAMBRIDGE_BNG
    shell = [(x, y), (x + 400, y), (x + 400, y + 400), (x, y + 400)]  # counter-clockwise
    hole_ccw = [(x + 100, y + 100), (x + 300, y + 100), (x + 300, y + 300), (x + 100, y + 300)]
    clockwise = [(x + 1000, y), (x + 1000, y + 200), (x + 1200, y + 200), (x + 1200, y)]
    assert Polygon(clockwise).exterior.is_ccw is False
    return gpd.GeoDataFrame(
        {"name": ["with_hole", "given_cw"], "n": np.array([7, 8], dtype=np.int32)},
        geometry=[Polygon(shell, [hole_ccw]), Polygon(clockwise)],
        crs="EPSG:27700",
    )


def meta(**kwargs: Any) -> ExportMetadata:
    base: dict[str, Any] = {
        "period": "Jan–Dec 2025",
        "parameters": {"eps_m": 150, "min_samples": np.int64(36)},
        "data_version": "20250101T000000-abcdef",
    }
    return ExportMetadata(**(base | kwargs))


# -- RFC 7946 checks ----------------------------------------------------------------------------


def read_geojson(path: Path) -> dict[str, Any]:
    """Parse keeping every coordinate's text as a Decimal (to count its decimals)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return data


def numbers(coords: Any) -> Iterator[Decimal | int]:
    if isinstance(coords, Decimal | int):
        yield coords
    else:
        for item in coords:
            yield from numbers(item)


def signed_area(ring: list[list[Decimal]]) -> float:
    xy = [(float(p[0]), float(p[1])) for p in ring]
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(xy))


def check_rfc7946(data: dict[str, Any]) -> None:
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    assert "bbox" not in data
    assert set(data["metadata"]) >= METADATA_KEYS
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "geometry", "properties"}
        geometry = feature["geometry"]
        if geometry is None:
            continue
        for value in numbers(geometry["coordinates"]):
            assert isinstance(value, int) or value.as_tuple().exponent >= -6, value
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
        polygons_ = {"Polygon": [geometry["coordinates"]], "MultiPolygon": geometry["coordinates"]}
        for rings in polygons_.get(geometry["type"], []):
            assert signed_area(rings[0]) > 0, "exterior ring must be counter-clockwise"
            for hole in rings[1:]:
                assert signed_area(hole) < 0, "holes must be clockwise"


def assert_same_shapes(got: Any, frame: gpd.GeoDataFrame) -> None:
    """WGS84 geometries ``got`` match ``frame`` reprojected, to the 6th decimal."""
    expected = frame.geometry.to_crs("EPSG:4326").values
    distances = shapely.hausdorff_distance(np.asarray(got, dtype=object), expected)
    assert np.all(distances < 2e-6), distances


# -- GeoJSON ------------------------------------------------------------------------------------


def test_geojson_follows_rfc_7946(tmp_path: Path) -> None:
    path = export(points(), tmp_path / "events.geojson", "geojson", meta())
    data = read_geojson(path)
    check_rfc7946(data)
    lon, lat = (float(v) for v in data["features"][0]["geometry"]["coordinates"])
    assert lon == pytest.approx(CAMBRIDGE_LONLAT[0], abs=0.01)  # lon first, not lat
    assert lat == pytest.approx(CAMBRIDGE_LONLAT[1], abs=0.01)
    assert_same_shapes([shape(f["geometry"]) for f in data["features"]], points())

    props = [f["properties"] for f in data["features"]]
    assert [p["count"] for p in props] == [1, 2, 3]
    assert all(type(p["count"]) is int for p in props)
    assert props[1]["rate"] is None  # NaN → null
    assert props[0]["note"] == SCRIPT and props[1]["note"] == QUOTED and props[2]["note"] is None
    assert props[0]["when"] == "2025-01-02T10:30:00" and props[1]["when"] is None
    assert [p["synthetic"] for p in props] == [False, True, False]


def test_geojson_metadata_member_and_synthetic_note(tmp_path: Path) -> None:
    data = read_geojson(export(points(), tmp_path / "e.geojson", "geojson", meta()))
    metadata = data["metadata"]
    assert metadata["period"] == "Jan–Dec 2025"
    assert metadata["parameters"] == {"eps_m": 150, "min_samples": 36}
    assert metadata["data_version"] == "20250101T000000-abcdef"
    assert datetime.fromisoformat(metadata["generated"]).utcoffset().total_seconds() == 0
    assert metadata["licence"].startswith(LICENCE) and SYNTHETIC_NOTE in metadata["licence"]
    assert metadata["synthetic"] is True

    real = points().assign(synthetic=False)
    metadata = read_geojson(export(real, tmp_path / "r.geojson", "geojson", meta()))["metadata"]
    assert metadata["licence"] == LICENCE and metadata["synthetic"] is False


def test_geojson_reorients_polygons_and_holes(tmp_path: Path) -> None:
    frame = polygons()
    data = read_geojson(export(frame, tmp_path / "hotspots.geojson", "geojson", meta()))
    check_rfc7946(data)
    rings = [f["geometry"]["coordinates"] for f in data["features"]]
    assert [len(r) for r in rings] == [2, 1]  # the hole is kept
    assert_same_shapes([shape(f["geometry"]) for f in data["features"]], frame)
    assert frame.geometry.iloc[1].exterior.is_ccw is False  # the caller's frame is untouched


def test_geojson_multipolygon_missing_geometry_and_chunks(tmp_path: Path) -> None:
    x, y = CAMBRIDGE_BNG
    cw = shapely.box(x, y, x + 50, y + 50, ccw=False)
    frame = gpd.GeoDataFrame(
        {"k": [1, 2, 3]},
        geometry=[shapely.MultiPolygon([cw, shapely.box(x + 90, y, x + 99, y + 9)]), None, cw],
        crs="EPSG:27700",
    )
    whole = export(frame, tmp_path / "whole.geojson", "geojson", meta(generated="t"))
    chunked = export(frame, tmp_path / "c.geojson", "geojson", meta(generated="t"), chunk_rows=1)
    assert whole.read_bytes() == chunked.read_bytes()
    data = read_geojson(whole)
    check_rfc7946(data)
    assert data["features"][1]["geometry"] is None
    assert data["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_geojson_reads_back_with_geopandas(tmp_path: Path) -> None:
    path = export(points(), tmp_path / "e.geojson", "geojson", meta())
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert list(back["event_id"]) == ["a", "b", "c"]
    assert_same_shapes(back.geometry.values, points())


def test_geojson_takes_one_frame_only(tmp_path: Path) -> None:
    frames = {"events": points(), "hotspots": polygons()}
    with pytest.raises(ExportError, match=r"one layer per file; got 2 frames"):
        export(frames, tmp_path / "x.geojson", "geojson", meta())
    path = export({"events": points()}, tmp_path / "one.geojson", "geojson", meta())
    assert len(read_geojson(path)["features"]) == 3


# -- argument checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_crs_raises_with_got_and_expected(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ExportError, match=r"CRS is EPSG:4326, expected EPSG:27700"):
        export(points().to_crs("EPSG:4326"), tmp_path / "x", fmt, meta())
    with pytest.raises(ExportError, match=r"CRS is no CRS, expected EPSG:27700"):
        export(points().set_crs(None, allow_override=True), tmp_path / "x", fmt, meta())
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_raise(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"unknown export format 'shp'; expected one of"):
        export(points(), tmp_path / "x.shp", "shp", meta())
    with pytest.raises(ExportError, match=r"layer name 'metadata' is not allowed"):
        export({"metadata": points()}, tmp_path / "x.gpkg", "gpkg", meta())
    with pytest.raises(ExportError, match=r"layer name '../up' is not allowed"):
        export({"../up": points()}, tmp_path / "x", "csv", meta())
    with pytest.raises(ExportError, match=r"got a DataFrame, expected a GeoDataFrame"):
        export({"x": pd.DataFrame({"a": [1]})}, tmp_path / "x.csv", "csv", meta())
    with pytest.raises(ExportError, match=r"columns \['lon'\] are reserved"):
        export(points().assign(lon=1.0), tmp_path / "x.csv", "csv", meta())
    with pytest.raises(ExportError, match=r"no frames to export"):
        export({}, tmp_path / "x.csv", "csv", meta())
    with pytest.raises(ExportError, match=r"chunk_rows must be an int >= 1, got 0"):
        export(points(), tmp_path / "x.csv", "csv", meta(), chunk_rows=0)
    with pytest.raises(ExportError, match=r"export metadata: cannot export a object value"):
        meta(parameters={"bad": object()}).to_dict()


# -- GeoPackage ---------------------------------------------------------------------------------


def test_gpkg_holds_every_frame_as_a_layer_in_bng(tmp_path: Path) -> None:
    frames = {"events": points(), "hotspots": polygons()}
    path = export(frames, tmp_path / "out.gpkg", "gpkg", meta())
    assert path == tmp_path / "out.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "events": "Point",
        "hotspots": "Polygon",
        "metadata": None,
        "layer_styles": None,
    }
    for name, frame in frames.items():
        back = gpd.read_file(path, layer=name)
        assert back.crs.to_epsg() == 27700
        assert list(back.columns) == list(frame.columns)
        assert back.geometry.geom_equals_exact(frame.geometry, tolerance=1e-6).all()
        if "when" in frame:  # GeoPackage keeps datetimes to the millisecond
            back["when"] = back["when"].astype(frame["when"].dtype)
        pd.testing.assert_frame_equal(
            pd.DataFrame(back.drop(columns="geometry")),
            pd.DataFrame(frame.drop(columns="geometry")),
            check_dtype=False,
        )
    table = pyogrio.read_dataframe(path, layer="metadata")
    recorded = dict(zip(table["key"], table["value"], strict=True))
    assert set(recorded) >= METADATA_KEYS
    assert json.loads(recorded["parameters"]) == {"eps_m": 150, "min_samples": 36}
    assert SYNTHETIC_NOTE in recorded["licence"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]  # no temp or .aux.xml


def test_gpkg_layer_of_a_bare_frame_of_unknown_kind_is_named_after_the_file(
    tmp_path: Path,
) -> None:
    # (frames of known kinds are named by what they hold: tests/test_export_desktop.py)
    path = export(polygons(), tmp_path / "hotspots 2025.gpkg", "gpkg", meta())
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert names == ["hotspots_2025", "metadata", "layer_styles"]


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_has_lon_lat_and_wkt_in_wgs84(tmp_path: Path) -> None:
    frame = points()
    path = export(frame, tmp_path / "events.csv", "csv", meta())
    text = path.read_text(encoding="utf-8")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(table.columns) == [*frame.columns.drop("geometry"), "lon", "lat", "wkt"]
    assert list(table["note"]) == [SCRIPT, QUOTED, ""]
    assert list(table["rate"]) == ["0.5", "", "2.25"] and list(table["count"]) == ["1", "2", "3"]
    assert list(table["synthetic"]) == ["false", "true", "false"]
    for value in [*table["lon"], *table["lat"]]:
        assert len(value.partition(".")[2]) <= 6
    assert float(table["lon"][0]) == pytest.approx(CAMBRIDGE_LONLAT[0], abs=0.01)
    assert float(table["lat"][0]) == pytest.approx(CAMBRIDGE_LONLAT[1], abs=0.01)
    shapes = [wkt.loads(w) for w in table["wkt"]]
    assert_same_shapes(shapes, frame)
    assert [s.x for s in shapes] == [float(v) for v in table["lon"]]
    assert "e-" not in text
    sidecar = json.loads((tmp_path / "events.metadata.json").read_text(encoding="utf-8"))
    assert set(sidecar) >= METADATA_KEYS and sidecar["period"] == "Jan–Dec 2025"


def test_csv_polygons_use_a_point_on_the_surface(tmp_path: Path) -> None:
    frame = polygons()
    path = export(frame, tmp_path / "hotspots.csv", "csv", meta())
    table = pd.read_csv(path)
    shapes = [wkt.loads(w) for w in table["wkt"]]
    assert_same_shapes(shapes, frame)
    assert shapes[0].exterior.is_ccw and not shapes[0].interiors[0].is_ccw
    for lon, lat, polygon in zip(table["lon"], table["lat"], shapes, strict=True):
        assert polygon.contains(Point(lon, lat))


def test_csv_of_several_frames_is_a_directory(tmp_path: Path) -> None:
    frames = {"events": points(), "hotspots": polygons()}
    out = export(frames, tmp_path / "export", "csv", meta())
    assert out == tmp_path / "export"
    assert sorted(p.name for p in out.iterdir()) == [
        "events.csv",
        "events.metadata.json",
        "hotspots.csv",
        "hotspots.metadata.json",
    ]
    assert len(pd.read_csv(out / "hotspots.csv")) == 2
    # A frame with synthetic rows marks every file of the export.
    sidecar = json.loads((out / "hotspots.metadata.json").read_text(encoding="utf-8"))
    assert SYNTHETIC_NOTE in sidecar["licence"]


# -- GeoParquet ---------------------------------------------------------------------------------


def test_geoparquet_round_trips_and_carries_the_metadata(tmp_path: Path) -> None:
    frame = points().set_index("event_id")
    path = export(frame, tmp_path / "events.parquet", "parquet", meta())
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 27700
    expected = frame.reset_index()  # a named index is exported as a column
    assert list(back.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(expected.drop(columns="geometry")),
    )
    assert back.geometry.geom_equals_exact(expected.geometry, tolerance=0).all()
    file_metadata = pq.read_schema(path).metadata
    recorded = json.loads(file_metadata[b"hotspots"])
    assert set(recorded) >= METADATA_KEYS and SYNTHETIC_NOTE in recorded["licence"]
    geo = json.loads(file_metadata[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 27700}
    assert column["bbox"] == pytest.approx(list(frame.total_bounds))


def test_geoparquet_of_several_frames_is_a_directory(tmp_path: Path) -> None:
    out = export({"events": points(), "hotspots": polygons()}, tmp_path / "o", "parquet", meta())
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "hotspots.parquet"]
    back = gpd.read_parquet(out / "hotspots.parquet")
    assert back.geometry.geom_equals_exact(polygons().geometry, tolerance=0).all()


# -- atomic writes ------------------------------------------------------------------------------


def unserialisable() -> gpd.GeoDataFrame:
    """A frame whose last row has a property no format can write faithfully."""
    frame = points()
    frame["odd"] = pd.Series(["ok", "ok", object()], dtype=object)
    return frame


@pytest.mark.parametrize("fmt", ["geojson", "csv", "parquet"])
def test_failed_export_leaves_no_partial_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    with pytest.raises(ExportError, match=r"odd|cannot write"):
        export(unserialisable(), path, fmt, meta(), chunk_rows=1)
    assert list(tmp_path.iterdir()) == []

    path.write_text("previous export")
    with pytest.raises(ExportError):
        export(unserialisable(), path, fmt, meta(), chunk_rows=1)
    assert path.read_text() == "previous export"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_failed_gpkg_export_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "_write_gpkg_metadata", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        export({"events": points(), "hotspots": polygons()}, tmp_path / "o.gpkg", "gpkg", meta())
    assert list(tmp_path.iterdir()) == []


def test_failed_multi_file_export_writes_none_of_the_files(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"column 'odd'"):
        export({"a": points(), "b": unserialisable()}, tmp_path / "dir", "csv", meta())
    assert list((tmp_path / "dir").iterdir()) == []


# -- streaming the store ------------------------------------------------------------------------


def read_events(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "geojson":
        data = read_geojson(path)
        check_rfc7946(data)
        return pd.DataFrame([f["properties"] for f in data["features"]])
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if fmt == "parquet":
        return gpd.read_parquet(path)
    layers = [n for n, _ in pyogrio.list_layers(path) if n not in ("metadata", "layer_styles")]
    assert layers == ["offence", "search", "raid"]
    return pd.concat([gpd.read_file(path, layer=n) for n in layers], ignore_index=True)


def keys(frame: pd.DataFrame) -> Counter[tuple[str, str]]:
    return Counter(zip(frame["layer"], frame["event_id"], strict=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_events_streams_every_stored_event(
    demo_store: Store, tmp_path: Path, fmt: str
) -> None:
    loaded = demo_store.load()
    assert len(loaded) == 2992
    path = export_events(demo_store, tmp_path / f"events.{fmt}", fmt, chunk_rows=100)
    out = read_events(path, fmt)
    assert len(out) == 2992
    assert keys(out) == keys(loaded)
    if fmt != "gpkg":  # one table, in Store.load order
        assert list(out["event_id"]) == list(loaded["event_id"])
    if fmt == "gpkg":
        layers = {n: pyogrio.read_info(path, layer=n)["features"] for n in ("offence", "search")}
        assert layers == {"offence": 2689, "search": 153}
        assert pyogrio.read_info(path, layer="raid")["crs"] == "EPSG:27700"
    version = demo_store.manifest()["version"]
    if fmt == "parquet":
        assert out.crs.to_epsg() == 27700
        by_key = out.set_index(["layer", "event_id"]).geometry
        expected = loaded.set_index(["layer", "event_id"]).geometry
        assert by_key.loc[expected.index].geom_equals_exact(expected, tolerance=0).all()
        assert out["arrests"].dtype == "Int64"
        recorded = json.loads(pq.read_schema(path).metadata[b"hotspots"])
    elif fmt == "csv":
        recorded = json.loads((tmp_path / "events.metadata.json").read_text(encoding="utf-8"))
        assert_same_shapes([wkt.loads(w) for w in out["wkt"]], loaded)
    elif fmt == "geojson":
        recorded = read_geojson(path)["metadata"]
    else:
        table = pyogrio.read_dataframe(path, layer="metadata")
        recorded = dict(zip(table["key"], table["value"], strict=True))
    assert recorded["data_version"] == version
    assert SYNTHETIC_NOTE in recorded["licence"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_events_filters_layers_and_months(
    demo_store: Store, tmp_path: Path, fmt: str
) -> None:
    months = ["2025-07", "2025-09"]
    path = export_events(
        str(demo_store.path), tmp_path / f"e.{fmt}", fmt, layers=["offence"], months=months
    )
    expected = demo_store.load(layers=["offence"], months=months)
    out = read_events(path, fmt)
    assert len(out) == len(expected) > 0
    assert keys(out) == keys(expected)
    recorded = (
        json.loads(pq.read_schema(path).metadata[b"hotspots"])
        if fmt == "parquet"
        else json.loads((tmp_path / "e.metadata.json").read_text(encoding="utf-8"))
    )
    assert recorded["period"] == "Jul 2025, Sep 2025"
    assert recorded["parameters"] == {"layers": ["offence"], "months": months}
    assert SYNTHETIC_NOTE not in recorded["licence"]  # no raids in this export


def test_export_events_takes_a_period_and_given_metadata(demo_store: Store, tmp_path: Path) -> None:
    period = Period.months("2025-06", "2025-08")
    given = ExportMetadata(str(period), parameters={"purpose": "test"})
    path = export_events(demo_store, tmp_path / "e.geojson", "geojson", given, months=period)
    data = read_geojson(path)
    assert len(data["features"]) == len(demo_store.load(months=period.months))
    assert data["metadata"]["period"] == "Jun–Aug 2025"
    assert data["metadata"]["data_version"] == demo_store.manifest()["version"]

    stale = ExportMetadata("x", data_version="some-old-version")
    with pytest.raises(ExportError, match=r"'some-old-version' but the store holds version"):
        export_events(demo_store, tmp_path / "s.geojson", "geojson", stale)
    assert not (tmp_path / "s.geojson").exists()


def test_export_events_of_nothing_writes_valid_empty_files(
    demo_store: Store, tmp_path: Path
) -> None:
    for fmt in FORMATS:
        path = export_events(demo_store, tmp_path / f"e.{fmt}", fmt, months=["2019-01"])
        assert len(read_events(path, fmt)) == 0


def test_export_events_bad_arguments(demo_store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"unknown layer 'crime'; expected one of"):
        export_events(demo_store, tmp_path / "e.csv", "csv", layers=["crime"])
    with pytest.raises(ExportError, match=r"months must be a list of strings, got '2025-01'"):
        export_events(demo_store, tmp_path / "e.csv", "csv", months="2025-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"2025-1"):
        export_events(demo_store, tmp_path / "e.csv", "csv", months=["2025-1"])
    with pytest.raises(Exception, match=r"no store here"):
        export_events(tmp_path / "nowhere", tmp_path / "e.csv", "csv")
    assert list(tmp_path.iterdir()) == []


def test_csv_text_that_a_spreadsheet_would_run_is_made_inert(tmp_path: Path) -> None:
    """CSV injection: formula-like text gets an apostrophe; numbers (-3) are left alone."""
    import geopandas as gpd
    from shapely.geometry import Point

    from hotspots.csvsafe import cell_text

    evil = '=HYPERLINK("http://evil.example","click")'
    frame = gpd.GeoDataFrame(
        {"location": [evil, "@SUM(1)", "On or near Park Street", "-dash"], "change": [-3, 4, 0, 1]},
        geometry=[Point(530000, 260000)] * 4,
        crs="EPSG:27700",
    )
    out = tmp_path / "evil.csv"
    export(frame, out, "csv", ExportMetadata("Jan 2025"))
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["location"] for r in rows] == [
        "'" + evil,
        "'@SUM(1)",
        "On or near Park Street",
        "'-dash",
    ]
    assert [r["change"] for r in rows] == ["-3", "4", "0", "1"]
    assert cell_text("+44 1223") == "'+44 1223" and cell_text("plain") == "plain"


def test_events_of_a_layer_not_held_for_the_months_say_no_data(
    demo_store: Store, tmp_path: Path, client_for: ClientFor
) -> None:
    """Before: search events of Oct-Dec 2019 on a Merseyside store holding stop-and-search for
    Jul-Sep only came as an empty collection, indistinguishable from 0 searches. The months of
    each asked layer that no stored file covers are now named in the metadata (the demo store
    holds stop-and-search for Jul 2025 only)."""
    autumn = Period.parse("2025-09..2025-11")
    path = export_events(
        demo_store, tmp_path / "s.geojson", "geojson", layers=["search"], months=autumn
    )
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert meta["extra"]["no_data_months"] == {"search": ["2025-09", "2025-10", "2025-11"]}
    path = export_events(
        demo_store, tmp_path / "s.csv", "csv", layers=["offence", "search"], months=autumn
    )
    sidecar = json.loads((tmp_path / "s.metadata.json").read_text(encoding="utf-8"))
    assert sidecar["extra"]["no_data_months"] == {"search": ["2025-09", "2025-10", "2025-11"]}
    july = Period.parse("2025-07..2025-07")
    path = export_events(
        demo_store, tmp_path / "j.geojson", "geojson", layers=["search"], months=july
    )
    assert "no_data_months" not in json.loads(path.read_text(encoding="utf-8"))["metadata"]["extra"]
    api = client_for("analyst").get("/api/v1/events?from=2025-09&to=2025-11&layer=search")
    assert api.get_json()["metadata"]["extra"]["no_data_months"] == {
        "search": ["2025-09", "2025-10", "2025-11"]
    }


def test_csv_writes_public_safe_counts_as_whole_numbers_and_blanks_empty(tmp_path: Path) -> None:
    """Merseyside walkthrough: suppressed counts turn the column float, and the CSV said ``6.0``.
    Every count column of every layer is written ``6``; a blank (suppressed) count is empty."""
    x, y = CAMBRIDGE_BNG
    wards = gpd.GeoDataFrame(
        {
            "ward_code": ["W1", "W2", "W3"],
            "offence_count": np.array([6, 2, 12], dtype=np.int64),
            "search_count": np.array([7, 9, 1], dtype=np.int64),
            "offence_per_km2": [2.5, 1.0, 3.0],
        },
        geometry=[Point(x, y), Point(x + 500, y), Point(x + 1000, y)],
        crs="EPSG:27700",
    )
    # By hand (threshold 5): offence W2=2 blank, then the smallest shown (W1=6) with it;
    # search W3=1 blank, then W1=7 with it.
    safe = suppress_small_counts(wards, 5)
    assert safe["offence_count"].dtype.kind == "f"  # the blanks made the column float
    path = export(safe, tmp_path / "wards.csv", "csv", meta())
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(table["offence_count"]) == ["", "", "12"]
    assert list(table["search_count"]) == ["", "9", ""]
    assert list(table["offence_per_km2"]) == ["", "", "3"]
    assert ".0," not in path.read_text(encoding="utf-8")
