"""Reader for data.police.uk stop-and-search CSVs.

Kept rows become ``search`` events. By default only ``Object of search == "Controlled drugs"`` is
kept. Columns are selected by name (this file has ``Latitude,Longitude``, the reverse of the
street files). ``Date`` is ISO 8601 with an offset; the month and date are taken in UK local time
(Europe/London), as police.uk files them: ``2019-06-30T23:03:09+00:00`` is 1 July 2019, 00:03 BST.

A search whose object is left blank under the Misuse of Drugs Act is for controlled drugs
(:func:`object_of_search`).

The source has no record id. Identical rows are distinct searches (a group searched together),
so they are all kept, each with its own derived id.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.errors import SourceFormatError
from hotspots.sources.base import SourceRead, canonical_frame
from hotspots.sources.csvio import (
    check_named_once,
    read_first_record,
    read_text_table,
    sha256_soon,
)
from hotspots.sources.police_uk import derived_ids
from hotspots.validate import (
    YEARS,
    RowVerdicts,
    after_latest_month,
    after_latest_note,
    check_lonlat,
    reject_blank_rows,
)

#: The columns of a police.uk stop-and-search CSV, in the published order.
SEARCH_COLUMNS: tuple[str, ...] = (
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "Type",
    "Date",
    "Latitude",
    "Longitude",
    "Object of search",
    "Outcome",
)
_EXTRA_SOURCE = {
    "search_type": "Type",
    "legislation": "Legislation",
    "gender": "Gender",
    "age_range": "Age range",
    "officer_defined_ethnicity": "Officer-defined ethnicity",
    "outcome_linked_to_object": "Outcome linked to object of search",
    "policing_operation": "Policing operation",
}
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)\s*$")
UK_TZ = "Europe/London"
#: ``Legislation`` of searches for controlled drugs only (folded case).
_DRUGS_ACT = "misuse of drugs act"


def looks_like_stop_search(first_record: list[str]) -> bool:
    """True if a first record is a stop-and-search header."""
    return "Object of search" in {f.strip() for f in first_record}


def read_stop_search(path: str | Path, *, all_objects: bool = False) -> SourceRead:
    """Read one stop-and-search CSV into search events.

    Parameters
    ----------
    path
        A data.police.uk ``YYYY-MM-<force>-stop-and-search.csv`` file (header required).
    all_objects
        Keep searches for every object, not only controlled drugs.

    Raises
    ------
    SourceFormatError
        Required columns missing, or a row with the wrong number of fields.
    """
    path = Path(path)
    columns = [c.strip() for c in read_first_record(path)]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise SourceFormatError(
            path,
            "not a data.police.uk stop-and-search CSV: the header lacks "
            + ", ".join(repr(c) for c in missing)
            + "; expected at least "
            + ", ".join(REQUIRED_COLUMNS),
            1,
        )
    check_named_once(path, columns, (*REQUIRED_COLUMNS, *_EXTRA_SOURCE.values()))
    table = read_text_table(path, columns, has_header=True)
    digest = sha256_soon(path)  # hashed while the rows are checked
    raw = table.frame
    verdicts = RowVerdicts(len(raw))
    reject_blank_rows(verdicts, raw)

    what = object_of_search(raw)
    if not all_objects:
        other = (what != schema.CONTROLLED_DRUGS_OBJECT).to_numpy()
        verdicts.reject(
            other, schema.REASON_NOT_DRUGS, "Object of search=" + raw["Object of search"]
        )
    local = uk_local_times(raw["Date"])
    verdicts.reject(local.isna().to_numpy(), schema.REASON_BAD_DATE, "Date=" + raw["Date"])
    verdicts.reject(
        after_latest_month(local.dt.year, local.dt.month),
        schema.REASON_BAD_DATE,
        "Date=" + raw["Date"] + after_latest_note(),
    )
    x_m, y_m = check_lonlat(verdicts, raw["Longitude"], raw["Latitude"])

    rows = np.flatnonzero(verdicts.kept)
    k = raw.iloc[rows].reset_index(drop=True)
    when = local.iloc[rows].reset_index(drop=True)
    extra = {
        name: (k[col].str.strip().to_numpy() if col in k else np.full(len(k), "", dtype=object))
        for name, col in _EXTRA_SOURCE.items()
    }
    events = canonical_frame(
        len(rows),
        event_id=derived_ids("search", k).to_numpy(),
        layer="search",
        category=what.iloc[rows].to_numpy(),
        month=when.dt.strftime("%Y-%m").to_numpy(),
        date=when.dt.strftime("%Y-%m-%d").to_numpy(),
        location="",
        outcome=k["Outcome"].str.strip().to_numpy(),
        source_file=path.name,
        source_row=table.lines.of(rows),
        synthetic=False,
        x_m=x_m[rows],
        y_m=y_m[rows],
        extra=extra,
    )
    return SourceRead(
        path=path,
        kind="stop_search",
        sha256=digest.result(),
        rows_read=len(raw),
        events=events,
        raw=raw,
        lines=table.lines,
        verdicts=verdicts,
    )


def object_of_search(raw: pd.DataFrame) -> pd.Series:
    """Each row's ``Object of search``, stripped; left blank under the Misuse of Drugs Act
    (``Legislation`` = ``Misuse of Drugs Act 1971 (section 23)``, a power to search for
    controlled drugs only), it is ``Controlled drugs`` (Merseyside's files leave it blank on
    6-10 such searches a month)."""
    what = raw["Object of search"].str.strip()
    if "Legislation" not in raw:
        return what
    law = raw["Legislation"].str.strip().str.casefold()
    drugs_law = (what == "") & law.str.startswith(_DRUGS_ACT)
    return what.where(~drugs_law, schema.CONTROLLED_DRUGS_OBJECT)


def uk_local_times(texts: pd.Series) -> pd.Series:
    """Parse ISO 8601 timestamps to UK local time (Europe/London); unparseable become NaT.

    Timestamps with an offset (``+00:00``, ``Z``) are converted; ones without are read as UK
    local time already (a time in the hour the clocks go back is taken as BST, one in the hour
    they skip moves on by that hour: the day is the same either way). Years outside
    :data:`hotspots.validate.YEARS` become NaT.
    """
    texts = texts.str.strip()
    with_offset = texts.str.contains(_HAS_OFFSET).fillna(False).to_numpy(dtype=bool)
    out = pd.Series(pd.NaT, index=texts.index, dtype=f"datetime64[ns, {UK_TZ}]")
    if with_offset.any():
        parsed = pd.to_datetime(texts[with_offset], utc=True, format="ISO8601", errors="coerce")
        out[with_offset] = _plausible(parsed).dt.tz_convert(UK_TZ)
    if (~with_offset).any():
        naive = _plausible(pd.to_datetime(texts[~with_offset], format="ISO8601", errors="coerce"))
        # In the hour the clocks go back a time is two instants (the earlier, BST, is taken); in
        # the hour they go forward none (moved on by the hour skipped): the day is the same.
        summer = np.ones(len(naive), dtype=bool)
        out[~with_offset] = naive.dt.tz_localize(
            UK_TZ, ambiguous=summer, nonexistent=pd.Timedelta(hours=1)
        )
    return out


def _plausible(times: pd.Series) -> pd.Series:
    """``times`` with years outside 1900-2099 made NaT (as street months must be 19xx or 20xx;
    a year such as 2999 would not fit the nanosecond timestamps either)."""
    return times.where(times.dt.year.between(*YEARS))
