"""Nested DBSCAN parameter choice (issue 15, deliverable 4) on a hand-made world.

Each month: 20 offences on one snap point A and 20 spread uniformly over a 3 x 3 km square;
from month 5 on a second snap point B also gets 12 a month. The nested choice for a month must
equal the in-sample advice computed on the months before it only
(:func:`~hotspots.evaluate.advice.parameter_score` with ``up_to``), scored on that month.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.cli import main
from hotspots.evaluate import Grid, backtest, parameter_score
from hotspots.evaluate.methods import MethodOptions
from hotspots.evaluate.nested_advice import format_nested, nested_parameters
from hotspots.periods import add_months

X0, Y0 = 500_000.0, 200_000.0
MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]
A = (X0 + 1_125.0, Y0 + 1_875.0)
B = (X0 + 2_375.0, Y0 + 625.0)
EPS = (50.0, "auto")
MS = (10, 30)
AREA_KM2 = 0.125  # two 250 m cells


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _world() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    xy, months = [], []
    for i, m in enumerate(MONTHS):
        parts = [np.repeat([A], 20, axis=0), rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (20, 2))]
        if i >= 4:
            parts.append(np.repeat([B], 12, axis=0))
        block = np.vstack(parts)
        xy.append(block)
        months += [m] * len(block)
    return np.vstack(xy), np.array(months)


def test_nested_choice_is_the_advice_on_earlier_months_scored_on_the_month(grid: Grid) -> None:
    xy, months = _world()
    nested = nested_parameters(
        xy, months, grid, eps_values=EPS, min_samples_values=MS, k=3, area_km2=AREA_KM2
    )
    # k = 3 tests Apr..Aug; a choice needs 2 earlier test months: Jun, Jul, Aug.
    assert nested.months["test_month"].tolist() == ["2025-06", "2025-07", "2025-08"]
    for row in nested.months.itertuples(index=False):
        before = add_months(row.test_month, -1)
        scores = {
            (e, m): parameter_score(
                xy,
                months,
                grid,
                eps_m=e,
                min_samples=m,
                k=3,
                area_km2=AREA_KM2,
                up_to=before,
                baselines=False,
            )["pai_median"]
            for e in EPS
            for m in (*MS, "auto")
        }
        assert row.inner_pai_median == pytest.approx(max(scores.values()))
        assert scores[(row.eps_m, row.min_samples)] == pytest.approx(row.inner_pai_median)
        on_month = backtest(
            xy,
            months,
            grid,
            methods=("dbscan",),
            ks=(3,),
            coverages=(AREA_KM2 / 9,),
            curve_coverages=(),
            options=MethodOptions(eps_m=row.eps_m, min_samples=row.min_samples),
            test_months=[row.test_month],
        ).rows
        pai = on_month.loc[on_month["coverage_label"] != "hotspot area", "pai"].iloc[0]
        assert row.pai == pytest.approx(pai)
    s = nested.summary
    assert s["months"] == 3 and s["favoured"] in {"nested", "auto"}  # 3 months: a verdict
    assert s["pai_median"] == pytest.approx(nested.months["pai"].median())
    # the same rule on every test month (April..August): the pair for September
    on_all = {
        (e, m): parameter_score(
            xy, months, grid, eps_m=e, min_samples=m, k=3, area_km2=AREA_KM2, baselines=False
        )["pai_median"]
        for e in EPS
        for m in (*MS, "auto")
    }
    nxt = s["next_choice"]
    assert nxt["inner_months"] == 5 and nxt["last_test_month"] == "2025-08"
    assert nxt["inner_pai_median"] == pytest.approx(max(on_all.values()))
    assert on_all[(nxt["eps_m"], nxt["min_samples"])] == pytest.approx(nxt["inner_pai_median"])
    text = format_nested(nested)
    assert "for the month after 2025-08: eps_m=" in text
    assert "automatic rule (eps_m=auto, min_samples=auto): median PAI" in text
    assert "the back-test favours:" in text


def test_nested_choice_does_not_look_ahead(grid: Grid) -> None:
    xy, months = _world()
    kw = {"eps_values": EPS, "min_samples_values": MS, "k": 3, "area_km2": AREA_KM2}
    before = nested_parameters(xy, months, grid, **kw).months.set_index("test_month")
    moved = xy.copy()
    moved[months >= "2025-07"] = [X0 + 10.0, Y0 + 10.0]
    after = nested_parameters(moved, months, grid, **kw).months.set_index("test_month")
    for col in ("eps_m", "min_samples", "inner_pai_median"):
        assert before.loc["2025-07", col] == after.loc["2025-07", col]
    assert before.loc["2025-07", "pai"] != after.loc["2025-07", "pai"]  # the month itself moved


def test_cli_advise_nested(demo_store_path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", "--methods", "grid", "--k", "3", "--coverages", "1", "--cell-m", "1000"]
    args += ["--advise-nested", "--store", str(demo_store_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Nested parameter choice (out of sample)" in out and "the back-test favours:" in out
