"""Empirical-Bayes (gamma-Poisson) shrinkage of a cell's rate toward its neighbourhood's.

The ``eb B m h=H`` candidates (:mod:`hotspots.evaluate.forecast.candidates`) shrink the cell's
recency-weighted rate ``r`` toward its neighbourhood rate ``mu`` (leave-one-out Gaussian
smoothing of ``r``, sd ``B``): the cell's rate has a gamma prior of mean ``mu`` and variance
``mu / b`` (strength ``b`` months), its counts are Poisson, so the posterior mean is
``(n_eff * r + b * mu) / (n_eff + b)`` with ``n_eff = (sum w) ** 2 / sum w ** 2`` the months the
weights amount to. ``b`` is estimated from the store's own months by the method of moments over
the study cells: ``E[(r - mu) ** 2] = mu / b + mu / n_eff`` (Clayton & Kaldor 1987; Marshall
1991). Noisy single-month counts over-rank one-off bursts and under-rank stable places;
shrinkage corrects both by the amount the data say.

Why hand-written: the estimate is a closed form, a few array sums over the study cells; no
model needs fitting.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Largest gamma-prior strength (months) the shrinkage uses (no excess variance = this).
_EB_MAX_STRENGTH = 1e6


def shrink(
    rate: FloatArray,
    prior: FloatArray,
    n_eff: float,
    cell_sum: Callable[[FloatArray], float] | None = None,
) -> tuple[FloatArray, float]:
    """Gamma-Poisson (empirical-Bayes) posterior mean of each cell's rate and the prior strength.

    ``rate`` is each cell's mean monthly count over ``n_eff`` months' worth of data, ``prior``
    its prior mean (the neighbourhood rate). The prior of a cell is gamma with mean ``prior``
    and variance ``prior / b``; the strength ``b`` (months) is the method-of-moments estimate
    ``sum(prior) / (sum((rate - prior) ** 2) - sum(prior) / n_eff)`` (excess variance over
    Poisson noise), at most ``1e6`` (no excess variance: the prior alone). Returns the
    posterior means ``(n_eff * rate + b * prior) / (n_eff + b)`` and ``b``. ``cell_sum``: the
    sum over every study cell of an array of some of them (default: the array's own sum;
    :meth:`~hotspots.evaluate.forecast.support.Support.cell_sum` for compact arrays).
    """
    total = cell_sum or (lambda values: float(values.sum()))
    total_prior = total(prior)
    gap = rate - prior
    excess = total(np.square(gap, out=gap)) - total_prior / n_eff
    if total_prior <= 0:
        return rate.copy(), 0.0
    b = _EB_MAX_STRENGTH if excess <= 0 else min(total_prior / excess, _EB_MAX_STRENGTH)
    # (n_eff * rate + b * prior) / (n_eff + b), in one buffer
    out = n_eff * rate
    np.add(out, np.multiply(b, prior, out=gap), out=out)
    return np.divide(out, n_eff + b, out=out), b
