"""Scaled ranks of a candidate's cells (the rank blends), values equal up to rounding tied.

:func:`scaled_ranks` gives ``scipy.stats.rankdata``'s average ranks scaled to 0..1, except that
neighbouring values within :data:`RANK_TIE_TOLERANCE` of each other share a rank: a candidate's
cells that are equal in exact arithmetic can differ in their last bits, depending on the order
in which the smoothing added its terms, and a rank (unlike a sum) would turn that rounding into
a whole rank's difference (``docs/forecast.md``, *Cost*).

Why hand-written: ``rankdata`` has no tolerance, and it sorts every cell; this sorts only the
values above the lowest (a force's many empty cells share the lowest) in one sort and a few
passes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Two values of a candidate whose difference is at most this share of the larger ``|value|``
#: share a rank in the rank blends (:func:`scaled_ranks`): equal up to floating-point rounding
#: (on the real stores rounding gaps are at most 1e-15 of the value, real gaps at least 1e-11).
RANK_TIE_TOLERANCE = 1e-12


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
    where, ranks = ranks_above_lowest(values)
    out = np.zeros(len(values))
    out[where] = ranks
    return out


def ranks_above_lowest(
    values: FloatArray, n_cells: int | None = None
) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """:func:`scaled_ranks` of the values above the lowest (the others' are 0): their positions
    and scaled ranks, a third of the memory of the whole array for a force's many empty cells.

    ``n_cells``: the number of cells ranked when ``values`` holds only some of them (a compact
    array, :mod:`~hotspots.evaluate.forecast.support`), the others being 0: the same ranks as
    the whole array's (positions in ``values``)."""
    n = len(values) if n_cells is None else n_cells
    lowest = values.min()
    if len(values) < n:
        lowest = min(lowest, 0.0)  # the cells left out are 0
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
