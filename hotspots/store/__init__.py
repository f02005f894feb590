"""The embedded store: a directory of GeoParquet files and a JSON manifest. No server.

Layout::

    <store>/manifest.json                     what is current (the only file readers trust)
    <store>/events/<layer>/force=<force>/<key>.<token>.parquet   kept events of one source
    <store>/rejected/<key>.<token>.csv        rejected rows of that source, with reasons
    <store>/boundaries/<name>.<token>.parquet wards and force area used for the join

(format 2; format 1 stores, without the ``force=`` level and the spatial order, must be
re-ingested: :meth:`Store.manifest` says so.)

**Partitions.** One events file per source: a police.uk source is one force and one month, so the
files are force x month partitions. The manifest records each source's ``force``, ``months`` and
``bbox`` (EPSG:27700 metres), so :meth:`Store.event_files` (and :meth:`Store.load`) read only the
files of a period, a force or an area; the ``force=<force>`` directory level (Hive style) lets
other GeoParquet readers (dask-geopandas, DuckDB, Spark) prune by force without the manifest.
Events files are written in row groups of at most :data:`ROW_GROUP_ROWS`; each file's
GeoParquet metadata carries its bounding box, which dask-geopandas reads as the partition's
extent. The rows of each file are sorted spatially (Morton order of 1 km cells, source order
within a cell; ``Store(path, spatial_order=False)`` keeps source order; the entry's
``row_order`` says which). :meth:`Store.load` and the event export return rows in source order
whatever the order on disk.

Layout before format 2::

    <store>/events/<layer>/<key>.<token>.parquet   kept events of one source, EPSG:27700
    <store>/rejected/<key>.<token>.csv        rejected rows of that source, with reasons
    <store>/boundaries/<name>.<token>.parquet wards and force area used for the join

The unit of replacement is a **source**: one published file, identified by its *source key*
(``street:2025-07:cambridgeshire`` for police.uk's ``2025-07-cambridgeshire-street.csv``, or
the kind and file name otherwise). Ingesting a source whose key is already stored replaces it, so
re-running an ingest or loading a re-published month never duplicates anything. A replacement
that would keep no rows, or fewer than half the stored source's rows, is refused unless confirmed
(:mod:`.replacement`). Re-ingesting what the store already holds changes nothing: not a file,
not the manifest, not the data version (:mod:`.sameness`).

Writes are atomic: new files get fresh names, then ``manifest.json`` is replaced in one
``os.replace``; files the new manifest no longer names are deleted afterwards. A crash or Ctrl-C
at any point leaves either the old or the new manifest, each naming only complete files. An
exclusive lock file keeps two ingests from racing.

Modules: :mod:`.keys` (source keys, force partitions, slugs, ingest tokens), :mod:`.batch`
(:class:`SourceBatch` and where its files go), :mod:`.manifest` (format version; reading,
replacing and garbage-collecting by the manifest), :mod:`.reading` (selecting and loading
sources), :mod:`.writing` (Parquet and CSV files, fsync), :mod:`.points` (the fast path for point
layers), :mod:`.order` (spatial order), :mod:`.replacement` (the rule against losing rows on
replacement), :mod:`.sameness` (a source the store already holds as it is is not written again;
an ingest of nothing new keeps the version), :mod:`.core` (:class:`Store`, composing them).
Every file and folder the store creates is private to its user (0600 / 0700,
:mod:`hotspots.private`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hotspots.store.core import Store
from hotspots.store.keys import _POLICE_UK_NAME as _POLICE_UK_NAME
from hotspots.store.keys import _slug as _slug
from hotspots.store.keys import new_token, source_force, source_key
from hotspots.store.manifest import FORMAT_VERSION, MANIFEST
from hotspots.store.manifest import _empty_manifest as _empty_manifest

# Names from the modules that need geopandas/pyarrow are imported on first use (PEP 562), so
# reading the manifest (`hotspots status`) does not load them.
_LAZY: dict[str, str] = {
    "SourceBatch": "hotspots.store.batch",
    "_placed_entry": "hotspots.store.batch",
    "SORT_CELL_M": "hotspots.store.order",
    "_morton_key": "hotspots.store.order",
    "_spread_bits": "hotspots.store.order",
    "_compression": "hotspots.store.points",
    "_point_coordinates": "hotspots.store.points",
    "_point_layer_table": "hotspots.store.points",
    "_point_wkb": "hotspots.store.points",
    "_overlaps": "hotspots.store.reading",
    "_read_in_source_order": "hotspots.store.reading",
    "_WRITERS": "hotspots.store.writing",
    "ROW_GROUP_ROWS": "hotspots.store.writing",
    "_csv_text": "hotspots.store.writing",
    "_fsync": "hotspots.store.writing",
    "_run_all": "hotspots.store.writing",
}


def __getattr__(name: str) -> Any:
    """Import a name's module on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'hotspots.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from hotspots.store.batch import SourceBatch as SourceBatch
    from hotspots.store.batch import _placed_entry as _placed_entry
    from hotspots.store.order import SORT_CELL_M as SORT_CELL_M
    from hotspots.store.order import _morton_key as _morton_key
    from hotspots.store.order import _spread_bits as _spread_bits
    from hotspots.store.points import _compression as _compression
    from hotspots.store.points import _point_coordinates as _point_coordinates
    from hotspots.store.points import _point_layer_table as _point_layer_table
    from hotspots.store.points import _point_wkb as _point_wkb
    from hotspots.store.reading import _overlaps as _overlaps
    from hotspots.store.reading import _read_in_source_order as _read_in_source_order
    from hotspots.store.writing import _WRITERS as _WRITERS
    from hotspots.store.writing import ROW_GROUP_ROWS as ROW_GROUP_ROWS
    from hotspots.store.writing import _csv_text as _csv_text
    from hotspots.store.writing import _fsync as _fsync
    from hotspots.store.writing import _run_all as _run_all

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "ROW_GROUP_ROWS",
    "SORT_CELL_M",
    "SourceBatch",
    "Store",
    "new_token",
    "source_force",
    "source_key",
]
