"""Level 2's blends: the best candidates of a month combined into one ranking.

A blend configuration ``(n, how)`` takes the best ``n`` candidates of the level-1 ranking and
combines them: ``scaled``, each scaled to sum 1 and averaged (all zero: unchanged); ``rank``,
the mean of their scaled ranks (rank averaging,
:func:`~hotspots.evaluate.forecast.ranks.scaled_ranks`); one candidate alone is itself. Which
configuration a month uses is chosen by
:meth:`~hotspots.evaluate.forecast.forecaster.Forecaster.choose_config`.

Why hand-written: a sum of arrays; a blend is added one candidate at a time (no scaled copies
kept), its sum memoised until its month is let go (with the sum of the best 3 taken on the way
to the best 10: the same additions), and each candidate keeps its ranks as each cell's tie
group (16 bits for up to 65,535 groups: a fourth of a whole array of ranks) and each group's
rank, which keeps the memory near one month's candidates (``docs/forecast.md``, *Cost*); a rank
blend adds each candidate's ``table[groups]`` in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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

    def __init__(self, support: Support, sizes: Iterable[int] = ()) -> None:
        self.support = support
        self.sizes = frozenset(sizes)
        self._rank_cache: dict[tuple[str, str], RankGroups] = {}
        self._sums: dict[tuple[str, str], float] = {}
        self._totals: dict[tuple[str, str, tuple[str, ...]], FloatArray] = {}

    def blend(self, month: str, names: list[str], how: str, candidate: CandidateOf) -> FloatArray:
        """The candidates ``names`` of ``month`` combined by ``how`` (``scaled`` or ``rank``)."""
        if len(names) == 1:
            return candidate(month, names[0])
        if how == "rank":
            # numpy.mean of the ranks, the same numbers (added in the same order).
            return self._total(month, names, how, candidate) / len(names)
        return self.scaled_mean(month, names, candidate)

    def scaled_mean(self, month: str, names: list[str], candidate: CandidateOf) -> FloatArray:
        """Mean of the candidates each scaled to sum 1 (all zero: unchanged): the numbers of
        ``numpy.mean`` of the scaled arrays, made one at a time (none kept)."""
        return self._total(month, names, "scaled", candidate) / len(names)

    def release(self, month: str) -> None:
        """Let go of ``month``'s memoised ranks and totals (its candidates will not be blended
        again)."""
        for key in [k for k in self._rank_cache if k[0] == month]:
            del self._rank_cache[key]
        for total_key in [k for k in self._totals if k[0] == month]:
            del self._totals[total_key]

    def _total(self, month: str, names: list[str], how: str, candidate: CandidateOf) -> FloatArray:
        """The sum of the candidates' terms (``rank``: their scaled ranks; ``scaled``: each
        scaled to sum 1), added one at a time in the order of ``names``; memoised, with the
        running sum after each of the blend sizes (``sizes``) that is a prefix of ``names``: the
        best 3 are the first 3 of the best 10, so their sum is the 10's after 3 terms (the same
        additions in the same order, so the same numbers). Not to be modified."""
        key = (month, how, tuple(names))
        if key in self._totals:
            return self._totals[key]
        start, total = 0, None
        for size in sorted(self.sizes, reverse=True):
            prefix = self._totals.get((month, how, tuple(names[:size])))
            if 0 < size < len(names) and prefix is not None:
                start, total = size, prefix.copy()
                break
        for i in range(start, len(names)):
            term = self._term(month, names[i], how, candidate)
            total = term.copy() if total is None else np.add(total, term, out=total)
            if i + 1 in self.sizes and i + 1 < len(names):
                self._totals[(month, how, tuple(names[: i + 1]))] = total.copy()
        assert total is not None
        self._totals[key] = total
        return total

    def _term(self, month: str, name: str, how: str, candidate: CandidateOf) -> FloatArray:
        """A candidate's term of a blend: its scaled ranks, or the candidate scaled to sum 1."""
        if how == "rank":
            groups, table = self._ranks(month, name, candidate)
            return table[groups]
        score = candidate(month, name)
        key = (month, name)
        if key not in self._sums:
            self._sums[key] = self.support.cell_sum(score)  # every cell's sum
        return score / self._sums[key] if self._sums[key] > 0 else score

    def _ranks(self, month: str, name: str, candidate: CandidateOf) -> RankGroups:
        """Ranks of a candidate's cells scaled to 0..1 (ties: mean rank; the lowest value 0),
        as each cell's tie group and each group's rank (:func:`rank_groups`)."""
        key = (month, name)
        if key not in self._rank_cache:
            self._rank_cache[key] = rank_groups(candidate(month, name), self.support.n_cells)
        return self._rank_cache[key]
