"""Row checks: every row is kept or rejected with a reason, never dropped silently.

A :class:`RowVerdicts` holds, for each row of one source file, the first reason it was rejected for
(or nothing); checks are applied in order and a row keeps the first reason it earns.

Speed (a national file has millions of rows): each check looks only at the rows still kept; work
repeated across rows is done once per distinct value (months are matched, and stacked snap-point
coordinates projected, once); the detail text of a rejection is built only for the rows rejected;
columns stay Arrow-backed strings, never a Python object per value unless one is needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import CRS, Transformer

from hotspots import schema
from hotspots.projection import on_projection_thread

# Great Britain and Northern Ireland, generous: used to recognise swapped lon/lat.
_UK_LON = (-9.0, 3.0)
_UK_LAT = (49.0, 61.0)
_BNG_E = schema.BNG_EASTING_M
_BNG_N = schema.BNG_NORTHING_M


@functools.cache
def _to_bng() -> Transformer:
    """WGS84 to British National Grid, made when first needed, by geopandas' own cache of
    transformers when it is there: wards in WGS84 reprojected with ``to_crs`` share it (making
    one costs ~35 ms; both used on the projection thread, :mod:`hotspots.projection`)."""
    try:
        from geopandas.array import TransformerFromCRS as made  # an lru_cache of from_crs
    except ImportError:  # another geopandas: a transformer of our own
        made = Transformer.from_crs
    wgs84, bng = CRS.from_user_input(schema.CRS_WGS84), CRS.from_user_input(schema.CRS_BNG)
    return made(wgs84, bng, always_xy=True)


_NO_LONLAT = "no longitude/latitude"

#: A rejection detail: one text for all rows, per-row texts (aligned with all rows), or a function
#: giving the texts of the rows at the positions it is passed (built only for rejected rows).
Detail: TypeAlias = str | np.ndarray | pd.Series | list[str] | Callable[[np.ndarray], Any]


class RowVerdicts:
    """First rejection reason (and a detail) per row; ``""`` means still kept.

    Parameters
    ----------
    n_rows
        Number of rows being judged.
    """

    def __init__(self, n_rows: int) -> None:
        self._code = np.zeros(n_rows, dtype=np.int16)  # 0: kept; k: self._reasons[k - 1]
        self._reasons: list[str] = []
        # (row positions, their detail texts or one text for all), one entry per reject() call.
        self._details: list[tuple[np.ndarray, Any]] = []

    def __len__(self) -> int:
        return len(self._code)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of rows with no rejection reason."""
        return self._code == 0

    @property
    def reason(self) -> np.ndarray:
        """Per row, its rejection reason or ``""`` (a read-only object array)."""
        out = np.array(["", *self._reasons], dtype=object)[self._code]
        out.flags.writeable = False
        return out

    @property
    def detail(self) -> np.ndarray:
        """Per row, the detail of its rejection or ``""`` (a read-only object array)."""
        out = np.full(len(self), "", dtype=object)
        rows, details = self._rejected_details()
        out[rows] = np.asarray(details, dtype=object)
        out.flags.writeable = False
        return out

    def reject(self, mask: np.ndarray | pd.Series, reason: str, detail: Detail = "") -> None:
        """Give ``reason`` to the rows in ``mask`` that have none yet.

        ``detail`` is a string for all of them, an array of per-row strings (aligned with all
        rows), or a function of the rejected rows' positions returning their strings.
        """
        rows = np.flatnonzero(np.asarray(mask, dtype=bool) & self.kept)
        if len(rows) == 0 or reason == "":
            return
        if reason not in self._reasons:
            self._reasons.append(reason)
        self._code[rows] = self._reasons.index(reason) + 1
        self._details.append((rows, _details_at(detail, rows)))

    def counts(self) -> dict[str, int]:
        """Rejected rows by reason (reasons with no rows omitted)."""
        counts = np.bincount(self._code, minlength=len(self._reasons) + 1)[1:]
        return {r: int(c) for r, c in sorted(zip(self._reasons, counts, strict=True)) if c}

    def rejected_columns(self) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray, Any]:
        """Positions of the rejected rows (ascending), with their reasons and details as text."""
        rows, details = self._rejected_details()
        reasons = pa.array(self._reasons, type=pa.large_string())
        codes = pa.array(self._code[rows].astype(np.int32) - 1)
        return rows, text_array(reasons.take(codes)), details

    def subset(self, mask: np.ndarray) -> RowVerdicts:
        """The verdicts of the rows in ``mask``, to run checks on those rows only.

        Hand the result back with :meth:`adopt`; details of earlier rejections are not carried.
        """
        sub = RowVerdicts(0)
        sub._code = self._code[np.asarray(mask, dtype=bool)].copy()
        sub._reasons = list(self._reasons)
        return sub

    def adopt(self, mask: np.ndarray, sub: RowVerdicts) -> None:
        """Take over the rejections ``sub`` (from :meth:`subset` of ``mask``) has made since."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        for sub_rows, details in sub._details:
            rows = positions[sub_rows]
            reason = sub._reasons[sub._code[sub_rows[0]] - 1]
            if reason not in self._reasons:
                self._reasons.append(reason)
            self._code[rows] = self._reasons.index(reason) + 1
            self._details.append((rows, details))

    def slice(self, start: int, stop: int) -> RowVerdicts:
        """The verdicts of rows ``start`` to ``stop`` (exclusive), numbered from 0, with their
        details: one file's share of verdicts made on several files' rows at once."""
        part = RowVerdicts(0)
        part._code = self._code[start:stop].copy()
        part._reasons = list(self._reasons)
        for rows, details in self._details:  # each chunk's rows ascend: a slice of them
            lo, hi = np.searchsorted(rows, [start, stop])
            if lo == hi:
                continue
            if isinstance(details, str):
                taken: Any = details
            elif isinstance(details, pd.Series):
                taken = details.iloc[lo:hi]
            else:
                taken = details[lo:hi]
            part._details.append((rows[lo:hi] - start, taken))
        return part

    def _rejected_details(self) -> tuple[np.ndarray, Any]:
        """Rejected rows (ascending) and their detail texts (an Arrow-backed string array)."""
        if not self._details:
            return np.zeros(0, dtype=np.int64), text_array(pa.array([], type=pa.large_string()))
        rows = np.concatenate([r for r, _ in self._details])
        chunks: list[pa.Array] = []
        for part_rows, details in self._details:
            texts = _arrow_texts(details, len(part_rows))
            chunks.extend(texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts])
        texts = pa.chunked_array(chunks, type=pa.large_string())
        order = np.argsort(rows, kind="stable")
        return rows[order], text_array(texts.take(pa.array(order)))


def _details_at(detail: Detail, rows: np.ndarray) -> Any:
    """The detail texts of ``rows`` (or the one text for all of them)."""
    if callable(detail):
        return detail(rows)
    if isinstance(detail, pd.Series):
        return take_column(detail, rows)
    if isinstance(detail, (np.ndarray, list)):
        return np.asarray(detail, dtype=object)[rows]
    return detail


def _arrow_texts(details: Any, n: int) -> pa.Array | pa.ChunkedArray:
    """Detail texts as Arrow strings; a missing value reads ``nan``, as ``astype(str)`` gives."""
    if isinstance(details, str):
        return pa.repeat(pa.scalar(details, type=pa.large_string()), n)
    if isinstance(details, (pd.Series, pd.api.extensions.ExtensionArray)) and _is_arrow_text(
        details.dtype
    ):
        return pc.fill_null(pa.array(details), "nan")
    if isinstance(details, (pd.Series, pd.api.extensions.ExtensionArray, np.ndarray, list)):
        return pa.array(np.asarray(details, dtype=object).astype(str), type=pa.large_string())
    return pa.repeat(pa.scalar(str(details), type=pa.large_string()), n)


# -- row selection on text frames ----------------------------------------------------------------
def _is_arrow_text(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def text_array(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """Arrow strings as a pandas ``str`` array (no copy)."""
    return pd.array(values, dtype="str")


def take_column(column: pd.Series, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The values of ``column`` at positions ``rows``, or where the boolean mask ``rows`` is
    true, keeping its dtype (an Arrow take or filter for text: no Python object per value)."""
    rows = np.asarray(rows)
    if _is_arrow_text(column.dtype):
        values = pa.array(column.array)
        n = int(rows.sum()) if rows.dtype == bool else len(rows)
        if n <= len(values) and _one_text(values):  # e.g. a file's name on every row
            return pd.array(values.slice(0, n), dtype=column.dtype)
        if rows.dtype == bool:
            return pd.array(pc.filter(values, pa.array(rows)), dtype=column.dtype)
        taken = pc.take(values, pa.array(rows, type=pa.int64()))
        return pd.array(taken, dtype=column.dtype)
    if rows.dtype == bool:
        return column.array[rows]
    return column.array.take(rows)


def _one_text(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether every value is the first one (and none missing): then any selection of ``n``
    values is the first ``n``, a slice, not a copy. A few values are compared first, so that
    a column of several values is told apart at once."""
    n = len(values)
    if n < 1024 or values.null_count:
        return False
    first = values[0]
    if any(values[i] != first for i in (n - 1, n // 2, n // 3, n // 7, n // 11)):
        return False
    return bool(pc.all(pc.equal(values, first)).as_py())


def take_rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.iloc[rows].reset_index(drop=True)`` (``rows``: positions or a boolean mask),
    column by column: several times faster on Arrow-backed text."""
    rows = np.asarray(rows)
    if rows.dtype != bool:
        rows = rows.astype(np.int64, copy=False)
    n = int(rows.sum()) if rows.dtype == bool else len(rows)
    columns = [take_column(frame.iloc[:, i], rows) for i in range(frame.shape[1])]
    out = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(n))
    out.columns = frame.columns  # by position: a file may repeat a column name
    return out


def _at(texts: pd.Series, rows: np.ndarray) -> pd.Series:
    """``texts`` at ``rows`` (ascending positions or a boolean mask), without a copy when that is
    every row."""
    rows = np.asarray(rows)
    if rows.all() if rows.dtype == bool else len(rows) == len(texts):
        return texts.reset_index(drop=True)
    return pd.Series(take_column(texts, rows))


def _spread(rows: np.ndarray, row_mask: np.ndarray, n: int) -> np.ndarray:
    """A mask over all ``n`` rows, true at ``rows[row_mask]``."""
    out = np.zeros(n, dtype=bool)
    out[rows[row_mask]] = True
    return out


def _with_value(label: str, values: pd.Series) -> np.ndarray:
    return (label + "=" + values.astype(str)).to_numpy(dtype=object)


def _pair_detail(
    labels: tuple[str, str], a: pd.Series, b: pd.Series
) -> Callable[[np.ndarray], np.ndarray]:
    """Details ``"<a>=<value>, <b>=<value>"`` built for the rejected rows only."""

    def detail(rows: np.ndarray) -> np.ndarray:
        return _with_value(labels[0], _at(a, rows)) + ", " + _with_value(labels[1], _at(b, rows))

    return detail


def _value_detail(label: str, values: pd.Series) -> Callable[[np.ndarray], np.ndarray]:
    """Details ``"<label>=<value>"`` built for the rejected rows only."""
    return lambda rows: _with_value(label, _at(values, rows))


#: Plain decimals of at most 15 digits (coordinates in degrees or metres). For these, both Arrow's
#: parser and pandas' (``precise_xstrtod``: an exact integer divided by an exact power of ten)
#: give the correctly rounded double, so Arrow parses them in bulk; pandas parses the rest.
_PLAIN_DECIMAL = r"^-?[0-9]{1,7}(\.[0-9]{1,8})?$"


def parse_decimal(texts: pd.Series) -> np.ndarray:
    """Parse text to float64; anything that is not a number becomes NaN."""
    return _parse_stripped(texts.str.strip())


def _parse_stripped(stripped: pd.Series) -> np.ndarray:
    """:func:`parse_decimal` of text already stripped of surrounding white space."""
    if not _is_arrow_text(stripped.dtype):
        return pd.to_numeric(stripped, errors="coerce").to_numpy(dtype="float64")
    values = pa.array(stripped.array)
    plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN_DECIMAL), False)
    if len(values) and (pc.sum(plain).as_py() or 0) == len(values):  # all plain: no copy
        return np.array(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False))
    is_plain = plain.to_numpy(zero_copy_only=False)
    out = np.full(len(stripped), np.nan)
    out[is_plain] = pc.cast(pc.filter(values, plain), pa.float64()).to_numpy()
    if not is_plain.all():
        rest = stripped[~is_plain]
        out[~is_plain] = pd.to_numeric(rest, errors="coerce").to_numpy(dtype="float64")
    return out


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code, for codes numbered in order of appearance (as factorize does):
    a row is a first one where the running maximum of the codes goes up."""
    return np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)


_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15, odd: multiplying is a bijection


def factorize_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct ``(x, y)`` pairs and the first row of each (order of appearance).

    Pairs are told apart by their bits: one 64-bit mix of both numbers is factorised, then every
    row is checked against the first row of its code (a mix shared by two pairs falls back to
    factorising x and y apart).
    """
    x_bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    y_bits = np.ascontiguousarray(y, dtype=np.float64).view(np.int64)
    codes, _ = pd.factorize(x_bits * _MIX ^ y_bits)
    first = _first_rows(codes)
    same_x = np.array_equal(x_bits[first][codes], x_bits)
    if same_x and np.array_equal(y_bits[first][codes], y_bits):
        return codes, first
    x_codes, x_distinct = pd.factorize(x_bits)
    y_codes = pd.factorize(y_bits)[0]
    codes, _ = pd.factorize(x_codes.astype(np.int64) * (len(x_distinct) + 1) + y_codes)
    return codes, _first_rows(codes)


def check_lonlat(
    verdicts: RowVerdicts, lon_text: pd.Series, lat_text: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Check WGS84 longitude/latitude text and project the good rows to British National Grid.

    Rejections: ``no location`` (either field blank), ``coordinates out of range`` (not a finite
    number, or outside ±180 / ±90), ``coordinates swapped`` (latitude where longitude belongs, as
    recognised for the UK: "longitude" between 49 and 61 and "latitude" between -9 and 3),
    ``outside force area`` (a position British National Grid cannot project: infinite metres).

    Returns
    -------
    x_m, y_m : numpy.ndarray
        EPSG:27700 easting and northing in metres; NaN for rejected rows.
    """
    n = len(lon_text)
    x_m = np.full(n, np.nan)
    y_m = np.full(n, np.nan)
    rows = np.flatnonzero(verdicts.kept)
    lon_t, lat_t = _at(lon_text, rows).str.strip(), _at(lat_text, rows).str.strip()
    blank = ((lon_t == "") | (lat_t == "")).to_numpy(dtype=bool)
    lon, lat = _parse_stripped(lon_t), _parse_stripped(lat_t)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
        swapped = (
            (lon >= _UK_LAT[0]) & (lon <= _UK_LAT[1]) & (lat >= _UK_LON[0]) & (lat <= _UK_LON[1])
        )
    pair = _pair_detail(("longitude", "latitude"), lon_text, lat_text)
    verdicts.reject(_spread(rows, blank, n), schema.REASON_NO_LOCATION, _NO_LONLAT)
    verdicts.reject(_spread(rows, bad, n), schema.REASON_BAD_COORDS, pair)
    verdicts.reject(_spread(rows, swapped, n), schema.REASON_SWAPPED_COORDS, pair)
    good = ~(blank | bad | swapped)
    if good.any():
        x_m[rows[good]], y_m[rows[good]] = to_bng(lon[good], lat[good])
        # A valid position with no grid position (90° or more from the grid's meridian, 2°W)
        # projects to infinity: certainly outside any force area, and rejected so here.
        off_grid = _spread(rows, good, n) & ~(np.isfinite(x_m) & np.isfinite(y_m))
        verdicts.reject(off_grid, schema.REASON_OUTSIDE_AREA, pair)
        x_m[off_grid] = y_m[off_grid] = np.nan
    return x_m, y_m


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude to British National Grid; stacked snap points (the same
    coordinates on many rows) are projected once."""
    codes, first = factorize_xy(lon, lat)
    lon_u, lat_u = lon[first], lat[first]
    x_u, y_u = on_projection_thread(lambda: _to_bng().transform(lon_u, lat_u))
    return np.asarray(x_u, dtype="float64")[codes], np.asarray(y_u, dtype="float64")[codes]


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
    pair = _pair_detail(("easting", "northing"), easting_text, northing_text)
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


_MONTH_PATTERN = r"(19|20)\d\d-(0[1-9]|1[0-2])"
#: The years a date may have, first and last (as the month pattern's 19xx and 20xx).
YEARS = (1900, 2099)


def latest_month() -> str:
    """The last month a record may be dated, ``YYYY-MM``: the current month by the machine's
    clock (UTC, a day ahead so that UK time's new month is never refused). A record dated later
    is a typing error (``2052-07`` for ``2025-07``): kept, it would become the store's newest
    month and every default period would end in the future."""
    return (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m")


def after_latest_month(years: pd.Series, months: pd.Series) -> np.ndarray:
    """True where year and month (numbers; NaN: not after) come after :func:`latest_month`:
    the one comparison of every kind of file."""
    latest_year, latest_month_number = (int(v) for v in latest_month().split("-"))
    key = years.to_numpy(dtype=float) * 12 + months.to_numpy(dtype=float)
    return np.asarray(key > latest_year * 12 + latest_month_number)


def after_latest_note() -> str:
    """What a rejection for a date after :func:`latest_month` adds to the value it names."""
    return f" (after the current month, {latest_month()})"


def check_month(verdicts: RowVerdicts, month_text: pd.Series) -> pd.Series:
    """Reject rows whose month is not ``YYYY-MM`` (month 01-12) or comes after
    :func:`latest_month`; return the stripped months."""
    month = month_text.str.strip()
    rows = np.flatnonzero(verdicts.kept)
    codes, distinct = pd.factorize(_at(month, rows), use_na_sentinel=False)
    good = pd.Series(distinct).str.fullmatch(_MONTH_PATTERN)
    ok = good.fillna(False).to_numpy(dtype=bool)[codes]
    bad = _spread(rows, ~ok, len(month))
    verdicts.reject(bad, schema.REASON_BAD_DATE, _value_detail("month", month_text))
    held = pd.Series(distinct).where(good.fillna(False).astype(bool))  # well-formed only
    future = after_latest_month(
        pd.to_numeric(held.str[:4], errors="coerce"), pd.to_numeric(held.str[5:7], errors="coerce")
    )
    later = _spread(rows, future[codes], len(month))
    note = after_latest_note()
    verdicts.reject(
        later, schema.REASON_BAD_DATE, lambda at: _with_value("month", _at(month_text, at)) + note
    )
    return month


def reject_blank_rows(verdicts: RowVerdicts, raw: pd.DataFrame) -> None:
    """Reject rows whose every field is empty (an empty line in the file, or only commas)."""
    blank = np.ones(len(raw), dtype=bool)
    for i in range(raw.shape[1]):
        if not blank.any():
            return
        blank &= (raw.iloc[:, i] == "").to_numpy(dtype=bool)
    verdicts.reject(blank, schema.REASON_BLANK_ROW, "every field is empty")


def reject_duplicates(
    verdicts: RowVerdicts,
    keys: pd.Series,
    seen: set[str],
    label: str,
    within: np.ndarray | None = None,
    *,
    stripped: bool = False,
) -> None:
    """Reject rows whose non-blank key was seen before (earlier in this file or in ``seen``).

    Keys are compared stripped of surrounding white space (``stripped``: they already are).

    ``seen`` is updated with the keys of the rows still kept, so that one ``seen`` set shared
    across the files of an ingest catches duplicates between files too.

    ``within``: the file (0, 1, ...) of each row, when the rows are several files' one after
    another; the verdicts are then those of checking the files one by one with one ``seen``:
    a key is a repeat when an earlier row of its own file has it (kept or not), or a row
    kept in an earlier file.
    """
    keys = (keys if stripped else keys.str.strip()).reset_index(drop=True)
    nonblank = (keys != "").to_numpy(dtype=bool)
    rows = np.flatnonzero(nonblank & verdicts.kept)
    if len(rows) == 0:
        return
    if within is None:
        earlier, texts = _repeats_earlier(keys, nonblank, rows)
    else:
        earlier, texts = _repeats_earlier_in_file(keys, nonblank, rows, within)
    if seen:
        earlier |= np.fromiter(map(seen.__contains__, texts), dtype=bool, count=len(texts))
    if within is not None:
        # Of the rows kept in their own file, the first with a key keeps it for later files.
        firsts = np.flatnonzero(~earlier)
        later = pd.Series(texts[firsts], dtype=object).duplicated(keep="first").to_numpy(bool)
        earlier[firsts[later]] = True
    repeated = _spread(rows, earlier, len(keys))
    verdicts.reject(repeated, schema.REASON_DUPLICATE, _value_detail(label, keys))
    seen.update(texts[~earlier])


def _repeats_earlier(
    keys: pd.Series, nonblank: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For the keys at ``rows``: does the same key occur at an earlier row (any row)?

    Returns that, and the keys at ``rows`` as Python strings (an object array).
    """
    if len(rows) * 2 > len(keys):
        # Most rows are candidates: hash every key once, as the Python strings `seen` will hold.
        key_rows = np.flatnonzero(nonblank)
        texts = np.array(_at(keys, nonblank).tolist(), dtype=object)
        repeated = pd.Series(texts, dtype=object).duplicated(keep="first").to_numpy(dtype=bool)
        at = np.searchsorted(key_rows, rows)
        return repeated[at], texts[at]
    # Few candidates: only rows sharing a candidate's key can make it a repeat.
    candidates = _at(keys, rows)
    related = np.flatnonzero(_is_in(keys, candidates))
    repeated = _at(keys, related).duplicated(keep="first").to_numpy(dtype=bool)
    texts = np.array(candidates.tolist(), dtype=object)
    return repeated[np.searchsorted(related, rows)], texts


def _repeats_earlier_in_file(
    keys: pd.Series, nonblank: np.ndarray, rows: np.ndarray, within: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_repeats_earlier` with each row compared only to the earlier rows of its file."""
    key_rows = np.flatnonzero(nonblank)
    texts = np.array(_at(keys, nonblank).tolist(), dtype=object)
    files = np.asarray(within, dtype=np.int64)[key_rows]  # ascending
    ends = np.searchsorted(files, np.arange(int(files[-1]) + 1), side="right")
    repeated = np.concatenate(
        [
            pd.Series(texts[a:b], dtype=object).duplicated(keep="first").to_numpy(dtype=bool)
            for a, b in zip([0, *ends[:-1]], ends, strict=True)
        ]
    )
    at = np.searchsorted(key_rows, rows)
    return repeated[at], texts[at]


def _is_in(values: pd.Series, options: pd.Series) -> np.ndarray:
    """``values.isin(options)`` as a boolean array (an Arrow hash lookup for text: ~5x faster)."""
    if _is_arrow_text(values.dtype) and _is_arrow_text(options.dtype):
        found = pc.is_in(pa.array(values.array), value_set=pa.array(options.unique()))
        return found.to_numpy(zero_copy_only=False).astype(bool)
    return values.isin(options.unique()).to_numpy(dtype=bool)


def rejected_frame(
    raw: pd.DataFrame,
    verdicts: RowVerdicts,
    source_file: str,
    line_of: Callable[[np.ndarray], np.ndarray],
) -> pd.DataFrame:
    """The rejected rows of ``raw`` with ``source_file``, ``source_row``, ``reason``, ``detail``.

    ``line_of`` gives the line of the rows at some positions of ``raw``
    (:meth:`hotspots.sources.lines.RowLines.of`). The original fields follow, unchanged, so an
    analyst can fix and re-submit them.
    """
    rows, reasons, details = verdicts.rejected_columns()
    out = pd.DataFrame(
        {
            schema.SOURCE_FILE: text_array(
                pa.repeat(pa.scalar(source_file, type=pa.large_string()), len(rows))
            ),
            schema.SOURCE_ROW: line_of(rows),
            "reason": reasons,
            "detail": details,
        }
    )
    return pd.concat([out, take_rows(raw, ~verdicts.kept)], axis=1)
