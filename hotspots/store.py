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
extent. With ``Store(path, spatial_order=True)`` the rows of each file are sorted spatially
(Morton order of 1 km cells, source order within a cell; the entry's ``row_order`` says which).
:meth:`Store.load` returns rows in source order whatever the order on disk; the event export
streams files as stored, which is why source order is the default.

Layout before format 2::

    <store>/events/<layer>/<key>.<token>.parquet   kept events of one source, EPSG:27700
    <store>/rejected/<key>.<token>.csv        rejected rows of that source, with reasons
    <store>/boundaries/<name>.<token>.parquet wards and force area used for the join

The unit of replacement is a **source**: one published file, identified by its *source key*
(``street:2025-07:cambridgeshire`` for police.uk's ``2025-07-cambridgeshire-street.csv``, or
the kind and file name otherwise). Ingesting a source whose key is already stored replaces it, so
re-running an ingest or loading a re-published month never duplicates anything.

Writes are atomic: new files get fresh names, then ``manifest.json`` is replaced in one
``os.replace``; files the new manifest no longer names are deleted afterwards. A crash or Ctrl-C
at any point leaves either the old or the new manifest, each naming only complete files. An
exclusive lock file keeps two ingests from racing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from hotspots import schema
from hotspots.errors import StoreError

MANIFEST = "manifest.json"
FORMAT_VERSION = 2
#: Most rows in one Parquet row group of an events file.
ROW_GROUP_ROWS = 65_536
#: Side of the grid cells whose Morton (Z-order) sorts the rows of an events file, metres.
SORT_CELL_M = 1_000.0
_POLICE_UK_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>.+?)-(?P<what>street|stop-and-search|outcomes)\.csv$"
)


def source_key(kind: str, file_name: str) -> str:
    """The identity of a published source file (see the module docstring)."""
    match = _POLICE_UK_NAME.match(file_name)
    if match and kind in ("street", "stop_search"):
        return f"{kind}:{match['month']}:{match['force']}"
    return f"{kind}:{file_name}"


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[:120]


def source_force(key: str) -> str:
    """The force partition of a source: police.uk's force name, else ``unknown``.

    >>> source_force("street:2025-07:cambridgeshire")
    'cambridgeshire'
    """
    kind, _, rest = key.partition(":")
    if kind in ("street", "stop_search") and re.fullmatch(r"\d{4}-\d{2}:.+", rest):
        return _slug(rest.split(":", 1)[1]) or "unknown"
    return "unknown"


@dataclass(frozen=True)
class SourceBatch:
    """One source's contribution to a commit (built by :mod:`hotspots.ingest`)."""

    key: str
    entry: dict[str, Any]
    events: gpd.GeoDataFrame
    rejected: pd.DataFrame


class Store:
    """An embedded store rooted at ``path`` (created on first commit).

    Parameters
    ----------
    path
        The store directory.
    spatial_order
        Write each events file's rows in spatial (Morton) order rather than source order.
    """

    def __init__(self, path: str | Path, *, spatial_order: bool = False) -> None:
        self.path = Path(path)
        self.spatial_order = spatial_order

    # -- reading -------------------------------------------------------------------------------
    def file(self, rel: str) -> Path:
        """The store file a manifest names, refusing any name that would leave the store
        (absolute paths, ``..``): a tampered manifest can never make a reader read elsewhere."""
        path = Path(rel)
        if path.is_absolute() or ".." in path.parts or not rel:
            raise StoreError(f"{self.path / MANIFEST}: names {rel!r}, outside the store")
        return self.path / path

    def exists(self) -> bool:
        """True when the store has a manifest."""
        return (self.path / MANIFEST).is_file()

    def manifest(self) -> dict[str, Any]:
        """The current manifest (an empty one for a store not yet written)."""
        file = self.path / MANIFEST
        if not file.is_file():
            return _empty_manifest()
        try:
            data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{file}: unreadable manifest ({exc})") from None
        if data.get("format") != FORMAT_VERSION:
            if isinstance(data.get("format"), int) and data["format"] < FORMAT_VERSION:
                raise StoreError(
                    f"{file}: store format {data['format']}, older than this version's "
                    f"{FORMAT_VERSION} (events partitioned by force, extents in the manifest); "
                    "re-run `hotspots demo` or `hotspots ingest` into a new --store (the "
                    "source files are listed in this manifest)"
                )
            raise StoreError(
                f"{file}: store format {data.get('format')!r}, expected {FORMAT_VERSION}"
            )
        return data

    def sources(self, layer: str | None = None) -> list[dict[str, Any]]:
        """Manifest entries of the stored sources, optionally of one layer, by key."""
        entries = self.manifest()["sources"].values()
        return sorted(
            (e for e in entries if layer is None or e["layer"] == layer), key=lambda e: e["key"]
        )

    def select(
        self,
        layers: Sequence[str] | None = None,
        months: Sequence[str] | None = None,
        forces: Sequence[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> list[dict[str, Any]]:
        """Manifest entries of the sources holding any of ``layers``, ``months``, ``forces``
        and overlapping ``bbox`` (``xmin, ymin, xmax, ymax`` in EPSG:27700 metres); ``None``
        matches all. Sorted by source key: the partitions a query needs to read."""
        wanted = set(months) if months is not None else None
        out = []
        for entry in self.sources():
            if layers is not None and entry["layer"] not in layers:
                continue
            if wanted is not None and not wanted.intersection(entry["months"]):
                continue
            if forces is not None and entry.get("force") not in forces:
                continue
            if bbox is not None and not _overlaps(entry.get("bbox"), bbox):
                continue
            out.append(entry)
        return out

    def event_files(
        self,
        layers: Sequence[str] | None = None,
        months: Sequence[str] | None = None,
        forces: Sequence[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> list[Path]:
        """Paths of the GeoParquet events files :meth:`select` picks (for dask-geopandas & co)."""
        return [self.file(e["events_file"]) for e in self.select(layers, months, forces, bbox)]

    def load(
        self,
        layers: Sequence[str] | None = None,
        months: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
        *,
        forces: Sequence[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Load stored events.

        Parameters
        ----------
        layers
            Layers to load (default all).
        months
            ``YYYY-MM`` months to keep (default all); files holding none of them are not read.
        columns
            Columns to read besides ``geometry`` (default all).
        forces
            Force partitions to read (``entry["force"]``, default all).

        Returns
        -------
        geopandas.GeoDataFrame
            Events in EPSG:27700, ordered by layer, source key and source row.
        """
        wanted = set(months) if months is not None else None
        frames = []
        for entry in self.select(layers, months, forces):
            frame = _read_in_source_order(self.file(entry["events_file"]), columns)
            if wanted is not None:
                frame = frame[frame[schema.MONTH].isin(wanted)]
            frames.append(frame)
        if not frames:
            return gpd.GeoDataFrame(
                {c: pd.Series(dtype=object) for c in (columns or schema.EVENT_COLUMNS)},
                geometry=gpd.GeoSeries([], crs=schema.CRS_BNG),
                crs=schema.CRS_BNG,
            )
        out = pd.concat(frames, ignore_index=True)
        return gpd.GeoDataFrame(out, geometry="geometry", crs=schema.CRS_BNG)

    def load_boundary(self, name: str) -> gpd.GeoDataFrame:
        """Load the stored ``wards`` or ``force_area`` (EPSG:27700)."""
        entry = self.manifest()["boundaries"].get(name)
        if entry is None:
            raise StoreError(f"{self.path}: no {name} stored yet; run `hotspots ingest` first")
        return gpd.read_parquet(self.file(entry["file"]))

    def stored_ids(self, layer: str, exclude_keys: set[str]) -> set[str]:
        """Event ids stored for ``layer`` by sources other than ``exclude_keys``."""
        ids: set[str] = set()
        for entry in self.sources(layer):
            if entry["key"] in exclude_keys:
                continue
            table = pd.read_parquet(self.file(entry["events_file"]), columns=[schema.EVENT_ID])
            ids.update(table[schema.EVENT_ID].tolist())
        return ids

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's exclusive write lock (fails at once if another ingest holds it)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"{self.path}: another ingest is writing this store") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def commit(
        self,
        batches: Sequence[SourceBatch],
        boundaries: dict[str, tuple[gpd.GeoDataFrame, dict[str, Any]]],
        ingest_record: dict[str, Any],
    ) -> dict[str, Any]:
        """Write ``batches`` (replacing stored sources of the same keys) and boundaries, atomically.

        Call inside :meth:`locked`. Returns the new manifest. The same as :meth:`write_source`
        for each batch followed by :meth:`publish`, with the writes run a few at a time.
        """
        token = ingest_record["token"]
        written: list[Path] = []
        writes: list[tuple[int, Callable[[], None]]] = []  # (rows, write): longest first
        entries: list[dict[str, Any]] = []
        try:
            for batch in batches:
                entry, events_rel, rejected_rel = _placed_entry(batch, token, self.spatial_order)
                events, rejected = batch.events, batch.rejected
                writes.append(
                    (len(events), partial(self._write_parquet, events, events_rel, written, True))
                )
                writes.append(
                    (len(rejected), partial(self._write_csv, rejected, rejected_rel, written))
                )
                entries.append(entry)
            _run_all([write for _, write in sorted(writes, key=lambda w: -w[0])])
            return self.publish(entries, boundaries, ingest_record)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise

    def write_source(self, batch: SourceBatch, token: str) -> dict[str, Any]:
        """Write one source's events and rejected rows under fresh names; return its entry.

        Nothing is visible until :meth:`publish` names the files (a distributed ingest runs
        this on the workers, each writing its own files; the store directory must be shared).
        On failure the files written are removed.
        """
        entry, events_rel, rejected_rel = _placed_entry(batch, token, self.spatial_order)
        written: list[Path] = []
        try:
            self._write_parquet(batch.events, events_rel, written, True)
            self._write_csv(batch.rejected, rejected_rel, written)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        return entry

    def discard(self, entries: Sequence[dict[str, Any]]) -> None:
        """Delete the files of unpublished ``entries`` (from :meth:`write_source`)."""
        for entry in entries:
            for rel in (entry["events_file"], entry["rejected_file"]):
                with contextlib.suppress(OSError):
                    (self.path / rel).unlink()

    def publish(
        self,
        entries: Sequence[dict[str, Any]],
        boundaries: dict[str, tuple[gpd.GeoDataFrame, dict[str, Any]]],
        ingest_record: dict[str, Any],
    ) -> dict[str, Any]:
        """Write the boundaries and replace the manifest so it names ``entries`` (atomically).

        ``entries`` come from :meth:`write_source` (files already written); sources of the
        same keys are replaced. Call inside :meth:`locked`. On failure the boundary files
        written are removed (the caller discards the entries' files). Returns the new manifest.
        """
        old = self.manifest()
        token = ingest_record["token"]
        new = json.loads(json.dumps(old))
        written: list[Path] = []
        try:
            for name, (frame, meta) in boundaries.items():
                current = old["boundaries"].get(name)
                if current and current.get("sha256") == meta.get("sha256"):
                    continue
                rel = f"boundaries/{name}.{token}.parquet"
                self._write_parquet(frame, rel, written)
                new["boundaries"][name] = {**meta, "file": rel}
            for entry in entries:
                new["sources"][entry["key"]] = entry
            new["ingests"].append(ingest_record)
            new["version"] = token
            new["updated"] = ingest_record["finished"]
            self._replace_manifest(new)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        self._collect_garbage(new)
        return new

    def _write_parquet(
        self, frame: gpd.GeoDataFrame, rel: str, written: list[Path], events: bool = False
    ) -> None:
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(path)
        xy = _point_coordinates(frame)
        if xy is None:
            frame.to_parquet(path, index=False)
        else:
            if events and self.spatial_order:  # see the module docstring
                order = np.argsort(_morton_key(xy), kind="stable")
                frame, xy = frame.take(order), xy[order]
            # geopandas writes the first row (the schema and GeoParquet metadata are its own),
            # then the whole layer replaces it, its WKB written straight from the coordinates.
            frame.iloc[:1].to_parquet(path, index=False)
            table = _point_layer_table(frame, xy, pq.read_schema(path))
            pq.write_table(
                table,
                path,
                compression=_compression(table.column_names),
                row_group_size=ROW_GROUP_ROWS,
            )
        _fsync(path)

    def _write_csv(self, frame: pd.DataFrame, rel: str, written: list[Path]) -> None:
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(path)
        columns = [_csv_text(frame.iloc[:, i]) for i in range(frame.shape[1])]
        table = pa.Table.from_arrays(columns, names=[str(name) for name in frame.columns])
        pacsv.write_csv(table, path)
        _fsync(path)

    def _replace_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.path / f".{MANIFEST}.{secrets.token_hex(4)}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path / MANIFEST)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        _fsync(self.path)

    def _collect_garbage(self, manifest: dict[str, Any]) -> None:
        """Delete data files the manifest does not name (left by replaced sources or crashes)."""
        keep = {e["events_file"] for e in manifest["sources"].values()}
        keep |= {e["rejected_file"] for e in manifest["sources"].values()}
        keep |= {b["file"] for b in manifest["boundaries"].values()}
        for folder in ("events", "rejected", "boundaries"):
            root = self.path / folder
            if not root.is_dir():
                continue
            for file in root.rglob("*"):
                if file.is_file() and file.relative_to(self.path).as_posix() not in keep:
                    with contextlib.suppress(OSError):
                        file.unlink()
        for stale in self.path.glob(f".{MANIFEST}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _placed_entry(
    batch: SourceBatch, token: str, spatial_order: bool
) -> tuple[dict[str, Any], str, str]:
    """A batch's manifest entry with its partition, extent and file names (and the names)."""
    slug = _slug(batch.key)
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,100}", batch.key.partition(":")[2]):
        # A lossy slug ('a b.csv' and 'a_b.csv' both give 'a_b.csv'; long names are cut):
        # a digest of the key keeps two sources of one ingest from sharing one file.
        digest = hashlib.sha256(batch.key.encode("utf-8", "surrogatepass")).hexdigest()
        slug = f"{slug[:100]}-{digest[:12]}"
    force = source_force(batch.key)
    events_rel = f"events/{batch.entry['layer']}/force={force}/{slug}.{token}.parquet"
    rejected_rel = f"rejected/{slug}.{token}.csv"
    bbox = None
    if len(batch.events):
        bounds = batch.events.geometry.total_bounds
        bbox = [float(v) for v in bounds] if np.isfinite(bounds).all() else None
    entry = {
        **batch.entry,
        "key": batch.key,
        "force": force,
        "bbox": bbox,
        "row_order": "morton-1km" if spatial_order else "source",
        "events_file": events_rel,
        "rejected_file": rejected_rel,
    }
    return entry, events_rel, rejected_rel


def _overlaps(extent: list[float] | None, bbox: tuple[float, float, float, float]) -> bool:
    if extent is None:
        return False
    return not (
        extent[2] < bbox[0] or extent[0] > bbox[2] or extent[3] < bbox[1] or extent[1] > bbox[3]
    )


def _read_in_source_order(path: Path, columns: Sequence[str] | None) -> gpd.GeoDataFrame:
    """One events file, its rows back in source order (files are stored in spatial order)."""
    wanted = None if columns is None else [*columns, "geometry"]
    extra = wanted is not None and schema.SOURCE_ROW not in wanted
    if wanted is not None and extra:
        wanted = [*wanted, schema.SOURCE_ROW]
    frame = gpd.read_parquet(path, columns=wanted)
    if schema.SOURCE_ROW in frame.columns and len(frame) > 1:
        rows = frame[schema.SOURCE_ROW].to_numpy()
        if (np.diff(rows) < 0).any():
            frame = frame.take(np.argsort(rows, kind="stable")).reset_index(drop=True)
    return frame.drop(columns=[schema.SOURCE_ROW]) if extra else frame


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


#: Files written at once by a commit (Arrow's writers release the GIL: two cores, two files).
_WRITERS = 2


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


def _point_coordinates(frame: gpd.GeoDataFrame) -> np.ndarray | None:
    """The ``(n, 2)`` coordinates of a layer of finite 2-D points, else ``None``."""
    if len(frame) == 0 or frame.attrs or int((frame.dtypes == "geometry").sum()) != 1:
        return None
    geometry = np.asarray(frame.geometry.array)
    if (shapely.get_type_id(geometry) != 0).any() or shapely.has_z(geometry).any():
        return None
    xy = shapely.get_coordinates(geometry)
    if len(xy) != len(frame) or not np.isfinite(xy).all() or len(xy) * 21 >= 2**31:
        return None
    return xy


def _point_layer_table(frame: gpd.GeoDataFrame, xy: np.ndarray, first_row: pa.Schema) -> pa.Table:
    """The Arrow table ``frame.to_parquet(index=False)`` writes, built faster for a point layer.

    geopandas writes every geometry through the WKB writer of shapely (about a microsecond a
    point); the WKB of a 2-D point is 21 fixed bytes, written here from ``xy``. The geometry
    field and the GeoParquet ``geo`` metadata come from ``first_row`` (the schema geopandas wrote
    for the first row), with the bounding box of all rows.
    """
    name = frame.geometry.name
    geo = json.loads(first_row.metadata[b"geo"])
    geo["columns"][name]["bbox"] = [*xy.min(axis=0).tolist(), *xy.max(axis=0).tolist()]
    attributes = pd.DataFrame(frame.copy(deep=False))
    attributes[name] = None
    table = pa.Table.from_pandas(attributes, preserve_index=False)
    position = table.schema.get_field_index(name)
    table = table.set_column(position, first_row.field(name), _point_wkb(xy))
    metadata = {**table.schema.metadata, b"geo": json.dumps(geo).encode("utf-8")}
    return table.replace_schema_metadata(metadata)


def _compression(columns: list[str]) -> dict[str, str]:
    """Snappy, as geopandas writes, except for event ids: police.uk's are 64 random hex digits,
    which Snappy shrinks by 9 % at three times the cost of storing them as they are."""
    return {name: "none" if name == schema.EVENT_ID else "snappy" for name in columns}


def _point_wkb(xy: np.ndarray) -> pa.Array:
    """ISO WKB of 2-D points (little-endian): byte order 1, type 1, then x and y."""
    records = np.empty(
        len(xy), dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    )
    records["order"] = 1
    records["type"] = 1
    records["x"] = xy[:, 0]
    records["y"] = xy[:, 1]
    offsets = np.arange(len(xy) + 1, dtype=np.int32) * records.itemsize
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(records.view(np.uint8))]
    return pa.Array.from_buffers(pa.binary(), len(xy), buffers)


def new_token() -> str:
    """A sortable, unique ingest token: UTC time plus random hex."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def _empty_manifest() -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "version": None,
        "updated": None,
        "crs": schema.CRS_BNG,
        "boundaries": {},
        "sources": {},
        "ingests": [],
    }


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
