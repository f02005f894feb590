"""The ``forecast`` method: next month's drug offences per cell, chosen by the store's own history.

Unlike the baselines, which see the ``k`` months before the test month, the forecast for month
``t`` uses every consecutive stored month before ``t`` (at most ``cap_months``, default 24), and
never month ``t`` or later.

**Candidates.** Rankers of the study cells, each an estimate of next month's count. Every
family is stated here in advance; which of them a force uses is left to its own nested
back-test (below), never to the months reported in ``docs/forecast.md``.

- ``cell h=H``: recency-weighted mean of the cell's monthly counts, a month ``j`` months back
  weighted ``0.5 ** ((j - 1) / H)`` (half-life ``H`` months; ``H = inf`` is the long-run level,
  the plain mean). A short half-life follows recent change, a long one the level.
- ``cell last W months``: the plain mean of the last ``W`` months (``W`` = 1, 3, 6, 12, when
  that many months exist and fewer than the whole history): exactly the ``grid`` baseline's
  rankers, so the choice can at worst pick the baseline.
- ``kde B m last W months``, ``kde B m h=inf``: the Gaussian kernel density of the same counts
  (sd ``B`` = the ``kde`` method's bandwidth, truncated at 4 sd): exactly the ``kde``
  baseline's rankers.
- ``cell+B m ...``: the cell's estimate plus its kernel-smoothed neighbourhood (sd ``B`` metres):
  the cell first, busy surroundings break ties and fill the larger areas.
- ``eb B m h=H``: **empirical-Bayes (gamma-Poisson) shrinkage** of the cell's recency-weighted
  rate ``r`` toward its neighbourhood rate ``mu`` (leave-one-out Gaussian smoothing of ``r``,
  sd ``B``): the cell's rate has a gamma prior of mean ``mu`` and variance ``mu / b`` (strength
  ``b`` months), its counts are Poisson, so the posterior mean is
  ``(n_eff * r + b * mu) / (n_eff + b)`` with ``n_eff = (sum w) ** 2 / sum w ** 2`` the months
  the weights amount to. ``b`` is estimated from the store's own months by the method of moments
  over the study cells: ``E[(r - mu) ** 2] = mu / b + mu / n_eff`` (Clayton & Kaldor 1987;
  Marshall 1991). Noisy single-month counts over-rank one-off bursts and under-rank stable
  places; shrinkage corrects both by the amount the data say.
- ``persist x ...``: **persistence** times a rate (``cell h=H`` or ``eb 250 m h=H``):
  ``persist`` is the share of the last ``N`` months (``N`` = ``persistence_months``, default
  12, or the whole history if shorter) in which the cell had at least one offence. police.uk
  snaps offences to fixed points, and places whose points carry offences month after month (a
  station, a shopping street) are steadier than a one-off burst on a quiet point; this ranks
  them above it.
- ``months then cell h=H``: the same idea as a strict order: the number of the last ``N``
  months with at least one offence in the cell first, the recency-weighted rate (``cell h=H``)
  only breaking ties (a cell with offences in 5 of 6 months outranks one with 4, whatever
  their counts).
- ``... +season``: with at least 24 months of history, the same plus the cell's count in the
  same month a year before (seasonality needs two years).

**Choice, nested (level 1).** For every earlier month ``m`` that has at least one month before
it (within the cap), each candidate is built from the months before ``m`` only and scored by
its PAI on month ``m`` at each target coverage (default 0.05% and 1% of the study area: a
handful of micro-places and a district-wide patrol programme). Each earlier month is scored
once and reused for every later test month. At each target coverage the candidates are ranked
by the median of their inner PAIs (the goal's own statistic; ties: the earlier candidate in the
list above).

**Blend, nested (level 2).** The best candidates are combined by one of the
``blend_configs``: the best 10 or the best 3 each scaled to sum 1 and averaged, the best one
alone, or the best 3 or 10 by the mean of their ranks (rank averaging). Which one is chosen per
coverage by the same rule one level up: each configuration's own forecast of every earlier
month ``m`` (made from ``m``'s own level-1 ranking, so from months before ``m`` only) is scored
on ``m``, and the best median wins (ties: the earlier configuration), when at least
``meta_min_months`` (3) such months exist; with fewer, the first configuration (the best 10,
scaled) is used, a rule stated in advance: with two or three inner months the level-1 order
is mostly noise, so the choice is shrunk toward the consensus of many good rankers (averaging
lowers the variance of the choice) until the store's own months can say otherwise.

The ranking is built in tiers: the smallest coverage's blend fills its area first, the next
coverage's blend its area, and so on; every remaining cell follows in the order of the last
blend. Cells scored 0 stay tied. With no inner month yet (one month of history) the long-run
cell count plus the middle neighbourhood bandwidth is used.

Everything is deterministic (no random draws); ``info`` states the history used, the inner
months, the choice per coverage, its inner PAI, the blend and the shrinkage strengths.

Why hand-written: the candidates are a few array operations (``numpy``, ``scipy.ndimage``);
the nested choice needs the back-test's own measure (:func:`pai_at`, equal to the back-test's
PAI), and scoring each earlier month once and reusing it for every later test month keeps the
cost near one back-test. Fitted models (scikit-learn ``PoissonRegressor`` on these features,
``HistGradientBoostingRegressor(loss="poisson")``) were tried on the same nested protocol and
forecast worse than this choice on both real stores (``docs/forecast.md``), so they are not
candidates.

Cost (``docs/forecast.md``, *Cost*): smoothing is linear, so each stored month is smoothed
once per bandwidth and every smoothed mean (``cell+B``, ``kde``, the shrinkage's neighbourhood)
is the same weighted mean of the smoothed months (:class:`_Neighbourhoods`): the number of
Gaussian filters grows with months x bandwidths, not with candidates, and equals
``scipy.ndimage.gaussian_filter`` of each mean to rounding (a test checks it). Every candidate
is scored at all target coverages with one partial sort, summing the month's offences over the
cells that have any (:class:`MonthCounts`, equal to :func:`pai_at`); once a month is scored,
only the candidates its blends can take are kept (memory near one month's candidates). The
rank blends sort only the values above the lowest (:func:`scaled_ranks`, ``rankdata``'s
numbers), counting values equal up to rounding as tied, so that the order in which a sum was
added cannot change a rank.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hotspots.evaluate.grid import Grid
from hotspots.periods import add_months

if TYPE_CHECKING:
    from hotspots.evaluate.forecast_features import FeatureLayers

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
#: Neighbourhood bandwidth of the shrunken rate that persistence multiplies, metres.
PERSISTENCE_EB_M = 250.0
#: Coverages (shares of the study area) the choice is scored at.
TARGET_COVERAGES: tuple[float, ...] = (0.0005, 0.01)
#: History needed before the seasonal candidates exist, months.
SEASON_MONTHS = 24
#: Transforms of the monthly counts before averaging: raw counts (default), and ``log1p`` (damps
#: one-off bursts; an option, it did not help on the real stores, ``docs/forecast.md``).
TRANSFORMS: tuple[str, ...] = ("raw",)
_TRANSFORMS: dict[str, Any] = {"raw": lambda c: c, "log": np.log1p}
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
#: Two values of a candidate whose difference is at most this share of the larger ``|value|``
#: share a rank in the rank blends (:func:`scaled_ranks`): equal up to floating-point rounding
#: (on the real stores rounding gaps are at most 1e-15 of the value, real gaps at least 1e-11).
RANK_TIE_TOLERANCE = 1e-12
#: Largest gamma-prior strength (months) the shrinkage uses (no excess variance = this).
_EB_MAX_STRENGTH = 1e6


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
        if not self.transforms or any(t not in _TRANSFORMS for t in self.transforms):
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
    chosen at each target coverage (``tier_values``: the chosen candidates each scaled to sum 1
    and averaged, so they sum to 1 whatever the ranking blend)."""

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


def _config_label(config: tuple[int, str]) -> str:
    n, how = config
    return "best 1" if n == 1 else f"best {n}, {'rank mean' if how == 'rank' else 'scaled mean'}"


def recency_weights(n_months: int, half_life_months: float) -> FloatArray:
    """Weights of ``n_months`` months (oldest first); the last month has weight 1."""
    lag = np.arange(n_months, 0, -1, dtype=float)  # 1 = the month just before the forecast
    if math.isinf(half_life_months):
        return np.ones(n_months)
    return np.asarray(0.5 ** ((lag - 1.0) / half_life_months), dtype=float)


def recency_mean(history: Sequence[FloatArray] | FloatArray, half_life_months: float) -> FloatArray:
    """Recency-weighted mean of monthly counts (oldest first); the last month has weight 1."""
    w = recency_weights(len(history), half_life_months)
    return (
        np.einsum("i,ij->j", w, np.asarray(history).reshape(len(w), -1)).reshape(
            np.shape(history)[1:]
        )
        / w.sum()
    )  # einsum: BLAS threads are slower here on a shared machine


def shrink(rate: FloatArray, prior: FloatArray, n_eff: float) -> tuple[FloatArray, float]:
    """Gamma-Poisson (empirical-Bayes) posterior mean of each cell's rate and the prior strength.

    ``rate`` is each cell's mean monthly count over ``n_eff`` months' worth of data, ``prior``
    its prior mean (the neighbourhood rate). The prior of a cell is gamma with mean ``prior``
    and variance ``prior / b``; the strength ``b`` (months) is the method-of-moments estimate
    ``sum(prior) / (sum((rate - prior) ** 2) - sum(prior) / n_eff)`` (excess variance over
    Poisson noise), at most ``1e6`` (no excess variance: the prior alone). Returns the
    posterior means ``(n_eff * rate + b * prior) / (n_eff + b)`` and ``b``.
    """
    total_prior = float(prior.sum())
    excess = float(((rate - prior) ** 2).sum()) - total_prior / n_eff
    if total_prior <= 0:
        return rate.copy(), 0.0
    b = _EB_MAX_STRENGTH if excess <= 0 else min(total_prior / excess, _EB_MAX_STRENGTH)
    return (n_eff * rate + b * prior) / (n_eff + b), b


def pai_at(score: FloatArray, actual: FloatArray, coverage: float) -> float:
    """PAI of the top-scored cells covering ``coverage`` of the cells, ties shared evenly.

    The same value as :func:`~hotspots.evaluate.metrics.coverage_measures` ``["pai"]`` (the
    tests check it), found with a partial sort (``numpy.partition``) of the scores above the
    lowest, because the nested choice scores every candidate on every earlier month.
    """
    n = len(score)
    n_chosen = coverage * n
    total = float(actual.sum())
    if n_chosen <= 0 or total <= 0:
        return math.nan
    k = min(n, math.ceil(n_chosen))
    # The k-th largest score. Partitioning only the scores above the lowest is the same value
    # and much faster: numpy's partition is slow on the many tied zeros of a force's cells.
    lowest = score.min()
    upper = score[score > lowest]
    limit = np.partition(upper, len(upper) - k)[len(upper) - k] if len(upper) >= k else lowest
    above = score > limit
    tied = score == limit
    hits = float(actual[above].sum())
    hits += (n_chosen - float(above.sum())) / float(tied.sum()) * float(actual[tied].sum())
    return (hits / total) / (n_chosen / n)


class MonthCounts:
    """One month's offences per cell, held for scoring many rankings on it (:meth:`pais`).

    Only the cells with offences are kept beside the total: a force's month has offences in a
    few hundred of its tens of thousands of cells.
    """

    def __init__(self, actual: FloatArray) -> None:
        self.n_cells = len(actual)
        self.total = float(actual.sum())
        self.where = np.flatnonzero(actual)
        self.offences = actual[self.where]

    def pais(self, score: FloatArray, coverages: Sequence[float]) -> tuple[float, ...]:
        """:func:`pai_at` of ``score`` at each coverage, the same values when the month's
        offences are whole numbers (their sums are then exact in any order).

        The scores above the lowest are selected and partially sorted once for all coverages,
        and the offences are summed over the cells with offences only.
        """
        n = self.n_cells
        lowest = score.min()
        upper = score[score > lowest]
        ks = [min(n, math.ceil(c * n)) for c in coverages]
        # Each cut and the place before it: after the partition, part[cut - 1] is the largest
        # value below the cut (no pass over them to find it).
        cuts = {len(upper) - k for k in ks if 0 < k <= len(upper)}
        kth = sorted(cuts | {c - 1 for c in cuts if c > 0})
        part = np.partition(upper, kth) if kth else upper
        at = score[self.where]
        out: list[float] = []
        for cov, k in zip(coverages, ks, strict=True):
            n_chosen = cov * n
            if n_chosen <= 0 or self.total <= 0:
                out.append(math.nan)
                continue
            if len(upper) >= k:
                # After the partition the top k hold every score above the limit; equal
                # scores may also sit below them.
                cut = len(upper) - k
                limit = part[cut]
                top = part[cut:]
                n_above = int(np.count_nonzero(top > limit))
                n_tied = int(np.count_nonzero(top == limit))
                if cut and part[cut - 1] == limit:
                    n_tied += int(np.count_nonzero(part[:cut] == limit))
            else:  # the limit is the lowest score: every score above it is in
                limit = lowest
                n_above = len(upper)
                n_tied = n - len(upper)
            hits = float(self.offences[at > limit].sum())
            tied_hits = float(self.offences[at == limit].sum())
            hits += (n_chosen - float(n_above)) / float(n_tied) * tied_hits
            out.append((hits / self.total) / (n_chosen / n))
        return tuple(out)


def scaled_ranks(values: FloatArray) -> FloatArray:
    """Average ranks (ties: their mean rank) scaled to 0..1: ``(r - r.min()) / len(r)`` with
    ``r = scipy.stats.rankdata(values, method="average")`` (no NaN), where neighbouring values
    that differ by at most :data:`RANK_TIE_TOLERANCE` times the larger ``|value|`` count as
    equal (within ``RANK_TIE_TOLERANCE * |lowest|`` of the lowest: as the lowest).

    Ties up to rounding: a candidate's cells that are equal in exact arithmetic (two cells as
    far from the same offences) can differ in their last bits, depending on the order in which
    the smoothing adds its terms; a rank (unlike a sum) would turn that rounding into a whole
    rank's difference. Values of real candidates that differ at all differ by far more.

    Only the values above the lowest are sorted (a force's many empty cells share the lowest,
    whose scaled rank is 0): the ``n0`` lowest values' mean rank is ``(n0 + 1) / 2``; a group of
    equal values above it at sorted positions ``start..end - 1`` (0-based, counting the lowest)
    has the mean rank ``(start + end + 1) / 2``, the formula ``rankdata`` uses, computed here in
    one sort and a few passes instead of its several. Ranks are half-integers, exact in floating
    point, so the scaled values are those of the formula above.
    """
    where, ranks = _ranks_above_lowest(values)
    out = np.zeros(len(values))
    out[where] = ranks
    return out


def _ranks_above_lowest(values: FloatArray) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """:func:`scaled_ranks` of the values above the lowest (the others' are 0): their positions
    and scaled ranks, a third of the memory of the whole array for a force's many empty cells."""
    n = len(values)
    lowest = values.min()
    tol = RANK_TIE_TOLERANCE
    above = np.flatnonzero(values > lowest + tol * abs(lowest))
    n_lowest = n - len(above)
    if len(above):
        upper = values[above]
        order = np.argsort(upper)
        ordered = upper[order]
        new_group = np.empty(len(upper), dtype=bool)
        new_group[0] = True
        # the larger |value| of each neighbouring pair (the upper one when none is negative)
        size = (
            ordered[1:]
            if ordered[0] >= 0
            else np.maximum(np.abs(ordered[1:]), np.abs(ordered[:-1]))
        )
        np.greater(ordered[1:] - ordered[:-1], tol * size, out=new_group[1:])
        starts = np.flatnonzero(new_group) + n_lowest
        ends = np.append(starts[1:], n)
        scaled = (0.5 * (starts + ends + 1) - 0.5 * (n_lowest + 1)) / n
        return above[order].astype(np.int32), scaled[np.cumsum(new_group) - 1]
    return np.empty(0, dtype=np.int32), np.empty(0)


class Forecaster:
    """Forecasts of the months of one store (cell counts per month), memoised across months.

    One instance per thread: it keeps its memos and smoothing buffers without locks (the
    back-test and :func:`~hotspots.evaluate.next_month.next_month` each make their own).

    Parameters
    ----------
    grid
        The evaluation grid.
    counts
        Drug offences per study cell for each stored ``YYYY-MM`` month.
    options
        :class:`ForecastOptions`.
    features
        Layers beyond the drug counts (other crime types, snap points, wards) whose candidate
        families (:mod:`hotspots.evaluate.forecast_features`) join the choice; none by default.
    """

    def __init__(
        self,
        grid: Grid,
        counts: dict[str, FloatArray],
        options: ForecastOptions | None = None,
        features: FeatureLayers | None = None,
    ) -> None:
        self.grid = grid
        self.features = features
        self.counts = {m: np.asarray(v, dtype=float) for m, v in counts.items()}
        self.options = options or ForecastOptions()
        self._candidates: dict[str, dict[str, FloatArray]] = {}
        self._strengths: dict[str, dict[str, float]] = {}
        self._inner: dict[str, dict[str, tuple[float, ...]]] = {}
        self._ranked: dict[str, dict[float, tuple[list[str], float | None]]] = {}
        self._config_pai: dict[tuple[str, float, tuple[int, str]], float] = {}
        self._forecasts: dict[str, Forecast] = {}
        self._rank_cache: dict[tuple[str, str], tuple[npt.NDArray[np.int32], FloatArray]] = {}
        self._month_counts: dict[str, MonthCounts] = {}
        self._sums: dict[tuple[str, str], float] = {}
        self._names: dict[str, list[str]] = {}
        self._kept: dict[str, dict[str, FloatArray]] = {}
        self._loo_centre: dict[float, float] = {}
        self._order = sorted(self.counts)  # stored months in time order
        self._row = {m: i for i, m in enumerate(self._order)}
        self._stacks: dict[str, FloatArray] = {}
        self._smoothed: dict[tuple[str, float], tuple[FloatArray, npt.NDArray[np.bool_]]] = {}
        self._rasters: tuple[FloatArray, FloatArray, FloatArray] | None = None

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
        if month not in self._candidates:
            self._candidates[month] = self._build(month)
            self._names[month] = list(self._candidates[month])
        return self._candidates[month]

    def _candidate_names(self, month: str) -> list[str]:
        """The names of :meth:`candidates` for ``month``, in order."""
        if month not in self._names:
            self.candidates(month)
        return self._names[month]

    def _candidate(self, month: str, name: str) -> FloatArray:
        """One candidate for ``month``: kept after scoring (:meth:`inner_scores`) or built."""
        kept = self._kept.get(month)
        if kept is not None and name in kept:
            return kept[name]
        return self.candidates(month)[name]

    def _build(self, month: str) -> dict[str, FloatArray]:
        """The candidates for ``month`` (and their shrinkage strengths in ``_strengths``)."""
        hist = self.history(month)
        out: dict[str, FloatArray] = {}
        strengths: dict[str, float] = {}
        if hist:
            span = (self._row[hist[0]], self._row[hist[-1]] + 1)  # consecutive: one slice
            series = self._months("raw")[span[0] : span[1]]
            season = None
            if len(hist) >= SEASON_MONTHS:
                season = add_months(month, -12)
            near = _Neighbourhoods(self, span)
            for transform in self.options.transforms:
                values = self._months(transform)[span[0] : span[1]]
                level = {h: near.level(transform, 0.0, h) for h in self.options.half_lives_months}
                windows = {
                    w: np.mean(values[-w:], axis=0)
                    for w in self.options.windows_months
                    if w < len(values)
                }
                for bandwidth_m in self.options.neighbourhood_m:
                    for w, base in windows.items():
                        name = _name(transform, bandwidth_m, None, w)
                        out[name] = near.plus(base, transform, bandwidth_m, window=w)
                    for h in self.options.half_lives_months:
                        name = _name(transform, bandwidth_m, h)
                        out[name] = near.plus(level[h], transform, bandwidth_m, h=h)
                        if season is not None:
                            out[f"{name} +season"] = near.plus(
                                level[h], transform, bandwidth_m, h=h, season=season
                            )
            self._add_kde(out, series, near)
            if self.options.shrinkage:
                strengths = self._add_shrunken(out, series, near)
            self._add_persistence(out, series)
            if self.features is not None:
                labels = {h: _half_life_label(h) for h in self.options.half_lives_months}
                out.update(
                    self.features.candidates(hist, series, self.options.half_lives_months, labels)
                )
        self._strengths[month] = strengths
        return out

    def _months(self, transform: str) -> FloatArray:
        """Every stored month's counts (``transform``-ed), one row per month in time order."""
        if transform not in self._stacks:
            f = _TRANSFORMS[transform]
            stack = np.asarray([f(self.counts[m]) for m in self._order], dtype=float)
            stack.flags.writeable = False
            self._stacks[transform] = stack
        return self._stacks[transform]

    def _smoothed_months(
        self, transform: str, bandwidth_m: float, span: tuple[int, int]
    ) -> FloatArray:
        """Rows ``span`` of :meth:`_months` each smoothed with sd ``bandwidth_m`` (:meth:`_smooth`);
        each stored month is smoothed once per bandwidth and kept for every later month."""
        key = (transform, bandwidth_m)
        if key not in self._smoothed:
            n_rows = len(self._order)
            self._smoothed[key] = (np.zeros((n_rows, self.grid.n_cells)), np.zeros(n_rows, bool))
        rows, done = self._smoothed[key]
        for i in np.flatnonzero(~done[span[0] : span[1]]) + span[0]:
            rows[i] = self._smooth(self._months(transform)[i], bandwidth_m)
            done[i] = True
        return rows[span[0] : span[1]]

    def _add_kde(
        self, out: dict[str, FloatArray], series: FloatArray, near: _Neighbourhoods
    ) -> None:
        """The ``kde`` baseline's rankers: kernel density of the last W months and of all."""
        b = self.options.kde_bandwidth_m
        if b <= 0:
            return
        for w in self.options.windows_months:
            if w < len(series):
                out[f"kde {b:g} m last {w} months"] = near.window("raw", b, w)
        out[f"kde {b:g} m h=inf"] = near.level("raw", b, math.inf)

    def _add_shrunken(
        self, out: dict[str, FloatArray], series: FloatArray, near: _Neighbourhoods
    ) -> dict[str, float]:
        """Empirical-Bayes candidates (:func:`shrink`); returns the prior strength of each."""
        strengths: dict[str, float] = {}
        for h in self.options.half_lives_months:
            w = recency_weights(len(series), h)
            n_eff = float(w.sum() ** 2 / (w * w).sum())
            rate = near.level("raw", 0.0, h)
            for bandwidth_m in self.options.neighbourhood_m:
                if bandwidth_m <= 0:
                    continue
                name = f"eb {bandwidth_m:g} m h={_half_life_label(h)}"
                smooth = near.level("raw", bandwidth_m, h)
                out[name], strengths[name] = shrink(
                    rate, self._leave_one_out(rate, bandwidth_m, smooth), n_eff
                )
        return strengths

    def _add_persistence(self, out: dict[str, FloatArray], series: FloatArray) -> None:
        """Persistence (share of the last N months with an offence) times a rate."""
        n = min(self.options.persistence_months, len(series))
        if n < 2:  # one month: persistence is the count's sign, nothing new
            return
        n_with = np.sum(series[-n:] > 0, axis=0).astype(float)
        persist = n_with / n  # the share of the months; the same as their mean
        eb = f"eb {PERSISTENCE_EB_M:g} m"
        for h in self.options.half_lives_months:
            label = _half_life_label(h)
            for base in (f"cell h={label}", f"{eb} h={label}"):
                if base in out:
                    out[f"persist x {base}"] = persist * out[base]  # one name whatever n
        # Snap points repeat: months with an offence first, the recent rate breaks ties.
        for h in self.options.half_lives_months:
            rate = out.get(f"cell h={_half_life_label(h)}")
            if rate is not None:
                out[f"months then cell h={_half_life_label(h)}"] = n_with + rate / (
                    float(rate.max()) + 1.0
                )

    def _smooth(self, values: FloatArray, bandwidth_m: float) -> FloatArray:
        """Gaussian smoothing (sd ``bandwidth_m``, truncated at 4 sd, zero outside the grid):
        ``ndimage.gaussian_filter``'s two 1-D passes, the same numbers, into buffers kept for
        the next call (the cells outside the study area stay zero in the input buffer)."""
        sigma = bandwidth_m / self.grid.cell_m
        ny, nx = self.grid.ny, self.grid.nx
        if self._rasters is None:
            self._rasters = (np.zeros((ny, nx)), np.empty((ny, nx)), np.empty((ny, nx)))
        raster, first, second = self._rasters
        raster.ravel()[self.grid.cells] = values
        ndimage.gaussian_filter1d(raster, sigma, axis=0, output=first, mode="constant")
        ndimage.gaussian_filter1d(first, sigma, axis=1, output=second, mode="constant")
        return self.grid.from_raster(second)

    def _leave_one_out(
        self, values: FloatArray, bandwidth_m: float, smooth: FloatArray
    ) -> FloatArray:
        """Gaussian neighbourhood mean of ``values`` leaving each cell itself out (``smooth``:
        ``values`` smoothed with sd ``bandwidth_m``)."""
        if bandwidth_m not in self._loo_centre:
            delta = np.zeros((9, 9))
            delta[4, 4] = 1.0
            sigma = bandwidth_m / self.grid.cell_m
            self._loo_centre[bandwidth_m] = float(
                ndimage.gaussian_filter(delta, sigma, mode="constant")[4, 4]
            )
        centre = self._loo_centre[bandwidth_m]
        return np.maximum(smooth - centre * values, 0.0) / (1.0 - centre)

    def inner_scores(self, month: str) -> dict[str, tuple[float, ...]]:
        """PAI of every candidate on ``month`` (fitted on the months before it), per target
        coverage; empty when ``month`` has no history or no offences."""
        if month in self._inner:
            return self._inner[month]
        out: dict[str, tuple[float, ...]] = {}
        actual = self._scorer(month)
        if actual.total > 0:
            cands = self.candidates(month)
            for name, score in cands.items():
                out[name] = actual.pais(score, self.options.target_coverages)
            # Only the candidates the blends can take are used again (the best ``n`` of the
            # ranking at each coverage, the ranking being fixed now): the others are let go,
            # which keeps memory (and the cost of fresh memory) near one month's candidates.
            most = max(n for n, _ in self.options.blend_configs)
            keep = {name for names, _ in self.ranking(month).values() for name in names[:most]}
            self._kept[month] = {name: cands[name] for name in keep}
            del self._candidates[month]
        self._inner[month] = out
        return out

    def _scorer(self, month: str) -> MonthCounts:
        if month not in self._month_counts:
            self._month_counts[month] = MonthCounts(self.counts[month])
        return self._month_counts[month]

    def inner_months(self, month: str) -> list[str]:
        """Months before ``month`` (in its history) on which the candidates could be scored."""
        return [m for m in self.history(month) if self.inner_scores(m)]

    def ranking(self, month: str) -> dict[float, tuple[list[str], float | None]]:
        """Level 1: per target coverage, the candidates for ``month`` by median inner PAI on the
        months before it (best first) and the best median; no inner month: the fallback."""
        if month in self._ranked:
            return self._ranked[month]
        cands = self._candidate_names(month)
        inner = self.inner_months(month)
        n_inner = len(inner)
        h_inner = self.options.inner_half_life_months
        weight = {
            m: 1.0 if math.isinf(h_inner) else 0.5 ** ((n_inner - 1 - i) / h_inner)
            for i, m in enumerate(inner)
        }
        out: dict[float, tuple[list[str], float | None]] = {}
        pais = None
        if self.options.inner_statistic == "median" and math.isinf(h_inner) and inner:
            # PAIs as a (candidate, inner month, coverage) array, NaN where not scored.
            missing = (math.nan,) * len(self.options.target_coverages)
            pais = np.array(
                [[self.inner_scores(m).get(name, missing) for m in inner] for name in cands],
                dtype=float,
            ).reshape(len(cands), n_inner, -1)
        for j, cov in enumerate(self.options.target_coverages):
            if pais is not None:
                ranked = _by_lower_median(pais[:, :, j], cands, min(2, n_inner))
            else:
                ranked = self._by_centre(cands, inner, weight, j)
            if self.features is not None:
                covs = self.options.target_coverages
                ranked = [r for r in ranked if self.features.offered(r[2], cov, covs)]
            if ranked:
                out[cov] = ([name for _, _, name in ranked], -ranked[0][0])
            elif cands:
                out[cov] = ([self._fallback(cands)], None)
        self._ranked[month] = out
        return out

    def _by_centre(
        self, names: list[str], inner: list[str], weight: dict[str, float], j: int
    ) -> list[tuple[float, int, str]]:
        """``(-centre, order, name)`` of each candidate scored on enough inner months, best
        first (:func:`_centre` of its inner PAIs at the ``j``-th target coverage)."""
        ranked: list[tuple[float, int, str]] = []
        for order, name in enumerate(names):
            pairs = [
                (self.inner_scores(m)[name][j], weight[m])
                for m in inner
                if name in self.inner_scores(m)
            ]
            pairs = [(v, w) for v, w in pairs if not math.isnan(v)]
            if len(pairs) < min(2, len(inner)) or not pairs:
                continue
            v_arr, w_arr = np.array(pairs).T
            ranked.append((-_centre(v_arr, w_arr, self.options.inner_statistic), order, name))
        ranked.sort()
        return ranked

    def _blend(self, month: str, names: list[str], how: str) -> FloatArray:
        if len(names) == 1:
            return self._candidate(month, names[0])
        if how == "rank":
            # numpy.mean of the dense ranks, the same numbers: adding 0 changes nothing.
            total = np.zeros(self.grid.n_cells)
            for name in names:
                where, ranks = self._ranks(month, name)
                total[where] += ranks
            return total / len(names)
        return self._scaled_mean(month, names)

    def _scaled_mean(self, month: str, names: list[str]) -> FloatArray:
        """Mean of the candidates each scaled to sum 1 (all zero: unchanged): the numbers of
        ``numpy.mean`` of the scaled arrays, made one at a time (none kept)."""
        total: FloatArray | None = None
        for name in names:
            score = self._candidate(month, name)
            key = (month, name)
            if key not in self._sums:
                self._sums[key] = float(score.sum())
            scaled = score / self._sums[key] if self._sums[key] > 0 else score
            total = scaled.copy() if total is None else np.add(total, scaled, out=total)
        assert total is not None
        return total / len(names)

    def _ranks(self, month: str, name: str) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Ranks of a candidate's cells scaled to 0..1 (ties: mean rank; the lowest value 0),
        as the positions above the lowest and their ranks (:func:`_ranks_above_lowest`)."""
        key = (month, name)
        if key not in self._rank_cache:
            self._rank_cache[key] = _ranks_above_lowest(self._candidate(month, name))
        return self._rank_cache[key]

    def config_pai(self, month: str, cov: float, config: tuple[int, str]) -> float:
        """PAI on ``month`` at ``cov`` of a blend configuration's forecast of it (level 2)."""
        key = (month, cov, config)
        if key not in self._config_pai:
            names, _ = self.ranking(month)[cov]
            values = self._blend(month, names[: config[0]], config[1])
            self._config_pai[key] = self._scorer(month).pais(values, (cov,))[0]
        return self._config_pai[key]

    def choose_config(self, month: str, cov: float) -> tuple[tuple[int, str], int]:
        """Level 2: the blend configuration for ``month`` at ``cov`` and the months it was
        chosen on (0: the first configuration by rule, too few months)."""
        configs = self.options.blend_configs
        meta = [m for m in self.inner_months(month) if self.inner_months(m)]
        if len(meta) < self.options.meta_min_months:
            return configs[0], 0
        best: tuple[float, int] | None = None
        for order, config in enumerate(configs):
            values = np.array([self.config_pai(m, cov, config) for m in meta])
            values = values[~np.isnan(values)]
            if len(values) == 0:
                continue
            key = (-float(np.median(values)), order)
            if best is None or key < best:
                best = key
        return (configs[best[1]] if best else configs[0]), len(meta)

    def forecast(self, month: str) -> Forecast:
        """The forecast for ``month``: tiered ranking of the candidates chosen on earlier months."""
        if month in self._forecasts:
            return self._forecasts[month]
        hist = self.history(month)
        cands = self._candidate_names(month)
        ranking = self.ranking(month)
        coverages = sorted(ranking)
        chosen: list[tuple[float, list[str], float | None]] = []
        ranks: dict[float, FloatArray] = {}
        shares: dict[float, FloatArray] = {}
        blend_info: dict[str, Any] = {}
        for cov in coverages:
            names_all, best = ranking[cov]
            config, n_meta = self.choose_config(month, cov)
            names = names_all[: config[0]]
            chosen.append((cov, names, best))
            ranks[cov] = self._blend(month, names, config[1])
            shares[cov] = (
                self._candidate(month, names[0])
                if len(names) == 1
                else self._scaled_mean(month, names)
            )
            blend_info[f"{100 * cov:g}%"] = (config, n_meta)
        score = self._tiers(chosen, ranks) if cands else np.zeros(self.grid.n_cells)
        strengths = self._strengths.get(month, {})
        info = {
            "history_months": f"{hist[0]}..{hist[-1]}" if hist else None,
            "n_history_months": len(hist),
            "inner_months": len(self.inner_months(month)),
            "features": list(self.features.families) if self.features is not None else [],
            "chosen": {
                f"{100 * cov:g}%": {
                    "candidates": names,
                    "best_inner_pai": pai,
                    "blend": _config_label(blend_info[f"{100 * cov:g}%"][0]),
                    "blend_months": blend_info[f"{100 * cov:g}%"][1],
                    **{
                        "eb_strength_months": {
                            n: round(strengths[n], 3) for n in names if n in strengths
                        }
                    },
                }
                for cov, names, pai in chosen
            },
        }
        result = Forecast(score, info, shares)
        self._forecasts[month] = result
        return result

    def _fallback(self, cands: Sequence[str]) -> str:
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
            # The want-th largest free value; only positive values are picked, so only they
            # are partitioned (numpy's partition is slow on the many tied zeros).
            positive = free[free > 0]
            if len(positive) >= want:
                limit = np.partition(positive, len(positive) - want)[len(positive) - want]
                pick = free >= limit
            else:
                pick = free > 0
            score[pick] = (len(tiers) - 1 - tier) * top + values[pick]
            taken |= pick
        return score


class _Neighbourhoods:
    """The smoothed means of one month's history (a :class:`Forecaster`'s rows ``span``),
    memoised for the candidates built on them.

    Smoothing is linear, so the smoothing of a weighted mean of the months is the same weighted
    mean of the months each smoothed (:meth:`Forecaster._smoothed_months`): each stored month is
    smoothed once per bandwidth for every test month instead of every mean being smoothed
    anew. The two agree to floating-point rounding (``docs/forecast.md``, *Cost*).
    """

    def __init__(self, forecaster: Forecaster, span: tuple[int, int]) -> None:
        self.forecaster = forecaster
        self.span = span
        self._memo: dict[tuple[str, float, float, int], FloatArray] = {}

    def _rows(self, transform: str, bandwidth_m: float) -> FloatArray:
        if bandwidth_m <= 0:
            return self.forecaster._months(transform)[self.span[0] : self.span[1]]
        return self.forecaster._smoothed_months(transform, bandwidth_m, self.span)

    def level(self, transform: str, bandwidth_m: float, h: float) -> FloatArray:
        """Recency-weighted mean (half-life ``h``) of the months, smoothed (sd ``bandwidth_m``;
        0: not smoothed, :func:`recency_mean` itself)."""
        key = (transform, bandwidth_m, h, 0)
        if key not in self._memo:
            rows = self._rows(transform, bandwidth_m)
            if bandwidth_m <= 0:
                self._memo[key] = recency_mean(rows, h)
            else:
                w = recency_weights(len(rows), h)
                self._memo[key] = _weighted_sum(w / w.sum(), rows)
        return self._memo[key]

    def window(self, transform: str, bandwidth_m: float, w: int) -> FloatArray:
        """Plain mean of the last ``w`` months, smoothed (sd ``bandwidth_m`` > 0)."""
        key = (transform, bandwidth_m, 0.0, w)
        if key not in self._memo:
            rows = self._rows(transform, bandwidth_m)[-w:]
            self._memo[key] = _weighted_sum(np.full(len(rows), 1.0 / len(rows)), rows)
        return self._memo[key]

    def plus(
        self,
        base: FloatArray,
        transform: str,
        bandwidth_m: float,
        *,
        h: float | None = None,
        window: int = 0,
        season: str | None = None,
    ) -> FloatArray:
        """``base`` (the level ``h`` or the window's mean) plus its smoothing (sd
        ``bandwidth_m``; 0: ``base`` alone), and plus the month ``season`` and its smoothing."""
        out = base
        if bandwidth_m > 0:
            near = (
                self.level(transform, bandwidth_m, h)
                if h is not None
                else self.window(transform, bandwidth_m, window)
            )
            out = base + near
        if season is not None:
            row = self.forecaster._row[season]
            out = out + self.forecaster._months(transform)[row]
            if bandwidth_m > 0:
                out = (
                    out
                    + self.forecaster._smoothed_months(transform, bandwidth_m, (row, row + 1))[0]
                )
        return out


def _weighted_sum(weights: FloatArray, rows: FloatArray) -> FloatArray:
    """``weights @ rows`` in one pass (``einsum``: BLAS threads are slower on a shared machine)."""
    return np.einsum("i,ij->j", weights, rows)


def _by_lower_median(
    pais: FloatArray, names: list[str], min_months: int
) -> list[tuple[float, int, str]]:
    """``(-median, order, name)`` of each candidate with at least ``min_months`` inner PAIs
    (rows of ``pais``; NaN: none), best first: :func:`_centre`'s median with equal weights
    (the lower median, ``sorted[(n - 1) // 2]``) for all candidates at once."""
    counts = np.count_nonzero(~np.isnan(pais), axis=1)
    ordered = np.sort(pais, axis=1)  # NaN last
    ok = np.flatnonzero(counts >= max(min_months, 1))
    medians = ordered[ok, (counts[ok] - 1) // 2]
    ranked = [(-float(v), int(i), names[i]) for v, i in zip(medians, ok, strict=True)]
    ranked.sort()
    return ranked


def _centre(values: FloatArray, weights: FloatArray, statistic: str) -> float:
    """Weighted mean, geometric mean or median of the inner PAIs."""
    if statistic == "median":
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])
    if statistic == "gmean":
        return float(np.exp(np.log(np.maximum(values, 1e-9)) @ weights / weights.sum()))
    return float(values @ weights / weights.sum())
