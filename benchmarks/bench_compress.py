"""Compression benchmark: response sizes and times of the large answers, plain and compressed.

    python benchmarks/bench_compress.py [--store DIR] [--repeat 7]

Builds the demo store in a temporary folder (or uses ``--store``), makes the app in-process
(an analyst through ``TRUSTED_USER_HEADER``), warms each URL once, then requests it
``--repeat`` times with no ``Accept-Encoding`` and with each of gzip, br and zstd, side by side,
and reports per URL and encoding: the body size, the median wall and CPU time of a request
(Flask's test client: the app's own work, no network), and the CPU time of compressing the
plain body once with flask-compress's settings (gzip level 6, Brotli quality 4, zstd level 3).
``transfer_10mbit_ms`` is computed, not measured: the body's bytes over a 10 Mbit/s link.

The alternative a competent user would set up: flask-compress's own cache of compressed bodies
(``COMPRESS_CACHE_BACKEND`` + ``COMPRESS_CACHE_KEY``, keyed by the path, query and user, so that
a warm answer is compressed once, not per request; the app does not cache them). A second app
with that cache runs in the same interleaved rounds (``setup`` = ``cached``), and for each URL
the size and CPU of Brotli at quality 11 (what a precompressing static server such as nginx's
``brotli_static`` would send) are computed once (``br11_*``; not a request). Writes
``benchmarks/out/compress.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import brotli
from flask_compress.compat import compression  # zstd: Python 3.14 or backports.zstd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
URLS = (
    "/map/frame?from=2025-01&to=2025-12",
    "/map/frame?from=2025-09&to=2025-11",
    "/map.json?from=2025-01&to=2025-12",
    "/api/v1/wards?from=2025-01&to=2025-12",
    "/api/v1/hotspots?from=2025-01&to=2025-12",
    "/api/v1/events?from=2025-01&to=2025-12",
    "/ogc/collections/offences/items?limit=10000",
)
ENCODINGS = ("identity", "gzip", "br", "zstd")


def _compress_cpu_ms(body: bytes, encoding: str) -> float:
    """CPU milliseconds to compress ``body`` once, as flask-compress does (median of 5)."""
    if encoding == "identity":
        return 0.0
    coders = {
        "gzip": lambda b: gzip.compress(b, 6),
        "br": lambda b: brotli.compress(b, quality=4, lgwin=22),
        "zstd": lambda b: compression.zstd.compress(b, 3),
    }
    times = []
    for _ in range(5):
        start = time.process_time()
        coders[encoding](body)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


class DictCache:
    """The smallest cache backend flask-compress accepts (``get``/``set``), in memory."""

    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.items.get(key)

    def set(self, key: str, value: bytes) -> None:
        self.items[key] = value


def _br11(body: bytes) -> tuple[int, float]:
    """Size and CPU ms of Brotli quality 11 (a precompressing static server's choice)."""
    start = time.process_time()
    size = len(brotli.compress(body, quality=11, lgwin=22))
    return size, (time.process_time() - start) * 1000


def measure(store: Path, repeat: int) -> list[dict[str, Any]]:
    """Every URL x encoding x setup, interleaved per repetition so that load changes hit all
    alike."""
    sys.path.insert(0, str(ROOT))
    from hotspots.users import UserStore
    from web import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-compress-"))
    config = {
        "STORE": str(store),
        "USERS_DB": str(folder / "u.sqlite3"),
        "WARM_PRESETS": 0,
        "CACHE_DIR": "",
        "TRUSTED_USER_HEADER": "X-User",
        "COMPUTE_PER_MINUTE": 0,  # one account asks for every URL many times: no 429s
    }
    apps = {
        "ours": create_app(dict(config)),
        "cached": create_app(
            {
                **config,
                "COMPRESS_CACHE_BACKEND": DictCache,
                "COMPRESS_CACHE_KEY": lambda r: f"{r.full_path};{r.headers.get('X-User')}",
            }
        ),
    }
    UserStore(config["USERS_DB"]).add("bench", "correct horse battery staple", "analyst")
    clients = {name: app.test_client() for name, app in apps.items()}
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    plain: dict[str, bytes] = {}
    for client in clients.values():  # warm the analysis and page caches (and, for
        for url in URLS:  # the cached setup, its compressed bodies)
            for encoding in ENCODINGS:
                headers = {"X-User": "bench", "Accept-Encoding": encoding}
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.status_code)
                if encoding == "identity":
                    plain[url] = response.get_data()
                response.close()  # a streamed answer ends here, before the next request
    for _ in range(repeat):
        for url in URLS:
            for encoding in ENCODINGS:
                for name, client in clients.items():
                    if name == "cached" and encoding == "identity":
                        continue
                    headers = {"X-User": "bench", "Accept-Encoding": encoding}
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(url, headers=headers)
                    body = response.get_data()
                    response.close()
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    got = response.headers.get("Content-Encoding", "identity")
                    assert got == encoding, (url, encoding, got)
                    key = (url, encoding, name)
                    row = rows.setdefault(key, {"wall": [], "cpu": [], "bytes": 0})
                    row["wall"].append(wall * 1000)
                    row["cpu"].append(cpu * 1000)
                    row["bytes"] = len(body)
    br11 = {url: _br11(body) for url, body in plain.items()}
    out = []
    for (url, encoding, name), row in rows.items():
        out.append(
            {
                "url": url,
                "setup": name,
                "encoding": encoding,
                "bytes": row["bytes"],
                "ratio": round(row["bytes"] / len(plain[url]), 4),
                "request_wall_ms": round(statistics.median(row["wall"]), 2),
                "request_cpu_ms": round(statistics.median(row["cpu"]), 2),
                "compress_cpu_ms": round(_compress_cpu_ms(plain[url], encoding), 2),
                "transfer_10mbit_ms": round(row["bytes"] * 8 / 10e6 * 1000, 1),
                "br11_bytes": br11[url][0],
                "br11_cpu_ms": round(br11[url][1], 1),
            }
        )
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| URL | setup | encoding | bytes | ratio | request wall ms | request CPU ms | "
        "compress CPU ms | 10 Mbit/s transfer ms | br q11 bytes, CPU ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: (URLS.index(r["url"]), r["encoding"], r["setup"])):
        lines.append(
            f"| `{r['url']}` | {r['setup']} | {r['encoding']} | {r['bytes']:,} | "
            f"{r['ratio']:.3f} | {r['request_wall_ms']} | {r['request_cpu_ms']} | "
            f"{r['compress_cpu_ms']} | {r['transfer_10mbit_ms']} | "
            f"{r['br11_bytes']:,}, {r['br11_cpu_ms']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store (default: the demo, built now)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    store = args.store
    if store is None:
        store = Path(tempfile.mkdtemp(prefix="bench-compress-store-")) / "store"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "hotspots.cli", "demo", "--store", str(store)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    load_before = os.getloadavg()
    rows = measure(store, args.repeat)
    load_after = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"load_before": load_before, "load_after": load_after, "rows": rows}
    (OUT / "compress.json").write_text(json.dumps(result, indent=2))
    print(f"load average before {load_before}, after {load_after} (cores: {os.cpu_count()})")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
