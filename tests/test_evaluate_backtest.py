"""The rolling-origin back-test, the parameter advice and ``hotspots evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.cli import main
from hotspots.evaluate import Grid, MethodOptions, advise_parameters, backtest, parameter_score
from hotspots.evaluate.chart import backtest_chart
from hotspots.store import Store

X0, Y0 = 500_000.0, 200_000.0
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
SPOT = (X0 + 1_125.0, Y0 + 1_875.0)  # centre of a 250 m cell


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


@pytest.fixture(scope="module")
def stationary() -> tuple[np.ndarray, np.ndarray]:
    """Each month: 20 offences on one snap point (a stable hotspot) and 20 spread uniformly."""
    rng = np.random.default_rng(11)
    xy, months = [], []
    for m in MONTHS:
        xy += [
            np.repeat([SPOT], 20, axis=0),
            rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (20, 2)),
        ]
        months += [m] * 40
    return np.vstack(xy), np.array(months)


def test_rolling_origin_rows_and_known_answers(grid: Grid, stationary) -> None:
    xy, months = stationary
    result = backtest(xy, months, grid, ks=(1, 3), coverages=(0.01, 0.05), curve_coverages=(0.2,))
    rows = result.rows
    # k=1 tests Feb..Jun (5 months), k=3 tests Apr..Jun (3); 4 methods; 3 coverages + the
    # hotspot area.
    assert len(rows) == (5 + 3) * 4 * 4
    assert set(rows.loc[rows["k"] == 3, "test_month"]) == {"2025-04", "2025-05", "2025-06"}
    assert set(rows.loc[rows["k"] == 3, "fit_months"]) == {
        "2025-01..2025-03",
        "2025-02..2025-04",
        "2025-03..2025-05",
    }
    one = rows[(rows["coverage"] == 0.01) & (rows["method"] == "grid")]
    # 1% of 144 cells = 1.44 cells: the hotspot's cell (20 + ~0.14 noise offences) is chosen.
    assert (one["n"] >= 20).all() and (one["pai"] > 30).all()
    summary = result.summary()
    pai = summary.set_index(["method", "k", "coverage_label"])["pai_median"]
    for method in ("dbscan", "kde", "grid"):
        assert pai[(method, 3, "1%")] > 30, method
    # Gi* gives the hotspot's 8 neighbours nearly its z (their blocks hold it): about 1.44 of
    # those 9 cells are chosen, PAI ~ 144 x (20 / 40) / 9 x 1.44 / 1.44 ~ 20.
    assert 10 < pai[("gi", 3, "1%")] < 30
    # Beyond the hotspots the DBSCAN method ranks cells by the kernel density: the same cells.
    at5 = rows[rows["coverage_label"] == "5%"].set_index(["k", "test_month", "method"])["n"]
    assert at5.xs("dbscan", level="method").equals(at5.xs("kde", level="method"))
    assert "hotspot area" in set(rows["coverage_label"])
    info = rows.loc[rows["method"] == "dbscan", "info"].iloc[0]
    assert info["n_hotspots"] >= 1 and 0 < info["hotspot_cells_share"] < 0.05
    data = json.loads(json.dumps(result.to_dict(), default=str))
    assert data["formulas"]["pai"].startswith("(n / N) / (a / A)")
    assert data["grid"]["origin_x_m"] == X0 and data["grid"]["cell_m"] == 250


def test_months_across_a_gap_are_never_joined(grid: Grid) -> None:
    xy = np.array([[X0 + 10, Y0 + 10]] * 2)
    assert backtest(xy, ["2025-01", "2025-03"], grid).rows.empty  # tests/test_gaps.py: runs
    with pytest.raises(ValueError, match="expected some of"):
        backtest(xy, ["2025-01", "2025-02"], grid, methods=("magic",))


def test_chart_is_a_png(grid: Grid, stationary, tmp_path: Path) -> None:
    xy, months = stationary
    result = backtest(xy, months, grid, ks=(3,))
    path = backtest_chart(result, tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parameter_score_and_advice(grid: Grid, stationary) -> None:
    xy, months = stationary
    score = parameter_score(xy, months, grid, eps_m=50, min_samples=10, area_km2=0.0625)
    # One cell (0.0625 km² of 9 km²): the hotspot's cell; PAI = hit rate x 144.
    assert score["months"] == 3 and score["coverage"] == pytest.approx(1 / 144)
    assert score["pai_median"] > 60 and score["grid_pai_median"] > 60
    advice = advise_parameters(
        xy, months, grid, eps_values=(50.0, "auto"), min_samples_values=(10, 30), area_km2=0.0625
    )
    assert len(advice.table) == 4
    # Best first: the first row has the highest median PAI.
    assert advice.best["pai_median"] == advice.table["pai_median"].max()
    assert json.dumps(advice.to_dict(), default=str)


def test_method_options_reach_the_methods(grid: Grid, stationary) -> None:
    xy, months = stationary
    narrow = backtest(
        xy, months, grid, methods=("kde",), ks=(3,), options=MethodOptions(bandwidth_m=50)
    )
    wide = backtest(
        xy, months, grid, methods=("kde",), ks=(3,), options=MethodOptions(bandwidth_m=800)
    )
    assert narrow.settings["bandwidth_m"] == 50
    assert not narrow.rows["n"].equals(wide.rows["n"])


def test_cli_evaluate_prints_formulas_and_writes_json_and_chart(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    out_json, out_png = tmp_path / "e.json", tmp_path / "e.png"
    args = ["evaluate", "--k", "3", "--coverages", "1", "2", "--cell-m", "500"]
    args += ["--json", str(out_json), "--chart", str(out_png)]
    assert main([*args, "--store", str(demo_store.path)]) == 0
    text = capsys.readouterr().out
    assert "PAI: (n / N) / (a / A)" in text and "RRI: PAI_T2 / PAI_T1" in text
    assert "500 m cells, origin (" in text
    data = json.loads(out_json.read_text())
    assert {r["method"] for r in data["summary"]} == {"dbscan", "kde", "grid", "gi"}
    assert {r["coverage_label"] for r in data["summary"]} >= {"1%", "2%"}
    assert out_png.read_bytes()[:4] == b"\x89PNG"
    assert main(["evaluate", "--coverages", "0", "--store", str(demo_store.path)]) == 2
    assert "--coverages 0.0: expected a percentage" in capsys.readouterr().err
