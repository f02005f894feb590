"""Benchmark: hotspot DBSCAN (``hotspots.cluster``) against plain scikit-learn ``DBSCAN``.

Run by hand, not by pytest::

    .venv/bin/python benchmarks/bench_cluster.py --n 1000000
    .venv/bin/python benchmarks/bench_cluster.py --n 100000 --skip-sklearn

The data are synthetic offences in EPSG:27700 metres, with snap points stacked as on police.uk.
About 300,000 snap points (scaled with ``--n``) lie over a 60 x 60 km force area: 70% in towns
of varied size, 25% spread over the countryside, and 5% over a national-sized box (out-of-area
noise). Offences are drawn from the snap points with a heavy-tailed popularity, so many offences
share a point.

Each side runs in its own subprocess, so its peak resident memory (``ru_maxrss``) is its own. The
report gives wall time for the clustering call (data loading and imports excluded), the peak RSS
of the whole process, and whether the clusters match: the same core samples, the same noise, the
same partition of the core samples, and the same labels and ids once our documented border rule
(nearest core sample) and id rule (rank by weight) are applied to scikit-learn's result by an
independent implementation here. scikit-learn itself gives a border sample reachable from two
clusters to whichever it scanned first, so some border samples differ before that step.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

X0_M, Y0_M, SIDE_M = 520_000.0, 240_000.0, 60_000.0


def make_offences(n: int, seed: int = 0) -> np.ndarray:
    """``n`` offence locations (x, y metres, EPSG:27700) stacked on shared snap points."""
    rng = np.random.default_rng(seed)
    n_snap = max(1_000, round(0.3 * n))
    n_town = int(0.70 * n_snap)
    n_rural = int(0.25 * n_snap)
    n_national = n_snap - n_town - n_rural
    n_towns = 40
    centres = rng.uniform([X0_M, Y0_M], [X0_M + SIDE_M, Y0_M + SIDE_M], size=(n_towns, 2))
    sizes_m = rng.lognormal(np.log(900.0), 0.5, n_towns)
    pop = rng.lognormal(0.0, 1.0, n_towns)
    town = rng.choice(n_towns, size=n_town, p=pop / pop.sum())
    towns = centres[town] + rng.normal(size=(n_town, 2)) * sizes_m[town, None]
    rural = rng.uniform([X0_M, Y0_M], [X0_M + SIDE_M, Y0_M + SIDE_M], size=(n_rural, 2))
    national = rng.uniform([100_000, 0], [650_000, 650_000], size=(n_national, 2))
    snap = np.round(np.concatenate([towns, rural, national]), 2)
    popularity = rng.lognormal(0.0, 1.5, len(snap))
    pick = rng.choice(len(snap), size=n, p=popularity / popularity.sum())
    return snap[pick]


def _worker(side: str, data: Path, out: Path, eps_m: float, min_samples: int) -> None:
    xy = np.load(data)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if side == "ours":
        from hotspots.cluster import HotspotDetector

        t0 = time.perf_counter()
        det = HotspotDetector(eps_m=eps_m, min_samples=min_samples).fit(xy)
        seconds = time.perf_counter() - t0
        labels, core = det.labels_, det.core_sample_indices_
        extra = {"engine": det.engine_, "n_locations": det.params_["n_locations"]}
    else:
        from sklearn.cluster import DBSCAN

        t0 = time.perf_counter()
        db = DBSCAN(eps=eps_m, min_samples=min_samples).fit(xy)
        seconds = time.perf_counter() - t0
        labels, core = db.labels_, db.core_sample_indices_
        extra = {}
    np.save(out / f"{side}_labels.npy", labels)
    np.save(out / f"{side}_core.npy", core)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "side": side,
        "seconds": seconds,
        "peak_rss_gib": peak_kib / 2**20,
        "rss_before_fit_gib": rss_before / 2**20,
        "n_clusters": int(labels.max()) + 1,
        **extra,
    }
    print(json.dumps(report))


def _run_side(side: str, data: Path, out: Path, eps_m: float, min_samples: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", side, "--data", str(data), "--out", str(out)]
    cmd += ["--eps-m", str(eps_m), "--min-samples", str(min_samples)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rule_labels(xy: np.ndarray, labels: np.ndarray, core: np.ndarray, eps_m: float) -> np.ndarray:
    """scikit-learn's labels with our documented border and id rules applied (independently).

    Border: nearest core sample by squared distance, ties by smallest (x, y). Ids: descending
    weight (count), ties by the smallest (x, y) member.
    """
    from scipy.spatial import cKDTree

    out = labels.copy()
    is_core = np.zeros(len(xy), dtype=bool)
    is_core[core] = True
    border = np.flatnonzero(~is_core & (labels >= 0))
    tree = cKDTree(xy[core])
    hoods = tree.query_ball_point(xy[border], eps_m * (1 + 1e-9))
    eps2 = eps_m * eps_m
    for i, hood in zip(border, hoods, strict=True):
        cand = core[np.asarray(hood, dtype=np.intp)]
        dx, dy = xy[cand, 0] - xy[i, 0], xy[cand, 1] - xy[i, 1]
        d2 = dx * dx + dy * dy
        ok = d2 <= eps2
        best = np.lexsort((xy[cand[ok], 1], xy[cand[ok], 0], d2[ok]))[0]
        out[i] = labels[cand[ok][best]]
    member = out >= 0
    weight = np.bincount(out[member])
    lex = np.lexsort((xy[:, 1], xy[:, 0]))
    first_pos = np.full(len(weight), len(xy))
    in_lex = member[lex]
    np.minimum.at(first_pos, out[lex][in_lex], np.flatnonzero(in_lex))
    rank = np.lexsort((first_pos, -weight))
    new_id = np.empty(len(weight), dtype=np.intp)
    new_id[rank] = np.arange(len(weight))
    return np.where(member, new_id[np.maximum(out, 0)], -1)


def _compare(xy: np.ndarray, out: Path, eps_m: float) -> dict:
    ours, theirs = np.load(out / "ours_labels.npy"), np.load(out / "sklearn_labels.npy")
    core_o, core_t = np.load(out / "ours_core.npy"), np.load(out / "sklearn_core.npy")
    same_core = bool(np.array_equal(core_o, core_t))
    same_noise = bool(np.array_equal(ours < 0, theirs < 0))
    # Core partition: the pairs (ours, theirs) over core samples must be a bijection.
    pairs = np.unique(np.column_stack((ours[core_o], theirs[core_o])), axis=0)
    bijection = len(pairs) == len(np.unique(pairs[:, 0])) == len(np.unique(pairs[:, 1]))
    mapping = np.full(int(theirs.max()) + 1, -1)
    mapping[pairs[:, 1]] = pairs[:, 0]
    differ = int(((theirs >= 0) & (mapping[np.maximum(theirs, 0)] != ours)).sum())
    ruled = _rule_labels(xy, theirs, core_t, eps_m)
    return {
        "same core samples": same_core,
        "same noise samples": same_noise,
        "same partition of core samples": bool(bijection),
        "border samples sklearn put in another cluster (order-dependent)": differ,
        "identical labels and ids after our border and id rules on sklearn's result": bool(
            np.array_equal(ruled, ours)
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="offences (default 1,000,000)")
    parser.add_argument("--eps-m", type=float, default=150.0)
    parser.add_argument("--min-samples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-sklearn", action="store_true", help="run our detector only")
    parser.add_argument("--worker", choices=["ours", "sklearn"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.data, args.out, args.eps_m, args.min_samples)
        return

    xy = make_offences(args.n, args.seed)
    n_unique = len(np.unique(xy, axis=0))
    print(
        f"{args.n:,} offences on {n_unique:,} distinct points; eps_m={args.eps_m:g}, "
        f"min_samples={args.min_samples}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        data = out / "xy.npy"
        np.save(data, xy)
        sides = ["ours"] if args.skip_sklearn else ["ours", "sklearn"]
        results = {side: _run_side(side, data, out, args.eps_m, args.min_samples) for side in sides}
        for side, r in results.items():
            print(
                f"{side:8s} {r['seconds']:8.2f} s   peak RSS {r['peak_rss_gib']:.2f} GiB "
                f"(before fit {r['rss_before_fit_gib']:.2f})   clusters {r['n_clusters']:,}"
                + (f"   engine {r['engine']}" if "engine" in r else "")
            )
        if not args.skip_sklearn:
            ratio = results["sklearn"]["seconds"] / results["ours"]["seconds"]
            print(f"time ratio sklearn/ours: {ratio:.1f}x")
            print("clusters compared with plain sklearn on the raw rows:")
            for key, value in _compare(xy, out, args.eps_m).items():
                print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
