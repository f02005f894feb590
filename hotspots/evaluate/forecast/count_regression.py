"""A pooled negative-binomial regression of the cells' monthly counts (round 6, variant I;
``docs/forecast.md``).

Rows: every study cell within reach of an offence of the history (its long-run mean smoothed
at :data:`REACH_SD_M`, truncated at 4 sd, is above 0), for each history month ``j`` with a
month before it; the target is the cell's count in month ``j``; the features come from the
months before ``j`` only (:func:`features`): ``log1p`` of the cell's recency-weighted mean at
half-lives 1, 3 and ``inf`` months, ``log1p`` of its 250 m neighbourhood's mean at 1 and
``inf``, the share of those months (at most 12) with an offence in the cell, and a constant.

NB2 (variance ``mu + alpha mu^2``, ``log mu`` linear in the features), fitted by maximum
likelihood with ``scipy.optimize.minimize`` (L-BFGS-B, analytic gradient, ``log alpha`` within
:data:`LOG_ALPHA_BOUNDS`; start: every
coefficient 0 but the constant at the log of the mean count, ``log alpha = 0``). The candidate
is the fitted mean for the month after the history, from every history month's features; cells
out of reach score 0. Needs two history months. Deterministic.

Why hand-written: statsmodels (which has the NB2 model) is not a dependency, and
scikit-learn has no negative-binomial loss; the likelihood and its gradient are a few lines of
``scipy.special``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from hotspots.evaluate.forecast.means import recency_mean

FloatArray = npt.NDArray[np.float64]

#: The rows' reach: cells whose history's long-run mean smoothed at this sd is above 0.
REACH_SD_M = 500.0
#: Neighbourhood of the smoothed features, metres (the middle neighbourhood bandwidth).
NEAR_SD_M = 250.0
#: Months over which the share of months with an offence is counted.
PERSISTENCE_MONTHS = 12
#: Largest linear predictor (``log mu``), to keep ``exp`` finite while searching.
MAX_ETA = 30.0
#: Bounds of ``log alpha`` in the search (``alpha = e^-15`` is the Poisson limit to within
#: rounding; ``e^15`` past any count's dispersion), to keep ``1 / alpha`` finite.
LOG_ALPHA_BOUNDS = (-15.0, 15.0)
FEATURE_NAMES = (
    "const",
    "log1p h=1",
    "log1p h=3",
    "log1p h=inf",
    "near h=1",
    "near h=inf",
    "persist",
)


def features(counts: FloatArray, near: FloatArray, rows: npt.NDArray[np.intp]) -> FloatArray:
    """The design matrix (``rows`` x :data:`FEATURE_NAMES`) for the month after ``counts``
    (months x cells, oldest first; ``near``: the same months smoothed at :data:`NEAR_SD_M`)."""
    c = counts[:, rows]
    s = near[:, rows]
    recent = c[-PERSISTENCE_MONTHS:]
    return np.column_stack(
        [
            np.ones(len(rows)),
            np.log1p(recency_mean(c, 1.0)),
            np.log1p(recency_mean(c, 3.0)),
            np.log1p(c.mean(axis=0)),
            np.log1p(recency_mean(s, 1.0)),
            np.log1p(s.mean(axis=0)),
            np.mean(recent > 0, axis=0),
        ]
    )


def negative_log_likelihood(
    params: FloatArray, x: FloatArray, y: FloatArray
) -> tuple[float, FloatArray]:
    """NB2's negative log-likelihood of ``y`` given ``x`` and ``params`` = (coefficients,
    ``log alpha``), and its gradient."""
    beta, log_alpha = params[:-1], float(params[-1])
    eta = np.minimum(x @ beta, MAX_ETA)
    mu = np.exp(eta)
    theta = float(np.exp(-log_alpha))  # 1 / alpha
    log_theta_mu = np.log(theta + mu)
    ll = (
        special.gammaln(y + theta)
        - special.gammaln(theta)
        - special.gammaln(y + 1.0)
        + theta * (np.log(theta) - log_theta_mu)
        + y * (eta - log_theta_mu)
    )
    d_eta = theta * (y - mu) / (theta + mu)
    d_theta = (
        special.digamma(y + theta)
        - special.digamma(theta)
        + np.log(theta)
        + 1.0
        - log_theta_mu
        - (y + theta) / (theta + mu)
    )
    grad = np.concatenate([x.T @ d_eta, [float(np.sum(d_theta)) * -theta]])
    return -float(np.sum(ll)), -grad


def fit_nb(x: FloatArray, y: FloatArray) -> FloatArray:
    """Maximum-likelihood NB2 parameters (coefficients, ``log alpha``) of ``y`` on ``x``."""
    start = np.zeros(x.shape[1] + 1)
    start[0] = float(np.log(max(float(y.mean()), 1e-9)))
    bounds = [(None, None)] * x.shape[1] + [LOG_ALPHA_BOUNDS]
    found = optimize.minimize(
        negative_log_likelihood, start, args=(x, y), jac=True, method="L-BFGS-B", bounds=bounds
    )
    return np.asarray(found.x, dtype=float)


def nb_regression_candidate(
    series: FloatArray, smooth: Callable[[FloatArray, float], FloatArray]
) -> dict[str, FloatArray]:
    """``nb regression``: the fitted NB2 mean of each cell for the month after ``series``
    (history months x cells, oldest first); ``smooth(values, sd_m)`` Gaussian smoothing of one
    month's cells. Empty with fewer than two months or no offence after the first."""
    series = np.asarray(series, dtype=float)
    if len(series) < 2 or float(series[1:].sum()) <= 0:
        return {}
    reach = smooth(series.mean(axis=0), REACH_SD_M) > 0
    rows = np.flatnonzero(reach)
    near = np.asarray([smooth(month, NEAR_SD_M) for month in series])
    x = np.vstack([features(series[:j], near[:j], rows) for j in range(1, len(series))])
    y = np.concatenate([series[j, rows] for j in range(1, len(series))])
    params = fit_nb(x, y)
    out = np.zeros(series.shape[1])
    out[rows] = np.exp(np.minimum(features(series, near, rows) @ params[:-1], MAX_ETA))
    return {"nb regression": out}
