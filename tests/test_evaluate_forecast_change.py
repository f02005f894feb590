"""Round 4 of the forecast (issue 15): the scoring is the same for every side, the change rule
and the inner months' likeness (options), worked out by hand, with no look-ahead."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.cli import main
from hotspots.evaluate import Grid
from hotspots.evaluate.forecast import Forecaster, ForecastOptions
from hotspots.evaluate.forecast.change_point import (
    CHANGE_Z,
    change_z,
    is_short_memory,
    likeness,
)
from hotspots.evaluate.forecast.inner_ranking import by_centre
from hotspots.evaluate.forecast.tiers import tiered_score
from hotspots.evaluate.metrics import coverage_measures, selection_weights

X0, Y0 = 500_000.0, 200_000.0
MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]
HOT = (X0 + 1_125.0, Y0 + 1_875.0)
NEW = (X0 + 375.0, Y0 + 375.0)  # a new place from 2025-06 on


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _counts(grid: Grid, seed: int = 3, rise_from: str = "2025-06") -> dict[str, np.ndarray]:
    """Each month 8 offences on HOT and 30 spread; from ``rise_from`` on, 60 more on NEW."""
    rng = np.random.default_rng(seed)
    out = {}
    for m in MONTHS:
        parts = [
            np.repeat([HOT], 8, axis=0),
            rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (30, 2)),
        ]
        if m >= rise_from:
            parts.append(np.repeat([NEW], 60, axis=0))
        out[m] = grid.counts(np.vstack(parts))
    return out


def test_change_z_worked_out_by_hand() -> None:
    # Mean of the months before the last 100, the last 130: z = 30 / sqrt(100) = 3.
    assert change_z([100, 100, 100, 130]) == pytest.approx(3.0)
    # Their sample variance 100 = the mean: no over-dispersion, the same z.
    assert change_z([90, 110, 100, 130], dispersed=True) == pytest.approx(3.0)
    # Variance 400 = 4 x the mean: the variance is 400, z = 30 / 20.
    assert change_z([80, 120, 100, 130], dispersed=True) == pytest.approx(1.5)
    assert change_z([80, 120, 100, 130]) == pytest.approx(3.0)
    # Fewer than 2 months before the last, or none with offences: no test.
    assert change_z([100, 200]) == 0.0 and change_z([0, 0, 5]) == 0.0
    with pytest.raises(ValueError, match="change_rule"):
        ForecastOptions(change_rule="sometimes")


def test_short_memory_candidates_by_name() -> None:
    short = ["cell h=1", "eb 250 m h=1", "cell+125 m h=1", "cell last 1 months"]
    short += ["kde 250 m last 1 months"]
    long = ["cell h=3", "cell h=inf", "cell last 12 months", "eb 500 m h=inf"]
    long += ["persist x cell h=1", "months then cell h=1", "kde 250 m last 3 months"]
    assert all(is_short_memory(n) for n in short)
    assert not any(is_short_memory(n) for n in long)


def test_likeness_is_a_kernel_one_standard_error_wide() -> None:
    assert likeness(2.0, 2.0) == 1.0
    assert likeness(0.0, 2.0) == pytest.approx(math.exp(-2.0))
    assert likeness(-1.0, 0.0) == likeness(1.0, 0.0)


def test_after_a_change_level_one_ranks_only_short_memory_candidates(grid: Grid) -> None:
    counts = _counts(grid)
    totals = {m: counts[m].sum() for m in MONTHS}
    assert totals["2025-06"] == totals["2025-05"] + 60  # the rise, by construction
    none = Forecaster(grid, counts)
    every = Forecaster(grid, counts, ForecastOptions(change_rule="short-memory"))
    smallest = Forecaster(grid, counts, ForecastOptions(change_rule="short-memory-smallest"))
    # 2025-07: its history ends with the rise (z = 60 / sqrt(38) = 9.7 > 2.576).
    assert every.change_z("2025-07") == pytest.approx(60 / math.sqrt(38))
    small, large = sorted(every.ranking("2025-07"))
    assert all(is_short_memory(n) for n in every.ranking("2025-07")[small][0])
    assert all(is_short_memory(n) for n in every.ranking("2025-07")[large][0])
    assert all(is_short_memory(n) for n in smallest.ranking("2025-07")[small][0])
    assert smallest.ranking("2025-07")[large] == none.ranking("2025-07")[large]
    assert not all(is_short_memory(n) for n in none.ranking("2025-07")[small][0])
    info = every.forecast("2025-07").info["change"]
    assert info["short_memory_at"] == ["0.05%", "1%"] and info["z"] > CHANGE_Z
    assert "change" not in none.forecast("2025-07").info  # the default's info is unchanged
    # 2025-06: its history (01..05) holds no change: the rule changes nothing.
    assert abs(every.change_z("2025-06")) <= CHANGE_Z
    assert np.array_equal(every.forecast("2025-06").score, none.forecast("2025-06").score)
    assert every.forecast("2025-06").info["change"]["short_memory_at"] == []


def test_change_rule_and_likeness_do_not_look_ahead(grid: Grid) -> None:
    for options in (
        ForecastOptions(change_rule="short-memory"),
        ForecastOptions(inner_likeness=True),
    ):
        counts = _counts(grid)
        before = Forecaster(grid, counts, options).forecast("2025-06")
        mutated = {m: (v if m < "2025-06" else v[::-1] * 5) for m, v in counts.items()}
        forecaster = Forecaster(grid, mutated, options)
        for month in reversed(MONTHS):  # later months first must not leak either
            forecaster.forecast(month)
        after = forecaster.forecast("2025-06")
        assert np.array_equal(before.score, after.score) and before.info == after.info
        assert forecaster.change_z("2025-08") != Forecaster(grid, counts, options).change_z(
            "2025-08"
        )  # the mutation reaches the later months (the test could fail)


def test_likeness_weights_the_inner_months_by_their_change_statistic(grid: Grid) -> None:
    counts = _counts(grid)
    f = Forecaster(grid, counts, ForecastOptions(inner_likeness=True))
    month = "2025-08"
    inner = f.inner_months(month)
    z = f.change_z(month)
    weighted = [(f.inner_scores(m), likeness(f.change_z(m), z)) for m in inner]
    assert len({round(w, 9) for _, w in weighted}) > 1  # the weights differ (could fail)
    names = f._candidate_names(month)
    for j, cov in enumerate(f.options.target_coverages):
        want = [name for _, _, name in by_centre(names, weighted, j, "median")]
        assert f.ranking(month)[cov][0] == want


def test_the_fractional_last_cell_is_the_smallest_coverage_blends_and_scored_alike() -> None:
    """0.05% of 11,000 cells is 5.5: the forecast's 0.05% tier fills 6 cells, so its sixth
    (half-counted) cell is the small blend's, never the large one's; a baseline's score and the
    same cells as a forecast score alike (the one measure for every method)."""
    n = 11_000
    small = np.zeros(n)
    small[:6] = np.arange(6, 0, -1)  # the small blend: cells 0..5
    large = np.zeros(n)
    large[100:200] = 10.0 + np.arange(100)  # the large blend: cells 100..199, all above
    score = tiered_score([0.0005, 0.01], [small, large], n)
    w = selection_weights(score, 0.0005 * n)
    assert w[:5].tolist() == [1.0] * 5 and w[5] == pytest.approx(0.5)
    assert w[100:].sum() == 0.0
    actual = np.zeros(n)
    actual[:6] = [5, 4, 3, 2, 1, 8]
    got = coverage_measures(score, actual, actual, 0.0005, 62_500.0)
    as_baseline = coverage_measures(small, actual, actual, 0.0005, 62_500.0)
    assert got["n"] == as_baseline["n"] == 5 + 4 + 3 + 2 + 1 + 0.5 * 8
    assert got["pai"] == as_baseline["pai"]


def test_cli_change_rule(demo_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    args = ["evaluate", "--methods", "forecast", "--k", "1", "--coverages", "0.05", "1"]
    args += ["--cell-m", "500", "--forecast-change-rule", "short-memory-smallest"]
    args += ["--json", str(out), "--store", str(demo_store_path)]
    assert main(args) == 0
    data = json.loads(out.read_text())
    assert data["settings"]["forecast_change_rule"] == "short-memory-smallest"
    changes = [r["info"]["change"] for r in data["rows"] if r["method"] == "forecast"]
    assert {c["rule"] for c in changes} == {"short-memory-smallest"}
    # Cambridgeshire's autumn 2025 rise is a change; the first half of the year is not.
    fired = {r["test_month"] for r in data["rows"] if r["info"]["change"]["short_memory_at"]}
    assert "2025-11" in fired and not fired & {"2025-03", "2025-04", "2025-05", "2025-06"}
    with pytest.raises(SystemExit) as refused:
        main([*args[:-4], "--forecast-change-rule", "sometimes"])
    assert refused.value.code == 2
