"""Digests of every role's answers, to show a speed change left every figure as it was.

For each role of the route table (``tests/test_route_role_table.py``) every GET door it lists,
plus the page, map frame and ``/map.json`` of ``bench_web.py``'s 18 periods, is asked of an app
on ``STORE`` (no presets, an empty cache), normalised as ``tests/test_route_outside_area.py``
does (form tokens, Folium ids, time stamps, the data version) and digested. Run it with the code
before and after a change and compare the two files::

    PYTHONPATH=$PWD python benchmarks/web_sameness.py STORE before.json   # on the old code
    PYTHONPATH=$PWD python benchmarks/web_sameness.py STORE after.json    # on the new
    python benchmarks/web_sameness.py --compare before.json after.json

``/admin/audit`` differs between any two runs (its sign-in times).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def digests(store: str) -> dict[str, list[object]]:
    """``"<role> <url>"`` -> [status, sha256 of the normalised body]."""
    sys.path.insert(0, str(ROOT))
    from hotspots.store import Store
    from tests.accounts import client_as
    from tests.test_route_outside_area import _comparable
    from tests.test_route_role_table import ROLES, TABLE
    from web import create_app

    folder = Path(tempfile.mkdtemp())
    base = {
        "STORE": store,
        "CACHE_DIR": str(folder / "cache"),
        "WARM_PATROL": False,
        "COMPUTE_PER_MINUTE": 0,
        "TESTING": True,
        "USERS_DB": str(folder / "users.sqlite3"),
        "WARM_PRESETS": 0,
    }
    apps = {"plain": create_app(base), "public": create_app({**base, "PUBLIC_MODE": True})}
    version = Store(store).manifest()["version"]
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    periods = [f"from={months[i]}&to={months[i + n - 1]}" for n in (3, 6) for i in range(13 - n)]
    periods.append("from=2025-01&to=2025-12")
    out: dict[str, list[object]] = {}
    for role in ROLES:
        if role in ("public", "anonymous"):
            client = client_as(apps["public" if role == "public" else "plain"], None)
        else:
            client = client_as(apps["plain"], "officer" if role == "officer_out" else role)
        urls = [
            d.url_for(role)
            for d in TABLE
            if d.method == "GET" and d.rule and not d.rule.startswith(("/static", "/tiles"))
        ]
        urls += [f"{p}?{q}" for q in periods for p in ("/", "/map/frame", "/map.json")]
        for url in urls:
            response = client.get(url)
            try:
                text = _comparable(response, version) if response.status_code == 200 else ""
                body = text.encode()
            except UnicodeDecodeError:  # an image or PDF: its bytes
                body = response.get_data()
            out[f"{role} {url}"] = [response.status_code, hashlib.sha256(body).hexdigest()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs=2, help="STORE OUT.json, or with --compare two OUT.json")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.paths)
        differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        print(f"{len(a)} and {len(b)} answers; {len(differ)} differ: {differ}")
        return
    got = digests(args.paths[0])
    Path(args.paths[1]).write_text(json.dumps(got, indent=0, sort_keys=True))
    print(f"{len(got)} answers; {sum(v[0] == 200 for v in got.values())} of them 200")


if __name__ == "__main__":
    main()
