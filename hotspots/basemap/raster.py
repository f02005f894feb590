"""Base-map tiles under a static map in British National Grid (EPSG:27700).

:func:`image_bng` reads the Web Mercator tiles covering an extent straight from the file (no
HTTP), mosaics them with Pillow and resamples the mosaic onto the requested BNG pixel grid:
each output pixel's centre is projected to Web Mercator with pyproj (exactly on a grid every
few pixels, linearly in between) and takes the nearest mosaic pixel. Hand-written because it is
short and exact enough (nearest neighbour at about the output resolution) and avoids a
raster-warping dependency (rasterio/GDAL bindings) for one picture; the result is drawn with
``imshow`` under the wards, so the map stays in EPSG:27700.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image
from pyproj import Transformer

from hotspots.basemap.files import BaseMap

__all__ = ["GRID_STEP_PX", "MAX_TILES", "image_bng", "png_bytes"]

#: Pixels between exactly projected grid points (linear in between).
GRID_STEP_PX = 8
#: Most tiles read for one picture (the zoom is lowered until the extent needs no more).
MAX_TILES = 144
_HALF_WORLD_M = 20037508.342789244
_TO_MERCATOR = Transformer.from_crs("EPSG:27700", "EPSG:3857", always_xy=True)


def image_bng(
    basemap: BaseMap,
    bounds_m: tuple[float, float, float, float],
    width_px: int,
    height_px: int,
) -> np.ndarray | None:
    """The base map over ``bounds_m`` (minx, miny, maxx, maxy in EPSG:27700) as an RGBA array of
    ``height_px`` rows (north first) by ``width_px`` columns; transparent where the file has no
    tile. None when the file has no tile over the extent at all."""
    if width_px < 1 or height_px < 1:
        raise ValueError(f"image size must be positive; got {width_px} x {height_px}")
    minx, miny, maxx, maxy = bounds_m
    xs = minx + (np.arange(width_px) + 0.5) * (maxx - minx) / width_px
    ys = maxy - (np.arange(height_px) + 0.5) * (maxy - miny) / height_px
    mx, my = _to_mercator(xs, ys)
    zoom = _zoom(basemap, mx, my, width_px)
    span = 2 * _HALF_WORLD_M / 2**zoom
    # tile coordinates of every output pixel (fractional)
    tx = (mx + _HALF_WORLD_M) / span
    ty = (_HALF_WORLD_M - my) / span
    x0, x1 = int(np.floor(tx.min())), int(np.floor(tx.max()))
    y0, y1 = int(np.floor(ty.min())), int(np.floor(ty.max()))
    mosaic, size = _mosaic(basemap, zoom, x0, x1, y0, y1)
    if mosaic is None:
        return None
    col = np.floor((tx - x0) * size).astype(np.int64)
    row = np.floor((ty - y0) * size).astype(np.int64)
    inside = (col >= 0) & (col < mosaic.shape[1]) & (row >= 0) & (row < mosaic.shape[0])
    out = np.zeros((height_px, width_px, 4), dtype=np.uint8)
    out[inside] = mosaic[row[inside], col[inside]]
    return out


def _to_mercator(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator coordinates of the grid ``xs`` x ``ys`` (BNG): projected exactly every
    :data:`GRID_STEP_PX` pixels and linearly in between (the projection is smooth: the
    difference is far below a pixel, and it is several times faster)."""
    rows = np.unique(np.r_[np.arange(0, len(ys), GRID_STEP_PX), len(ys) - 1])
    cols = np.unique(np.r_[np.arange(0, len(xs), GRID_STEP_PX), len(xs) - 1])
    cx, cy = np.meshgrid(xs[cols], ys[rows])
    coarse = _TO_MERCATOR.transform(cx, cy)
    if len(rows) < 2 or len(cols) < 2:
        gx, gy = np.meshgrid(xs, ys)
        mx, my = _TO_MERCATOR.transform(gx, gy)
        return np.asarray(mx), np.asarray(my)
    # bilinear in between, as matrix products: (rows x coarse rows) @ coarse @ (coarse cols x cols)
    down = _weights(len(ys), rows)
    across = _weights(len(xs), cols).T
    return down @ np.asarray(coarse[0]) @ across, down @ np.asarray(coarse[1]) @ across


def _weights(n: int, knots: np.ndarray) -> np.ndarray:
    """Linear-interpolation weights of positions ``0..n-1`` on ``knots`` (n x len(knots))."""
    identity = np.eye(len(knots))
    return np.stack([np.interp(np.arange(n), knots, column) for column in identity], axis=1)


def png_bytes(image: np.ndarray) -> bytes:
    """An RGBA array as PNG bytes (deterministic: no timestamps)."""
    buffer = io.BytesIO()
    Image.fromarray(image, "RGBA").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _zoom(basemap: BaseMap, mx: np.ndarray, my: np.ndarray, width_px: int) -> int:
    """The zoom whose tiles are about as fine as the output (within the file's zooms), lowered
    until at most :data:`MAX_TILES` tiles cover the extent."""
    metres_per_px = max(float(mx.max() - mx.min()) / width_px, 1e-6)
    wanted = math.ceil(math.log2(2 * _HALF_WORLD_M / (256 * metres_per_px)))
    zoom = min(max(wanted, basemap.min_zoom), basemap.max_zoom)
    while zoom > basemap.min_zoom:
        span = 2 * _HALF_WORLD_M / 2**zoom
        across = math.floor((mx.max() + _HALF_WORLD_M) / span) - math.floor(
            (mx.min() + _HALF_WORLD_M) / span
        )
        down = math.floor((_HALF_WORLD_M - my.min()) / span) - math.floor(
            (_HALF_WORLD_M - my.max()) / span
        )
        if (across + 1) * (down + 1) <= MAX_TILES:
            break
        zoom -= 1
    return zoom


def _mosaic(
    basemap: BaseMap, zoom: int, x0: int, x1: int, y0: int, y1: int
) -> tuple[np.ndarray | None, int]:
    """Tiles x0..x1, y0..y1 of ``zoom`` side by side as one RGBA array, and the tile size."""
    tiles: dict[tuple[int, int], Image.Image] = {}
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            data = basemap.tile(zoom, x, y)
            if data is None:
                continue
            try:
                tiles[x, y] = Image.open(io.BytesIO(data)).convert("RGBA")
            except OSError:  # an undecodable tile is left blank, like a missing one
                continue
    if not tiles:
        return None, 256
    size = next(iter(tiles.values())).width
    mosaic = np.zeros(((y1 - y0 + 1) * size, (x1 - x0 + 1) * size, 4), dtype=np.uint8)
    for (x, y), tile in tiles.items():
        if tile.size != (size, size):
            tile = tile.resize((size, size))
        top, left = (y - y0) * size, (x - x0) * size
        mosaic[top : top + size, left : left + size] = np.asarray(tile)
    return mosaic, size
