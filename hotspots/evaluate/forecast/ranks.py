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

from typing import Any

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
    groups, table = rank_groups(values)
    return table[groups]


#: Each cell's tie group (0: the lowest) and each group's scaled rank (:func:`rank_groups`).
RankGroups = tuple[npt.NDArray[np.unsignedinteger[Any]], FloatArray]


def rank_groups(values: FloatArray, n_cells: int | None = None) -> RankGroups:
    """:func:`scaled_ranks` as each value's tie group and each group's scaled rank: the
    ranks are ``table[groups]``. ``groups`` is 0 for the lowest values (``table[0]`` is 0) and
    as small an unsigned integer as holds the groups (``uint16`` below 65,536 groups: a fourth
    of the memory of the ranks themselves), so a rank blend adds ``table[groups]``, a gather
    from a small table, rather than scattering ranks into the whole array.

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
    if not len(above):
        return np.zeros(len(values), dtype=np.uint16), np.zeros(1)
    upper = values[above]
    order = sort_order(upper)
    ordered = upper[order]
    new_group = np.empty(len(upper), dtype=bool)
    new_group[0] = True
    # the larger |value| of each neighbouring pair (the upper one when none is negative)
    size = ordered[1:] if ordered[0] >= 0 else np.maximum(np.abs(ordered[1:]), np.abs(ordered[:-1]))
    np.greater(ordered[1:] - ordered[:-1], tol * size, out=new_group[1:])
    starts = np.flatnonzero(new_group) + n_lowest
    ends = np.append(starts[1:], n)
    table = np.empty(len(starts) + 1)
    table[0] = 0.0
    table[1:] = (0.5 * (starts + ends + 1) - 0.5 * (n_lowest + 1)) / n
    groups: npt.NDArray[np.unsignedinteger[Any]] = np.zeros(
        len(values), dtype=np.uint16 if len(table) <= 1 << 16 else np.uint32
    )
    groups[above[order]] = np.cumsum(new_group)
    return groups, table


def ranks_above_lowest(
    values: FloatArray, n_cells: int | None = None
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """:func:`scaled_ranks` of the values above the lowest (the others' are 0): their positions
    and scaled ranks (:func:`rank_groups`; ``n_cells`` as there)."""
    groups, table = rank_groups(values, n_cells)
    where = np.flatnonzero(groups)
    return where, table[groups[where]]


#: Below this many values :func:`sort_order` is a plain ``numpy.argsort`` (the bucket pass's
#: 65,536 buckets would cost more than the sort it saves).
BUCKET_MIN_VALUES = 4096


def sort_order(values: FloatArray) -> npt.NDArray[np.intp]:
    """An order sorting ``values`` (no NaN) ascending: ``values[sort_order(values)]`` is
    ``numpy.sort(values)``, equal values in any order (their ranks are the same).

    Two passes, each much cheaper than ``numpy.argsort`` of floats (a comparison sort, about
    four times the cost on a candidate's 35,000 values): the values are first put in order of
    a 16-bit bucket (the top 16 bits of the span of their bit patterns, mapped so that the
    unsigned order of the patterns is the order of the values; ``numpy``'s stable sort of
    16-bit integers is a radix sort), which is monotone in the value, so the values come out
    sorted but for their order within each bucket; a stable ``numpy.argsort`` (timsort, which
    runs through presorted stretches) then sorts them exactly. The result is a true sort
    whatever the buckets, only its speed depends on them."""
    if len(values) < BUCKET_MIN_VALUES:
        return np.argsort(values)
    keys = values.view(np.uint64)  # for floats >= +0.0 the unsigned order is the order
    high = keys.max()
    if high >> np.uint64(63):  # a negative value or -0.0
        # negative floats: all bits flipped; others: the sign bit set (then the same holds)
        negative = (keys >> np.uint64(63)).astype(bool)
        keys = np.where(negative, ~keys, keys | np.uint64(1 << 63))
        high = keys.max()
    low = keys.min()
    span = int(high - low).bit_length()
    buckets = ((keys - low) >> np.uint64(max(0, span - 16))).astype(np.uint16)
    coarse = np.argsort(buckets, kind="stable")
    return coarse[np.argsort(values[coarse], kind="stable")]
