"""The forecast computes only the cells within reach of an offence, with the same results.

:mod:`hotspots.evaluate.forecast.support`: every smoothing kernel is truncated at 4 sd, so a
cell further than the widest kernel's reach (500 m bandwidth: 8 cells of 250 m) from every
offence is 0 in every candidate; the forecast works on the other cells only.

The worlds, by hand (250 m cells, 8 rows):

- the town: 8 x 16 cells (2 x 4 km). Cell A (row 3, column 1) has 5 offences every month,
  cell B (row 5, column 2) 2, cell C (row 1, column 7) 1 in the months 2, 4, 6 and 8. Every
  cell is within 8 cells of one of them (C's reach ends at column 15, the town's edge), so
  nothing is left out there, and no kernel of the town reaches past its edge.
- the town with a far empty region: the same town at the west end of 8 x 256 cells (64 km).
  The support is the town's 8 x 16 = 128 cells of 2,048, one part of the reach, smoothed in
  its own box (128 + 1,000 cells' cost < 2,048).

With target coverages of 1 and 2 cells in both (1/128 and 2/128 of the town, 1/2048 and 2/2048
of the long force: powers of two, so the same cells exactly), every PAI of the long force is
2048 / 128 = 16 times the town's (the same hits over an area 16 times smaller share), so the
nested choice is the same, and so is the forecast on the town's cells (to rounding: the sums
over cells of the shrinkage add more zeros); every other cell is 0. (Every candidate is
positive at A and B, so the limit at 1 or 2 cells is never the tied zeros, whose share of an
offence at C would differ: 125 tied cells in the town, 2,045 in the long force.)
A leads every candidate, so the top cell is A: PAI at one cell of the long force
(5 / 8 or 5 / 7) x 2048 in every month.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from hotspots.evaluate import Grid
from hotspots.evaluate.forecast import Forecaster, ForecastOptions, MonthCounts, pai_at
from hotspots.evaluate.forecast.ranks import ranks_above_lowest, scaled_ranks
from hotspots.evaluate.forecast.smoothing import StoredMonths
from hotspots.evaluate.forecast.support import Support
from hotspots.evaluate.forecast.tiers import tiered_score
from hotspots.evaluate.metrics import coverage_measures
from hotspots.periods import add_months

X0, Y0, CELL = 500_000.0, 200_000.0, 250.0
MONTHS = [add_months("2025-01", i) for i in range(8)]


def _grid(columns: int) -> Grid:
    area = box(X0, Y0, X0 + columns * CELL, Y0 + 8 * CELL)
    return Grid.over(gpd.GeoDataFrame(geometry=[area], crs="EPSG:27700"), CELL)


def _point(row: int, col: int) -> tuple[float, float]:
    return (X0 + (col + 0.5) * CELL, Y0 + (row + 0.5) * CELL)


def _counts(grid: Grid) -> dict[str, np.ndarray]:
    out = {}
    for i, month in enumerate(MONTHS):
        pts = [_point(3, 1)] * 5 + [_point(5, 2)] * 2 + ([_point(1, 7)] if i % 2 else [])
        out[month] = grid.counts(np.array(pts))
    return out


def test_a_far_empty_region_leaves_the_forecast_of_the_town_unchanged() -> None:
    town, long = _grid(16), _grid(256)
    assert (town.n_cells, long.n_cells) == (128, 2048)
    options = ForecastOptions(target_coverages=(1 / 128, 2 / 128))
    fc_town = Forecaster(town, _counts(town), options)
    fc_long = Forecaster(
        long, _counts(long), ForecastOptions(target_coverages=(1 / 2048, 2 / 2048))
    )
    assert fc_town.support.full and fc_town.support.size == 128
    assert fc_long.support.size == 128 and not fc_long.support.full  # columns 0..15
    boxes = fc_long.support.boxes()
    assert boxes is not None and len(boxes) == 1  # one part of the reach, its own box
    # the town's cells in the long force's order (row * 256 + col -> row * 16 + col)
    rows, cols = np.divmod(np.asarray(long.cells), 256)
    in_town = cols < 16
    town_pos = rows[in_town] * 16 + cols[in_town]
    a = int(long.position(np.array([_point(3, 1)]))[0])
    for month in MONTHS[1:]:
        near, far = fc_town.forecast(month), fc_long.forecast(month)
        assert (
            far.info["chosen"]["0.0488281%"]["candidates"]
            == (near.info["chosen"]["0.78125%"]["candidates"])
        )
        for (c_near, got_near), (c_far, got_far) in zip(
            near.info["chosen"].items(), far.info["chosen"].items(), strict=True
        ):
            assert got_far["blend"] == got_near["blend"], (month, c_near, c_far)
            if got_near["best_inner_pai"] is not None:
                assert math.isclose(got_far["best_inner_pai"], 16 * got_near["best_inner_pai"])
        # the same scores on the town's cells (to rounding: the shrinkage sums more zeros),
        # exactly 0 beyond the reach, and A first
        assert np.allclose(far.score[in_town], near.score[town_pos], rtol=1e-12, atol=0)
        assert not far.score[~in_town].any()
        assert int(np.argmax(far.score)) == a
        total = 7 + (1 if MONTHS.index(month) % 2 else 0)
        actual = fc_long.counts[month]
        assert math.isclose(pai_at(far.score, actual, 1 / 2048), 5 / total * 2048)
    # the inner PAIs of the long force are the town's x 16, candidate by candidate
    for month in MONTHS[1:]:
        for name, pais in fc_town.inner_scores(month).items():
            far_pais = fc_long.inner_scores(month)[name]
            assert all(math.isclose(q, 16 * p) for p, q in zip(pais, far_pais, strict=True)), (
                month,
                name,
            )


def test_compact_arrays_score_rank_and_tier_as_the_whole_arrays() -> None:
    """PAIs, ranks and tiers of a compact array (the support's cells, the rest 0) equal the
    whole array's, ties at the end included: 20 cells, the support 6 of them."""
    n = 20
    cells = np.array([1, 4, 5, 9, 15, 18])
    support = Support(n, cells, cells)  # raster index unused here
    compact = np.array([3.0, 0.0, 1.0, 3.0, 0.5, 0.0])  # two zeros inside the support
    whole = support.expand(compact)
    actual = np.zeros(n)
    actual[[1, 5, 9, 18]] = [2, 1, 1, 3]  # 18: an offence in a cell scored 0
    actual_out = actual.copy()
    actual_out[0] = 4  # an offence outside the support: only the whole array can score it
    # by hand, 10 cells (50%): 4 cells above 0 (4 offences) and 6 of the 16 tied zeros
    # (3 offences at cell 18): hits 4 + 6/16 x 3, PAI (hits / 7) / 0.5
    hand = (4 + 6 / 16 * 3) / 7 / 0.5
    covs = (0.05, 0.1, 0.15, 0.5, 1.0)
    got = MonthCounts(actual, support).pais(compact, covs)
    assert math.isclose(got[3], hand)
    for cov, value in zip(covs, got, strict=True):
        assert value == pai_at(whole, actual, cov)
        assert value == coverage_measures(whole, actual, actual, cov, 1.0)["pai"]
    assert MonthCounts(actual_out).pais(whole, covs) == tuple(
        pai_at(whole, actual_out, c) for c in covs
    )
    # a compact array without a zero (a smoothed candidate): its lowest is still the 0 left out
    dense = np.array([3.0, 0.2, 1.0, 3.0, 0.5, 0.1])
    for values in (compact, dense):
        expanded = support.expand(values)
        got = MonthCounts(actual, support).pais(values, covs)
        assert got == tuple(pai_at(expanded, actual, c) for c in covs)
        where, ranks = ranks_above_lowest(values, n)
        out = np.zeros(len(values))
        out[where] = ranks
        assert np.array_equal(support.expand(out), scaled_ranks(expanded))
    # tiers: 5% (1 cell) from the first blend, 15% (3 cells) from the second, the rest last
    first = np.array([0.0, 0.0, 2.0, 1.0, 0.0, 0.0])
    tiers_compact = tiered_score([0.05, 0.15], [first, compact], n)
    tiers_whole = tiered_score([0.05, 0.15], [support.expand(first), whole], n)
    assert np.array_equal(support.expand(tiers_compact), tiers_whole)
    assert support.cell_sum(compact) == float(whole.sum())


def test_smoothing_each_part_of_the_reach_in_its_box_is_the_whole_raster_smoothing() -> None:
    """Two towns far apart on a 8 x 512 force (columns 0..7 and 200..203): two parts of the
    reach (columns 0..15 and 192..211), each smoothed in its own box; the same numbers bit for
    bit as smoothing the whole raster, 0 elsewhere."""
    grid = _grid(512)
    rng = np.random.default_rng(5)
    counts = {}
    for month in MONTHS:
        pts = [_point(int(r), int(c)) for r, c in rng.integers(0, 8, (30, 2))]
        pts += [_point(int(r), 200 + int(c)) for r, c in rng.integers(0, 4, (10, 2))]
        counts[month] = grid.counts(np.array(pts))
    support = Support.within_reach(grid, counts.values(), (0.0, 125.0, 250.0, 500.0))
    assert support.size == 8 * (16 + 20)
    boxes = support.boxes()
    assert boxes is not None and len(boxes) == 2
    parts, whole = StoredMonths(grid, counts, support), StoredMonths(grid, counts)
    outside = np.setdiff1d(np.arange(grid.n_cells), support.cells)
    for month in MONTHS:
        for bandwidth_m in (125.0, 250.0, 500.0):
            full = whole.smooth(counts[month], bandwidth_m)
            got = parts.smooth(support.compact(counts[month]), bandwidth_m)
            assert np.array_equal(got, full[support.cells])
            assert not full[outside].any()
