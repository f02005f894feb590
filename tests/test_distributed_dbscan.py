"""Exact partitioned DBSCAN: tiles with a 2 x eps halo give HotspotDetector's labels exactly.

The reference is :class:`hotspots.cluster.HotspotDetector` (itself tested against scikit-learn in
test_cluster.py). Tiles are made small against the data so that clusters, border points and
chains of core points straddle tile borders.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from hotspots.cluster import HotspotDetector
from hotspots.distributed.detector import TiledHotspotDetector
from hotspots.distributed.tiles import make_windows


def assert_same(xy: np.ndarray, eps_m: float, min_samples: int, tile_m: float, **fit) -> None:
    want = HotspotDetector(eps_m, min_samples).fit(xy, **fit)
    got = TiledHotspotDetector(eps_m, min_samples, tile_m=tile_m).fit(xy, **fit)
    np.testing.assert_array_equal(got.labels_, want.labels_)
    np.testing.assert_array_equal(got.core_sample_indices_, want.core_sample_indices_)
    np.testing.assert_array_equal(got.hotspot_weight_, want.hotspot_weight_)
    assert got.n_hotspots_ == want.n_hotspots_


def test_a_cluster_cut_by_a_tile_border_is_one_hotspot() -> None:
    # A line of points 10 m apart from x=0 to x=200; tiles of 50 m cut it four times.
    xy = np.column_stack([np.arange(0, 201, 10.0), np.zeros(21)])
    got = TiledHotspotDetector(eps_m=10, min_samples=3, tile_m=50).fit(xy)
    assert got.params_["distributed"]["tiles"] >= 4
    assert set(got.labels_) == {0}  # one hotspot; the two ends are border points
    assert_same(xy, 10, 3, 50)


def test_a_border_point_between_two_clusters_in_other_tiles_takes_the_nearest_core() -> None:
    # Left cluster around x=-10, right around x=+9; B=(0, 0) is border to both and nearer the
    # right core (9 m vs 10 m). Tile side 7 m puts B, and each cluster, in different tiles.
    left = [[-10, 0], [-10, 5], [-10, -5], [-15, 0]]
    right = [[9, 0], [9, 5], [9, -5], [14, 0]]
    xy = np.array([*left, [0, 0], *right], dtype=float)
    want = HotspotDetector(eps_m=10, min_samples=4).fit(xy)
    got = TiledHotspotDetector(eps_m=10, min_samples=4, tile_m=7).fit(xy)
    assert want.labels_[4] == want.labels_[5]  # B joins the right cluster
    np.testing.assert_array_equal(got.labels_, want.labels_)


def test_ties_at_equal_distance_follow_the_smallest_xy_core_across_tiles() -> None:
    left = [[-10, 0], [-10, 5], [-10, -5], [-15, 0]]
    right = [[10, 0], [10, 5], [10, -5], [15, 0]]
    xy = np.array([*right, [0, 0], *left], dtype=float)
    for tile_m in (3.0, 7.0, 10.0, 25.0, 1000.0):
        assert_same(xy, 10, 4, tile_m)


def test_core_status_near_a_border_needs_the_halo() -> None:
    # (0, 0) is core only with the weight just across x = 50 (the tile border) counted.
    xy = np.array([[45, 0], [49, 0], [51, 0], [54, 0], [200, 0]], dtype=float)
    assert_same(xy, 5, 3, 50)
    assert_same(xy, 5, 3, 50, sample_weight=[1, 1, 1, 1, 5])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tile_m", [120.0, 333.0, 1000.0])
def test_random_clustered_points_match_single_machine(seed: int, tile_m: float) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 3000, size=(10, 2))
    which = rng.integers(0, 10, size=3000)
    xy = centres[which] + rng.normal(0, rng.uniform(20, 150, 10)[which, None], size=(3000, 2))
    xy = np.round(xy / 5) * 5  # snap points: many rows share a coordinate
    weights = rng.integers(1, 4, size=len(xy)).astype(float)
    assert_same(xy, 60, 12, tile_m)
    assert_same(xy, 60, 20, tile_m, sample_weight=weights)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=120),
    st.integers(2, 6),
    st.sampled_from([3.0, 7.5, 10.0, 21.0]),
)
def test_any_points_on_a_coarse_lattice_match(points, min_samples: int, tile_m: float) -> None:
    # Integer lattice points: many exact ties of distance, points on tile borders and at eps.
    xy = np.array(points, dtype=float)
    assert_same(xy, 5.0, min_samples, tile_m)


def test_windows_own_each_location_once_and_carry_the_halo() -> None:
    xy = np.array([[0, 0], [49.9, 0], [50, 0], [99, 0]], dtype=float)
    windows = make_windows(xy, np.ones(4), eps_m=1.0, tile_m=50)
    owned = np.concatenate([w.index[w.owned] for w in windows])
    assert sorted(owned.tolist()) == [0, 1, 2, 3]
    first = next(w for w in windows if 0 in w.index[w.owned])
    assert 2 in first.index[~first.owned]  # 0.1 m beyond its border: within the 2 m halo
    with pytest.raises(ValueError, match="tile_m: got 0"):
        make_windows(xy, np.ones(4), eps_m=1.0, tile_m=0)


def test_auto_parameters_and_params_are_single_machines() -> None:
    rng = np.random.default_rng(3)
    xy = np.round(rng.normal(0, 400, size=(4000, 2)) / 10) * 10
    want = HotspotDetector(n_months=3).fit(xy)
    got = TiledHotspotDetector(n_months=3, tile_m=700).fit(xy)
    np.testing.assert_array_equal(got.labels_, want.labels_)
    for key in ("eps_m", "min_samples", "eps_m_reason", "min_samples_reason", "n_samples"):
        assert got.params_[key] == want.params_[key]


def test_no_points() -> None:
    got = TiledHotspotDetector(eps_m=10, min_samples=2).fit(np.empty((0, 2)))
    assert got.n_hotspots_ == 0 and len(got.labels_) == 0


def on_tile(done: int, total: int) -> None:
    """A progress callback to pass as a parameter."""


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (HotspotDetector, {"n_months": 6.0, "engine": "sklearn", "n_jobs": 2}),
        (
            TiledHotspotDetector,
            {"n_months": 6.0, "engine": "sklearn", "n_jobs": 2, "tile_m": 25.0},
        ),
    ],
)
def test_parameters_follow_scikit_learns_conventions(cls, params: dict) -> None:
    params = {"eps_m": 10.0, "min_samples": 3, **params}
    if cls is TiledHotspotDetector:
        params |= {"client": None, "on_tile": on_tile}
    det = cls(**params)
    assert det.get_params() == params  # every parameter, engine included
    assert vars(det) == params  # each stored unchanged, nothing else set by __init__
    xy = np.column_stack([np.arange(0, 201, 10.0), np.zeros(21)])
    det.fit(xy)
    copy = clone(det)
    assert type(copy) is cls and copy.get_params() == params and not hasattr(copy, "labels_")
    np.testing.assert_array_equal(copy.fit(xy).labels_, det.labels_)
    assert copy.set_params(engine="grid") is copy and copy.get_params()["engine"] == "grid"
    assert det.engine_ == "sklearn" and copy.fit(xy).engine_ == "grid"


def test_the_engine_runs_on_every_tile_and_is_checked() -> None:
    xy = np.column_stack([np.arange(0, 201, 10.0), np.zeros(21)])
    got = TiledHotspotDetector(10, 3, tile_m=50, engine="sklearn").fit(xy)
    want = HotspotDetector(10, 3, engine="sklearn").fit(xy)
    np.testing.assert_array_equal(got.labels_, want.labels_)
    assert got.engine_ == got.params_["engine"] == want.engine_ == "sklearn"
    with pytest.raises(ValueError, match="engine: got 'kd'"):
        TiledHotspotDetector(10, 3, engine="kd").fit(xy)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [HotspotDetector, TiledHotspotDetector])
def test_fit_locations_is_fit_on_the_rows_behind_them(cls) -> None:
    # Stacked rows on a line 10 m apart; the distinct points sorted by (x, y) with their counts.
    rng = np.random.default_rng(5)
    rows = np.column_stack([rng.integers(0, 30, 200) * 10.0, rng.integers(0, 3, 200) * 40.0])
    points, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    want = HotspotDetector(10, 12).fit(rows)
    got = cls(10, 12).fit_locations(points, counts)
    np.testing.assert_array_equal(got.labels_[inverse.ravel()], want.labels_)
    assert got.n_hotspots_ == want.n_hotspots_ > 1
    assert got.params_["n_locations"] == got.params_["n_samples"] == len(points)
    with pytest.raises(ValueError, match="expected \\(n, 2\\) and \\(n,\\)"):
        cls(10, 12).fit_locations(points, counts[:-1])
