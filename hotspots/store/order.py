"""Spatial order of an events file's rows: the Morton (Z-order) key of 1 km grid cells.

``Store(path, spatial_order=True)`` sorts each events file by this key (stably, so rows keep
their source order within a cell); readers restore source order from ``source_row``.

Hand-written (bit interleaving on numpy arrays): ``pymorton`` works one point at a time in Python
(last release 2018), and geopandas' ``GeoSeries.hilbert_distance`` needs point geometries the
writer does not hold at this step. Measured on 1,000,000 random points over a 60 x 100 km area:
this key 82 ms; ``points_from_xy`` 1.0 s plus ``hilbert_distance`` 0.18 s.
"""

from __future__ import annotations

import numpy as np

#: Side of the grid cells whose Morton (Z-order) sorts the rows of an events file, metres.
SORT_CELL_M = 1_000.0


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The bits of 32-bit ``v`` moved to the even positions of a 64-bit word."""
    v = v.astype(np.uint64) & np.uint64(0xFFFFFFFF)
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def _morton_key(xy: np.ndarray) -> np.ndarray:
    """Morton (Z-order) key of each point's :data:`SORT_CELL_M` cell (EPSG:27700 metres)."""
    cells = np.floor(xy / SORT_CELL_M)
    cells = np.clip(cells - cells.min(axis=0), 0, 2**31 - 1).astype(np.int64)
    return _spread_bits(cells[:, 0]) | (_spread_bits(cells[:, 1]) << np.uint64(1))
