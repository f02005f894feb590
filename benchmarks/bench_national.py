"""Benchmark: the national pipeline (ingest + ward join + hotspots), one process vs dask workers.

Run by hand from the repository root (not collected by pytest)::

    .venv/bin/python benchmarks/bench_national.py                 # 10,000,000 rows, 24 months
    .venv/bin/python benchmarks/bench_national.py --rows 1000000 --sides distributed

Inputs (seeded, cached under ``benchmarks/out/``; see ``national_data.py``): police.uk street
CSVs for 40 synthetic forces x 24 months (960 files, ~10,400 rows each), every crime type on
750,000 national snap points, ~3 % without a location; the 7,000 detailed synthetic wards of
``bench_ingest.py`` (3.5 million vertices) and their force area.

Each side runs in its own process on a fresh store (``spatial_order=True``: rows of each
partition in Morton order), with every crime type kept
(``all_crime_types=True``: every row checked, joined and stored, the worst case) and the
hotspots of all stored offences of the 24 months (``eps_m`` / ``min_samples`` auto by default):

* **single**: :func:`hotspots.ingest.ingest` once per month (40 files each: one command for all
  960 files would hold every batch in memory until its commit, ~13 GiB estimated), then the store's
  unique locations read file by file (:func:`store_locations`) and
  :class:`hotspots.cluster.HotspotDetector`;
* **distributed**: a LocalCluster of 2 worker processes of 1 thread (``--scheduler local``):
  :func:`ingest_distributed` of all 960 files in one command, then
  :func:`detect_store_hotspots` (partitions read on the workers, tiles with a halo);
* **plain** (the public alternative, what a competent user would run without this project): the
  same LocalCluster (2 workers x 1 thread), ``dask.dataframe.read_csv`` of all the files with
  only the 8 columns the store keeps, repartitioned to ~24 files a partition, ``dask_geopandas``
  points + ``to_crs(27700)`` + ``dask_geopandas.sjoin(points, wards, predicate="within")`` (the
  wards, read once with pyogrio's Arrow reader and only their 4 fields, one partition joined
  with every partition of points) + ``to_parquet``; then the points read back on the workers,
  collapsed to distinct locations with their counts, and scikit-learn's ``DBSCAN(n_jobs=2)``
  with the counts as ``sample_weight`` (``bench_cluster.py``'s strongest scikit-learn setup)
  at the ``eps_m`` / ``min_samples`` the distributed side chose (so run it after that side, or
  give them). It checks nothing, keeps no rejected row, does not clip to the force area or
  drop duplicate ids.

Memory: peak RSS of each process (``ru_maxrss`` for the single process; for the distributed
side every 0.2 s sampling of the workers and of the client process, which also runs the
LocalCluster's scheduler and nannies, with the peak of their sum). The hotspots of both sides
are compared (labels per location, exactly). Results go to
``benchmarks/out/bench_national-<rows>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from national_data import months_of, national_inputs  # noqa: E402


def _parameter(text: str, kind: type) -> Any:
    return "auto" if text == "auto" else kind(text)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RssSampler:
    """Samples the RSS of some processes every ``interval_s``; keeps each peak and the peak sum."""

    def __init__(self, pids: dict[str, int], interval_s: float = 0.2) -> None:
        import psutil

        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak = dict.fromkeys(pids, 0)
        self.peak_total = 0
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for name, process in self.processes.items():
                try:
                    rss = process.memory_info().rss
                except Exception:  # a process that has gone
                    rss = 0
                self.peak[name] = max(self.peak[name], rss)
                total += rss
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_single(args: argparse.Namespace, files: list[Path], store_dir: Path) -> dict[str, Any]:
    from hotspots.cluster import HotspotDetector
    from hotspots.distributed.store_hotspots import store_locations
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store

    started = time.perf_counter()
    wards, area = read_wards(args.wards_path), read_force_area(args.area_path)
    setup_s = time.perf_counter() - started
    store = Store(store_dir, spatial_order=True)
    months = months_of(args.months)
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    reports = []
    for month in months:
        batch = [f for f in files if f.name.startswith(month)]
        reports.append(
            ingest(batch, wards=wards, force_area=area, store=store, all_crime_types=True)
        )
    t1 = time.perf_counter()
    points, weights = store_locations(store, months=months)
    t2 = time.perf_counter()
    detector = HotspotDetector(
        _parameter(args.eps_m, float), _parameter(args.min_samples, int), n_months=len(months)
    ).fit(points, sample_weight=weights)
    t3 = time.perf_counter()
    np.save(store_dir.parent / "single-labels.npy", detector.labels_)
    return {
        "setup_s": setup_s,
        "ingest_s": t1 - t0,
        "read_locations_s": t2 - t1,
        "cluster_s": t3 - t2,
        "total_s": t3 - t0,
        "cpu_s": _cpu_seconds() - cpu0,
        **_facts(reports, points, weights, detector),
        "peak_rss_mib": {"process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024},
        "peak_total_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_distributed(args: argparse.Namespace, files: list[Path], store_dir: Path) -> dict[str, Any]:
    import psutil

    from hotspots.distributed.client import close, connect
    from hotspots.distributed.detector import TiledHotspotDetector
    from hotspots.distributed.ingest import ingest_distributed
    from hotspots.distributed.store_hotspots import collapse, file_locations
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store

    started = time.perf_counter()
    client = connect("local", n_workers=args.workers, threads_per_worker=1)
    workers = client.run(os.getpid)
    # A LocalCluster's scheduler and nannies live in this (the client's) process.
    pids = {"client+scheduler+nannies": os.getpid()}
    for i, (_, pid) in enumerate(sorted(workers.items())):
        pids[f"worker{i}"] = pid
        assert psutil.Process(pid).ppid() == os.getpid()
    wards, area = read_wards(args.wards_path), read_force_area(args.area_path)
    setup_s = time.perf_counter() - started
    store = Store(store_dir, spatial_order=True)
    months = months_of(args.months)
    stamps: list[float] = []
    tiles: list[float] = []
    with RssSampler(pids) as rss:
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        worker_cpu0 = sum(client.run(_cpu_seconds).values())
        report = ingest_distributed(
            files,
            wards=wards,
            force_area=area,
            store=store,
            client=client,
            all_crime_types=True,
            on_file=lambda _p: stamps.append(time.perf_counter()),
        )
        t1 = time.perf_counter()
        # detect_store_hotspots(store, months, categories=None, client=client, ...), in its
        # steps so that the parallel and the serial (client) parts are timed apart.
        files_read = [str(f) for f in store.event_files(layers=["offence"], months=months)]
        parts = client.gather(
            client.map(file_locations, files_read, months=months, categories=None, pure=False)
        )
        t1a = time.perf_counter()
        points, weights = collapse(
            np.concatenate([p for p, _ in parts]), np.concatenate([w for _, w in parts])
        )
        del parts
        t1b = time.perf_counter()
        detector = TiledHotspotDetector(
            _parameter(args.eps_m, float),
            _parameter(args.min_samples, int),
            n_months=len(months),
            tile_m=args.tile_m,
            client=client,
            on_tile=lambda done, total: tiles.append(time.perf_counter()),
        ).fit_locations(points, weights)
        t2 = time.perf_counter()
        worker_cpu = sum(client.run(_cpu_seconds).values()) - worker_cpu0
        client_cpu = _cpu_seconds() - cpu0
    np.save(store_dir.parent / "distributed-labels.npy", detector.labels_)
    close(client)
    return {
        "setup_s": setup_s,
        "ingest_s": t1 - t0,
        "ingest_after_last_file_s": t1 - stamps[-1],
        "hotspots_s": t2 - t1,
        "hotspots_read_partitions_s": t1a - t1,
        "hotspots_client_collapse_s": t1b - t1a,
        "hotspots_parameters_and_windows_s": tiles[0] - t1b if tiles else None,
        "hotspots_tiles_s": tiles[-1] - tiles[0] if tiles else None,
        "hotspots_after_last_tile_s": t2 - tiles[-1] if tiles else None,
        "total_s": t2 - t0,
        "client_cpu_s": client_cpu,
        "workers_cpu_s": worker_cpu,
        "workers": args.workers,
        "distributed": detector.params_["distributed"],
        **_facts([report], points, weights, detector),
        "peak_rss_mib": {k: v / 2**20 for k, v in rss.peak.items()},
        "peak_total_mib": rss.peak_total / 2**20,
    }


def _xy_frame(frame: Any) -> Any:
    """A partition's point coordinates as a frame of ``x``, ``y`` (run on the workers)."""
    import pandas as pd

    return pd.DataFrame({"x": frame.geometry.x.to_numpy(), "y": frame.geometry.y.to_numpy()})


def run_plain(args: argparse.Namespace, files: list[Path], store_dir: Path) -> dict[str, Any]:
    """The public alternative (module docstring, **plain**): dask-geopandas + scikit-learn."""
    import dask.dataframe as dd
    import dask_geopandas
    import geopandas as gpd
    import psutil
    from bench_baselines import STREET_FIELDS, WARD_FIELDS
    from distributed import Client, LocalCluster
    from sklearn.cluster import DBSCAN

    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    workers = client.run(os.getpid)
    pids = {"client+scheduler+nannies": os.getpid()}
    for i, (_, pid) in enumerate(sorted(workers.items())):
        pids[f"worker{i}"] = pid
        assert psutil.Process(pid).ppid() == os.getpid()
    wards = gpd.read_file(args.wards_path, columns=list(WARD_FIELDS), use_arrow=True)
    wards = wards.to_crs(27700)
    setup_s = time.perf_counter() - started
    out = store_dir / "events"
    with RssSampler(pids) as rss:
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        worker_cpu0 = sum(client.run(_cpu_seconds).values())
        frame = dd.read_csv(
            [str(f) for f in files],
            usecols=list(STREET_FIELDS),
            dtype={"Crime ID": "string", "LSOA code": "string"},
        )
        # ~24 monthly files a partition (40 at 960 files): the join's fixed cost per partition
        # (the wards' tree and prepared polygons) paid 40 times, not once per file
        frame = frame.repartition(npartitions=max(2 * args.workers, len(files) // 24))
        frame = frame.dropna(subset=["Longitude", "Latitude"])
        points = dask_geopandas.from_dask_dataframe(
            frame,
            geometry=dask_geopandas.points_from_xy(frame, "Longitude", "Latitude"),
        )
        points = points.set_crs(4326).to_crs(27700)
        # the wards as one partition, computed once and moved to each worker once (given as a
        # GeoDataFrame they would be pickled into the graph with every task)
        joined = dask_geopandas.sjoin(
            points, dask_geopandas.from_geopandas(wards, npartitions=1), predicate="within"
        )
        joined.to_parquet(out)
        t1 = time.perf_counter()
        stored = dask_geopandas.read_parquet(out, columns=["geometry"])
        xy = (
            stored.map_partitions(_xy_frame, meta={"x": "f8", "y": "f8"})
            .compute()
            .to_numpy(dtype=float)
        )
        t1a = time.perf_counter()
        # distinct locations and their counts: rows as complex numbers, a 1-D unique
        as_complex = np.ascontiguousarray(xy).view(np.complex128).ravel()
        distinct, counts = np.unique(as_complex, return_counts=True)
        locations = np.column_stack([distinct.real, distinct.imag])
        t1b = time.perf_counter()
        labels = (
            DBSCAN(eps=float(args.eps_m), min_samples=int(args.min_samples), n_jobs=2)
            .fit(locations, sample_weight=counts)
            .labels_
        )
        t2 = time.perf_counter()
        worker_cpu = sum(client.run(_cpu_seconds).values()) - worker_cpu0
        client_cpu = _cpu_seconds() - cpu0
    client.close()
    cluster.close()
    hot = labels >= 0
    return {
        "setup_s": setup_s,
        "ingest_s": t1 - t0,
        "hotspots_s": t2 - t1,
        "hotspots_read_points_s": t1a - t1,
        "hotspots_collapse_s": t1b - t1a,
        "hotspots_dbscan_s": t2 - t1b,
        "total_s": t2 - t0,
        "client_cpu_s": client_cpu,
        "workers_cpu_s": worker_cpu,
        "workers": args.workers,
        "kept": len(xy),
        "locations": len(locations),
        "offences": float(counts.sum()),
        "eps_m": float(args.eps_m),
        "min_samples": int(args.min_samples),
        "hotspots": int(labels.max() + 1),
        "offences_in_hotspots": float(counts[hot].sum()),
        "peak_rss_mib": {k: v / 2**20 for k, v in rss.peak.items()},
        "peak_total_mib": rss.peak_total / 2**20,
    }


def _facts(reports: list[Any], points: Any, weights: Any, detector: Any) -> dict[str, Any]:
    read = sum(sum(e["rows_read"] for e in r.sources) for r in reports)
    kept = sum(sum(e["kept"] for e in r.sources) for r in reports)
    return {
        "rows_read": read,
        "kept": kept,
        "reconciles": all(r.reconciles() for r in reports),
        "locations": len(points),
        "offences": float(weights.sum()),
        "eps_m": detector.eps_m_,
        "min_samples": detector.min_samples_,
        "hotspots": detector.n_hotspots_,
        "offences_in_hotspots": float(detector.hotspot_weight_.sum()),
    }


def child_main(args: argparse.Namespace) -> None:
    files = [Path(p) for p in json.loads(args.files)]
    runners = {"single": run_single, "distributed": run_distributed, "plain": run_plain}
    runner = runners[args.child]
    result = runner(args, files, Path(args.store))
    print("RESULT " + json.dumps(result), flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--wards", type=int, default=7000)
    p.add_argument("--seed", type=int, default=20240101)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--tile-m", type=float, default=50_000.0)
    p.add_argument("--eps-m", default="auto")
    p.add_argument("--min-samples", default="auto")
    p.add_argument("--sides", default="distributed,single")
    p.add_argument("--keep-stores", action="store_true")
    p.add_argument("--tag", default="", help="suffix of the results file name")
    p.add_argument("--child", choices=("single", "distributed", "plain"), help=argparse.SUPPRESS)
    p.add_argument("--files", help=argparse.SUPPRESS)
    p.add_argument("--store", help=argparse.SUPPRESS)
    p.add_argument("--wards-path", help=argparse.SUPPRESS)
    p.add_argument("--area-path", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return 0
    made = time.perf_counter()
    files, wards, area = national_inputs(args.rows, args.months, args.wards, args.seed, OUT)
    print(f"{len(files)} input files ({time.perf_counter() - made:.0f} s)", flush=True)
    results: dict[str, Any] = {}
    for side in args.sides.split(","):
        eps_m, min_samples = args.eps_m, args.min_samples
        if side == "plain" and "auto" in (eps_m, min_samples):
            chosen = results.get("distributed") or results.get("single")
            if chosen is None:
                raise SystemExit("plain: give --eps-m and --min-samples, or run ours first")
            eps_m, min_samples = str(chosen["eps_m"]), str(chosen["min_samples"])
        store_dir = OUT / "stores" / f"national-{side}"
        shutil.rmtree(store_dir, ignore_errors=True)
        store_dir.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            __file__,
            "--child",
            side,
            "--files",
            json.dumps([str(f) for f in files]),
            "--store",
            str(store_dir),
            "--wards-path",
            wards,
            "--area-path",
            area,
            "--months",
            str(args.months),
            "--workers",
            str(args.workers),
            "--tile-m",
            str(args.tile_m),
            "--eps-m",
            eps_m,
            "--min-samples",
            min_samples,
        ]
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"{side} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        results[side] = {
            **json.loads(lines[-1][len("RESULT ") :]),
            "wall_with_startup_s": time.perf_counter() - began,
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        }
        if not args.keep_stores:
            shutil.rmtree(store_dir, ignore_errors=True)
        print(side, json.dumps(results[side], indent=1), flush=True)
    labels = {s: OUT / "stores" / f"{s}-labels.npy" for s in ("single", "distributed")}
    if all(p.is_file() for p in labels.values()):  # (either may be from an earlier run)
        same = bool(np.array_equal(np.load(labels["single"]), np.load(labels["distributed"])))
        results["hotspots_identical"] = same
        print(f"hotspot labels identical: {same}")
    results["inputs"] = {
        "rows": args.rows,
        "months": args.months,
        "files": len(files),
        "wards": args.wards,
        "seed": args.seed,
    }
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out = OUT / f"bench_national-{args.rows}{'-' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
