"""Monte Carlo significance on synthetic point processes whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from hotspots.cluster import HotspotDetector
from hotspots.graph_dbscan import NeighbourGraph
from hotspots.significance import (
    _relabel,
    benjamini_hochberg,
    bernoulli_llr,
    hotspot_significance,
)

X0, Y0 = 500_000.0, 200_000.0
MONTHS = np.array(["2025-01", "2025-02", "2025-03"])


def _towns(rng: np.random.Generator, n_town: int = 1200, n_rural: int = 900) -> np.ndarray:
    """All recorded offences: three dense towns (sd 150 m) and a thin spread over 3 x 3 km."""
    centres = np.array([[800.0, 800], [2200, 900], [1500, 2200]])
    towns = np.vstack([c + rng.normal(0, 150, (n_town, 2)) for c in centres])
    rural = rng.uniform(0, 3000, (n_rural, 2))
    return np.vstack([towns, rural]) + np.array([X0, Y0])


def _split(rng: np.random.Generator, xy: np.ndarray, share: float):
    """Drug offences: a random ``share`` of all offences (the null hypothesis holds)."""
    months = rng.choice(MONTHS, len(xy))
    is_drug = rng.random(len(xy)) < share
    return xy[is_drug], months[is_drug], xy[~is_drug], months[~is_drug]


def _test(dxy, dm, oxy, om, eps_m=100.0, min_samples=8, n_sims=49, seed=0):
    labels = HotspotDetector(eps_m, min_samples).fit(dxy).labels_
    return labels, hotspot_significance(
        dxy, dm, oxy, om, labels, eps_m=eps_m, min_samples=min_samples, n_sims=n_sims, seed=seed
    )


def test_benjamini_hochberg_by_hand_and_against_scipy() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> x4/1, x4/2, x4/3, x4/4 = .04, .06, .0533, .5 -> monotone
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.05333333, 0.05333333, 0.5])
    rng = np.random.default_rng(0)
    p = rng.random(30) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p))


def test_bernoulli_llr_by_hand() -> None:
    # 10 drug offences of 10 offences in the zone; 10 of 90 outside; 20 of 100 overall.
    want = 10 * np.log(1) + 10 * np.log(10 / 90) + 80 * np.log(80 / 90)
    want -= 20 * np.log(0.2) + 80 * np.log(0.8)
    assert bernoulli_llr(np.array([10.0]), np.array([10.0]), 20, 100)[0] == pytest.approx(want)
    # A zone at or below the rate elsewhere scores 0.
    assert bernoulli_llr(np.array([1.0, 2.0]), np.array([10.0, 10.0]), 20, 100).tolist() == [0, 0]


def test_a_planted_cluster_is_found_and_significant() -> None:
    rng = np.random.default_rng(7)
    dxy, dm, oxy, om = _split(rng, _towns(rng), 0.06)
    # 30 drug offences on one snap point in the countryside (no other crime recorded there).
    spot = np.array([[X0 + 2700, Y0 + 2700]])
    dxy = np.vstack([dxy, np.repeat(spot, 30, axis=0)])
    dm = np.concatenate([dm, rng.choice(MONTHS, 30)])
    labels, sig = _test(dxy, dm, oxy, om, n_sims=99)
    planted = labels[-1]
    assert planted >= 0 and (labels[-30:] == planted).all()
    row = sig.table.loc[planted]
    # Its zone: every offence within eps_m = 100 m of the spot (independent count).
    everyone = np.vstack([dxy, oxy])
    near = np.hypot(*(everyone - spot).T) <= 100
    assert row["zone_offences"] == near.sum() < 40
    assert row["zone_drug_offences"] == near[: len(dxy)].sum() >= 30
    assert row["p_value"] == pytest.approx(1 / 100)  # beats every simulation
    assert row["q_value"] <= 0.05 and bool(row["significant"])
    assert sig.info["available"] and sig.info["n_sims"] == 99 and sig.info["seconds"] > 0


def test_pure_noise_gives_no_significant_hotspot_in_most_seeds() -> None:
    # Drug offences are a random 6% of all offences: the towns make DBSCAN hotspots, but none
    # should be significant at 5% except by chance (about 1 seed in 20 for a family-wise test).
    with_significant = 0
    found_any = 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        labels, sig = _test(*_split(rng, _towns(rng), 0.06), n_sims=39, seed=seed)
        found_any += int((labels >= 0).any())
        with_significant += int(sig.table["significant"].fillna(False).any())
    assert found_any >= 6  # the test is not vacuous: DBSCAN does find hotspots in the towns
    assert with_significant <= 2


def test_same_seed_same_p_values_and_other_seeds_differ_within_noise() -> None:
    rng = np.random.default_rng(5)
    data = _split(rng, _towns(rng), 0.06)
    _, a = _test(*data, seed=3)
    _, b = _test(*data, seed=3)
    assert a.table.equals(b.table)
    np.testing.assert_array_equal(a.null_max_llr, b.null_max_llr)


def test_drug_only_store_gives_no_p_values_and_says_why() -> None:
    dxy = np.array([[X0, Y0]] * 10 + [[X0 + 5000, Y0]])
    labels = HotspotDetector(50, 5).fit(dxy).labels_
    sig = hotspot_significance(
        dxy, ["2025-01"] * 11, np.empty((0, 2)), [], labels, eps_m=50, min_samples=5
    )
    assert not sig.info["available"] and "drug offences only" in sig.info["reason"]
    assert sig.table["p_value"].isna().all() and sig.table["significant"].isna().all()
    assert sig.table.index.tolist() == [0]


def test_bad_arguments_raise() -> None:
    xy = np.zeros((2, 2))
    with pytest.raises(ValueError, match="n_sims"):
        hotspot_significance(xy, ["a"] * 2, xy, ["a"] * 2, [0, 0], eps_m=1, min_samples=1, n_sims=0)
    with pytest.raises(ValueError, match="labels has 1"):
        hotspot_significance(xy, ["a"] * 2, xy, ["a"] * 2, [0], eps_m=1, min_samples=1)


def _partition(labels: np.ndarray) -> list[tuple[int, ...]]:
    """Hotspots as sets of location indices (ids left out), sorted."""
    return sorted(tuple(np.flatnonzero(labels == h)) for h in np.unique(labels[labels >= 0]))


@pytest.mark.parametrize("seed", range(6))
def test_graph_dbscan_finds_the_detectors_hotspots(seed: int) -> None:
    """The simulations' DBSCAN on a fixed neighbour graph gives the detector's hotspots, borders
    included, on weighted snap points with many equal distances (a 25 m lattice, eps 50 m)."""
    rng = np.random.default_rng(seed)
    lattice = rng.integers(0, 40, (3000, 2)) * 25.0 + np.array([X0, Y0])
    locations = np.unique(lattice, axis=0)
    graph = NeighbourGraph(locations, 50.0)
    for _ in range(5):
        weight = rng.poisson(0.6, len(locations)).astype(float)
        ours, n_ours = graph.labels(weight, 4)
        present = np.flatnonzero(weight)
        theirs = HotspotDetector(50.0, 4).fit(locations[present], sample_weight=weight[present])
        want = np.full(len(locations), -1)
        want[present] = theirs.labels_
        assert n_ours == theirs.n_hotspots_ > 0
        assert _partition(ours) == _partition(want)


def test_each_simulation_draws_each_months_number_of_drug_offences() -> None:
    # Months of 5, 3 and 4 offences (locations 0-11 in order), 2, 0 and 4 of them drugs.
    loc_by_month = np.arange(12)
    start, size, drawn = np.array([0, 5, 8]), np.array([5, 3, 4]), np.array([2, 0, 4])
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(200):
        chosen = _relabel(rng, loc_by_month, start, size, drawn)
        assert len(set(chosen.tolist())) == 6  # without replacement
        assert ((chosen < 5).sum(), ((chosen >= 5) & (chosen < 8)).sum()) == (2, 0)
        assert sorted(chosen[chosen >= 8].tolist()) == [8, 9, 10, 11]
        seen.add(tuple(sorted(chosen[chosen < 5].tolist())))
    assert len(seen) == 10  # every pair of the first month's 5 offences comes up
