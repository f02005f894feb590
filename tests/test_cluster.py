"""Tests for hotspots.cluster. Toy answers were worked out by hand (see the comments).

The reference for the equivalence tests is plain ``sklearn.cluster.DBSCAN`` on the raw,
uncollapsed rows. On top of it the tests apply the documented border and id rules, using a
brute-force implementation written here, independent of the module.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString
from sklearn.base import clone
from sklearn.cluster import DBSCAN

import hotspots.cluster.grid as grid_module
import hotspots.cluster.inputs as inputs_module
import hotspots.cluster.parallel as parallel_module
from hotspots.cluster import HotspotDetector, detect_hotspots, k_distance

# -- builders -------------------------------------------------------------------------------------


def two_groups_and_noise() -> np.ndarray:
    """Group A: a 10 m square (4 points); group B: 3 corners of a 10 m square; one far point."""
    return np.array(
        [
            [0, 0], [0, 10], [10, 0], [10, 10],  # A
            [100, 100], [100, 110], [110, 100],  # B
            [300, 300],  # noise
        ],
        dtype=float,
    )  # fmt: skip


def two_clusters_and_a_shared_border(right_shift: float = 0.0) -> np.ndarray:
    """Two 4-point clusters (each point core at eps=10, min_samples=4) and B = (0, 0) between.

    Left cores: (-10, 0), (-10, 5), (-10, -5), (-15, 0); (-10, 0) has all of them and B within 10
    m (5 with itself). B sees only (-10, 0) and the right (10, 0): 3 < 4, so B is a border point.
    """
    left = [[-10, 0], [-10, 5], [-10, -5], [-15, 0]]
    right = [[10 + right_shift, 0], [10 + right_shift, 5], [10 + right_shift, -5]]
    right.append([15 + right_shift, 0])
    return np.array([*right, [0, 0], *left], dtype=float)


def clustered(seed: int, n: int = 1500, *, offset: float = 0.0, grid_m: float = 1.0) -> np.ndarray:
    """Clustered points rounded to ``grid_m`` (so many rows share a coordinate), plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 3000, size=(8, 2))
    which = rng.integers(0, 8, size=n)
    pts = centres[which] + rng.normal(0, rng.uniform(20, 120, 8)[which, None], size=(n, 2))
    pts[: n // 10] = rng.uniform(-500, 3500, size=(n // 10, 2))
    return np.round(pts / grid_m) * grid_m + offset


def pythagorean_lattice(seed: int, n: int = 600) -> np.ndarray:
    """Points on a 3 x 4 m lattice: many pairs exactly 5 m apart (3-4-5), the eps used."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 30, size=(n, 2)).astype(float) * [3.0, 4.0] + [530_000.0, 260_000.0]


def reference_labels(
    X: np.ndarray, eps: float, min_samples: int, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """Plain sklearn DBSCAN on the raw rows, then the documented border and id rules by brute force.

    Border: a non-core row goes to the cluster of its nearest core row (squared distance), ties
    to the smallest (x, y). Ids: descending weight, ties by the smallest (x, y) member.
    """
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    db = DBSCAN(eps=eps, min_samples=min_samples).fit(X, sample_weight=sample_weight)
    core = np.zeros(len(X), dtype=bool)
    core[db.core_sample_indices_] = True
    labels = np.where(core, db.labels_, -1)
    core_rows = np.flatnonzero(core)
    eps2 = eps * eps
    for i in np.flatnonzero(~core & (db.labels_ >= 0)):
        dx = X[core_rows, 0] - X[i, 0]
        dy = X[core_rows, 1] - X[i, 1]
        d2 = dx * dx + dy * dy
        ok = d2 <= eps2
        key = sorted(
            zip(d2[ok], X[core_rows[ok], 0], X[core_rows[ok], 1], core_rows[ok], strict=True)
        )
        labels[i] = labels[key[0][3]]
    ids = [c for c in np.unique(labels) if c >= 0]
    rank = sorted(ids, key=lambda c: (-w[labels == c].sum(), min(map(tuple, X[labels == c]))))
    out = np.full(len(X), -1)
    for new, old in enumerate(rank):
        out[labels == old] = new
    return out


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Same noise rows, and a one-to-one map between the cluster ids of ``a`` and ``b``."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = set(zip(a[a >= 0].tolist(), b[b >= 0].tolist(), strict=True))
    return len(pairs) == len(set(a[a >= 0].tolist())) == len(set(b[b >= 0].tolist()))


def ambiguous_borders(X: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """Rows within eps of core rows of two different sklearn clusters (as a boolean mask)."""
    db = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    core = np.zeros(len(X), dtype=bool)
    core[db.core_sample_indices_] = True
    out = np.zeros(len(X), dtype=bool)
    for i in np.flatnonzero(~core):
        d2 = ((X[core] - X[i]) ** 2).sum(axis=1)
        out[i] = len(set(db.labels_[core][d2 <= eps * eps].tolist())) > 1
    return out


def without_ambiguous_borders(X: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """``X`` less its ambiguous border rows, repeated until none is left."""
    while (bad := ambiguous_borders(X, eps, min_samples)).any():
        X = X[~bad]
    return X


# -- hand-checked toy geometries ------------------------------------------------------------------


def test_two_groups_and_a_noise_point() -> None:
    # eps 15 m: in A every pair is 10 or 14.1 m apart, so each A point sees 4 (itself too) >= 3;
    # in B each point sees 3; the far point sees only itself. A weighs 4 > 3, so A is hotspot 0.
    det = HotspotDetector(eps_m=15, min_samples=3).fit(two_groups_and_noise())
    assert det.labels_.tolist() == [0, 0, 0, 0, 1, 1, 1, -1]
    assert det.n_hotspots_ == 2
    assert det.core_sample_indices_.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert det.hotspot_weight_.tolist() == [4.0, 3.0]
    assert (det.eps_m_, det.min_samples_, det.engine_) == (15.0, 3, "grid")


def test_min_samples_above_group_sizes_makes_everything_noise() -> None:
    labels = detect_hotspots(two_groups_and_noise(), eps_m=15, min_samples=5)
    assert labels.tolist() == [-1] * 8


def test_a_chain_has_one_core_and_two_border_points() -> None:
    # x = 0, 10, 20 with eps 10: the middle sees 3 (itself too), the ends 2.
    det = HotspotDetector(eps_m=10, min_samples=3).fit([[0, 0], [10, 0], [20, 0]])
    assert det.labels_.tolist() == [0, 0, 0]
    assert det.core_sample_indices_.tolist() == [1]


@pytest.mark.parametrize("engine", ["grid", "sklearn"])
def test_distance_exactly_eps_counts_as_a_neighbour(engine: str) -> None:
    # 3-4-5 triangle: the points are exactly 5 m apart, in BNG-sized coordinates.
    xy = np.array([[530_000.0, 260_000.0], [530_003.0, 260_004.0]])
    assert detect_hotspots(xy, eps_m=5, min_samples=2, engine=engine).tolist() == [0, 0]
    assert detect_hotspots(xy, eps_m=4.999, min_samples=2, engine=engine).tolist() == [-1, -1]


def test_a_single_point_whose_weight_reaches_min_samples_is_a_hotspot() -> None:
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    labels = detect_hotspots(xy, eps_m=100, min_samples=5, sample_weight=[5, 4.99, 1])
    assert labels.tolist() == [0, -1, -1]


def test_stacked_rows_make_a_hotspot_and_share_its_label() -> None:
    # Five offences on one snap point, one on another 50 m away, one far away.
    xy = np.array([[0, 0]] * 5 + [[50, 0], [900, 900]], dtype=float)
    det = HotspotDetector(eps_m=60, min_samples=5).fit(xy)
    assert det.labels_.tolist() == [0, 0, 0, 0, 0, 0, -1]
    assert det.core_sample_indices_.tolist() == [0, 1, 2, 3, 4, 5]  # (50, 0) sees 6
    assert det.params_["n_locations"] == 3
    assert det.params_["total_weight"] == 7.0


def test_weights_multiply_the_stack_count() -> None:
    # Two rows on one point with weight 2 each weigh 4: core at min_samples 4, not at 5.
    xy = np.array([[0, 0], [0, 0], [500, 0]], dtype=float)
    w = np.array([2.0, 2.0, 1.0])
    assert detect_hotspots(xy, 10, 4, sample_weight=w).tolist() == [0, 0, -1]
    assert detect_hotspots(xy, 10, 5, sample_weight=w).tolist() == [-1, -1, -1]


def test_border_point_equidistant_from_two_clusters_goes_to_smallest_xy_core() -> None:
    # B = (0, 0) is 10 m from the cores (10, 0) and (-10, 0); (-10, 0) has the smaller (x, y),
    # so B joins the left cluster, which then weighs 5 against 4 and becomes hotspot 0.
    xy = two_clusters_and_a_shared_border()
    det = HotspotDetector(eps_m=10, min_samples=4).fit(xy)
    assert det.labels_.tolist() == [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert 4 not in det.core_sample_indices_.tolist()
    # scikit-learn, scanning this order, gives B to the right cluster (the first it expands).
    sk = DBSCAN(eps=10, min_samples=4).fit(xy).labels_
    assert sk[4] == sk[0] != sk[5]


def test_border_point_goes_to_its_nearest_core() -> None:
    # Right cluster moved 1 m left: B is 9 m from (9, 0) and 10 m from (-10, 0); it joins the
    # right cluster (weight 5), which becomes hotspot 0.
    xy = two_clusters_and_a_shared_border(right_shift=-1.0)
    det = HotspotDetector(eps_m=10, min_samples=4).fit(xy)
    assert det.labels_.tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1]


def test_equal_weights_are_ranked_by_smallest_xy_member() -> None:
    # Two mirrored 4-point clusters of equal weight: the left has the smaller (x, y) member.
    xy = np.delete(two_clusters_and_a_shared_border(), 4, axis=0)
    assert detect_hotspots(xy, 10, 4).tolist() == [1, 1, 1, 1, 0, 0, 0, 0]


def test_empty_input_gives_no_hotspots() -> None:
    det = HotspotDetector(eps_m=100, min_samples=3).fit(np.empty((0, 2)))
    assert det.labels_.shape == (0,)
    assert det.n_hotspots_ == 0
    assert det.core_sample_indices_.shape == (0,)


# -- equivalence with plain scikit-learn on raw rows ----------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_labels_as_plain_sklearn_on_raw_rows_without_ambiguous_borders(seed: int) -> None:
    # Blobs on a 5 m grid (many stacked rows), less any border row reachable from two clusters:
    # sklearn's own labels are then order-free, and after our id relabelling they match.
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [2000, 0], [0, 2000], [2000, 2000], [1000, 1000]], dtype=float)
    sizes = rng.integers(30, 300, size=len(centres))
    blobs = [c + rng.normal(0, 60, (s, 2)) for c, s in zip(centres, sizes, strict=True)]
    snap = np.round(np.concatenate(blobs) / 5) * 5
    xy = rng.permutation(np.repeat(snap, rng.integers(1, 5, len(snap)), axis=0))
    eps, min_samples = 40.0, 12
    xy = without_ambiguous_borders(xy, eps, min_samples)
    assert len(np.unique(xy, axis=0)) < 0.6 * len(xy)  # rows really are stacked

    ours = detect_hotspots(xy, eps, min_samples)
    sk = DBSCAN(eps=eps, min_samples=min_samples).fit(xy)
    assert same_partition(ours, sk.labels_)
    np.testing.assert_array_equal(ours, reference_labels(xy, eps, min_samples))
    det = HotspotDetector(eps, min_samples).fit(xy)
    np.testing.assert_array_equal(det.core_sample_indices_, sk.core_sample_indices_)


@pytest.mark.parametrize(
    ("data", "eps", "min_samples", "weighted"),
    [
        (clustered(3), 30.0, 5, False),
        (clustered(4, grid_m=10), 25.0, 8, True),
        (clustered(5, offset=500_000.0, grid_m=3), 50.0, 12, True),
        (pythagorean_lattice(6), 5.0, 4, False),
        (pythagorean_lattice(7), 5.0, 6, True),
    ],
    ids=["clustered", "stacked-weighted", "bng-offset", "exact-eps", "exact-eps-weighted"],
)
def test_same_clusters_as_plain_sklearn_on_raw_rows(
    data: np.ndarray, eps: float, min_samples: int, weighted: bool
) -> None:
    w = np.random.default_rng(0).integers(0, 4, size=len(data)).astype(float) if weighted else None
    for engine in ("grid", "sklearn"):
        det = HotspotDetector(eps, min_samples, engine=engine).fit(data, sample_weight=w)
        sk = DBSCAN(eps=eps, min_samples=min_samples).fit(data, sample_weight=w)
        np.testing.assert_array_equal(det.core_sample_indices_, sk.core_sample_indices_)
        np.testing.assert_array_equal(det.labels_ < 0, sk.labels_ < 0)
        core = det.core_sample_indices_
        assert same_partition(det.labels_[core], sk.labels_[core])
        np.testing.assert_array_equal(det.labels_, reference_labels(data, eps, min_samples, w))


# -- engine equivalence ---------------------------------------------------------------------------


def engine_cases() -> list[object]:
    rng = np.random.default_rng(11)
    uniform = rng.uniform(0, 3000, size=(4000, 2))
    stacked = np.repeat(clustered(12, 800, grid_m=7), rng.integers(1, 6, size=800), axis=0)
    dense = rng.normal(0, 40, size=(3000, 2))  # dense cells: all core without distance work
    lattice_w = rng.integers(1, 4, 900).astype(float)
    cases = [
        ("uniform", uniform, None, 60.0, 4),
        ("uniform-weighted", uniform, rng.uniform(0, 3, 4000), 60.0, 5),
        ("stacked", stacked, None, 35.0, 10),
        ("stacked-zero-weights", stacked, rng.integers(0, 3, len(stacked)).astype(float), 35.0, 6),
        ("clustered", clustered(13, 3000), None, 45.0, 7),
        ("dense", dense, None, 10.0, 5),
        ("exact-eps", pythagorean_lattice(14, 900), None, 5.0, 3),
        ("exact-eps-weighted", pythagorean_lattice(15, 900), lattice_w, 10.0, 7),
        ("one-location", np.zeros((20, 2)), None, 1.0, 5),
        ("a-line", np.column_stack((np.arange(50.0) * 10, np.zeros(50))), None, 10.0, 3),
    ]
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


@pytest.mark.parametrize(("xy", "w", "eps", "min_samples"), engine_cases())
def test_grid_and_sklearn_engines_give_identical_labels(
    xy: np.ndarray, w: np.ndarray | None, eps: float, min_samples: int
) -> None:
    grid = HotspotDetector(eps, min_samples, engine="grid").fit(xy, sample_weight=w)
    sk = HotspotDetector(eps, min_samples, engine="sklearn").fit(xy, sample_weight=w)
    assert (grid.engine_, sk.engine_) == ("grid", "sklearn")
    np.testing.assert_array_equal(grid.labels_, sk.labels_)
    np.testing.assert_array_equal(grid.core_sample_indices_, sk.core_sample_indices_)
    np.testing.assert_array_equal(grid.hotspot_weight_, sk.hotspot_weight_)
    if w is None or np.all(w == np.round(w)):
        np.testing.assert_array_equal(grid.labels_, reference_labels(xy, eps, min_samples, w))


@pytest.mark.parametrize("n_jobs", [2, 3, 7])
@pytest.mark.parametrize(("xy", "w", "eps", "min_samples"), engine_cases())
def test_threads_give_the_labels_of_one_thread_and_of_sklearn(
    xy: np.ndarray,
    w: np.ndarray | None,
    eps: float,
    min_samples: int,
    n_jobs: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Strips of a few locations (the default needs 20,000 each) and row shares of a few rows, so
    # that every case is cut: cuts fall inside clusters, between equal x values and on pairs
    # exactly eps apart (the lattices).
    monkeypatch.setattr(parallel_module, "MIN_STRIP_LOCATIONS", 5)
    monkeypatch.setattr(inputs_module, "_MIN_ROWS_PER_THREAD", 50)
    one = HotspotDetector(eps, min_samples, engine="grid", n_jobs=1).fit(xy, sample_weight=w)
    threads = HotspotDetector(eps, min_samples, engine="grid", n_jobs=n_jobs)
    threads.fit(xy, sample_weight=w)
    sk = HotspotDetector(eps, min_samples, engine="sklearn").fit(xy, sample_weight=w)
    if len(np.unique(xy, axis=0)) >= 10:
        assert "strips on" in threads.params_["engine_reason"]
    for other in (one, sk):
        np.testing.assert_array_equal(threads.labels_, other.labels_)
        np.testing.assert_array_equal(threads.core_sample_indices_, other.core_sample_indices_)
        np.testing.assert_array_equal(threads.hotspot_weight_, other.hotspot_weight_)


@pytest.mark.parametrize("seed", range(6))
def test_engines_agree_on_random_police_like_points(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snap points stacked as on police.uk (rounded to 1 m, heavy-tailed popularity), random
    # parameters: one thread, threads, scikit-learn's engine and plain sklearn on the raw rows.
    monkeypatch.setattr(parallel_module, "MIN_STRIP_LOCATIONS", 40)
    rng = np.random.default_rng(100 + seed)
    snap = np.round(rng.uniform(0, 4000, size=(1500, 2)) + np.array([520_000.0, 240_000.0]))
    popularity = rng.lognormal(0.0, 1.5, len(snap))
    xy = snap[rng.choice(len(snap), size=6000, p=popularity / popularity.sum())]
    eps, min_samples = float(rng.integers(40, 200)), int(rng.integers(3, 30))
    results = [
        HotspotDetector(eps, min_samples, engine=engine, n_jobs=jobs).fit(xy)
        for engine, jobs in (("grid", 1), ("grid", 2), ("grid", 4), ("sklearn", 1))
    ]
    for det in results[1:]:
        np.testing.assert_array_equal(det.labels_, results[0].labels_)
        np.testing.assert_array_equal(det.core_sample_indices_, results[0].core_sample_indices_)
    np.testing.assert_array_equal(results[0].labels_, reference_labels(xy, eps, min_samples))


def test_same_core_points_and_clusters_as_the_dbscan_package() -> None:
    # The PyPI `dbscan` package (Wang, Gu & Shun's exact parallel DBSCAN; the `bench` extra):
    # the same core rows and the same partition of them (its border rule is its own).
    dbscan = pytest.importorskip("dbscan")
    rng = np.random.default_rng(5)
    snap = np.round(rng.normal(0, 400, size=(3000, 2)) + np.array([530_000.0, 260_000.0]), 1)
    xy = snap[rng.choice(len(snap), size=12_000)]
    theirs, core_mask = dbscan.DBSCAN(xy, eps=30.0, min_samples=6)
    ours = HotspotDetector(30.0, 6, n_jobs=2).fit(xy)
    np.testing.assert_array_equal(ours.core_sample_indices_, np.flatnonzero(core_mask))
    core = ours.core_sample_indices_
    assert same_partition(ours.labels_[core], theirs[core])
    np.testing.assert_array_equal(ours.labels_ < 0, theirs < 0)


def test_grid_engine_exhaustive_cell_joins_alone_give_the_same_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The grid engine first tries the extreme points of neighbouring cells. With no extreme
    # points that step finds nothing, so every join must come from the exhaustive pair check.
    xy, eps, min_samples = clustered(21, 2500, grid_m=2), 30.0, 6
    expected = HotspotDetector(eps, min_samples, engine="sklearn").fit(xy).labels_
    core_cells = grid_module._CoreCells
    full_check = core_cells._full_check
    joins = []

    def no_extremes(self: grid_module._CoreCells, cells: np.ndarray) -> np.ndarray:
        return np.zeros((len(self.core_count), 0), dtype=np.intp)

    def counted(self: grid_module._CoreCells, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        hit = full_check(self, a, b)
        joins.append(int(hit.sum()))
        return hit

    monkeypatch.setattr(core_cells, "_extremes", no_extremes)
    monkeypatch.setattr(core_cells, "_full_check", counted)
    got = HotspotDetector(eps, min_samples, engine="grid").fit(xy).labels_
    np.testing.assert_array_equal(got, expected)
    assert sum(joins) > 100


def test_grid_engine_falls_back_to_sklearn_for_a_sub_millimetre_eps_and_says_so() -> None:
    xy = np.array([[530_000.0, 260_000.0], [530_000.0, 260_000.0001], [530_000.0, 260_000.0002]])
    det = HotspotDetector(eps_m=0.00015, min_samples=2, engine="grid").fit(xy)
    assert det.engine_ == "sklearn"
    assert "too small" in det.params_["engine_reason"]
    assert det.labels_.tolist() == [0, 0, 0]


# -- determinism ----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["grid", "sklearn"])
def test_shuffled_rows_get_the_same_hotspots_and_ids(engine: str) -> None:
    # Stacked rows, ties between border cores, equal-weight clusters and fractional weights.
    rng = np.random.default_rng(31)
    base = np.concatenate(
        [
            two_clusters_and_a_shared_border() + np.array([5000.0, 0.0]),
            np.delete(two_clusters_and_a_shared_border(), 4, axis=0) + np.array([0.0, 5000.0]),
            np.repeat(clustered(32, 600, grid_m=4), rng.integers(1, 4, 600), axis=0),
        ]
    )
    w = rng.choice([0.1, 0.2, 0.3, 1.0, 2.5], size=len(base))
    det = HotspotDetector(eps_m=30, min_samples=4, engine=engine)
    expected = det.fit(base, sample_weight=w).labels_.copy()
    assert det.n_hotspots_ > 5
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(len(base))
        got = clone(det).fit(base[perm], sample_weight=w[perm]).labels_
        np.testing.assert_array_equal(got, expected[perm])


# -- input checks ---------------------------------------------------------------------------------


def points_frame(crs: str | None) -> gpd.GeoDataFrame:
    xy = two_groups_and_noise()
    return gpd.GeoDataFrame({"n": range(len(xy))}, geometry=gpd.points_from_xy(*xy.T), crs=crs)


def test_geodataframe_and_geoseries_in_bng_give_the_array_labels() -> None:
    frame = points_frame("EPSG:27700")
    expected = detect_hotspots(two_groups_and_noise(), 15, 3)
    np.testing.assert_array_equal(detect_hotspots(frame, 15, 3), expected)
    np.testing.assert_array_equal(detect_hotspots(frame.geometry, 15, 3), expected)


def test_geographic_crs_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ValueError, match=r"got CRS EPSG:4326 \(geographic.*expected a projected"):
        detect_hotspots(points_frame("EPSG:4326"), 15, 3)


def test_missing_crs_is_refused() -> None:
    with pytest.raises(ValueError, match="no CRS; expected a projected CRS in metres"):
        HotspotDetector(15, 3).fit(points_frame(None).geometry)


def test_crs_in_feet_is_refused() -> None:
    with pytest.raises(ValueError, match=r"axis units .*foot.*expected a projected CRS in metres"):
        detect_hotspots(points_frame("EPSG:2263"), 15, 3)  # New York State Plane, US feet


def test_non_point_geometries_are_refused_with_their_position() -> None:
    frame = points_frame("EPSG:27700")
    frame.loc[2, "geometry"] = LineString([(0, 0), (1, 1)])
    frame.loc[5, "geometry"] = None
    with pytest.raises(ValueError, match=r"got 2 geometries .* not points .*position 2"):
        detect_hotspots(frame, 15, 3)


@pytest.mark.parametrize(
    ("X", "w", "match"),
    [
        (np.zeros((3, 3)), None, r"shape \(3, 3\); expected shape \(n, 2\)"),
        (np.zeros(4), None, r"shape \(4,\); expected shape \(n, 2\)"),
        ([[0, 0], [np.nan, 1]], None, "1 rows with NaN .*row 1.*expected finite"),
        ([["a", "b"]], None, "not numeric; expected an \\(n, 2\\) array"),
        ([[0, 0], [1, 1]], [1.0, -1.0], "negative weights; expected finite weights >= 0"),
        ([[0, 0], [1, 1]], [1.0], r"sample_weight: got shape \(1,\); expected \(2,\)"),
    ],
)
def test_bad_input_raises_with_got_and_expected(X: object, w: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        detect_hotspots(X, 10, 2, sample_weight=w)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"eps_m": 0}, "eps_m: got 0; expected a distance in metres > 0"),
        ({"eps_m": "wide"}, "eps_m: got 'wide'"),
        ({"min_samples": 0}, "min_samples: got 0; expected an integer >= 1"),
        ({"min_samples": 2.5}, "min_samples: got 2.5"),
        ({"n_months": -1}, "n_months: got -1; expected a number of months > 0"),
        ({"engine": "fast"}, "engine: got 'fast'; expected 'auto', 'grid' or 'sklearn'"),
        ({"n_jobs": 0}, "n_jobs: got 0; expected an integer >= 1, -1 or None"),
        ({"n_jobs": 1.5}, "n_jobs: got 1.5"),
    ],
)
def test_bad_parameters_raise_in_fit_not_in_init(params: dict[str, object], match: str) -> None:
    det = HotspotDetector(**{"eps_m": 10, "min_samples": 2, **params})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        det.fit(two_groups_and_noise())


def test_callers_inputs_are_not_modified() -> None:
    xy = two_groups_and_noise()
    xy[0] = [-0.0, -0.0]
    w = np.arange(1.0, 9.0)
    xy_before, w_before = xy.copy(), w.copy()
    xy.flags.writeable = False  # read-only input works too
    frame = points_frame("EPSG:27700")
    frame_before = frame.copy()
    detect_hotspots(xy, 15, 3, sample_weight=w)
    detect_hotspots(frame, "auto", "auto")
    np.testing.assert_array_equal(xy, xy_before)
    assert np.signbit(xy[0]).all()
    np.testing.assert_array_equal(w, w_before)
    pd.testing.assert_frame_equal(frame, frame_before)


def test_scikit_learn_estimator_api() -> None:
    det = HotspotDetector(eps_m=15, min_samples=3, n_months=6, engine="sklearn", n_jobs=2)
    params = {"eps_m": 15, "min_samples": 3, "n_months": 6, "engine": "sklearn", "n_jobs": 2}
    assert det.get_params() == params
    assert not hasattr(det, "labels_")
    assert det.fit(two_groups_and_noise()) is det
    copy = clone(det)
    assert copy.get_params() == det.get_params() and not hasattr(copy, "labels_")
    np.testing.assert_array_equal(copy.fit_predict(two_groups_and_noise()), det.labels_)
    assert det.n_features_in_ == 2


# -- automatic parameters and k-distance ----------------------------------------------------------


def test_k_distance_counts_the_point_itself_and_weights() -> None:
    # (0, 0) twice and (3, 4) once: 5 m apart.
    xy = np.array([[0, 0], [3, 4], [0, 0]], dtype=float)
    assert k_distance(xy, 1).tolist() == [0.0, 0.0, 0.0]
    assert k_distance(xy, 2).tolist() == [0.0, 0.0, 5.0]  # the stack reaches 2 alone
    assert k_distance(xy, 3).tolist() == [5.0, 5.0, 5.0]
    assert k_distance(xy, 4).tolist() == [np.inf] * 3
    assert k_distance(xy, 4, sample_weight=[1, 4, 1]).tolist() == [0.0, 5.0, 5.0]


def test_k_distance_matches_sklearn_nearest_neighbours_without_weights() -> None:
    from sklearn.neighbors import NearestNeighbors

    xy = clustered(41, 800, grid_m=0.01)
    expected = np.sort(NearestNeighbors(n_neighbors=7).fit(xy).kneighbors(xy)[0][:, -1])
    np.testing.assert_allclose(k_distance(xy, 7), expected, rtol=1e-12)


def test_k_distance_decides_core_points() -> None:
    xy, w = clustered(42, 1000, grid_m=5), np.random.default_rng(0).integers(1, 4, 1000)
    det = HotspotDetector(eps_m=40, min_samples=9).fit(xy, sample_weight=w)
    assert len(det.core_sample_indices_) == int((k_distance(xy, 9, sample_weight=w) <= 40).sum())


def test_auto_min_samples_follows_months_and_is_reported() -> None:
    xy, w = clustered(51), np.full(1500, 4.0)  # total weight 6000: the 1% cap is 60
    det = HotspotDetector(eps_m=150, n_months=12).fit(xy, sample_weight=w)
    assert det.min_samples_ == 36 == det.params_["min_samples"]  # ceil(3 x 12)
    assert "3 offences/month x 12 months) = 36" in det.params_["min_samples_reason"]
    assert det.params_["eps_m_reason"] == "given"
    assert det.params_["n_months"] == 12.0
    assert HotspotDetector(eps_m=150).fit(xy, n_months=1).min_samples_ == 5  # the floor
    months_3 = HotspotDetector(eps_m=150, n_months=12).fit(xy, sample_weight=w, n_months=3)
    assert months_3.min_samples_ == 9  # fit's n_months wins


def test_auto_min_samples_is_capped_at_one_percent_of_the_weight() -> None:
    det = HotspotDetector(eps_m=150, n_months=24).fit(clustered(51))  # 1,500 offences
    assert det.min_samples_ == 15  # min(ceil(3 x 24) = 72, ceil(0.01 x 1500) = 15)
    assert "= 15" in det.params_["min_samples_reason"]


def test_auto_min_samples_without_months_uses_the_total_weight() -> None:
    xy = clustered(52, 2000)
    det = HotspotDetector(eps_m=100, min_samples=None).fit(xy, sample_weight=np.full(2000, 1.5))
    assert det.min_samples_ == 30  # ceil(0.01 x 3000)
    assert det.params_["n_months"] is None
    assert "n_months not given" in det.params_["min_samples_reason"]


def test_auto_eps_is_the_knee_clamped_and_reported() -> None:
    # 80 tight stacks (k-distance 0..20 m) and 20 lone points kilometres apart: the knee is at
    # the end of the tight part, below the 50 m floor, so eps_m is 50.
    rng = np.random.default_rng(61)
    tight = np.repeat(rng.uniform(0, 20, size=(80, 2)), 3, axis=0)
    lone = rng.uniform(10_000, 90_000, size=(20, 2))
    det = HotspotDetector(eps_m="auto", min_samples=5).fit(np.concatenate([tight, lone]))
    assert det.eps_m_ == 50.0 == det.params_["eps_m"]
    assert det.params_["eps_m_knee"] < 30
    assert "knee of the offence-weighted 5-distance curve" in det.params_["eps_m_reason"]
    assert "below the 50 m floor" in det.params_["eps_m_reason"]
    assert det.n_hotspots_ == 1


def test_auto_eps_on_scattered_points_is_capped_at_150_m() -> None:
    xy = np.random.default_rng(62).uniform(0, 100_000, size=(500, 2))
    det = HotspotDetector(n_months=2).fit(xy)
    assert (det.eps_m_, det.min_samples_) == (150.0, 5)  # max(5, min(6, 5))
    assert det.params_["eps_m_knee"] > 150
    assert "above the 150 m ceiling" in det.params_["eps_m_reason"]


def test_auto_eps_without_enough_points_uses_the_ceiling() -> None:
    det = HotspotDetector(min_samples=5).fit([[0, 0], [10, 0]])
    assert det.eps_m_ == 150.0 and det.params_["eps_m_knee"] is None
    assert det.labels_.tolist() == [-1, -1]


# -- real data ------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_cambridgeshire_2025_drugs_match_plain_sklearn(real_data: Path) -> None:
    folder = real_data / "police_uk" / "cambridgeshire" / "street"
    frames = [pd.read_csv(p) for p in sorted(folder.glob("2025-*-cambridgeshire-street.csv"))]
    rows = pd.concat(frames)
    drugs = rows[(rows["Crime type"] == "Drugs") & rows["Longitude"].notna()]
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    xy = np.column_stack(
        to_bng.transform(drugs["Longitude"].to_numpy(), drugs["Latitude"].to_numpy())
    )
    assert len(xy) == 2729

    det = HotspotDetector(n_months=12).fit(xy)
    assert det.params_["n_locations"] == 1444
    assert det.min_samples_ == 28  # min(ceil(3 x 12), ceil(0.01 x 2729))
    assert det.eps_m_ == 150.0  # the knee is kilometres out in a county: clamped
    sk = DBSCAN(eps=150, min_samples=28).fit(xy)
    np.testing.assert_array_equal(det.core_sample_indices_, sk.core_sample_indices_)
    assert same_partition(
        det.labels_[det.core_sample_indices_], sk.labels_[sk.core_sample_indices_]
    )
    np.testing.assert_array_equal(det.labels_, reference_labels(xy, 150, 28))
    assert det.n_hotspots_ >= 1
    assert det.hotspot_weight_[0] == (det.labels_ == 0).sum()
