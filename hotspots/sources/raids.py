"""Reader for raid / warrant records in the project's documented CSV format.

Real raid data is never public; a force exports its own records to this format (docs/ingest.md,
"Raid and warrant CSV format"). The demo file in ``data/raids/`` is synthetic and says so in its
name, in every row (``synthetic=true``) and in its operation names.

Columns (header required, names case-sensitive, any order): ``raid_id``, ``date``
(``YYYY-MM-DD``), ``warrant_type`` are required; a location as ``longitude``/``latitude`` (WGS84)
or ``easting``/``northing`` (EPSG:27700 metres), whichever pair a row fills (lon/lat first);
optional ``location``, ``operation``, ``arrests``, ``charges``, ``seizure_gbp``,
``drugs_seized``, ``synthetic``.
"""

from __future__ import annotations

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
from hotspots.validate import (
    YEARS,
    RowVerdicts,
    after_latest_month,
    after_latest_note,
    check_bng,
    check_lonlat,
    parse_decimal,
    reject_blank_rows,
    reject_duplicates,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("raid_id", "date", "warrant_type")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "longitude",
    "latitude",
    "easting",
    "northing",
    "location",
    "operation",
    "arrests",
    "charges",
    "seizure_gbp",
    "drugs_seized",
    "synthetic",
)
#: The largest count (arrests, charges) taken: larger ones are errors, and would not fit int64.
_MOST = 1_000_000
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


def looks_like_raids(first_record: list[str]) -> bool:
    """True if a first record is a raid CSV header."""
    return {"raid_id", "warrant_type"} <= {f.strip() for f in first_record}


def read_raids(path: str | Path, *, seen_ids: set[str] | None = None) -> SourceRead:
    """Read one raid / warrant CSV into raid events.

    Parameters
    ----------
    path
        A CSV in the documented raid format.
    seen_ids
        Raid ids already kept by earlier files of the same ingest (updated in place).

    Raises
    ------
    SourceFormatError
        Required columns missing, no coordinate pair, or a row with the wrong number of fields.
    """
    path = Path(path)
    columns = [c.strip() for c in read_first_record(path)]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    has_lonlat = {"longitude", "latitude"} <= set(columns)
    has_bng = {"easting", "northing"} <= set(columns)
    if missing or not (has_lonlat or has_bng):
        lacks = missing + (
            [] if has_lonlat or has_bng else ["longitude/latitude or easting/northing"]
        )
        raise SourceFormatError(
            path,
            "not a raid CSV: the header lacks "
            + ", ".join(lacks)
            + "; expected raid_id, date, warrant_type and a coordinate pair "
            "(longitude, latitude in WGS84, or easting, northing in EPSG:27700)",
            1,
        )
    check_named_once(path, columns, (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
    table = read_text_table(path, columns, has_header=True)
    digest = sha256_soon(path)  # hashed while the rows are checked
    raw = table.frame.copy()
    for name in OPTIONAL_COLUMNS:
        if name not in raw:
            raw[name] = ""
    verdicts = RowVerdicts(len(raw))
    reject_blank_rows(verdicts, raw)

    dates = pd.to_datetime(raw["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    dates = dates.where(dates.dt.year.between(*YEARS))
    verdicts.reject(
        dates.isna().to_numpy(),
        schema.REASON_BAD_DATE,
        "date=" + raw["date"] + f" (expected YYYY-MM-DD, years {YEARS[0]}-{YEARS[1]})",
    )
    verdicts.reject(
        after_latest_month(dates.dt.year, dates.dt.month),
        schema.REASON_BAD_DATE,
        "date=" + raw["date"] + after_latest_note(),
    )
    warrant = raw["warrant_type"].str.strip().str.lower()
    bad_type = ~warrant.isin(schema.WARRANT_TYPES).to_numpy()
    verdicts.reject(
        bad_type,
        schema.REASON_BAD_VALUE,
        "warrant_type="
        + raw["warrant_type"]
        + " (expected one of "
        + ", ".join(schema.WARRANT_TYPES)
        + ")",
    )
    counts = {}
    for name in ("arrests", "charges"):
        counts[name] = _whole_numbers(verdicts, raw[name], name)
    seizure = parse_decimal(raw["seizure_gbp"])
    blank_seizure = (raw["seizure_gbp"].str.strip() == "").to_numpy()
    with np.errstate(invalid="ignore"):
        bad_seizure = ~blank_seizure & ~(np.isfinite(seizure) & (seizure >= 0))
    verdicts.reject(
        bad_seizure,
        schema.REASON_BAD_VALUE,
        "seizure_gbp=" + raw["seizure_gbp"] + " (expected ≥ 0)",
    )
    synthetic_text = raw["synthetic"].str.strip().str.lower()
    bad_flag = ~synthetic_text.isin(_TRUE | _FALSE).to_numpy()
    verdicts.reject(
        bad_flag,
        schema.REASON_BAD_VALUE,
        "synthetic=" + raw["synthetic"] + " (expected true/false)",
    )

    x_m, y_m = _coordinates(verdicts, raw)
    reject_duplicates(verdicts, raw["raid_id"], set() if seen_ids is None else seen_ids, "raid_id")

    rows = np.flatnonzero(verdicts.kept)
    k = raw.iloc[rows].reset_index(drop=True)
    when = dates.iloc[rows].reset_index(drop=True)
    events = canonical_frame(
        len(rows),
        event_id=k["raid_id"].str.strip().to_numpy(),
        layer="raid",
        category=warrant.iloc[rows].to_numpy(),
        month=when.dt.strftime("%Y-%m").to_numpy(),
        date=when.dt.strftime("%Y-%m-%d").to_numpy(),
        location=k["location"].str.strip().to_numpy(),
        outcome="",
        source_file=path.name,
        source_row=table.lines.of(rows),
        synthetic=synthetic_text.iloc[rows].isin(_TRUE).to_numpy(),
        x_m=x_m[rows],
        y_m=y_m[rows],
        extra={
            "operation": k["operation"].str.strip().to_numpy(),
            "arrests": counts["arrests"][rows],
            "charges": counts["charges"][rows],
            "seizure_gbp": seizure[rows],
            "drugs_seized": k["drugs_seized"].str.strip().to_numpy(),
        },
    )
    return SourceRead(
        path=path,
        kind="raids",
        sha256=digest.result(),
        rows_read=len(raw),
        events=events,
        raw=table.frame,
        lines=table.lines,
        verdicts=verdicts,
    )


def _whole_numbers(
    verdicts: RowVerdicts, texts: pd.Series, name: str
) -> pd.api.extensions.ExtensionArray:
    """Parse optional whole numbers ≥ 0; blank becomes missing (``pd.NA`` in an Int64 array)."""
    stripped = texts.str.strip()
    values = parse_decimal(stripped)
    blank = (stripped == "").to_numpy()
    with np.errstate(invalid="ignore"):
        ok = (values >= 0) & (values <= _MOST) & (np.floor(values) == values)
    verdicts.reject(
        ~blank & ~ok,
        schema.REASON_BAD_VALUE,
        f"{name}=" + texts + f" (expected a whole number from 0 to {_MOST:,})",
    )
    out = pd.array(np.where(ok, values, 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return out


def _coordinates(verdicts: RowVerdicts, raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Use lon/lat where a row fills them, else easting/northing."""
    use_lonlat = (
        (raw["longitude"].str.strip() != "") | (raw["latitude"].str.strip() != "")
    ).to_numpy()
    x_m = np.full(len(raw), np.nan)
    y_m = np.full(len(raw), np.nan)
    for mask, check, a, b in (
        (use_lonlat, check_lonlat, "longitude", "latitude"),
        (~use_lonlat, check_bng, "easting", "northing"),
    ):
        if not mask.any():
            continue
        sub = verdicts.subset(mask)
        sx, sy = check(
            sub, raw[a][mask].reset_index(drop=True), raw[b][mask].reset_index(drop=True)
        )
        verdicts.adopt(mask, sub)
        x_m[mask], y_m[mask] = sx, sy
    return x_m, y_m
