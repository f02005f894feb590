"""Hotspot dynamics: Mann-Kendall by hand and the class rules on hand-made runs."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from scipy.stats import norm
from shapely.geometry import Point, box

from hotspots.dynamics import (
    classify,
    grid_dynamics,
    hotspot_dynamics,
    mann_kendall,
    run_of_periods,
)
from hotspots.evaluate.grid import Grid
from hotspots.periods import Period


def test_mann_kendall_by_hand() -> None:
    s, p = mann_kendall(
        [[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], [2, 2, 2, 2, 2, 2], [1, 3, 2, 3, 1, 2]]
    )
    # Last row, sign(x_j - x_i) from each i: 1 -> +4 (3,2,3,2 up; 1 tied), 3 -> -3, 2 -> 0,
    # 3 -> -2, 1 -> +1: S = 0.
    assert s.tolist() == [15, -15, 0, 4 - 3 + 0 - 2 + 1]
    var = 6 * 5 * 17 / 18
    assert p[0] == pytest.approx(2 * norm.sf((15 - 1) / math.sqrt(var)))
    assert p[1] == pytest.approx(p[0])
    assert p[2] == 1.0  # no variance
    # Ties: values 1,1,2,2,3,3 -> three pairs of ties: var = (6*5*17 - 3*2*1*9) / 18.
    s4, p4 = mann_kendall([[1, 3, 2, 3, 1, 2]])
    var4 = (6 * 5 * 17 - 3 * (2 * 1 * 9)) / 18
    assert p4[0] == pytest.approx(2 * norm.sf(max(abs(s4[0]) - 1, 0) / math.sqrt(var4)))
    short_s, short_p = mann_kendall([[1, 2]])
    assert short_s.tolist() == [0] and short_p.tolist() == [1]


@pytest.mark.parametrize(
    ("flags", "counts", "expected"),
    [
        ("......", [0, 0, 0, 0, 0, 0], "not hot"),
        (".....#", [0, 0, 0, 0, 0, 9], "new"),
        ("....##", [0, 0, 1, 0, 7, 8], "emerging"),  # a run at the end, none before
        ("######", [5, 6, 5, 6, 5, 6], "persistent"),
        ("######", [1, 2, 3, 4, 5, 6], "emerging"),  # hot throughout and rising (intensifying)
        ("######", [6, 5, 4, 3, 2, 1], "diminishing"),  # falling
        ("#####.", [5, 5, 6, 5, 5, 2], "diminishing"),  # was persistently hot, now not
        ("#.#.#.", [4, 1, 4, 1, 4, 1], "intermittent"),
        ("#..#.#", [4, 1, 1, 4, 1, 4], "intermittent"),  # last hot, but hot before the run too
    ],
)
def test_class_rules(flags: str, counts: list[int], expected: str) -> None:
    hot = np.array([[c == "#" for c in flags]])
    out = classify(hot, np.array([counts]))
    assert out["dynamics_class"].iloc[0] == expected
    assert out["dynamics_hot"].iloc[0] == flags
    assert out["periods_hot"].iloc[0] == flags.count("#")


def test_classify_checks_shapes() -> None:
    with pytest.raises(ValueError, match="must be the same"):
        classify(np.zeros((2, 3), dtype=bool), np.zeros((2, 4)))


def test_run_of_periods_ends_at_the_month() -> None:
    run = run_of_periods("2025-03", 4)
    assert [p.start for p in run] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert [p.n_months for p in run] == [1, 1, 1, 1]
    quarters = run_of_periods("2025-06", 2, months_each=3)
    assert [(p.start, p.end) for p in quarters] == [("2025-01", "2025-03"), ("2025-04", "2025-06")]


def _offences(points: list[tuple[float, float, str]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"month": [m for _, _, m in points]},
        geometry=[Point(x, y) for x, y, _ in points],
        crs="EPSG:27700",
    )


def test_hotspot_dynamics_on_a_new_and_a_persistent_place() -> None:
    months = ["2025-01", "2025-02", "2025-03"]
    persistent = [(500_000.0, 200_000.0, m) for m in months for _ in range(6)]
    new = [(503_000.0, 200_000.0, "2025-03")] * 6
    offences = _offences(persistent + new)
    polygons = gpd.GeoSeries(
        [Point(500_000, 200_000).buffer(60), Point(503_000, 200_000).buffer(60)], crs="EPSG:27700"
    )
    out = hotspot_dynamics(polygons, offences, [Period.months(m, m) for m in months], eps_m=50)
    assert out["dynamics_class"].tolist() == ["persistent", "new"]
    assert out["dynamics_hot"].tolist() == ["###", "..#"]


def test_grid_dynamics_marks_a_cell_that_turns_hot() -> None:
    area = gpd.GeoDataFrame(geometry=[box(500_000, 200_000, 502_500, 202_500)], crs="EPSG:27700")
    grid = Grid.over(area, 250)
    rng = np.random.default_rng(0)
    months = [f"2025-0{i}" for i in range(1, 7)]
    xy, ms = [], []
    for i, m in enumerate(months):
        noise = rng.uniform([500_000, 200_000], [502_500, 202_500], (30, 2))
        burst = np.repeat([[501_125.0, 201_125.0]], 15 if i >= 4 else 0, axis=0)
        pts = np.vstack([noise, burst])
        xy.append(pts)
        ms += [m] * len(pts)
    out = grid_dynamics(grid, np.vstack(xy), ms, [Period.months(m, m) for m in months])
    cell = out[(out["x_m"] == 501_125) & (out["y_m"] == 201_125)].iloc[0]
    assert cell["dynamics_class"] == "emerging" and cell["dynamics_hot"] == "....##"
    assert len(out) == grid.n_cells
