"""Level 2's blends: the best candidates of a month combined into one ranking.

A blend configuration ``(n, how)`` takes the best ``n`` candidates of the level-1 ranking and
combines them: ``scaled``, each scaled to sum 1 and averaged (all zero: unchanged); ``rank``,
the mean of their scaled ranks (rank averaging,
:func:`~hotspots.evaluate.forecast.ranks.scaled_ranks`); one candidate alone is itself. Which
configuration a month uses is chosen by
:meth:`~hotspots.evaluate.forecast.forecaster.Forecaster.choose_config`.

Why hand-written: a sum of arrays; the scaled blend is added one candidate at a time (no scaled
copies kept) and each candidate keeps its ranks as each cell's tie group (16 bits for up to
65,535 groups: a fourth of a whole array of ranks) and each group's rank, which keeps the memory
near one month's candidates (``docs/forecast.md``, *Cost*); a rank blend adds each candidate's
``table[groups]`` in turn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.ranks import RankGroups, rank_groups
from hotspots.evaluate.forecast.support import Support

FloatArray = npt.NDArray[np.float64]


def blend_label(config: tuple[int, str]) -> str:
    """A blend configuration as ``info`` names it (``best 10, scaled mean``)."""
    n, how = config
    return "best 1" if n == 1 else f"best {n}, {'rank mean' if how == 'rank' else 'scaled mean'}"


#: A month's candidate by name, ``candidate(month, name)``: the same array every call (fetched
#: only when needed, so that a candidate let go is not rebuilt for a memoised rank or sum).
CandidateOf = Callable[[str, str], FloatArray]


class Blends:
    """Blends of the candidates of a forecaster's months, with each candidate's sum and ranks
    memoised (one instance per thread: no locks). ``support``: the cells the candidates hold
    (compact arrays, :mod:`~hotspots.evaluate.forecast.support`); the blends hold the same."""

    def __init__(self, support: Support) -> None:
        self.support = support
        self._rank_cache: dict[tuple[str, str], RankGroups] = {}
        self._sums: dict[tuple[str, str], float] = {}

    def blend(self, month: str, names: list[str], how: str, candidate: CandidateOf) -> FloatArray:
        """The candidates ``names`` of ``month`` combined by ``how`` (``scaled`` or ``rank``)."""
        if len(names) == 1:
            return candidate(month, names[0])
        if how == "rank":
            # numpy.mean of the ranks, the same numbers (added in the same order).
            total: FloatArray | None = None
            for name in names:
                groups, table = self._ranks(month, name, candidate)
                ranks = table[groups]
                total = ranks if total is None else np.add(total, ranks, out=total)
            assert total is not None
            return total / len(names)
        return self.scaled_mean(month, names, candidate)

    def scaled_mean(self, month: str, names: list[str], candidate: CandidateOf) -> FloatArray:
        """Mean of the candidates each scaled to sum 1 (all zero: unchanged): the numbers of
        ``numpy.mean`` of the scaled arrays, made one at a time (none kept)."""
        total: FloatArray | None = None
        for name in names:
            score = candidate(month, name)
            key = (month, name)
            if key not in self._sums:
                self._sums[key] = self.support.cell_sum(score)  # every cell's sum
            scaled = score / self._sums[key] if self._sums[key] > 0 else score
            total = scaled.copy() if total is None else np.add(total, scaled, out=total)
        assert total is not None
        return total / len(names)

    def release(self, month: str) -> None:
        """Let go of ``month``'s memoised ranks (its candidates will not be blended again)."""
        for key in [k for k in self._rank_cache if k[0] == month]:
            del self._rank_cache[key]

    def _ranks(self, month: str, name: str, candidate: CandidateOf) -> RankGroups:
        """Ranks of a candidate's cells scaled to 0..1 (ties: mean rank; the lowest value 0),
        as each cell's tie group and each group's rank (:func:`rank_groups`)."""
        key = (month, name)
        if key not in self._rank_cache:
            self._rank_cache[key] = rank_groups(candidate(month, name), self.support.n_cells)
        return self._rank_cache[key]
