"""Benchmark: what the "same data again changes nothing" check costs, and what a no-op saves.

Run by hand from the repository root (not collected by pytest)::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_reingest.py --repeat 7
    PYTHONPATH=. .venv/bin/python benchmarks/bench_reingest.py --real merseyside-2019

Per round, in this process (imports and the boundaries read once, outside the timing): a fresh
store, :func:`hotspots.ingest.ingest` of the extract's files (every crime type), then the same
files again (a no-op: :mod:`hotspots.store.sameness`). Measured: the wall and CPU seconds of
both ingests, the CPU time of the per-source content digests (:func:`hotspots.ingest._content`)
and of the boundaries' (:func:`hotspots.ingest._held_digest`), both wrapped, and, once per
process, of :func:`hotspots.store.sameness.code_digest`. Prints medians and ranges and the
1-minute load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_baselines import REAL, REAL_SETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", choices=sorted(REAL_SETS), default="cambridgeshire-2025")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    import hotspots.ingest as ingest_module
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store
    from hotspots.store.sameness import code_digest

    pattern, wards_rel, area_rel = REAL_SETS[args.real]
    files = sorted(REAL.glob(pattern))
    wards, area = read_wards(REAL / wards_rel), read_force_area(REAL / area_rel)
    spent = [0.0]
    digest = ingest_module._content

    def timed(*a: Any, **k: Any) -> str:
        started = time.process_time()
        try:
            return digest(*a, **k)
        finally:
            spent[0] += time.process_time() - started

    ingest_module._content = timed  # type: ignore[assignment]
    held = ingest_module._held_digest

    def timed_held(*a: Any, **k: Any) -> str:
        started = time.process_time()
        try:
            return held(*a, **k)
        finally:
            spent[0] += time.process_time() - started

    ingest_module._held_digest = timed_held  # type: ignore[assignment]
    started = time.process_time()
    code_digest()
    code_ms = (time.process_time() - started) * 1000
    runs: dict[str, list[float]] = {k: [] for k in ("wall", "cpu", "check", "wall0", "cpu0")}
    loads = []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        with tempfile.TemporaryDirectory() as folder:
            store = Store(Path(folder) / "store")
            for suffix in ("", "0"):  # "": the first ingest, "0": the same files again
                spent[0] = 0.0
                wall, cpu = time.perf_counter(), time.process_time()
                report = ingest_module.ingest(
                    files, wards=wards, force_area=area, store=store, all_crime_types=True
                )
                runs["wall" + suffix].append(time.perf_counter() - wall)
                runs["cpu" + suffix].append(time.process_time() - cpu)
                if suffix == "":
                    runs["check"].append(spent[0] * 1000)
                assert report.changed == (suffix == "")

    def show(values: list[float], unit: str) -> str:
        return f"{statistics.median(values):.3f} {unit} ({min(values):.3f}-{max(values):.3f})"

    rows = sum(e["rows_read"] for e in report.sources)
    print(f"{args.real}: {len(files)} files, {rows:,} rows, {args.repeat} rounds")
    print(f"code digest, once per process: {code_ms:.1f} CPU ms")
    print(
        f"content digests of the {len(files)} sources and of the boundaries held: "
        f"{show(runs['check'], 'CPU ms')}"
    )
    print(f"first ingest: wall {show(runs['wall'], 's')}, CPU {show(runs['cpu'], 's')}")
    print(f"same files again: wall {show(runs['wall0'], 's')}, CPU {show(runs['cpu0'], 's')}")
    print(f"1-minute load average: {min(loads):.1f}-{max(loads):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
