"""Check that ``benchmarks/patrol_capture.py`` measured the plan the page shows.

For one month and ``N``, makes each area's plan through the page's own function
(:func:`web.plans.get_plan`; the force as an analyst sees it, each district as its officers do)
and prints its capture of that month and its stated back-test beside the benchmark's JSON row.
Not run by pytest (a minute or two a store)::

    PYTHONPATH=. .venv/bin/python benchmarks/patrol_page_check.py --store /tmp/mersey \\
        --json /tmp/mersey-patrol.json --month 2019-12 [--n 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import shapely
from flask import g

from hotspots import schema
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.patrol.area import PatrolArea
from hotspots.periods import add_months
from hotspots.store import Store
from web import create_app
from web.access import Access
from web.plans import PatrolRequest, get_plan


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--month", required=True)
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args(argv)
    rows = json.loads(Path(args.json).read_text())["rows"]
    app = create_app(
        {
            "STORE": args.store,
            "CACHE_DIR": tempfile.mkdtemp(),
            "WARM_PATROL": False,
            "WARM_PRESETS": 0,
            "COMPUTE_PER_MINUTE": 0,
            "SIGNIFICANCE_SIMS": 19,  # the places do not depend on it
        }
    )
    store = Store(Path(args.store))
    wards = store.load_boundary("wards")
    grid = Grid.over(store.load_boundary("force_area"), CELL_M)
    events = store.load(["offence"])
    events = events[
        (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE).to_numpy()
        & (events[schema.MONTH].astype(str) == args.month).to_numpy()
    ]
    cell = grid.position(shapely.get_coordinates(events.geometry.to_numpy()))
    same = True
    for r in rows:
        if r["month"] != args.month or r["n"] != args.n:
            continue
        force = r["area"] == "force"
        with app.app_context():
            g.access = (
                Access("analyst", "benchmark")
                if force
                else Access("officer", "benchmark", scope=(r["area"],))
            )
            area = PatrolArea.force() if force else PatrolArea.district(r["area"])
            plan = get_plan(PatrolRequest(end=add_months(args.month, -1), area=area, n=args.n))
        cells = grid.position(np.array([p.polygon.centroid.coords[0] for p in plan.places]))
        codes = set(wards.loc[wards[schema.DISTRICT_CODE] == r["area"], schema.WARD_CODE])
        mine = (
            np.ones(len(events), dtype=bool)
            if force
            else events[schema.WARD_CODE].isin(codes).to_numpy()
        )
        held = float(np.isin(cell[mine], cells).sum() / mine.sum())
        stated = plan.parameters["forecast"]["capture"].get("median")
        agree = abs(held - r["plan"]) < 1e-12 and (
            stated == r["stated"] or abs(stated - r["stated"]) < 1e-12
        )
        same &= agree
        print(
            f"{r['label']}: page {held:.4f} (stated {stated}), benchmark {r['plan']:.4f} "
            f"(stated {r['stated']}): {'same' if agree else 'DIFFERENT'}"
        )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
