"""Check that two versions of the forecast give the same results on real stores (by hand).

A speed-up of :mod:`hotspots.evaluate.forecast` may change the arithmetic (the order of a sum,
smoothing each month instead of each mean) but not what the forecast finds. Run by hand, not
by pytest::

    .venv/bin/python benchmarks/forecast_equivalence.py --old /path/to/old/checkout \\
        --new . --store /tmp/cambs --store /tmp/mersey
    PYTHONPATH=. .venv/bin/python benchmarks/forecast_equivalence.py --old /path/to/old \\
        --new . --synthetic-months 12 --synthetic-side-km 105 --synthetic-offences 250 \\
        --synthetic-towns 30

``--synthetic-months N`` (with ``--synthetic-side-km``, ``--synthetic-offences`` and
``--synthetic-towns``, as ``bench_forecast.py``) compares the two on a made-up force made once
by this checkout's ``bench_forecast.synthetic_force`` and given to both.

Each checkout runs in its own process (``PYTHONPATH`` = that checkout): the back-test of the
``forecast`` method alone at ``k = 1`` (so every stored month with a month before it is a test
month, at the default coverages and PAI curve), and :meth:`Forecaster.forecast` of every stored
month and the month after the last. Compared:

- every row's PAI, PEI, hit rate, n, n* and RRI: equal to ``--rtol`` (default 1e-9) relative;
- every month's ``info`` (the chosen candidates, blends, inner PAIs, shrinkage strengths) and
  each target coverage's full ranking of the candidates: identical;
- with ``--exact``: every row, score, tier blend and inner PAI identical, bit for bit;
- reported, not required: the largest difference of the scores and tier blends (relative to
  their largest value), whether the cells' order is the same, and the inner PAIs' largest
  difference. Where scores differ only by rounding, cells tied in exact arithmetic may come in
  another order (``same order False``); that changes a row only if such a tie straddles a
  coverage's limit, which the row check would show.

Exit status 1 when a required check fails.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

_DUMP = r"""
import pickle, sys
from pathlib import Path
import numpy as np
from hotspots.evaluate import Grid, backtest, drug_offences
from hotspots.evaluate.forecast import Forecaster
from hotspots.periods import add_months
from hotspots.store import Store

if sys.argv[1].endswith(".pkl"):  # a made-up force: (grid, xy, months)
    with open(sys.argv[1], "rb") as f:
        grid, xy, months = pickle.load(f)
else:
    store = Store(Path(sys.argv[1]))
    grid = Grid.over(store.load_boundary("force_area"))
    xy, months = drug_offences(store)
result = backtest(xy, months, grid, methods=("forecast",), ks=(1,))
columns = ["test_month", "coverage", "n", "N", "n_star", "pai", "pei", "hit_rate", "rri"]
pos = grid.position(np.asarray(xy, dtype=float))
held = sorted(set(months.tolist()))
counts = {
    m: np.bincount(pos[(pos >= 0) & (months == m)], minlength=grid.n_cells).astype(float)
    for m in held
}
forecaster = Forecaster(grid, counts)
per_month = {}
for m in held[1:] + [add_months(held[-1], 1)]:
    made = forecaster.forecast(m)
    per_month[m] = {
        "score": made.score,
        "tiers": made.tier_values,
        "info": made.info,
        "ranking": forecaster.ranking(m),
        "inner": {i: forecaster.inner_scores(i) for i in forecaster.inner_months(m)},
    }
out = {
    "rows": result.rows[columns].to_dict("list"),
    "row_info": [str(i) for i in result.rows["info"]],
    "months": per_month,
}
with open(sys.argv[2], "wb") as f:
    pickle.dump(out, f)
"""


def dump(checkout: Path, store: Path, out: Path) -> dict[str, Any]:
    """Run the forecast of ``checkout`` on ``store`` in a new process; its outputs."""
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    subprocess.run(
        [sys.executable, "-c", _DUMP, str(store), str(out)],
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # not a checkout: PYTHONPATH decides which code runs
    )
    with open(out, "rb") as f:
        loaded: dict[str, Any] = pickle.load(f)
    return loaded


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = float(np.max(np.abs(a))) if len(a) else 0.0
    return float(np.max(np.abs(a - b))) / scale if scale > 0 else float(np.max(np.abs(a - b)))


def compare(
    old: dict[str, Any], new: dict[str, Any], rtol: float, exact: bool = False
) -> list[str]:
    """Print the comparison; return the failed required checks (``exact``: every row, score,
    tier blend and inner PAI must also be identical, bit for bit)."""
    failed: list[str] = []
    if exact:
        failed += _exact(old, new)
    rows_old, rows_new = old["rows"], new["rows"]
    if rows_old["test_month"] != rows_new["test_month"] or (
        rows_old["coverage"] != rows_new["coverage"]
    ):
        return ["the rows' test months or coverages differ"]
    worst: dict[str, float] = {}
    for col in ("pai", "pei", "hit_rate", "n", "n_star", "rri"):
        a, b = np.asarray(rows_old[col], float), np.asarray(rows_new[col], float)
        if (np.isnan(a) != np.isnan(b)).any():
            failed.append(f"{col}: NaN in one version only")
        ok = ~np.isnan(a)
        rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), 1e-300)
        worst[col] = float(rel.max()) if len(rel) else 0.0
        for i in np.flatnonzero(ok)[rel > rtol]:
            failed.append(
                f"{col} {rows_old['test_month'][i]} at {rows_old['coverage'][i]:g}: "
                f"{float(a[i])!r} -> {float(b[i])!r}"
            )
    print(f"rows: {len(rows_old['pai'])}, largest relative difference {worst}")
    if old["row_info"] != new["row_info"]:
        failed.append("the rows' info differs")
    for month, a in old["months"].items():
        b = new["months"].get(month)
        if b is None:
            failed.append(f"{month}: missing")
            continue
        if a["info"] != b["info"]:
            failed.append(f"{month}: info differs: {a['info']} -> {b['info']}")
        if {c: names for c, (names, _) in a["ranking"].items()} != {
            c: names for c, (names, _) in b["ranking"].items()
        }:
            failed.append(f"{month}: the candidates' ranking differs")
        inner = 0.0
        for m, scores in a["inner"].items():
            for name, pais in scores.items():
                for p, q in zip(pais, b["inner"][m][name], strict=True):
                    if not (math.isnan(p) and math.isnan(q)):
                        inner = max(inner, abs(p - q) / max(abs(p), 1e-300))
        tiers = max((_relative(a["tiers"][c], b["tiers"][c]) for c in a["tiers"]), default=0.0)
        same_order = np.array_equal(
            np.argsort(-a["score"], kind="stable"), np.argsort(-b["score"], kind="stable")
        )
        print(
            f"{month}: score {_relative(a['score'], b['score']):.1e}, tiers {tiers:.1e}, "
            f"same order {same_order}, inner PAIs {inner:.1e}"
        )
    return failed


def _exact(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The outputs that are not identical bit for bit (NaN equal to NaN)."""
    failed: list[str] = []
    for col, a in old["rows"].items():
        if not np.array_equal(
            np.asarray(a), np.asarray(new["rows"][col]), equal_nan=col != "test_month"
        ):
            failed.append(f"rows' {col}: not identical")
    for month, a in old["months"].items():
        b = new["months"].get(month)
        if b is None:
            continue
        if not np.array_equal(a["score"], b["score"]):
            failed.append(f"{month}: scores not identical")
        if a["tiers"].keys() != b["tiers"].keys() or any(
            not np.array_equal(v, b["tiers"][c]) for c, v in a["tiers"].items()
        ):
            failed.append(f"{month}: tier blends not identical")
        same = a["inner"].keys() == b["inner"].keys() and all(
            np.array_equal(
                np.asarray(p, float), np.asarray(b["inner"][m][name], float), equal_nan=True
            )
            for m, scores in a["inner"].items()
            for name, p in scores.items()
        )
        if not same:
            failed.append(f"{month}: inner PAIs not identical")
    print(f"bit for bit: {not failed}")
    return failed


def main() -> None:
    """Parse the options, dump both versions per store, compare, exit 1 on a failure."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--old", type=Path, required=True, help="checkout of the reference code")
    p.add_argument("--new", type=Path, required=True, help="checkout of the changed code")
    p.add_argument("--store", type=Path, action="append", default=[])
    p.add_argument("--synthetic-months", type=int, help="compare on a made-up force too")
    p.add_argument("--synthetic-side-km", type=float, default=44.0)
    p.add_argument("--synthetic-offences", type=int, default=5000, help="a month")
    p.add_argument("--synthetic-towns", type=int, default=0, help="points round N towns")
    p.add_argument("--rtol", type=float, default=1e-9)
    p.add_argument(
        "--exact", action="store_true", help="require identical rows, scores and inner PAIs"
    )
    args = p.parse_args()
    if not args.store and not args.synthetic_months:
        p.error("give --store or --synthetic-months")
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = list(args.store)
        if args.synthetic_months:
            from bench_forecast import synthetic_force  # this script's folder

            made = synthetic_force(
                args.synthetic_months,
                args.synthetic_side_km,
                args.synthetic_offences,
                towns=args.synthetic_towns,
            )
            path = Path(tmp) / "synthetic.pkl"
            with open(path, "wb") as f:
                pickle.dump(made, f)
            sources.append(path)
        for i, store in enumerate(sources):
            print(f"== {store}")
            old = dump(args.old, store, Path(tmp) / f"old{i}.pkl")
            new = dump(args.new, store, Path(tmp) / f"new{i}.pkl")
            failed += [f"{store}: {f}" for f in compare(old, new, args.rtol, args.exact)]
    print("EQUIVALENT" if not failed else "NOT EQUIVALENT:\n" + "\n".join(failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
