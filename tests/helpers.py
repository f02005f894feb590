"""Plain helpers the test modules import (fixtures live in ``tests/conftest.py``, which is never
imported): where the test data is, police.uk street rows of the hand-made world (see the
conftest's docstring for its map), and a snapshot of a folder's files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
#: The shipped demo data (``hotspots demo`` ingests it).
DEMO = ROOT / "data"
#: The real public data beside the project (see the ``real_data`` fixture; absent in a clone).
REAL = ROOT.parent / "shared" / "data" / "real"
#: The demo's months, boundary files, street file per month, and the files held whatever months
#: are stored (its July stop-and-search file and its raids, all 2025).
DEMO_MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))
DEMO_WARDS = DEMO / "boundaries" / "wards_dec2023_bsc.geojson"
DEMO_AREA = DEMO / "boundaries" / "force_area_pfa_dec2023_bsc.geojson"
DEMO_STREET = {m: DEMO / "police_uk" / f"{m}-cambridgeshire-street.csv" for m in DEMO_MONTHS}
DEMO_ALWAYS = [
    DEMO / "police_uk" / "2025-07-cambridgeshire-stop-and-search.csv",
    *sorted((DEMO / "raids").glob("*.csv")),
]

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(x_m: float, y_m: float) -> tuple[str, str]:
    """BNG metres to lon/lat text with 6 decimals, as police.uk writes them."""
    lon, lat = _TO_WGS84.transform(x_m, y_m)
    return f"{lon:.6f}", f"{lat:.6f}"


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


def store_of_rows(rows: list[list[str]], toy_boundaries: tuple[Path, Path], folder: Path) -> Path:
    """``rows`` (:func:`street_row`) as one toy street file per month, ingested with the toy
    boundaries into ``folder/store``."""
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store

    paths = []
    for month in sorted({r[1] for r in rows}):
        path = folder / f"{month}-toyshire-street.csv"
        mine = [r for r in rows if r[1] == month]
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in mine)]) + "\n")
        paths.append(path)
    wards_path, area_path = toy_boundaries
    store = folder / "store"
    ingest(
        paths,
        wards=read_wards(wards_path),
        force_area=read_force_area(area_path),
        store=Store(store),
    )
    return store


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> SHA-256 of its bytes)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


#: The ``app_factory`` fixture: ``make(store=None, **config)`` -> a Flask app.
AppFactory = Callable[..., Flask]
#: The ``client_for`` fixture: ``client_for(role, scope=())`` -> a signed-in test client.
ClientFor = Callable[..., FlaskClient]
