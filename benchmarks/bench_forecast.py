"""Benchmark: the ``forecast`` method's fit + score per test month vs the current back-test's.

Run by hand, not by pytest::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py            # the shipped demo data
    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py --store /tmp/cambs --repeats 3

Without ``--store`` the shipped demo data (Cambridgeshire 2025, 12 months of drug offences) is
ingested into a temporary store. Both sides run :func:`hotspots.evaluate.backtest` in this
process on the same drug offences, the same 250 m grid, one fit length (``--k``, default 3) and
the default coverages and PAI curve, alternating side by side ``--repeats`` times:

- ``baseline``: the current back-test, the four baseline methods (``dbscan``, ``kde``, ``grid``,
  ``gi``) together;
- ``forecast``: the ``forecast`` method alone, which builds its candidates for every stored month
  before each test month and scores them on every earlier month (its nested choice) from cold:
  a new :class:`~hotspots.evaluate.forecast.Forecaster` per run, with the candidate families
  from the store's other layers (``--features``, default the product's default families; the
  layers are read from the store once per run, inside the timing);
- ``forecast_drugs_only`` (when ``--features`` names any family): the same forecast without
  them, so the families' own cost is the difference of the two, measured in the same runs.

Reported: wall seconds per test month for each side (median over repeats), their ratio (target:
forecast at most 2x the back-test), and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from hotspots.evaluate import Grid, backtest, drug_offences
from hotspots.evaluate.forecast_features import ALL_FAMILIES, FAMILIES, store_layers
from hotspots.evaluate.methods import METHODS
from hotspots.store import Store


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def run(
    store_path: Path, k: int, repeats: int, families: tuple[str, ...] = FAMILIES
) -> dict[str, object]:
    """Time the sides ``repeats`` times, alternating; seconds per test month."""
    store = Store(store_path)
    grid = Grid.over(store.load_boundary("force_area"))
    xy, months = drug_offences(store)
    sides: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        "baseline": (tuple(METHODS), ()),
        "forecast": (("forecast",), families),
    }
    if families:
        sides["forecast_drugs_only"] = (("forecast",), ())
    seconds: dict[str, list[float]] = {s: [] for s in sides}
    n_test = 0
    load_before = _load()
    for _ in range(repeats):
        for side, (methods, fams) in sides.items():
            start = time.perf_counter()
            layers = store_layers(store, grid, fams) if fams else None
            result = backtest(xy, months, grid, methods=methods, ks=(k,), features=layers)
            elapsed = time.perf_counter() - start
            n_test = result.rows["test_month"].nunique()
            seconds[side].append(elapsed / n_test)
    per_month = {s: statistics.median(v) for s, v in seconds.items()}
    return {
        "store": str(store_path),
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
        "load_before": load_before,
        "load_after": _load(),
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
    args = p.parse_args()
    families = tuple(args.features)
    if args.store is None:
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
