"""Benchmark: whole commands side by side, in interleaved rounds, on a shared machine.

Run by hand (not collected by pytest)::

    .venv/bin/python benchmarks/bench_interleaved.py --repeat 5 --tag ingest \\
        --run "plain=python benchmarks/plain.py ..." --run "cli=python -m hotspots.cli ..."

Each ``--run NAME=COMMAND`` is one contender (a shell command; ``{store}`` in it is replaced by a
fresh empty folder for each run, deleted afterwards). Every round runs each contender once, in
an order that rotates from round to round (round 1 in the order given, round 2 from the second
contender, ...), so each sees the same moments of a machine other work shares and none is
always first (a cold file cache, a quiet moment). Measured per run:
wall time from start to exit, CPU seconds and peak RSS of the process and its children
(``os.wait4``), and the 1-minute load average before it (``os.getloadavg``, as ``uptime``
shows). Results: ``benchmarks/out/bench_interleaved-<tag>.json`` and a markdown table of
medians (and ranges) with each contender's ratio to the first: of the median wall times, of the
median CPU seconds (steadier on a shared machine) and the median of the per-round wall ratios.

To compare two checkouts, give each command its own ``PYTHONPATH`` and run this script from a
folder outside both: ``python -m hotspots.cli`` puts the current folder first on ``sys.path``,
ahead of ``PYTHONPATH``, so inside a checkout every contender would run that checkout's code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def run_once(name: str, command: str, scratch: Path) -> dict[str, Any]:
    """Run ``command`` once; its wall time, CPU seconds, peak RSS and the load before it."""
    store = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=scratch))
    shutil.rmtree(store)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    # stderr to a file: a pipe read only after the exit would block a chatty command
    with tempfile.TemporaryFile(dir=scratch) as err:
        process = subprocess.Popen(
            command.replace("{store}", str(store)),
            shell=True,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    shutil.rmtree(store, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{stderr[-2000:]}")
    return {
        "name": name,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "load_1min": load,
    }


def summarise(runs: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """Medians per contender, and the ratio of each median wall time to the first's."""
    rows = []
    for name in names:
        own = [r for r in runs if r["name"] == name]
        walls = [r["wall_s"] for r in own]
        rows.append(
            {
                "name": name,
                "runs": len(own),
                "wall_median_s": statistics.median(walls),
                "wall_min_s": min(walls),
                "wall_max_s": max(walls),
                "cpu_median_s": statistics.median(r["cpu_s"] for r in own),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in own),
                "load_min": min(r["load_1min"] for r in own),
                "load_max": max(r["load_1min"] for r in own),
            }
        )
    first, first_cpu = rows[0]["wall_median_s"], rows[0]["cpu_median_s"]
    by_round = {(r["name"], r["round"]): r["wall_s"] for r in runs if "round" in r}
    for row in rows:
        row["ratio_to_first"] = row["wall_median_s"] / first
        row["cpu_ratio_to_first"] = row["cpu_median_s"] / first_cpu if first_cpu else None
        paired = [
            wall / by_round[(names[0], rnd)]
            for (name, rnd), wall in by_round.items()
            if name == row["name"] and (names[0], rnd) in by_round
        ]
        row["paired_ratio_median"] = statistics.median(paired) if paired else None
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    lines = [
        "| contender | runs | wall, median [min-max] | CPU s | peak RSS | load (1 min) | "
        f"time / {rows[0]['name']} | CPU / {rows[0]['name']} | paired rounds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['runs']} | {r['wall_median_s']:.2f} s "
            f"[{r['wall_min_s']:.2f}-{r['wall_max_s']:.2f}] | {r['cpu_median_s']:.1f} | "
            f"{r['peak_rss_mib']:,.0f} MiB | {r['load_min']:.1f}-{r['load_max']:.1f} | "
            f"{r['ratio_to_first']:.2f} | {r['cpu_ratio_to_first'] or 0:.2f} | "
            f"{r['paired_ratio_median'] or 0:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="append", required=True, metavar="NAME=COMMAND")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--tag", default="run", help="suffix for the results file name")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    contenders = [tuple(item.split("=", 1)) for item in args.run]
    names = [name for name, _ in contenders]
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=args.out) as scratch:
        for round_no in range(args.repeat):
            turn = round_no % len(contenders)
            for name, command in contenders[turn:] + contenders[:turn]:
                result = run_once(name, command, Path(scratch))
                runs.append({**result, "round": round_no})
                print(
                    f"round {round_no + 1}: {name} {result['wall_s']:.2f} s "
                    f"(load {result['load_1min']:.1f})",
                    flush=True,
                )
    rows = summarise(runs, names)
    record = {"contenders": dict(contenders), "runs": runs, "summary": rows}
    path = args.out / f"bench_interleaved-{args.tag}.json"
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(markdown(rows))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
