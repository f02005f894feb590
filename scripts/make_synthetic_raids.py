"""Seeded generator of a SYNTHETIC drug raid / warrant file for the demo and the tests.

No public point-level data on drug raids, warrants or cannabis farms exists (FOI answers withhold
addresses), so the demo raid layer is made up. It is made to *look* plausible:

* most raids (about 85 %) are near real drug-offence concentrations: an offence is drawn with
  probability proportional to its local density (offences within ``DENSITY_RADIUS_M``), and the
  raid is put 20-150 m away from it in a random direction (British National Grid metres);
* the rest are rural cannabis farms: random points in the force area at least
  ``RURAL_MIN_OFFENCE_DISTANCE_M`` from any recorded drug offence and apart from one another;
* months follow the monthly offence counts (so autumn 2025, when offences rose, has more raids);
  days are weekdays;
* warrant type, arrests, charges (never more than arrests), seizure value and drugs seized are
  drawn per warrant type; cultivation finds are worth more.

Every record is labelled: ``synthetic`` is true, ``operation`` starts with ``"SYNTHETIC "``,
``location`` starts with ``"SYNTHETIC – "``, ids are ``SYN-<year>-NNNN``. All points lie inside
the force-area polygon (checked after rounding to 6 decimals).

Usage::

    python scripts/make_synthetic_raids.py --street-dir data/police_uk \\
        --force-area data/boundaries/force_area_pfa_dec2023_bsc.geojson \\
        --n-raids 150 --seed 2025 --out data/raids/SYNTHETIC-raids-2025.csv [--coords bng]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots import schema

CRS_BNG = "EPSG:27700"
CRS_WGS84 = "EPSG:4326"

WARRANT_TYPES: tuple[str, ...] = schema.WARRANT_TYPES

#: Column order of the demo file (WGS84). ``to_bng`` swaps the coordinate pair for easting/northing.
RAID_COLUMNS: tuple[str, ...] = (
    "raid_id",
    "date",
    "longitude",
    "latitude",
    "location",
    "operation",
    "warrant_type",
    "arrests",
    "charges",
    "seizure_gbp",
    "drugs_seized",
    "synthetic",
)

SYNTHETIC_PREFIX = "SYNTHETIC "
LOCATION_PREFIX = "SYNTHETIC – "
RURAL_LOCATION = LOCATION_PREFIX + "rural premises"

#: Made-up operation names (not real operations), per warrant type.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "cultivation": ("Op Fenland Frost", "Op Bramble Gate"),
    "supply": ("Op Granta Lantern", "Op Nene Harrier", "Op Cedar Marsh"),
    "county line": ("Op Ouse Kestrel", "Op Silver Dyke"),
    "possession": ("Op Hollow Reed", "Op Granta Lantern"),
    "other": ("Op Hollow Reed", "Op Cedar Marsh"),
}

RURAL_SHARE = 0.15
DENSITY_RADIUS_M = 400.0
JITTER_MIN_M = 20.0
JITTER_MAX_M = 150.0
#: Raids are kept at least this far inside the force-area boundary (robust to rounding).
EDGE_MARGIN_M = 30.0
RURAL_MIN_OFFENCE_DISTANCE_M = 1500.0
RURAL_MIN_SPACING_M = 2000.0
MAX_ATTEMPTS = 10_000

#: Urban warrant-type shares (rural raids are all cultivation).
_URBAN_TYPE_P = {
    "supply": 0.42,
    "possession": 0.2,
    "county line": 0.16,
    "cultivation": 0.14,
    "other": 0.08,
}
#: Mean arrests (Poisson, capped at 6) and the chance each arrest leads to a charge.
_ARRESTS_MEAN = {
    "cultivation": 1.2,
    "supply": 1.8,
    "county line": 2.6,
    "possession": 0.9,
    "other": 1.0,
}
_CHARGE_P = {
    "cultivation": 0.7,
    "supply": 0.65,
    "county line": 0.75,
    "possession": 0.5,
    "other": 0.4,
}
#: Seizure value in GBP: (median, log-sd, min, max) of a clipped log-normal.
_SEIZURE = {
    "rural cultivation": (60_000.0, 0.9, 5_000.0, 450_000.0),
    "cultivation": (15_000.0, 0.8, 2_000.0, 150_000.0),
    "supply": (4_000.0, 1.0, 100.0, 80_000.0),
    "county line": (6_000.0, 0.9, 300.0, 100_000.0),
    "possession": (150.0, 0.8, 10.0, 2_000.0),
    "other": (800.0, 1.0, 0.0, 20_000.0),
}
_SUPPLY_DRUGS = (
    "cocaine",
    "cannabis",
    "crack cocaine",
    "heroin",
    "ketamine",
    "MDMA",
    "amphetamine",
)
_SUPPLY_DRUGS_P = (0.3, 0.25, 0.15, 0.1, 0.1, 0.05, 0.05)
_POSSESSION_DRUGS = ("cannabis", "cocaine", "ketamine", "MDMA")
_POSSESSION_DRUGS_P = (0.55, 0.25, 0.12, 0.08)
_OTHER_DRUGS = ("cannabis", "amphetamine", "diazepam", "synthetic cannabinoids", "nitrous oxide")


# -- public API ----------------------------------------------------------------------------------
def generate_raids(
    offences: pd.DataFrame,
    force_area_wgs84: BaseGeometry,
    n_raids: int,
    seed: int,
) -> pd.DataFrame:
    """Generate a synthetic raid/warrant table near real drug-offence concentrations.

    Parameters
    ----------
    offences : pandas.DataFrame
        Real drug offences. Columns ``lon`` and ``lat`` (WGS84 degrees, EPSG:4326; missing values
        allowed and ignored), ``month`` (``"YYYY-MM"``) and optionally ``location`` (police.uk
        ``Location`` text, used for the raid's ``location``). Rows outside the force area are
        ignored. Not modified; the row order does not change the result.
    force_area_wgs84 : shapely Polygon or MultiPolygon
        Force area in WGS84 lon/lat (EPSG:4326). Every raid lies inside it.
    n_raids : int
        Number of raids to generate, >= 0. About 15 % are rural cannabis farms.
    seed : int
        Seed of the random generator; the same inputs and seed give an identical frame.

    Returns
    -------
    pandas.DataFrame
        One row per raid with columns ``RAID_COLUMNS``: ``longitude``/``latitude`` in WGS84
        degrees rounded to 6 decimals, ``date`` as ``YYYY-MM-DD`` text, ``arrests``, ``charges``
        and ``seizure_gbp`` (GBP) as integers, ``synthetic`` True. Sorted by date, ids
        ``SYN-<year>-0001`` onwards.
    """
    points, months, locations = _check_offences(offences)
    area_wgs84 = _check_area(force_area_wgs84)
    if isinstance(n_raids, bool) or not isinstance(n_raids, int | np.integer) or n_raids < 0:
        raise ValueError(f"n_raids must be a whole number >= 0, got {n_raids!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")

    area_bng = _to_bng(area_wgs84)
    inner = shapely.buffer(area_bng, -EDGE_MARGIN_M)
    shapely.prepare(inner)

    xy = _project(points)
    keep = shapely.contains_xy(area_bng, xy[:, 0], xy[:, 1])
    xy, months, locations = xy[keep], months[keep], locations[keep]
    if len(xy) == 0 and n_raids:
        raise ValueError("no offence with a location inside the force area; expected at least one")

    rng = np.random.default_rng(int(seed))
    n_rural = round(n_raids * RURAL_SHARE)
    n_urban = n_raids - n_rural

    month_values, month_counts = np.unique(months, return_counts=True)
    month_p = month_counts / month_counts.sum() if len(month_counts) else np.array([])

    tree = shapely.STRtree(shapely.points(xy))
    pairs = tree.query(shapely.points(xy), predicate="dwithin", distance=DENSITY_RADIUS_M)
    density = np.bincount(pairs[0], minlength=len(xy)).astype(float)
    weights = density / density.sum() if len(xy) else density

    records: list[dict[str, object]] = []
    for _ in range(n_urban):
        i = int(rng.choice(len(xy), p=weights))
        x, y = _jitter_inside(rng, xy[i], inner)
        near = int(tree.query_nearest(shapely.Point(x, y))[0])
        wtype = str(rng.choice(list(_URBAN_TYPE_P), p=list(_URBAN_TYPE_P.values())))
        records.append(
            {
                "x": x,
                "y": y,
                "month": str(months[i]),
                "location": LOCATION_PREFIX + "near " + _place(locations[near]),
                "warrant_type": wtype,
                "rural": False,
            }
        )
    farms: list[tuple[float, float]] = []
    for _ in range(n_rural):
        x, y = _rural_point(rng, inner, tree, farms)
        farms.append((x, y))
        records.append(
            {
                "x": x,
                "y": y,
                "month": str(rng.choice(month_values, p=month_p)),
                "location": RURAL_LOCATION,
                "warrant_type": "cultivation",
                "rural": True,
            }
        )

    for rec in records:
        rec.update(_details(rng, str(rec["warrant_type"]), bool(rec["rural"]), str(rec["month"])))

    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "x",
            "y",
            "month",
            "location",
            "warrant_type",
            "rural",
            "date",
            "operation",
            "arrests",
            "charges",
            "seizure_gbp",
            "drugs_seized",
        ],
    )
    lonlat = _unproject(frame[["x", "y"]].to_numpy(dtype=float).reshape(-1, 2))
    frame["longitude"] = np.round(lonlat[:, 0], 6)
    frame["latitude"] = np.round(lonlat[:, 1], 6)
    outside = ~shapely.contains_xy(area_wgs84, frame["longitude"], frame["latitude"])
    if outside.any():  # cannot happen with EDGE_MARGIN_M, but the promise is checked
        raise RuntimeError(f"{int(outside.sum())} generated raid(s) fell outside the force area")

    frame = frame.sort_values(
        ["date", "longitude", "latitude"], kind="mergesort", ignore_index=True
    )
    years = frame["date"].str[:4]
    frame["raid_id"] = [f"SYN-{year}-{k:04d}" for k, year in enumerate(years, start=1)]
    frame["synthetic"] = True
    for col in ("arrests", "charges", "seizure_gbp"):
        frame[col] = frame[col].astype("int64")
    return frame[list(RAID_COLUMNS)]


def to_bng(raids: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a raid table with ``easting``/``northing`` instead of lon/lat.

    Parameters
    ----------
    raids : pandas.DataFrame
        Raid table with ``longitude``/``latitude`` in WGS84 degrees (EPSG:4326).

    Returns
    -------
    pandas.DataFrame
        Same rows and columns, the coordinate pair replaced, in place, by ``easting`` and
        ``northing`` in British National Grid metres (EPSG:27700), rounded to 0.1 m.
    """
    missing = [c for c in ("longitude", "latitude") if c not in raids.columns]
    if missing:
        raise ValueError(f"raids need columns longitude, latitude; missing {missing}")
    xy = _project(raids[["longitude", "latitude"]].to_numpy(dtype=float).reshape(-1, 2))
    out = raids.copy()
    out["longitude"] = np.round(xy[:, 0], 1)
    out["latitude"] = np.round(xy[:, 1], 1)
    return out.rename(columns={"longitude": "easting", "latitude": "northing"})


def raids_to_csv(raids: pd.DataFrame) -> str:
    """Format a raid table as the documented CSV text (header, LF endings, UTF-8 safe).

    Booleans are written ``true``/``false``; ``longitude``/``latitude`` with 6 decimals,
    ``easting``/``northing`` with 1 decimal; missing values as empty fields.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(raids.columns))
    decimals = {"longitude": 6, "latitude": 6, "easting": 1, "northing": 1}
    for row in raids.itertuples(index=False, name=None):
        writer.writerow(
            [_cell(value, decimals.get(col)) for col, value in zip(raids.columns, row, strict=True)]
        )
    return buf.getvalue()


def read_street_offences(street_dir: Path) -> pd.DataFrame:
    """Read the Drugs rows of every ``*-street.csv`` in a folder as ``lon, lat, month, location``.

    Coordinates are WGS84 degrees (EPSG:4326); rows without a location have NaN lon/lat.
    """
    files = sorted(Path(street_dir).glob("*-street.csv"))
    if not files:
        raise FileNotFoundError(f"no *-street.csv file in {street_dir}")
    frames = []
    for path in files:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        needed = {"Longitude", "Latitude", "Month", "Location", "Crime type"}
        if not needed <= set(df.columns):
            raise ValueError(
                f"{path.name}: expected columns {sorted(needed)}, got {list(df.columns)}"
            )
        df = df[df["Crime type"] == "Drugs"]
        frames.append(
            pd.DataFrame(
                {
                    "lon": pd.to_numeric(df["Longitude"], errors="coerce"),
                    "lat": pd.to_numeric(df["Latitude"], errors="coerce"),
                    "month": df["Month"],
                    "location": df["Location"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def read_force_area(path: Path) -> BaseGeometry:
    """Read a force-area boundary file and return its union as one WGS84 (EPSG:4326) geometry."""
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        raise ValueError(f"{path}: boundary has no CRS; expected one (e.g. EPSG:4326)")
    return gdf.to_crs(CRS_WGS84).geometry.union_all()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--street-dir", type=Path, required=True, help="folder of *-street.csv")
    parser.add_argument("--force-area", type=Path, required=True, help="force-area GeoJSON")
    parser.add_argument("--n-raids", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--coords", choices=("wgs84", "bng"), default="wgs84")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    args = parser.parse_args(argv)

    raids = generate_raids(
        read_street_offences(args.street_dir),
        read_force_area(args.force_area),
        n_raids=args.n_raids,
        seed=args.seed,
    )
    if args.coords == "bng":
        raids = to_bng(raids)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(raids_to_csv(raids).encode("utf-8"))
    return 0


# -- private helpers -------------------------------------------------------------------------------
def _check_offences(offences: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(offences, pd.DataFrame):
        raise TypeError(f"offences must be a pandas DataFrame, got {type(offences).__name__}")
    missing = [c for c in ("lon", "lat", "month") if c not in offences.columns]
    if missing:
        raise ValueError(
            f"offences need columns lon, lat, month (location optional); missing {missing}, "
            f"got {list(offences.columns)}"
        )
    df = pd.DataFrame(
        {
            "lon": pd.to_numeric(offences["lon"], errors="coerce"),
            "lat": pd.to_numeric(offences["lat"], errors="coerce"),
            "month": offences["month"].astype(str),
            "location": (
                offences["location"].fillna("").astype(str)
                if "location" in offences.columns
                else ""
            ),
        }
    )
    df = df.dropna(subset=["lon", "lat"])
    bad = ~df["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad.any():
        raise ValueError(f"offence month must be YYYY-MM, got {df['month'][bad].iloc[0]!r}")
    # canonical order, so that shuffled input gives the same raids
    df = df.sort_values(["month", "lon", "lat", "location"], kind="mergesort")
    return (
        df[["lon", "lat"]].to_numpy(dtype=float).reshape(-1, 2),
        df["month"].to_numpy(dtype=str),
        df["location"].to_numpy(dtype=str),
    )


def _check_area(area: BaseGeometry) -> BaseGeometry:
    if not isinstance(area, BaseGeometry) or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise TypeError(
            f"force_area_wgs84 must be a shapely Polygon or MultiPolygon, got {area!r:.80}"
        )
    minx, miny, maxx, maxy = area.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(
            f"force_area_wgs84 must be in WGS84 degrees (EPSG:4326), got bounds {area.bounds}"
        )
    return area


def _project(lonlat: np.ndarray) -> np.ndarray:
    pts = gpd.GeoSeries(gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=CRS_WGS84)
    return shapely.get_coordinates(pts.to_crs(CRS_BNG).to_numpy()).reshape(-1, 2)


def _unproject(xy: np.ndarray) -> np.ndarray:
    pts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS_BNG)
    return shapely.get_coordinates(pts.to_crs(CRS_WGS84).to_numpy()).reshape(-1, 2)


def _to_bng(area: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([area], crs=CRS_WGS84).to_crs(CRS_BNG).iloc[0]


def _jitter_inside(
    rng: np.random.Generator, origin: np.ndarray, inner: BaseGeometry
) -> tuple[float, float]:
    for _ in range(MAX_ATTEMPTS):
        dist = rng.uniform(JITTER_MIN_M, JITTER_MAX_M)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        x = float(origin[0] + dist * math.cos(angle))
        y = float(origin[1] + dist * math.sin(angle))
        if shapely.contains_xy(inner, x, y):
            return x, y
    raise RuntimeError(f"could not place a raid inside the force area near {origin.tolist()}")


def _rural_point(
    rng: np.random.Generator,
    inner: BaseGeometry,
    tree: shapely.STRtree,
    farms: list[tuple[float, float]],
) -> tuple[float, float]:
    minx, miny, maxx, maxy = inner.bounds
    for _ in range(MAX_ATTEMPTS):
        x = float(rng.uniform(minx, maxx))
        y = float(rng.uniform(miny, maxy))
        if not shapely.contains_xy(inner, x, y):
            continue
        point = shapely.Point(x, y)
        if len(tree.query(point, predicate="dwithin", distance=RURAL_MIN_OFFENCE_DISTANCE_M)):
            continue
        if any(math.hypot(x - fx, y - fy) < RURAL_MIN_SPACING_M for fx, fy in farms):
            continue
        return x, y
    raise RuntimeError("could not place a rural farm away from recorded offences")


def _details(rng: np.random.Generator, wtype: str, rural: bool, month: str) -> dict[str, object]:
    year, mon = (int(part) for part in month.split("-"))
    days = [
        d
        for d in range(1, calendar.monthrange(year, mon)[1] + 1)
        if calendar.weekday(year, mon, d) < 5
    ]
    day = int(rng.choice(days))
    arrests = int(min(6, rng.poisson(_ARRESTS_MEAN[wtype])))
    charges = int(rng.binomial(arrests, _CHARGE_P[wtype]))
    median, sigma, low, high = _SEIZURE["rural cultivation" if rural else wtype]
    value = float(np.clip(rng.lognormal(math.log(median), sigma), low, high))
    value = round(value, -2) if value >= 10_000 else round(value, -1)
    return {
        "date": f"{year:04d}-{mon:02d}-{day:02d}",
        "operation": SYNTHETIC_PREFIX + str(rng.choice(OPERATIONS[wtype])),
        "arrests": arrests,
        "charges": charges,
        "seizure_gbp": int(value),
        "drugs_seized": _drugs(rng, wtype),
    }


def _drugs(rng: np.random.Generator, wtype: str) -> str:
    if wtype == "cultivation":
        found = ["cannabis plants"] + (["cannabis"] if rng.random() < 0.6 else [])
    elif wtype == "county line":
        found = ["crack cocaine", "heroin"] + (["cocaine"] if rng.random() < 0.3 else [])
    elif wtype == "supply":
        k = int(rng.integers(1, 4))
        picks = rng.choice(len(_SUPPLY_DRUGS), size=k, replace=False, p=_SUPPLY_DRUGS_P)
        found = [_SUPPLY_DRUGS[j] for j in sorted(picks)]
    elif wtype == "possession":
        found = [str(rng.choice(_POSSESSION_DRUGS, p=_POSSESSION_DRUGS_P))]
    else:
        found = [str(rng.choice(_OTHER_DRUGS))]
    return "; ".join(found)


def _place(location: str) -> str:
    text = location.strip()
    for prefix in ("On or near ", "on or near "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text or "recorded drug offences"


def _cell(value: object, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if decimals is not None:
        return f"{float(value):.{decimals}f}"
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
