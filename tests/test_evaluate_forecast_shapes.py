"""The forecast on store shapes the two real stores never exercised (issue 15 generalising):
long histories (24-36 months, so the history cap and the seasonal candidates run for real),
gaps, two or three months, a month without a drug offence, a tiny force.

The seasonal world (:func:`_seasonal_world`), worked out by hand on a 3 km square (144 cells of
250 m; 0.05% of it is 0.072 of a cell, so the top cell alone decides the 0.05% PAI):

- cell A has 6 offences every month;
- cell S_c (c = 1..12, one cell per calendar month, far from A) has 20 offences in calendar
  month c of every year and none otherwise (a market, a festival: "hot every December only"
  is S_12);
- optional seeded noise elsewhere.

Without the seasonal candidates no ranker of the recent or long-run counts puts S_c first in
month c: A leads every long-memory candidate (6 a month against S_c's 20 a year) and the
short-memory ones put last month's S_(c-1) first, which scores 0. So at 0.05% the best median
inner PAI of a non-seasonal candidate is A's: (0.072 x 6 / 26) / 0.0005 = 33.2. A seasonal
candidate (``... +season``: the level plus the count of the same month a year before) gives
S_c at least 20 against A's 6 + 6 = 12, so it puts S_c first in every month that has a year
before it: (0.072 x 20 / 26) / 0.0005 = 110.8. So once two of the inner months have a year
before them, the nested choice takes the seasonal candidates at 0.05%, and the forecast for
December of the second year ranks S_12 first.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.analysis import store_months
from hotspots.evaluate import Grid, backtest, backtest_store
from hotspots.evaluate.forecast import Forecaster, ForecastOptions
from hotspots.evaluate.next_month import next_month
from hotspots.periods import add_months
from hotspots.store import Store
from tests.helpers import STREET_HEADER, street_row

X0, Y0 = 500_000.0, 200_000.0
A = (X0 + 1_625.0, Y0 + 1_625.0)  # a cell in the middle: 6 offences every month
#: S_c for calendar month c: cells round the edge, at least 1 km from A and 500 m apart.
SEASONAL = {
    c: (X0 + 125.0 + 500.0 * ((c - 1) % 6), Y0 + (125.0 if c <= 6 else 2_875.0))
    for c in range(1, 13)
}


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _seasonal_world(
    n_months: int, noise: int = 0, seed: int = 11, start: str = "2023-01"
) -> tuple[np.ndarray, np.ndarray]:
    """``n_months`` from ``start``: A 6 a month, S_c 20 in calendar month c, ``noise`` more
    offences a month spread uniformly (seeded)."""
    rng = np.random.default_rng(seed)
    xy, months = [], []
    for i in range(n_months):
        month = add_months(start, i)
        parts = [np.repeat([A], 6, axis=0), np.repeat([SEASONAL[int(month[5:])]], 20, axis=0)]
        if noise:
            parts.append(rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (noise, 2)))
        block = np.vstack(parts)
        xy.append(block)
        months += [month] * len(block)
    return np.vstack(xy), np.array(months)


def _counts(grid: Grid, xy: np.ndarray, months: np.ndarray) -> dict[str, np.ndarray]:
    return {m: grid.counts(xy[months == m]) for m in sorted(set(months))}


def _cell(grid: Grid, point: tuple[float, float]) -> int:
    return int(grid.position(np.array([point]))[0])


def test_a_cell_hot_every_december_ranks_first_in_december_once_two_years_exist(
    grid: Grid,
) -> None:
    """Two years stored (2023-01..2024-12): the forecast of 2024-12 (23 months before it) puts
    S_12 first, chosen by seasonal candidates at 0.05%; the forecast of 2023-12 (one year, no
    December before it) cannot, and puts A first."""
    xy, months = _seasonal_world(24)
    forecaster = Forecaster(grid, _counts(grid, xy, months))
    december = forecaster.forecast("2024-12")
    assert int(np.argmax(december.score)) == _cell(grid, SEASONAL[12])
    chosen = december.info["chosen"]["0.05%"]
    assert all(name.endswith("+season") for name in chosen["candidates"])
    assert chosen["best_inner_pai"] == pytest.approx(0.072 * 20 / 26 / 0.0005)
    # Every month of the second year from March (two inner months with a year before them)
    # puts its own calendar month's cell first.
    for i in range(3, 12):
        month = f"2024-{i:02d}"
        assert int(np.argmax(forecaster.forecast(month).score)) == _cell(grid, SEASONAL[i]), month
    # The first year: no seasonal candidate, the steady cell leads.
    first = forecaster.forecast("2023-12")
    assert int(np.argmax(first.score)) == _cell(grid, A)
    assert not any("+season" in n for n in first.info["chosen"]["0.05%"]["candidates"])
    assert first.info["chosen"]["0.05%"]["best_inner_pai"] == pytest.approx(0.072 * 6 / 26 / 0.0005)


def test_no_look_ahead_with_36_months_the_cap_and_the_seasonal_candidates(grid: Grid) -> None:
    """36 months with noise: the forecast of 2025-09 uses 24 months (the cap), chooses seasonal
    candidates, and mutating 2025-09 and every later month (forecast first) changes nothing."""
    xy, months = _seasonal_world(36, noise=30)
    test = "2025-09"
    before = Forecaster(grid, _counts(grid, xy, months)).forecast(test)
    assert before.info["history_months"] == "2023-09..2025-08"
    assert before.info["n_history_months"] == 24
    assert any(n.endswith("+season") for n in before.info["chosen"]["0.05%"]["candidates"])
    assert int(np.argmax(before.score)) == _cell(grid, SEASONAL[9])
    later = months >= test
    moved = xy.copy()
    moved[later] = [X0 + 10.0, Y0 + 10.0]
    extra = np.repeat([[X0 + 2_900.0, Y0 + 1_500.0]], 80, axis=0)
    xy2 = np.vstack([moved, extra])
    months2 = np.concatenate([months, ["2025-10"] * 80])
    forecaster = Forecaster(grid, _counts(grid, xy2, months2))
    for month in sorted(set(months2), reverse=True):  # later months first
        forecaster.forecast(month)
    after = forecaster.forecast(test)
    assert np.array_equal(before.score, after.score) and before.info == after.info
    assert np.array_equal(before.tier_values[0.0005], after.tier_values[0.0005])
    # The mutation reaches the month after (the test could fail).
    assert not np.array_equal(
        Forecaster(grid, _counts(grid, xy, months)).forecast("2025-11").score,
        forecaster.forecast("2025-11").score,
    )
    # Through the back-test too, and deterministic: two runs, the same rows.
    runs = [
        backtest(x, m, grid, methods=("forecast",), ks=(1,), curve_coverages=()).rows
        for x, m in ((xy, months), (xy2, months2), (xy, months))
    ]
    row = [r.loc[r["test_month"] == test] for r in runs]
    assert row[0]["info"].iloc[0] == row[1]["info"].iloc[0]
    assert row[0]["pai"].tolist() != row[1]["pai"].tolist()  # scored on the mutated month
    assert runs[0]["pai"].tolist() == runs[2]["pai"].tolist()
    assert runs[0]["info"].tolist() == runs[2]["info"].tolist()


@pytest.fixture(scope="module")
def zero_month_store(
    toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The toy force (2 x 1.5 km, 48 cells), 2025-01..05 ingested with every crime type: 3 drug
    offences a month at one point, but none in 2025-03 (a burglary only: the month is held)."""
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards

    folder = tmp_path_factory.mktemp("zero_month")
    paths = []
    for i in range(1, 6):
        month = f"2025-{i:02d}"
        if i == 3:
            rows = [street_row("b3", 500_600.0, 200_600.0, month=month, crime_type="Burglary")]
        else:
            rows = [street_row(f"d{i}{k}", 500_600.0, 200_600.0, month=month) for k in range(3)]
        path = folder / f"{month}-toyshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
        paths.append(path)
    wards_path, area_path = toy_boundaries
    store = folder / "store"
    ingest(
        paths,
        wards=read_wards(wards_path),
        force_area=read_force_area(area_path),
        store=Store(store),
        all_crime_types=True,
    )
    return store


def test_a_held_month_without_drug_offences_is_zero_not_a_gap(zero_month_store: Path) -> None:
    """2025-03 is held with no drug offence: the forecast of 2025-06 uses 2025-01..05 (March
    counted as 0), and the back-test fits across March (k = 3 has the test months 2025-04 and
    05) without testing on it (no offence to find)."""
    store = Store(zero_month_store)
    assert store_months(store) == [f"2025-{i:02d}" for i in range(1, 6)]
    ahead = next_month(store, "2025-05")
    assert ahead.info["history_months"] == "2025-01..2025-05"
    assert ahead.counts["2025-03"].sum() == 0
    assert [m for m, _, _ in ahead.backtest] == ["2025-02", "2025-04", "2025-05"]
    result = backtest_store(store, methods=("grid", "forecast"), ks=(1, 3), curve_coverages=())
    rows = result.rows
    assert sorted(set(rows.loc[rows["k"] == 3, "test_month"])) == ["2025-04", "2025-05"]
    assert "2025-03" not in set(rows["test_month"])
    assert result.settings["months"] == [f"2025-{i:02d}" for i in range(1, 6)]
    assert result.settings["months_without_drug_offences"] == ["2025-03"]
    fit = rows.loc[(rows["method"] == "grid") & (rows["k"] == 3), "fit_months"]
    assert set(fit) == {"2025-01..2025-03", "2025-02..2025-04"}
    info = rows.loc[(rows["method"] == "forecast") & (rows["test_month"] == "2025-05"), "info"]
    assert info.iloc[0]["history_months"] == "2025-01..2025-04"


def test_memory_stays_near_one_months_candidates_with_36_months(grid: Grid) -> None:
    """Forecasting 36 months in order keeps the candidates (and ranks) of no month whose own
    forecast is made and whose blends have all been scored: only the last month's remain
    (nothing later scores its blends); the forecasts are those of a forecaster that made them
    in the reverse order (which rebuilds nothing it let go)."""
    xy, months = _seasonal_world(36, noise=30)
    counts = _counts(grid, xy, months)
    forward = Forecaster(grid, counts)
    made = {m: forward.forecast(m) for m in sorted(counts)}
    assert set(forward._kept) <= {"2025-12"}
    assert {month for month, _ in forward._blends._rank_cache} <= {"2025-12"}
    assert {key[0] for key in forward._blends._totals} <= {"2025-12"}
    backward = Forecaster(grid, counts)
    for month in sorted(counts, reverse=True):
        again = backward.forecast(month)
        assert np.array_equal(again.score, made[month].score), month
        assert again.info == made[month].info, month


def test_a_gap_in_a_long_store_restarts_the_history_and_the_seasons(grid: Grid) -> None:
    """30 months with 2024-03 missing: after the gap the history starts again at 2024-04, and a
    year before is looked for in that history only (2025-02's "2024-02" lies across the gap)."""
    xy, months = _seasonal_world(30, noise=10)
    counts = {m: c for m, c in _counts(grid, xy, months).items() if m != "2024-03"}
    forecaster = Forecaster(grid, counts)
    assert forecaster.history("2025-02") == [add_months("2024-04", i) for i in range(10)]
    assert not any("+season" in n for n in forecaster.candidates("2025-02"))
    assert any("+season" in n for n in forecaster.candidates("2025-04"))  # 2024-04..2025-03
    made = forecaster.forecast("2025-06")
    assert made.info["history_months"] == "2024-04..2025-05"
    assert made.info["inner_months"] == 13  # 2024-05..2025-05 (2024-04 has no month before)


def test_smallest_band_option_ranks_by_the_mean_pai_of_the_band(grid: Grid) -> None:
    """Round 5's variant E (an option, rejected as the default): at 0.05% each candidate's
    inner score is the mean of its PAIs at 0.025%, 0.05% and 0.1%, and level 1 ranks by the
    (lower) median of those over the inner months; 1% is ranked as by default."""
    from hotspots.evaluate.forecast import pai_at

    xy, months = _seasonal_world(16, noise=40)
    counts = _counts(grid, xy, months)
    band = Forecaster(grid, counts, ForecastOptions(smallest_band=True))
    plain = Forecaster(grid, counts)
    month = "2024-04"
    names, best = band.ranking(month)[0.0005]
    inner = band.inner_months(month)
    name = names[0]
    scores = sorted(
        float(np.mean([pai_at(band.candidates(m)[name], counts[m], c) for c in cs]))
        for m in inner
        if name in band.candidates(m)
        for cs in [(0.0005, 0.00025, 0.001)]
    )
    assert len(scores) >= 2
    assert best == pytest.approx(scores[(len(scores) - 1) // 2], rel=1e-12)
    assert best != plain.ranking(month)[0.0005][1]  # the band is not the 0.05% PAI alone
    assert band.ranking(month)[0.01] == plain.ranking(month)[0.01]
    with pytest.raises(ValueError, match="smallest_band"):
        ForecastOptions(smallest_band=True, inner_statistic="mean")
