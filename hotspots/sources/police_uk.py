"""Reader for data.police.uk street-level crime CSVs (any force).

Kept rows become ``offence`` events. By default only ``Crime type == "Drugs"`` is kept; the rest
are rejected as ``not a drug record`` (counted, never silently dropped). ``all_crime_types=True``
keeps every crime type, for analyses that compare drug offences with all recorded crime.

``Crime ID`` is blank on anti-social behaviour rows, so it is not a key: such rows get a derived
id. A non-blank ``Crime ID`` seen twice in one ingest is a ``duplicate``.
"""

from __future__ import annotations

import contextvars
import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots import schema
from hotspots.errors import SourceFormatError
from hotspots.sources.base import ReadGroup, SourceRead, canonical_frame
from hotspots.sources.csvio import (
    CsvTable,
    check_named_once,
    read_first_record,
    read_text_table,
    sha256_soon,
)
from hotspots.sources.lines import RowLines
from hotspots.validate import (
    RowVerdicts,
    check_lonlat,
    check_month,
    reject_blank_rows,
    reject_duplicates,
    take_column,
    take_rows,
    text_array,
)

#: The standard data.police.uk street CSV header, in file order.
STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
#: The fields a kept row's event is made of (besides its id and month).
_KEPT_FIELDS = ("Location", "LSOA code", "Crime type", "Last outcome category")
#: The fields an id is derived from, for rows without a ``Crime ID``.
_ID_FIELDS = ["Month", "Longitude", "Latitude", "Location", "Crime type"]
_MONTH = re.compile(r"^\s*(19|20)\d\d-(0[1-9]|1[0-2])\s*$")


def looks_like_street(first_record: list[str]) -> bool:
    """True if a first record is a street header, or a headerless street data row."""
    names = {f.strip() for f in first_record}
    if {"Crime ID", "Crime type", "Falls within"} <= names:
        return True
    return len(first_record) == len(STREET_COLUMNS) and bool(_MONTH.match(first_record[1]))


def looks_like_outcomes(first_record: list[str]) -> bool:
    """True if a first record is the header of a police.uk outcomes file (``...-outcomes.csv``,
    beside the street file in each month of a download): later outcomes of crimes the street
    files hold, with their last outcome category; no crime type, so nothing to map."""
    names = {f.strip() for f in first_record}
    return {"Crime ID", "Falls within", "Outcome type"} <= names and "Crime type" not in names


def read_street(
    path: str | Path,
    *,
    all_crime_types: bool = False,
    seen_ids: set[str] | None = None,
) -> SourceRead:
    """Read one street-level CSV into offence events.

    Parameters
    ----------
    path
        A data.police.uk ``YYYY-MM-<force>-street.csv`` file. A header row is checked against the
        standard 12 columns (any order); a file with no header is accepted when it has exactly
        the standard 12 columns in the standard order.
    all_crime_types
        Keep every crime type, not only ``Drugs``.
    seen_ids
        Crime IDs already kept by earlier files of the same ingest (updated in place), so that a
        crime repeated across files is rejected as a duplicate.

    Returns
    -------
    SourceRead
        Kept offences with BNG coordinates (metres), and rejected rows with reasons.

    Raises
    ------
    SourceFormatError
        The header lacks standard columns, or a row has the wrong number of fields.
    """
    group = next(read_streets([path], all_crime_types=all_crime_types, seen_ids=seen_ids))
    return group.combined


#: Most rows checked at once by :func:`read_streets` (bounds the memory of the files held).
GROUP_ROWS = 2_000_000


@dataclass(frozen=True)
class _StreetFile:
    """One street file read as text, its rows not yet checked."""

    path: Path
    columns: tuple[str, ...]
    table: CsvTable
    digest: Future[str]

    @property
    def layout(self) -> tuple[tuple[str, ...], bool]:
        """Files of one layout (the same columns, both with or without a header) are checked
        as one table."""
        return self.columns, self.table.has_header


def read_streets(
    paths: Sequence[str | Path],
    *,
    all_crime_types: bool = False,
    seen_ids: set[str] | None = None,
) -> Iterator[ReadGroup]:
    """:func:`read_street` for several files, in order, a group of files at a time.

    Consecutive files of the same layout (up to :data:`GROUP_ROWS` rows) are checked as one
    table: every check is one pass over all their rows instead of one per monthly file (the
    fixed cost of each pass is most of the time on a force's monthly files). The result is the
    same as reading the files one by one: a malformed file raises before any of its group is
    checked, a Crime ID kept in an earlier file makes a later one a duplicate, each file's
    rows are numbered and rejected in its own right (:meth:`ReadGroup.reads`).
    """
    seen: set[str] = set() if seen_ids is None else seen_ids
    group: list[_StreetFile] = []
    rows = 0
    for file in _opened_in_order([Path(p) for p in paths]):
        n = len(file.table.frame)
        if group and (file.layout != group[0].layout or rows + n > GROUP_ROWS):
            yield _check_streets(group, all_crime_types, seen)
            group, rows = [], 0
        group.append(file)
        rows += n
    if group:
        yield _check_streets(group, all_crime_types, seen)


#: Files parsed ahead of the one being used (Arrow's CSV parser lets go of the GIL: a monthly
#: file is one block, parsed on one core, so two files at once use both).
_READ_AHEAD = 2


def _opened_in_order(paths: list[Path]) -> Iterator[_StreetFile]:
    """:func:`_open_street` of each path, in order, the next files parsed meanwhile on
    threads; a malformed file raises when its turn comes (the files before it are used first)."""
    if len(paths) < 2:
        yield from map(_open_street, paths)
        return
    pool = ThreadPoolExecutor(max_workers=_READ_AHEAD, thread_name_prefix="street-read")
    try:
        # Each in a copy of this context: the digests remembered by the ingest (csvio) are seen.
        pending = deque(
            pool.submit(contextvars.copy_context().run, _open_street, p)
            for p in paths[:_READ_AHEAD]
        )
        for path in paths[_READ_AHEAD:]:
            done = pending.popleft().result()
            pending.append(pool.submit(contextvars.copy_context().run, _open_street, path))
            yield done
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _open_street(path: Path) -> _StreetFile:
    """Read a street file's fields as text, after checking its header."""
    first = read_first_record(path)
    has_header = _check_header(path, first)
    columns = [c.strip() for c in first] if has_header else list(STREET_COLUMNS)
    check_named_once(path, columns, STREET_COLUMNS)
    table = read_text_table(path, columns, has_header=has_header)
    return _StreetFile(path, tuple(columns), table, sha256_soon(path))  # hashed meanwhile


def _check_streets(files: list[_StreetFile], all_crime_types: bool, seen: set[str]) -> ReadGroup:
    """Check the rows of ``files`` (one layout) as one table."""
    raw = _stacked([f.table for f in files])
    # One file: its own lines. Several: the combined rows, one line each (ReadGroup.split
    # gives each file's rows their own lines).
    lines = files[0].table.lines if len(files) == 1 else RowLines(files[0].table.lines.first_line)
    starts = np.cumsum([0] + [len(f.table.frame) for f in files])
    verdicts = RowVerdicts(len(raw))
    reject_blank_rows(verdicts, raw)

    if not all_crime_types:
        crime_type = raw["Crime type"]
        not_drugs = (crime_type.str.strip() != schema.DRUGS_CRIME_TYPE).to_numpy(dtype=bool)
        verdicts.reject(
            not_drugs,
            schema.REASON_NOT_DRUGS,
            lambda rows: "Crime type=" + pd.Series(take_column(crime_type, rows)),
        )
    month = check_month(verdicts, raw["Month"])
    x_m, y_m = check_lonlat(verdicts, raw["Longitude"], raw["Latitude"])
    within = np.repeat(np.arange(len(files)), np.diff(starts)) if len(files) > 1 else None
    crime_id = raw["Crime ID"].str.strip()
    reject_duplicates(verdicts, crime_id, seen, "Crime ID", within, stripped=True)

    kept = verdicts.kept
    rows = np.flatnonzero(kept)
    file_of_row = np.searchsorted(starts, rows, side="right") - 1  # of each kept row
    k = take_rows(raw[list(_KEPT_FIELDS)], kept)
    events = canonical_frame(
        len(rows),
        event_id=_event_ids(raw, crime_id, rows, file_of_row if len(files) > 1 else None).array,
        layer="offence",
        category=k["Crime type"].str.strip().array,
        month=take_column(month, kept),
        date=None,
        location=k["Location"].str.strip().array,
        outcome=k["Last outcome category"].str.strip().array,
        source_file=_names_of(files, file_of_row),
        source_row=lines.of(rows),
        synthetic=False,
        x_m=x_m[rows],
        y_m=y_m[rows],
        extra={"lsoa_code": k["LSOA code"].str.strip().array},
    )
    combined = SourceRead(
        path=files[0].path,
        kind="street",
        sha256=files[0].digest.result(),
        rows_read=len(raw),
        events=events,
        raw=raw,
        lines=lines,
        verdicts=verdicts,
    )
    return ReadGroup(
        combined,
        paths=[f.path for f in files],
        sha256=[f.digest.result() for f in files],
        raws=[f.table.frame for f in files],
        starts=starts,
        lines=[f.table.lines for f in files],
    )


def _stacked(tables: list[CsvTable]) -> pd.DataFrame:
    """The rows of ``tables`` (the same columns) one after another, each column one Arrow
    chunk (a later row selection on many chunks would join them again each time)."""
    frames = [t.frame for t in tables]
    if len(frames) == 1:
        return frames[0]
    arrows = [t.arrow for t in tables]
    if all(a is not None for a in arrows):  # one Arrow concatenation, one pandas wrapping
        out = pa.concat_tables(arrows).combine_chunks().to_pandas()
        out.columns = frames[0].columns
        return out
    columns = {
        i: text_array(
            pa.chunked_array(
                [pa.array(f.iloc[:, i].array) for f in frames], type=pa.large_string()
            ).combine_chunks()
        )
        for i in range(frames[0].shape[1])
    }
    out = pd.DataFrame(columns, index=pd.RangeIndex(sum(len(f) for f in frames)))
    out.columns = frames[0].columns  # by position: a file may repeat a column name
    return out


def _names_of(files: list[_StreetFile], file_of_row: np.ndarray) -> object:
    """The file name of each row: one text when there is one file."""
    if len(files) == 1:
        return files[0].path.name
    names = pa.array([f.path.name for f in files], type=pa.large_string())
    return text_array(names.take(pa.array(file_of_row)))


def _check_header(path: Path, first: list[str]) -> bool:
    names = [f.strip() for f in first]
    missing = [c for c in STREET_COLUMNS if c not in names]
    if not missing:
        return True
    if len(first) == len(STREET_COLUMNS) and _MONTH.match(first[1]):
        return False  # headerless: the standard 12 columns, first row is data
    raise SourceFormatError(
        path,
        "not a data.police.uk street CSV: the header lacks "
        + ", ".join(repr(c) for c in missing)
        + "; expected the columns "
        + ", ".join(STREET_COLUMNS)
        + " (or no header and exactly those 12 fields per row)",
        1,
    )


def _event_ids(
    raw: pd.DataFrame, crime_ids: pd.Series, rows: np.ndarray, file_of_row: np.ndarray | None
) -> pd.Series:
    """For the rows at ``rows``: ``Crime ID`` where present (``crime_ids``: stripped, of every
    row); otherwise a stable id derived from the row's content (numbered within its file:
    ``file_of_row``, when rows of several files)."""
    crime_id = pd.Series(take_column(crime_ids, rows))
    blank = (crime_id == "").to_numpy(dtype=bool)
    if not blank.any():
        return crime_id
    fields = take_rows(raw[_ID_FIELDS], rows[blank])
    within = file_of_row[blank] if file_of_row is not None else None
    derived = derived_ids("street", fields, within)
    ids = pc.replace_with_mask(pa.array(crime_id.array), pa.array(blank), pa.array(derived.array))
    return pd.Series(text_array(ids), index=crime_id.index)


def derived_ids(prefix: str, fields: pd.DataFrame, within: np.ndarray | None = None) -> pd.Series:
    """Stable ids for rows without a natural key: a hash of their fields plus an occurrence
    number, so identical rows in one file get distinct ids in file order (``within``: the file
    of each row, when the rows come from several files; each file numbers its own)."""
    hashed = pd.util.hash_pandas_object(fields, index=False).to_numpy(dtype="uint64")
    # f"{h:016x}" for every hash at once: the big-endian bytes, written in hex.
    hex_digits = np.frombuffer(hashed.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16")
    if within is None:
        occurrence = pd.Series(hashed).groupby(hashed).cumcount().to_numpy(dtype=np.int64)
    else:
        keys = pd.DataFrame({"file": within, "hash": hashed})
        occurrence = keys.groupby(["file", "hash"], sort=False).cumcount().to_numpy(np.int64)
    text = pa.large_string()
    ids = pc.binary_join_element_wise(
        pa.scalar(prefix, type=text),
        pa.array(hex_digits, type=pa.binary(16)).cast(text),
        pa.array(occurrence).cast(text),
        pa.scalar("-", type=text),
    )
    return pd.Series(text_array(ids), index=fields.index)
