"""Load benchmark: 50 signed-in clients on the production server for 60 s, on loopback.

    python benchmarks/bench_load.py [--clients 50] [--seconds 60] [--workers 2] [--threads 4]

Builds the demo store in a temporary folder, makes one account per client (analysts, officers,
commissioner's office and admins, as a force would have them), starts
``gunicorn --preload 'web:create_app()'`` on a free loopback port, signs every client in through
the sign-in form (CSRF token and all), then each client sends, for ``--seconds``, a random mix of
the pages and API calls its role may use, over varied periods. It records every response's time
and status, and the resident memory of the gunicorn processes every 5 s.

Pass: zero errors (any 5xx, any failed connection, any 4xx other than the 304s of revalidation),
and memory stable (the last sample within 20% of the sample at 10 s). Writes
``benchmarks/out/load.json``. Plain HTTP on loopback: the session cookie's Secure flag is
switched off for it (``HOTSPOTS_COOKIE_SECURE=false``), as docs/settings.md says for plain-HTTP
tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import OUT, ROOT, free_port, gunicorn_command, pct

PASSWORD = "benchmark password 1234"
#: (role, share of the clients)
ROLE_MIX = (("analyst", 0.4), ("officer", 0.3), ("commissioner", 0.2), ("admin", 0.1))
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def periods() -> list[tuple[str, str]]:
    return [(MONTHS[i], MONTHS[i + n - 1]) for n in (1, 3, 6) for i in range(0, 13 - n)] + [
        (MONTHS[0], MONTHS[-1])
    ]


def requests_for(role: str, rng: random.Random) -> str:
    """One request a ``role`` may make, on a random period."""
    start, end = rng.choice(periods())
    q = f"from={start}&to={end}"
    choices = [
        f"/?{q}",
        f"/map/frame?{q}",
        f"/map.json?{q}",
        f"/api/v1/wards?{q}",
        f"/api/v1/hotspots?{q}",
        "/api/v1/meta",
    ]
    n = MONTHS.index(end) - MONTHS.index(start) + 1
    if MONTHS.index(start) >= n:  # the compare page needs the previous period's data too
        choices.append(f"/compare?{q}")
    if role in ("analyst", "admin", "commissioner"):
        choices += [f"/briefing?{q}"]
    if role in ("analyst", "admin", "officer"):
        choices += [f"/patrol?to={end if end >= '2025-06' else '2025-06'}"]
    if role in ("analyst", "admin"):
        choices += [f"/api/v1/events?{q}&layer=raid", f"/api/v1/events?{q}&format=csv"]
    return rng.choice(choices)


class Client:
    """One signed-in browser: its own cookies."""

    def __init__(self, base: str, name: str) -> None:
        self.base, self.name = base, name
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path: str) -> tuple[float, int]:
        return self._open(urllib.request.Request(self.base + path))

    def sign_in(self) -> None:
        with self.opener.open(self.base + "/login", timeout=60) as page:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())[1]
        form = urllib.parse.urlencode(
            {"username": self.name, "password": PASSWORD, "csrf_token": token, "next": "/"}
        ).encode()
        _, status = self._open(urllib.request.Request(self.base + "/login", data=form))
        if status != 302:
            raise RuntimeError(f"{self.name}: sign-in answered {status}")

    def _open(self, request: urllib.request.Request) -> tuple[float, int]:
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.read()
            status = exc.code
        except OSError:
            status = 0  # a failed connection
        return time.perf_counter() - started, status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children, MiB (from /proc)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        subprocess.run(
            [bin_dir / "hotspots", "demo", "--store", store], check=True, stdout=subprocess.DEVNULL
        )
        sys.path.insert(0, str(ROOT))
        from hotspots.users import UserStore

        users = UserStore(store / "users.sqlite3")
        accounts = []
        for i in range(args.clients):
            share = (i + 0.5) / args.clients
            cumulative = 0.0
            role = ROLE_MIX[-1][0]
            for candidate, fraction in ROLE_MIX:
                cumulative += fraction
                if share <= cumulative:
                    role = candidate
                    break
            name = f"load-{role}-{i:02d}"
            scope = (
                ["E07000008"]
                if role == "officer" and i % 2
                else (["E06000031"] if role == "officer" else [])
            )
            users.add(name, PASSWORD, role, scope)
            accounts.append((name, role))
        port = free_port()
        env = {
            **os.environ,
            "HOTSPOTS_STORE": str(store),
            "HOTSPOTS_COOKIE_SECURE": "false",
            "HOTSPOTS_CACHE_DIR": str(Path(tmp) / "cache"),
            "HOTSPOTS_LOGIN_MAX_FAILURES": "1000",
            # 50 accounts' random mixes measure throughput; the per-account budget of new
            # computations (default 20 a minute, then 429) would count as errors
            "HOTSPOTS_COMPUTE_PER_MINUTE": "0",
        }
        server = subprocess.Popen(
            gunicorn_command(args.workers, args.threads, port),
            env=env,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(base + "/static/app.css", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.2)
            clients = [Client(base, name) for name, _ in accounts]
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(Client.sign_in, clients))
            results: list[tuple[str, str, float, int]] = []
            memory: list[tuple[float, float]] = []
            lock = threading.Lock()
            started = time.time()
            stop = started + args.seconds

            def sample() -> None:
                while time.time() < stop:
                    memory.append((round(time.time() - started, 1), round(rss_mib(server.pid), 1)))
                    time.sleep(5)

            def run(index: int) -> None:
                rng = random.Random(index)
                client, (_, role) = clients[index], accounts[index]
                for _ in range(100_000):  # bounded
                    if time.time() >= stop:
                        return
                    path = requests_for(role, rng)
                    seconds, status = client.get(path)
                    with lock:
                        results.append((role, path.split("?")[0], seconds, status))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(run, range(args.clients)))
            sampler.join(timeout=10)
        finally:
            server.terminate()
            server.wait(timeout=30)
    times = [r[2] for r in results]
    errors = [r for r in results if r[3] == 0 or r[3] >= 400]
    by_kind: dict[str, list[float]] = {}
    for _, path, seconds, _ in results:
        kind = "api" if path.startswith("/api/") else "page"
        by_kind.setdefault(kind, []).append(seconds)
    by_route: dict[str, list[float]] = {}
    for _, path, seconds, _ in results:
        by_route.setdefault(path, []).append(seconds)
    at_10 = next((m for t, m in memory if t >= 10), memory[0][1] if memory else 0.0)
    last = memory[-1][1] if memory else 0.0
    result = {
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "requests": len(results),
        "requests_per_s": round(len(results) / args.seconds, 1),
        "errors": len(errors),
        "error_examples": errors[:10],
        "p50_ms": round(1000 * statistics.median(times), 1),
        "p95_ms": round(1000 * pct(times, 95), 1),
        "by_kind": {
            k: {
                "requests": len(v),
                "p50_ms": round(1000 * statistics.median(v), 1),
                "p95_ms": round(1000 * pct(v, 95), 1),
            }
            for k, v in by_kind.items()
        },
        "by_route": {  # where the minute goes: each route's count, median and summed time
            k: {
                "requests": len(v),
                "p50_ms": round(1000 * statistics.median(v), 1),
                "total_s": round(sum(v), 1),
            }
            for k, v in sorted(by_route.items(), key=lambda kv: -sum(kv[1]))
        },
        "memory_mib": memory,
        "memory_stable": bool(memory) and last <= 1.2 * at_10,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(result, indent=1))
    print(
        f"{args.clients} signed-in clients, {args.seconds:g} s, gunicorn {args.workers}x"
        f"{args.threads}: {len(results)} requests ({result['requests_per_s']}/s), "
        f"{len(errors)} errors, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms"
    )
    for kind, figures in result["by_kind"].items():
        print(f"  {kind}: {figures}")
    for route, figures in result["by_route"].items():
        print(f"  {route}: {figures}")
    print(f"  memory (s, MiB): {memory}  stable: {result['memory_stable']}")
    return 0 if not errors and result["memory_stable"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
