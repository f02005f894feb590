"""The ``forecast`` method (issue 15): no look-ahead, determinism, known answers, the nested
choice, ``--common-months`` and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from scipy import stats
from shapely.geometry import box

from hotspots.cli import main
from hotspots.evaluate import Grid, backtest
from hotspots.evaluate.forecast import (
    Forecaster,
    ForecastOptions,
    MonthCounts,
    pai_at,
    recency_mean,
    scaled_ranks,
    shrink,
)
from hotspots.evaluate.forecast.blends import Blends
from hotspots.evaluate.forecast.ranks import BUCKET_MIN_VALUES, rank_groups, sort_order
from hotspots.evaluate.forecast.scoring import POOL_MIN_VALUES, POOL_SAMPLE, top_values
from hotspots.evaluate.forecast.support import Support
from hotspots.evaluate.metrics import coverage_measures
from hotspots.periods import add_months

X0, Y0 = 500_000.0, 200_000.0
MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]
HOT = (X0 + 1_125.0, Y0 + 1_875.0)  # centre of a 250 m cell, hot every month
BURST = (X0 + 2_625.0, Y0 + 375.0)  # centre of another cell: one burst in month 1 only


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _world(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Each month: 8 offences on HOT, 30 spread uniformly; month 1 also 40 on BURST."""
    rng = np.random.default_rng(seed)
    xy, months = [], []
    for i, m in enumerate(MONTHS):
        parts = [
            np.repeat([HOT], 8, axis=0),
            rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (30, 2)),
        ]
        if i == 0:
            parts.append(np.repeat([BURST], 40, axis=0))
        block = np.vstack(parts)
        xy.append(block)
        months += [m] * len(block)
    return np.vstack(xy), np.array(months)


def _counts(grid: Grid, xy: np.ndarray, months: np.ndarray) -> dict[str, np.ndarray]:
    return {m: grid.counts(xy[months == m]) for m in sorted(set(months))}


def test_no_look_ahead_mutating_the_test_month_and_later_changes_nothing(grid: Grid) -> None:
    xy, months = _world()
    test = "2025-06"
    before = Forecaster(grid, _counts(grid, xy, months)).forecast(test)
    # Move every offence of the test month and later to the far corner and add more there.
    later = months >= test
    moved = xy.copy()
    moved[later] = [X0 + 10.0, Y0 + 10.0]
    extra = np.repeat([[X0 + 2_900.0, Y0 + 2_900.0]], 50, axis=0)
    xy2 = np.vstack([moved, extra])
    months2 = np.concatenate([months, ["2025-07"] * 50])
    forecaster = Forecaster(grid, _counts(grid, xy2, months2))
    for month in MONTHS:  # forecasting later months first must not leak either
        forecaster.forecast(month)
    after = forecaster.forecast(test)
    assert np.array_equal(before.score, after.score)
    assert before.info == after.info
    # ... and the mutation does reach the months after it (the test could fail).
    assert not np.array_equal(
        Forecaster(grid, _counts(grid, xy, months)).forecast("2025-08").score,
        forecaster.forecast("2025-08").score,
    )
    # Through the back-test too: the forecast's rows for the test month keep their choice.
    rows1 = backtest(xy, months, grid, methods=("forecast",), ks=(3,), curve_coverages=()).rows
    rows2 = backtest(xy2, months2, grid, methods=("forecast",), ks=(3,), curve_coverages=()).rows
    info1 = rows1.loc[rows1["test_month"] == test, "info"].iloc[0]
    info2 = rows2.loc[rows2["test_month"] == test, "info"].iloc[0]
    assert info1 == info2 and info1["history_months"] == "2025-01..2025-05"
    # Both nested levels ran for that month: candidates on 4 inner months, the blend on 3.
    assert info1["inner_months"] == 4
    assert all(c["blend_months"] == 3 for c in info1["chosen"].values())


def test_deterministic(grid: Grid) -> None:
    xy, months = _world()
    a = Forecaster(grid, _counts(grid, xy, months)).forecast("2025-07")
    b = Forecaster(grid, _counts(grid, xy, months)).forecast("2025-07")
    assert np.array_equal(a.score, b.score) and a.info == b.info


def test_forecast_is_the_same_whatever_month_is_forecast_first(grid: Grid) -> None:
    """Forecasting the last month first scores every earlier month and lets go of the
    candidates no blend can take; the earlier months' forecasts made afterwards are the same
    as those made first, and their candidates are the same when asked for again."""
    xy, months = _world()
    counts = _counts(grid, xy, months)
    first = Forecaster(grid, counts)
    fresh = {m: first.forecast(m) for m in MONTHS[1:]}
    full = Forecaster(grid, counts).candidates("2025-05")
    later = Forecaster(grid, counts)
    later.forecast(MONTHS[-1])
    assert "2025-05" not in later._candidates  # scored, only the usable candidates kept
    for m in MONTHS[1:]:
        made = later.forecast(m)
        assert np.array_equal(made.score, fresh[m].score)
        assert made.info == fresh[m].info
        assert all(
            np.array_equal(made.tier_values[c], fresh[m].tier_values[c]) for c in made.tier_values
        )
    again = later.candidates("2025-05")
    assert list(again) == list(full)
    assert all(np.array_equal(again[n], full[n]) for n in full)


def test_a_cell_hot_every_month_ranks_first_and_a_one_off_burst_does_not(grid: Grid) -> None:
    xy, months = _world()
    counts = _counts(grid, xy, months)
    hot = int(grid.position(np.array([HOT]))[0])
    burst = int(grid.position(np.array([BURST]))[0])
    forecaster = Forecaster(grid, counts)
    # Month 2 has only month 1 before it: the burst (40) outweighs the hot cell (8) there...
    assert int(np.argmax(forecaster.forecast("2025-02").score)) == burst
    # ...but once a few months show the burst was one-off, the hot cell leads.
    for month in MONTHS[5:]:
        made = forecaster.forecast(month)
        assert int(np.argmax(made.score)) == hot, month
    made = forecaster.forecast("2025-08")
    assert made.info["history_months"] == "2025-01..2025-07"
    assert made.info["inner_months"] == 6
    chosen = made.info["chosen"]
    assert set(chosen) == {"0.05%", "1%"}
    for c in chosen.values():  # as many candidates as the blend chosen one level up takes
        n = 1 if c["blend"] == "best 1" else int(c["blend"].split()[1].rstrip(","))
        assert len(c["candidates"]) == n, c
    # PAI at 1% of 144 cells (1.44 cells): the hot cell holds 8 of ~38 offences.
    pai = coverage_measures(made.score, counts["2025-07"], counts["2025-08"], 0.01, 62_500.0)
    assert pai["pai"] > 8 / 38 / (1.44 / 144) * 0.9


def test_history_is_capped_and_stops_at_a_gap(grid: Grid) -> None:
    counts = {m: np.zeros(grid.n_cells) for m in MONTHS if m != "2025-03"}
    f = Forecaster(grid, counts, ForecastOptions(cap_months=2))
    assert f.history("2025-08") == ["2025-06", "2025-07"]
    assert Forecaster(grid, counts).history("2025-06") == ["2025-04", "2025-05"]
    assert Forecaster(grid, counts).history("2025-01") == []


def test_seasonal_candidates_once_a_year_before_is_held(grid: Grid) -> None:
    months = [add_months("2023-01", i) for i in range(26)]
    counts = {m: np.ones(grid.n_cells) for m in months}
    f = Forecaster(grid, counts)
    assert not any("season" in n for n in f.candidates(months[11]))  # 11 months before it
    assert any("season" in n for n in f.candidates(months[12]))  # 12: the month a year before


def test_seasonal_candidate_is_the_level_plus_last_year_smoothed(grid: Grid) -> None:
    """``cell+B m h=H +season``: the level plus the same month a year before, plus the
    smoothing of both (sd B, truncated at 4 sd), to rounding."""
    from scipy import ndimage

    from hotspots.evaluate.forecast import recency_mean

    rng = np.random.default_rng(3)
    months = [add_months("2023-01", i) for i in range(25)]
    counts = {m: rng.poisson(0.3, grid.n_cells).astype(float) for m in months}
    month = months[24]
    got = Forecaster(grid, counts).candidates(month)["cell+250 m h=3 +season"]
    base = recency_mean(np.array([counts[m] for m in months[:24]]), 3.0) + counts[months[12]]
    near = ndimage.gaussian_filter(grid.raster(base), 1.0, mode="constant")
    np.testing.assert_allclose(got, base + grid.from_raster(near), rtol=1e-12, atol=0)


def test_recency_mean_weights() -> None:
    history = [np.array([4.0]), np.array([0.0])]  # oldest first
    assert recency_mean(history, math.inf)[0] == pytest.approx(2.0)
    # half-life 1 month: weights 0.5 (older) and 1 (last month): 4 * 0.5 / 1.5
    assert recency_mean(history, 1.0)[0] == pytest.approx(4 / 3)


def test_fast_pai_equals_the_back_test_measure() -> None:
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(5, 400))
        score = rng.integers(0, 4, n).astype(float)
        actual = rng.poisson(1.0, n).astype(float)
        cov = float(rng.uniform(0.001, 1.0))
        expected = coverage_measures(score, actual, actual, cov, 1.0)["pai"]
        got = pai_at(score, actual, cov)
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="cap_months"):
        ForecastOptions(cap_months=0)
    with pytest.raises(ValueError, match="target_coverages"):
        ForecastOptions(target_coverages=(0.0,))
    with pytest.raises(ValueError, match="inner_statistic"):
        ForecastOptions(inner_statistic="mode")


def test_common_months_restricts_every_method_and_k(grid: Grid) -> None:
    xy, months = _world()
    kw = {"methods": ("forecast", "grid"), "ks": (1, 3), "curve_coverages": ()}
    loose = backtest(xy, months, grid, **kw).rows
    assert set(loose.loc[loose["k"] == 1, "test_month"]) == set(MONTHS[1:])
    common = backtest(xy, months, grid, common_months=True, **kw)
    rows = common.rows
    by = rows.groupby(["method", "k"])["test_month"].agg(lambda s: tuple(sorted(set(s))))
    assert set(by) == {tuple(MONTHS[3:])}
    assert common.settings["common_months"] is True
    assert common.settings["test_months"] == MONTHS[3:]
    # The forecast's rows for k = 1 and k = 3 are the same forecast on the same months.
    f = rows[rows["method"] == "forecast"].set_index(["test_month", "coverage_label", "k"])["n"]
    assert f.xs(1, level="k").equals(f.xs(3, level="k"))
    # Its fit months are its whole history, not k.
    fit = rows.loc[(rows["method"] == "forecast") & (rows["test_month"] == "2025-08"), "fit_months"]
    assert set(fit) == {"2025-01..2025-07"}


def test_cli_forecast_and_common_months(
    demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.json"
    args = ["evaluate", "--methods", "forecast", "grid", "--k", "1", "3", "--coverages", "0.05"]
    args += ["1", "--cell-m", "500", "--common-months", "--forecast-cap-months", "6"]
    args += ["--json", str(out), "--store", str(demo_store_path)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "--common-months: every method and k on the same 9 test month(s)" in text
    assert "forecast: history up to 6 months" in text
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert {r["method"] for r in rows} == {"forecast", "grid"}
    months = {(r["method"], r["k"]): set() for r in rows}
    for r in rows:
        months[(r["method"], r["k"])].add(r["test_month"])
    assert len({frozenset(v) for v in months.values()}) == 1
    assert data["settings"]["forecast_cap_months"] == 6
    fc = [r for r in rows if r["method"] == "forecast"]
    assert all(r["info"]["n_history_months"] <= 6 for r in fc)
    assert main([*args[:-2], "--forecast-cap-months", "0", "--store", str(demo_store_path)]) == 2


def test_common_test_months_rule_handles_gaps() -> None:
    from hotspots.evaluate.backtest import common_test_months

    held = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-06", "2025-07", "2025-08"]
    # k = 1: Feb, Mar, Apr, Jul, Aug; k = 3: Apr only (Jun..Aug is a run of 3: nothing tested)
    assert common_test_months(held, (1, 3)) == ["2025-04"]
    assert common_test_months(held, (1, 12)) == [
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-07",
        "2025-08",
    ]
    assert common_test_months([], (1,)) == []


def test_shrinkage_by_hand() -> None:
    """Gamma-Poisson posterior with the method-of-moments strength, worked out by hand."""
    rate = np.array([2.0, 0.0, 0.0, 2.0])
    prior = np.ones(4)
    # n_eff = 2: sum (r - mu)^2 = 4, Poisson part sum(mu) / n_eff = 2, excess 2; b = 4 / 2 = 2;
    # posterior (2 * 2 + 2 * 1) / 4 = 1.5 and (0 + 2) / 4 = 0.5.
    post, b = shrink(rate, prior, 2.0)
    assert b == pytest.approx(2.0)
    assert post == pytest.approx([1.5, 0.5, 0.5, 1.5])
    # n_eff = 1: the spread is all Poisson noise, no excess: the prior alone.
    post, b = shrink(rate, prior, 1.0)
    assert b == pytest.approx(1e6)
    assert post == pytest.approx(prior, abs=1e-5)
    # No neighbourhood at all: nothing to shrink toward, the rate stays.
    post, b = shrink(rate, np.zeros(4), 2.0)
    assert b == 0.0 and np.array_equal(post, rate)


def test_shrinkage_lifts_a_steady_place_in_a_busy_street_above_a_lone_burst(grid: Grid) -> None:
    """Two cells with the same 6 offences over 6 months: one steady (1 a month) among busy
    neighbours, one a single burst in open country. Raw counts tie them; the shrunken rate
    ranks the steady one first, and persistence does too."""
    steady = int(grid.position(np.array([HOT]))[0])
    lone = int(grid.position(np.array([BURST]))[0])
    raster_steady = np.unravel_index(grid.cells[steady], (grid.ny, grid.nx))
    months = MONTHS[:6]
    counts = {m: np.zeros(grid.n_cells) for m in months}
    for i, m in enumerate(months):
        counts[m][steady] = 1.0
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):  # a neighbour each side, 1 a month
            r, c = raster_steady[0] + dr, raster_steady[1] + dc
            counts[m][int(np.searchsorted(grid.cells, r * grid.nx + c))] = 1.0
        if i == 2:
            counts[m][lone] = 6.0
    counts["2025-07"] = np.zeros(grid.n_cells)
    cands = Forecaster(grid, counts).candidates("2025-07")
    assert cands["cell h=inf"][steady] == cands["cell h=inf"][lone]
    for name in ("eb 250 m h=inf", "persist x cell h=inf", "persist x eb 250 m h=inf"):
        assert cands[name][steady] > cands[name][lone], name


def test_the_candidates_include_the_baselines_own_rankers(grid: Grid) -> None:
    """The choice can at worst pick the baseline: grid k = W and kde are candidates as they are."""
    from hotspots.evaluate.methods import MethodOptions, score_grid, score_kde

    xy, months = _world()
    counts = _counts(grid, xy, months)
    cands = Forecaster(grid, counts).candidates("2025-08")
    for w in (1, 3, 6):
        fit = months >= add_months("2025-08", -w)
        fit &= months < "2025-08"
        grid_score = score_grid(grid, xy[fit], w, MethodOptions()).score
        kde_score = score_kde(grid, xy[fit], w, MethodOptions()).score
        assert np.allclose(cands[f"cell last {w} months"] * w, grid_score)
        assert np.allclose(cands[f"kde 250 m last {w} months"] * w, kde_score)


def test_blend_is_chosen_one_level_up_only_with_enough_months(grid: Grid) -> None:
    xy, months = _world()
    forecaster = Forecaster(grid, _counts(grid, xy, months))
    # 2025-04: inner months 02, 03; months with their own inner month: 03 only (< 3): the rule.
    early = forecaster.forecast("2025-04").info["chosen"]
    assert all(
        c["blend"] == "best 10, scaled mean" and c["blend_months"] == 0 for c in early.values()
    )
    # 2025-08: inner 02..07; months 03..07 (5) score each blend on their own forecasts.
    late = forecaster.forecast("2025-08").info["chosen"]
    assert all(c["blend_months"] == 5 for c in late.values())
    for cov, c in late.items():
        share = {"0.05%": 0.0005, "1%": 0.01}[cov]
        n = 1 if c["blend"] == "best 1" else int(c["blend"].split()[1].rstrip(","))
        config = (n, "rank" if "rank" in c["blend"] else "scaled")
        best = np.median([forecaster.config_pai(m, share, config) for m in MONTHS[2:7]])
        for other in forecaster.options.blend_configs:
            assert best >= np.median([forecaster.config_pai(m, share, other) for m in MONTHS[2:7]])


def test_months_with_an_offence_come_first_and_the_rate_breaks_ties(grid: Grid) -> None:
    """``months then cell h=H``: months with an offence order the cells, the rate only ties."""
    n = grid.n_cells
    steady, burst, steady_busier = 10, 20, 30
    counts = {}
    for i, m in enumerate(MONTHS[:6]):
        c = np.zeros(n)
        c[steady] = 1.0 if i != 2 else 0.0  # 5 of 6 months, 1 each
        c[steady_busier] = 2.0 if i != 2 else 0.0  # 5 of 6 months, 2 each
        c[burst] = 10.0 if i == 5 else 0.0  # 1 of 6 months, 10 (the last month)
        counts[m] = c
    cands = Forecaster(grid, counts).candidates(MONTHS[6])
    lex = cands["months then cell h=1"]
    rate = cands["cell h=1"]
    # By hand: months with an offence + rate / (largest rate + 1); the burst has the largest rate.
    top = rate[burst]
    assert lex[burst] == pytest.approx(1 + top / (top + 1))
    assert lex[steady] == pytest.approx(5 + rate[steady] / (top + 1))
    assert lex[steady_busier] == pytest.approx(5 + rate[steady_busier] / (top + 1))
    assert lex[steady_busier] > lex[steady] > lex[burst] > 0
    assert rate[burst] > rate[steady_busier]  # the rate alone orders them the other way


def test_scaled_ranks_equal_scipy_rankdata_exactly() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 300))
        values = rng.integers(0, 6, n).astype(float) * float(rng.choice([1.0, 0.1, 1 / 3]))
        if rng.random() < 0.5:
            values += rng.random(n) * (rng.random(n) < 0.3)
        if rng.random() < 0.2:
            values -= 2.5  # a lowest value below zero
        r = stats.rankdata(values, method="average")
        assert np.array_equal(scaled_ranks(values), (r - r.min()) / len(r))
    # ties share their mean rank: ranks 1.5, 1.5, 3, 4.5, 4.5 -> minus 1.5, over 5
    assert np.array_equal(scaled_ranks(np.array([0.0, 0.0, 1.0, 2.0, 2.0])), [0, 0, 0.3, 0.6, 0.6])
    assert np.array_equal(scaled_ranks(np.zeros(4)), np.zeros(4))


def test_scaled_ranks_tie_values_equal_up_to_rounding() -> None:
    """0.1 + 0.2 and 0.3 are equal but for the last bit: they share a rank; values 1e-10 apart
    (far more than rounding) do not."""
    values = np.array([0.0, 0.1 + 0.2, 0.3, 1.0, 1.0 + 1e-10])
    assert 0.1 + 0.2 != 0.3
    # ranks 1, 2.5, 2.5, 4, 5 -> minus 1, over 5
    assert np.array_equal(scaled_ranks(values), [0.0, 0.3, 0.3, 0.6, 0.8])
    # also next to the lowest value
    assert np.array_equal(scaled_ranks(np.array([0.3, 0.1 + 0.2, 1.0])), [0.0, 0.0, 0.5])


def test_sort_order_sorts_exactly_above_the_bucket_threshold() -> None:
    """The bucket pass then timsort (many values) is a true sort: negative and positive values,
    -0.0 and infinities, many exact duplicates, values spanning 24 orders of magnitude, and
    values all within one bucket (equal but for their last bits)."""
    rng = np.random.default_rng(11)
    n = 3 * BUCKET_MIN_VALUES
    spread = rng.standard_normal(n) * 10.0 ** rng.uniform(-12, 12, n)
    one_bucket = 1.0 + rng.integers(0, 50, n) * np.finfo(float).eps
    specials = np.concatenate([rng.integers(0, 7, n) / 3.0, [-0.0, 0.0, np.inf, -np.inf]])
    for values in (spread, np.abs(spread), one_bucket, specials, -specials):
        order = sort_order(values)
        assert np.array_equal(values[order], np.sort(values))
        assert np.array_equal(np.sort(order), np.arange(len(values)))  # a permutation


def test_scaled_ranks_equal_scipy_rankdata_on_many_values() -> None:
    """Above the bucket threshold the ranks are still rankdata's exactly (no two values within
    the tie tolerance but equal ones), the lowest below zero or a compact array's 0."""
    rng = np.random.default_rng(12)
    n = 2 * BUCKET_MIN_VALUES
    for lowest in (0.0, -2.5):
        values = np.round(rng.lognormal(0.0, 3.0, n), 6) * (rng.random(n) < 0.7) + lowest
        r = stats.rankdata(values, method="average")
        assert np.array_equal(scaled_ranks(values), (r - r.min()) / len(r))
    # a compact array: the 1,000 cells left out are 0, the lowest
    values = np.round(rng.lognormal(0.0, 3.0, n), 6) + 1e-3
    groups, table = rank_groups(values, n + 1000)
    whole = np.concatenate([values, np.zeros(1000)])
    r = stats.rankdata(whole, method="average")
    assert np.array_equal(table[groups], ((r - r.min()) / len(r))[:n])


def test_blends_of_the_best_3_taken_on_the_way_to_the_best_10_are_the_same_numbers() -> None:
    """The running sum after 3 of the best 10 is memoised and is the best 3's blend, bit for
    bit the blend made alone; asked again, a blend is the same; released, nothing is kept."""
    rng = np.random.default_rng(13)
    n = 500
    cands = {f"c{i}": rng.lognormal(0.0, 2.0, n) * (rng.random(n) < 0.5) for i in range(10)}
    cands["c4"] = np.zeros(n)  # all zero: unscaled
    names = list(cands)

    def candidate(month: str, name: str) -> np.ndarray:
        return cands[name]

    everywhere = Support(n, None, np.arange(n))
    for how in ("scaled", "rank"):
        shared = Blends(everywhere, (3, 10))
        ten = shared.blend("m", names, how, candidate)
        assert ("m", how, tuple(names[:3])) in shared._totals
        three = shared.blend("m", names[:3], how, candidate)
        alone = Blends(everywhere)
        assert three.tobytes() == alone.blend("m", names[:3], how, candidate).tobytes()
        assert ten.tobytes() == alone.blend("m", names, how, candidate).tobytes()
        terms = (
            [scaled_ranks(cands[c]) for c in names]
            if how == "rank"
            else [cands[c] / s if (s := cands[c].sum()) > 0 else cands[c] for c in names]
        )
        assert np.array_equal(ten, np.mean(terms, axis=0))
        assert shared.blend("m", names, how, candidate).tobytes() == ten.tobytes()
        shared.release("m")
        assert not shared._totals and not shared._rank_cache


def test_smoothed_candidates_equal_smoothing_each_mean_directly(grid: Grid) -> None:
    """The neighbourhood and kde candidates, made from each month smoothed once, equal the
    Gaussian smoothing (sd, truncated at 4 sd, zero outside) of each mean itself to rounding."""
    from scipy import ndimage

    from hotspots.evaluate.forecast import recency_mean

    xy, months = _world()
    counts = _counts(grid, xy, months)
    month = "2025-08"
    forecaster = Forecaster(grid, counts)
    cands = forecaster.candidates(month)
    series = np.array([counts[m] for m in forecaster.history(month)])

    def smooth(values: np.ndarray, bandwidth_m: float) -> np.ndarray:
        raster = grid.raster(values)
        out = ndimage.gaussian_filter(raster, bandwidth_m / grid.cell_m, mode="constant")
        return grid.from_raster(out)

    checked = 0
    for bandwidth_m in (125.0, 250.0, 500.0):
        for h in (1.0, 3.0, 6.0, math.inf):
            level = recency_mean(series, h)
            label = "inf" if math.isinf(h) else f"{h:g}"
            want = level + smooth(level, bandwidth_m)
            got = cands[f"cell+{bandwidth_m:g} m h={label}"]
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
            checked += 1
        for w in (1, 3, 6):
            mean = series[-w:].mean(axis=0)
            got = cands[f"cell+{bandwidth_m:g} m last {w} months"]
            np.testing.assert_allclose(got, mean + smooth(mean, bandwidth_m), rtol=1e-12, atol=0)
            checked += 1
    np.testing.assert_allclose(
        cands["kde 250 m h=inf"], smooth(series.mean(axis=0), 250.0), rtol=1e-12, atol=0
    )
    assert checked == 21
    assert np.count_nonzero(cands["kde 250 m h=inf"]) > 10  # the test could fail


def test_ranking_by_median_equals_the_general_weighted_rule(grid: Grid) -> None:
    """The candidates ranked by the median of all inner PAIs at once equal the weighted rule
    (``inner_ranking.centre``) with equal weights, candidate by candidate, for every month."""
    xy, months = _world()
    counts = _counts(grid, xy, months)
    fast = Forecaster(grid, counts)
    general = Forecaster(grid, counts, ForecastOptions(inner_half_life_months=1e300))
    checked = 0
    for month in MONTHS[1:]:
        want = general.ranking(month)
        assert fast.ranking(month) == want
        checked += sum(len(names) for names, _ in want.values())
    assert checked > 100


def test_month_counts_pais_from_a_pool_of_the_largest_equal_pai_at_exactly() -> None:
    """Many cells (the pool of the largest values, ``top_values``): the same PAIs as
    ``pai_at``, with ties straddling the cuts, and when the strided sample misleads (the large
    values only at the sampled places: too few kept, every value partitioned)."""
    rng = np.random.default_rng(8)
    n = 5 * POOL_MIN_VALUES
    actual = (rng.poisson(0.3, n) * (rng.random(n) < 0.2)).astype(float)
    covs = (0.0005, 0.001, 0.01, 0.05)
    tied = rng.integers(0, 40, n).astype(float)  # ties at every cut
    smooth = rng.lognormal(0.0, 2.0, n) * (rng.random(n) < 0.6)
    # the lowest first, then the sample's places (every step-th above it) hold the largest
    misleading = 0.5 + rng.random(n)
    misleading[0] = 0.0
    misleading[1 :: (n - 1) // POOL_SAMPLE] += 5.0
    for score in (tied, smooth, misleading, tied + smooth):
        got = MonthCounts(actual).pais(score, covs)
        assert got == tuple(pai_at(score, actual, c) for c in covs)
    upper = misleading[1:]
    m = math.ceil(0.01 * n) + 1  # the 1% cut and the value below it
    assert len(top_values(upper, m)) == len(upper)  # the sample misled: all values kept
    pool = top_values(smooth[smooth > 0], m)
    assert m <= len(pool) < len(smooth[smooth > 0]) / 2
    assert pool.min() <= np.sort(smooth)[-m]


def test_month_counts_pais_equal_pai_at_exactly() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(5, 400))
        actual = (rng.poisson(0.4, n) * (rng.random(n) < 0.5)).astype(float)
        score = rng.integers(0, 4, n).astype(float)
        if rng.random() < 0.5:
            score = score + rng.random(n) * (rng.random(n) < 0.5)
        covs = (*(float(c) for c in rng.uniform(0.001, 1.0, 3)), 0.0005, 1.0)
        got = MonthCounts(actual).pais(score, covs)
        want = [pai_at(score, actual, c) for c in covs]
        assert all(
            (math.isnan(g) and math.isnan(w)) or g == w for g, w in zip(got, want, strict=True)
        )
