"""The bad-input campaign, boundary files: random bytes under any boundary suffix, truncated
GeoJSON and GeoPackage files, other encodings, and polygons with NaN, infinite, polar or
antimeridian coordinates. Each is read into polygons on the British National Grid, or refused
with a :class:`BoundaryError` naming the file; never a crash."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotspots.errors import BoundaryError
from hotspots.sources.boundaries import Boundaries, read_force_area, read_wards

SETTINGS = settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
#: GDAL reports what it makes of a broken GeoPackage as warnings, besides the error raised.
GDAL_NOTES = pytest.mark.filterwarnings(
    "ignore:GPKG:RuntimeWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)
SUFFIXES = [".geojson", ".json", ".gpkg", ".shp", ".topojson", ".fgb"]
# Toy wards in WGS84, near Peterborough.
_RING = [[-0.25, 52.57], [-0.24, 52.57], [-0.24, 52.58], [-0.25, 52.58], [-0.25, 52.57]]


def _geojson(ring: list[list[float]] = _RING, name: str = "Café Ward") -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"WD23CD": "E05000001", "WD23NM": name, "PFA23CD": "E23000023"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


@contextmanager
def _file(data: bytes, suffix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"wards{suffix}"
        path.write_bytes(data)
        yield path


def _read_or_refuse(path: Path) -> list[Boundaries]:
    """Both boundary readers: polygons in Great Britain, or a BoundaryError naming the file."""
    out = []
    for reader in (read_wards, read_force_area):
        try:
            read = reader(path)
        except BoundaryError as exc:
            assert path.name in str(exc)
            continue
        bounds = read.frame.geometry.bounds.to_numpy()
        assert np.isfinite(bounds).all()
        assert (bounds[:, [0, 1]] >= -100_000).all()
        assert (bounds[:, 2] <= 800_000).all() and (bounds[:, 3] <= 1_400_000).all()
        out.append(read)
    return out


@GDAL_NOTES
@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
@example(data=b"", suffix=".geojson")
@example(data=b"SQLite format 3\x00" + bytes(200), suffix=".gpkg")
@example(data=b'{"type":"FeatureCollection","features":[]}', suffix=".geojson")
def test_random_bytes_as_a_boundary_file_are_refused_cleanly(data: bytes, suffix: str) -> None:
    with _file(data, suffix) as path:
        _read_or_refuse(path)


@SETTINGS
@given(cut=st.floats(0, 1))
def test_a_geojson_cut_at_any_byte_is_refused_or_read(cut: float) -> None:
    data = json.dumps(_geojson(), ensure_ascii=False).encode()
    with _file(data[: int(cut * len(data))], ".geojson") as path:
        _read_or_refuse(path)


@GDAL_NOTES
@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.floats(0, 0.999))
def test_a_geopackage_cut_at_any_byte_is_refused_or_read(
    toy_boundaries: tuple[Path, Path], cut: float
) -> None:
    data = toy_boundaries[0].read_bytes()  # the toy wards, a GeoPackage
    with _file(data[: int(cut * len(data))], ".gpkg") as path:
        _read_or_refuse(path)


VERTEX = st.one_of(
    st.sampled_from([0.0, 90.0, -90.0, 180.0, -180.0, 200.0, 1e308]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1, 2),
)


@SETTINGS
@given(bad=st.tuples(VERTEX, VERTEX), at=st.integers(0, 3))
@example(bad=(-0.25, 90.0), at=1)  # a pole
@example(bad=(180.0, 52.57), at=1)  # the antimeridian
@example(bad=(52.57, -0.25), at=2)  # latitude and longitude swapped
@example(bad=(float("nan"), 52.57), at=1)
@example(bad=(float("inf"), 52.57), at=1)
def test_polygons_with_awkward_coordinates_are_on_the_grid_or_refused(
    bad: tuple[float, float], at: int
) -> None:
    ring = [list(v) for v in _RING]
    ring[at] = list(bad)
    if at == 0:
        ring[-1] = list(bad)  # keep the ring closed
    with _file(json.dumps(_geojson(ring)).encode(), ".geojson") as path:
        _read_or_refuse(path)


OFF_GRID = r"1 polygon\(s\) off the British National Grid after projection"


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        ([[-0.25, 89], [10, 90], [20, 89], [-0.25, 89]], OFF_GRID),
        ([[0, 52], [1e400, 52], [0.1, 52.1], [0, 52]], OFF_GRID),
        ([[0, 52], [200, 52], [0.1, 100], [0, 52]], OFF_GRID),
        ([[0, 52]], "cannot read as a vector layer"),  # a ring of one point
    ],
)
def test_known_bad_polygons_are_refused_saying_why(ring: list[list[float]], message: str) -> None:
    with _file(json.dumps(_geojson(ring)).encode(), ".geojson") as path:
        for reader in (read_wards, read_force_area):
            with pytest.raises(BoundaryError, match=rf"wards\.geojson: {message}"):
                reader(path)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-16-le"])
def test_a_geojson_in_another_encoding_is_refused_naming_the_file(encoding: str) -> None:
    text = json.dumps(_geojson(), ensure_ascii=False)
    with _file(text.encode(encoding), ".geojson") as path:
        for reader in (read_wards, read_force_area):
            with pytest.raises(BoundaryError, match=r"wards\.geojson: cannot read"):
                reader(path)


def test_a_geojson_with_a_utf8_bom_reads_the_same() -> None:
    data = json.dumps(_geojson(), ensure_ascii=False).encode()
    with _file(data, ".geojson") as plain, _file(b"\xef\xbb\xbf" + data, ".geojson") as bom:
        a, b = read_wards(plain), read_wards(bom)
    assert b.frame["ward_name"].tolist() == a.frame["ward_name"].tolist() == ["Café Ward"]
    assert b.frame.geometry.equals(a.frame.geometry)
