"""Web benchmark: the production server (gunicorn) on loopback, 20 concurrent clients.

    python benchmarks/bench_web.py [--clients 20] [--workers 2] [--threads 4] [--seconds 20]

Builds the demo store in a temporary folder, starts ``gunicorn 'web:create_app()'`` on a free
loopback port, and measures:

- **cold**: the first request of each of many views (varied periods x map page / map frame),
  sent by ``--clients`` concurrent clients: nothing is cached yet;
- **warm**: the same views requested again, repeatedly, for ``--seconds`` (each gunicorn worker
  has its own cache, so every view is first requested once per worker before timing);
- **revalidation**: warm requests carrying the ETag (``If-None-Match``), answered 304;
- the largest map page and frame, in bytes.

Targets (issue "Web map service"): warm p95 <= 300 ms, cold p95 <= 1.5 s, map page <= 2 MB.
Only loopback traffic; every loop is bounded in count and time. Writes a JSON result to
``benchmarks/out/web.json``.

``--apps ours,plain`` runs the same phases against the baseline too: ``benchmarks/plain_web.py``
(Flask + Folium + scikit-learn DBSCAN with Flask-Caching's shared file cache and ETags, under
the same gunicorn settings; what a competent user would serve without this project). Each
phase runs every app in turn (the order rotating from phase to phase), each on a new server
with an empty cache; per phase the servers' CPU seconds (master and workers, from start-up
done to the end of the phase) and the 1-minute load average are recorded. ``--warm-presets 0``
keeps our app from making views before the clock starts (the baseline makes none).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def views() -> list[str]:
    """Varied periods of the demo year (3-, 6- and 12-month windows), page and frame."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    periods = [(months[i], months[i + n - 1]) for n in (3, 6) for i in range(0, 13 - n)]
    periods.append((months[0], months[-1]))
    out = []
    for start, end in periods:
        q = f"from={start}&to={end}"
        out += [f"/?{q}", f"/map/frame?{q}"]
    return out


#: The signed-in analyst's session cookie, sent with every request (set by :func:`sign_in`).
SESSION: dict[str, str] = {}
PASSWORD = "benchmark password 1234"


def sign_in(base: str, name: str) -> None:
    """Sign in through the form (CSRF token and all); keep the session cookie for ``fetch``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login", timeout=60) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())[1]
    form = urllib.parse.urlencode({"username": name, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data=form.encode(), timeout=60).read()
    cookies = {c.name: c.value for c in jar}
    SESSION["Cookie"] = f"hotspots_session={cookies['hotspots_session']}"


def fetch(base: str, path: str, etag: str | None = None) -> tuple[float, int, int, str | None]:
    """(seconds, status, bytes, etag) of one GET, as the signed-in analyst."""
    request = urllib.request.Request(base + path, headers=SESSION)
    if etag:
        request.add_header("If-None-Match", etag)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            status, tag = response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        body, status, tag = b"", exc.code, exc.headers.get("ETag")
    return time.perf_counter() - started, status, len(body), tag


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(name: str, results: list[tuple[float, int, int, str | None]]) -> dict[str, float]:
    times = [r[0] for r in results]
    errors = sum(1 for r in results if r[1] >= 400)
    return {
        "phase": name,
        "requests": len(results),
        "errors": errors,
        "p50_ms": round(1000 * statistics.median(times), 1),
        "p95_ms": round(1000 * pct(times, 95), 1),
        "max_ms": round(1000 * max(times), 1),
    }


def gunicorn_command(
    workers: int, threads: int, port: int, app: str = "web:create_app()"
) -> list[str]:
    """The production server as the docs run it: preloaded app, loopback ``port``."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]


class Server:
    """gunicorn serving ``store`` on a free loopback port, for a ``with`` block."""

    def __init__(
        self, store: Path, workers: int, threads: int, warm: int | None = None, app: str = "ours"
    ) -> None:
        self.store, self.workers, self.threads, self.warm = store, workers, threads, warm
        self.app = app
        # each server starts cold: its own, new disk cache (shared by its workers)
        self.cache = tempfile.TemporaryDirectory(prefix="hotspots-bench-cache-")
        self.cpu_s = 0.0

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the gunicorn master and its workers so far."""
        import psutil

        master = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [master, *master.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def __enter__(self) -> str:
        port = free_port()
        env = {
            **os.environ,
            "HOTSPOTS_STORE": str(self.store),
            "HOTSPOTS_CACHE_DIR": self.cache.name,
            "HOTSPOTS_COOKIE_SECURE": "false",  # plain HTTP on loopback
            # one account asks for every view: no per-account budget of new computations
            # (else 429s after COMPUTE_PER_MINUTE new views, counted as errors)
            "HOTSPOTS_COMPUTE_PER_MINUTE": "0",
        }
        if self.warm is not None:  # presets made at start-up (the app's default otherwise)
            env["HOTSPOTS_WARM_PRESETS"] = str(self.warm)
        if self.app == "plain":
            env["PLAIN_STORE"], env["PLAIN_CACHE_DIR"] = str(self.store), self.cache.name
            command = gunicorn_command(self.workers, self.threads, port, "plain_web:create_app()")
            cwd = ROOT / "benchmarks"
        else:
            command, cwd = gunicorn_command(self.workers, self.threads, port), ROOT
        self.process = subprocess.Popen(command, env=env, cwd=cwd)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.app == "plain":
                    fetch(base, "/static/none")  # any answer: the server is up
                else:
                    fetch(base, "/static/app.css")
                    sign_in(base, "bench-analyst")
                self.cpu_start = self.cpu_seconds()
                return base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.cpu_s = self.cpu_seconds() - self.cpu_start
        self.process.terminate()
        self.process.wait(timeout=30)
        self.cache.cleanup()


Result = tuple[float, int, int, str | None]


def one_at_a_time(base: str, paths: list[str]) -> list[Result]:
    """Cold requests with no competition: one client, each view once."""
    return [fetch(base, p) for p in paths]


def burst(base: str, paths: list[str], clients: int) -> list[tuple[str, Result]]:
    """Worst case: every view requested for the first time, all at once."""
    order = paths[:]
    random.Random(7).shuffle(order)
    with ThreadPoolExecutor(clients) as pool:
        return list(zip(order, pool.map(lambda p: fetch(base, p), order), strict=True))


def browsing(base: str, paths: list[str], clients: int, seconds: float) -> dict[str, list[Result]]:
    """Realistic use: each client opens a period's page and then its map frame, as a browser
    does, choosing periods at random (the 12-month and 3-month presets twice as often), for
    ``seconds``. A request is *cold* when its URL had not been requested from the server before;
    ~25% of warm requests revalidate with their ETag (304)."""
    pages = [p for p in paths if p.startswith("/?")]
    weights = [
        2.0 if ("2025-01&to=2025-12" in p or "2025-10&to=2025-12" in p) else 1.0 for p in pages
    ]
    seen: set[str] = set()
    etags: dict[str, str] = {}
    lock = threading.Lock()
    out: dict[str, list[Result]] = {"cold": [], "warm": [], "revalidate": []}
    stop = time.time() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(2000):  # bounded
            if time.time() >= stop:
                return
            page = rng.choices(pages, weights)[0]
            for path in (page, page.replace("/?", "/map/frame?")):
                with lock:
                    cold = path not in seen
                    seen.add(path)
                    tag = etags.get(path)
                revalidate = not cold and tag is not None and rng.random() < 0.25
                result = fetch(base, path, tag if revalidate else None)
                with lock:
                    if result[3]:
                        etags[path] = result[3]
                    kind = "cold" if cold else ("revalidate" if revalidate else "warm")
                    out[kind].append(result)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return out


def run_apps(
    store: Path, paths: list[str], args: argparse.Namespace, apps: list[str]
) -> dict[str, dict[str, object]]:
    """Every phase for every app, the apps' order rotating from phase to phase."""
    out: dict[str, dict[str, object]] = {a: {"cpu_s": {}, "load": {}} for a in apps}
    for i, phase in enumerate(("alone", "burst", "browsing")):
        for app in apps[i % len(apps) :] + apps[: i % len(apps)]:
            server = Server(store, args.workers, args.threads, args.warm_presets, app)
            load = os.getloadavg()[0]
            with server as base:
                if phase == "alone":
                    out[app]["alone"] = one_at_a_time(base, paths)
                elif phase == "burst":
                    out[app]["first"] = burst(base, paths, args.clients)
                else:
                    out[app]["used"] = browsing(base, paths, args.clients, args.seconds)
            out[app]["cpu_s"][phase] = round(server.cpu_s, 2)  # type: ignore[index]
            out[app]["load"][phase] = [round(load, 2), round(os.getloadavg()[0], 2)]  # type: ignore[index]
    return out


def report(app: str, got: dict[str, object]) -> dict[str, object]:
    """The phases' summaries, sizes and CPU seconds of one app."""
    alone, first, used = got["alone"], got["first"], got["used"]
    phases = [
        summary("cold, one request at a time", alone),  # type: ignore[arg-type]
        summary("cold burst: all views at once (worst case)", [r for _, r in first]),  # type: ignore[attr-defined]
        summary("browsing: cold (first request of a URL)", used["cold"]),  # type: ignore[index]
        summary("browsing: warm", used["warm"]),  # type: ignore[index]
        summary("browsing: revalidate (304)", used["revalidate"]),  # type: ignore[index]
    ]
    sizes = {
        "page": max(r[2] for p, r in first if p.startswith("/?")),  # type: ignore[attr-defined]
        "frame": max(r[2] for p, r in first if "frame" in p),  # type: ignore[attr-defined]
    }
    return {
        "app": app,
        "phases": phases,
        "max_bytes": sizes,
        "requests_browsing": sum(len(v) for v in used.values()),  # type: ignore[attr-defined]
        "status_304": sum(1 for r in used["revalidate"] if r[1] == 304),  # type: ignore[index]
        "server_cpu_s": got["cpu_s"],
        "load_1min_before_after": got["load"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--warm-presets",
        type=int,
        default=None,
        metavar="N",
        help="HOTSPOTS_WARM_PRESETS for the servers (default: the app's, 4); 0 = none made "
        "at start-up, every view truly cold",
    )
    parser.add_argument(
        "--apps", default="ours", help="comma-separated: ours, plain (benchmarks/plain_web.py)"
    )
    parser.add_argument("--tag", default="", help="suffix of the result file's name")
    args = parser.parse_args()
    apps = [a for a in args.apps.split(",") if a]
    if set(apps) - {"ours", "plain"}:
        parser.error("--apps: ours, plain")
    paths = views()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        subprocess.run(
            [Path(sys.executable).parent / "hotspots", "demo", "--store", store],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        sys.path.insert(0, str(ROOT))
        from hotspots.users import UserStore

        UserStore(store / "users.sqlite3").add("bench-analyst", PASSWORD, "analyst")
        got = run_apps(store, paths, args, apps)
    reports = [report(app, got[app]) for app in apps]
    result = {
        "warm_presets": args.warm_presets,
        "clients": args.clients,
        "workers": args.workers,
        "threads": args.threads,
        "views": len(paths),
        "cpus": os.cpu_count(),
        "seconds": args.seconds,
        "apps": reports,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    tag = "" if args.warm_presets is None else f"-warm{args.warm_presets}"
    (OUT / f"web{tag}{args.tag}.json").write_text(json.dumps(result, indent=1))
    print(
        f"{args.clients} clients, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{len(paths)} views, {os.cpu_count()} CPUs, browsing {args.seconds:g} s"
    )
    print("| app | phase | requests | errors | p50 ms | p95 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for rep in reports:
        for ph in rep["phases"]:  # type: ignore[attr-defined]
            print(
                f"| {rep['app']} | {ph['phase']} | {ph['requests']} | {ph['errors']} | "
                f"{ph['p50_ms']} | {ph['p95_ms']} | {ph['max_ms']} |"
            )
    for rep in reports:
        sizes = rep["max_bytes"]
        print(
            f"{rep['app']}: largest page {sizes['page']:,} B, frame {sizes['frame']:,} B; "  # type: ignore[index]
            f"server CPU s per phase {rep['server_cpu_s']}; load {rep['load_1min_before_after']}; "
            f"browsing requests {rep['requests_browsing']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
