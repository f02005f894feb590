"""Benchmark: the back-test's kernel density and Gi* against the public packages set up well.

Run by hand (not collected by pytest)::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_methods.py --store STORE --repeat 7

The back-test (``bench_forecast.py``'s denominator: the forecast's bound is 2x the back-test)
scores each test month's cells with :mod:`hotspots.evaluate.methods`. If those scorers were slow,
the forecast's ratio to them would flatter it. On the store's drug offences of the last ``--k``
months before its last month, on the back-test's 250 m grid, each scorer and its alternatives
run in the same process (imports and one-off set-up outside the timing), in interleaved rounds:

- kernel density (``bandwidth_m`` 250): **ours** ``score_kde`` (cell counts smoothed by
  ``scipy.ndimage.gaussian_filter``, truncated at 4 sd, zero outside the grid); **fft**: the
  same counts convolved with the same truncated Gaussian by ``scipy.signal.fftconvolve`` (same
  values to rounding); **sklearn**: ``KernelDensity(bandwidth=250, kernel="gaussian",
  algorithm="kd_tree", rtol=1e-4)`` fitted on the offences and scored at the study cells'
  centres (an unbinned density: the same purpose, other values);
- Gi* (binary weights over the 3 x 3 block of study cells, the cell itself included):
  **ours** ``score_gi`` (two ``scipy.ndimage.convolve``); **esda**: PySAL's
  ``esda.G_Local(counts, w, transform="B", permutations=0, star=True)`` with ``w`` the study
  cells' queen contiguity (``libpysal.weights.W.from_sparse``, built once, outside the timing;
  its build time is reported apart). The z-scores are compared (``Zs`` against ours).

Reported: per contender the median wall and CPU (``process_time``) milliseconds, their ratio to
ours, the largest difference from ours where the values should agree, and the 1-minute load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import signal, sparse

from hotspots.evaluate import Grid, drug_offences
from hotspots.evaluate.methods import MethodOptions, score_gi, score_kde
from hotspots.store import Store


def gaussian_kernel(sigma_cells: float, truncate: float = 4.0) -> np.ndarray:
    """The 2-D Gaussian ``scipy.ndimage.gaussian_filter`` applies (same radius and weights)."""
    radius = int(truncate * sigma_cells + 0.5)
    x = np.arange(-radius, radius + 1, dtype=float)
    one = np.exp(-0.5 * (x / sigma_cells) ** 2)
    one /= one.sum()
    return np.outer(one, one)


def queen_weights(grid: Grid) -> sparse.csr_matrix:
    """Binary queen contiguity among the study cells (the 3 x 3 block, self excluded)."""
    rows, cols = np.divmod(grid.cells, grid.nx)
    index = np.full(grid.nx * grid.ny, -1)
    index[grid.cells] = np.arange(grid.n_cells)
    i_all, j_all = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == dc == 0:
                continue
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < grid.ny) & (c >= 0) & (c < grid.nx)
            j = np.full(len(rows), -1)
            j[ok] = index[r[ok] * grid.nx + c[ok]]
            keep = j >= 0
            i_all.append(np.arange(grid.n_cells)[keep])
            j_all.append(j[keep])
    i, j = np.concatenate(i_all), np.concatenate(j_all)
    return sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(grid.n_cells, grid.n_cells))


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--k", type=int, default=3, help="fit months")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    import libpysal
    from esda.getisord import G_Local
    from sklearn.neighbors import KernelDensity

    store = Store(args.store)
    grid = Grid.over(store.load_boundary("force_area"))
    xy, months = drug_offences(store)
    held = sorted(set(months))
    fit = np.isin(months, held[-1 - args.k : -1])
    points = xy[fit]
    options = MethodOptions()
    sigma = options.bandwidth_m / grid.cell_m
    kernel = gaussian_kernel(sigma)
    centres = grid.centres()

    def fft() -> np.ndarray:
        smooth = signal.fftconvolve(grid.raster(grid.counts(points)), kernel, mode="same")
        return grid.from_raster(smooth)

    def sk() -> np.ndarray:
        kde = KernelDensity(
            bandwidth=options.bandwidth_m, kernel="gaussian", algorithm="kd_tree", rtol=1e-4
        )
        return kde.fit(points).score_samples(centres)

    started = time.perf_counter()
    weights = libpysal.weights.W.from_sparse(queen_weights(grid))
    w_build_s = time.perf_counter() - started

    def esda_gi() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            counts = grid.counts(points)
            return G_Local(counts, weights, transform="B", permutations=0, star=True).Zs

    contenders: dict[str, Callable[[], Any]] = {
        "kde ours": lambda: score_kde(grid, points, args.k, options).score,
        "kde fft": fft,
        "kde sklearn": sk,
        "gi ours": lambda: score_gi(grid, points, args.k, options).score,
        "gi esda": esda_gi,
    }
    walls: dict[str, list[float]] = {n: [] for n in contenders}
    cpus: dict[str, list[float]] = {n: [] for n in contenders}
    results: dict[str, Any] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for name, fn in contenders.items():
            wall, cpu, out = timed(fn)
            walls[name].append(wall)
            cpus[name].append(cpu)
            results[name] = out
        loads.append(os.getloadavg()[0])
    ours_kde, ours_gi = results["kde ours"], results["gi ours"]
    agree = {
        "kde fft": float(np.max(np.abs(results["kde fft"] - ours_kde))),
        "gi esda": float(np.max(np.abs(np.nan_to_num(results["gi esda"]) - ours_gi))),
    }
    rows = []
    for name in contenders:
        base = "kde ours" if name.startswith("kde") else "gi ours"
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        rows.append(
            {
                "contender": name,
                "wall_ms": round(1000 * wall, 2),
                "cpu_ms": round(1000 * cpu, 2),
                "wall_ratio_to_ours": round(wall / statistics.median(walls[base]), 2),
                "cpu_ratio_to_ours": round(cpu / max(statistics.median(cpus[base]), 1e-9), 2),
                "max_abs_difference_from_ours": agree.get(name),
            }
        )
    record = {
        "store": str(args.store),
        "fit_months": held[-1 - args.k : -1],
        "offences": int(fit.sum()),
        "study_cells": grid.n_cells,
        "raster": [grid.ny, grid.nx],
        "repeat": args.repeat,
        "esda_weights_build_s": round(w_build_s, 3),
        "load_1min_min_max": [min(loads), max(loads)],
        "rows": rows,
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_methods.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
