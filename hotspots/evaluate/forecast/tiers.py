"""The forecast's ranking in tiers: each target coverage's blend fills its own area.

The smallest coverage's blend takes its top cells up to that share of the study area first,
the next coverage's blend fills up to its share, and so on; every remaining cell follows in the
order of the last blend. Cells scored 0 stay tied (only positive values are picked for a tier).

Why hand-written: a partial sort per tier (``numpy.partition`` of the positive free values,
since numpy's partition is slow on a force's many tied zeros).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def tiered_score(
    coverages: Sequence[float], blends: Sequence[FloatArray], n_cells: int
) -> FloatArray:
    """Tiered ranking: each coverage's blend (``blends``, in the order of ``coverages``,
    smallest first) fills its area, the last one the rest. ``n_cells``: the number of study
    cells; the blends may hold only some of them (compact arrays,
    :mod:`~hotspots.evaluate.forecast.support`), the others being 0 in every blend (and in the
    score)."""
    n = n_cells
    tiers = list(blends)
    top = max(float(np.max(v)) if len(v) == n else max(float(np.max(v)), 0.0) for v in tiers)
    top += 1.0
    score = np.array(tiers[-1], dtype=float)
    taken = np.zeros(len(score), dtype=bool)
    for tier, (cov, values) in enumerate(zip(coverages[:-1], tiers, strict=False)):
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
