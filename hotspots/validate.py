"""Row checks: every row is kept or rejected with a reason, never dropped silently.

A :class:`RowVerdicts` holds, for each row of one source file, the first reason it was rejected for
(or nothing); checks are applied in order and a row keeps the first reason it earns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots import schema

# Great Britain and Northern Ireland, generous: used to recognise swapped lon/lat.
_UK_LON = (-9.0, 3.0)
_UK_LAT = (49.0, 61.0)
# British National Grid extent (metres), per EPSG:27700's area of use, generous.
_BNG_E = (-100_000.0, 800_000.0)
_BNG_N = (-100_000.0, 1_400_000.0)

_TO_BNG = Transformer.from_crs(schema.CRS_WGS84, schema.CRS_BNG, always_xy=True)


class RowVerdicts:
    """First rejection reason (and a detail) per row; ``""`` means still kept.

    Parameters
    ----------
    n_rows
        Number of rows being judged.
    """

    def __init__(self, n_rows: int) -> None:
        self.reason = np.full(n_rows, "", dtype=object)
        self.detail = np.full(n_rows, "", dtype=object)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of rows with no rejection reason."""
        return self.reason == ""

    def reject(self, mask: np.ndarray | pd.Series, reason: str, detail: object = "") -> None:
        """Give ``reason`` to the rows in ``mask`` that have none yet.

        ``detail`` is a string for all of them or an array of per-row strings.
        """
        mask = np.asarray(mask, dtype=bool) & self.kept
        if not mask.any():
            return
        self.reason[mask] = reason
        if isinstance(detail, (np.ndarray, pd.Series, list)):
            self.detail[mask] = np.asarray(detail, dtype=object)[mask]
        else:
            self.detail[mask] = detail

    def counts(self) -> dict[str, int]:
        """Rejected rows by reason (reasons with no rows omitted)."""
        values, counts = np.unique(self.reason[~self.kept].astype(str), return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}


def _with_value(label: str, values: pd.Series) -> np.ndarray:
    return (label + "=" + values.astype(str)).to_numpy(dtype=object)


def parse_decimal(texts: pd.Series) -> np.ndarray:
    """Parse text to float64; anything that is not a number becomes NaN."""
    return pd.to_numeric(texts.str.strip(), errors="coerce").to_numpy(dtype="float64")


def check_lonlat(
    verdicts: RowVerdicts, lon_text: pd.Series, lat_text: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Check WGS84 longitude/latitude text and project the good rows to British National Grid.

    Rejections: ``no location`` (either field blank), ``coordinates out of range`` (not a finite
    number, or outside ±180 / ±90), ``coordinates swapped`` (latitude where longitude belongs, as
    recognised for the UK: "longitude" between 49 and 61 and "latitude" between -9 and 3).

    Returns
    -------
    x_m, y_m : numpy.ndarray
        EPSG:27700 easting and northing in metres; NaN for rejected rows.
    """
    blank = (lon_text.str.strip() == "") | (lat_text.str.strip() == "")
    verdicts.reject(blank.to_numpy(), schema.REASON_NO_LOCATION, "no longitude/latitude")
    lon = parse_decimal(lon_text)
    lat = parse_decimal(lat_text)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
    pair = _with_value("longitude", lon_text) + ", " + _with_value("latitude", lat_text)
    verdicts.reject(bad, schema.REASON_BAD_COORDS, pair)
    with np.errstate(invalid="ignore"):
        swapped = (
            (lon >= _UK_LAT[0]) & (lon <= _UK_LAT[1]) & (lat >= _UK_LON[0]) & (lat <= _UK_LON[1])
        )
    verdicts.reject(swapped, schema.REASON_SWAPPED_COORDS, pair)
    ok = verdicts.kept
    x_m = np.full(len(lon), np.nan)
    y_m = np.full(len(lon), np.nan)
    if ok.any():
        x_m[ok], y_m[ok] = _TO_BNG.transform(lon[ok], lat[ok])
    return x_m, y_m


def check_bng(
    verdicts: RowVerdicts, easting_text: pd.Series, northing_text: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Check British National Grid easting/northing text (metres).

    Rejections: ``no location`` (blank), ``coordinates out of range`` (not a number, or outside
    the grid's extent), ``coordinates swapped`` (a northing-sized easting with an easting-sized
    northing, e.g. E 1,100,000 N 300,000).
    """
    blank = (easting_text.str.strip() == "") | (northing_text.str.strip() == "")
    verdicts.reject(blank.to_numpy(), schema.REASON_NO_LOCATION, "no easting/northing")
    x_m = parse_decimal(easting_text)
    y_m = parse_decimal(northing_text)
    pair = _with_value("easting", easting_text) + ", " + _with_value("northing", northing_text)
    with np.errstate(invalid="ignore"):
        in_e = (x_m >= _BNG_E[0]) & (x_m <= _BNG_E[1])
        in_n = (y_m >= _BNG_N[0]) & (y_m <= _BNG_N[1])
        swapped = (
            ~in_e
            & (y_m >= _BNG_E[0])
            & (y_m <= _BNG_E[1])
            & (x_m >= _BNG_N[0])
            & (x_m <= _BNG_N[1])
        )
    verdicts.reject(swapped, schema.REASON_SWAPPED_COORDS, pair)
    verdicts.reject(~(in_e & in_n), schema.REASON_BAD_COORDS, pair)
    ok = verdicts.kept
    x_m = np.where(ok, x_m, np.nan)
    y_m = np.where(ok, y_m, np.nan)
    return x_m, y_m


def check_month(verdicts: RowVerdicts, month_text: pd.Series) -> pd.Series:
    """Reject rows whose month is not ``YYYY-MM`` (month 01-12); return the stripped months."""
    month = month_text.str.strip()
    ok = month.str.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])").fillna(False).to_numpy(dtype=bool)
    verdicts.reject(~ok, schema.REASON_BAD_DATE, _with_value("month", month_text))
    return month


def reject_duplicates(verdicts: RowVerdicts, keys: pd.Series, seen: set[str], label: str) -> None:
    """Reject rows whose non-blank key was seen before (earlier in this file or in ``seen``).

    ``seen`` is updated with the keys of the rows still kept, so that one ``seen`` set shared
    across the files of an ingest catches duplicates between files too.
    """
    keys = keys.str.strip()
    nonblank = (keys != "").to_numpy()
    candidates = nonblank & verdicts.kept
    earlier = keys.duplicated(keep="first").to_numpy() | keys.isin(seen).to_numpy()
    verdicts.reject(candidates & earlier, schema.REASON_DUPLICATE, _with_value(label, keys))
    seen.update(keys[candidates & verdicts.kept].tolist())


def rejected_frame(
    raw: pd.DataFrame,
    verdicts: RowVerdicts,
    source_file: str,
    first_line: int,
) -> pd.DataFrame:
    """The rejected rows of ``raw`` with ``source_file``, ``source_row``, ``reason``, ``detail``.

    The original fields follow, unchanged, so an analyst can fix and re-submit them.
    """
    mask = ~verdicts.kept
    rows = np.flatnonzero(mask)
    out = pd.DataFrame(
        {
            schema.SOURCE_FILE: source_file,
            schema.SOURCE_ROW: rows + first_line,
            "reason": verdicts.reason[mask].astype(str),
            "detail": verdicts.detail[mask].astype(str),
        }
    )
    fields = raw.iloc[rows].reset_index(drop=True)
    return pd.concat([out, fields], axis=1)
