"""Shared fixtures: the real public data (skipped when absent), the shipped demo data, and a
small hand-made world whose answers are worked out by hand.

The hand-made world, in British National Grid metres (EPSG:27700)::

    y=201500 +-------------------------------+   force area: x 500000..502000, y 200000..201500
             |   strip with no ward          |   (the strip y > 201000 is in no ward)
    y=201000 +---------------+---------------+
             | ward E05000001| ward E05000002|
             |   "Alpha"     |   "Bravo"     |   shared edge at x = 501000
    y=200000 +---------------+---------------+
           x=500000        501000          502000

Alpha is in district E07000001 "Northshire", Bravo in E07000002 "Southshire".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data"
REAL = ROOT.parent / "shared" / "data" / "real"

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(x_m: float, y_m: float) -> tuple[str, str]:
    """BNG metres to lon/lat text with 6 decimals, as police.uk writes them."""
    lon, lat = _TO_WGS84.transform(x_m, y_m)
    return f"{lon:.6f}", f"{lat:.6f}"


@pytest.fixture
def real_data() -> Path:
    """The real public data beside the project, or a skip with the reason."""
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL} (present in CI; optional for a clone)")
    return REAL


@pytest.fixture(scope="session")
def toy_boundaries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Write the hand-made wards (GeoPackage) and force area (Shapefile), both EPSG:27700."""
    folder = tmp_path_factory.mktemp("toy_boundaries")
    wards = gpd.GeoDataFrame(
        {
            "WD24CD": ["E05000002", "E05000001"],  # deliberately not in code order
            "WD24NM": ["Bravo", "Alpha"],
            "LAD24CD": ["E07000002", "E07000001"],
            "LAD24NM": ["Southshire", "Northshire"],
        },
        geometry=[box(501000, 200000, 502000, 201000), box(500000, 200000, 501000, 201000)],
        crs="EPSG:27700",
    )
    wards_path = folder / "wards.gpkg"
    wards.to_file(wards_path, driver="GPKG")
    area = gpd.GeoDataFrame(
        {"PFA24CD": ["E23000099"], "PFA24NM": ["Toyshire"]},
        geometry=[box(500000, 200000, 502000, 201500)],
        crs="EPSG:27700",
    )
    area_path = folder / "area.shp"
    area.to_file(area_path, driver="ESRI Shapefile")
    return wards_path, area_path


@pytest.fixture
def write_street(tmp_path: Path) -> Callable[..., Path]:
    """Write a street CSV from rows of field lists (header optional, BOM/CRLF optional)."""

    def _write(
        rows: list[list[str]],
        name: str = "2025-01-toyshire-street.csv",
        *,
        header: bool = True,
        bom: bool = False,
        crlf: bool = False,
    ) -> Path:
        newline = "\r\n" if crlf else "\n"
        lines = ([STREET_HEADER] if header else []) + [",".join(r) for r in rows]
        data = (newline.join(lines) + newline).encode("utf-8")
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write


def street_row(
    crime_id: str,
    x_m: float | None,
    y_m: float | None,
    *,
    month: str = "2025-01",
    crime_type: str = "Drugs",
    location: str = "On or near Toy Street",
    lon_lat: tuple[str, str] | None = None,
) -> list[str]:
    """One street CSV row at BNG (x_m, y_m), or with explicit lon/lat text."""
    if lon_lat is None:
        lon_lat = ("", "") if x_m is None or y_m is None else lonlat(x_m, y_m)
    return [
        crime_id,
        month,
        "Toyshire Police",
        "Toyshire Police",
        lon_lat[0],
        lon_lat[1],
        location,
        "E01000001",
        "Toyshire 001A",
        crime_type,
        "Under investigation",
        "",
    ]


@pytest.fixture(scope="session")
def shared_demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo data ingested once for the whole session (`hotspots demo`).

    Read-only for its users: tests may add accounts and caches beside it, never change its data
    (tests that ingest or upload build their own store).
    """
    from hotspots.cli import main

    path = tmp_path_factory.mktemp("demo") / "store"
    assert main(["demo", "--store", str(path)]) == 0
    return path
