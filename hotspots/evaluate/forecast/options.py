"""The forecast's settings: :class:`ForecastOptions` and their defaults (months, metres, shares).

Each default is stated here once; the modules that use a setting read it from the
:class:`ForecastOptions` they are given. Constants that belong to one rule only (the rank tie
tolerance, the shrinkage's largest strength, the persistence bandwidth, the seasonal history)
live with that rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.change_point import CHANGE_RULES

FloatArray = npt.NDArray[np.float64]

#: Most months of history the forecast uses.
CAP_MONTHS = 24
#: Half-lives of the recency weights, months (``inf`` = long-run mean).
HALF_LIVES_MONTHS: tuple[float, ...] = (1.0, 3.0, 6.0, math.inf)
#: Windows of the plain mean of the last W months (the ``grid`` baseline's rankers), months.
WINDOWS_MONTHS: tuple[int, ...] = (1, 3, 6, 12)
#: Neighbourhood bandwidths (Gaussian sd), metres; 0 = the cell alone.
NEIGHBOURHOOD_M: tuple[float, ...] = (0.0, 125.0, 250.0, 500.0)
#: Bandwidth of the ``kde`` candidates, metres (the ``kde`` method's default, methods.py).
KDE_BANDWIDTH_M = 250.0
#: Months over which persistence (share of months with an offence) is counted.
PERSISTENCE_MONTHS = 12
#: Coverages (shares of the study area) the choice is scored at.
TARGET_COVERAGES: tuple[float, ...] = (0.0005, 0.01)
#: Transforms of the monthly counts before averaging: raw counts (default), and ``log1p`` (damps
#: one-off bursts; an option, it did not help on the real stores, ``docs/forecast.md``).
TRANSFORMS: tuple[str, ...] = ("raw",)
#: The function of each transform's name (:data:`TRANSFORMS`), applied to a month's counts.
TRANSFORM_FUNCTIONS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "raw": lambda c: c,
    "log": np.log1p,
}
#: Blends the level-2 choice picks from: (how many of the best candidates, how combined). The
#: first is used when fewer than ``META_MIN_MONTHS`` months can score them.
BLEND_CONFIGS: tuple[tuple[int, str], ...] = (
    (10, "scaled"),
    (1, "scaled"),
    (3, "scaled"),
    (3, "rank"),
    (10, "rank"),
)
#: Months the level-2 (blend) choice needs before it departs from the first configuration.
META_MIN_MONTHS = 3
#: Statistic of the inner months' PAIs that ranks the candidates: "median" (the goal's own
#: statistic), "mean" or "gmean".
INNER_STATISTIC = "median"
#: Half-life of the weights of the inner months in the choice, months (inf = plain mean).
INNER_HALF_LIFE_MONTHS = math.inf
#: What a change in the force's monthly total does to the choice
#: (:mod:`~hotspots.evaluate.forecast.change_point`): ``none`` (default), ``short-memory``
#: (level 1 ranks only the short-memory candidates after a change), ``short-memory-smallest``
#: (the same at the smallest target coverage only), ``dispersed`` (``short-memory`` with the
#: months' own dispersion). Options: ``docs/forecast.md``, *Round 4*.
CHANGE_RULE = "none"


@dataclass(frozen=True)
class ForecastOptions:
    """Settings of the forecast (months, metres, shares of the study area)."""

    cap_months: int = CAP_MONTHS
    half_lives_months: tuple[float, ...] = HALF_LIVES_MONTHS
    windows_months: tuple[int, ...] = WINDOWS_MONTHS
    neighbourhood_m: tuple[float, ...] = NEIGHBOURHOOD_M
    kde_bandwidth_m: float = KDE_BANDWIDTH_M
    shrinkage: bool = True
    persistence_months: int = PERSISTENCE_MONTHS
    target_coverages: tuple[float, ...] = TARGET_COVERAGES
    transforms: tuple[str, ...] = TRANSFORMS
    inner_half_life_months: float = INNER_HALF_LIFE_MONTHS
    blend_configs: tuple[tuple[int, str], ...] = BLEND_CONFIGS
    meta_min_months: int = META_MIN_MONTHS
    inner_statistic: str = INNER_STATISTIC
    change_rule: str = CHANGE_RULE
    inner_likeness: bool = False
    #: Level 1 at the smallest target coverage ``c0`` scores each inner month by the mean PAI
    #: at ``c0 / 2``, ``c0`` and ``2 c0`` (round 5, variant E; ``docs/forecast.md``).
    smallest_band: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.cap_months, int) and self.cap_months >= 1):
            raise ValueError(f"cap_months: got {self.cap_months!r}; expected months >= 1")
        if not self.half_lives_months or any(not h > 0 for h in self.half_lives_months):
            raise ValueError(f"half_lives_months: got {self.half_lives_months!r}; expected > 0")
        if any(not (isinstance(w, int) and w >= 1) for w in self.windows_months):
            raise ValueError(f"windows_months: got {self.windows_months!r}; expected months >= 1")
        if not self.neighbourhood_m or any(not b >= 0 for b in self.neighbourhood_m):
            raise ValueError(f"neighbourhood_m: got {self.neighbourhood_m!r}; expected >= 0")
        if not self.kde_bandwidth_m >= 0:
            raise ValueError(f"kde_bandwidth_m: got {self.kde_bandwidth_m!r}; expected >= 0")
        if not (isinstance(self.persistence_months, int) and self.persistence_months >= 0):
            raise ValueError(
                f"persistence_months: got {self.persistence_months!r}; expected months >= 0"
            )
        if not self.transforms or any(t not in TRANSFORM_FUNCTIONS for t in self.transforms):
            raise ValueError(f"transforms: got {self.transforms!r}; expected some of raw, log")
        if not self.blend_configs or any(
            not (isinstance(n, int) and n >= 1) or how not in ("scaled", "rank")
            for n, how in self.blend_configs
        ):
            raise ValueError(
                f"blend_configs: got {self.blend_configs!r}; expected (n >= 1, scaled|rank) pairs"
            )
        if not (isinstance(self.meta_min_months, int) and self.meta_min_months >= 1):
            raise ValueError(
                f"meta_min_months: got {self.meta_min_months!r}; expected a whole number >= 1"
            )
        if self.inner_statistic not in ("median", "mean", "gmean"):
            raise ValueError(
                f"inner_statistic: got {self.inner_statistic!r}; expected median, mean or gmean"
            )
        if self.smallest_band and self.inner_statistic != "median":
            raise ValueError("smallest_band: only with inner_statistic 'median'")
        if self.change_rule not in CHANGE_RULES:
            raise ValueError(
                f"change_rule: got {self.change_rule!r}; expected one of {', '.join(CHANGE_RULES)}"
            )
        if not self.inner_half_life_months > 0:
            raise ValueError(
                f"inner_half_life_months: got {self.inner_half_life_months!r}; expected > 0"
            )
        if not self.target_coverages or any(not 0 < c <= 1 for c in self.target_coverages):
            raise ValueError(
                f"target_coverages: got {self.target_coverages!r}; expected shares in (0, 1]"
            )
