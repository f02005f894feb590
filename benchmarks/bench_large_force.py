"""Each role's main pages on a large force's store, timed one by one (run by hand).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_large_force.py STORE
        [--from 2024-10 --to 2024-12] [--year 2024] [--sims 199]
        [--roles analyst,officer,commissioner,admin,public] [--json OUT]

Makes the app as ``hotspots serve`` does (the settings' defaults: significance simulations,
caches), with a fresh cache folder and no warming at start-up, so that each page is timed cold
(the first visitor's wait) and then once more warm. Signs in one account per role (the
officer scoped to the store's first district, as ``tests/test_journeys_real_stores.py`` does)
through the sign-in form. For each page: HTTP status, wall and CPU seconds cold, wall seconds
warm, bytes, and the process's resident memory after it and its peak so far (``ru_maxrss``).
The inputs for a large force come from ``benchmarks/make_large_force.py``; docs/benchmarks.md
has the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mib() -> float:
    """The process's resident memory now, in MiB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mib() -> float:
    """The process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pages(role: str, period: str, year: str, last: str) -> list[str]:
    """The pages a person in ``role`` opens first, with the period asked for."""
    common = [
        f"/?{period}",
        f"/map/frame?{period}",
        f"/compare?{period}",
        f"/?{year}",  # the year's map and its frame
        f"/map/frame?{year}",
    ]
    if role == "public":
        return [*common, f"/api/v1/wards?{period}"]
    out = [
        *common,
        f"/map.json?{period}",
        f"/briefing?{period}",
        f"/briefing.png?{period}",
        f"/briefing.pdf?{period}",
        f"/patrol?to={last}",
        f"/patrol.csv?to={last}",
        f"/patrol.gpx?to={last}",
        f"/api/v1/hotspots?{period}",
        f"/api/v1/wards?{period}",
        f"/api/v1/events?{period}",
        "/ogc/collections",
    ]
    if role != "officer":  # the offences as heat and as clusters, a year
        out += [f"/map/frame?{year}&offences=heat", f"/map/frame?{year}&offences=clusters"]
    if role in ("analyst", "admin"):
        months = "/".join(v.split("=")[1] for v in period.split("&"))
        out += [
            f"/ogc/collections/hotspots/items?datetime={months}",
            f"/ogc/collections/wards/items?datetime={months}",
            f"/ogc/collections/offences/items?datetime={months}&limit=1000",
        ]
    if role == "admin":
        out += ["/upload", "/admin/users", "/admin/audit"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Time the pages; print a table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--from", dest="first", default="2024-10")
    ap.add_argument("--to", dest="last", default="2024-12")
    ap.add_argument("--year", default="2024")
    ap.add_argument("--sims", type=int, default=None, help="SIGNIFICANCE_SIMS (default: settings')")
    ap.add_argument("--roles", default="analyst,officer,commissioner,admin,public")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from hotspots.store import Store
    from tests.accounts import sign_in
    from web import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-large-"))
    config = {
        "STORE": args.store,
        "CACHE_DIR": str(work / "cache"),
        "USERS_DB": str(work / "users.sqlite3"),
        "WARM_PRESETS": 0,
        "WARM_PATROL": False,
        "PUBLIC_MODE": True,
        "COMPUTE_PER_MINUTE": 0,
    }
    if args.sims is not None:
        config["SIGNIFICANCE_SIMS"] = args.sims
    started = time.perf_counter()
    app = create_app(config)
    print(f"create_app: {time.perf_counter() - started:.2f} s, rss {rss_mib():.0f} MiB")
    with app.app_context():
        districts = sorted(set(Store(args.store).load_boundary("wards")["district_code"]))
    period = f"from={args.first}&to={args.last}"
    rows = []
    print("role         status cold_s cpu_s warm_s bytes rss_MiB peak_MiB url")
    for role in args.roles.split(","):
        client = app.test_client()
        if role != "public":
            sign_in(client, role, (districts[0],) if role == "officer" else ())
        for url in pages(role, period, f"from={args.year}-01&to={args.year}-12", args.last):
            timings, cpu = [], []
            for _ in range(2):
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(url)
                body = response.get_data()
                timings.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            row = {
                "role": role,
                "url": url,
                "status": response.status_code,
                "cold_s": round(timings[0], 3),
                "warm_s": round(timings[1], 3),
                "cold_cpu_s": round(cpu[0], 3),
                "bytes": len(body),
                "rss_mib": round(rss_mib()),
                "peak_mib": round(peak_mib()),
            }
            rows.append(row)
            print(
                f"{role:12} {row['status']} {row['cold_s']:7.2f} {row['cold_cpu_s']:6.2f} "
                f"{row['warm_s']:6.2f} "
                f"{row['bytes']:>10,} {row['rss_mib']:>6} {row['peak_mib']:>6}  {url}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
