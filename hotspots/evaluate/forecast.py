"""The ``forecast`` method: next month's drug offences per cell, chosen by the store's own history.

Unlike the baselines, which see the ``k`` months before the test month, the forecast for month
``t`` uses every consecutive stored month before ``t`` (at most ``cap_months``, default 24), and
never month ``t`` or later.

**Candidates.** Simple rankers of the study cells, each a forecast of next month's count:

- ``cell h=H``: recency-weighted mean of the cell's monthly counts, a month ``j`` months back
  weighted ``0.5 ** ((j - 1) / H)`` (half-life ``H`` months; ``H = inf`` is the long-run level,
  the plain mean). A short half-life follows recent change, a long one the level.
- ``cell last W months``: the plain mean of the last ``W`` months (``W`` = 1, 3, 6, 12, when
  that many months exist and fewer than the whole history): the ``grid`` baseline's rankers.
- ``cell+B m h=H``, ``cell+B m last W months``: the same plus its kernel-smoothed neighbourhood
  (Gaussian of sd ``B`` metres, truncated at 4 sd, as the ``kde`` method), so a cell's own count
  comes first and busy neighbourhoods break ties and fill the larger areas.
- ``... +season``: with at least 24 months of history, the same plus the cell's count in the
  same month a year before (seasonality needs two years).

**Choice, nested.** For every earlier month ``m`` that has at least one month before it (within
the cap), each candidate is built from the months before ``m`` only and scored by its PAI on
month ``m`` at each target coverage (default 0.05% and 1% of the study area: a handful of
micro-places and a district-wide patrol programme). Each earlier month is scored once and reused
for every later test month. At each target coverage the candidates are ranked by the median of
their inner PAIs (ties: the earlier candidate in the list above), and the best ``blend_top``
(default 3) are blended: each scaled to sum 1, then averaged. The ``last W months`` windows
were added after a first run on the real stores (they are the ``grid`` baseline's own rankers);
``docs/forecast.md`` lists the variants compared. The ranking is built in tiers:
the smallest coverage's blend fills its area first, the next coverage's blend its area, and so
on; every remaining cell follows in the order of the last blend. Cells scored 0 stay tied. With
no inner month yet (one month of history) the long-run cell count plus the middle neighbourhood
bandwidth is used.

Everything is deterministic (no random draws); ``info`` states the history used, the inner
months, the choice per coverage and its inner PAI.

Why hand-written: the candidates are a few array operations (``numpy``, ``scipy.ndimage``);
the nested choice needs the back-test's own measure (:func:`pai_at`, equal to the back-test's
PAI), and scoring each earlier month once and reusing it for every later test month keeps the
cost near one back-test.
Fitted models (scikit-learn ``PoissonRegressor`` on these features,
``HistGradientBoostingRegressor(loss="poisson")``) were tried on the same nested protocol and
forecast worse than this choice on both real stores (``docs/forecast.md``), so they are not
candidates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hotspots.evaluate.grid import Grid
from hotspots.periods import add_months

FloatArray = npt.NDArray[np.float64]

#: Most months of history the forecast uses.
CAP_MONTHS = 24
#: Half-lives of the recency weights, months (``inf`` = long-run mean).
HALF_LIVES_MONTHS: tuple[float, ...] = (1.0, 3.0, 6.0, math.inf)
#: Windows of the plain mean of the last W months (the ``grid`` baseline's rankers), months.
WINDOWS_MONTHS: tuple[int, ...] = (1, 3, 6, 12)
#: Neighbourhood bandwidths (Gaussian sd), metres; 0 = the cell alone.
NEIGHBOURHOOD_M: tuple[float, ...] = (0.0, 125.0, 250.0, 500.0)
#: Coverages (shares of the study area) the choice is scored at.
TARGET_COVERAGES: tuple[float, ...] = (0.0005, 0.01)
#: History needed before the seasonal candidates exist, months.
SEASON_MONTHS = 24
#: Transforms of the monthly counts before averaging: raw counts (default), and ``log1p`` (damps
#: one-off bursts; an option, it did not help on the real stores, ``docs/forecast.md``).
TRANSFORMS: tuple[str, ...] = ("raw",)
_TRANSFORMS: dict[str, Any] = {"raw": lambda c: c, "log": np.log1p}
#: How many of the best candidates (by inner PAI) are blended at each target coverage.
BLEND_TOP = 3
#: Statistic of the inner months' PAIs that ranks the candidates: "median" (the goal's own
#: statistic), "mean" or "gmean".
INNER_STATISTIC = "median"
#: Half-life of the weights of the inner months in the choice, months (inf = plain mean).
INNER_HALF_LIFE_MONTHS = math.inf


@dataclass(frozen=True)
class ForecastOptions:
    """Settings of the forecast (months, metres, shares of the study area)."""

    cap_months: int = CAP_MONTHS
    half_lives_months: tuple[float, ...] = HALF_LIVES_MONTHS
    windows_months: tuple[int, ...] = WINDOWS_MONTHS
    neighbourhood_m: tuple[float, ...] = NEIGHBOURHOOD_M
    target_coverages: tuple[float, ...] = TARGET_COVERAGES
    transforms: tuple[str, ...] = TRANSFORMS
    inner_half_life_months: float = INNER_HALF_LIFE_MONTHS
    blend_top: int = BLEND_TOP
    inner_statistic: str = INNER_STATISTIC

    def __post_init__(self) -> None:
        if not (isinstance(self.cap_months, int) and self.cap_months >= 1):
            raise ValueError(f"cap_months: got {self.cap_months!r}; expected months >= 1")
        if not self.half_lives_months or any(not h > 0 for h in self.half_lives_months):
            raise ValueError(f"half_lives_months: got {self.half_lives_months!r}; expected > 0")
        if any(not (isinstance(w, int) and w >= 1) for w in self.windows_months):
            raise ValueError(f"windows_months: got {self.windows_months!r}; expected months >= 1")
        if not self.neighbourhood_m or any(not b >= 0 for b in self.neighbourhood_m):
            raise ValueError(f"neighbourhood_m: got {self.neighbourhood_m!r}; expected >= 0")
        if not self.transforms or any(t not in _TRANSFORMS for t in self.transforms):
            raise ValueError(f"transforms: got {self.transforms!r}; expected some of raw, log")
        if not (isinstance(self.blend_top, int) and self.blend_top >= 1):
            raise ValueError(f"blend_top: got {self.blend_top!r}; expected a whole number >= 1")
        if self.inner_statistic not in ("median", "mean", "gmean"):
            raise ValueError(
                f"inner_statistic: got {self.inner_statistic!r}; expected median, mean or gmean"
            )
        if not self.inner_half_life_months > 0:
            raise ValueError(
                f"inner_half_life_months: got {self.inner_half_life_months!r}; expected > 0"
            )
        if not self.target_coverages or any(not 0 < c <= 1 for c in self.target_coverages):
            raise ValueError(
                f"target_coverages: got {self.target_coverages!r}; expected shares in (0, 1]"
            )


@dataclass(frozen=True)
class Forecast:
    """Ranking score per study cell for one month, what was chosen (``info``) and the blend
    chosen at each target coverage (``tier_values``: each sums to 1 when blended)."""

    score: FloatArray
    info: dict[str, Any]
    tier_values: dict[float, FloatArray] = field(default_factory=dict)


def _half_life_label(h: float) -> str:
    return "inf" if math.isinf(h) else f"{h:g}"


def _name(transform: str, bandwidth_m: float, h: float | None, window: int = 0) -> str:
    cell = "cell" if transform == "raw" else f"{transform}(cell)"
    near = f"+{bandwidth_m:g} m" if bandwidth_m > 0 else ""
    if h is None:
        return f"{cell}{near} last {window} months"
    return f"{cell}{near} h={_half_life_label(h)}"


def recency_mean(history: Sequence[FloatArray], half_life_months: float) -> FloatArray:
    """Recency-weighted mean of monthly counts (oldest first); the last month has weight 1."""
    n = len(history)
    lag = np.arange(n, 0, -1, dtype=float)  # 1 = the month just before the forecast month
    w = np.ones(n) if math.isinf(half_life_months) else 0.5 ** ((lag - 1.0) / half_life_months)
    return np.tensordot(w, np.asarray(history), axes=1) / w.sum()


def pai_at(score: FloatArray, actual: FloatArray, coverage: float) -> float:
    """PAI of the top-scored cells covering ``coverage`` of the cells, ties shared evenly.

    The same value as :func:`~hotspots.evaluate.metrics.coverage_measures` ``["pai"]`` (the
    tests check it), found with a partial sort (``numpy.partition``) because the nested choice
    scores every candidate on every earlier month.
    """
    n = len(score)
    n_chosen = coverage * n
    total = float(actual.sum())
    if n_chosen <= 0 or total <= 0:
        return math.nan
    k = min(n, math.ceil(n_chosen))
    limit = np.partition(score, n - k)[n - k]
    above = score > limit
    tied = score == limit
    hits = float(actual[above].sum())
    hits += (n_chosen - float(above.sum())) / float(tied.sum()) * float(actual[tied].sum())
    return (hits / total) / (n_chosen / n)


class Forecaster:
    """Forecasts of the months of one store (cell counts per month), memoised across months.

    Parameters
    ----------
    grid
        The evaluation grid.
    counts
        Drug offences per study cell for each stored ``YYYY-MM`` month.
    options
        :class:`ForecastOptions`.
    """

    def __init__(
        self, grid: Grid, counts: dict[str, FloatArray], options: ForecastOptions | None = None
    ) -> None:
        self.grid = grid
        self.counts = {m: np.asarray(v, dtype=float) for m, v in counts.items()}
        self.options = options or ForecastOptions()
        self._candidates: dict[str, dict[str, FloatArray]] = {}
        self._inner: dict[str, dict[str, tuple[float, ...]]] = {}
        self._forecasts: dict[str, Forecast] = {}

    def history(self, month: str) -> list[str]:
        """The consecutive stored months just before ``month`` (oldest first, at most the cap)."""
        out: list[str] = []
        m = add_months(month, -1)
        while m in self.counts and len(out) < self.options.cap_months:
            out.append(m)
            m = add_months(m, -1)
        return out[::-1]

    def candidates(self, month: str) -> dict[str, FloatArray]:
        """Every candidate's score per cell for ``month``, from the months before it only."""
        if month in self._candidates:
            return self._candidates[month]
        hist = self.history(month)
        out: dict[str, FloatArray] = {}
        if hist:
            series = [self.counts[m] for m in hist]
            season = None
            if len(hist) >= SEASON_MONTHS:
                season = self.counts[add_months(month, -12)]
            for transform in self.options.transforms:
                f = _TRANSFORMS[transform]
                values = [f(c) for c in series]
                for bandwidth_m in self.options.neighbourhood_m:
                    for w in self.options.windows_months:
                        if w < len(values):
                            base = np.mean(values[-w:], axis=0)
                            name = _name(transform, bandwidth_m, None, w)
                            out[name] = self._with_neighbourhood(base, bandwidth_m)
                    for h in self.options.half_lives_months:
                        base = recency_mean(values, h)
                        name = _name(transform, bandwidth_m, h)
                        out[name] = self._with_neighbourhood(base, bandwidth_m)
                        if season is not None:
                            out[f"{name} +season"] = self._with_neighbourhood(
                                base + f(season), bandwidth_m
                            )
        self._candidates[month] = out
        return out

    def _with_neighbourhood(self, values: FloatArray, bandwidth_m: float) -> FloatArray:
        if bandwidth_m <= 0:
            return values
        sigma = bandwidth_m / self.grid.cell_m
        raster = ndimage.gaussian_filter(self.grid.raster(values), sigma, mode="constant")
        return values + self.grid.from_raster(raster)

    def inner_scores(self, month: str) -> dict[str, tuple[float, ...]]:
        """PAI of every candidate on ``month`` (fitted on the months before it), per target
        coverage; empty when ``month`` has no history or no offences."""
        if month in self._inner:
            return self._inner[month]
        out: dict[str, tuple[float, ...]] = {}
        actual = self.counts[month]
        if actual.sum() > 0:
            for name, score in self.candidates(month).items():
                out[name] = tuple(pai_at(score, actual, c) for c in self.options.target_coverages)
        self._inner[month] = out
        return out

    def forecast(self, month: str) -> Forecast:
        """The forecast for ``month``: tiered ranking of the candidates chosen on earlier months."""
        if month in self._forecasts:
            return self._forecasts[month]
        hist = self.history(month)
        cands = self.candidates(month)
        coverages = sorted(self.options.target_coverages)
        inner_months = [m for m in hist if self.inner_scores(m)]
        n_inner = len(inner_months)
        h_inner = self.options.inner_half_life_months
        weight = {
            m: 1.0 if math.isinf(h_inner) else 0.5 ** ((n_inner - 1 - i) / h_inner)
            for i, m in enumerate(inner_months)
        }
        chosen: list[tuple[float, list[str], float | None]] = []
        for cov in coverages:
            j = list(self.options.target_coverages).index(cov)
            ranked: list[tuple[float, int, str]] = []
            for order, name in enumerate(cands):
                pairs = [(self.inner_scores(m)[name][j], weight[m]) for m in inner_months
                         if name in self.inner_scores(m)]  # fmt: skip
                pairs = [(v, w) for v, w in pairs if not math.isnan(v)]
                if len(pairs) < min(2, n_inner) or not pairs:
                    continue
                v_arr, w_arr = np.array(pairs).T
                ranked.append((-_centre(v_arr, w_arr, self.options.inner_statistic), order, name))
            ranked.sort()
            if ranked:
                names = [name for _, _, name in ranked[: self.options.blend_top]]
                chosen.append((cov, names, -ranked[0][0]))
            elif cands:
                chosen.append((cov, [self._fallback(cands)], None))
        tiers = {cov: _blend([cands[name] for name in names]) for cov, names, _ in chosen}
        score = self._tiers(chosen, tiers) if cands else np.zeros(self.grid.n_cells)
        info = {
            "history_months": f"{hist[0]}..{hist[-1]}" if hist else None,
            "n_history_months": len(hist),
            "inner_months": len(inner_months),
            "chosen": {
                f"{100 * cov:g}%": {"candidates": names, "best_inner_pai": pai}
                for cov, names, pai in chosen
            },
        }
        result = Forecast(score, info, tiers)
        self._forecasts[month] = result
        return result

    def _fallback(self, cands: dict[str, FloatArray]) -> str:
        """No inner month: the long-run cell count plus the middle neighbourhood bandwidth."""
        bands = sorted(b for b in self.options.neighbourhood_m if b > 0)
        if bands:
            name = _name(self.options.transforms[0], bands[len(bands) // 2], math.inf)
            if name in cands:
                return name
        return next(iter(cands))

    def _tiers(
        self,
        chosen: list[tuple[float, list[str], float | None]],
        blends: dict[float, FloatArray],
    ) -> FloatArray:
        """Tiered ranking: each coverage's choice fills its area, the last one the rest."""
        n = self.grid.n_cells
        tiers = [blends[cov] for cov, _, _ in chosen]
        top = max(float(np.max(v)) for v in tiers) + 1.0
        score = np.array(tiers[-1], dtype=float)
        taken = np.zeros(n, dtype=bool)
        for tier, ((cov, _, _), values) in enumerate(zip(chosen[:-1], tiers, strict=False)):
            free = np.where(taken, -np.inf, values)
            want = math.ceil(cov * n) - int(taken.sum())
            if want <= 0:
                continue
            limit = np.partition(free, n - min(want, n))[n - min(want, n)]
            pick = (free >= limit) & (free > 0)
            score[pick] = (len(tiers) - 1 - tier) * top + values[pick]
            taken |= pick
        return score


def _centre(values: FloatArray, weights: FloatArray, statistic: str) -> float:
    """Weighted mean, geometric mean or median of the inner PAIs."""
    if statistic == "median":
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])
    if statistic == "gmean":
        return float(np.exp(np.log(np.maximum(values, 1e-9)) @ weights / weights.sum()))
    return float(values @ weights / weights.sum())


def _blend(scores: list[FloatArray]) -> FloatArray:
    """Mean of scores each scaled to sum 1 (one score: itself)."""
    if len(scores) == 1:
        return scores[0]
    return np.mean([s / s.sum() if s.sum() > 0 else s for s in scores], axis=0)
