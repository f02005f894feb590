"""The patrol plan as a sergeant gets it, against what a sergeant would do without it.

Not run by pytest (minutes a store). For each area (the whole force and each district of the
store), each plan size ``N`` and each month ``m`` with a stored month before it, the **capture**
(share of the area's drug offences of ``m`` in the plan's ``N`` places) of:

- ``plan``: the forecast plan made after ``m - 1`` (the default of ``/patrol``): the places
  :func:`hotspots.patrol.forecast_places` lists from the area's forecast
  (:func:`hotspots.evaluate.next_month.next_month` with ``area``: what
  :func:`web.analyses.forecast_after` makes for the page), the function
  :func:`hotspots.patrol.patrol_plan` uses;
- ``last 1 / 3 / 6``: the ``N`` 250 m cells with most of the area's drug offences in the last
  1, 3 or 6 stored months before ``m`` (fewer when fewer are held: the table says so), ties at
  the limit shared evenly (the expected capture of breaking them at random), cells with an
  offence only;
- ``hotspots``: the plan of ``?rank=hotspots``: the first ``N`` DBSCAN hotspots of the 3 months
  to ``m - 1`` (:func:`~hotspots.patrol.patrol_plan` with ``forecast=False`` and the page's
  arguments: an officer's view for a district (their area's part of each hotspot, polygons of
  250 m snap cells, the area's automatic parameters :func:`web.access.wards_parameters`), an
  analyst's for the force); its capture is the area's offences of ``m`` inside the union of the
  ``N`` polygons, whose area (km²) is reported beside it (not the same area as N cells).

The area's offences of ``m``: the drug offences recorded in the area's wards (the force: every
drug offence in the force area). Each month's forecast is taken from one ``next_month`` per area
(its back-test forecasts every earlier month from the months before it only); ``--check K``
remakes the forecast after ``m - 1`` directly for the last ``K`` months of every area and checks
it is the same (shares equal), so the plan measured is the plan the page would have shown.

The plan's stated capture (item 3 of the brief): for each (area, N, m) the capture the plan
states (:meth:`NextMonth.area_capture` as the plan gives it) beside the median of the captures
the same rule's plans actually had on the months before ``m`` (this script's ``plan`` column).

``--rule plan-size`` measures the rule stated in docs/forecast.md (*The patrol plan's own
size*): the plan's forecast chooses its candidates at the plan's own coverage.

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/patrol_capture.py --store /tmp/cambs \\
        --json /tmp/cambs-patrol.json [--n 5 10 20] [--check 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.analysis import store_months
from hotspots.evaluate.grid import CELL_M
from hotspots.evaluate.next_month import NextMonth, next_month
from hotspots.patrol.area import PatrolArea
from hotspots.patrol.forecast_places import forecast_places
from hotspots.patrol.plan import patrol_plan
from hotspots.periods import Period, add_months
from hotspots.store import Store

WINDOWS = (1, 3, 6)
BASIS_MONTHS = 3  # the page's (web.plans.BASIS_MONTHS)
SNAP_M = 250.0  # the default SNAP_M setting (officers' cells)


def as_of(final: NextMonth, month: str) -> NextMonth:
    """The forecast of ``month`` as ``next_month(store, month - 1)`` makes it, taken from the
    back-test of a later ``next_month`` (every month forecast from the months before it only)."""
    if month == final.month:
        return final
    shares = final.backtest_shares[month]
    largest = max(shares)
    score = next(s for m, _, s in final.backtest if m == month)
    return dataclasses.replace(
        final,
        month=month,
        score=score,
        expected_share=shares[largest],
        expected_offences=shares[largest] * math.nan,
        info={**final.info, "expected_total": math.nan},
        backtest=[b for b in final.backtest if b[0] < month],
        shares=shares,
        backtest_shares={m: s for m, s in final.backtest_shares.items() if m < month},
        counts={m: c for m, c in final.counts.items() if m < month},
    )


def same_forecast(a: NextMonth, b: NextMonth) -> bool:
    """Whether two forecasts rank and share alike (the plan and its stated capture)."""
    if set(a.shares) != set(b.shares) or set(a.backtest_shares) != set(b.backtest_shares):
        return False
    if any(not np.allclose(a.shares[c], b.shares[c], rtol=0, atol=1e-12) for c in a.shares):
        return False
    return all(
        np.allclose(a.backtest_shares[m][c], b.backtest_shares[m][c], rtol=0, atol=1e-12)
        for m in a.backtest_shares
        for c in a.backtest_shares[m]
    )


def top_cells_capture(counts: np.ndarray, actual: np.ndarray, n: int, total: float) -> float:
    """Share of ``total`` in the ``n`` cells with most ``counts`` (> 0), ties at the limit
    shared evenly."""
    if total <= 0:
        return math.nan
    have = counts > 0
    if have.sum() <= n:
        return float(actual[have].sum()) / total
    limit = np.sort(counts[have])[::-1][n - 1]
    above = counts > limit
    tied = counts == limit
    hits = float(actual[above].sum())
    hits += (n - float(above.sum())) / float(tied.sum()) * float(actual[tied].sum())
    return hits / total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20])
    ap.add_argument("--check", type=int, default=0, help="months per area remade directly")
    ap.add_argument("--rule", choices=("default", "plan-size"), default="default")
    ap.add_argument("--skip-hotspots", action="store_true", help="no ?rank=hotspots plans")
    ap.add_argument("--areas", nargs="*", help="district codes (default: all, and the force)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    store = Store(Path(args.store))
    wards = store.load_boundary("wards")
    events = store.load()
    drugs = events[
        (events[schema.LAYER] == "offence").to_numpy()
        & (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE).to_numpy()
    ]
    held = sorted(store_months(store))
    last = held[-1]
    districts = sorted(set(wards[schema.DISTRICT_CODE]))
    areas: list[tuple[str, PatrolArea]] = [("force", PatrolArea.force())]
    areas += [(d, PatrolArea.district(d)) for d in districts]
    if args.areas:
        areas = [a for a in areas if a[0] in args.areas]
    xy_all = shapely.get_coordinates(drugs.geometry.to_numpy())
    month_all = drugs[schema.MONTH].astype(str).to_numpy()
    ward_all = drugs[schema.WARD_CODE].to_numpy(dtype=object)
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    plan_size = args.rule == "plan-size"
    for key, area in areas:
        codes, label = area.resolve(wards)
        scoped = None if area.kind == "force" else codes
        t0 = time.perf_counter()
        finals = {
            n: next_month(
                store, last, cell_m=CELL_M, area=scoped, plan_places=n if plan_size else None
            )
            for n in (args.n if plan_size else args.n[:1])
        }
        final = finals[args.n[0]]
        grid = final.grid
        in_area = np.ones(len(drugs), bool) if scoped is None else np.isin(ward_all, list(codes))
        cell_all = grid.position(xy_all)
        targets = [m for m in held if m > held[0]]
        print(f"{label}: forecast {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        for m in targets:
            end = add_months(m, -1)
            aheads = {n: as_of(f, m) for n, f in finals.items()}
            mine = in_area & (month_all == m)
            total = float(mine.sum())
            actual = np.bincount(cell_all[mine & (cell_all >= 0)], minlength=grid.n_cells)
            before = [h for h in held if h < m]
            window_counts = {
                w: np.bincount(
                    cell_all[in_area & np.isin(month_all, before[-w:]) & (cell_all >= 0)],
                    minlength=grid.n_cells,
                )
                for w in WINDOWS
            }
            hot = (
                None
                if args.skip_hotspots
                else _hotspot_polygons(store, events, wards, area, codes, end, max(args.n), held)
            )
            for n in args.n:
                places, stated, _ = forecast_places(
                    aheads.get(n, aheads[args.n[0]]),
                    drugs,
                    wards,
                    codes,
                    drugs.iloc[:0].assign(rank=[]),
                    top_n=n,
                    basis_months=[end],
                    compare_months=None,
                    exact_points=True,
                )
                cells = places["cell"].to_numpy(dtype=int) if len(places) else np.array([], int)
                row: dict[str, Any] = {
                    "area": key,
                    "label": label,
                    "n": n,
                    "month": m,
                    "offences": int(total),
                    "plan": float(actual[cells].sum()) / total if total else math.nan,
                    "plan_places": len(cells),
                    "plan_coverage": stated.get("coverage"),
                    "stated": stated.get("median"),
                    "stated_months": stated.get("tested", []),
                }
                for w in WINDOWS:
                    row[f"last {w}"] = top_cells_capture(window_counts[w], actual, n, total)
                    row[f"last {w} months held"] = len(before[-w:])
                if hot is not None:
                    union = shapely.union_all(hot[:n]) if len(hot[:n]) else None
                    pts = shapely.points(xy_all[mine])
                    inside = (
                        int(
                            shapely.contains_xy(union, xy_all[mine][:, 0], xy_all[mine][:, 1]).sum()
                        )
                        if union is not None and len(pts)
                        else 0
                    )
                    row["hotspots"] = inside / total if total else math.nan
                    row["hotspots_km2"] = float(union.area / 1e6) if union is not None else 0.0
                    row["hotspots_places"] = len(hot[:n])
                rows.append(row)
        if args.check:
            for m in targets[-args.check :]:
                n = args.n[-1] if plan_size else args.n[0]
                direct = next_month(
                    store,
                    add_months(m, -1),
                    cell_m=CELL_M,
                    area=scoped,
                    plan_places=n if plan_size else None,
                )
                same = same_forecast(direct, as_of(finals[n], m))
                checks.append({"area": key, "month": m, "n": n, "same": same})
                print(f"  check {m}: {checks[-1]['same']}", file=sys.stderr)
        print(f"{label}: done {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    _stated_vs_realised(rows)
    out = {
        "store": str(args.store),
        "rule": args.rule,
        "months": held,
        "n": args.n,
        "rows": rows,
        "checks": checks,
        "seconds": time.perf_counter() - started,
    }
    Path(args.json).write_text(json.dumps(out, indent=1, default=float))
    print(summary(out))
    return 0


def _hotspot_polygons(
    store: Store,
    events: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    area: PatrolArea,
    codes: frozenset[str],
    end: str,
    n: int,
    held: list[str],
) -> list[Any] | None:
    """The first ``n`` places of the page's ``?rank=hotspots`` plan after ``end`` (None: fewer
    than 3 basis months held), in the plan's own order by rank."""
    basis = Period.months(add_months(end, 1 - BASIS_MONTHS), end)
    if not set(basis.months) <= set(held):
        return None
    district = area.kind != "force"
    eps: Any = "auto"
    min_samples: Any = "auto"
    if district:
        eps, min_samples = _area_parameters(events, codes, basis)
    plan = patrol_plan(
        store,
        end_month=end,
        area=area,
        top_n=n,
        basis_months=BASIS_MONTHS,
        events=events,
        wards=wards,
        forecast=False,
        snap_m=SNAP_M if district else None,
        area_parts=district,
        eps_m=eps,
        min_samples=min_samples,
    )
    return [p.polygon for p in sorted(plan.places, key=lambda p: p.force_rank)]


def _area_parameters(events: gpd.GeoDataFrame, codes: frozenset[str], basis: Period) -> tuple:
    """:func:`web.access.wards_parameters` without the app: the automatic DBSCAN parameters of
    the basis months from the area's drug offences only."""
    from hotspots.cluster import DetectorCore
    from hotspots.parameters import AUTO

    wanted = (
        (events[schema.LAYER] == "offence")
        & (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE)
        & events[schema.MONTH].isin(basis.months)
        & events[schema.WARD_CODE].isin(codes)
    ).to_numpy()
    detector = DetectorCore(eps_m=AUTO, min_samples=AUTO, n_months=basis.n_months)
    params = detector.fit(events[wanted]).params_
    return float(params["eps_m"]), int(params["min_samples"])


def _stated_vs_realised(rows: list[dict[str, Any]]) -> None:
    """Beside each plan's stated capture, the median of the captures the same rule's plans
    (same area and N) had on the months it states."""
    got = {(r["area"], r["n"], r["month"]): r["plan"] for r in rows}
    for r in rows:
        had = [
            got[(r["area"], r["n"], m)] for m in r["stated_months"] if (r["area"], r["n"], m) in got
        ]
        had = [h for h in had if not math.isnan(h)]
        r["realised"] = statistics.median(had) if had else None


def summary(out: dict[str, Any]) -> str:
    """Markdown tables: medians, paired wins of the plan, and per-month captures."""
    rows = out["rows"]
    methods = ["plan", "last 1", "last 3", "last 6", "hotspots"]
    lines = [
        f"store {out['store']}, rule {out['rule']}, months {out['months'][0]}..{out['months'][-1]}"
    ]
    for n in out["n"]:
        lines.append(f"\n### N = {n}\n")
        lines.append(
            "| area | months | " + " | ".join(methods) + " | plan wins vs last 1/3/6/hotspots |"
            " stated vs realised |"
        )
        lines.append("|---" * (len(methods) + 4) + "|")
        for area in dict.fromkeys(r["area"] for r in rows):
            mine = [
                r
                for r in rows
                if r["area"] == area
                and r["n"] == n
                and r["offences"] > 0
                and (r.get("hotspots") is not None or r["last 3 months held"] >= 3)
            ]
            if not mine:
                continue
            cells = []
            for k in methods:
                v = [r[k] for r in mine if k in r]
                if not v:
                    cells.append("-")
                    continue
                cells.append(
                    f"{100 * statistics.median(v):.1f} [{100 * min(v):.0f}-{100 * max(v):.0f}]"
                )
            wins = []
            for k in methods[1:]:
                if k not in mine[0]:
                    wins.append("-")
                    continue
                w = sum(r["plan"] > r[k] + 1e-9 for r in mine)
                t = sum(abs(r["plan"] - r[k]) <= 1e-9 for r in mine)
                wins.append(f"{w}" + (f"+{t}t" if t else ""))
            sv = [
                (r["stated"], r["realised"])
                for r in mine
                if r["stated"] is not None and r["realised"] is not None
            ]
            gap = max((abs(a - b) for a, b in sv), default=0.0)
            lines.append(
                f"| {mine[0]['label']} | {mine[0]['month']}..{mine[-1]['month']} ({len(mine)}) | "
                + " | ".join(cells)
                + f" | {'/'.join(wins)} of {len(mine)} | max gap {100 * gap:.1f} pts |"
            )
    lines.append("\n### Pooled: every area and month above (paired: plan minus the other)\n")
    lines.append("| N | pairs | vs | median difference (pts) | plan wins / losses / ties |")
    lines.append("|---|---|---|---|---|")
    for n in [*out["n"], "all"]:
        mine = [
            r
            for r in rows
            if (n == "all" or r["n"] == n)
            and r["offences"] > 0
            and (r.get("hotspots") is not None or r["last 3 months held"] >= 3)
        ]
        for k in methods[1:]:
            d = [r["plan"] - r[k] for r in mine if k in r]
            if not d:
                continue
            w, lo = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
            lines.append(
                f"| {n} | {len(d)} | {k} | {100 * statistics.median(d):+.1f} | "
                f"{w} / {lo} / {len(d) - w - lo} |"
            )
        km2 = [r["hotspots_km2"] for r in mine if r.get("hotspots") is not None]
        if km2 and n != "all":
            lines.append(
                f"| {n} | | hotspots' area | median {statistics.median(km2):.2f} km² "
                f"[{min(km2):.2f}-{max(km2):.2f}] vs {n} cells = {n * 0.0625:.2f} km² | |"
            )
    lines.append("\n### Per month (capture %, plan / last 1 / last 3 / last 6 / hotspots [km²])\n")
    for r in rows:
        h = r.get("hotspots")
        lines.append(
            f"{r['label']:<28} N={r['n']:<3} {r['month']} off={r['offences']:<4} "
            f"{_p(r['plan'])} / {_p(r['last 1'])} / {_p(r['last 3'])} / {_p(r['last 6'])} / "
            + (f"{_p(h)} [{r['hotspots_km2']:.2f}]" if h is not None else "-")
            + f"  cov={r['plan_coverage']} held(3,6)="
            + f"{r['last 3 months held']},{r['last 6 months held']}"
            + (
                f" stated={_p(r['stated'])} realised={_p(r['realised'])}"
                if r["stated"] is not None
                else ""
            )
        )
    if out.get("checks"):
        lines.append(f"\nchecks (forecast remade directly equals the back-test's): {out['checks']}")
    return "\n".join(lines)


def compare(base: dict[str, Any], variant: dict[str, Any], first_test: str) -> str:
    """The round-8 criterion (docs/forecast.md): paired differences of the plan's capture,
    variant minus base, same area, N and month, on the months before ``first_test`` (the
    criterion) and from it on (printed, not the criterion)."""
    got = {(r["area"], r["n"], r["month"]): r for r in base["rows"] if r["offences"] > 0}
    out = []
    for name, keep in (
        (f"before {first_test} (criterion)", lambda m: m < first_test),
        (f"{first_test} on (test months)", lambda m: m >= first_test),
    ):
        pairs = [
            (got[k]["plan"], r["plan"], k)
            for r in variant["rows"]
            if (k := (r["area"], r["n"], r["month"])) in got and keep(r["month"])
        ]
        if not pairs:
            continue
        diff = [v - b for b, v, _ in pairs]
        wins = sum(d > 1e-9 for d in diff)
        losses = sum(d < -1e-9 for d in diff)
        months = sorted({k[2] for _, _, k in pairs})
        line = (
            f"{name}: {len(pairs)} pairs ({months[0]}..{months[-1]}), median capture "
            f"{100 * statistics.median(b for b, _, _ in pairs):.1f} -> "
            f"{100 * statistics.median(v for _, v, _ in pairs):.1f}, median difference "
            f"{100 * statistics.median(diff):+.2f} pts, wins {wins}, losses {losses}, "
            f"ties {len(diff) - wins - losses}"
        )
        by_n = []
        for n in sorted({k[1] for _, _, k in pairs}):
            d = [v - b for b, v, k in pairs if k[1] == n]
            by_n.append(
                f"N={n}: {100 * statistics.median(d):+.2f} "
                f"({sum(x > 1e-9 for x in d)}/{sum(x < -1e-9 for x in d)})"
            )
        out.append(line + "; " + ", ".join(by_n))
    return "\n".join(out)


def _p(v: float | None) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:  # compare BASE.json VARIANT.json FIRST_TEST_MONTH
        a, b = (json.loads(Path(p).read_text()) for p in sys.argv[2:4])
        print(compare(a, b, sys.argv[4]))
        raise SystemExit(0)
    raise SystemExit(main())
