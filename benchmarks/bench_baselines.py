"""Benchmark: ``hotspots ingest`` end to end against the pipelines a user would write instead.

Run by hand from the repository root (not collected by pytest)::

    .venv/bin/python benchmarks/bench_baselines.py --repeat 5                 # 1M synthetic rows
    .venv/bin/python benchmarks/bench_baselines.py --real cambridgeshire-2025 --repeat 5
    .venv/bin/python benchmarks/bench_baselines.py --csv a.csv b.csv --wards w.gpkg \
        --force-area f.gpkg --contenders geopandas,duckdb,cli

Contenders (each run in its own process; the rounds are interleaved, so every contender sees
the same moments of this shared machine):

* ``geopandas``: the plain pipeline a user would write: ``geopandas.read_file`` of the wards
  (``to_crs(27700)``), ``pandas.read_csv`` of the files, ``geopandas.points_from_xy`` +
  ``to_crs(27700)``, ``geopandas.sjoin(points, wards, predicate="within")`` and ``to_parquet``.
  ``within`` with the points on the left is geopandas' fast path: geopandas turns it into
  ``contains`` queried from the (prepared) ward polygons against a tree of the points
  (``geopandas/tools/sjoin.py``, "within is implemented as the inverse of contains");
* ``geopandas-intersects``: the same with ``predicate="intersects"``, points on the left: the
  tree holds the wards and each point is tested against unprepared polygons (slow path; what the
  old "naive" baseline of ``bench_ingest.py`` ran). Not run unless asked for;
* ``duckdb``: DuckDB with its spatial extension (PyPI ``duckdb`` + ``duckdb-extension-spatial``,
  loaded offline from the wheel's file with ``LOAD '<path>'``): ``read_csv`` +
  ``ST_Transform(ST_Point(lon, lat))`` + a join ``ON ST_Within(point, ward)`` (DuckDB's spatial
  join operator) + ``COPY ... TO parquet``; all cores (DuckDB's default threads);
* ``cli``: ``python -m hotspots.cli ingest FILES --wards W --force-area F --store NEW`` (with
  ``--all-crime-types`` in mode ``all``), the ``hotspots`` package found on ``PYTHONPATH``;
* ``cli-before``: the same, run in the folder ``--before DIR`` (which holds an older
  ``hotspots`` package, e.g. ``git archive <commit> hotspots | tar -x -C DIR``).

The baselines check nothing, keep no rejected row with its reason, do not clip to the force area
and give a point on a shared ward edge to either ward; ``hotspots ingest`` does all of that and
writes atomically. Modes: ``all`` (every crime type joined and stored) and ``drugs`` (the
baselines filter ``Crime type == "Drugs"`` before the join; ``hotspots ingest`` without
``--all-crime-types`` checks every row and writes the others to the rejected rows with a reason).

Measured per run: the process's wall time from start to exit (``end to end``: Python start-up,
imports, reading the wards, the work, writing), its CPU seconds and peak RSS (``os.wait4``), and
for the baselines the time of the pipeline alone (``step``, after imports and reading the wards).
Each ``cli`` contender's package is compiled to bytecode before the rounds, as an installed
package is (:func:`compile_package`). The machine's 1-minute load average (``os.getloadavg``,
as ``uptime`` shows it) is recorded before each run. Results:
``benchmarks/out/bench_baselines-<name>[-<tag>].json`` and a markdown table of medians with each
contender's ratio to ``cli``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
REAL = HERE.parent.parent / "shared" / "data" / "real"
CONTENDERS = (
    "geopandas",
    "geopandas-pyarrow",
    "geopandas-allcols",
    "geopandas-intersects",
    "duckdb",
    "cli",
    "cli-before",
)
DEFAULT_CONTENDERS = "geopandas,duckdb,cli"
#: The street CSV's columns the store keeps (id, month, point, location, LSOA, type, outcome).
STREET_FIELDS = (
    "Crime ID",
    "Month",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "Crime type",
    "Last outcome category",
)
#: The ward fields the store keeps (ONS December 2023 names; the synthetic wards use them too).
WARD_FIELDS = ("WD23CD", "WD23NM", "LAD23CD", "LAD23NM")

#: Real extracts under ``../shared/data/real`` (``--real NAME``): files, wards, force area.
REAL_SETS: dict[str, tuple[str, str, str]] = {
    "cambridgeshire-2025": (
        "police_uk/cambridgeshire/street/2025-*-cambridgeshire-street.csv",
        "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson",
        "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson",
    ),
    "cambridgeshire-all": (  # 17 monthly files, 2014-04 to 2025-12
        "police_uk/cambridgeshire/street/*-cambridgeshire-street.csv",
        "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson",
        "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson",
    ),
    "merseyside-2019": (
        "police_uk/merseyside/street/2019-*-merseyside-street.csv",
        "boundaries/merseyside_dec2023_bsc/merseyside_wards_dec2023_bsc.geojson",
        "boundaries/merseyside_dec2023_bsc/merseyside_pfa_dec2023_bsc.geojson",
    ),
}


# --------------------------------------------------------------------------------------------
# the contenders (each in its own process)
# --------------------------------------------------------------------------------------------
def run_geopandas(
    files: list[str],
    wards_path: str,
    out: Path,
    mode: str,
    predicate: str,
    strong: bool = True,
    engine: str = "c",
) -> dict[str, Any]:
    """The plain geopandas pipeline; returns the step time and the rows kept.

    ``strong``: read only the columns the store keeps (:data:`STREET_FIELDS`,
    :data:`WARD_FIELDS`; the wards with pyogrio's Arrow reader), as a user who knows what they
    need would; else every column of both (the pipeline measured before 7 Dec 2026, 21:40 UTC).
    ``engine``: pandas' CSV parser (``"c"`` or ``"pyarrow"``)."""
    import geopandas as gpd
    import pandas as pd

    if strong:  # only the columns the store keeps, read by pyogrio / Arrow
        wards = gpd.read_file(wards_path, columns=list(WARD_FIELDS), use_arrow=True)
    else:
        wards = gpd.read_file(wards_path)
    wards = wards.to_crs(27700)
    started = time.perf_counter()
    if strong:
        frames = [pd.read_csv(f, usecols=list(STREET_FIELDS), engine=engine) for f in files]
    else:
        frames = [pd.read_csv(f) for f in files]
    frame = pd.concat(frames, ignore_index=True)
    rows_read = len(frame)
    if mode == "drugs":
        frame = frame[frame["Crime type"] == "Drugs"]
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]), crs=4326
    ).to_crs(27700)
    joined = gpd.sjoin(points, wards, predicate=predicate)
    joined.to_parquet(out / "events.parquet")
    return {
        "step_s": time.perf_counter() - started,
        "rows_read": rows_read,
        "kept": len(joined),
    }


def spatial_extension() -> str:
    """Path of the DuckDB spatial extension shipped by the ``duckdb-extension-spatial`` wheel."""
    import duckdb_extension_spatial

    found = sorted(
        Path(duckdb_extension_spatial.__file__).parent.glob("extensions/*/spatial.duckdb_extension")
    )
    if not found:
        raise RuntimeError("duckdb-extension-spatial holds no spatial.duckdb_extension")
    return str(found[-1])


def run_duckdb(files: list[str], wards_path: str, out: Path, mode: str) -> dict[str, Any]:
    """DuckDB spatial: read, project, join ``ST_Within``, write parquet."""
    import duckdb
    import pyogrio

    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute(f"LOAD '{spatial_extension()}'")
    crs = pyogrio.read_info(wards_path)["crs"] or "EPSG:4326"
    ward_geom = "geom"
    if crs != "EPSG:27700":
        ward_geom = f"ST_Transform(geom, '{crs}', 'EPSG:27700', true)"
    con.execute(
        f"CREATE TABLE wards AS SELECT * EXCLUDE (geom), {ward_geom} AS ward_geom "
        f"FROM ST_Read('{wards_path}')"
    )
    started = time.perf_counter()
    file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    con.execute(
        f"CREATE TABLE crimes AS SELECT * FROM read_csv({file_list}, header = true, "
        "union_by_name = true)"
    )
    rows_read = con.execute("SELECT count(*) FROM crimes").fetchone()[0]  # type: ignore[index]
    drugs = "AND \"Crime type\" = 'Drugs'" if mode == "drugs" else ""
    target = out / "events.parquet"
    con.execute(
        f"""
        COPY (
            SELECT c.* EXCLUDE (geom), w.* EXCLUDE (ward_geom), ST_AsWKB(c.geom) AS geometry
            FROM (
                SELECT *, ST_Transform(ST_Point(Longitude, Latitude), 'EPSG:4326',
                                       'EPSG:27700', true) AS geom
                FROM crimes WHERE Longitude IS NOT NULL {drugs}
            ) c
            JOIN wards w ON ST_Within(c.geom, w.ward_geom)
        ) TO '{target}' (FORMAT parquet)
        """
    )
    step = time.perf_counter() - started
    kept = con.execute(f"SELECT count(*) FROM '{target}'").fetchone()[0]  # type: ignore[index]
    return {"step_s": step, "rows_read": int(rows_read), "kept": int(kept)}


def child_main(args: argparse.Namespace) -> None:
    """Run one baseline contender in this process and print one ``RESULT`` JSON line."""
    files, out = args.csv, args.store
    if args.child == "geopandas":
        result = run_geopandas(files, args.wards, out, args.mode, "within")
    elif args.child == "geopandas-pyarrow":
        result = run_geopandas(files, args.wards, out, args.mode, "within", engine="pyarrow")
    elif args.child == "geopandas-allcols":
        result = run_geopandas(files, args.wards, out, args.mode, "within", strong=False)
    elif args.child == "geopandas-intersects":
        result = run_geopandas(files, args.wards, out, args.mode, "intersects")
    else:
        result = run_duckdb(files, args.wards, out, args.mode)
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# the parent: one process per run, interleaved rounds
# --------------------------------------------------------------------------------------------
def _command(args: argparse.Namespace, contender: str, mode: str, store: Path) -> list[str]:
    if contender in ("cli", "cli-before"):
        cmd = [sys.executable, "-m", "hotspots.cli", "ingest", *args.csv, "--wards", args.wards]
        cmd += ["--force-area", args.force_area, "--store", str(store / "store"), "--json"]
        return cmd + (["--all-crime-types"] if mode == "all" else [])
    cmd = [sys.executable, __file__, "--child", contender, "--mode", mode, "--store", str(store)]
    return [*cmd, "--wards", args.wards, "--force-area", args.force_area, "--csv", *args.csv]


def _cli_counts(stdout: str) -> tuple[int, int]:
    """Rows read and kept, from ``hotspots ingest --json``."""
    report = json.loads(stdout)
    read = kept = 0
    for source in report["sources"]:
        read += int(source.get("read", source.get("rows_read", 0)))
        kept += int(source.get("kept", 0))
    return read, kept


def run_once(args: argparse.Namespace, contender: str, mode: str) -> dict[str, Any]:
    """One run of one contender in a fresh folder; wall, CPU and peak RSS of its process."""
    store = args.out / "stores" / f"baseline-{contender}-{mode}"
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    load = os.getloadavg()
    out_path, err_path = store.with_suffix(".out"), store.with_suffix(".err")
    try:
        with out_path.open("w") as out, err_path.open("w") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(
                _command(args, contender, mode, store),
                stdout=out,
                stderr=err,
                # python -m finds the package in its working folder first
                cwd=args.before if contender == "cli-before" else None,
                env=_env_before(args) if contender == "cli-before" else None,
            )
            _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone
            wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        stdout, stderr = out_path.read_text(), err_path.read_text()
    finally:
        shutil.rmtree(store, ignore_errors=True)
        out_path.unlink(missing_ok=True)
        err_path.unlink(missing_ok=True)
    if code not in (0, 1) or (code and not contender.startswith("cli")):
        raise RuntimeError(f"{contender}/{mode} failed ({code}):\n{stderr[-3000:]}")
    run: dict[str, Any] = {"contender": contender, "mode": mode, "wall_s": wall}
    run["load_1min_before"] = load[0]
    if contender.startswith("cli"):
        run["rows_read"], run["kept"] = _cli_counts(stdout)
        run["step_s"] = None
    else:
        lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
        run.update(json.loads(lines[-1][len("RESULT ") :]))
    run.update(_child_usage(usage))
    return run


def compile_package(args: argparse.Namespace, contender: str) -> None:
    """Compile the ``hotspots`` package a ``cli`` contender runs to bytecode first, as ``pip
    install`` does (and as the baselines' libraries are): with ``PYTHONDONTWRITEBYTECODE`` set
    (as on this machine) a package run from a checkout is otherwise compiled from source on
    every run (~50 ms of the command's imports)."""
    before = contender == "cli-before"
    where = subprocess.run(
        [sys.executable, "-c", "import hotspots, os; print(os.path.dirname(hotspots.__file__))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=args.before if before else None,
        env=_env_before(args) if before else None,
    ).stdout.strip()
    compileall.compile_dir(where, quiet=1)


def _env_before(args: argparse.Namespace) -> dict[str, str]:
    """The environment of ``cli-before``: its package first on the path."""
    if not args.before:
        raise SystemExit("the contender cli-before needs --before DIR")
    return {**os.environ, "PYTHONPATH": str(Path(args.before).resolve())}


def _child_usage(usage: Any) -> dict[str, Any]:
    return {
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medians per contender and mode, and each one's ratio to ``cli`` (wall / cli wall)."""
    rows: list[dict[str, Any]] = []
    for contender, mode in dict.fromkeys((r["contender"], r["mode"]) for r in runs):
        group = [r for r in runs if r["contender"] == contender and r["mode"] == mode]
        steps = [r["step_s"] for r in group if r["step_s"] is not None]
        cpus = [r["cpu_s"] for r in group if r["cpu_s"] is not None]
        rows.append(
            {
                "contender": contender,
                "mode": mode,
                "runs": len(group),
                "rows_read": group[0]["rows_read"],
                "kept": group[0]["kept"],
                "wall_s_median": round(statistics.median(r["wall_s"] for r in group), 2),
                "wall_s_all": [round(r["wall_s"], 2) for r in group],
                "step_s_median": round(statistics.median(steps), 2) if steps else None,
                "cpu_s_median": round(statistics.median(cpus), 1) if cpus else None,
                "peak_rss_mib": max(r["peak_rss_mib"] for r in group),
                "load_1min": [round(r["load_1min_before"], 2) for r in group],
            }
        )
    cli = {r["mode"]: r["wall_s_median"] for r in rows if r["contender"] == "cli"}
    for row in rows:
        if row["mode"] in cli:
            # > 1: the contender takes longer than `hotspots ingest`.
            row["wall_vs_cli"] = round(row["wall_s_median"] / cli[row["mode"]], 2)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    lines = [
        "| contender | mode | rows read | kept | runs | end to end, median s | step, median s "
        "| CPU s | peak RSS MiB | time / cli time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        step = f"{r['step_s_median']:.2f}" if r["step_s_median"] is not None else ""
        cpu = f"{r['cpu_s_median']:.1f}" if r["cpu_s_median"] is not None else ""
        lines.append(
            f"| {r['contender']} | {r['mode']} | {r['rows_read']:,} | {r['kept']:,} | {r['runs']} "
            f"| {r['wall_s_median']:.2f} | {step} | {cpu} | {r['peak_rss_mib']:,} "
            f"| {r.get('wall_vs_cli', '')} |"
        )
    return "\n".join(lines)


def resolve_inputs(args: argparse.Namespace) -> str:
    """Fill ``args.csv``, ``args.wards``, ``args.force_area``; return a name for the results."""
    if args.real:
        pattern, wards, area = REAL_SETS[args.real]
        files = sorted(str(p) for p in REAL.glob(pattern))
        if not files:
            raise SystemExit(f"no files for {args.real} under {REAL}")
        args.csv, args.wards, args.force_area = files, str(REAL / wards), str(REAL / area)
        return args.real
    if args.csv:
        if not (args.wards and args.force_area):
            raise SystemExit("--csv needs --wards and --force-area")
        return "custom"
    sys.path.insert(0, str(HERE))
    from bench_ingest import ensure_inputs

    made = ensure_inputs(args.rows, args.n_wards, args.seed, args.out)
    args.csv, args.wards, args.force_area = [made.street_csv], made.wards, made.force_area
    return f"{args.rows}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic street CSV rows")
    parser.add_argument("--n-wards", type=int, default=7000, help="synthetic wards")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--real", choices=sorted(REAL_SETS), help="a real extract instead")
    parser.add_argument("--csv", nargs="+", help="street CSV files instead of synthetic ones")
    parser.add_argument("--wards", help="ward boundaries (with --csv)")
    parser.add_argument("--force-area", help="force area (with --csv)")
    parser.add_argument("--contenders", default=DEFAULT_CONTENDERS, help="comma-separated")
    parser.add_argument("--modes", default="all,drugs", help="comma-separated: all, drugs")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    parser.add_argument("--tag", default="", help="suffix for the results file name")
    parser.add_argument("--before", help="folder holding an older hotspots package (cli-before)")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return 0
    name = resolve_inputs(args)
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        raise SystemExit(f"unknown contenders {sorted(unknown)}; expected some of {CONTENDERS}")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for contender in contenders:
        if contender.startswith("cli"):
            compile_package(args, contender)
    runs: list[dict[str, Any]] = []
    for round_no in range(args.repeat):
        for mode in modes:
            for contender in contenders:
                run = run_once(args, contender, mode)
                runs.append(run)
                print(
                    f"round {round_no + 1} {contender}/{mode}: {run['wall_s']:.2f} s end to end"
                    f" (load {run['load_1min_before']:.2f}), kept {run['kept']:,}",
                    flush=True,
                )
    rows = summarise(runs)
    result = {
        "inputs": {"csv": args.csv, "wards": args.wards, "force_area": args.force_area},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "results": rows,
        "runs": runs,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    target = args.out / f"bench_baselines-{name}{'-' + args.tag if args.tag else ''}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print()
    print(markdown(rows))
    print(f"\nwritten {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
