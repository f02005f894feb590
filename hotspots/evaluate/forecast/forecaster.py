"""The forecast of one store's months: the nested choice of candidates and blends, memoised.

For test month ``t`` the forecast uses every consecutive stored month before ``t`` (at most
``cap_months``, default 24), and never month ``t`` or later.

**Choice, nested (level 1).** For every earlier month ``m`` that has at least one month before
it (within the cap), each candidate (:mod:`~hotspots.evaluate.forecast.candidates`) is built
from the months before ``m`` only and scored by its PAI on month ``m`` at each target coverage
(default 0.05% and 1% of the study area: a handful of micro-places and a district-wide patrol
programme; :mod:`~hotspots.evaluate.forecast.scoring`). Each earlier month is scored once and
reused for every later test month. At each target coverage the candidates are ranked by the
median of their inner PAIs (:mod:`~hotspots.evaluate.forecast.inner_ranking`; ties: the earlier
candidate).

**Blend, nested (level 2).** The best candidates are combined by one of the
``blend_configs`` (:mod:`~hotspots.evaluate.forecast.blends`): the best 10 or the best 3 each
scaled to sum 1 and averaged, the best one alone, or the best 3 or 10 by the mean of their ranks
(rank averaging). Which one is chosen per coverage by the same rule one level up: each
configuration's own forecast of every earlier month ``m`` (made from ``m``'s own level-1
ranking, so from months before ``m`` only) is scored on ``m``, and the best median wins (ties:
the earlier configuration), when at least ``meta_min_months`` (3) such months exist; with
fewer, the first configuration (the best 10, scaled) is used, a rule stated in advance: with
two or three inner months the level-1 order is mostly noise, so the choice is shrunk toward the
consensus of many good rankers (averaging lowers the variance of the choice) until the store's
own months can say otherwise.

The ranking is built in tiers (:mod:`~hotspots.evaluate.forecast.tiers`): the smallest
coverage's blend fills its area first, the next coverage's blend its area, and so on; every
remaining cell follows in the order of the last blend. With no inner month yet (one month of
history) the long-run cell count plus the middle neighbourhood bandwidth is used.

**Options, off by default** (``docs/forecast.md``, *Round 4*): ``change_rule`` restricts
level 1 to the short-memory candidates when the history's last month's force total is a change
(:mod:`~hotspots.evaluate.forecast.change_point`); ``inner_likeness`` weights the inner months
by how like the month's own change statistic theirs is.

Only the cells within reach of an offence are computed
(:mod:`~hotspots.evaluate.forecast.support`: every other cell is 0 in every candidate); the
score and the tier blends are whole arrays of the study cells, the same bit for bit.

Everything is deterministic (no random draws); ``info`` states the history used, the inner
months, the choice per coverage, its inner PAI, the blend and the shrinkage strengths.

Why hand-written: the nested choice needs the back-test's own measure (PAI), and scoring each
earlier month once and reusing it for every later test month keeps the cost near one
back-test. Once a month is scored its ranking is fixed, so only the candidates its blends can
take are kept (memory near one month's candidates; ``docs/forecast.md``, *Cost*).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.blends import Blends, blend_label
from hotspots.evaluate.forecast.candidates import build_candidates, candidate_name
from hotspots.evaluate.forecast.change_point import CHANGE_Z, change_z, is_short_memory, likeness
from hotspots.evaluate.forecast.inner_ranking import by_centre, by_lower_median
from hotspots.evaluate.forecast.options import ForecastOptions
from hotspots.evaluate.forecast.scoring import MonthCounts
from hotspots.evaluate.forecast.smoothing import StoredMonths
from hotspots.evaluate.forecast.support import Support
from hotspots.evaluate.forecast.tiers import tiered_score
from hotspots.evaluate.grid import Grid
from hotspots.periods import add_months

if TYPE_CHECKING:
    from hotspots.evaluate.forecast_features import FeatureLayers

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Forecast:
    """Ranking score per study cell for one month, what was chosen (``info``) and the blend
    chosen at each target coverage (``tier_values``: the chosen candidates each scaled to sum 1
    and averaged, so they sum to 1 whatever the ranking blend)."""

    score: FloatArray
    info: dict[str, Any]
    tier_values: dict[float, FloatArray] = field(default_factory=dict)


class Forecaster:
    """Forecasts of the months of one store (cell counts per month), memoised across months.

    One instance per thread: it keeps its memos and smoothing buffers without locks (the
    back-test and :func:`~hotspots.evaluate.next_month.next_month` each make their own).

    Parameters
    ----------
    grid
        The evaluation grid.
    counts
        Drug offences per study cell for each stored ``YYYY-MM`` month.
    options
        :class:`~hotspots.evaluate.forecast.options.ForecastOptions`.
    features
        Layers beyond the drug counts (other crime types, snap points, wards) whose candidate
        families (:mod:`hotspots.evaluate.forecast_features`) join the choice; none by default.
    """

    def __init__(
        self,
        grid: Grid,
        counts: dict[str, FloatArray],
        options: ForecastOptions | None = None,
        features: FeatureLayers | None = None,
    ) -> None:
        self.grid = grid
        self.features = features
        self.counts = {m: np.asarray(v, dtype=float) for m, v in counts.items()}
        self.options = options or ForecastOptions()
        self._candidates: dict[str, dict[str, FloatArray]] = {}
        self._strengths: dict[str, dict[str, float]] = {}
        self._inner: dict[str, dict[str, tuple[float, ...]]] = {}
        self._ranked: dict[str, dict[float, tuple[list[str], float | None]]] = {}
        self._config_pai: dict[tuple[str, float, tuple[int, str]], float] = {}
        self._forecasts: dict[str, Forecast] = {}
        self._month_counts: dict[str, MonthCounts] = {}
        self._names: dict[str, list[str]] = {}
        self._history: dict[str, list[str]] = {}
        self._kept: dict[str, dict[str, FloatArray]] = {}
        # The cells within reach of an offence (every other cell is 0 throughout): the
        # candidates, blends and ranking are compact arrays of them (module support).
        bandwidths = (*self.options.neighbourhood_m, self.options.kde_bandwidth_m)
        self.support = (
            Support.within_reach(grid, self.counts.values(), bandwidths)
            if features is None
            else Support.everywhere(grid)
        )
        self._stored = StoredMonths(grid, self.counts, self.support)
        self._blends = Blends(self.support, (n for n, _ in self.options.blend_configs))

    def history(self, month: str) -> list[str]:
        """The consecutive stored months just before ``month`` (oldest first, at most the cap;
        memoised: the level-2 choice asks for them thousands of times)."""
        if month not in self._history:
            out: list[str] = []
            m = add_months(month, -1)
            while m in self.counts and len(out) < self.options.cap_months:
                out.append(m)
                m = add_months(m, -1)
            self._history[month] = out[::-1]
        return list(self._history[month])

    def candidates(self, month: str) -> dict[str, FloatArray]:
        """Every candidate's score per study cell for ``month``, from the months before it
        only (whole arrays; the forecast itself works on the support's cells)."""
        return {name: self.support.expand(v) for name, v in self._built(month).items()}

    def _built(self, month: str) -> dict[str, FloatArray]:
        """Every candidate for ``month`` as a compact array of the support's cells."""
        if month not in self._candidates:
            self._candidates[month] = self._build(month)
            self._names[month] = list(self._candidates[month])
        return self._candidates[month]

    def _candidate_names(self, month: str) -> list[str]:
        """The names of :meth:`candidates` for ``month``, in order."""
        if month not in self._names:
            self._built(month)
        return self._names[month]

    def _candidate(self, month: str, name: str) -> FloatArray:
        """One candidate for ``month`` (compact): kept after scoring (:meth:`inner_scores`) or
        built."""
        kept = self._kept.get(month)
        if kept is not None and name in kept:
            return kept[name]
        return self._built(month)[name]

    def _build(self, month: str) -> dict[str, FloatArray]:
        """The candidates for ``month`` (and their shrinkage strengths in ``_strengths``)."""
        out, self._strengths[month] = build_candidates(
            month, self.history(month), self._stored, self.options, self.features
        )
        return out

    def inner_scores(self, month: str) -> dict[str, tuple[float, ...]]:
        """PAI of every candidate on ``month`` (fitted on the months before it), per target
        coverage; empty when ``month`` has no history or no offences."""
        if month in self._inner:
            return self._inner[month]
        out: dict[str, tuple[float, ...]] = {}
        actual = self._scorer(month)
        if actual.total > 0:
            cands = self._built(month)
            coverages = self._scored_coverages()
            for name, score in cands.items():
                out[name] = actual.pais(score, coverages)
            # Only the candidates the blends can take are used again (the best ``n`` of the
            # ranking at each coverage, the ranking being fixed now): the others are let go,
            # which keeps memory (and the cost of fresh memory) near one month's candidates.
            most = max(n for n, _ in self.options.blend_configs)
            keep = {name for names, _ in self.ranking(month).values() for name in names[:most]}
            self._kept[month] = {name: cands[name] for name in keep}
            del self._candidates[month]
        self._inner[month] = out
        self._release_if_done(month)
        return out

    def _scored_coverages(self) -> tuple[float, ...]:
        """The coverages each candidate is scored at on an inner month: the target coverages,
        then (``smallest_band``) half and twice the smallest."""
        covs = self.options.target_coverages
        if not self.options.smallest_band:
            return covs
        c0 = min(covs)
        return (*covs, c0 / 2, min(1.0, 2 * c0))

    def _scorer(self, month: str) -> MonthCounts:
        if month not in self._month_counts:
            self._month_counts[month] = MonthCounts(self.counts[month], self.support)
        return self._month_counts[month]

    def inner_months(self, month: str) -> list[str]:
        """Months before ``month`` (in its history) on which the candidates could be scored."""
        return [m for m in self.history(month) if self.inner_scores(m)]

    def ranking(self, month: str) -> dict[float, tuple[list[str], float | None]]:
        """Level 1: per target coverage, the candidates for ``month`` by median inner PAI on the
        months before it (best first) and the best median; no inner month: the fallback."""
        if month in self._ranked:
            return self._ranked[month]
        cands = self._candidate_names(month)
        inner = self.inner_months(month)
        n_inner = len(inner)
        h_inner = self.options.inner_half_life_months
        weight = {
            m: 1.0 if math.isinf(h_inner) else 0.5 ** ((n_inner - 1 - i) / h_inner)
            for i, m in enumerate(inner)
        }
        likeness_on = self.options.inner_likeness
        if likeness_on:
            z_month = self.change_z(month)
            weight = {m: w * likeness(self.change_z(m), z_month) for m, w in weight.items()}
        out: dict[float, tuple[list[str], float | None]] = {}
        pais = None
        short = self._short_memory_coverages(month)
        if (
            self.options.inner_statistic == "median"
            and math.isinf(h_inner)
            and not likeness_on
            and inner
        ):
            # PAIs as a (candidate, inner month, coverage) array, NaN where not scored.
            missing = (math.nan,) * len(self._scored_coverages())
            pais = np.array(
                [[self.inner_scores(m).get(name, missing) for m in inner] for name in cands],
                dtype=float,
            ).reshape(len(cands), n_inner, -1)
        covs = self.options.target_coverages
        for j, cov in enumerate(covs):
            if pais is not None:
                column = pais[:, :, j]
                if self.options.smallest_band and cov == min(covs):
                    band = [j, len(covs), len(covs) + 1]  # c0, c0 / 2, 2 c0
                    column = pais[:, :, band].mean(axis=2)
                ranked = by_lower_median(column, cands, min(2, n_inner))
            else:
                scores = [(self.inner_scores(m), weight[m]) for m in inner]
                ranked = by_centre(cands, scores, j, self.options.inner_statistic)
            if self.features is not None:
                covs = self.options.target_coverages
                ranked = [r for r in ranked if self.features.offered(r[2], cov, covs)]
            if cov in short:
                ranked = [r for r in ranked if is_short_memory(r[2])] or ranked
            if ranked:
                out[cov] = ([name for _, _, name in ranked], -ranked[0][0])
            elif cands:
                out[cov] = ([self._fallback(cands)], None)
        self._ranked[month] = out
        return out

    def change_z(self, month: str) -> float:
        """The change statistic of ``month``'s history: its last month's force total against
        the months before it (:func:`~hotspots.evaluate.forecast.change_point.change_z`)."""
        totals = [float(self.counts[m].sum()) for m in self.history(month)]
        return change_z(totals, dispersed=self.options.change_rule == "dispersed")

    def _short_memory_coverages(self, month: str) -> set[float]:
        """The target coverages at which ``month``'s level 1 ranks only short-memory
        candidates: none unless a change rule is on and the history ends with a change."""
        rule = self.options.change_rule
        if rule == "none" or abs(self.change_z(month)) <= CHANGE_Z:
            return set()
        covs = self.options.target_coverages
        return {min(covs)} if rule == "short-memory-smallest" else set(covs)

    def config_pai(self, month: str, cov: float, config: tuple[int, str]) -> float:
        """PAI on ``month`` at ``cov`` of a blend configuration's forecast of it (level 2)."""
        key = (month, cov, config)
        if key not in self._config_pai:
            names, _ = self.ranking(month)[cov]
            values = self._blends.blend(month, names[: config[0]], config[1], self._candidate)
            self._config_pai[key] = self._scorer(month).pais(values, (cov,))[0]
            self._release_if_done(month)
        return self._config_pai[key]

    def _release_if_done(self, month: str) -> None:
        """Let go of ``month``'s kept candidates and their ranks once nothing can ask for them:
        its own forecast is made and every blend of it has been scored (level 2), or it has no
        inner month (so no later month scores its blends). Memory then stays near one month's
        candidates whatever the number of months (``docs/forecast.md``, *Store shapes*); a
        candidate asked for again is rebuilt, the same numbers."""
        if month not in self._forecasts or month not in self._kept:
            return
        if self.inner_months(month):
            covs = self.ranking(month)
            configs = self.options.blend_configs
            if any(
                (month, cov, config) not in self._config_pai for cov in covs for config in configs
            ):
                return
        del self._kept[month]
        self._blends.release(month)

    def choose_config(self, month: str, cov: float) -> tuple[tuple[int, str], int]:
        """Level 2: the blend configuration for ``month`` at ``cov`` and the months it was
        chosen on (0: the first configuration by rule, too few months)."""
        configs = self.options.blend_configs
        meta = [m for m in self.inner_months(month) if self.inner_months(m)]
        if len(meta) < self.options.meta_min_months:
            return configs[0], 0
        best: tuple[float, int] | None = None
        for order, config in enumerate(configs):
            values = np.array([self.config_pai(m, cov, config) for m in meta])
            values = values[~np.isnan(values)]
            if len(values) == 0:
                continue
            key = (-float(np.median(values)), order)
            if best is None or key < best:
                best = key
        return (configs[best[1]] if best else configs[0]), len(meta)

    def forecast(self, month: str) -> Forecast:
        """The forecast for ``month``: tiered ranking of the candidates chosen on earlier months."""
        if month in self._forecasts:
            return self._forecasts[month]
        hist = self.history(month)
        cands = self._candidate_names(month)
        ranking = self.ranking(month)
        coverages = sorted(ranking)
        chosen: list[tuple[float, list[str], float | None]] = []
        ranks: dict[float, FloatArray] = {}
        shares: dict[float, FloatArray] = {}
        blend_info: dict[str, Any] = {}
        for cov in coverages:
            names_all, best = ranking[cov]
            config, n_meta = self.choose_config(month, cov)
            names = names_all[: config[0]]
            chosen.append((cov, names, best))
            ranks[cov] = self._blends.blend(month, names, config[1], self._candidate)
            shares[cov] = (
                self._candidate(month, names[0])
                if len(names) == 1
                else self._blends.scaled_mean(month, names, self._candidate)
            )
            blend_info[f"{100 * cov:g}%"] = (config, n_meta)
        expand = self.support.expand
        score = (
            expand(
                tiered_score(
                    [cov for cov, _, _ in chosen],
                    [ranks[cov] for cov, _, _ in chosen],
                    self.grid.n_cells,
                )
            )
            if cands
            else np.zeros(self.grid.n_cells)
        )
        shares = {cov: expand(v) for cov, v in shares.items()}
        strengths = self._strengths.get(month, {})
        info: dict[str, Any] = {
            "history_months": f"{hist[0]}..{hist[-1]}" if hist else None,
            "n_history_months": len(hist),
            "inner_months": len(self.inner_months(month)),
            "features": list(self.features.families) if self.features is not None else [],
            "chosen": {
                f"{100 * cov:g}%": {
                    "candidates": names,
                    "best_inner_pai": pai,
                    "blend": blend_label(blend_info[f"{100 * cov:g}%"][0]),
                    "blend_months": blend_info[f"{100 * cov:g}%"][1],
                    **{
                        "eb_strength_months": {
                            n: round(strengths[n], 3) for n in names if n in strengths
                        }
                    },
                }
                for cov, names, pai in chosen
            },
        }
        if self.options.change_rule != "none":  # the default's info stays as it was
            info["change"] = {
                "rule": self.options.change_rule,
                "z": round(self.change_z(month), 3),
                "short_memory_at": [
                    f"{100 * c:g}%" for c in sorted(self._short_memory_coverages(month))
                ],
            }
        result = Forecast(score, info, shares)
        self._forecasts[month] = result
        self._release_if_done(month)
        return result

    def _fallback(self, cands: Sequence[str]) -> str:
        """No inner month: the long-run cell count plus the middle neighbourhood bandwidth."""
        bands = sorted(b for b in self.options.neighbourhood_m if b > 0)
        if bands:
            name = candidate_name(self.options.transforms[0], bands[len(bands) // 2], math.inf)
            if name in cands:
                return name
        return next(iter(cands))
