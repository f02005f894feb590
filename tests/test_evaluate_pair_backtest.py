"""The nested parameter choice's one-pass back-test of every DBSCAN pair
(:func:`hotspots.evaluate.pair_backtest.pair_pais`) gives each pair's PAI exactly as a
back-test of that pair alone (:func:`hotspots.evaluate.backtest.backtest`) does."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.evaluate import Grid, backtest
from hotspots.evaluate.advice import EPS_VALUES_M, MIN_SAMPLES_VALUES, advice_coverage
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.grid import CELL_M
from hotspots.evaluate.methods import MethodOptions, hotspot_tiers, score_dbscan
from hotspots.evaluate.metrics import coverage_measures, coverage_pai
from hotspots.evaluate.nested_advice import nested_parameters
from hotspots.evaluate.pair_backtest import pair_pais
from hotspots.store import Store
from hotspots.summary import hotspot_polygons

PAIRS = [(e, m) for e in EPS_VALUES_M for m in MIN_SAMPLES_VALUES]


def _one_by_one(xy: np.ndarray, months: np.ndarray, grid: Grid, coverage: float) -> dict:
    """What the nested choice read before: one back-test per pair, its rows at ``coverage``."""
    out = {}
    for eps, ms in PAIRS:
        rows = backtest(
            xy,
            months,
            grid,
            methods=("dbscan",),
            ks=(3,),
            coverages=(coverage,),
            curve_coverages=(),
            options=MethodOptions(eps_m=eps, min_samples=ms),
        ).rows
        at = rows[rows["coverage_label"] != "hotspot area"]
        out[(eps, ms)] = at.set_index("test_month")["pai"].astype(float)
    return out


def test_every_pair_as_its_own_backtest_on_the_demo_store(demo_store: Store) -> None:
    grid = Grid.over(demo_store.load_boundary("force_area"), CELL_M)
    xy, months = drug_offences(demo_store)
    keep = np.asarray(months).astype(str) <= "2025-07"  # 4 test months keep the test short
    xy, months = xy[keep], np.asarray(months)[keep]
    coverage = advice_coverage(grid)
    fast = pair_pais(xy, months, grid, PAIRS, k=3, coverage=coverage)
    slow = _one_by_one(xy, months, grid, coverage)
    assert list(fast) == PAIRS
    for pair in PAIRS:
        pd.testing.assert_series_equal(fast[pair], slow[pair], check_exact=True)
    assert list(fast[PAIRS[0]].index) == ["2025-04", "2025-05", "2025-06", "2025-07"]
    # The pairs do differ (else the test would not tell shared work from mixed-up pairs).
    assert len({tuple(s.round(9)) for s in fast.values()}) > 5


@pytest.fixture(scope="module")
def square() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 2_000, 2_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def test_a_month_without_offences_in_the_area_and_points_outside(square: Grid) -> None:
    """Offences outside the grid are left out but keep their month held; a test month with no
    offence in the study area has a NaN PAI (no N), as in the back-test."""
    rng = np.random.default_rng(5)
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    xy, labels = [], []
    for m in months:
        inside = m != "2025-04"
        block = np.vstack(
            [np.repeat([[1_010.0, 1_020.0]], 12, axis=0), rng.uniform(0, 2_000, (15, 2))]
        )
        if not inside:
            block = block + 10_000.0  # all outside the grid
        xy.append(block)
        labels += [m] * len(block)
    xy_all, months_all = np.vstack(xy), np.array(labels)
    fast = pair_pais(xy_all, months_all, square, PAIRS, k=3, coverage=0.05)
    slow = _one_by_one(xy_all, months_all, square, 0.05)
    for pair in PAIRS:
        pd.testing.assert_series_equal(fast[pair], slow[pair], check_exact=True)
    assert list(fast[PAIRS[0]].index) == ["2025-04", "2025-05"]
    assert math.isnan(fast[PAIRS[0]]["2025-04"])
    assert not math.isnan(fast[PAIRS[0]]["2025-05"])


def test_no_test_month_gives_empty_series(square: Grid) -> None:
    xy = np.array([[100.0, 100.0], [200.0, 200.0]])
    fast = pair_pais(xy, ["2025-01", "2025-02"], square, PAIRS[:2], k=3, coverage=0.05)
    assert list(fast) == PAIRS[:2] and all(s.empty for s in fast.values())


def test_coverage_pai_is_the_pai_of_coverage_measures() -> None:
    rng = np.random.default_rng(9)
    score = rng.integers(0, 6, 400).astype(float)  # many ties at the limit
    score[:7] = np.nan
    test = rng.integers(0, 4, 400).astype(float)
    fit = rng.integers(0, 4, 400).astype(float)
    for coverage in (0.01, 0.0333, 0.2, 1.0):
        want = coverage_measures(score, fit, test, coverage, 62_500.0)["pai"]
        assert coverage_pai(score, test, coverage) == want
    assert math.isnan(coverage_pai(score, np.zeros(400), 0.1))
    with pytest.raises(ValueError, match="coverage"):
        coverage_pai(score, test, 0.0)


def test_hotspot_tiers_drawn_once_are_the_polygons_cells(demo_store: Store) -> None:
    """The cells and area kept for a hotspot's members (reused by later pairs) are those of
    :func:`hotspot_polygons`, and a second pass reading them gives the same tiers."""
    grid = Grid.over(demo_store.load_boundary("force_area"), CELL_M)
    xy, months = drug_offences(demo_store)
    xy = xy[np.isin(np.asarray(months).astype(str), ["2025-01", "2025-02", "2025-03"])]
    scored = score_dbscan(grid, xy, 3, MethodOptions())
    from hotspots.cluster import DetectorCore

    detector = DetectorCore("auto", "auto", n_months=3).fit(xy)
    assert detector.n_hotspots_ >= 3
    known: dict = {}
    tier, area = hotspot_tiers(grid, xy, detector.labels_, detector.n_hotspots_, 50.0, known)
    assert len(known) == detector.n_hotspots_
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:27700")
    polygons = hotspot_polygons(points, detector.labels_, buffer_m=50.0)
    assert area == float(polygons.area.sum())
    want = np.zeros(grid.n_cells)
    for rank, cells in zip(polygons.index, grid.covering(polygons.to_numpy()), strict=True):
        want[cells] = np.maximum(want[cells], detector.n_hotspots_ - int(rank))
    np.testing.assert_array_equal(tier, want)
    again, area_again = hotspot_tiers(grid, xy, detector.labels_, detector.n_hotspots_, 50.0, known)
    np.testing.assert_array_equal(again, tier)
    assert area_again == area
    assert scored.info["hotspot_area_km2"] == area / 1e6


def test_hotspots_drawn_only_until_the_selection_is_reached() -> None:
    """With ``enough_cells``, only the best-ranked hotspots are drawn, and a selection of at
    most that many cells (weights, ties at the limit) is the one the full tiers give. World:
    30 stacks of 6..35 offences (one per hotspot, ranked by size) 1 km apart, with scattered
    offences for a density everywhere."""
    from hotspots.cluster import DetectorCore
    from hotspots.evaluate.methods import dbscan_score, score_kde
    from hotspots.evaluate.metrics import selection_weights

    area = gpd.GeoDataFrame(geometry=[box(0, 0, 6_000, 5_000)], crs="EPSG:27700")
    grid = Grid.over(area, 250)
    rng = np.random.default_rng(3)
    stacks = [
        np.repeat([[500.0 + 1_000 * (i % 6) + 60, 500.0 + 1_000 * (i // 6) + 30]], 6 + i, 0)
        for i in range(30)
    ]
    xy = np.vstack([*stacks, rng.uniform([0, 0], [6_000, 5_000], (300, 2))])
    detector = DetectorCore(50.0, 6, n_months=3).fit(xy)
    n_hot = detector.n_hotspots_
    density = score_kde(grid, xy, 3, MethodOptions()).score
    full, _ = hotspot_tiers(grid, xy, detector.labels_, n_hot, 50.0)
    enough = 6
    drawn: dict = {}
    part, _ = hotspot_tiers(grid, xy, detector.labels_, n_hot, 50.0, drawn, enough_cells=enough)
    assert n_hot >= 30 and len(drawn) == 8  # one batch of 8 reached 6 cells: 22+ left undrawn
    assert np.count_nonzero(part) >= enough
    for n_chosen in (1, 2.5, 5.2, 6):
        np.testing.assert_array_equal(
            selection_weights(dbscan_score(part, density), n_chosen),
            selection_weights(dbscan_score(full, density), n_chosen),
        )
    # A bigger selection would differ: the check above can fail.
    big = float(np.count_nonzero(full))
    assert not np.array_equal(
        selection_weights(dbscan_score(part, density), big),
        selection_weights(dbscan_score(full, density), big),
    )


def test_offences_and_months_of_different_lengths_are_refused_by_both_back_tests() -> None:
    grid = Grid.over(gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=27700), CELL_M)
    xy = np.array([[100.0, 100.0], [200.0, 200.0]])
    with pytest.raises(ValueError, match="months has 1 values; xy has 2 points"):
        backtest(xy, ["2025-01"], grid, methods=("grid",), ks=(1,))
    with pytest.raises(ValueError, match="months has 1 values; xy has 2 points"):
        pair_pais(xy, ["2025-01"], grid, [(100.0, 2)], k=1, coverage=0.01)


def test_a_held_month_without_drug_offences_is_zero_not_a_gap() -> None:
    """The back-test's rule for held months (``runs.test_windows``), by hand: January to June
    held, no drug offence in March. Fitting on k = 2 months, without the held months March is
    a gap, so only June can be tested (the run April-June); with them March is a month of
    zeros that fits span, not a test month (nothing to find): April (fit on February and
    March), May and June are tested, each pair's PAI the back-test's own, and the nested choice
    reads the same months."""
    grid = Grid.over(
        gpd.GeoDataFrame(geometry=[box(500_000, 200_000, 503_000, 203_000)], crs="EPSG:27700"),
        CELL_M,
    )
    rng = np.random.default_rng(3)
    held = [f"2025-{m:02d}" for m in range(1, 7)]
    xy, months = [], []
    for month in held:
        if month == "2025-03":
            continue
        pts = np.vstack(
            [np.full((20, 2), [501_125.0, 201_875.0]), rng.uniform(500_000, 503_000, (20, 2))]
        )
        xy.append(pts)
        months += [month] * len(pts)
    xy_arr, month_arr = np.vstack(xy), np.array(months)
    pairs = [(50.0, 10), ("auto", "auto")]
    coverage = 0.01
    gap = pair_pais(xy_arr, month_arr, grid, pairs, k=2, coverage=coverage)
    assert list(gap[pairs[0]].index) == ["2025-06"]
    zero = pair_pais(xy_arr, month_arr, grid, pairs, k=2, coverage=coverage, held_months=held)
    for eps, ms in pairs:
        assert list(zero[(eps, ms)].index) == ["2025-04", "2025-05", "2025-06"]
        rows = backtest(
            xy_arr,
            month_arr,
            grid,
            methods=("dbscan",),
            ks=(2,),
            coverages=(coverage,),
            curve_coverages=(),
            options=MethodOptions(eps_m=eps, min_samples=ms),
            held_months=held,
        ).rows
        at = rows[rows["coverage_label"] != "hotspot area"].set_index("test_month")["pai"]
        pd.testing.assert_series_equal(zero[(eps, ms)], at.astype(float), check_names=False)
    advice = nested_parameters(
        xy_arr,
        month_arr,
        grid,
        eps_values=(50.0,),
        min_samples_values=(10,),
        k=2,
        min_inner_months=1,
        held_months=held,
    )
    assert advice.months["test_month"].tolist() == ["2025-05", "2025-06"]  # one earlier month
