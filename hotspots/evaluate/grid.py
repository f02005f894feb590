"""The fixed evaluation grid: square cells over the force area, in British National Grid metres.

Hit rates move with the grid, so the grid is stated in every output. The **origin** is the
force area's lower-left bounds floored to the kilometre (``floor(minx / 1000) * 1000``, same for
y); cells are ``cell_m`` metres square (default 250 m), numbered row by row from the origin. A
cell is **in the study area** when its centre lies in the force area or the force boundary
passes through it (boundary sampled every ``cell_m / 8`` metres), so every offence inside the
force area falls in a study cell. ``A`` (the study area) is the number of study cells times
``cell_m ** 2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from hotspots import schema

#: Default cell side, metres.
CELL_M = 250.0

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """Square cells over a study area (EPSG:27700).

    Attributes
    ----------
    origin_x_m, origin_y_m : float
        Lower-left corner of cell 0, metres.
    cell_m : float
        Cell side, metres.
    nx, ny : int
        Columns and rows of the bounding grid.
    cells : numpy.ndarray
        Flat indices (``row * nx + col``) of the study cells, ascending.
    """

    origin_x_m: float
    origin_y_m: float
    cell_m: float
    nx: int
    ny: int
    cells: IntArray = field(repr=False)
    _position: IntArray = field(repr=False, compare=False)

    @classmethod
    def over(cls, force_area: gpd.GeoDataFrame | gpd.GeoSeries, cell_m: float = CELL_M) -> Grid:
        """The grid of ``cell_m`` cells over a force area (EPSG:27700 polygons)."""
        if force_area.crs is None or not force_area.crs.equals(schema.CRS_BNG):
            raise ValueError(f"force_area must be in {schema.CRS_BNG}; got {force_area.crs}")
        if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
            raise ValueError(f"cell_m: got {cell_m!r}; expected metres > 0")
        area = shapely.union_all(force_area.geometry.to_numpy())
        minx, miny, maxx, maxy = area.bounds
        x0 = math.floor(minx / 1000.0) * 1000.0
        y0 = math.floor(miny / 1000.0) * 1000.0
        nx = max(1, math.ceil((maxx - x0) / cell_m))
        ny = max(1, math.ceil((maxy - y0) / cell_m))
        col, row = np.meshgrid(np.arange(nx), np.arange(ny))
        cx = x0 + (col.ravel() + 0.5) * cell_m
        cy = y0 + (row.ravel() + 0.5) * cell_m
        inside = shapely.contains_xy(area, cx, cy)
        edge = shapely.segmentize(shapely.boundary(area), cell_m / 8.0)
        exy = shapely.get_coordinates(edge)
        ecol = np.clip(((exy[:, 0] - x0) // cell_m).astype(np.intp), 0, nx - 1)
        erow = np.clip(((exy[:, 1] - y0) // cell_m).astype(np.intp), 0, ny - 1)
        inside[erow * nx + ecol] = True
        cells = np.flatnonzero(inside).astype(np.intp)
        position = np.full(nx * ny, -1, dtype=np.intp)
        position[cells] = np.arange(len(cells))
        return cls(x0, y0, float(cell_m), nx, ny, cells, position)

    @property
    def n_cells(self) -> int:
        """Number of study cells."""
        return len(self.cells)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell, m²."""
        return self.cell_m * self.cell_m

    @property
    def area_m2(self) -> float:
        """Study area ``A``, m² (study cells x cell area)."""
        return self.n_cells * self.cell_area_m2

    def describe(self) -> dict[str, Any]:
        """The grid as JSON-ready facts (origin, cell size, counts, area)."""
        return {
            "crs": schema.CRS_BNG,
            "origin_x_m": self.origin_x_m,
            "origin_y_m": self.origin_y_m,
            "origin_rule": "force-area bounds floored to 1 km",
            "cell_m": self.cell_m,
            "nx": self.nx,
            "ny": self.ny,
            "study_cells": self.n_cells,
            "study_area_km2": self.area_m2 / 1e6,
            "study_cell_rule": "centre in the force area, or the force boundary crosses the cell",
        }

    def position(self, xy: FloatArray) -> IntArray:
        """Position (0..n_cells-1) of the study cell holding each point; -1 outside."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        col = np.floor((xy[:, 0] - self.origin_x_m) / self.cell_m).astype(np.intp)
        row = np.floor((xy[:, 1] - self.origin_y_m) / self.cell_m).astype(np.intp)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        out = np.full(len(xy), -1, dtype=np.intp)
        out[ok] = self._position[row[ok] * self.nx + col[ok]]
        return out

    def counts(self, xy: FloatArray) -> FloatArray:
        """Points per study cell (points outside every study cell are not counted)."""
        pos = self.position(xy)
        return np.bincount(pos[pos >= 0], minlength=self.n_cells).astype(float)

    def raster(self, values: FloatArray) -> FloatArray:
        """Study-cell values as a ``(ny, nx)`` array (0 outside the study area)."""
        out = np.zeros(self.nx * self.ny)
        out[self.cells] = values
        return out.reshape(self.ny, self.nx)

    def from_raster(self, raster: FloatArray) -> FloatArray:
        """The study cells of a ``(ny, nx)`` array."""
        return np.asarray(raster, dtype=float).ravel()[self.cells]

    def study_mask(self) -> npt.NDArray[np.bool_]:
        """``(ny, nx)`` booleans: True for study cells."""
        mask = np.zeros(self.nx * self.ny, dtype=bool)
        mask[self.cells] = True
        return mask.reshape(self.ny, self.nx)

    def centres(self) -> FloatArray:
        """``(n_cells, 2)`` x/y of the study cells' centres, metres."""
        row, col = np.divmod(self.cells, self.nx)
        return np.column_stack(
            [
                self.origin_x_m + (col + 0.5) * self.cell_m,
                self.origin_y_m + (row + 0.5) * self.cell_m,
            ]
        )

    def covering(self, polygons: Any) -> list[IntArray]:
        """For each polygon, the positions of the study cells it overlaps (with positive area),
        row by row. The cells of every polygon's bounds are tested in one vectorised call."""
        geoms = np.asarray(polygons, dtype=object).ravel()
        if not len(geoms):
            return []
        bounds = shapely.bounds(geoms)
        ox, oy, side = self.origin_x_m, self.origin_y_m, self.cell_m
        c0 = np.maximum(0, np.floor((bounds[:, 0] - ox) / side)).astype(np.intp)
        c1 = np.minimum(self.nx - 1, np.floor((bounds[:, 2] - ox) / side)).astype(np.intp)
        r0 = np.maximum(0, np.floor((bounds[:, 1] - oy) / side)).astype(np.intp)
        r1 = np.minimum(self.ny - 1, np.floor((bounds[:, 3] - oy) / side)).astype(np.intp)
        width = np.maximum(c1 - c0 + 1, 0)
        counts = width * np.maximum(r1 - r0 + 1, 0)
        owner = np.repeat(np.arange(len(geoms)), counts)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        row = r0[owner] + local // width[owner]
        col = c0[owner] + local % width[owner]
        boxes = shapely.box(
            ox + col * side, oy + row * side, ox + (col + 1) * side, oy + (row + 1) * side
        )
        hit = shapely.area(shapely.intersection(boxes, geoms[owner])) > 0
        pos = self._position[row * self.nx + col]
        keep = hit & (pos >= 0)
        return np.split(pos[keep], np.cumsum(np.bincount(owner[keep], minlength=len(geoms)))[:-1])
