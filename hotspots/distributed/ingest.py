"""Distributed ingest: every source file read, checked, joined to wards and written on a worker.

The same steps as :func:`hotspots.ingest.ingest` (the readers, the checks, the ward join and the
manifest entries are that module's own functions), so a store made here equals a single-machine
ingest of the same files: the same events, ward codes, rejected rows and manifest entries (only
the ingest token in file names and records differs).

* The wards and the force area are sent to every worker once (a broadcast join: each file's
  points are tested against the prepared wards of their bounding boxes, ``within`` first, as
  :func:`hotspots.wards.assign_wards` does; no ``intersects`` join on detailed wards).
* Each file is one task. It writes its events (GeoParquet, spatially sorted) and rejected rows
  under fresh names with :meth:`Store.write_source` and returns only its manifest entry and the
  hashes of the ids it claimed. The client then publishes every entry in one manifest
  replacement (:meth:`Store.publish`): nothing is visible before that, and on any failure the
  files written are deleted and the store is as it was.
* Duplicate ids across files: a single-machine ingest rejects a row whose id an earlier file (or
  another stored source) already kept. Here each file is first read on its own; the ids each one
  claimed are compared (as 128-bit hashes) in file order, and a file that claimed an id first
  claimed earlier, or stored, is read again with those ids as already seen: the same result.

The store directory and the source files must be visible to the workers at the same paths (a
LocalCluster, or shared storage on a real cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots import schema

# The single-machine ingest's own steps, so the two paths cannot drift apart.
from hotspots.ingest import (
    IngestReport,
    _check_same_wards,
    _entry,
    _place,
    _unique_files,
    _wards_note,
    boundary_entries,
    content_options,
    ingest_record,
    outcome,
)
from hotspots.sources import read_source
from hotspots.sources.boundaries import Boundaries, force_wards
from hotspots.sources.csvio import digests_remembered
from hotspots.store import SourceBatch, Store, new_token, source_key
from hotspots.wards import NEAREST_WARD_M

#: Keys the store adds to a source's entry (not part of the ingest report).
_STORE_KEYS = ("key", "force", "bbox", "row_order", "events_file", "rejected_file")


def ingest_distributed(
    paths: Sequence[str | Path],
    *,
    wards: Boundaries,
    force_area: Boundaries,
    store: Store,
    client: Any,
    all_crime_types: bool = False,
    nearest_ward_m: float = NEAREST_WARD_M,
    on_file: Callable[[Path], None] | None = None,
    allow_shrink: bool = False,
) -> IngestReport:
    """:func:`hotspots.ingest.ingest` with one task per file on the workers of ``client``.

    Parameters and errors as :func:`hotspots.ingest.ingest`; ``client`` is a
    ``dask.distributed.Client`` (see :func:`hotspots.distributed.client.connect`).
    """
    from distributed import wait

    started = datetime.now(UTC).isoformat(timespec="seconds")
    token = new_token()
    with digests_remembered():
        kinds, skipped = _unique_files(paths)
    keys = [source_key(kind, p.name) for p, kind in kinds]
    with store.locked():
        _check_same_wards(store, wards)
        wards = force_wards(wards, force_area)
        shared = client.scatter(
            (wards.frame, force_area.frame.geometry.iloc[0]), broadcast=True, hash=False
        )
        options = {
            "store_path": str(store.path),
            "spatial_order": store.spatial_order,
            "token": token,
            "all_crime_types": all_crime_types,
            "nearest_ward_m": nearest_ward_m,
            "content": content_options(
                all_crime_types, nearest_ward_m, wards, force_area, store.spatial_order
            ),
        }
        futures = [
            client.submit(_ingest_file, str(path), kind, shared, options, None, pure=False)
            for path, kind in kinds
        ]
        results = _gather_in_order(client, futures, [p for p, _ in kinds], store, on_file)
        entries = [entry for entry, _ in results]
        try:
            redo = _conflicts(client, store, kinds, keys, [h for _, h in results])
            again = {
                i: client.submit(
                    _ingest_file, str(kinds[i][0]), kinds[i][1], shared, options, ids, pure=False
                )
                for i, ids in redo.items()
            }
            wait(list(again.values()))
            for i, future in again.items():  # the same file names: the first reads overwritten
                entries[i] = future.result()[0]
            record = ingest_record(
                token, started, [p for p, _ in kinds], skipped, all_crime_types, nearest_ward_m
            )
            manifest = store.publish(
                entries, boundary_entries(wards, force_area), record, allow_shrink=allow_shrink
            )
        except BaseException:
            store.discard(entries)
            raise
    report_entries = [{k: v for k, v in e.items() if k not in _STORE_KEYS} for e in entries]
    return IngestReport(
        token,
        store.path,
        report_entries,
        skipped,
        wards.vintage,
        _wards_note(wards),
        **outcome(manifest, token, entries),
    )


def _gather_in_order(
    client: Any,
    futures: list[Any],
    paths: list[Path],
    store: Store,
    on_file: Callable[[Path], None] | None,
) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Every task's result in file order. On a failure: wait for every task, delete the files
    the others wrote, and raise the error of the first failing file (in file order, as a
    single-machine ingest would). On Ctrl-C: cancel what has not started, delete what has been
    written (a task already running may still write its files: unnamed by the manifest, they
    are deleted by the next ingest)."""
    from distributed import as_completed, wait

    position = {future.key: i for i, future in enumerate(futures)}
    try:
        for future in as_completed(futures):
            if future.status != "finished":
                break
            if on_file is not None:
                on_file(paths[position[future.key]])
        wait(futures)
    except BaseException:
        client.cancel(futures)
        store.discard([f.result()[0] for f in futures if f.status == "finished"])
        raise
    failed = [f for f in futures if f.status != "finished"]
    if failed:
        store.discard([f.result()[0] for f in futures if f.status == "finished"])
        failed[0].result()  # re-raises the task's own exception (e.g. SourceFormatError)
    return [f.result() for f in futures]


def _ingest_file(
    path: str,
    kind: str,
    shared: tuple[Any, Any],
    options: dict[str, Any],
    seen_hashes: np.ndarray | None,
) -> tuple[dict[str, Any], np.ndarray]:
    """Read, check, place and write one file (runs on a worker).

    ``seen_hashes``: hashes of ids to treat as already kept (a second read after a conflict).
    Returns the source's manifest entry and the hashes of the ids it claimed.
    """
    wards_frame, area = shared
    file = Path(path)
    seen: set[str] = set()
    if seen_hashes is not None:
        read_source(file, kind, all_crime_types=options["all_crime_types"], seen_ids=seen)
        claimed = np.array(sorted(seen), dtype=object)
        wanted = set(map(tuple, seen_hashes.tolist()))
        hit = [tuple(h) in wanted for h in _hash_ids(claimed).tolist()]
        seen = set(claimed[np.asarray(hit, dtype=bool)].tolist())
    read = read_source(file, kind, all_crime_types=options["all_crime_types"], seen_ids=seen)
    claimed_ids = np.array(sorted(seen), dtype=object)
    events, matches, xy = _place(
        read, wards_frame, area, options["nearest_ward_m"], spatial_order=options["spatial_order"]
    )
    entry = _entry(
        read,
        events,
        matches,
        options["token"],
        options["all_crime_types"],
        options["content"],
        area,
    )
    batch = SourceBatch(source_key(kind, file.name), entry, events, read.rejected, xy)
    store = Store(options["store_path"], spatial_order=options["spatial_order"])
    written = store.write_source(batch, options["token"])
    return written, _hash_ids(claimed_ids)


def _hash_ids(ids: np.ndarray) -> np.ndarray:
    """128-bit hashes of id strings: an ``(n, 2)`` uint64 array (two seeded 64-bit hashes of
    the UTF-8 bytes and the length, vectorised over the ids).

    Two different ids share a hash with probability about ``n**2 / 2**129``: for 10^8 ids,
    one in 10^22. Such a collision would only make a file be read twice, with the true ids.
    """
    if len(ids) == 0:
        return np.empty((0, 2), dtype=np.uint64)
    text = pa.array(np.asarray(ids, dtype=object), type=pa.large_string())
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[: len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8) if offsets[-1] else np.zeros(1, "u1")
    lengths = np.diff(offsets)
    width = -(-max(int(lengths.max()), 1) // 8) * 8
    at = offsets[:-1, None] + np.arange(width)[None, :]
    padded = np.where(at < offsets[1:, None], data[np.minimum(at, len(data) - 1)], 0)
    words = np.ascontiguousarray(padded.astype(np.uint8)).view("<u8")
    n_words = (lengths + 7) // 8
    out = np.empty((len(ids), 2), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, seed in enumerate((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)):
            h = _mix(lengths.astype(np.uint64) ^ np.uint64(seed))
            for k in range(words.shape[1]):
                mixed = _mix(h ^ _mix(words[:, k] + np.uint64(seed + k)))
                h = np.where(k < n_words, mixed, h)  # words past an id's end do not count
            out[:, j] = h
    return out


def _mix(v: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit."""
    v = (v ^ (v >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    v = (v ^ (v >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return v ^ (v >> np.uint64(31))


def _stored_hashes(path: str) -> np.ndarray:
    """Hashes of the event ids of one stored events file (runs on a worker)."""
    ids = pd.read_parquet(path, columns=[schema.EVENT_ID])[schema.EVENT_ID]
    return _hash_ids(np.asarray(ids.astype(object).to_numpy(), dtype=object))


def _conflicts(
    client: Any,
    store: Store,
    kinds: list[tuple[Path, str]],
    keys: list[str],
    claims: list[np.ndarray],
) -> dict[int, np.ndarray]:
    """Files (by position) that claimed ids claimed by an earlier file or stored by another
    source, with those ids' hashes."""
    layers = [schema.LAYER_OF_KIND[kind] for _, kind in kinds]
    out: dict[int, np.ndarray] = {}
    for layer in sorted(set(layers)):
        members = [i for i, lay in enumerate(layers) if lay == layer]
        others = [
            str(store.path / e["events_file"])
            for e in store.sources(layer)
            if e["key"] not in set(keys)
        ]
        stored = client.gather(client.map(_stored_hashes, others, pure=False)) if others else []
        parts = [*stored, *(claims[i] for i in members)]
        owner = np.concatenate(
            [np.full(len(s), -1) for s in stored] + [np.full(len(claims[i]), i) for i in members]
        ).astype(np.int64)
        if not len(owner):
            continue
        hashes = np.concatenate(parts)
        # One sort on the first half (4x cheaper than on both halves and the owner); then the
        # few rows sharing a first half are sorted exactly.
        by_first = np.argsort(hashes[:, 0], kind="stable")
        first = hashes[by_first, 0]
        equal = first[1:] == first[:-1]
        if not equal.any():
            continue
        grouped = np.zeros(len(first), dtype=bool)
        grouped[1:] |= equal
        grouped[:-1] |= equal
        rows = by_first[grouped]
        order = np.lexsort((owner[rows], hashes[rows, 1], hashes[rows, 0]))
        hashes, owner = hashes[rows][order], owner[rows][order]
        repeat = np.r_[False, (hashes[1:] == hashes[:-1]).all(axis=1)]  # not the first holder
        for i in np.unique(owner[repeat & (owner >= 0)]):
            out[int(i)] = hashes[repeat & (owner == i)]
    return out
