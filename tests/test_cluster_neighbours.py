"""DBSCAN with the neighbour pairs shared across ``min_samples``
(:mod:`hotspots.cluster.neighbours`) gives the detector's labels exactly."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.cluster import DetectorCore
from hotspots.cluster.neighbours import Neighbours, SharedNeighbours
from hotspots.evaluate.advice import EPS_VALUES_M, MIN_SAMPLES_VALUES
from hotspots.evaluate.backtest import drug_offences
from hotspots.store import Store

# Two clusters joined by nothing, a border location exactly eps_m (50 m) from a core location
# of each, and a noise location. Worked by hand at eps_m = 50, min_samples = 5:
# L1 (0, 0) w1: 1 + L2 10 + B 1 = 12, core; L2 (-40, 0): 10 + 1 = 11, core;
# R1 (100, 0) w1 and R2 (140, 0): core likewise; B (50, 0) w1: 1 + L1 + R1 = 3, border;
# L1 and R1 are 100 m apart: two clusters. B is 50 m from both: the tie goes to the smallest
# (x, y) core location, L1. N (1000, 0): noise.
XY = np.array([[-40.0, 0], [0, 0], [50, 0], [100, 0], [140, 0], [1_000, 0]])


@pytest.mark.parametrize(
    ("r2_weight", "want"),
    [
        # L cluster 10 + 1 + B 1 = 12 against R 11: L is hotspot 0, B with it.
        (10.0, [0, 0, 0, 1, 1, -1]),
        # R2 12: R weighs 13 against L's 12, so R is hotspot 0; B still joins L (the tie rule).
        (12.0, [1, 1, 1, 0, 0, -1]),
    ],
)
def test_hand_worked_border_tie_and_noise(r2_weight: float, want: list[int]) -> None:
    weights = np.array([10.0, 1, 1, 1, r2_weight, 1])
    shared = SharedNeighbours(50.0, 5, n_months=None, hoods={})
    labels = shared.fit(XY, sample_weight=weights).labels_
    assert labels.tolist() == want
    assert shared.engine_ == "pairs"
    plain = DetectorCore(50.0, 5).fit(XY, sample_weight=weights).labels_
    assert plain.tolist() == want


def test_pairs_within_eps_inclusive_and_weights() -> None:
    hood = Neighbours(XY, np.array([10.0, 1, 1, 1, 10, 1]), 50.0)
    pairs = sorted(zip(hood.a.tolist(), hood.b.tolist(), strict=True))
    # (-40,0)-(0,0) 40 m; (0,0)-(50,0) and (50,0)-(100,0) exactly 50 m; (100,0)-(140,0) 40 m.
    assert pairs == sorted([(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)])
    assert hood.hood_weight.tolist() == [11.0, 12, 3, 12, 11, 1]


def test_fractional_weights_use_the_usual_engine() -> None:
    shared = SharedNeighbours(50.0, 5, n_months=None, hoods={})
    shared.fit(XY, sample_weight=np.array([10.0, 1, 1, 1, 10, 1.5]))
    assert shared.engine_ != "pairs"


def test_every_advice_pair_on_three_months_of_the_demo_store(demo_store: Store) -> None:
    """All 36 pairs of the parameter advice, neighbours shared as the back-test shares them:
    the same labels, eps_m and min_samples as the detector fitting alone."""
    xy, months = drug_offences(demo_store)
    xy = xy[np.isin(np.asarray(months).astype(str), ["2025-06", "2025-07", "2025-08"])]
    hoods: dict[float, Neighbours] = {}
    found = 0
    for eps in EPS_VALUES_M:
        for ms in MIN_SAMPLES_VALUES:
            shared = SharedNeighbours(eps, ms, n_months=3, hoods=hoods).fit(xy)
            plain = DetectorCore(eps, ms, n_months=3).fit(xy)
            np.testing.assert_array_equal(shared.labels_, plain.labels_)
            np.testing.assert_array_equal(shared.core_sample_indices_, plain.core_sample_indices_)
            assert (shared.eps_m_, shared.min_samples_) == (plain.eps_m_, plain.min_samples_)
            found += plain.n_hotspots_
    assert found > 36  # hotspots were found: the labels compared are not all noise
    assert len(hoods) < 36  # and neighbours were shared
