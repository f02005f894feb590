"""The forecast's candidates: rankers of the study cells built from the months before a month.

Each candidate is an estimate of next month's count per cell. Every family is stated here in
advance; which of them a force uses is left to its own nested back-test
(:mod:`hotspots.evaluate.forecast.forecaster`), never to the months reported in
``docs/forecast.md``.

- ``cell h=H``: recency-weighted mean of the cell's monthly counts, a month ``j`` months back
  weighted ``0.5 ** ((j - 1) / H)`` (half-life ``H`` months; ``H = inf`` is the long-run level,
  the plain mean; :mod:`~hotspots.evaluate.forecast.means`). A short half-life follows recent
  change, a long one the level.
- ``cell last W months``: the plain mean of the last ``W`` months (``W`` = 1, 3, 6, 12, when
  that many months exist and fewer than the whole history): exactly the ``grid`` baseline's
  rankers, so the choice can at worst pick the baseline.
- ``kde B m last W months``, ``kde B m h=inf``: the Gaussian kernel density of the same counts
  (sd ``B`` = the ``kde`` method's bandwidth, truncated at 4 sd): exactly the ``kde``
  baseline's rankers.
- ``cell+B m ...``: the cell's estimate plus its kernel-smoothed neighbourhood (sd ``B`` metres;
  :mod:`~hotspots.evaluate.forecast.smoothing`): the cell first, busy surroundings break ties
  and fill the larger areas.
- ``eb B m h=H``: **empirical-Bayes (gamma-Poisson) shrinkage** of the cell's recency-weighted
  rate toward its leave-one-out neighbourhood rate (sd ``B``), by a prior strength estimated
  from the store's own months (:mod:`~hotspots.evaluate.forecast.shrinkage`).
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
- ``... +season``: the same plus the cell's count in the same month a year before, once that
  month is in the history (12 months). Seasonality needs two years: the first year builds the
  candidate, the second scores it, and the nested choice takes it only once at least two inner
  months had a year before them (from the 15th stored month); with 24 months before a month
  it has been scored on a whole year. (Built only from 24 months of history, as before, it
  could not be chosen until 26 months were stored, nor be scored on a December until the
  fourth December: ``tests/test_evaluate_forecast_shapes.py``.)
- the families from the store's other layers, when asked for
  (:mod:`hotspots.evaluate.forecast_features`).

Why hand-written: the candidates are a few array operations (``numpy``, ``scipy.ndimage``).
Fitted models (scikit-learn ``PoissonRegressor`` on these features,
``HistGradientBoostingRegressor(loss="poisson")``) were tried on the same nested protocol and
forecast worse than this choice on both real stores (``docs/forecast.md``), so they are not
candidates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.means import recency_weights
from hotspots.evaluate.forecast.options import ForecastOptions
from hotspots.evaluate.forecast.shrinkage import shrink
from hotspots.evaluate.forecast.smoothing import Neighbourhoods, StoredMonths
from hotspots.periods import add_months

if TYPE_CHECKING:
    from hotspots.evaluate.forecast_features import FeatureLayers

FloatArray = npt.NDArray[np.float64]

#: Neighbourhood bandwidth of the shrunken rate that persistence multiplies, metres.
PERSISTENCE_EB_M = 250.0
#: History needed before the seasonal candidates exist, months: the same month a year before.
SEASON_MONTHS = 12


def half_life_label(h: float) -> str:
    """A half-life in months as candidate names show it (``inf``: the long-run level)."""
    return "inf" if math.isinf(h) else f"{h:g}"


def candidate_name(transform: str, bandwidth_m: float, h: float | None, window: int = 0) -> str:
    """The name of a ``cell`` candidate: ``transform`` of the counts, plus the neighbourhood of
    sd ``bandwidth_m`` (0: none), recency half-life ``h`` (None: the last ``window`` months)."""
    cell = "cell" if transform == "raw" else f"{transform}(cell)"
    near = f"+{bandwidth_m:g} m" if bandwidth_m > 0 else ""
    if h is None:
        return f"{cell}{near} last {window} months"
    return f"{cell}{near} h={half_life_label(h)}"


def build_candidates(
    month: str,
    hist: list[str],
    months: StoredMonths,
    options: ForecastOptions,
    features: FeatureLayers | None = None,
) -> tuple[dict[str, FloatArray], dict[str, float]]:
    """The candidates for ``month`` from its history ``hist`` (consecutive stored months, oldest
    first) and the shrinkage strength (months) of each ``eb`` candidate. Each candidate is a
    compact array of the cells of ``months.support`` (every other cell is 0 in it)."""
    out: dict[str, FloatArray] = {}
    strengths: dict[str, float] = {}
    if hist:
        span = (months.row[hist[0]], months.row[hist[-1]] + 1)  # consecutive: one slice
        series = months.rows("raw")[span[0] : span[1]]
        season = None
        if len(hist) >= SEASON_MONTHS:
            season = add_months(month, -12)
        near = Neighbourhoods(months, span)
        for transform in options.transforms:
            values = months.rows(transform)[span[0] : span[1]]
            level = {h: near.level(transform, 0.0, h) for h in options.half_lives_months}
            windows = {
                w: np.mean(values[-w:], axis=0) for w in options.windows_months if w < len(values)
            }
            for bandwidth_m in options.neighbourhood_m:
                for w, base in windows.items():
                    name = candidate_name(transform, bandwidth_m, None, w)
                    out[name] = near.plus(base, transform, bandwidth_m, window=w)
                for h in options.half_lives_months:
                    name = candidate_name(transform, bandwidth_m, h)
                    out[name] = near.plus(level[h], transform, bandwidth_m, h=h)
                    if season is not None:
                        out[f"{name} +season"] = near.plus(
                            level[h], transform, bandwidth_m, h=h, season=season
                        )
        _add_kde(out, series, near, options)
        if options.shrinkage:
            strengths = _add_shrunken(out, series, near, months, options)
        _add_persistence(out, series, options)
        if features is not None:
            labels = {h: half_life_label(h) for h in options.half_lives_months}
            out.update(features.candidates(hist, series, options.half_lives_months, labels))
    return out, strengths


def _add_kde(
    out: dict[str, FloatArray], series: FloatArray, near: Neighbourhoods, options: ForecastOptions
) -> None:
    """The ``kde`` baseline's rankers: kernel density of the last W months and of all."""
    b = options.kde_bandwidth_m
    if b <= 0:
        return
    for w in options.windows_months:
        if w < len(series):
            out[f"kde {b:g} m last {w} months"] = near.window("raw", b, w)
    out[f"kde {b:g} m h=inf"] = near.level("raw", b, math.inf)


def _add_shrunken(
    out: dict[str, FloatArray],
    series: FloatArray,
    near: Neighbourhoods,
    months: StoredMonths,
    options: ForecastOptions,
) -> dict[str, float]:
    """Empirical-Bayes candidates (:func:`shrink`); returns the prior strength of each."""
    strengths: dict[str, float] = {}
    for h in options.half_lives_months:
        w = recency_weights(len(series), h)
        n_eff = float(w.sum() ** 2 / (w * w).sum())
        rate = near.level("raw", 0.0, h)
        for bandwidth_m in options.neighbourhood_m:
            if bandwidth_m <= 0:
                continue
            name = f"eb {bandwidth_m:g} m h={half_life_label(h)}"
            smooth = near.level("raw", bandwidth_m, h)
            out[name], strengths[name] = shrink(
                rate,
                months.leave_one_out(rate, bandwidth_m, smooth),
                n_eff,
                months.support.cell_sum,
            )
    return strengths


def _add_persistence(
    out: dict[str, FloatArray], series: FloatArray, options: ForecastOptions
) -> None:
    """Persistence (share of the last N months with an offence) times a rate."""
    n = min(options.persistence_months, len(series))
    if n < 2:  # one month: persistence is the count's sign, nothing new
        return
    n_with = np.sum(series[-n:] > 0, axis=0).astype(float)
    persist = n_with / n  # the share of the months; the same as their mean
    eb = f"eb {PERSISTENCE_EB_M:g} m"
    for h in options.half_lives_months:
        label = half_life_label(h)
        for base in (f"cell h={label}", f"{eb} h={label}"):
            if base in out:
                out[f"persist x {base}"] = persist * out[base]  # one name whatever n
    # Snap points repeat: months with an offence first, the recent rate breaks ties.
    for h in options.half_lives_months:
        rate = out.get(f"cell h={half_life_label(h)}")
        if rate is not None:
            # rate >= 0: the support's largest is every cell's (the others are 0)
            out[f"months then cell h={half_life_label(h)}"] = n_with + rate / (
                float(rate.max()) + 1.0
            )
