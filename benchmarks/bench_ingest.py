"""Benchmark: ingest of a national-scale street CSV, ours against the naive pipeline.

Run by hand from the repository root (not collected by pytest)::

    .venv/bin/python benchmarks/bench_ingest.py                  # 1,000,000 rows, ~7,000 wards
    .venv/bin/python benchmarks/bench_ingest.py --rows 200000 --wards 2000 --skip-naive

It first makes (seeded, cached under ``benchmarks/out/``, which git ignores):

* a data.police.uk street CSV in the standard 12-column format: crimes stacked on snap points
  drawn with clustered (town-like) density over an England & Wales-shaped outline, the crime-type
  mix of a real force-year (~3.3 % ``Drugs``), blank ``Crime ID`` on anti-social behaviour rows,
  ~3 % rows with no location, ~0.1 % rows outside the area and a few repeated crime ids;
* detailed synthetic wards: Voronoi cells of town-weighted seeds clipped to the outline, edges
  densified and made wiggly so an average ward has ~500 vertices (GeoPackage, EPSG:27700);
* the force area: the outline, treated the same way (GeoPackage).

Then it runs each side in its own subprocess, so peak RSS (``ru_maxrss`` of that process) is per
side:

* **ours**: ``read_wards`` + ``read_force_area`` (setup, timed apart), then
  ``hotspots.ingest.ingest`` into a fresh store, with ``all_crime_types=True`` (every row
  validated, joined and stored: the worst case) and in the default drugs-only mode;
* **naive** (the name kept for the option ``--skip-naive``; since 7 Dec 2026 it is the plain
  geopandas pipeline set up well, as ``bench_baselines.py``'s ``geopandas``):
  ``geopandas.read_file`` of the ward fields kept (pyogrio, Arrow; setup), then
  ``pandas.read_csv`` of the columns the store keeps + ``geopandas.points_from_xy`` +
  ``to_crs(27700)`` + ``sjoin(predicate="within")`` (geopandas' fast path) + ``to_parquet`` (all
  rows, and drugs-only filtered before the join). Before, it joined with
  ``predicate="intersects"`` (geopandas' slow path) every column: the old "5.7-7.5x faster than
  naive" figures measured that.

Rows/s is rows in the file divided by the wall time of the timed step (setup excluded on both
sides). Results go to ``benchmarks/out/bench_ingest.json`` and a markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# the street CSV's columns and the ward fields the store keeps (what the baseline reads)
from bench_baselines import STREET_FIELDS, WARD_FIELDS

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
GENERATOR_VERSION = 1

#: England & Wales, generalised (km, EPSG:27700): the mainland outline from the ONS police force
#: areas (Dec 2023), closed over estuaries and simplified to 10 km.
OUTLINE_KM: tuple[tuple[int, int], ...] = (
    (203, 83), (244, 146), (324, 146), (341, 174), (293, 168), (271, 191), (240, 187),
    (233, 207), (196, 193), (172, 228), (254, 272), (255, 335), (214, 326), (244, 361),
    (275, 384), (330, 395), (342, 468), (320, 467), (294, 515), (312, 556), (385, 617),
    (379, 638), (398, 658), (424, 629), (446, 541), (526, 471), (519, 453), (557, 369),
    (542, 336), (558, 327), (570, 345), (600, 347), (650, 320), (645, 249), (589, 178),
    (602, 165), (640, 171), (638, 146), (558, 95), (451, 102), (368, 68), (337, 93),
    (298, 78), (278, 35), (230, 54), (171, 11), (161, 26), (134, 25),
)  # fmt: skip

#: Crime types and counts of Cambridgeshire's 2025 street files (all 12 months): 3.3 % Drugs.
CRIME_MIX: dict[str, int] = {
    "Violence and sexual offences": 30062,
    "Anti-social behaviour": 14406,
    "Shoplifting": 7402,
    "Criminal damage and arson": 6672,
    "Other theft": 5213,
    "Public order": 4844,
    "Vehicle crime": 3761,
    "Burglary": 3111,
    "Drugs": 2824,
    "Other crime": 2427,
    "Bicycle theft": 1713,
    "Possession of weapons": 1174,
    "Theft from the person": 738,
    "Robbery": 593,
}
ASB = "Anti-social behaviour"
OUTCOME_MIX: dict[str, int] = {
    "Unable to prosecute suspect": 30577,
    "Investigation complete; no suspect identified": 25912,
    "Court result unavailable": 4240,
    "Status update unavailable": 3831,
    "Awaiting court outcome": 1840,
    "Local resolution": 1780,
    "Action to be taken by another organisation": 1004,
    "Offender given a caution": 918,
    "Further action is not in the public interest": 193,
    "Formal action is not in the public interest": 146,
    "Suspect charged as part of another case": 49,
}
STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
PLACES = (
    "Police Station", "Supermarket", "Parking Area", "Petrol Station", "Shopping Area",
    "Nightclub", "Sports/Recreation Area", "Further/Higher Educational Building", "Park/Open Space",
    "Hospital", "Conference/Exhibition Centre", "Theatre/Concert Hall", "Bus/Coach Station",
)  # fmt: skip
STREET_WORDS = (
    "Church", "Mill", "Station", "High", "Park", "Victoria", "Queen", "King", "Green", "Manor",
    "School", "London", "Grange", "North", "South", "West", "Chapel", "Bridge", "Orchard",
    "Meadow", "Windsor", "Albert", "York", "Cambridge", "Oak", "Elm", "Ash", "Willow", "Beech",
    "Cedar", "Rose", "Market", "Castle", "Abbey", "Water", "Hill", "Field", "Spring", "New",
)  # fmt: skip
STREET_KINDS = ("Street", "Road", "Lane", "Close", "Avenue", "Way", "Drive", "Court", "Crescent")
MONTHS = tuple(f"2024-{m:02d}" for m in range(1, 13))


# --------------------------------------------------------------------------------------------
# data generation (cached)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Inputs:
    """Paths of the generated benchmark inputs."""

    street_csv: str
    wards: str
    force_area: str
    rows: int
    n_wards: int
    seed: int


def outline_polygon() -> Any:
    """The England & Wales-like outline, EPSG:27700 metres."""
    import shapely

    return shapely.Polygon([(x * 1000.0, y * 1000.0) for x, y in OUTLINE_KM])


class Towns:
    """A clustered density over the outline: Zipf-sized towns plus a rural background."""

    def __init__(self, rng: np.random.Generator, outline: Any, n_towns: int = 600) -> None:
        self.outline = outline
        centres = sample_in(rng, outline, n_towns, self._uniform)
        self.x, self.y = centres[:, 0], centres[:, 1]
        size = 1.0 / np.arange(1, n_towns + 1) ** 1.1  # Zipf: a few cities, many towns
        self.weight = size / size.sum()
        self.sigma = 1500.0 + 9000.0 * np.sqrt(size / size.max())  # metres

    @staticmethod
    def _uniform(rng: np.random.Generator, n: int, outline: Any) -> np.ndarray:
        minx, miny, maxx, maxy = outline.bounds
        return np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])

    def _clustered(self, rng: np.random.Generator, n: int, outline: Any) -> np.ndarray:
        town = rng.choice(len(self.weight), size=n, p=self.weight)
        xy = np.column_stack([self.x[town], self.y[town]])
        xy += rng.normal(size=(n, 2)) * self.sigma[town, None]
        rural = rng.random(n) < 0.12
        xy[rural] = self._uniform(rng, int(rural.sum()), outline)
        return xy

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` points inside the outline, drawn from the density."""
        return sample_in(rng, self.outline, n, self._clustered)


def sample_in(rng: np.random.Generator, polygon: Any, n: int, draw: Any) -> np.ndarray:
    """Draw points with ``draw(rng, k, polygon)`` and keep those inside ``polygon`` until ``n``."""
    import shapely

    shapely.prepare(polygon)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = draw(rng, max(1024, int((n - have) * 1.4)), polygon)
        xy = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        out.append(xy)
        have += len(xy)
    return np.concatenate(out)[:n]


def _wiggle(coords: np.ndarray) -> np.ndarray:
    """A smooth displacement (<= ~25 m, gentle slope) so densified edges are not straight lines.

    A function of position only: a vertex shared by two wards moves the same way for both.
    """
    x, y = coords[:, 0], coords[:, 1]
    dx = 12.0 * np.sin(y / 170.0 + 0.3) + 9.0 * np.sin((x + y) / 610.0)
    dy = 12.0 * np.cos(x / 190.0 + 1.1) + 9.0 * np.cos((x - y) / 530.0)
    return np.column_stack([x + dx, y + dy])


def make_boundaries(
    rng: np.random.Generator, towns: Towns, n_wards: int, vertices_per_ward: int = 500
) -> tuple[Any, Any]:
    """Detailed wards (GeoDataFrame, EPSG:27700) and the force area covering them."""
    import geopandas as gpd
    import shapely

    outline = towns.outline
    seeds = towns.sample(rng, n_wards)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline)
    )
    cells = shapely.intersection(cells, outline)
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]
    # One segment length for all (so shared edges get the same vertices from both sides).
    step = float(shapely.length(cells).sum()) / (vertices_per_ward * len(cells))
    detailed = shapely.transform(shapely.segmentize(cells, step), _wiggle)
    detailed = shapely.make_valid(detailed)
    area = shapely.transform(shapely.segmentize(outline, step), _wiggle)
    order = np.argsort(shapely.area(detailed))[::-1]  # codes unrelated to position
    n = len(detailed)
    district = np.arange(n) // 20
    wards = gpd.GeoDataFrame(
        {
            "WD23CD": [f"E05{100000 + i:06d}" for i in range(n)],
            "WD23NM": [f"Synthetic ward {i}" for i in range(n)],
            "LAD23CD": [f"E07{900000 + d:06d}" for d in district],
            "LAD23NM": [f"Synthetic district {d}" for d in district],
        },
        geometry=detailed[order],
        crs="EPSG:27700",
    )
    force = gpd.GeoDataFrame(
        {"PFA23CD": ["E23999999"], "PFA23NM": ["Synthetic England and Wales"]},
        geometry=[area],
        crs="EPSG:27700",
    )
    return wards, force


def _lonlat_text(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    return np.char.mod("%.6f", lon).astype(object), np.char.mod("%.6f", lat).astype(object)


def _snap_points(rng: np.random.Generator, towns: Towns, n_points: int) -> dict[str, np.ndarray]:
    """Per snap point: lon/lat text, location, LSOA code/name and force."""
    xy = towns.sample(rng, n_points)
    lon, lat = _lonlat_text(xy)
    street = (
        np.asarray(STREET_WORDS, dtype=object)[rng.integers(len(STREET_WORDS), size=n_points)]
        + " "
        + np.asarray(STREET_KINDS, dtype=object)[rng.integers(len(STREET_KINDS), size=n_points)]
    )
    place = rng.random(n_points) < 0.08
    street[place] = np.asarray(PLACES, dtype=object)[rng.integers(len(PLACES), size=place.sum())]
    town = np.argmin(
        (xy[:, None, 0] - towns.x[None, :40]) ** 2 + (xy[:, None, 1] - towns.y[None, :40]) ** 2,
        axis=1,
    )
    cell = (xy[:, 0] // 1200).astype(np.int64) * 1000 + (xy[:, 1] // 1200).astype(np.int64)
    lsoa_no = cell % 997
    lsoa_name = np.char.mod("Town %d ", town).astype(object) + np.char.mod("%03d", lsoa_no)
    lsoa_name = lsoa_name + np.asarray(list("ABCDE"), dtype=object)[cell % 5]
    # A few LSOA names with a comma (quoted in the CSV), as in real files.
    comma = town == 7
    lsoa_name[comma] = "Bournemouth, Christchurch and Poole " + lsoa_name[comma]
    return {
        "lon": lon,
        "lat": lat,
        "location": "On or near " + street,
        "lsoa_code": np.char.mod("E01%06d", cell % 1_000_000).astype(object),
        "lsoa_name": lsoa_name,
        "force": np.char.mod("Synthetic Constabulary %d", town).astype(object),
    }


def _crime_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """64-hex-digit ids like police.uk's."""
    hexes = np.frombuffer(rng.bytes(32 * n).hex().encode("ascii"), dtype="S64")
    return hexes.astype("U64").astype(object)


def make_street_frame(rng: np.random.Generator, towns: Towns, rows: int) -> Any:
    """The street CSV rows as a DataFrame of text."""
    import pandas as pd

    n_points = max(1000, min(750_000, rows // 2))
    snaps = _snap_points(rng, towns, n_points)
    popularity = rng.lognormal(0.0, 1.3, n_points)  # many crimes stack on popular points
    snap = rng.choice(n_points, size=rows, p=popularity / popularity.sum())
    types = np.asarray(list(CRIME_MIX), dtype=object)
    mix = np.asarray(list(CRIME_MIX.values()), dtype=float)
    crime_type = types[rng.choice(len(types), size=rows, p=mix / mix.sum())]
    asb = crime_type == ASB
    outcomes = np.asarray(list(OUTCOME_MIX), dtype=object)
    weights = np.asarray(list(OUTCOME_MIX.values()), dtype=float)
    outcome = outcomes[rng.choice(len(outcomes), size=rows, p=weights / weights.sum())]
    outcome[asb] = ""
    crime_id = _crime_ids(rng, rows)
    crime_id[asb] = ""
    repeat = np.flatnonzero(~asb)[rng.integers(int((~asb).sum()), size=max(1, rows // 50_000))]
    crime_id[rng.integers(rows, size=len(repeat))] = crime_id[repeat]  # a few repeated ids
    frame = pd.DataFrame(
        {
            "Crime ID": crime_id,
            "Month": np.asarray(MONTHS, dtype=object)[rng.integers(len(MONTHS), size=rows)],
            "Reported by": snaps["force"][snap],
            "Falls within": snaps["force"][snap],
            "Longitude": snaps["lon"][snap],
            "Latitude": snaps["lat"][snap],
            "Location": snaps["location"][snap],
            "LSOA code": snaps["lsoa_code"][snap],
            "LSOA name": snaps["lsoa_name"][snap],
            "Crime type": crime_type,
            "Last outcome category": outcome,
            "Context": "",
        }
    )
    _add_out_of_area(rng, towns.outline, frame, share=0.001)
    nowhere = rng.random(rows) < 0.03
    frame.loc[nowhere, ["Longitude", "Latitude", "LSOA code", "LSOA name"]] = ""
    frame.loc[nowhere, "Location"] = "No Location"
    return frame


def _add_out_of_area(rng: np.random.Generator, outline: Any, frame: Any, share: float) -> None:
    """Move ``share`` of the rows to points outside the outline (sea, Scotland, islands)."""
    import shapely

    n = max(1, int(len(frame) * share))
    minx, miny, maxx, maxy = outline.bounds
    box = shapely.box(minx - 50_000, miny - 20_000, maxx + 50_000, maxy + 150_000)

    def draw(rng: np.random.Generator, k: int, polygon: Any) -> np.ndarray:
        xy = np.column_stack(
            [rng.uniform(minx - 50_000, maxx + 50_000, k), rng.uniform(miny, maxy + 150_000, k)]
        )
        return xy[~shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]

    xy = sample_in(rng, box, n, draw)
    lon, lat = _lonlat_text(xy)
    rows = rng.choice(len(frame), size=n, replace=False)
    frame.loc[rows, "Longitude"] = lon
    frame.loc[rows, "Latitude"] = lat


def ensure_inputs(rows: int, n_wards: int, seed: int, out: Path) -> Inputs:
    """Generate the inputs unless cached under ``out``; return their paths."""
    tag = f"s{seed}-v{GENERATOR_VERSION}"
    inputs = Inputs(
        street_csv=str(out / f"street-{rows}-{tag}.csv"),
        wards=str(out / f"wards-{n_wards}-{tag}.gpkg"),
        force_area=str(out / f"force-area-{n_wards}-{tag}.gpkg"),
        rows=rows,
        n_wards=n_wards,
        seed=seed,
    )
    out.mkdir(parents=True, exist_ok=True)
    if not (Path(inputs.wards).is_file() and Path(inputs.force_area).is_file()):
        started = time.perf_counter()
        rng = np.random.default_rng([seed, n_wards, 1])
        wards, force = make_boundaries(rng, Towns(rng, outline_polygon()), n_wards)
        _write_atomic(Path(inputs.wards), lambda p: wards.to_file(p, layer="wards", driver="GPKG"))
        _write_atomic(
            Path(inputs.force_area), lambda p: force.to_file(p, layer="force_area", driver="GPKG")
        )
        print(f"made {len(wards):,} wards in {time.perf_counter() - started:.1f} s", flush=True)
    if not Path(inputs.street_csv).is_file():
        started = time.perf_counter()
        rng = np.random.default_rng([seed, rows, 2])
        frame = make_street_frame(rng, Towns(rng, outline_polygon()), rows)
        _write_atomic(
            Path(inputs.street_csv),
            lambda p: frame.to_csv(p, index=False, header=STREET_HEADER.split(",")),
        )
        print(f"made {rows:,} street rows in {time.perf_counter() - started:.1f} s", flush=True)
    return inputs


def _write_atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f"tmp-{path.name}")
    tmp.unlink(missing_ok=True)
    write(tmp)
    os.replace(tmp, path)


def describe_inputs(inputs: Inputs) -> dict[str, Any]:
    """Facts about the generated inputs, for the report."""
    import pandas as pd
    import pyogrio
    import shapely

    frame = pd.read_csv(
        inputs.street_csv, usecols=["Longitude", "Latitude", "Crime type"], dtype=str
    )
    located = frame["Longitude"].notna()
    wards = pyogrio.read_dataframe(inputs.wards, columns=[])
    vertices = shapely.get_num_coordinates(wards.geometry.to_numpy())
    return {
        "rows": len(frame),
        "csv_mib": round(os.path.getsize(inputs.street_csv) / 2**20, 1),
        "drugs_rows": int((frame["Crime type"] == "Drugs").sum()),
        "no_location_rows": int((~located).sum()),
        "distinct_points": int(
            frame.loc[located, ["Longitude", "Latitude"]].drop_duplicates().shape[0]
        ),
        "wards": len(wards),
        "ward_vertices_mean": round(float(vertices.mean())),
        "ward_vertices_median": round(float(np.median(vertices))),
    }


# --------------------------------------------------------------------------------------------
# the two sides (each run in its own process)
# --------------------------------------------------------------------------------------------
def run_ours(inputs: Inputs, mode: str, store_dir: Path) -> dict[str, Any]:
    """Our ingest into a fresh store; ``mode`` is ``all`` or ``drugs``."""
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store

    started = time.perf_counter()
    wards = read_wards(inputs.wards)
    force_area = read_force_area(inputs.force_area)
    setup = time.perf_counter() - started
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = ingest(
        [inputs.street_csv],
        wards=wards,
        force_area=force_area,
        store=Store(store_dir),
        all_crime_types=mode == "all",
    )
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    layer = report.by_layer()["offence"]
    return {
        "setup_s": setup,
        "seconds": seconds,
        "cpu_s": cpu,
        "rows_read": layer["read"],
        "kept": layer["kept"],
        "rejected": dict(sorted(layer["reasons"].items())),
        "reconciles": report.reconciles(),
    }


def run_naive(inputs: Inputs, mode: str, store_dir: Path) -> dict[str, Any]:
    """The plain geopandas pipeline set up well (the same as ``bench_baselines.py``'s
    ``geopandas``): ``read_file`` of the ward fields kept (pyogrio, Arrow), ``read_csv`` of the
    columns kept + ``points_from_xy`` + ``to_crs`` + ``sjoin(predicate="within")`` (geopandas'
    fast path: the prepared wards queried against a tree of the points) + ``to_parquet``.

    Until 7 Dec 2026 this ran ``sjoin(predicate="intersects")`` on every column (geopandas'
    slow path: each point against unprepared polygons): the "naive" figures in
    ``benchmarks/README.md`` before that date measured that, not what a user would write."""
    import geopandas as gpd
    import pandas as pd

    started = time.perf_counter()
    wards = gpd.read_file(inputs.wards, columns=list(WARD_FIELDS), use_arrow=True)
    setup = time.perf_counter() - started
    started, cpu = time.perf_counter(), _cpu_seconds()
    frame = pd.read_csv(inputs.street_csv, usecols=list(STREET_FIELDS))
    rows_read = len(frame)
    if mode == "drugs":
        frame = frame[frame["Crime type"] == "Drugs"]
    points = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:27700")
    joined = gpd.sjoin(points, wards, predicate="within")
    joined.to_parquet(store_dir / "events.parquet")
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return {
        "setup_s": setup,
        "seconds": seconds,
        "cpu_s": cpu,
        "rows_read": rows_read,
        "kept": len(joined),
        "rejected": {},
        "reconciles": None,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_main(side: str, mode: str, inputs: Inputs, store_dir: Path) -> None:
    """Run one side and print its result as one JSON line."""
    runner = run_ours if side == "ours" else run_naive
    result = runner(inputs, mode, store_dir)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)


@dataclass
class Measured:
    """One run of one side."""

    side: str
    mode: str
    rows_read: int
    kept: int
    seconds: float
    cpu_s: float
    setup_s: float
    peak_rss_mib: float
    rows_per_s: float
    rejected: dict[str, int]
    reconciles: bool | None
    load_before: float  # 1-minute load average when the run started (the machine is shared)


def run_side(side: str, mode: str, inputs: Inputs, out: Path) -> Measured:
    """Run ``side`` in a subprocess on a fresh store and parse its result."""
    store_dir = out / "stores" / f"{side}-{mode}"
    shutil.rmtree(store_dir, ignore_errors=True)
    store_dir.mkdir(parents=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--mode",
        mode,
        "--inputs",
        json.dumps(asdict(inputs)),
        "--store",
        str(store_dir),
    ]
    load_before = os.getloadavg()[0]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{side}/{mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    raw = json.loads(lines[-1][len("RESULT ") :])
    return Measured(
        side=side,
        mode=mode,
        rows_read=raw["rows_read"],
        kept=raw["kept"],
        seconds=raw["seconds"],
        cpu_s=raw["cpu_s"],
        setup_s=raw["setup_s"],
        peak_rss_mib=raw["peak_rss_mib"],
        rows_per_s=raw["rows_read"] / raw["seconds"],
        rejected=raw["rejected"],
        reconciles=raw["reconciles"],
        load_before=load_before,
    )


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
def summarise(runs: list[Measured]) -> list[dict[str, Any]]:
    """One row per side and mode: median time over repeats, max peak RSS."""
    rows: list[dict[str, Any]] = []
    for side, mode in dict.fromkeys((r.side, r.mode) for r in runs):
        group = [r for r in runs if r.side == side and r.mode == mode]
        seconds = statistics.median(r.seconds for r in group)
        rows.append(
            {
                "side": side,
                "mode": mode,
                "runs": len(group),
                "rows_read": group[0].rows_read,
                "kept": group[0].kept,
                "seconds_median": round(seconds, 3),
                "seconds_best": round(min(r.seconds for r in group), 3),
                "seconds_all": [round(r.seconds, 3) for r in group],
                "cpu_s_median": round(statistics.median(r.cpu_s for r in group), 2),
                "rows_per_s": round(group[0].rows_read / seconds),
                "rows_per_s_best": round(group[0].rows_read / min(r.seconds for r in group)),
                "peak_rss_mib": round(max(r.peak_rss_mib for r in group)),
                "setup_s": round(statistics.median(r.setup_s for r in group), 2),
                "rejected": group[0].rejected,
                "reconciles": group[0].reconciles,
                "load_before": [r.load_before for r in group],
            }
        )
    by_key = {(r["side"], r["mode"]): r for r in rows}
    for row in rows:
        naive = by_key.get(("naive", row["mode"]))
        if row["side"] == "ours" and naive:
            row["speedup_vs_naive"] = round(naive["seconds_median"] / row["seconds_median"], 1)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    lines = [
        "| pipeline | mode | rows | kept | runs | wall median (best), s | rows/s median (best) "
        "| CPU s | peak RSS MiB | vs naive |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = f"{r['speedup_vs_naive']}x" if "speedup_vs_naive" in r else ""
        lines.append(
            f"| {r['side']} | {r['mode']} | {r['rows_read']:,} | {r['kept']:,} | {r['runs']} | "
            f"{r['seconds_median']:.2f} ({r['seconds_best']:.2f}) | "
            f"{r['rows_per_s']:,} ({r['rows_per_s_best']:,}) | {r['cpu_s_median']:.1f} | "
            f"{r['peak_rss_mib']:,} | {ratio} |"
        )
    return "\n".join(lines)


def hotspots_location() -> str:
    """Where the measured ``hotspots`` package is imported from (as the children see it)."""
    import hotspots

    return str(hotspots.__file__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="street CSV rows")
    parser.add_argument("--wards", type=int, default=7000, help="number of synthetic wards")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--repeat", type=int, default=3, help="runs of our ingest per mode")
    parser.add_argument("--skip-naive", action="store_true", help="do not run the naive pipeline")
    parser.add_argument("--modes", default="all,drugs", help="comma-separated: all, drugs")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    parser.add_argument("--tag", default="", help="suffix for the results file name")
    parser.add_argument("--child", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child, args.mode, Inputs(**json.loads(args.inputs)), args.store)
        return 0
    inputs = ensure_inputs(args.rows, args.wards, args.seed, args.out)
    facts = describe_inputs(inputs)
    print("inputs: " + json.dumps(facts), flush=True)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    runs: list[Measured] = []
    for mode in modes:
        for _ in range(args.repeat):
            runs.append(run_side("ours", mode, inputs, args.out))
            print(f"ours/{mode}: {runs[-1].seconds:.2f} s, {runs[-1].cpu_s:.1f} CPU s", flush=True)
    if not args.skip_naive:
        for mode in modes:
            runs.append(run_side("naive", mode, inputs, args.out))
            print(f"naive/{mode}: {runs[-1].seconds:.2f} s, {runs[-1].cpu_s:.1f} CPU s", flush=True)
    rows = summarise(runs)
    result = {
        "inputs": {**asdict(inputs), **facts},
        "hotspots": str(Path(hotspots_location()).parent),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "results": rows,
        "runs": [asdict(r) for r in runs],
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    target = args.out / f"bench_ingest-{args.rows}{'-' + args.tag if args.tag else ''}.json"
    target.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print()
    print(markdown(rows))
    print(f"\nwritten {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
