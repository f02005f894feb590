"""PAI of a ranking of the study cells on one month: the measure the nested choice scores by.

:func:`pai_at` is the back-test's own PAI (the same value as
:func:`~hotspots.evaluate.metrics.coverage_measures` ``["pai"]``, ties at the limit shared
evenly); :class:`MonthCounts` holds one month's offences to score many rankings on it at every
target coverage at once, with the same values.

Why hand-written: the nested choice scores every candidate on every earlier month, so the
ranking is partially sorted once (``numpy.partition`` of the scores above the lowest: a force's
many empty cells share the lowest; of those, only a pool of the largest, :func:`top_values`)
for all coverages, and the month's offences are summed over
the few hundred cells that have any, not the tens of thousands that do not (``docs/forecast.md``,
*Cost*).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.support import Support

FloatArray = npt.NDArray[np.float64]


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
    few hundred of its tens of thousands of cells. ``support``: the rankings scored are compact
    arrays of its cells (:mod:`~hotspots.evaluate.forecast.support`; it holds every cell with
    an offence), every other cell scoring 0; default: whole arrays.
    """

    def __init__(self, actual: FloatArray, support: Support | None = None) -> None:
        self.n_cells = len(actual)
        self.total = float(actual.sum())
        where = np.flatnonzero(actual)
        self.offences = actual[where]
        self.where = where if support is None else support.positions(where)

    def pais(self, score: FloatArray, coverages: Sequence[float]) -> tuple[float, ...]:
        """:func:`pai_at` of ``score`` at each coverage, the same values when the month's
        offences are whole numbers (their sums are then exact in any order).

        The scores above the lowest are selected and partially sorted once for all coverages,
        and the offences are summed over the cells with offences only.
        """
        n = self.n_cells
        lowest = score.min()
        if len(score) < n:
            lowest = min(lowest, 0.0)  # the cells left out score 0
        upper = score[score > lowest]
        ks = [min(n, math.ceil(c * n)) for c in coverages]
        fits = [k for k in ks if 0 < k <= len(upper)]
        # Only the largest values can be cut: the pool holds every value from the one just
        # below the largest cut up, the same values at the same places from the top as upper.
        pool = top_values(upper, max(fits) + 1) if fits else upper
        # Each cut and the place before it: after the partition, part[cut - 1] is the largest
        # value below the cut (no pass over them to find it).
        cuts = {len(pool) - k for k in fits}
        kth = sorted(cuts | {c - 1 for c in cuts if c > 0})
        part = np.partition(pool, kth) if kth else pool
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
                cut = len(pool) - k
                limit = part[cut]
                top = part[cut:]
                n_above = int(np.count_nonzero(top > limit))
                n_tied = int(np.count_nonzero(top == limit))
                if cut and part[cut - 1] == limit:  # the pool holds every value tied
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


#: :func:`top_values` takes a pool from this many values up (fewer: all of them, as cheap).
POOL_MIN_VALUES = 4096
#: Values in :func:`top_values`' sample, and how many times the values wanted its threshold
#: aims to keep (a margin for the sample's error; too few kept costs one more pass).
POOL_SAMPLE, POOL_MARGIN = 512, 2


def top_values(values: FloatArray, m: int) -> FloatArray:
    """The values at least the ``m``-th largest of ``values`` (``1 <= m <= len(values)``), and
    maybe some below it (at most all ``values``): the same order statistics from the top as
    ``values`` down to the ``m``-th, and every value equal to one of them.

    A partition (``numpy.partition``) of a candidate's 35,000 values costs several passes over
    them, though the PAIs cut only the top few hundred: the values at least a threshold taken
    from a strided sample (about ``POOL_MARGIN * m`` values expected above it) are kept in one
    pass, and partitioned instead; when fewer than ``m`` are kept, all the values are."""
    if len(values) < POOL_MIN_VALUES or m * POOL_MARGIN * 4 > len(values):
        return values
    step = len(values) // POOL_SAMPLE
    sample = values[::step]
    above = min(len(sample), math.ceil(POOL_MARGIN * m / step) + 1)
    threshold = np.partition(sample, len(sample) - above)[len(sample) - above]
    pool = values[values >= threshold]
    return pool if len(pool) >= m else values
