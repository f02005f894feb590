"""Vectorised pair work shared by the engines: ragged ranges, budgeted chunks, squared
distances as scikit-learn computes them, and nearest-candidate picks."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar

import numpy as np

from hotspots.cluster.types import FloatArray, IntArray

_PAIR_BUDGET = 1 << 21  # candidate pairs materialised at once (~100 MB of temporaries)
#: The budget of the running thread: threads clustering strips at once share _PAIR_BUDGET.
PAIR_BUDGET: ContextVar[int] = ContextVar("pair_budget", default=_PAIR_BUDGET)


def _ragged(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """``(owner, index)`` over the ranges ``starts[i] .. starts[i] + counts[i] - 1``, joined."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    index = np.arange(total) - np.repeat(first - starts, counts)
    return owner, index


def _chunks(costs: IntArray, budget: int | None = None) -> Iterator[slice]:
    """Consecutive slices whose summed cost stays near ``budget`` (default: this thread's
    :data:`PAIR_BUDGET`; one item may exceed it)."""
    if budget is None:
        budget = PAIR_BUDGET.get()
    n = len(costs)
    cum = np.cumsum(costs)
    start = 0
    while start < n:
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield slice(start, stop)
        start = stop


def _d2(points: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Squared distances computed as scikit-learn's kd-tree does: ``dx*dx + dy*dy`` (in place:
    two arrays of temporaries, not seven)."""
    dx = points[a, 0]
    dx -= points[b, 0]
    dx *= dx
    dy = points[a, 1]
    dy -= points[b, 1]
    dy *= dy
    dx += dy
    return dx


def _nearest(owner: IntArray, cand: IntArray, d2: FloatArray, n_owner: int) -> IntArray:
    """For each owner, the candidate with the smallest ``d2``, ties by smallest candidate id."""
    best = np.full(n_owner, -1, dtype=np.intp)
    if len(owner):
        order = np.lexsort((cand, d2, owner))
        first = np.ones(len(order), dtype=bool)
        first[1:] = owner[order[1:]] != owner[order[:-1]]
        pick = order[first]
        best[owner[pick]] = cand[pick]
    return best
