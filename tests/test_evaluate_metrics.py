"""Forecast measures and the evaluation grid, against hand-worked answers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from hotspots.evaluate.grid import Grid
from hotspots.evaluate.methods import MethodOptions, score_gi, score_kde
from hotspots.evaluate.metrics import (
    FORMULAS,
    coverage_measures,
    oracle_hits,
    selection_weights,
)


def _area(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(geoms), crs="EPSG:27700")


def test_ties_at_the_limit_share_the_remaining_area() -> None:
    # Two cells chosen: the 3 for sure, then one of the two 2s: each counts half.
    np.testing.assert_allclose(selection_weights(np.array([3.0, 2, 2, 1]), 2), [1, 0.5, 0.5, 0])
    np.testing.assert_allclose(selection_weights(np.array([1.0, 1, 1, 1]), 1), [0.25] * 4)
    np.testing.assert_allclose(selection_weights(np.array([5.0, 4, 3]), 1.5), [1, 0.5, 0])
    assert selection_weights(np.array([1.0, 2.0]), 0).sum() == 0
    with pytest.raises(ValueError, match=r"expected 0\.\.2"):
        selection_weights(np.array([1.0, 2.0]), 3)


def test_oracle_takes_the_busiest_cells() -> None:
    assert oracle_hits(np.array([1.0, 7, 0, 3]), 2) == 10
    assert oracle_hits(np.array([1.0, 7, 0, 3]), 2.5) == 10.5


def test_hand_worked_measures() -> None:
    # 10 cells of 1 km²; coverage 20% = 2 cells. Fit: cells 0 and 1 hold 8 of 10 offences.
    # Test: 20 offences, 10 in cell 0, 2 in cell 1, 8 in cell 5.
    score = np.array([9.0, 8, 0, 0, 0, 1, 0, 0, 0, 0])
    fit = np.array([5.0, 3, 0, 0, 0, 2, 0, 0, 0, 0])
    test = np.array([10.0, 2, 0, 0, 0, 8, 0, 0, 0, 0])
    m = coverage_measures(score, fit, test, 0.2, 1e6)
    assert m["n"] == 12 and m["N"] == 20 and m["a_km2"] == 2 and m["A_km2"] == 10
    assert m["hit_rate"] == pytest.approx(0.6)
    assert m["pai"] == pytest.approx(0.6 / 0.2)  # 3
    assert m["n_star"] == 18 and m["pei"] == pytest.approx(12 / 18)
    # PAI in the fit period: (8/10) / 0.2 = 4, so RRI = 3 / 4.
    assert m["rri"] == pytest.approx(0.75)
    assert m["search_efficiency_per_km2"] == pytest.approx(6.0)


@pytest.mark.parametrize("coverage", [0.01, 0.02, 0.05])
def test_pai_of_a_perfect_forecast_is_its_analytic_value(coverage: float) -> None:
    # All test offences in 5 of 1,000 cells; any coverage holding those 5 cells captures all
    # of them, so hit rate = 1 and PAI = 1 / coverage; PEI = 1.
    rng = np.random.default_rng(1)
    test = np.zeros(1000)
    test[rng.choice(1000, 5, replace=False)] = rng.integers(1, 20, 5)
    m = coverage_measures(test, test, test, coverage, 250.0**2)
    assert m["hit_rate"] == 1.0
    assert m["pai"] == pytest.approx(1 / coverage)
    assert m["pei"] == 1.0
    # A forecast that knows nothing (all scores equal) expects PAI 1.
    flat = coverage_measures(np.zeros(1000), test, test, coverage, 1.0)
    assert flat["pai"] == pytest.approx(1.0)


def test_measures_are_stated_with_their_formulas() -> None:
    assert FORMULAS["pai"].startswith("(n / N) / (a / A)")
    assert FORMULAS["rri"].startswith("PAI_T2 / PAI_T1")
    assert FORMULAS["pei"].startswith("n / n*")
    assert FORMULAS["hit_rate"] == "n / N"


def test_grid_origin_is_floored_to_the_kilometre_and_covers_the_area() -> None:
    grid = Grid.over(_area(box(500300, 200700, 502000, 201500)), 250)
    assert (grid.origin_x_m, grid.origin_y_m) == (500000, 200000)
    assert (grid.nx, grid.ny) == (8, 6)
    # Study cells: centre inside, or the boundary crosses the cell: columns 1..7, rows 2..5.
    assert grid.n_cells == 7 * 4
    assert grid.area_m2 == 28 * 62_500
    assert grid.position(np.array([[500310.0, 200710.0], [500100.0, 200100.0]])).tolist() == [0, -1]
    facts = grid.describe()
    assert facts["origin_rule"] == "force-area bounds floored to 1 km" and facts["cell_m"] == 250


def test_grid_keeps_cells_the_boundary_crosses() -> None:
    # A thin triangle: some cells it crosses have their centre outside it.
    tri = Polygon([(500000, 200000), (501000, 200000), (501000, 200100)])
    grid = Grid.over(_area(tri), 250)
    assert grid.n_cells == 4  # the bottom row, none with its centre inside
    pts = np.array([[500900.0, 200050.0], [500500.0, 200010.0]])
    assert (grid.position(pts) >= 0).all()
    with pytest.raises(ValueError, match="expected metres > 0"):
        Grid.over(_area(tri), 0)
    with pytest.raises(ValueError, match="must be in EPSG:27700"):
        Grid.over(_area(tri).set_crs(4326, allow_override=True), 250)


def test_grid_covering_finds_cells_a_polygon_overlaps() -> None:
    grid = Grid.over(_area(box(500000, 200000, 501000, 201000)), 250)
    cells = grid.covering(
        [box(500200, 200200, 500300, 200300), box(500010, 200010, 500020, 200020)]
    )
    assert sorted(cells[0].tolist()) == [0, 1, 4, 5]
    assert cells[1].tolist() == [0]


def test_kde_peaks_on_the_offences_and_is_symmetric() -> None:
    grid = Grid.over(_area(box(500000, 200000, 502500, 202500)), 250)
    xy = np.array([[501125.0, 201125.0]] * 4)  # centre of cell (4, 4)
    kde = grid.raster(score_kde(grid, xy, 1, MethodOptions(bandwidth_m=250)).score)
    assert np.unravel_index(np.argmax(kde), kde.shape) == (4, 4)
    assert kde[4, 3] == pytest.approx(kde[4, 5]) == pytest.approx(kde[3, 4])
    assert kde.sum() == pytest.approx(4, rel=1e-3)  # mass kept away from the edges


def test_gi_star_matches_a_direct_computation() -> None:
    grid = Grid.over(_area(box(500000, 200000, 501250, 201000)), 250)  # 5 x 4 cells
    rng = np.random.default_rng(3)
    xy = np.column_stack([rng.uniform(500000, 501250, 60), rng.uniform(200000, 201000, 60)])
    z = grid.raster(score_gi(grid, xy, 1, MethodOptions()).score)
    x = grid.raster(grid.counts(xy))
    n = x.size
    mean, s = x.mean(), math.sqrt((x**2).mean() - x.mean() ** 2)
    for r in range(4):
        for c in range(5):
            block = x[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2]
            w = block.size
            want = (block.sum() - mean * w) / (s * math.sqrt((n * w - w * w) / (n - 1)))
            assert z[r, c] == pytest.approx(want)


def test_partial_sorts_match_the_full_sort_definitions() -> None:
    """selection_weights and oracle_hits (partial sorts) against the sorted-order definitions,
    on counts with many ties and fractional numbers of cells."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        score = rng.integers(0, 5, n).astype(float)
        counts = rng.integers(0, 4, n).astype(float)
        n_chosen = float(rng.uniform(0, n))
        top = np.sort(counts)[::-1]
        whole = int(np.floor(n_chosen))
        want = top[:whole].sum() + ((n_chosen - whole) * top[whole] if whole < n else 0.0)
        assert oracle_hits(counts, n_chosen) == want
        limit = np.sort(score)[::-1][min(n - 1, int(np.ceil(n_chosen)) - 1)] if n_chosen else None
        w = selection_weights(score, n_chosen)
        assert w.sum() == pytest.approx(n_chosen)
        if limit is not None:
            assert (w[score > limit] == 1).all() and (w[score < limit] == 0).all()
