"""Issue 15's goal table from ``hotspots evaluate --json`` rows, on any range of test months.

Not run by pytest. ``docs/forecast.md`` (*Round 7*) uses it to give the goal's ratios on a
longer store and on a sub-range of its test months (the months the shared store tests), from
one evaluate run::

    python benchmarks/goal_ratios.py RESULT.json [--from 2019-10] [--to 2019-12] \\
        [--coverages 0.05% 1%] [--json OUT]

For every baseline (every method but ``forecast``), ``k`` and coverage: the baseline's median
PAI [min-max] over its test months in the range, the forecast's median over the same months,
and the ratio of the two medians (the goal's statistic: >= 1.10 at 0.05%, >= 1.05 at 1%, never
below 1.0), and how many of those months the forecast beats the baseline (paired by month, not
the goal's statistic). Standard library only: it reads the rows the evaluate command wrote.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

GOAL = {"0.05%": 1.10, "1%": 1.05}


def goal_rows(
    rows: list[dict[str, Any]], first: str | None, last: str | None, labels: list[str]
) -> list[dict[str, Any]]:
    """One entry per baseline x k x coverage label, on the test months in ``first..last``."""
    pai: dict[tuple[str, int, str], dict[str, float]] = {}
    for row in rows:
        month = str(row["test_month"])
        if (first and month < first) or (last and month > last):
            continue
        if row["coverage_label"] not in labels:
            continue
        pai.setdefault((row["method"], int(row["k"]), row["coverage_label"]), {})[month] = float(
            row["pai"]
        )
    out = []
    for (method, k, label), by_month in sorted(pai.items()):
        if method == "forecast":
            continue
        fc = pai.get(("forecast", k, label), {})
        months = sorted(set(by_month) & set(fc))
        if not months:
            continue
        base = [by_month[m] for m in months]
        ours = [fc[m] for m in months]
        ratio = statistics.median(ours) / statistics.median(base)
        out.append(
            {
                "baseline": method,
                "k": k,
                "coverage": label,
                "months": f"{months[0]}..{months[-1]}",
                "n_months": len(months),
                "baseline_median": statistics.median(base),
                "baseline_min": min(base),
                "baseline_max": max(base),
                "forecast_median": statistics.median(ours),
                "forecast_min": min(ours),
                "forecast_max": max(ours),
                "ratio": ratio,
                "goal": GOAL.get(label),
                "forecast_wins": sum(o > b for o, b in zip(ours, base, strict=True)),
                "ties": sum(o == b for o, b in zip(ours, base, strict=True)),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="hotspots evaluate --json output")
    parser.add_argument("--from", dest="first", help="first test month (YYYY-MM)")
    parser.add_argument("--to", dest="last", help="last test month (YYYY-MM)")
    parser.add_argument("--coverages", nargs="+", default=["0.05%", "1%"])
    parser.add_argument("--json", type=Path, help="write the table as JSON")
    args = parser.parse_args()
    rows = json.loads(args.result.read_text())["rows"]
    table = goal_rows(rows, args.first, args.last, args.coverages)
    for e in table:
        goal = e["goal"]
        verdict = "" if goal is None else ("met" if e["ratio"] >= goal else "short")
        if goal is not None and e["ratio"] < 1.0:
            verdict = "below 1"
        print(
            f"{e['baseline']:7} k={e['k']:<2} {e['coverage']:6} {e['months']} ({e['n_months']}): "
            f"base {e['baseline_median']:.1f} [{e['baseline_min']:.1f}-{e['baseline_max']:.1f}] "
            f"forecast {e['forecast_median']:.1f} [{e['forecast_min']:.1f}-"
            f"{e['forecast_max']:.1f}] ratio {e['ratio']:.3f} {verdict} "
            f"(wins {e['forecast_wins']}/{e['n_months']}, ties {e['ties']})"
        )
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
