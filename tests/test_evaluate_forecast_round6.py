"""Round 6's candidate families (docs/forecast.md, *Round 6*), worked out by hand.

- snap-point level forecasts summed into cells (hotspots/evaluate/forecast/point_level.py);
- the self-exciting point process fitted by EM (hotspots/evaluate/forecast/self_exciting.py);
- the pooled negative-binomial regression (hotspots/evaluate/forecast/count_regression.py);
- neither reads the test month or later (mutate them: the forecast does not change).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from scipy import optimize
from shapely.geometry import box

from hotspots.evaluate import Grid
from hotspots.evaluate.forecast import Forecaster
from hotspots.evaluate.forecast.count_regression import (
    fit_nb,
    nb_regression_candidate,
    negative_log_likelihood,
)
from hotspots.evaluate.forecast.point_level import MAX_POINT_STRENGTH_MONTHS, point_level_candidates
from hotspots.evaluate.forecast.self_exciting import (
    fit,
    lag_weights,
    self_exciting_candidates,
    trigger_field,
)
from hotspots.evaluate.forecast_features import FeatureLayers

X0, Y0 = 500_000.0, 200_000.0


def _unchanged(values: np.ndarray, sd_m: float) -> np.ndarray:
    """No smoothing (the hand-worked answers below need none)."""
    return values


def test_point_level_candidates_worked_out_by_hand() -> None:
    # Points p0, p1 in cell 0, p2 in cell 1, p3 in cell 2 (no offence in the history: it does
    # not exist for the forecast, not even through the shrinkage's prior).
    points = np.array(
        [
            [2.0, 0.0, 0.0, 0.0],  # month 1 (oldest)
            [0.0, 1.0, 1.0, 0.0],  # month 2
            [3.0, 1.0, 0.0, 0.0],  # month 3
        ]
    )
    cell = np.array([0, 0, 1, 2])
    labels = {1.0: "1", math.inf: "inf"}
    out = point_level_candidates(points, cell, 3, (1.0, math.inf), labels, 12)
    # Persistence: p0 2 of 3 months, p1 2/3, p2 1/3; long-run rates 5/3, 2/3, 1/3.
    assert np.allclose(
        out["points persist x rate h=inf"], [2 / 3 * 5 / 3 + 2 / 3 * 2 / 3, 1 / 9, 0]
    )
    # h=1: weights 0.25, 0.5, 1 (sum 1.75): p0 (0.5 + 3) / 1.75 = 2, p1 1.5 / 1.75 = 6/7.
    assert np.allclose(
        out["points persist x rate h=1"], [2 / 3 * 2 + 2 / 3 * 6 / 7, 1 / 3 * 0.5 / 1.75, 0]
    )
    # Months with an offence per point: 2/3 + 2/3 in cell 0 (its 7 records count 4 times).
    assert np.allclose(out["point-months h=inf"], [4 / 3, 1 / 3, 0])
    # Shrinkage: m = 8/9, var = 26/81, Poisson part m / n_eff = 8/27 = 24/81, so
    # b = (8/9) / (2/81) = 36 months; each point (3 r + 36 * 8/9) / 39.
    assert np.allclose(out["points eb h=inf"], [(5 + 32 + 2 + 32) / 39, (1 + 32) / 39, 0])


def test_point_shrinkage_is_capped_when_the_points_vary_no_more_than_poisson() -> None:
    points = np.array([[1.0, 1.0], [1.0, 1.0]])  # every point the same rate: variance 0
    out = point_level_candidates(points, np.array([0, 1]), 2, (math.inf,), {math.inf: "inf"}, 12)
    b = MAX_POINT_STRENGTH_MONTHS
    assert np.allclose(out["points eb h=inf"], [(2 * 1 + b * 1) / (2 + b)] * 2)


def test_self_exciting_pieces_by_hand() -> None:
    assert np.allclose(lag_weights(3, 0.5), [0.5, 0.25, 0.125])
    spread = np.array([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0]])  # oldest first
    # 0.5 x the last month + 0.25 x the one before + 0.125 x the first.
    assert np.allclose(trigger_field(spread, 3, 0.5), [0.5 * 4 + 0.125 * 1, 0.25 * 2])


def test_self_exciting_em_worked_out_by_hand() -> None:
    # One cell, 2 then 4 offences. Start: mu = 4 / 2 = 2, theta = 0.5, a = 0.5.
    series = np.array([[2.0], [4.0]])
    background = np.array([1.0])
    # Step 1: triggered 0.5 x 0.5 x 2 = 0.5, lambda 2.5: background share 4 x 2 / 2.5 = 3.2,
    # triggered 0.8 of an exposure 0.5 x 2 = 1; the mean lag 1, so a = 0.
    one = fit(series, series, background, iterations_at_most=1)
    assert (one.mu, one.theta, one.a) == pytest.approx((3.2, 0.8, 0.0))
    # Step 2 (a = 0: the weight of lag 1 is 1): triggered 0.8 x 2 = 1.6, lambda 4.8:
    # mu = 4 x 3.2 / 4.8 = 8/3, theta = (4 x 1.6 / 4.8) / 2 = 2/3; then nothing moves.
    two = fit(series, series, background, iterations_at_most=2)
    assert (two.mu, two.theta, two.a) == pytest.approx((8 / 3, 2 / 3, 0.0))
    out, fits = self_exciting_candidates(series, _unchanged, (0.0,))
    assert fits["self-exciting s=0 m"].iterations == 3
    # Next month: mu + theta x (1 x 4 + 0 x 2) = 8/3 + 8/3.
    assert out["self-exciting s=0 m"] == pytest.approx([16 / 3])


def test_self_exciting_needs_two_months_and_an_offence_to_fit() -> None:
    assert self_exciting_candidates(np.array([[3.0, 1.0]]), _unchanged) == ({}, {})
    assert self_exciting_candidates(np.array([[3.0, 1.0], [0.0, 0.0]]), _unchanged) == ({}, {})


def _world() -> tuple[Grid, np.ndarray, np.ndarray, np.ndarray]:
    """Six months on a 3 km square: a steady place (6 a month at two snap points), a place
    that starts in April, and 20 offences spread at random (seeded)."""
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    grid = Grid.over(area, 250)
    rng = np.random.default_rng(7)
    xy, months = [], []
    for i in range(1, 7):
        m = f"2025-{i:02d}"
        block = [[X0 + 100, Y0 + 100]] * 4 + [[X0 + 200, Y0 + 150]] * 2
        if i >= 4:
            block += [[X0 + 1_600, Y0 + 2_100]] * 3
        rand = rng.uniform([X0, Y0], [X0 + 3_000, Y0 + 3_000], (20, 2)).tolist()
        xy += block + rand
        months += [m] * (len(block) + len(rand))
    return grid, np.array(xy), np.array(months), np.array(["Drugs"] * len(xy))


def _forecaster(grid: Grid, xy: np.ndarray, months: np.ndarray, cats: np.ndarray) -> Forecaster:
    counts = {m: grid.counts(xy[months == m]) for m in sorted(set(months))}
    families = ("point-forecasts", "self-exciting", "nb-regression")
    layers = FeatureLayers.build(grid, xy, months, cats, None, None, families)
    return Forecaster(grid, counts, features=layers)


def test_no_look_ahead_with_the_round_6_families() -> None:
    grid, xy, months, cats = _world()
    test = "2025-05"
    clean = _forecaster(grid, xy, months, cats)
    before = clean.forecast(test)
    names = clean.candidates(test)
    assert any(n.startswith("self-exciting") for n in names)
    assert any(n.startswith("points eb") for n in names)
    assert "nb regression" in names
    moved = xy.copy()
    moved[months >= test] = [X0 + 2_900.0, Y0 + 2_900.0]  # the test month and later moved
    forecaster = _forecaster(grid, moved, months, cats)
    for m in ("2025-06", "2025-05"):  # a later month first must not leak either
        forecaster.forecast(m)
    after = forecaster.forecast(test)
    assert np.array_equal(before.score, after.score) and before.info == after.info
    for name, values in forecaster.candidates(test).items():
        assert np.array_equal(values, names[name]), name
    # The mutation is seen where it may be: the month after it.
    assert not np.array_equal(clean.forecast("2025-06").score, forecaster.forecast("2025-06").score)


def test_nb_with_a_constant_only_fits_the_sample_mean() -> None:
    # With only a constant, NB2's maximum-likelihood mean is the sample mean: (0+2+4+10)/4 = 4.
    y = np.array([0.0, 2.0, 4.0, 10.0])
    params = fit_nb(np.ones((4, 1)), y)
    assert math.exp(params[0]) == pytest.approx(4.0, rel=1e-4)
    # Overdispersed (variance 14 > mean 4): alpha > 0, so log alpha is finite and the fit is
    # not the Poisson limit.
    assert -5 < params[1] < 5


def test_nb_gradient_equals_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(50), rng.uniform(0, 2, 50), rng.uniform(0, 1, 50)])
    y = rng.poisson(np.exp(0.3 + 0.5 * x[:, 1]) * rng.gamma(2.0, 0.5, 50)).astype(float)
    at = np.array([0.2, 0.4, -0.1, -0.5])
    error = optimize.check_grad(
        lambda p: negative_log_likelihood(p, x, y)[0],
        lambda p: negative_log_likelihood(p, x, y)[1],
        at,
    )
    assert error < 1e-4 * np.linalg.norm(negative_log_likelihood(at, x, y)[1])


def test_nb_regression_needs_two_months_and_scores_0_out_of_reach() -> None:
    one = np.array([[1.0, 0.0, 0.0, 0.0]])
    assert nb_regression_candidate(one, _unchanged) == {}
    series = np.array([[2.0, 0.0, 1.0, 0.0], [3.0, 0.0, 1.0, 0.0], [2.0, 1.0, 0.0, 0.0]])
    out = nb_regression_candidate(series, _unchanged)["nb regression"]
    assert out[3] == 0.0  # no offence there in the history (and no smoothing): out of reach
    assert np.all(out[:3] > 0)  # within reach: a fitted mean, positive
