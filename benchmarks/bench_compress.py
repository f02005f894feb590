"""Compression benchmark: response sizes and times of the large answers, plain and compressed.

    python benchmarks/bench_compress.py [--store DIR] [--repeat 7]

Builds the demo store in a temporary folder (or uses ``--store``), makes the app in-process
(an analyst through ``TRUSTED_USER_HEADER``), warms each URL once, then requests it
``--repeat`` times with no ``Accept-Encoding`` and with each of gzip, br and zstd, side by side,
and reports per URL and encoding: the body size, the median wall and CPU time of a request
(Flask's test client: the app's own work, no network), and the CPU time of compressing the
plain body once with flask-compress's settings (gzip level 6, Brotli quality 4, zstd level 3).
``transfer_10mbit_ms`` is computed, not measured: the body's bytes over a 10 Mbit/s link.
Writes ``benchmarks/out/compress.json`` and prints a Markdown table.
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


def measure(store: Path, repeat: int) -> list[dict[str, Any]]:
    """Every URL x encoding, interleaved per repetition so that load changes hit all alike."""
    sys.path.insert(0, str(ROOT))
    from hotspots.users import UserStore
    from web import create_app

    folder = Path(tempfile.mkdtemp(prefix="bench-compress-"))
    app = create_app(
        {
            "STORE": str(store),
            "USERS_DB": str(folder / "u.sqlite3"),
            "WARM_PRESETS": 0,
            "CACHE_DIR": "",
            "TRUSTED_USER_HEADER": "X-User",
        }
    )
    UserStore(app.config["USERS_DB"]).add("bench", "correct horse battery staple", "analyst")
    client = app.test_client()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    plain: dict[str, bytes] = {}
    for url in URLS:  # warm the analysis and page caches
        response = client.get(url, headers={"X-User": "bench"})
        assert response.status_code == 200, (url, response.status_code)
        plain[url] = response.get_data()
    for _ in range(repeat):
        for url in URLS:
            for encoding in ENCODINGS:
                headers = {"X-User": "bench", "Accept-Encoding": encoding}
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(url, headers=headers)
                body = response.get_data()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                got = response.headers.get("Content-Encoding", "identity")
                assert got == encoding, (url, encoding, got)
                row = rows.setdefault((url, encoding), {"wall": [], "cpu": [], "bytes": 0})
                row["wall"].append(wall * 1000)
                row["cpu"].append(cpu * 1000)
                row["bytes"] = len(body)
    out = []
    for (url, encoding), row in rows.items():
        out.append(
            {
                "url": url,
                "encoding": encoding,
                "bytes": row["bytes"],
                "ratio": round(row["bytes"] / len(plain[url]), 4),
                "request_wall_ms": round(statistics.median(row["wall"]), 2),
                "request_cpu_ms": round(statistics.median(row["cpu"]), 2),
                "compress_cpu_ms": round(_compress_cpu_ms(plain[url], encoding), 2),
                "transfer_10mbit_ms": round(row["bytes"] * 8 / 10e6 * 1000, 1),
            }
        )
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| URL | encoding | bytes | ratio | request wall ms | request CPU ms | "
        "compress CPU ms | 10 Mbit/s transfer ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['url']}` | {r['encoding']} | {r['bytes']:,} | {r['ratio']:.3f} | "
            f"{r['request_wall_ms']} | {r['request_cpu_ms']} | {r['compress_cpu_ms']} | "
            f"{r['transfer_10mbit_ms']} |"
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
