"""Writing a store's data files: GeoParquet (events and boundaries) and CSV (rejected rows).

Every file is private to its user (mode 0600, :mod:`hotspots.private`) and flushed to disk
(:func:`_fsync`; a commit's files on threads beside its next writes: :class:`Flusher`) before
the manifest may name it. Layers of 2-D points take the fast path of
:mod:`hotspots.store.points`, in row groups of at most :data:`ROW_GROUP_ROWS`, sorted by
:mod:`hotspots.store.order` when asked; their geometry field and GeoParquet metadata come from
one point written by geopandas (:func:`_point_schema`). A commit runs its writes a few at a
time (:func:`_run_all`).
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyproj

from hotspots.csvsafe import text_cells
from hotspots.private import make_private
from hotspots.store.order import _morton_key
from hotspots.store.points import (
    _compression,
    _point_coordinates,
    _point_coordinates_given,
    _point_layer_table,
)

#: Most rows in one Parquet row group of an events file.
ROW_GROUP_ROWS = 65_536
#: Files written at once by a commit (Arrow's writers release the GIL: two cores, two files).
_WRITERS = 2


def write_parquet(
    frame: gpd.GeoDataFrame,
    path: Path,
    spatial_order: bool,
    xy: np.ndarray | None = None,
    *,
    sync: bool | Callable[[Path], None] = True,
) -> None:
    """Write ``frame`` to ``path`` as GeoParquet (rows in Morton order if ``spatial_order``
    and the frame is a point layer), then flush it to disk (``sync``: a function to hand it to
    instead, e.g. :meth:`Flusher.flush`; false: the caller flushes it).

    ``xy``: the coordinates of ``frame``'s points, in its order, if the caller has them (a
    layer of finite 2-D points made from them); else they are read from the geometries.
    """
    if xy is None or len(xy) != len(frame) or not _point_coordinates_given(frame, xy):
        xy = _point_coordinates(frame)
    if xy is None:
        frame.to_parquet(path, index=False)
    else:
        # The geometry field and GeoParquet metadata are geopandas' own (for one point of the
        # layer's column and CRS, made once per process); the WKB is written from the coordinates.
        table = _point_layer_table(frame, xy, _point_schema(frame.geometry.name, frame.crs))
        if spatial_order:  # see the hotspots.store docstring; Arrow's take, not pandas'
            key = _morton_key(xy)
            if (key[1:] < key[:-1]).any():  # the ingest gives its rows in this order already
                table = table.take(pa.array(np.argsort(key, kind="stable")))
        pq.write_table(
            table,
            path,
            compression=_compression(table.column_names),
            row_group_size=ROW_GROUP_ROWS,
        )
    make_private(path)
    _synced(path, sync)


@functools.lru_cache(maxsize=16)
def _point_schema(name: str, crs: pyproj.CRS | None) -> pa.Schema:
    """The schema geopandas writes for a layer of points in the column ``name`` and ``crs``.

    Its geometry field and ``geo`` metadata (encoding, geometry types, CRS) are the same for
    every file of such a layer but the bounding box, which :func:`_point_layer_table` sets: the
    schema of one point written by geopandas, once per process, stands for all of them (writing
    a first row with geopandas for every events file cost ~5 ms a file).
    """
    sink = io.BytesIO()
    one = gpd.GeoDataFrame({name: gpd.GeoSeries.from_xy([0.0], [0.0], crs=crs)}, geometry=name)
    one.to_parquet(sink, index=False)
    return pq.read_schema(pa.BufferReader(sink.getvalue()))


def write_csv(
    frame: pd.DataFrame, path: Path, *, sync: bool | Callable[[Path], None] = True
) -> None:
    """Write ``frame`` to ``path`` as CSV, every value as text, a cell a spreadsheet would run
    as a formula made inert (:func:`hotspots.csvsafe.text_cells`: people open the rejected rows
    to see why), then flush it to disk (unless not ``sync``, as :func:`write_parquet`)."""
    columns = [text_cells(_csv_text(frame.iloc[:, i])) for i in range(frame.shape[1])]
    table = pa.Table.from_arrays(columns, names=[str(name) for name in frame.columns])
    pacsv.write_csv(table, path)
    make_private(path)
    _synced(path, sync)


def _synced(path: Path, sync: bool | Callable[[Path], None]) -> None:
    """Flush ``path`` to disk now (``sync`` true), hand it to ``sync``, or neither."""
    if callable(sync):
        sync(path)
    elif sync:
        _fsync(path)


class Flusher:
    """Flushes files to disk on threads, each as soon as it is written (:meth:`flush`), while
    the next files are written; :meth:`wait` until all are on disk. An ``fsync`` waits for the
    disk, not the CPU, and the file system commits those issued together in one go (a commit's
    27 files: 5-10x less wall time than one after another; a large events file's flush runs
    beside the other writes)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="fsync")
        self._pending: list[Future[None]] = []

    def flush(self, path: Path) -> None:
        """Start flushing ``path`` to disk."""
        self._pending.append(self._pool.submit(_fsync, path))

    def wait(self) -> None:
        """Return once every file passed to :meth:`flush` is on disk (or raise its error)."""
        for future in self._pending:
            future.result()

    def __enter__(self) -> Flusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _run_all(writes: Sequence[Callable[[], None]]) -> None:
    """Run every write, a few at a time; re-raise the first failure once all have stopped."""
    pool = ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="store-write")
    try:
        for future in [pool.submit(write) for write in writes]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _csv_text(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """``column.astype(str)`` as Arrow strings (Arrow casts for text and integers: much faster)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        return pa.array(column.array)
    if pd.api.types.is_integer_dtype(column.dtype) and not isinstance(
        column.dtype, pd.api.extensions.ExtensionDtype
    ):
        return pa.array(column.to_numpy()).cast(pa.large_string())
    return pa.array(column.astype(str).array)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
