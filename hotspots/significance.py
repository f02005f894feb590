"""Is a hotspot more than chance? A Monte Carlo test against the other recorded offences.

Drug offences are mostly found by police where police are, and every kind of crime clusters in
town centres, so complete spatial randomness is a null that drug offences reject trivially. The
null here (``docs/accuracy.md``) is instead: **drug offences are a random subset of all the
offences recorded in the same months**. The store must hold every crime type (``hotspots ingest
--all-crime-types``); with drug offences only, no p-value is given and the reason says so.

Statistic
    A hotspot's **zone** is every recorded location (police.uk snap point) within ``eps_m`` of
    one of its offence locations: its DBSCAN neighbourhood. For a zone with ``c`` drug offences
    among the ``n`` offences of any type recorded in it, out of ``C`` drug offences among ``N``
    offences in the period: Kulldorff's Bernoulli log-likelihood ratio (SaTScan's case/control scan
    statistic), ``LLR = c ln(c/n) + (n-c) ln((n-c)/n) + (C-c) ln((C-c)/(N-n)) +
    (N-n-C+c) ln((N-n-C+c)/(N-n)) - C ln(C/N) - (N-C) ln((N-C)/N)`` when
    ``c/n > (C-c)/(N-n)``, else 0.
Simulation
    Each of ``n_sims`` simulations relabels, within each month, that month's number of drug
    offences at random among all that month's offences (a seeded :class:`numpy.random.Generator`),
    then **re-runs the detector** with the same ``eps_m`` and ``min_samples`` and keeps the largest
    LLR of the zones of the hotspots it finds (0 when none). The offences are grouped by month
    and collapsed to their snap points once; a simulation draws each month's drug offences with
    ``Generator.choice(..., replace=False)`` (a uniform subset of that size, as before) and
    re-runs DBSCAN on the snap points with the drawn counts as weights, on their neighbour
    graph found once (:mod:`hotspots.graph_dbscan`: the detector's rules, the same hotspots).
    Re-detecting is what makes the test honest: the observed hotspots were chosen because drug
    offences bunch there, and chance bunching is chosen the same way in every simulation.
p-value
    ``p = (1 + #{simulations whose largest LLR >= the hotspot's LLR}) / (1 + n_sims)``. Comparing
    with the largest LLR of each simulation adjusts for testing every hotspot (family-wise, as
    SaTScan does). ``q`` are Benjamini-Hochberg false-discovery-rate values of these p-values
    (so ``q >= p``); a hotspot is ``significant`` when ``q <= alpha`` (default 0.05).

The same seed and data give the same p-values; the cost (simulations, seconds) is reported.
Since session 3 (issue 17) the draw above replaced a sort of all the period's offences by random
keys in every simulation, and the graph the detector's fit (the same null and statistic, about
7x faster): the same seed now draws other simulations, so p-values differ from earlier
versions' within Monte Carlo noise (e.g. 0.585 -> 0.575 for one hotspot of Cambridgeshire 2025).

:func:`benjamini_hochberg` is written here (eight lines) and checked against
``scipy.stats.false_discovery_control`` in ``tests/test_significance.py`` (the two differ by at
most 2.3e-16 on 1,000 random sets of p-values, measured): importing ``scipy.stats`` costs 0.3 to
1.4 s (measured, depending on what is already loaded and the machine's load), which an analysis
does not otherwise pay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_array, csr_array
from scipy.special import xlogy

from hotspots.cluster.inputs import collapse_points
from hotspots.graph_dbscan import NeighbourGraph

N_SIMS = 199
ALPHA = 0.05
SIGNIFICANCE_COLUMNS: tuple[str, ...] = (
    "zone_drug_offences",
    "zone_offences",
    "expected_drug_offences",
    "llr",
    "p_value",
    "q_value",
    "significant",
)
FloatArray = npt.NDArray[np.float64]


@dataclass
class Significance:
    """Result of :func:`hotspot_significance`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``hotspot_id``; :data:`SIGNIFICANCE_COLUMNS`. ``p_value``/``q_value`` are NaN and
        ``significant`` is missing (``pd.NA``) when the test is unavailable.
    info : dict
        ``available``, ``reason``, ``method``, ``n_sims``, ``seed``, ``alpha``, ``seconds``,
        ``eps_m``, ``min_samples``, ``drug_offences``, ``all_offences``.
    null_max_llr : numpy.ndarray
        The largest LLR of each simulation.
    """

    table: pd.DataFrame
    info: dict[str, Any]
    null_max_llr: FloatArray = field(repr=False, default_factory=lambda: np.zeros(0))


def bernoulli_llr(c: npt.ArrayLike, n: npt.ArrayLike, total_c: float, total_n: float) -> FloatArray:
    """Kulldorff's Bernoulli log-likelihood ratio of zones with ``c`` cases among ``n``
    (0 where the zone's rate is not above the rest's)."""
    c = np.asarray(c, dtype=float)
    n = np.asarray(n, dtype=float)
    rest_c, rest_n = total_c - c, total_n - n
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = xlogy(c, c / n) + xlogy(n - c, (n - c) / n)
        outside = xlogy(rest_c, rest_c / rest_n) + xlogy(
            rest_n - rest_c, (rest_n - rest_c) / rest_n
        )
        null = xlogy(total_c, total_c / total_n) + xlogy(
            total_n - total_c, (total_n - total_c) / total_n
        )
        llr = inside + np.nan_to_num(outside) - null
        higher = c / n > np.where(rest_n > 0, rest_c / np.where(rest_n > 0, rest_n, 1), 0)
    return np.where(higher & (n > 0), np.maximum(llr, 0.0), 0.0)


def _zone_sums(
    hot_of_loc: npt.NDArray[np.intp],
    n_hot: int,
    near: csr_array,
    drugs: FloatArray,
    total: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Drug and all offences in each hotspot's zone (locations within eps of its members)."""
    member = np.flatnonzero(hot_of_loc >= 0)
    m = csr_array(
        coo_array(
            (np.ones(len(member)), (hot_of_loc[member], member)), shape=(n_hot, len(hot_of_loc))
        )
    )
    zone = (m @ near) > 0
    return np.asarray(zone @ drugs, dtype=float), np.asarray(zone @ total, dtype=float)


def _relabel(
    rng: np.random.Generator,
    loc_by_month: npt.NDArray[np.intp],
    block_start: npt.NDArray[np.intp],
    offences_per_month: npt.NDArray[np.intp],
    drugs_per_month: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """One simulation's drug offences: per month, that month's number of drug offences drawn
    uniformly without replacement among all its offences; returns their locations.

    ``loc_by_month`` holds every offence's location, grouped by month (``block_start``,
    ``offences_per_month``). ``Generator.choice(..., replace=False, shuffle=False)`` costs about
    the number drawn, not the month's offences (Floyd's algorithm for small draws).
    """
    picked = [
        start + rng.choice(size, drawn, replace=False, shuffle=False)
        for start, size, drawn in zip(
            block_start.tolist(), offences_per_month.tolist(), drugs_per_month.tolist(), strict=True
        )
        if drawn
    ]
    rows = np.concatenate(picked) if picked else np.zeros(0, dtype=np.intp)
    return loc_by_month[rows]


def benjamini_hochberg(p: FloatArray) -> FloatArray:
    """Benjamini-Hochberg q-values (step-up, monotone, at most 1) of p-values."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if not m:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _unavailable(ids: npt.NDArray[Any], reason: str, info: dict[str, Any]) -> Significance:
    table = pd.DataFrame(
        {
            "zone_drug_offences": np.nan,
            "zone_offences": np.nan,
            "expected_drug_offences": np.nan,
            "llr": np.nan,
            "p_value": np.nan,
            "q_value": np.nan,
            "significant": pd.array([pd.NA] * len(ids), dtype="boolean"),
        },
        index=pd.Index(ids, name="hotspot_id"),
    )
    return Significance(table, {**info, "available": False, "reason": reason})


def hotspot_significance(
    drug_xy: npt.ArrayLike,
    drug_months: npt.ArrayLike,
    other_xy: npt.ArrayLike,
    other_months: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    eps_m: float,
    min_samples: int,
    n_sims: int = N_SIMS,
    alpha: float = ALPHA,
    seed: int = 0,
) -> Significance:
    """Monte Carlo p- and q-values of each hotspot (module docstring).

    Parameters
    ----------
    drug_xy, drug_months
        The period's drug offences, ``(n, 2)`` EPSG:27700 metres and ``YYYY-MM``, in the order of
        ``labels``.
    other_xy, other_months
        The same months' offences of every other crime type.
    labels
        Hotspot id of each drug offence (``-1`` noise), as :class:`HotspotDetector` gives.
    eps_m, min_samples
        The detector parameters that made ``labels`` (re-used in every simulation).
    n_sims
        Simulations (>= 1; 199 gives p-values in steps of 0.005).
    alpha
        False discovery rate for ``significant``.
    seed
        Seed of the random generator.
    """
    if isinstance(n_sims, bool) or not isinstance(n_sims, int) or n_sims < 1:
        raise ValueError(f"n_sims: got {n_sims!r}; expected a whole number >= 1")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: got {alpha!r}; expected 0 < alpha < 1")
    start = time.perf_counter()
    dxy = np.asarray(drug_xy, dtype=float).reshape(-1, 2)
    oxy = np.asarray(other_xy, dtype=float).reshape(-1, 2)
    labels = np.asarray(labels)
    if len(labels) != len(dxy):
        raise ValueError(f"labels has {len(labels)} values; drug_xy has {len(dxy)} points")
    ids = np.unique(labels[labels >= 0])
    info: dict[str, Any] = {
        "method": "Monte Carlo relabelling within months; Bernoulli LLR; max over re-detected "
        "hotspots; Benjamini-Hochberg q",
        "n_sims": n_sims,
        "seed": seed,
        "alpha": alpha,
        "eps_m": float(eps_m),
        "min_samples": int(min_samples),
        "drug_offences": len(dxy),
        "all_offences": len(dxy) + len(oxy),
    }
    if not len(oxy):
        return _unavailable(
            ids,
            "the store holds drug offences only: no other recorded offences to relabel among "
            "(ingest with --all-crime-types to test significance)",
            {**info, "seconds": time.perf_counter() - start},
        )
    pool_xy = np.vstack([dxy, oxy])
    month_values = np.concatenate([np.asarray(drug_months), np.asarray(other_months)]).astype(str)
    _, month_code = np.unique(month_values, return_inverse=True)
    loc_xy, loc_total, loc = collapse_points(pool_xy, None)  # distinct locations, (x, y) order
    total_c, total_n = float(len(dxy)), float(len(pool_xy))

    graph = NeighbourGraph(loc_xy, float(eps_m))
    near = graph.near
    loc_drugs = np.bincount(loc[: len(dxy)], minlength=len(loc_xy)).astype(float)

    # Observed: each hotspot's zone (a location belongs to at most one hotspot).
    hot_of_loc = np.full(len(loc_xy), -1)
    hot_of_loc[loc[: len(dxy)][labels >= 0]] = np.searchsorted(ids, labels[labels >= 0])
    c_obs, n_obs = _zone_sums(hot_of_loc, len(ids), near, loc_drugs, loc_total)
    llr = bernoulli_llr(c_obs, n_obs, total_c, total_n)

    # Null: relabel within months and re-detect. The pool's locations are grouped by month
    # once; each simulation only draws, per month, which of that month's offences are drugs.
    rng = np.random.default_rng(seed)
    drugs_per_month = np.bincount(month_code[: len(dxy)], minlength=month_code.max() + 1)
    loc_by_month = loc[np.argsort(month_code, kind="stable")]
    offences_per_month = np.bincount(month_code)
    block_start = np.concatenate([[0], np.cumsum(offences_per_month)[:-1]])
    null = np.zeros(n_sims)
    for s in range(n_sims):
        chosen = _relabel(rng, loc_by_month, block_start, offences_per_month, drugs_per_month)
        weight = np.bincount(chosen, minlength=len(loc_xy)).astype(float)
        sim_hot, n_hot = graph.labels(weight, int(min_samples))
        if n_hot:
            c, n = _zone_sums(sim_hot, n_hot, near, weight, loc_total)
            null[s] = bernoulli_llr(c, n, total_c, total_n).max()
    p = (1.0 + (null[None, :] >= llr[:, None] - 1e-9).sum(axis=1)) / (1.0 + n_sims)
    p = np.where(llr > 0, p, 1.0)
    q = benjamini_hochberg(p)
    table = pd.DataFrame(
        {
            "zone_drug_offences": c_obs,
            "zone_offences": n_obs,
            "expected_drug_offences": n_obs * total_c / total_n,
            "llr": llr,
            "p_value": p,
            "q_value": q,
            "significant": pd.array(q <= alpha, dtype="boolean"),
        },
        index=pd.Index(ids, name="hotspot_id"),
    )
    info.update(available=True, reason="", seconds=time.perf_counter() - start)
    return Significance(table, info, null)
