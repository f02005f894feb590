"""The seasonal candidates from 12 months of history against 24 (the rule before), by hand.

Run (not collected by pytest)::

    PYTHONPATH=. .venv/bin/python benchmarks/season_rule_check.py

Made-up forces (30 km square, 14,400 cells of 250 m, 800 drug offences a month on 2,000 snap
points round 20 towns, weights drifting month to month; seeds 1-3), 30 months, without seasonal
points and with one point in ten seasonal (weight x 6 in one calendar month). The forecast of
months 14-30 under each rule (``candidates.SEASON_MONTHS`` set before each ``Forecaster``); PAI
at 0.05% and 1% of the area, medians and the months one rule beats the other at 0.05%. A check
that building the seasonal candidates earlier does not let them be chosen by chance where there
is no seasonality (``docs/forecast.md``, *Store shapes*).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import box

import hotspots.evaluate.forecast.candidates as cand
from hotspots.evaluate import Grid
from hotspots.evaluate.forecast import Forecaster, pai_at


def world(
    n_months: int, seasonal_share: float, seed: int, side_km: float = 30.0
) -> tuple[Grid, dict[str, np.ndarray]]:
    """A made-up force's grid and drug offences per cell a month (module docstring)."""
    rng = np.random.default_rng(seed)
    x0, y0, side = 500_000.0, 200_000.0, side_km * 1000
    area = gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + side, y0 + side)], crs="EPSG:27700")
    grid = Grid.over(area)
    n, towns, per_month = 2000, 20, 800
    centres = rng.uniform([x0, y0], [x0 + side, y0 + side], (towns, 2))
    points = centres[rng.integers(0, towns, n)] + rng.normal(0, 1500, (n, 2))
    points = np.clip(points, [x0 + 1, y0 + 1], [x0 + side - 1, y0 + side - 1])
    weight = rng.lognormal(0, 1.5, n)
    season = np.where(rng.random(n) < seasonal_share, rng.integers(1, 13, n), 0)
    counts = {}
    for i in range(n_months):
        weight = weight * rng.lognormal(0, 0.15, n)
        w = weight * np.where(season == i % 12 + 1, 6.0, 1.0)
        at = rng.choice(n, per_month, p=w / w.sum())
        counts[f"{2020 + i // 12}-{i % 12 + 1:02d}"] = grid.counts(points[at])
    return grid, counts


def main() -> None:
    """Print, per world, the medians under each rule and the months one beats the other."""
    for share in (0.0, 0.1):
        for seed in (1, 2, 3):
            grid, counts = world(30, share, seed)
            months = sorted(counts)[13:]
            pais = {}
            for rule in (24, 12):
                cand.SEASON_MONTHS = rule
                f = Forecaster(grid, counts)
                pais[rule] = np.array(
                    [
                        [pai_at(f.forecast(m).score, counts[m], c) for c in (0.0005, 0.01)]
                        for m in months
                    ]
                )
            old, new = pais[24], pais[12]
            better = int((new[:, 0] > old[:, 0] + 1e-9).sum())
            worse = int((new[:, 0] < old[:, 0] - 1e-9).sum())
            print(
                f"seasonal share {share} seed {seed}, months 14-30, rule 24 -> 12: median PAI "
                f"0.05% {np.median(old[:, 0]):.1f} -> {np.median(new[:, 0]):.1f}, "
                f"1% {np.median(old[:, 1]):.1f} -> {np.median(new[:, 1]):.1f}; "
                f"0.05% better in {better}, worse in {worse} of {len(months)} months",
                flush=True,
            )


if __name__ == "__main__":
    main()
