"""The study cells within reach of an offence: where the forecast computes anything.

Every candidate of the drug counts (:mod:`~hotspots.evaluate.forecast.candidates`) is a sum,
product or smoothing of the stored months' counts, and every smoothing kernel is a Gaussian
truncated at :data:`TRUNCATE_SD` sd (``scipy.ndimage``'s default; its two 1-D passes reach
``int(4 sd / cell + 0.5)`` cells each way, a square). A cell further than the widest kernel's
reach from every offence of every stored month is therefore exactly 0 in every candidate, every
blend and the ranking, for every month. :class:`Support` is the other cells (the square
dilation of the cells with an offence in any stored month), and the forecast works on arrays of
those cells only (*compact* arrays): a rural force's cost follows its towns, not its area.

The results are the same bit for bit (``benchmarks/forecast_equivalence.py``;
``docs/forecast.md``, *Cost*), because

- each cell's value is computed by the same operations in the same order on fewer cells (sums
  over months, element-wise arithmetic, the same Gaussian filters);
- the sums over cells (the shrinkage's strength, the scaled blends) are taken over the array
  re-expanded with its zeros (:meth:`Support.cell_sum`): a sum's rounding depends on where
  the zeros are;
- the PAIs, the ranks and the tiers count the cells left out as what they are, cells of value
  0, tied with the lowest when the lowest is 0 (every candidate of the drug counts is >= 0).

Using the support of every stored month (not of one month's history) reads no later month into
a forecast: a cell in the support with no offence in a month's history is 0 there, exactly as
when every cell is computed. The families from the store's other layers are not 0 away from the
drug offences, so with them every cell is computed (:meth:`Support.everywhere`).

Why hand-written: an index array and a dilation (``scipy.ndimage.maximum_filter``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hotspots.evaluate.grid import Grid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Sd at which the Gaussian smoothing kernels are truncated (``scipy.ndimage``'s default).
TRUNCATE_SD = 4.0
#: What one more box costs the smoothing, in cells filtered: its two filter calls cost about
#: as much as filtering 1,000 cells (measured: 40-60 us a box, 45 ns a cell).
BOX_COST_CELLS = 1000

#: One box of :meth:`Support.boxes`: its rows and columns of the raster, the positions (in the
#: compact arrays) of the support's cells it answers for and their flat indices in the box.
Box = tuple[slice, slice, IntArray, IntArray]


def reach_cells(bandwidth_m: float, cell_m: float) -> int:
    """Cells each way a Gaussian of sd ``bandwidth_m`` reaches (``scipy.ndimage``'s radius)."""
    return int(TRUNCATE_SD * float(bandwidth_m / cell_m) + 0.5) if bandwidth_m > 0 else 0


class Support:
    """The study cells the forecast computes (ascending positions among the study cells).

    Parameters
    ----------
    n_cells
        The number of study cells.
    cells
        Positions (0..n_cells-1, ascending, unique) of the cells computed; ``None``: all.
    raster_index
        Flat raster indices (``row * nx + col``) of those cells.
    reach
        ``(ny, nx)`` booleans: the dilation the cells were taken from (study cells or not);
        ``None``: every cell.
    """

    def __init__(
        self,
        n_cells: int,
        cells: IntArray | None,
        raster_index: IntArray,
        reach: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        self.n_cells = n_cells
        self.reach = reach
        self._boxes: list[Box] | None = None
        self._whole: FloatArray | None = None  # cell_sum's buffer: 0 outside the support
        self.full = cells is None or len(cells) == n_cells
        self.cells: IntArray = (
            np.arange(n_cells, dtype=np.intp) if cells is None else np.asarray(cells, np.intp)
        )
        self.raster_index = raster_index
        self.size = len(self.cells)

    @classmethod
    def everywhere(cls, grid: Grid) -> Support:
        """Every study cell (the families from the other layers)."""
        return cls(grid.n_cells, None, np.asarray(grid.cells, dtype=np.intp))

    @classmethod
    def within_reach(
        cls, grid: Grid, counts: Iterable[FloatArray], bandwidths_m: Iterable[float]
    ) -> Support:
        """The study cells within the widest kernel's reach (``bandwidths_m``) of a cell with
        an offence in any of ``counts`` (each month's offences per study cell); every study
        cell when no cell has an offence."""
        n = grid.n_cells
        busy = np.zeros(n, dtype=bool)
        for values in counts:
            busy |= np.asarray(values) != 0
        if not busy.any():
            return cls.everywhere(grid)
        r = max((reach_cells(b, grid.cell_m) for b in bandwidths_m), default=0)
        raster = grid.raster(busy.astype(float))
        if r > 0:
            raster = ndimage.maximum_filter(raster, size=2 * r + 1, mode="constant", cval=0.0)
        cells = np.flatnonzero(grid.from_raster(raster) > 0)
        if len(cells) == n:
            return cls.everywhere(grid)
        return cls(n, cells, np.asarray(grid.cells, dtype=np.intp)[cells], raster > 0)

    def boxes(self) -> list[Box] | None:
        """The bounding boxes of the connected parts of the reach, for smoothing each box
        alone (:meth:`~hotspots.evaluate.forecast.smoothing.StoredMonths.smooth`); ``None``
        when filtering the whole raster costs less (or the support is every cell).

        Exact: an offence within a kernel's reach of a support cell lies in the same part of
        the reach as the cell (its square of reach holds the cell and is connected), so inside
        that part's box; the cells of the box beyond it add the same zeros either way. A box
        answers only for its own part's cells (another part's box may overlap it)."""
        if self.reach is None:
            return None
        if self._boxes is None:
            labels, _ = ndimage.label(self.reach)
            nx = self.reach.shape[1]
            label_of = labels.ravel()[self.raster_index]
            order = np.argsort(label_of, kind="stable")
            starts = np.searchsorted(label_of[order], np.arange(1, labels.max() + 2))
            boxes: list[Box] = []
            for i, (rows, cols) in enumerate(ndimage.find_objects(labels)):
                pos = order[starts[i] : starts[i + 1]]
                if not len(pos):  # a part holding no study cell
                    continue
                r, c = np.divmod(self.raster_index[pos], nx)
                width = cols.stop - cols.start
                local = (r - rows.start) * width + (c - cols.start)
                boxes.append((rows, cols, pos, local))
            self._boxes = boxes
        ny, nx = self.reach.shape
        cost = sum(
            (b[0].stop - b[0].start) * (b[1].stop - b[1].start) + BOX_COST_CELLS
            for b in self._boxes
        )
        return self._boxes if cost < ny * nx else None

    def compact(self, values: FloatArray) -> FloatArray:
        """The support's cells of a whole array of the study cells."""
        return values if self.full else values[self.cells]

    def expand(self, values: FloatArray) -> FloatArray:
        """A compact array as a whole array of the study cells (0 outside the support)."""
        if self.full:
            return values
        out = np.zeros(self.n_cells)
        out[self.cells] = values
        return out

    def cell_sum(self, values: FloatArray) -> float:
        """The sum over every study cell of a compact array: the same number as the whole
        array's ``sum`` (summed re-expanded with its zeros, so the rounding is the same; in a
        buffer kept for the next call, whose cells outside the support stay 0)."""
        if self.full:
            return float(values.sum())
        if self._whole is None:
            self._whole = np.zeros(self.n_cells)
        self._whole[self.cells] = values
        return float(self._whole.sum())

    def positions(self, where: IntArray) -> IntArray:
        """Positions in the compact arrays of study cells ``where`` (all in the support)."""
        if self.full:
            return where
        at = np.searchsorted(self.cells, where)
        if len(where) and not np.array_equal(self.cells[np.minimum(at, self.size - 1)], where):
            raise ValueError("cells outside the forecast's support")
        return at
