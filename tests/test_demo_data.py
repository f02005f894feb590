"""The demo data shipped in ``data/`` and the scripts that make it (``scripts/make_*.py``)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from hotspots import schema
from hotspots.sources.police_uk import STREET_COLUMNS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SCRIPTS = REPO / "scripts"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

STREET_DIR = DATA / "police_uk"
SEARCH_FILE = STREET_DIR / "2025-07-cambridgeshire-stop-and-search.csv"
RAIDS_FILE = DATA / "raids" / "SYNTHETIC-raids-2025.csv"
WARDS_FILE = DATA / "boundaries" / "wards_dec2023_bsc.geojson"
PFA_FILE = DATA / "boundaries" / "force_area_pfa_dec2023_bsc.geojson"

STREET_HEADER = list(STREET_COLUMNS)
# The documented raid format, spelled out: the demo file must match it column for column.
RAID_HEADER = [
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
]
WARRANT_TYPES = set(schema.WARRANT_TYPES)


def _load(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` (the scripts folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def msr() -> ModuleType:
    return _load("make_synthetic_raids")


@pytest.fixture(scope="module")
def force_area() -> shapely.Geometry:
    area = gpd.read_file(PFA_FILE).to_crs("EPSG:4326").geometry.union_all()
    shapely.prepare(area)
    return area


@pytest.fixture(scope="module")
def offences(msr: ModuleType) -> pd.DataFrame:
    return msr.read_street_offences(STREET_DIR)


@pytest.fixture(scope="module")
def raids() -> pd.DataFrame:
    return pd.read_csv(RAIDS_FILE, dtype=str, keep_default_na=False)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# -- shipped police.uk files -----------------------------------------------------------------------
def test_street_files_are_the_2025_drugs_rows() -> None:
    files = sorted(STREET_DIR.glob("*-street.csv"))
    assert [f.name for f in files] == [
        f"2025-{m:02d}-cambridgeshire-street.csv" for m in range(1, 13)
    ]
    frames = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == STREET_HEADER, path.name
        df = _read(path)
        assert (df["Month"] == path.name[:7]).all(), path.name
        frames.append(df)
    street = pd.concat(frames, ignore_index=True)
    assert len(street) == 2824
    assert (street["Crime type"] == "Drugs").all()
    located = (street["Longitude"] != "") & (street["Latitude"] != "")
    assert int(located.sum()) == 2729
    # the quirks the ingest must reject are kept
    assert (street.loc[~located, "Location"] == "No Location").all()


def test_street_files_keep_out_of_area_rows(force_area: shapely.Geometry) -> None:
    street = pd.concat([_read(p) for p in sorted(STREET_DIR.glob("*-street.csv"))])
    located = street[street["Longitude"] != ""]
    inside = shapely.contains_xy(
        force_area, located["Longitude"].astype(float), located["Latitude"].astype(float)
    )
    assert int(inside.sum()) == 2689
    assert int((~inside).sum()) == 40


def test_search_file_is_the_controlled_drugs_rows() -> None:
    search = _read(SEARCH_FILE)
    assert len(search) == 153
    assert (search["Object of search"] == "Controlled drugs").all()
    assert list(search.columns[4:6]) == ["Latitude", "Longitude"]
    assert search["Date"].str.startswith("2025-07").all()


def test_boundaries() -> None:
    wards = gpd.read_file(WARDS_FILE)
    assert len(wards) == 120
    assert wards["WD23CD"].is_unique
    assert wards["LAD23CD"].nunique() == 6
    pfa = gpd.read_file(PFA_FILE)
    assert len(pfa) == 1
    assert pfa.loc[0, "PFA23CD"] == "E23000023"
    assert "Open Government Licence" in (DATA / "boundaries" / "LICENCE-wards.txt").read_text(
        encoding="utf-8"
    )


def test_readme_says_synthetic_and_attributes() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "python scripts/make_demo_data.py --shared ../shared/data/real --out data" in text
    assert "SYNTHETIC" in text
    assert "Contains public sector information licensed under the Open Government Licence v3.0" in (
        text
    )
    assert "Source: Office for National Statistics licensed under the Open" in text
    assert "**2,824**" in text


# -- shipped SYNTHETIC raid file -------------------------------------------------------------------
def test_raid_file_header_and_labels(raids: pd.DataFrame) -> None:
    assert list(raids.columns) == RAID_HEADER
    assert 120 <= len(raids) <= 180
    assert raids["raid_id"].is_unique
    assert raids["raid_id"].str.fullmatch(r"SYN-2025-\d{4}").all()
    assert (raids["synthetic"] == "true").all()
    assert raids["operation"].str.startswith("SYNTHETIC ").all()
    assert raids["location"].str.startswith("SYNTHETIC – ").all()


def test_raid_file_values(raids: pd.DataFrame) -> None:
    dates = pd.to_datetime(raids["date"], format="%Y-%m-%d")
    assert (dates.dt.year == 2025).all()
    assert set(raids["warrant_type"]) <= WARRANT_TYPES
    arrests = raids["arrests"].astype(int)
    charges = raids["charges"].astype(int)
    assert arrests.between(0, 6).all()
    assert (charges >= 0).all()
    assert (charges <= arrests).all()
    seizure = raids["seizure_gbp"].astype(float)
    assert (seizure >= 0).all()
    rural = raids["location"] == "SYNTHETIC – rural premises"
    assert 0.1 <= rural.mean() <= 0.2
    assert (raids.loc[rural, "warrant_type"] == "cultivation").all()
    assert seizure[raids["warrant_type"] == "cultivation"].max() >= 100_000
    # more raids in the autumn, when offences rose
    months = dates.dt.month
    assert (months.isin([9, 10, 11])).sum() > (months.isin([1, 2, 3])).sum()
    # 6 decimals at most
    assert raids["longitude"].str.fullmatch(r"-?\d+\.\d{1,6}").all()


def test_raid_points_inside_force_area(raids: pd.DataFrame, force_area: shapely.Geometry) -> None:
    lon = raids["longitude"].astype(float)
    lat = raids["latitude"].astype(float)
    assert shapely.contains_xy(force_area, lon, lat).all()


def test_raid_file_regenerates_from_shipped_data(msr: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "raids.csv"
    args = ["--street-dir", str(STREET_DIR), "--force-area", str(PFA_FILE), "--out", str(out)]
    assert msr.main([*args, "--n-raids", "150", "--seed", "2025"]) == 0
    assert out.read_bytes() == RAIDS_FILE.read_bytes()


# -- the generator -------------------------------------------------------------------------------
def test_generator_is_deterministic(
    msr: ModuleType, offences: pd.DataFrame, force_area: shapely.Geometry
) -> None:
    before = offences.copy()
    a = msr.generate_raids(offences, force_area, n_raids=40, seed=7)
    b = msr.generate_raids(offences, force_area, n_raids=40, seed=7)
    c = msr.generate_raids(offences, force_area, n_raids=40, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    pd.testing.assert_frame_equal(offences, before)  # input not modified
    shuffled = offences.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(msr.generate_raids(shuffled, force_area, 40, 7), a)


def test_generator_on_toy_area(msr: ModuleType) -> None:
    # 10 km x 10 km-ish box near Cambridge; offences packed around two points
    area = box(0.0, 52.15, 0.15, 52.25)
    rng = np.random.default_rng(0)
    centres = np.array([[0.05, 52.2], [0.12, 52.18]])
    pts = centres[rng.integers(0, 2, 200)] + rng.normal(0, 0.0005, (200, 2))
    offences = pd.DataFrame(
        {"lon": pts[:, 0], "lat": pts[:, 1], "month": "2025-10", "location": "On or near X"}
    )
    raids = msr.generate_raids(offences, area, n_raids=20, seed=1)
    assert len(raids) == 20
    assert list(raids.columns) == RAID_HEADER
    assert shapely.contains_xy(area, raids["longitude"], raids["latitude"]).all()
    assert raids["date"].str.startswith("2025-10-").all()
    rural = raids["location"] == "SYNTHETIC – rural premises"
    assert int(rural.sum()) == 3
    assert (raids.loc[~rural, "location"] == "SYNTHETIC – near X").all()

    def nearest_offence_m(frame: pd.DataFrame) -> np.ndarray:
        to_bng = gpd.GeoSeries.from_xy
        r = to_bng(frame["longitude"], frame["latitude"], crs="EPSG:4326").to_crs(27700)
        o = to_bng(offences["lon"], offences["lat"], crs="EPSG:4326").to_crs(27700)
        return np.array([o.distance(p).min() for p in r])

    assert (nearest_offence_m(raids[~rural]) <= 150 + 1).all()
    assert (nearest_offence_m(raids[rural]) >= 1500).all()


def test_generator_zero_raids(msr: ModuleType, offences: pd.DataFrame, force_area) -> None:
    raids = msr.generate_raids(offences, force_area, n_raids=0, seed=1)
    assert raids.empty
    assert list(raids.columns) == RAID_HEADER


def test_generator_rejects_bad_input(
    msr: ModuleType, offences: pd.DataFrame, force_area: shapely.Geometry
) -> None:
    with pytest.raises(ValueError, match="missing \\['month'\\]"):
        msr.generate_raids(offences.drop(columns="month"), force_area, 5, 1)
    with pytest.raises(TypeError, match="Polygon or MultiPolygon"):
        msr.generate_raids(offences, shapely.Point(0, 52), 5, 1)
    with pytest.raises(ValueError, match="WGS84"):
        msr.generate_raids(offences, box(500_000, 250_000, 560_000, 300_000), 5, 1)
    with pytest.raises(ValueError, match="n_raids"):
        msr.generate_raids(offences, force_area, -1, 1)


def test_bng_variant(msr: ModuleType, force_area: shapely.Geometry, tmp_path: Path) -> None:
    raids = pd.read_csv(RAIDS_FILE, dtype={"raid_id": str}, keep_default_na=False)
    bng = msr.to_bng(raids)
    expected = [{"longitude": "easting", "latitude": "northing"}.get(c, c) for c in RAID_HEADER]
    assert list(bng.columns) == expected
    assert bng["easting"].between(480_000, 570_000).all()
    assert bng["northing"].between(230_000, 320_000).all()
    back = gpd.GeoSeries.from_xy(bng["easting"], bng["northing"], crs="EPSG:27700")
    there = gpd.GeoSeries.from_xy(raids["longitude"], raids["latitude"], crs="EPSG:4326")
    assert (back.distance(there.to_crs(27700)) < 0.1).all()
    assert shapely.contains_xy(force_area, *shapely.get_coordinates(back.to_crs(4326)).T).all()

    out = tmp_path / "SYNTHETIC-raids-bng.csv"
    args = ["--street-dir", str(STREET_DIR), "--force-area", str(PFA_FILE), "--out", str(out)]
    assert msr.main([*args, "--coords", "bng"]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == expected
    assert written["easting"].str.fullmatch(r"\d{6}\.\d").all()
    assert (written["raid_id"] == raids["raid_id"]).all()


# -- full rebuild from the real data -------------------------------------------------------------
@pytest.mark.realdata
def test_make_demo_data_reproduces_shipped_files(tmp_path: Path) -> None:
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL}")
    out = tmp_path / "data"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "make_demo_data.py"),
            "--shared",
            str(REAL),
            "--out",
            str(out),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    made = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(DATA) for p in DATA.rglob("*") if p.is_file())
    assert len(made) == 18
    assert set(made) <= set(shipped)  # other files in data/ are not this script's business
    for rel in made:
        assert (out / rel).read_bytes() == (DATA / rel).read_bytes(), rel
