"""Reader for data.police.uk street-level crime CSVs (any force).

Kept rows become ``offence`` events. By default only ``Crime type == "Drugs"`` is kept; the rest
are rejected as ``not a drug record`` (counted, never silently dropped). ``all_crime_types=True``
keeps every crime type, for analyses that compare drug offences with all recorded crime.

``Crime ID`` is blank on anti-social behaviour rows, so it is not a key: such rows get a derived
id. A non-blank ``Crime ID`` seen twice in one ingest is a ``duplicate``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots import schema
from hotspots.errors import SourceFormatError
from hotspots.sources.base import SourceRead, canonical_frame
from hotspots.sources.csvio import (
    check_named_once,
    read_first_record,
    read_text_table,
    sha256_soon,
)
from hotspots.validate import (
    RowVerdicts,
    check_lonlat,
    check_month,
    reject_blank_rows,
    reject_duplicates,
    rejected_frame,
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
    path = Path(path)
    first = read_first_record(path)
    has_header = _check_header(path, first)
    columns = [c.strip() for c in first] if has_header else list(STREET_COLUMNS)
    check_named_once(path, columns, STREET_COLUMNS)
    table = read_text_table(path, columns, has_header=has_header)
    digest = sha256_soon(path)  # hashed while the rows are checked
    raw = table.frame
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
    reject_duplicates(
        verdicts, raw["Crime ID"], set() if seen_ids is None else seen_ids, "Crime ID"
    )

    kept = verdicts.kept
    rows = np.flatnonzero(kept)
    k = take_rows(raw[list(_KEPT_FIELDS)], kept)
    events = canonical_frame(
        len(rows),
        event_id=_event_ids(raw, rows).array,
        layer="offence",
        category=k["Crime type"].str.strip().array,
        month=take_column(month, kept),
        date=None,
        location=k["Location"].str.strip().array,
        outcome=k["Last outcome category"].str.strip().array,
        source_file=path.name,
        source_row=rows + table.first_line,
        synthetic=False,
        x_m=x_m[rows],
        y_m=y_m[rows],
        extra={"lsoa_code": k["LSOA code"].str.strip().array},
    )
    return SourceRead(
        path=path,
        kind="street",
        sha256=digest.result(),
        rows_read=len(raw),
        events=events,
        rejected=rejected_frame(raw, verdicts, path.name, table.first_line),
        raw=raw,
        first_line=table.first_line,
        verdicts=verdicts,
    )


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


def _event_ids(raw: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """For the rows at ``rows``: ``Crime ID`` where present; otherwise a stable id derived from
    the row's content."""
    crime_id = pd.Series(take_column(raw["Crime ID"], rows)).str.strip()
    blank = (crime_id == "").to_numpy(dtype=bool)
    if not blank.any():
        return crime_id
    fields = take_rows(raw[_ID_FIELDS], rows[blank])
    derived = derived_ids("street", fields)
    ids = pc.replace_with_mask(pa.array(crime_id.array), pa.array(blank), pa.array(derived.array))
    return pd.Series(text_array(ids), index=crime_id.index)


def derived_ids(prefix: str, fields: pd.DataFrame) -> pd.Series:
    """Stable ids for rows without a natural key: a hash of their fields plus an occurrence
    number, so identical rows in one file get distinct ids in file order."""
    hashed = pd.util.hash_pandas_object(fields, index=False).to_numpy(dtype="uint64")
    # f"{h:016x}" for every hash at once: the big-endian bytes, written in hex.
    hex_digits = np.frombuffer(hashed.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16")
    occurrence = pd.Series(hashed).groupby(hashed).cumcount().to_numpy(dtype=np.int64)
    text = pa.large_string()
    ids = pc.binary_join_element_wise(
        pa.scalar(prefix, type=text),
        pa.array(hex_digits, type=pa.binary(16)).cast(text),
        pa.array(occurrence).cast(text),
        pa.scalar("-", type=text),
    )
    return pd.Series(text_array(ids), index=fields.index)
