"""Gaussian smoothing of the stored months, done once per month and bandwidth, and the smoothed
means the candidates are built on.

Smoothing (sd ``B`` metres, truncated at 4 sd, zero outside the grid: the ``kde`` method's
kernel) is linear, so the smoothing of a weighted mean of the months is the same weighted mean
of the months each smoothed. :class:`StoredMonths` smooths each stored month once per bandwidth
and keeps it for every later test month; :class:`Neighbourhoods` makes every smoothed mean of
one month's history (the ``cell+B`` and ``kde`` candidates, the shrinkage's neighbourhood
rates) as that weighted mean (one ``einsum`` each). The number of Gaussian filters grows with
months x bandwidths, not with candidates, and the means equal
``scipy.ndimage.gaussian_filter`` of each mean to floating-point rounding (a test checks it;
``docs/forecast.md``, *Cost*).

Every row is a compact array of the cells within reach of an offence
(:mod:`~hotspots.evaluate.forecast.support`); a month is smoothed on each connected part of
that reach in its own box when that costs less than the whole raster (the same numbers).

Why hand-written: the filters are ``scipy.ndimage``'s; what is ours is only which rows are
smoothed when and where, and the buffers kept between calls.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hotspots.evaluate.forecast.means import recency_mean, recency_weights, weighted_sum
from hotspots.evaluate.forecast.options import TRANSFORM_FUNCTIONS
from hotspots.evaluate.forecast.support import TRUNCATE_SD, Support
from hotspots.evaluate.grid import Grid

FloatArray = npt.NDArray[np.float64]


class StoredMonths:
    """Every stored month's counts per study cell as rows in time order (per transform), and
    their Gaussian smoothings, each made once and kept (one instance per thread: no locks).

    Parameters
    ----------
    grid
        The evaluation grid.
    counts
        Drug offences per study cell for each stored ``YYYY-MM`` month.
    support
        The cells computed (:class:`~hotspots.evaluate.forecast.support.Support`; default:
        every study cell): every row is a compact array of them.
    """

    def __init__(
        self, grid: Grid, counts: dict[str, FloatArray], support: Support | None = None
    ) -> None:
        self.grid = grid
        self.counts = counts
        self.support = support or Support.everywhere(grid)
        self.order = sorted(counts)  # stored months in time order
        self.row = {m: i for i, m in enumerate(self.order)}
        self._stacks: dict[str, FloatArray] = {}
        self._smoothed: dict[tuple[str, float], tuple[FloatArray, npt.NDArray[np.bool_]]] = {}
        self._rasters: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._loo_centre: dict[float, float] = {}

    def rows(self, transform: str) -> FloatArray:
        """Every stored month's counts (``transform``-ed), one row per month in time order
        (the support's cells)."""
        if transform not in self._stacks:
            f = TRANSFORM_FUNCTIONS[transform]
            compact = self.support.compact
            stack = np.asarray([f(compact(self.counts[m])) for m in self.order], dtype=float)
            stack.flags.writeable = False
            self._stacks[transform] = stack
        return self._stacks[transform]

    def smoothed(self, transform: str, bandwidth_m: float, span: tuple[int, int]) -> FloatArray:
        """Rows ``span`` of :meth:`rows` each smoothed with sd ``bandwidth_m`` (:meth:`smooth`);
        each stored month is smoothed once per bandwidth and kept for every later month."""
        key = (transform, bandwidth_m)
        if key not in self._smoothed:
            n_rows = len(self.order)
            self._smoothed[key] = (np.zeros((n_rows, self.support.size)), np.zeros(n_rows, bool))
        rows, done = self._smoothed[key]
        for i in np.flatnonzero(~done[span[0] : span[1]]) + span[0]:
            rows[i] = self.smooth(self.rows(transform)[i], bandwidth_m)
            done[i] = True
        return rows[span[0] : span[1]]

    def smooth(self, values: FloatArray, bandwidth_m: float) -> FloatArray:
        """Gaussian smoothing (sd ``bandwidth_m``, truncated at 4 sd, zero outside the grid) of
        a compact array (the support's cells): ``ndimage.gaussian_filter``'s two 1-D passes,
        the same numbers, into buffers kept for the next call (the cells outside the support
        stay zero in the input buffer)."""
        sigma = bandwidth_m / self.grid.cell_m
        ny, nx = self.grid.ny, self.grid.nx
        if self._rasters is None:
            self._rasters = (np.zeros((ny, nx)), np.empty((ny, nx)), np.empty((ny, nx)))
        raster, first, second = self._rasters
        index = self.support.raster_index
        raster.ravel()[index] = values
        boxes = self.support.boxes()
        if boxes is not None:  # each part of the support's reach alone: the same numbers
            out = np.empty(len(values))
            for rows, cols, pos, local in boxes:
                part = ndimage.gaussian_filter1d(
                    raster[rows, cols], sigma, axis=0, mode="constant", truncate=TRUNCATE_SD
                )
                part = ndimage.gaussian_filter1d(
                    part, sigma, axis=1, mode="constant", truncate=TRUNCATE_SD
                )
                out[pos] = part.ravel()[local]
            return out
        ndimage.gaussian_filter1d(
            raster, sigma, axis=0, output=first, mode="constant", truncate=TRUNCATE_SD
        )
        ndimage.gaussian_filter1d(
            first, sigma, axis=1, output=second, mode="constant", truncate=TRUNCATE_SD
        )
        return second.ravel()[index]

    def leave_one_out(
        self, values: FloatArray, bandwidth_m: float, smooth: FloatArray
    ) -> FloatArray:
        """Gaussian neighbourhood mean of ``values`` leaving each cell itself out (``smooth``:
        ``values`` smoothed with sd ``bandwidth_m``)."""
        if bandwidth_m not in self._loo_centre:
            delta = np.zeros((9, 9))
            delta[4, 4] = 1.0
            sigma = bandwidth_m / self.grid.cell_m
            self._loo_centre[bandwidth_m] = float(
                ndimage.gaussian_filter(delta, sigma, mode="constant")[4, 4]
            )
        centre = self._loo_centre[bandwidth_m]
        # np.maximum(smooth - centre * values, 0.0) / (1.0 - centre), in one buffer
        out = centre * values
        np.subtract(smooth, out, out=out)
        np.maximum(out, 0.0, out=out)
        return np.divide(out, 1.0 - centre, out=out)


class Neighbourhoods:
    """The smoothed means of one month's history (rows ``span`` of :class:`StoredMonths`),
    memoised for the candidates built on them.

    Smoothing is linear, so the smoothing of a weighted mean of the months is the same weighted
    mean of the months each smoothed (:meth:`StoredMonths.smoothed`): each stored month is
    smoothed once per bandwidth for every test month instead of every mean being smoothed
    anew. The two agree to floating-point rounding (``docs/forecast.md``, *Cost*).
    """

    def __init__(self, months: StoredMonths, span: tuple[int, int]) -> None:
        self.months = months
        self.span = span
        self._memo: dict[tuple[str, float, float, int], FloatArray] = {}

    def _rows(self, transform: str, bandwidth_m: float) -> FloatArray:
        if bandwidth_m <= 0:
            return self.months.rows(transform)[self.span[0] : self.span[1]]
        return self.months.smoothed(transform, bandwidth_m, self.span)

    def level(self, transform: str, bandwidth_m: float, h: float) -> FloatArray:
        """Recency-weighted mean (half-life ``h``) of the months, smoothed (sd ``bandwidth_m``;
        0: not smoothed, :func:`~hotspots.evaluate.forecast.means.recency_mean` itself)."""
        key = (transform, bandwidth_m, h, 0)
        if key not in self._memo:
            rows = self._rows(transform, bandwidth_m)
            if bandwidth_m <= 0:
                self._memo[key] = recency_mean(rows, h)
            else:
                w = recency_weights(len(rows), h)
                self._memo[key] = weighted_sum(w / w.sum(), rows)
        return self._memo[key]

    def window(self, transform: str, bandwidth_m: float, w: int) -> FloatArray:
        """Plain mean of the last ``w`` months, smoothed (sd ``bandwidth_m`` > 0)."""
        key = (transform, bandwidth_m, 0.0, w)
        if key not in self._memo:
            rows = self._rows(transform, bandwidth_m)[-w:]
            self._memo[key] = weighted_sum(np.full(len(rows), 1.0 / len(rows)), rows)
        return self._memo[key]

    def plus(
        self,
        base: FloatArray,
        transform: str,
        bandwidth_m: float,
        *,
        h: float | None = None,
        window: int = 0,
        season: str | None = None,
    ) -> FloatArray:
        """``base`` (the level ``h`` or the window's mean) plus its smoothing (sd
        ``bandwidth_m``; 0: ``base`` alone), and plus the month ``season`` and its smoothing."""
        out = base
        if bandwidth_m > 0:
            near = (
                self.level(transform, bandwidth_m, h)
                if h is not None
                else self.window(transform, bandwidth_m, window)
            )
            out = base + near
        if season is not None:
            row = self.months.row[season]
            out = out + self.months.rows(transform)[row]
            if bandwidth_m > 0:
                out = out + self.months.smoothed(transform, bandwidth_m, (row, row + 1))[0]
        return out
