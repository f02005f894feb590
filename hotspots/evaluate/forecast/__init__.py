"""The ``forecast`` method: next month's drug offences per cell, chosen by the store's own history.

Unlike the baselines, which see the ``k`` months before the test month, the forecast for month
``t`` uses every consecutive stored month before ``t`` (at most ``cap_months``, default 24), and
never month ``t`` or later. Many candidate rankers of the study cells are built from those
months; which of them a force uses, and how they are blended, is chosen by a nested back-test
on its own earlier months (``docs/forecast.md``).

One concept per module:

- :mod:`~hotspots.evaluate.forecast.options`: :class:`ForecastOptions` and their defaults;
- :mod:`~hotspots.evaluate.forecast.means`: recency-weighted means (the weights of the months);
- :mod:`~hotspots.evaluate.forecast.support`: the cells within reach of an offence, the only
  ones computed (every other cell is 0 throughout; the same results bit for bit);
- :mod:`~hotspots.evaluate.forecast.smoothing`: each stored month Gaussian-smoothed once per
  bandwidth, and the smoothed means built from them;
- :mod:`~hotspots.evaluate.forecast.shrinkage`: empirical-Bayes shrinkage toward the
  neighbourhood;
- :mod:`~hotspots.evaluate.forecast.candidates`: the candidate families, stated in advance;
- :mod:`~hotspots.evaluate.forecast.scoring`: PAI of a ranking on a month (:class:`MonthCounts`);
- :mod:`~hotspots.evaluate.forecast.inner_ranking`: level 1's statistic (median inner PAI);
- :mod:`~hotspots.evaluate.forecast.change_point`: a change in the force's monthly total and the
  short-memory candidates (options of the choice, off by default);
- :mod:`~hotspots.evaluate.forecast.ranks`: scaled ranks, values equal up to rounding tied;
- :mod:`~hotspots.evaluate.forecast.blends`: level 2's blends of the best candidates;
- :mod:`~hotspots.evaluate.forecast.tiers`: the ranking in tiers, one per target coverage;
- :mod:`~hotspots.evaluate.forecast.forecaster`: :class:`Forecaster`, the nested choice
  (levels 1 and 2) memoised across months, and its ``info``.

The families from the store's other layers are in :mod:`hotspots.evaluate.forecast_features`;
next month's forecast for the map and the patrol plan in :mod:`hotspots.evaluate.next_month`.
"""

from hotspots.evaluate.forecast.candidates import PERSISTENCE_EB_M, SEASON_MONTHS
from hotspots.evaluate.forecast.change_point import CHANGE_RULES
from hotspots.evaluate.forecast.forecaster import Forecast, Forecaster
from hotspots.evaluate.forecast.means import recency_mean, recency_weights
from hotspots.evaluate.forecast.options import (
    BLEND_CONFIGS,
    CAP_MONTHS,
    CHANGE_RULE,
    HALF_LIVES_MONTHS,
    INNER_HALF_LIFE_MONTHS,
    INNER_STATISTIC,
    KDE_BANDWIDTH_M,
    META_MIN_MONTHS,
    NEIGHBOURHOOD_M,
    PERSISTENCE_MONTHS,
    TARGET_COVERAGES,
    TRANSFORMS,
    WINDOWS_MONTHS,
    FloatArray,
    ForecastOptions,
)
from hotspots.evaluate.forecast.ranks import RANK_TIE_TOLERANCE, scaled_ranks
from hotspots.evaluate.forecast.scoring import MonthCounts, pai_at
from hotspots.evaluate.forecast.shrinkage import shrink

__all__ = [
    "BLEND_CONFIGS",
    "CAP_MONTHS",
    "CHANGE_RULE",
    "CHANGE_RULES",
    "HALF_LIVES_MONTHS",
    "INNER_HALF_LIFE_MONTHS",
    "INNER_STATISTIC",
    "KDE_BANDWIDTH_M",
    "META_MIN_MONTHS",
    "NEIGHBOURHOOD_M",
    "PERSISTENCE_EB_M",
    "PERSISTENCE_MONTHS",
    "RANK_TIE_TOLERANCE",
    "SEASON_MONTHS",
    "TARGET_COVERAGES",
    "TRANSFORMS",
    "WINDOWS_MONTHS",
    "FloatArray",
    "Forecast",
    "ForecastOptions",
    "Forecaster",
    "MonthCounts",
    "pai_at",
    "recency_mean",
    "recency_weights",
    "scaled_ranks",
    "shrink",
]
