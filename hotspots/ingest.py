"""Ingest: read source files, check every row, join to wards, and commit to the store.

Nothing is written until every file has been read and checked: a malformed file raises
:class:`~hotspots.errors.SourceFormatError` and leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from hotspots import schema
from hotspots.edge import near_edge
from hotspots.errors import HotspotsError, StoreError
from hotspots.sources import SourceRead, detect_kind, read_source
from hotspots.sources.base import ReadGroup, _first
from hotspots.sources.boundaries import Boundaries, force_wards
from hotspots.sources.coverage import covered_months
from hotspots.sources.csvio import digests_remembered
from hotspots.sources.police_uk import looks_like_outcomes, read_streets
from hotspots.store import SourceBatch, Store, new_token, source_key
from hotspots.store.order import _morton_key
from hotspots.store.sameness import content_digest
from hotspots.validate import take_column, text_array
from hotspots.wards import NEAREST_WARD_M, WardAssignment, assign_wards


@dataclass
class IngestReport:
    """What an ingest read, kept and rejected, per source and per layer."""

    token: str
    store: Path
    sources: list[dict[str, Any]]
    skipped: list[str] = field(default_factory=list)
    wards_vintage: str = ""
    #: What became of wards given that are not the force's ("" when every ward is).
    wards_note: str = ""
    #: The store's data version after the ingest (its token when it made a new one).
    version: str | None = None
    #: False when the store already held every source as it is: nothing was written, the
    #: version and the caches keyed on it are kept (:mod:`hotspots.store.sameness`).
    changed: bool = True
    #: Names of the files whose rows the store already held as they are (not written again).
    unchanged: list[str] = field(default_factory=list)

    def by_layer(self) -> dict[str, dict[str, Any]]:
        """Per layer: ``read``, ``kept``, ``rejected`` (total) and ``reasons`` (by reason)."""
        out: dict[str, dict[str, Any]] = {}
        for entry in self.sources:
            layer = out.setdefault(
                entry["layer"], {"read": 0, "kept": 0, "rejected": 0, "reasons": Counter()}
            )
            layer["read"] += entry["rows_read"]
            layer["kept"] += entry["kept"]
            layer["rejected"] += sum(entry["rejected"].values())
            layer["reasons"].update(entry["rejected"])
        return out

    def reconciles(self) -> bool:
        """True when, for every source, rows read = kept + rejected."""
        return all(e["rows_read"] == e["kept"] + sum(e["rejected"].values()) for e in self.sources)


def stored_boundaries(store: Store, name: str) -> Boundaries:
    """The ``wards`` or ``force_area`` the store's events were joined to, as ingest takes them."""
    meta = store.manifest()["boundaries"][name]
    return Boundaries(
        frame=store.load_boundary(name),
        vintage=str(meta.get("vintage", "")),
        sources=list(meta.get("sources", [])),
        repaired=int(meta.get("repaired", 0)),
        outside=int(meta.get("outside_force_area", 0)),
    )


def ingest(
    paths: Sequence[str | Path],
    *,
    wards: Boundaries | Future[Boundaries],
    force_area: Boundaries | Future[Boundaries],
    store: Store,
    all_crime_types: bool = False,
    nearest_ward_m: float = NEAREST_WARD_M,
    on_file: Callable[[Path], None] | None = None,
    allow_shrink: bool = False,
) -> IngestReport:
    """Read, check, join and store ``paths``.

    Parameters
    ----------
    paths
        Source files; each one's kind is recognised from its header.
    wards, force_area
        From :func:`hotspots.sources.boundaries.read_wards` / ``read_force_area`` (EPSG:27700),
        or their futures: boundaries still being read while the first files are (they are
        waited for, and the wards compared with the store's, before any file is placed).
    store
        Where to commit.
    all_crime_types
        Keep every crime type / search object, not only drugs.
    nearest_ward_m
        Tolerance (metres) for giving a ward to a point in the force area but in no ward polygon.
    on_file
        Called after each file is read (for progress display).
    allow_shrink
        Confirm replacements that keep fewer than half of a stored source's rows (or none);
        without it they are refused (:mod:`hotspots.store.replacement`).

    Raises
    ------
    SourceFormatError
        A malformed file (nothing is written).
    StoreError
        The store was built with other ward boundaries, or another ingest holds its lock.
    ReplacementRefused
        A replacement would shrink a stored source and ``allow_shrink`` is false (nothing is
        written).
    """
    started = datetime.now(UTC).isoformat(timespec="seconds")
    token = new_token()
    with digests_remembered():  # each file is hashed once, to skip repeats and for the manifest
        kinds, skipped = _unique_files(paths)
        with store.locked():
            given = _Given(store, wards, force_area)
            if not isinstance(wards, Future):
                given.boundaries()  # the wards checked before any file is read
            batches = _read_all(
                kinds, store, given, all_crime_types, nearest_ward_m, token, on_file
            )
            record = ingest_record(
                token, started, [p for p, _ in kinds], skipped, all_crime_types, nearest_ward_m
            )
            held_wards, held_area = given.boundaries()
            manifest = store.commit(
                batches,
                boundary_entries(held_wards, held_area),
                record,
                allow_shrink=allow_shrink,
            )
    entries = [batch.entry for batch in batches]
    return IngestReport(
        token,
        store.path,
        entries,
        skipped,
        held_wards.vintage,
        _wards_note(held_wards),
        **outcome(manifest, token, entries),
    )


def outcome(
    manifest: dict[str, Any], token: str, entries: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The report's ``version``, ``changed`` and ``unchanged`` after a commit that returned
    ``manifest`` (an ingest of ``token`` with these source ``entries``): the sources whose
    stored entry is not this ingest's were held already as they are
    (:mod:`hotspots.store.sameness`)."""
    sources = manifest["sources"]
    return {
        "version": manifest["version"],
        "changed": manifest["version"] == token,
        "unchanged": [
            e["name"] for e in entries if sources.get(_key_of(e), {}).get("ingest") != token
        ],
    }


def _key_of(entry: dict[str, Any]) -> str:
    """The source key of a manifest entry (or of an ingest's entry, from its kind and name)."""
    return str(entry.get("key") or source_key(entry["kind"], entry["name"]))


class _Given:
    """The boundaries an ingest was given, waited for (if futures) and checked once, when first
    needed."""

    def __init__(
        self,
        store: Store,
        wards: Boundaries | Future[Boundaries],
        force_area: Boundaries | Future[Boundaries],
    ) -> None:
        self._store = store
        self._given = (wards, force_area)
        self._held: tuple[Boundaries, Boundaries] | None = None
        self._options: dict[str, Any] | None = None

    def boundaries(self) -> tuple[Boundaries, Boundaries]:
        """The wards and the force area; raises ``StoreError`` if the store has other wards."""
        if self._held is None:
            wards, area = (b.result() if isinstance(b, Future) else b for b in self._given)
            _check_same_wards(self._store, wards)
            self._held = (force_wards(wards, area), area)
        return self._held

    def content_options(
        self, all_crime_types: bool, nearest_ward_m: float, store: Store
    ) -> dict[str, Any]:
        """:func:`content_options` for these boundaries (made once)."""
        if self._options is None:
            wards, area = self.boundaries()
            self._options = content_options(
                all_crime_types, nearest_ward_m, wards, area, store.spatial_order
            )
        return self._options


def _read_all(
    kinds: list[tuple[Path, str]],
    store: Store,
    given: _Given,
    all_crime_types: bool,
    nearest_ward_m: float,
    token: str,
    on_file: Callable[[Path], None] | None,
) -> list[SourceBatch]:
    """Read, check and place every file (nothing is written yet).

    Consecutive street files are read as groups (:func:`~hotspots.sources.police_uk.read_streets`)
    and each group's points given wards in one pass; other files one by one.
    """
    keys = {source_key(kind, p.name) for p, kind in kinds}
    seen: dict[str, set[str]] = {}
    batches: list[SourceBatch] = []

    def add(
        kind: str,
        read: SourceRead,
        placed: tuple[gpd.GeoDataFrame, dict[str, int], np.ndarray],
        area: Boundaries,
        path: Path,
    ) -> None:
        """One file's batch, with its manifest entry (:func:`_entry`)."""
        events, matches, xy = placed
        options = given.content_options(all_crime_types, nearest_ward_m, store)
        entry = _entry(
            read, events, matches, token, all_crime_types, options, area.frame.geometry.iloc[0]
        )
        batches.append(SourceBatch(source_key(kind, path.name), entry, events, read.rejected, xy))
        if on_file is not None:
            on_file(path)

    for kind, run in itertools.groupby(kinds, key=lambda pair: pair[1]):
        paths = [path for path, _ in run]
        layer = schema.LAYER_OF_KIND[kind]
        if layer not in seen:
            seen[layer] = store.stored_ids(layer, exclude_keys=keys)
        if kind != "street":
            for path in paths:
                read = read_source(
                    path, kind, all_crime_types=all_crime_types, seen_ids=seen[layer]
                )
                wards, area = given.boundaries()
                one = _place(
                    read,
                    wards.frame,
                    area.frame.geometry.iloc[0],
                    nearest_ward_m,
                    spatial_order=store.spatial_order,
                )
                add(kind, read, one, area, path)
            continue
        for group in read_streets(paths, all_crime_types=all_crime_types, seen_ids=seen[layer]):
            wards, area = given.boundaries()
            placed = _place_group(
                group,
                wards.frame,
                area.frame.geometry.iloc[0],
                nearest_ward_m,
                spatial_order=store.spatial_order,
            )
            for read, one in zip(group.reads(), placed, strict=True):
                add(kind, read, one, area, read.path)
    return batches


def _unique_files(paths: Sequence[str | Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Recognise each file's kind (all before any is read), skip police.uk outcomes files
    (saying so) and exact repeats."""
    from hotspots.sources.csvio import read_first_record, sha256_of

    checked: list[tuple[Path, str]] = []
    skipped: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        if looks_like_outcomes(read_first_record(path)):
            skipped.append(
                f"{path.name}: a police.uk outcomes file (outcomes of crimes the street files "
                "hold, with each one's last outcome category): not read"
            )
            continue
        checked.append((path, detect_kind(path)))
    if len(checked) < 2:
        return checked, skipped  # nothing to repeat (the reader hashes the file while parsing)
    out: list[tuple[Path, str]] = []
    by_sha: dict[str, Path] = {}
    for path, kind in checked:
        digest = sha256_of(path)
        if digest in by_sha:
            skipped.append(f"{path.name}: same content as {by_sha[digest].name}, read once")
            continue
        by_sha[digest] = path
        out.append((path, kind))
    _refuse_two_of_one_source(out)
    return out, skipped


def _refuse_two_of_one_source(files: Sequence[tuple[Path, str]]) -> None:
    """Refuse two different files of one source (two downloads of one police.uk month, or two
    raid files of one name) in one ingest: the later would replace the earlier, its rows already
    rejected as duplicates of it, and the month be lost. Which download is current is not for
    the order of the command line to decide."""
    first: dict[str, Path] = {}
    for path, kind in files:
        key = source_key(kind, path.name)
        if key in first:
            raise HotspotsError(
                f"{first[key]} and {path}: two different files of one source ({key}); a "
                "re-published month replaces the stored one, so ingest only the current "
                "download of it"
            )
        first[key] = path


def ingest_record(
    token: str,
    started: str,
    files: Sequence[Path],
    skipped: list[str],
    all_crime_types: bool,
    nearest_ward_m: float,
) -> dict[str, Any]:
    """The manifest's record of one ingest (also written by the distributed ingest)."""
    return {
        "token": token,
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": [p.name for p in files],
        "skipped": skipped,
        "all_crime_types": all_crime_types,
        "nearest_ward_m": nearest_ward_m,
    }


def boundary_entries(
    wards: Boundaries, force_area: Boundaries
) -> dict[str, tuple[gpd.GeoDataFrame, dict[str, Any]]]:
    """The boundaries an ingest stores, with their manifest metadata."""
    return {
        "wards": (wards.frame, _boundary_meta(wards)),
        "force_area": (force_area.frame, _boundary_meta(force_area)),
    }


def _wards_note(wards: Boundaries) -> str:
    """The ingest's line on the wards given outside the force area, or ""."""
    if not wards.outside:
        return ""
    given = len(wards.frame) + wards.outside
    return (
        f"{wards.outside:,} of the {given:,} wards given lie outside the force area: not kept "
        f"(the force's {len(wards.frame):,} are)"
    )


def _check_same_wards(store: Store, wards: Boundaries) -> None:
    current = store.manifest()["boundaries"].get("wards")
    if current is None or not store.manifest()["sources"]:
        return
    if _boundary_meta(wards)["sha256"] != current["sha256"]:
        names = ", ".join(s["name"] for s in current["sources"])
        raise StoreError(
            f"{store.path}: this store's events are joined to {current['vintage']} wards from "
            f"{names}; the wards given now differ. Use the same ward files, or a new --store "
            "for another ward vintage."
        )


def _boundary_meta(boundaries: Boundaries) -> dict[str, Any]:
    combined = "+".join(str(s["sha256"]) for s in boundaries.sources)
    return {
        "vintage": boundaries.vintage,
        "sources": boundaries.sources,
        "features": len(boundaries.frame),
        "repaired": boundaries.repaired,
        "outside_force_area": boundaries.outside,
        "sha256": combined,
    }


def _place_group(
    group: ReadGroup,
    wards: gpd.GeoDataFrame,
    area: shapely.Geometry,
    nearest_ward_m: float,
    *,
    spatial_order: bool = False,
) -> list[tuple[gpd.GeoDataFrame, dict[str, int], np.ndarray]]:
    """:func:`_place` for a group of files checked as one table: one pass for all their rows
    (the rows rejected here go to the group's verdicts), then each file's share."""
    within = group.file_of(group.combined.events) if len(group.paths) > 1 else None
    events, matches, xy = _place(
        group.combined, wards, area, nearest_ward_m, spatial_order=spatial_order, within=within
    )
    if within is None:
        return [(events, matches, xy)]
    parts = group.split(events)
    ends = np.cumsum([len(part) for part in parts])
    return [
        (part, _match_counts(part), xy[end - len(part) : end])
        for part, end in zip(parts, ends, strict=True)
    ]


def _match_counts(events: gpd.GeoDataFrame) -> dict[str, int]:
    """Events by ``ward_match``, the matches named in source row order."""
    in_source_order = np.argsort(events[schema.SOURCE_ROW].to_numpy(), kind="stable")
    codes, names = pd.factorize(events[schema.WARD_MATCH].to_numpy()[in_source_order])
    counts = np.bincount(codes, minlength=len(names))
    return {str(m): int(c) for m, c in zip(names, counts, strict=True)}


def _place(
    read: SourceRead,
    wards: gpd.GeoDataFrame,
    area: shapely.Geometry,
    nearest_ward_m: float,
    *,
    spatial_order: bool = False,
    within: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, int], np.ndarray]:
    """Clip to the force area, give wards, and return the events as a GeoDataFrame, with the
    events by ``ward_match`` and their coordinates ``(n, 2)`` in their order.

    With ``spatial_order`` the events come in the order the store writes them
    (:mod:`hotspots.store.order`: the Morton key, stably), taken in the same pass that drops
    the rejected rows, so that the store's writer need not move every row again. ``within``:
    the file of each event (ascending), when the events are several files' (each file's events
    are ordered apart).
    """
    x_m = read.events["x_m"].to_numpy()
    y_m = read.events["y_m"].to_numpy()
    placed = assign_wards(x_m, y_m, wards, area, nearest_ward_m=nearest_ward_m)
    outside = ~placed.in_area
    no_ward = placed.no_ward
    keep = ~(outside | no_ward)
    rows = np.flatnonzero(keep)  # the kept events, in source order
    order = np.arange(len(rows))
    if spatial_order and len(rows) > 1:
        xy = np.column_stack([x_m[rows], y_m[rows]])
        if within is None:
            order = np.argsort(_morton_key(xy), kind="stable")
        else:  # each file's own key (its cells numbered from its own corner), as its writer's
            ends = np.searchsorted(within[rows], np.arange(int(within[-1]) + 1), side="right")
            parts = [xy[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
            key = np.concatenate([_morton_key(p) for p in parts if len(p)])
            order = np.lexsort((key, within[rows]))  # stable: by file, then by key
    read.reject_kept_all(
        [
            (outside, schema.REASON_OUTSIDE_AREA, _where(x_m, y_m)),
            (
                no_ward,
                schema.REASON_NO_WARD,
                _where(x_m, y_m, f" (no ward within {nearest_ward_m:g} m)"),
            ),
        ],
        order=rows[order],
    )
    events = read.events.drop(columns=["x_m", "y_m"])
    for column in (schema.WARD_CODE, schema.WARD_NAME, schema.DISTRICT_CODE, schema.DISTRICT_NAME):
        events[column] = _ward_values(wards[column], placed.ward_index[rows[order]])
    match_codes, match_names = pd.factorize(placed.match[rows])  # named in source order
    events[schema.WARD_MATCH] = _text_of_codes(match_codes[order], match_names)
    geometry = _points(placed, rows[order], x_m, y_m)
    frame = gpd.GeoDataFrame(events, geometry=geometry, crs=schema.CRS_BNG)
    counts = np.bincount(match_codes, minlength=len(match_names))
    xy = np.column_stack([x_m[rows[order]], y_m[rows[order]]])
    return frame, {str(m): int(c) for m, c in zip(match_names, counts, strict=True)}, xy


def _where(x_m: np.ndarray, y_m: np.ndarray, suffix: str = "") -> Callable[[np.ndarray], Any]:
    """Rejection details ``easting=…, northing=…``, built only for the rows rejected."""

    def detail(rows: np.ndarray) -> np.ndarray:
        pairs = zip(x_m[rows], y_m[rows], strict=True)
        return np.array([f"easting={x:.0f}, northing={y:.0f}{suffix}" for x, y in pairs])

    return detail


def _ward_values(column: pd.Series, ward_index: np.ndarray) -> Any:
    """A ward attribute per event (an Arrow take for text columns)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        return take_column(column, ward_index)
    return column.to_numpy()[ward_index]


def _text_of_codes(codes: np.ndarray, names: np.ndarray) -> Any:
    """``names[codes]`` as a pandas ``str`` array, without a Python string per row."""
    table = pa.array(np.asarray(names, dtype=object).astype(str), type=pa.large_string())
    return text_array(table.take(pa.array(codes)))


def _points(
    placed: WardAssignment, rows: np.ndarray, x_m: np.ndarray, y_m: np.ndarray
) -> np.ndarray:
    """The Points of the events at ``rows``: those the ward join made (stacked events share
    one)."""
    if placed.points is not None:
        return placed.points[rows]
    return shapely.points(x_m[rows], y_m[rows])


def content_options(
    all_crime_types: bool,
    nearest_ward_m: float,
    wards: Boundaries,
    force_area: Boundaries,
    spatial_order: bool,
) -> dict[str, Any]:
    """What besides the file decides the rows an ingest keeps of it, and their order on disk:
    part of each source's ``content`` (:mod:`hotspots.store.sameness`)."""
    return {
        "all_crime_types": all_crime_types,
        "nearest_ward_m": float(nearest_ward_m),
        "wards": _boundary_meta(wards)["sha256"],
        "force_area": _boundary_meta(force_area)["sha256"],
        "boundaries_held": _held_digest(wards, force_area),
        "row_order": "morton-1km" if spatial_order else "source",
    }


def _held_digest(wards: Boundaries, force_area: Boundaries) -> str:
    """A digest of the boundaries as the ingest holds them, beyond their files' checksums: the
    columns or feature chosen from the same files (``--ward-code-column``, ``--force``) change
    the wards' codes, names and districts or the force area. Each ward's attributes, bounds and
    vertex count, and the force area's WKB (once per ingest: ~10 ms for 7,000 wards)."""
    frame = wards.frame
    columns = [c for c in schema.WARD_COLUMNS if c in frame.columns]
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(frame[columns].astype(str), index=False).to_numpy().tobytes()
    )
    shapes = frame.geometry.to_numpy()
    digest.update(np.ascontiguousarray(shapely.bounds(shapes)).tobytes())
    digest.update(shapely.get_num_coordinates(shapes).astype("<i8").tobytes())
    for area in force_area.frame.geometry.to_numpy():
        digest.update(shapely.to_wkb(area))
    return digest.hexdigest()


def _content(read: SourceRead, options: dict[str, Any], rejected_by: dict[str, int]) -> str:
    """The source's ``content`` digest: its file, the ingest's ``options``
    (:func:`content_options`), the code, and its rows rejected as duplicates of ids held
    elsewhere (the one thing the rest of the store decides; ``rejected_by``: its rejected rows
    by reason)."""
    duplicates = np.empty(0, dtype=np.int64)
    if rejected_by.get(schema.REASON_DUPLICATE):
        rejected = read.rejected
        mask = (_first(rejected, "reason") == schema.REASON_DUPLICATE).to_numpy(dtype=bool)
        duplicates = _first(rejected, schema.SOURCE_ROW).to_numpy(dtype=np.int64)[mask]
    fields = {**options, "kind": read.kind, "name": read.path.name, "file": read.sha256}
    return content_digest(fields, duplicates)


def _entry(
    read: SourceRead,
    events: gpd.GeoDataFrame,
    matches: dict[str, int],
    token: str,
    all_crime_types: bool,
    options: dict[str, Any] | None = None,
    area: shapely.Geometry | None = None,
) -> dict[str, Any]:
    """The manifest entry of one source.

    ``options``: :func:`content_options`, for its ``content`` (without them it has none and is
    never taken as unchanged); ``area``: the force area the rows were clipped to, for the rows
    just outside it (:mod:`hotspots.edge`)."""
    rejected = read.rejected_by_reason()
    content = {"content": _content(read, options, rejected)} if options is not None else {}
    return {
        "name": read.path.name,
        "path": str(read.path.resolve()),
        "kind": read.kind,
        "layer": read.layer,
        "sha256": read.sha256,
        "rows_read": read.rows_read,
        "kept": len(events),
        "rejected": rejected,
        "months": covered_months(read, events[schema.MONTH].unique().tolist(), len(events)),
        "ward_match": matches,
        "synthetic_rows": int(events[schema.SYNTHETIC].sum()),
        "all_crime_types": all_crime_types,
        "outside_near_edge": near_edge(read.rejected, area) if area is not None else 0,
        "ingest": token,
        **content,
    }
