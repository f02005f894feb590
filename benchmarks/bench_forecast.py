"""Benchmark: the ``forecast`` method's fit + score per test month vs the current back-test's.

Run by hand, not by pytest::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py            # the shipped demo data
    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py --store /tmp/cambs --repeats 3
    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py --synthetic-months 36 \
        --synthetic-side-km 44 --synthetic-offences 5000 --repeats 2

``--synthetic-months N`` times a made-up force instead of a store (no store, no layers): a
square of ``--synthetic-side-km`` (44 km: 30,976 cells of 250 m) with
``--synthetic-offences`` drug offences a month on 3,000 snap points of lognormal weights
(seeded), each point's weight drifting month to month and one point in twelve seasonal (its
weight x 4 in one calendar month), spread uniformly or round ``--synthetic-towns`` towns: a
force with 24-36 consecutive months, so the forecast's history cap and seasonal candidates run,
or a large rural one, which neither real store exercises.

Without ``--store`` the shipped demo data (Cambridgeshire 2025, 12 months of drug offences) is
ingested into a temporary store. Both sides run :func:`hotspots.evaluate.backtest` in this
process on the same drug offences, the same 250 m grid, one fit length (``--k``, default 3) and
the default coverages and PAI curve, alternating side by side ``--repeats`` times (the order
rotating from repeat to repeat):

- ``baseline``: the current back-test, the four baseline methods (``dbscan``, ``kde``, ``grid``,
  ``gi``) together;
- ``forecast``: the ``forecast`` method alone, which builds its candidates for every stored month
  before each test month and scores them on every earlier month (its nested choice) from cold:
  a new :class:`~hotspots.evaluate.forecast.Forecaster` per run, with the candidate families
  from the store's other layers (``--features``, default the product's default families; the
  layers are read from the store once per run, inside the timing);
- ``forecast_drugs_only`` (when ``--features`` names any family): the same forecast without
  them, so the families' own cost is the difference of the two, measured in the same runs.

Reported: wall and CPU (``process_time``) seconds per test month for each side (median over
repeats), their ratios (target: forecast at most 2x the back-test; CPU time is steadier on a
shared machine), the machine's load average before and after, and the peak memory.

The baseline's scorers are the fast setups of their methods (``bench_methods.py``: the kernel
density by ``scipy.ndimage.gaussian_filter``, Gi* by two convolutions; an FFT convolution,
scikit-learn's ``KernelDensity`` and PySAL's ``esda.G_Local`` all take longer), so the ratio is
not flattered by a slow denominator.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from hotspots.evaluate import Grid, backtest, drug_offences
from hotspots.evaluate.forecast_features import ALL_FAMILIES, FAMILIES, store_layers
from hotspots.evaluate.methods import METHODS
from hotspots.store import Store


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def synthetic_force(
    n_months: int, side_km: float, offences_per_month: int, seed: int = 23, towns: int = 0
) -> tuple[Grid, np.ndarray, np.ndarray]:
    """A made-up force (see the module docstring): its grid, offence points and months. With
    ``towns`` > 0 the snap points lie around that many town centres (sd 1.5 km, kept inside)
    instead of uniformly: a rural force's offences, most of its area without any."""
    rng = np.random.default_rng(seed)
    x0, y0 = 500_000.0, 200_000.0
    side_m = side_km * 1000.0
    area = gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + side_m, y0 + side_m)], crs="EPSG:27700")
    grid = Grid.over(area)
    n_points = 3000
    points = rng.uniform([x0, y0], [x0 + side_m, y0 + side_m], (n_points, 2))
    if towns > 0:
        centres = rng.uniform([x0, y0], [x0 + side_m, y0 + side_m], (towns, 2))
        points = centres[rng.integers(0, towns, n_points)] + rng.normal(0, 1500.0, (n_points, 2))
        points = np.clip(points, [x0 + 1, y0 + 1], [x0 + side_m - 1, y0 + side_m - 1])
    weight = rng.lognormal(0.0, 1.5, n_points)
    season = np.where(rng.random(n_points) < 1 / 12, rng.integers(1, 13, n_points), 0)
    xy, months = [], []
    for i in range(n_months):
        month = f"{2020 + i // 12}-{i % 12 + 1:02d}"
        weight = weight * rng.lognormal(0.0, 0.15, n_points)  # drift
        w = weight * np.where(season == i % 12 + 1, 4.0, 1.0)
        at = rng.choice(n_points, offences_per_month, p=w / w.sum())
        xy.append(points[at])
        months += [month] * offences_per_month
    return grid, np.vstack(xy), np.array(months)


def run(
    store_path: Path, k: int, repeats: int, families: tuple[str, ...] = FAMILIES
) -> dict[str, object]:
    """Time the sides ``repeats`` times, alternating; seconds per test month."""
    store = Store(store_path)
    grid = Grid.over(store.load_boundary("force_area"))
    xy, months = drug_offences(store)
    out = run_arrays(grid, xy, months, k, repeats, families, store)
    return {"store": str(store_path), **out}


def run_arrays(
    grid: Grid,
    xy: np.ndarray,
    months: np.ndarray,
    k: int,
    repeats: int,
    families: tuple[str, ...] = FAMILIES,
    store: Store | None = None,
) -> dict[str, object]:
    """:func:`run` on offences in memory (layers from ``store``, when given and asked for)."""
    families = families if store is not None else ()
    sides: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        "baseline": (tuple(METHODS), ()),
        "forecast": (("forecast",), families),
    }
    if families:
        sides["forecast_drugs_only"] = (("forecast",), ())
    seconds: dict[str, list[float]] = {s: [] for s in sides}
    cpu: dict[str, list[float]] = {s: [] for s in sides}
    n_test = 0
    load_before = _load()
    order = list(sides.items())
    for repeat in range(repeats):
        # the sides' order rotates from repeat to repeat: none always first (the first run in
        # a process pays its lazy imports and cold caches)
        turn = repeat % len(order)
        for side, (methods, fams) in order[turn:] + order[:turn]:
            start, start_cpu = time.perf_counter(), time.process_time()
            layers = store_layers(store, grid, fams) if fams and store is not None else None
            result = backtest(xy, months, grid, methods=methods, ks=(k,), features=layers)
            elapsed = time.perf_counter() - start
            elapsed_cpu = time.process_time() - start_cpu
            n_test = result.rows["test_month"].nunique()
            seconds[side].append(elapsed / n_test)
            cpu[side].append(elapsed_cpu / n_test)
    per_month = {s: statistics.median(v) for s, v in seconds.items()}
    cpu_per_month = {s: statistics.median(v) for s, v in cpu.items()}
    return {
        "offences": len(xy),
        "months": len(set(months)),
        "study_cells": grid.n_cells,
        "k": k,
        "test_months": n_test,
        "repeats": repeats,
        "seconds_per_test_month": per_month,
        "all_seconds_per_test_month": seconds,
        "forecast_features": list(families),
        "ratio_forecast_to_baseline": per_month["forecast"] / per_month["baseline"],
        "cpu_seconds_per_test_month": cpu_per_month,
        "cpu_ratio_forecast_to_baseline": cpu_per_month["forecast"] / cpu_per_month["baseline"],
        "load_before": load_before,
        "load_after": _load(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Parse the options, run, print JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--store", type=Path, help="store to read (default: the demo data)")
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--features",
        nargs="*",
        choices=ALL_FAMILIES,
        default=list(FAMILIES),
        help="the forecast's families from the store's other layers (none: drug counts only)",
    )
    p.add_argument("--synthetic-months", type=int, help="time a made-up force of N months")
    p.add_argument("--synthetic-side-km", type=float, default=44.0)
    p.add_argument("--synthetic-offences", type=int, default=5000, help="a month")
    p.add_argument("--synthetic-towns", type=int, default=0, help="points round N towns")
    args = p.parse_args()
    families = tuple(args.features)
    if args.synthetic_months:
        grid, xy, months = synthetic_force(
            args.synthetic_months,
            args.synthetic_side_km,
            args.synthetic_offences,
            towns=args.synthetic_towns,
        )
        out = {"store": "synthetic", **run_arrays(grid, xy, months, args.k, args.repeats, ())}
    elif args.store is None:
        from hotspots.cli import main as cli

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "store"
            with contextlib.redirect_stdout(io.StringIO()):  # keep stdout pure JSON
                cli(["demo", "--store", str(path)])
            out = run(path, args.k, args.repeats, families)
    else:
        out = run(args.store, args.k, args.repeats, families)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
