"""The forecast's candidate families from a store's other layers (forecast_features.py).

Every family is checked on a hand-made fixture whose answer is worked out below; the forecast
with them must still not look ahead.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.cli import main
from hotspots.evaluate import Grid, backtest
from hotspots.evaluate.forecast import Forecaster, ForecastOptions
from hotspots.evaluate.forecast_features import (
    ALL_FAMILIES,
    FAVOURED,
    FeatureLayers,
    store_layers,
    ward_share_rate,
)
from hotspots.evaluate.next_month import next_month
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import STREET_HEADER, street_row

X0, Y0 = 500_000.0, 200_000.0
# Three cells of the 250 m grid: A and C in the west ward, B in the east ward.
A = (X0 + 100.0, Y0 + 100.0)  # cell (0, 0)
A2 = (X0 + 200.0, Y0 + 200.0)  # a second snap point in cell A
C = (X0 + 600.0, Y0 + 100.0)  # cell (0, 2)
B = (X0 + 2_600.0, Y0 + 100.0)  # cell (0, 10)


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_code": ["W", "E"]},
        geometry=[box(X0, Y0, X0 + 1_500, Y0 + 3_000), box(X0 + 1_500, Y0, X0 + 3_000, Y0 + 3_000)],
        crs="EPSG:27700",
    )


def _hand_layers(grid: Grid, wards: gpd.GeoDataFrame) -> tuple[FeatureLayers, np.ndarray]:
    """January: 2 drug offences at A, 1 at C, 2 weapons at B; stop-and-search 3 at A.
    February: 1 drug offence at A, 1 at A2 (cell A), 1 weapons at A, 1 burglary at B; no
    stop-and-search data for February (the month is no data, not zero)."""
    rows = [
        (A, "2025-01", "Drugs"),
        (A, "2025-01", "Drugs"),
        (C, "2025-01", "Drugs"),
        (B, "2025-01", "Possession of weapons"),
        (B, "2025-01", "Possession of weapons"),
        (A, "2025-02", "Drugs"),
        (A2, "2025-02", "Drugs"),
        (A, "2025-02", "Possession of weapons"),
        (B, "2025-02", "Burglary"),
    ]
    xy = np.array([r[0] for r in rows])
    months = np.array([r[1] for r in rows])
    cats = np.array([r[2] for r in rows])
    searches = (np.array([A, A, A]), np.array(["2025-01"] * 3))
    layers = FeatureLayers.build(grid, xy, months, cats, wards, searches, ALL_FAMILIES)
    drugs = cats == "Drugs"
    series = np.array([grid.counts(xy[drugs & (months == m)]) for m in ("2025-01", "2025-02")])
    return layers, series


def test_every_family_worked_out_by_hand(grid: Grid, wards: gpd.GeoDataFrame) -> None:
    layers, series = _hand_layers(grid, wards)
    a, b, c = (int(grid.position(np.array([p]))[0]) for p in (A, B, C))
    out = layers.candidates(["2025-01", "2025-02"], series, (1.0,), {1.0: "1"})
    # Half-life 1 month: January weighs 0.5, February 1; means divide by 1.5.
    # Drug rate: A (0.5 * 2 + 2) / 1.5 = 2; C 0.5 / 1.5 = 1/3; B 0.
    # Weapons rate: A (0 + 1) / 1.5 = 2/3; B (0.5 * 2 + 0) / 1.5 = 2/3.
    got = out["drugs+0.25 weapons h=1"]
    assert got[a] == pytest.approx(2 + 0.25 * 2 / 3) and got[b] == pytest.approx(0.25 * 2 / 3)
    assert out["drugs+1 weapons h=1"][c] == pytest.approx(1 / 3)
    # Every other type: A 2/3 (the weapons), B (0.5 * 2 + 1 burglary) / 1.5 = 4/3.
    got = out["drugs+0.05 all crime h=1"]
    assert got[a] == pytest.approx(2 + 0.05 * 2 / 3) and got[b] == pytest.approx(0.05 * 4 / 3)
    # Snap points of cell A: A itself (0.5 * 2 + 1) / 1.5 = 4/3, A2 1 / 1.5 = 2/3; busiest 4/3.
    # The cell's rate only breaks ties (at most 1e-9).
    assert out["busiest point h=1"][a] == pytest.approx(4 / 3, abs=1e-8)
    assert out["busiest point h=1"][c] == pytest.approx(1 / 3, abs=1e-8)
    # Months with an offence at the cell's busiest-in-months point: A 2 (Jan and Feb), C 1.
    assert out["point months then cell h=1"][a] == pytest.approx(2, abs=1e-8)
    assert out["point months then cell h=1"][c] == pytest.approx(1, abs=1e-8)
    assert out["point months then cell h=1"][a] > 2  # the rate breaks ties, above the count
    # Wards: the west ward's long-run (plain mean) offences: A 2, C 0.5, total 2.5; its h=1
    # rate 2 + 1/3 = 7/3. A: 2 / 2.5 * 7/3 = 28/15; C: 0.5 / 2.5 * 7/3 = 7/15; B (east) 0.
    got = out["ward h=1 x share"]
    assert got[a] == pytest.approx(28 / 15) and got[c] == pytest.approx(7 / 15) and got[b] == 0
    # Stop-and-search: only January holds data (lag 2, weight 0.5): its mean over the months
    # with data is 3, not (0.5 * 3 + 0) / 1.5 = 1 as if February were zero searches.
    assert out["drugs+0.25 searches h=1"][a] == pytest.approx(2 + 0.25 * 3)
    assert out["drugs+1 searches h=1"][c] == pytest.approx(1 / 3)


def test_trend_worked_out_by_hand(grid: Grid, wards: gpd.GeoDataFrame) -> None:
    layers, series = _hand_layers(grid, wards)
    a, b, c = (int(grid.position(np.array([p]))[0]) for p in (A, B, C))
    out = layers.candidates(
        ["2025-01", "2025-02"], series, (1.0, math.inf), {1.0: "1", math.inf: "inf"}
    )
    got = out["trend h=1 vs h=inf"]
    # A: h=1 rate 2, long-run (2 + 2) / 2 = 2: steady, 2 * 2 - 2 = 2. C: h=1 (0.5 * 1) / 1.5
    # = 1/3, long-run 1/2: falling, 2/3 - 1/2 = 1/6. B: nothing, 0.
    assert got[a] == pytest.approx(2.0) and got[c] == pytest.approx(1 / 6) and got[b] == 0
    assert "trend h=1 vs h=1" not in out and "trend h=inf vs h=1" not in out


def test_no_search_data_before_the_month_means_no_search_candidate(
    grid: Grid, wards: gpd.GeoDataFrame
) -> None:
    layers, series = _hand_layers(grid, wards)
    out = layers.candidates(["2025-02"], series[1:], (1.0,), {1.0: "1"})
    assert not [n for n in out if "searches" in n]
    assert "drugs+0.05 all crime h=1" in out


def test_ward_share_rate_outside_every_ward_is_the_cells_own_rate() -> None:
    long_run = np.array([2.0, 0.5, 1.0, 0.0])
    rate = np.array([3.0, 1.0, 4.0, 1.0])
    wards = np.array([0, 0, -1, 0])
    # Ward 0: long-run 2.5, rate 5: 2/2.5*5 = 4, 0.5/2.5*5 = 1, no long-run offences: 0.
    assert ward_share_rate(long_run, rate, wards).tolist() == pytest.approx([4.0, 1.0, 4.0, 0.0])


def _world(grid: Grid, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seven months of drug offences at a steady place plus noise, with other crime around."""
    rng = np.random.default_rng(seed)
    xy, months, cats = [], [], []
    for i in range(1, 8):
        m = f"2025-{i:02d}"
        block = np.vstack(
            [np.repeat([A], 6, axis=0), rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (25, 2))]
        )
        other = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (60, 2))
        xy += [block, other]
        months += [m] * (len(block) + len(other))
        cats += ["Drugs"] * len(block) + ["Other theft"] * len(other)
    return np.vstack(xy), np.array(months), np.array(cats)


def _forecaster(grid: Grid, xy: np.ndarray, months: np.ndarray, cats: np.ndarray) -> Forecaster:
    drugs = cats == "Drugs"
    counts = {m: grid.counts(xy[drugs & (months == m)]) for m in sorted(set(months))}
    searches = (xy[drugs][::2], months[drugs][::2])  # stop-and-searches where finds are
    layers = FeatureLayers.build(grid, xy, months, cats, None, searches, ALL_FAMILIES)
    return Forecaster(grid, counts, features=layers)


def test_no_look_ahead_with_every_family(grid: Grid) -> None:
    xy, months, cats = _world(grid)
    test = "2025-05"
    before = _forecaster(grid, xy, months, cats).forecast(test)
    later = months >= test
    moved = xy.copy()
    moved[later] = [X0 + 2_900.0, Y0 + 2_900.0]  # every layer of the test month on
    forecaster = _forecaster(grid, moved, months, cats)
    for m in ("2025-07", "2025-06", "2025-05"):  # later months first must not leak either
        forecaster.forecast(m)
    after = forecaster.forecast(test)
    assert np.array_equal(before.score, after.score) and before.info == after.info
    assert after.info["features"] == list(ALL_FAMILIES)
    assert not np.array_equal(
        _forecaster(grid, xy, months, cats).forecast("2025-07").score,
        forecaster.forecast("2025-07").score,
    )


#: Round 6's families are the drug counts' own (snap points, self-excitation): offered at every
#: target coverage, the smallest too.
OWN_FAMILY_PREFIXES = ("points ", "point-months", "self-exciting", "nb regression")


def test_families_are_offered_at_every_target_coverage_but_the_smallest(grid: Grid) -> None:
    xy, months, cats = _world(grid)
    forecaster = _forecaster(grid, xy, months, cats)
    ranking = forecaster.ranking("2025-07")
    assert forecaster.features is not None
    every = [n for n in forecaster.candidates("2025-07") if n not in _own(grid, xy, months, cats)]
    new = [n for n in every if not n.startswith(OWN_FAMILY_PREFIXES)]
    own = [n for n in every if n.startswith(OWN_FAMILY_PREFIXES)]
    assert len(new) > 20  # every family made candidates
    # point-forecasts: 3 x 4 half-lives; self-exciting: 4 kernels; nb regression: 1
    assert len(own) == 3 * 4 + 4 + 1
    assert not set(new) & set(ranking[0.0005][0])
    assert set(own) <= set(ranking[0.0005][0])
    assert set(new) <= set(ranking[0.01][0])
    # With one target coverage they are offered at it.
    one_coverage = ForecastOptions(target_coverages=(0.0005,))
    one = Forecaster(grid, forecaster.counts, one_coverage, features=forecaster.features)
    assert set(new) <= set(one.ranking("2025-07")[0.0005][0])
    # The same forecaster twice: the same forecast (deterministic).
    again = _forecaster(grid, xy, months, cats).forecast("2025-07")
    assert np.array_equal(again.score, forecaster.forecast("2025-07").score)


def _own(grid: Grid, xy: np.ndarray, months: np.ndarray, cats: np.ndarray) -> set[str]:
    drugs = cats == "Drugs"
    counts = {m: grid.counts(xy[drugs & (months == m)]) for m in sorted(set(months))}
    return set(Forecaster(grid, counts).candidates("2025-07"))


def test_store_layers_from_a_store_with_every_crime_type(
    tmp_path: Path, toy_boundaries: tuple[Path, Path]
) -> None:
    wards_path, area_path = toy_boundaries
    rows = [street_row(f"D{k}", 500_300, 200_300) for k in range(3)]
    rows += [street_row("T1", 501_600, 200_600, crime_type="Shoplifting")]
    rows += [street_row("W1", 500_300, 200_300, crime_type="Possession of weapons")]
    path = tmp_path / "2025-01-toyshire-street.csv"
    path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
    wards, area = read_wards(wards_path), read_force_area(area_path)
    drugs_only = Store(tmp_path / "drugs")
    ingest([path], wards=wards, force_area=area, store=drugs_only)
    grid = Grid.over(drugs_only.load_boundary("force_area"))
    assert store_layers(drugs_only, grid) is None  # drug offences only: nothing new to use
    every = Store(tmp_path / "every")
    ingest([path], wards=wards, force_area=area, store=every, all_crime_types=True)
    assert store_layers(every, grid) is None  # the default: no families (their cost)
    # No stop-and-search stored: the favoured families less searches.
    assert store_layers(every, grid, FAVOURED).families == ("all-crime",)  # type: ignore[union-attr]
    layers = store_layers(every, grid, ALL_FAMILIES)
    assert layers is not None and layers.searches == {}
    assert layers.families == (
        "weapons",
        "all-crime",
        "snap-points",
        "wards",
        "trend",
        "point-forecasts",
        "self-exciting",
        "nb-regression",
    )
    at = int(grid.position(np.array([[500_300.0, 200_300.0]]))[0])
    shop = int(grid.position(np.array([[501_600.0, 200_600.0]]))[0])
    assert layers.other["2025-01"][at] == 1 and layers.other["2025-01"][shop] == 1
    assert layers.weapons["2025-01"][at] == 1 and layers.other["2025-01"].sum() == 2
    assert layers.point_counts["2025-01"].tolist() == [3.0]
    # Alpha (west) holds the first cell, Bravo (east) the second: two different wards.
    assert layers.cell_ward[at] >= 0 and layers.cell_ward[shop] >= 0
    assert layers.cell_ward[at] != layers.cell_ward[shop]
    assert store_layers(every, grid, ()) is None
    with pytest.raises(ValueError, match="families"):
        store_layers(every, grid, ("tea leaves",))
    # The next month's forecast (patrol plan, map) uses the back-test's default: none.
    assert next_month(every, "2025-01").info["features"] == []
    assert next_month(drugs_only, "2025-01").info["features"] == []
    # The back-test states the families it used.
    xy = np.array([[500_300.0, 200_300.0]] * 3)
    result = backtest(xy, ["2025-01"] * 3, grid, methods=("grid",), ks=(1,), features=layers)
    assert result.settings["forecast_features"] == list(layers.families)


def test_cli_names_the_families_it_used(
    tmp_path: Path, toy_boundaries: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    wards_path, area_path = toy_boundaries
    paths = []
    for month in ("2025-01", "2025-02", "2025-03"):
        rows = [street_row(f"D{month}{k}", 500_300, 200_300, month=month) for k in range(3)]
        rows += [street_row(f"T{month}", 501_600, 200_600, month=month, crime_type="Burglary")]
        path = tmp_path / f"{month}-toyshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
        paths.append(path)
    store = Store(tmp_path / "store")
    wards, area = read_wards(wards_path), read_force_area(area_path)
    ingest(paths, wards=wards, force_area=area, store=store, all_crime_types=True)
    out = tmp_path / "f.json"
    args = ["evaluate", "--methods", "forecast", "grid", "--k", "1", "--json", str(out)]
    args += ["--store", str(store.path)]
    assert main(args) == 0
    assert json.loads(out.read_text())["settings"]["forecast_features"] == []  # the default
    capsys.readouterr()
    assert main([*args, "--forecast-features", "all-crime", "searches"]) == 0
    assert "from the store's other layers: all-crime" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["settings"]["forecast_features"] == ["all-crime"]
    assert {r["info"]["features"][0] for r in data["rows"] if r["method"] == "forecast"} == {
        "all-crime"
    }
    assert main([*args, "--forecast-features", "none"]) == 0
    assert json.loads(out.read_text())["settings"]["forecast_features"] == []
    assert "none" in capsys.readouterr().out


def test_cli_says_the_families_are_off_by_default_not_that_the_store_lacks_them(
    tmp_path: Path, toy_boundaries: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Merseyside walkthrough: with the families off by default the back-test said "none (or
    the store holds drug offences only)". Off by default says so and names the option; the
    drug-offences-only wording is kept for families asked for that none could be used."""
    wards_path, area_path = toy_boundaries
    paths = []
    for month in ("2025-01", "2025-02", "2025-03"):
        rows = [street_row(f"D{month}{k}", 500_300, 200_300, month=month) for k in range(3)]
        path = tmp_path / f"{month}-toyshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
        paths.append(path)
    store = Store(tmp_path / "store")
    ingest(paths, wards=read_wards(wards_path), force_area=read_force_area(area_path), store=store)
    args = ["evaluate", "--methods", "forecast", "--k", "1", "--store", str(store.path)]
    capsys.readouterr()
    assert main(args) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "other layers" in s)
    assert "off by default" in line and "--forecast-features" in line
    assert "drug offences only" not in line
    assert main([*args, "--forecast-features", "all-crime"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "other layers" in s)
    assert "drug offences only" in line and "all-crime" in line
    assert "off by default" not in line
