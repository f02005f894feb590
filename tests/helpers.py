"""Plain helpers the test modules import (fixtures live in ``tests/conftest.py``, which is never
imported): where the test data is, police.uk street rows of the hand-made world (see the
conftest's docstring for its map), and a snapshot of a folder's files."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
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
SEARCH_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
RAID_HEADER = (
    "raid_id,date,longitude,latitude,location,operation,warrant_type,arrests,charges,"
    "seizure_gbp,drugs_seized,synthetic"
)
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def republished(month: str = "2025-07", outcome: str = "Status update unavailable") -> bytes:
    """The demo's street file of ``month`` as police.uk re-publishes a month: the same rows,
    every last outcome ``outcome`` (a real change: re-ingested, a new data version)."""
    lines = DEMO_STREET[month].read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], list(csv.reader(lines[1:]))
    column = header.split(",").index("Last outcome category")
    for row in rows:
        row[column] = outcome
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return (header + "\n" + out.getvalue()).encode("utf-8")


def ingest_republished_july(store: Path, folder: Path, outcome: str = "Under investigation") -> int:
    """``hotspots ingest`` of July :func:`republished` into a demo store (a new data version:
    re-running ``hotspots demo`` on the same data changes nothing); its exit status."""
    from hotspots.cli import main

    path = folder / DEMO_STREET["2025-07"].name
    path.write_bytes(republished("2025-07", outcome))
    args = ["ingest", str(path), "--wards", str(DEMO_WARDS), "--force-area", str(DEMO_AREA)]
    return main([*args, "--store", str(store)])


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


def search_row(
    month: str, x_m: float, y_m: float, *, outcome: str = "A no further action disposal"
) -> list[str]:
    """One police.uk stop-and-search row for controlled drugs at BNG (x_m, y_m) in ``month``."""
    lon, lat = lonlat(x_m, y_m)
    return [
        "Person search",
        f"{month}-10T12:00:00+00:00",
        "",
        "",
        lat,
        lon,
        "Male",
        "18-24",
        "",
        "",
        "Misuse of Drugs Act 1971 (section 23)",
        "Controlled drugs",
        outcome,
        "",
        "False",
    ]


def raid_row(raid_id: str, day: str, x_m: float, y_m: float, *, arrests: int = 1) -> list[str]:
    """One raid row (the project's raid file) on ``day`` (``YYYY-MM-DD``) at BNG (x_m, y_m)."""
    lon, lat = lonlat(x_m, y_m)
    fields = [raid_id, day, lon, lat, "near Toy Street", "Op Toy", "supply", str(arrests)]
    return [*fields, "0", "1000", "cannabis", "false"]


def store_of_rows(
    rows: list[list[str]],
    toy_boundaries: tuple[Path, Path],
    folder: Path,
    *,
    searches: Sequence[list[str]] = (),
    raids: Sequence[list[str]] = (),
) -> Path:
    """``rows`` (:func:`street_row`) as one toy street file per month, ``searches``
    (:func:`search_row`) as one stop-and-search file per month and ``raids`` (:func:`raid_row`)
    as one raid file, ingested with the toy boundaries into ``folder/store``."""
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store

    def write(name: str, header: str, lines: list[list[str]]) -> Path:
        path = folder / name
        path.write_text("\n".join([header, *(",".join(r) for r in lines)]) + "\n")
        return path

    paths = [
        write(f"{m}-toyshire-street.csv", STREET_HEADER, [r for r in rows if r[1] == m])
        for m in sorted({r[1] for r in rows})
    ]
    paths += [
        write(
            f"{m}-toyshire-stop-and-search.csv",
            SEARCH_HEADER,
            [r for r in searches if r[1][:7] == m],
        )
        for m in sorted({r[1][:7] for r in searches})
    ]
    if raids:
        paths.append(write("toyshire-raids.csv", RAID_HEADER, list(raids)))
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
