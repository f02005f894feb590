"""The :class:`Store` itself: reads through the manifest, writes under an exclusive lock.

It composes :mod:`.manifest` (reading and replacing ``manifest.json``), :mod:`.reading`
(selecting and loading sources), :mod:`.batch` (naming a source's files) and :mod:`.writing`
(the data files). The layout and the guarantees are in the :mod:`hotspots.store` docstring.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspots import schema
from hotspots.errors import StoreBusy, StoreError
from hotspots.private import FILE_MODE, private_dirs
from hotspots.store.manifest import MANIFEST, collect_garbage, read_manifest, replace_manifest
from hotspots.store.replacement import check_replacements
from hotspots.store.sameness import unchanged

if TYPE_CHECKING:  # the methods that need them import them: reading the manifest needs neither
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from hotspots.store.batch import SourceBatch


class Store:
    """An embedded store rooted at ``path`` (created on first commit).

    Parameters
    ----------
    path
        The store directory.
    spatial_order
        Write each events file's rows in spatial (Morton) order (the default) rather than
        source order; readers and exports give source order either way.
    """

    def __init__(self, path: str | Path, *, spatial_order: bool = True) -> None:
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
        return read_manifest(self.path)

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
        from hotspots.store.reading import select_entries

        return select_entries(self.sources(), layers, months, forces, bbox)

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
        categories: Sequence[str] | None = None,
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
        categories
            Categories (crime types, search objects) to keep (default all): the other rows are
            left out as the files are read, before their geometry is decoded (a store with every
            crime type holds ~16x more offences than drug offences).

        Returns
        -------
        geopandas.GeoDataFrame
            Events in EPSG:27700, ordered by layer, source key and source row.
        """
        from hotspots.store.reading import read_events

        wanted = set(months) if months is not None else None
        entries = self.select(layers, months, forces)
        files = (self.file(e["events_file"]) for e in entries)
        return read_events(files, wanted, columns, categories)

    def load_boundary(self, name: str) -> gpd.GeoDataFrame:
        """Load the stored ``wards`` or ``force_area`` (EPSG:27700)."""
        entry = self.manifest()["boundaries"].get(name)
        if entry is None:
            raise StoreError(f"{self.path}: no {name} stored yet; run `hotspots ingest` first")
        import geopandas as gpd

        return gpd.read_parquet(self.file(entry["file"]))

    def stored_ids(self, layer: str, exclude_keys: set[str]) -> set[str]:
        """Event ids stored for ``layer`` by sources other than ``exclude_keys``."""
        import pandas as pd

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
        private_dirs(self.path)
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusy(f"{self.path}: another ingest is writing this store") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def commit(
        self,
        batches: Sequence[SourceBatch],
        boundaries: dict[str, tuple[gpd.GeoDataFrame, dict[str, Any]]],
        ingest_record: dict[str, Any],
        *,
        allow_shrink: bool = False,
    ) -> dict[str, Any]:
        """Write ``batches`` (replacing stored sources of the same keys) and boundaries, atomically.

        Call inside :meth:`locked`. Returns the new manifest. The same as :meth:`write_source`
        for each batch followed by :meth:`publish`, with the writes run a few at a time.
        Replacements that shrink a stored source are refused before anything is written unless
        ``allow_shrink`` (:mod:`hotspots.store.replacement`). A batch the store already holds
        as it is (the same ``content``: :mod:`hotspots.store.sameness`) is not written; when
        every batch is such and the boundaries are the stored ones, nothing is written and the
        manifest (its version) is returned unchanged.
        """
        from hotspots.store.batch import _placed_entry
        from hotspots.store.writing import Flusher, _run_all

        token = ingest_record["token"]
        written: list[Path] = []
        writes: list[tuple[int, Callable[[], None]]] = []  # (rows, write): longest first
        entries: list[dict[str, Any]] = []
        old = self.manifest()
        stored = old["sources"]
        # a source the store already holds as it is not written again (.sameness)
        batches = [b for b in batches if not unchanged(stored.get(b.key), b.entry)]
        check_replacements(
            stored, [b.entry | {"key": b.key} for b in batches], allow_shrink=allow_shrink
        )
        if not batches and not self._new_boundary_files(boundaries, token, old):
            return old  # nothing changed: the manifest, its version and every cache stay
        try:
            with Flusher() as flusher:  # each file flushed to disk beside the next writes
                for batch in batches:
                    entry, events_rel, rejected_rel = _placed_entry(
                        batch, token, self.spatial_order
                    )
                    events, rejected = batch.events, batch.rejected
                    write = partial(
                        self._write_parquet,
                        events,
                        events_rel,
                        written,
                        True,
                        batch.xy,
                        flusher.flush,
                    )
                    writes.append((len(events), write))
                    write = partial(self._write_csv, rejected, rejected_rel, written, flusher.flush)
                    writes.append((len(rejected), write))
                    entries.append(entry)
                boundary_files = self._new_boundary_files(boundaries, token)
                for name, rel in boundary_files.items():  # written beside the events
                    frame = boundaries[name][0]
                    write = partial(
                        self._write_parquet, frame, rel, written, False, None, flusher.flush
                    )
                    writes.append((len(frame), write))
                _run_all([write for _, write in sorted(writes, key=lambda w: -w[0])])
                flusher.wait()  # every file on disk before the manifest names it
            return self.publish(
                entries,
                boundaries,
                ingest_record,
                allow_shrink=allow_shrink,
                boundary_files=boundary_files,
            )
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
        from hotspots.store.batch import _placed_entry

        entry, events_rel, rejected_rel = _placed_entry(batch, token, self.spatial_order)
        written: list[Path] = []
        try:
            self._write_parquet(batch.events, events_rel, written, True, batch.xy)
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
        *,
        allow_shrink: bool = False,
        boundary_files: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Write the boundaries and replace the manifest so it names ``entries`` (atomically).

        ``entries`` come from :meth:`write_source` (files already written); sources of the
        same keys are replaced, unless a replacement shrinks a stored source and not
        ``allow_shrink``: then :class:`~hotspots.errors.ReplacementRefused` and the manifest is
        unchanged (:mod:`hotspots.store.replacement`). Call inside :meth:`locked`. On failure
        the boundary files written are removed (the caller discards the entries' files).
        ``boundary_files``: boundaries the caller has written already (name: file, from
        :meth:`_new_boundary_files`). Returns the new manifest. Entries the store already
        holds as they are (:mod:`hotspots.store.sameness`) are discarded, not published; when
        all are and the boundaries are the stored ones, the manifest is returned unchanged.
        """
        old = self.manifest()
        token = ingest_record["token"]
        same = [e for e in entries if unchanged(old["sources"].get(e["key"]), e)]
        if same:  # already held as they are (.sameness): their new files are not needed
            self.discard(same)
            entries = [e for e in entries if not unchanged(old["sources"].get(e["key"]), e)]
            if not entries and not self._new_boundary_files(boundaries, token, old):
                return old  # nothing changed: the manifest, its version and every cache stay
        allowed = check_replacements(old["sources"], entries, allow_shrink=allow_shrink)
        if allowed:
            ingest_record = {**ingest_record, "allowed_shrinks": allowed}
        new = json.loads(json.dumps(old))
        written: list[Path] = []
        try:
            given = boundary_files or {}
            for name, rel in self._new_boundary_files(boundaries, token, old).items():
                if name not in given:
                    self._write_parquet(boundaries[name][0], rel, written)
                new["boundaries"][name] = {**boundaries[name][1], "file": given.get(name, rel)}
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

    def _new_boundary_files(
        self,
        boundaries: dict[str, tuple[gpd.GeoDataFrame, dict[str, Any]]],
        token: str,
        manifest: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        """The boundaries that differ from the stored ones (by checksum), with their new file."""
        stored = (manifest or self.manifest())["boundaries"]
        out: dict[str, str] = {}
        for name, (_, meta) in boundaries.items():
            current = stored.get(name)
            if not (current and current.get("sha256") == meta.get("sha256")):
                out[name] = f"boundaries/{name}.{token}.parquet"
        return out

    def _write_parquet(
        self,
        frame: gpd.GeoDataFrame,
        rel: str,
        written: list[Path],
        events: bool = False,
        xy: np.ndarray | None = None,
        sync: bool | Callable[[Path], None] = True,
    ) -> None:
        path = self.path / rel
        private_dirs(path.parent)
        written.append(path)
        from hotspots.store.writing import write_parquet

        write_parquet(frame, path, events and self.spatial_order, xy, sync=sync)

    def _write_csv(
        self,
        frame: pd.DataFrame,
        rel: str,
        written: list[Path],
        sync: bool | Callable[[Path], None] = True,
    ) -> None:
        path = self.path / rel
        private_dirs(path.parent)
        written.append(path)
        from hotspots.store.writing import write_csv

        write_csv(frame, path, sync=sync)

    def _replace_manifest(self, manifest: dict[str, Any]) -> None:
        replace_manifest(self.path, manifest)

    def _collect_garbage(self, manifest: dict[str, Any]) -> None:
        """Delete data files the manifest does not name (left by replaced sources or crashes)."""
        collect_garbage(self.path, manifest)
