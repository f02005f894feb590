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
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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


def fetch(base: str, path: str, etag: str | None = None) -> tuple[float, int, int, str | None]:
    """(seconds, status, bytes, etag) of one GET."""
    request = urllib.request.Request(base + path)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        subprocess.run([bin_dir / "hotspots", "demo", "--store", store], check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        env = {**os.environ, "HOTSPOTS_STORE": str(store)}
        server = subprocess.Popen(
            [bin_dir / "gunicorn", "--workers", str(args.workers), "--threads",
             str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "web:create_app()"],
            env=env, cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    fetch(base, "/static/app.css")
                    break
                except OSError:
                    time.sleep(0.2)
            paths = views()
            rng = random.Random(7)
            cold_order = paths[:]
            rng.shuffle(cold_order)
            with ThreadPoolExecutor(args.clients) as pool:
                cold = list(pool.map(lambda p: fetch(base, p), cold_order))
                # Each worker keeps its own cache: request every view a few more times first.
                list(pool.map(lambda p: fetch(base, p), paths * (2 * args.workers)))
                etags = {p: fetch(base, p)[3] for p in paths}
                warm: list[tuple[float, int, int, str | None]] = []
                revalidated: list[tuple[float, int, int, str | None]] = []
                stop = time.time() + args.seconds
                max_requests = 20000

                def client(seed: int) -> None:
                    r = random.Random(seed)
                    while time.time() < stop and len(warm) + len(revalidated) < max_requests:
                        path = r.choice(paths)
                        if r.random() < 0.25:
                            revalidated.append(fetch(base, path, etags[path]))
                        else:
                            warm.append(fetch(base, path))

                list(pool.map(client, range(args.clients)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    sizes = {"page": max(r[2] for r, p in zip(cold, cold_order, strict=True) if p.startswith("/?")),
             "frame": max(r[2] for r, p in zip(cold, cold_order, strict=True) if "frame" in p)}
    result = {
        "clients": args.clients, "workers": args.workers, "threads": args.threads,
        "views": len(paths), "cpus": os.cpu_count(),
        "phases": [summary("cold", cold), summary("warm", warm),
                   summary("revalidate (304)", revalidated)],
        "max_bytes": sizes,
        "status_304": sum(1 for r in revalidated if r[1] == 304),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(result, indent=1))
    print(f"{args.clients} clients, gunicorn {args.workers} workers x {args.threads} threads, "
          f"{len(paths)} views, {os.cpu_count()} CPUs")
    print("| phase | requests | errors | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for ph in result["phases"]:
        print(f"| {ph['phase']} | {ph['requests']} | {ph['errors']} | {ph['p50_ms']} | "
              f"{ph['p95_ms']} | {ph['max_ms']} |")
    print(f"largest map page {sizes['page']:,} bytes, largest map frame {sizes['frame']:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
