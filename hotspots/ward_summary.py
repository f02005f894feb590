"""Ward summary: event counts by ward for a period, against a comparison period, and roll-ups.

For each ward and each layer (``offence``, ``search``, ``raid``) the summary gives the count in
the period, the count in the comparison period (by default :meth:`Period.previous`, the
equivalent period just before), the change (absolute and %), the count per km², the count per
1,000 residents (when a population table is given) and the ward's rank. Every ward has a row,
including wards with no events. :func:`district_summary` rolls the wards up by district,
:func:`force_totals` gives the force-wide totals, and :func:`headline` turns a change into words
("36% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (455 vs 335)").

Units and conventions
---------------------
- Geometry is British National Grid (EPSG:27700, metres); ``area_km2`` is the area of the ward
  polygon as stored (ONS BSC boundaries are generalised, so areas are approximate).
- Counts, rates and changes are over the whole period, not annualised: ``*_per_km2`` is events
  per km² in the period, ``*_per_1000`` events per 1,000 residents in the period.
- ``*_change`` is ``count - prev``; ``*_change_pct`` is ``100 * change / prev`` in percent
  (``36.0`` means 36% more) and is NaN, never infinite, when ``prev`` is 0 (when both are 0 the
  change is 0 and the percentage NaN). Rates are NaN when the area or the population is 0 or
  unknown.
- ``*_rank``: 1 is the most events in the period; ties share the lowest rank (counts 5, 3, 3, 1
  rank 1, 2, 2, 4). Rows are ordered by ward (district) code.
- Both periods must be covered by data: a month with no events of any layer raises, because its
  counts would read as zero. ``frame.attrs["months_without_events"]`` lists, per layer, the
  months of either period with no event of that layer (e.g. a layer loaded for only some
  months), so a caller can tell a real zero from missing data.

Population table format
-----------------------
A CSV file read by :func:`read_population`:

- UTF-8 (a byte-order mark is fine), comma-separated, a header line is required;
- columns ``ward_code`` (the ward's GSS code, e.g. ``E05010805``, the codes of the stored ward
  vintage) and ``population`` (residents, a whole number >= 0 written as digits only, e.g.
  ``8123``, not ``8,123`` or ``8123.0``), in any order; other columns are ignored;
- one row per ward; a repeated ward code, a blank ward code, a population that is not a whole
  number >= 0, or a row with a different number of fields than the header raises
  :class:`PopulationFormatError` naming the file, the line and the value; blank lines are skipped;
- codes of wards not in the summary (e.g. a national table) are ignored; wards missing from the
  table get NaN per-1,000 rates and are listed in ``summary.attrs["wards_without_population"]``.

Example::

    ward_code,ward_name,population
    E05010805,Abbey,8123
    E05010806,Arbury,9350
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots import schema
from hotspots.errors import HotspotsError, SourceFormatError
from hotspots.periods import Period, PeriodError

__all__ = [
    "PopulationFormatError",
    "WardSummaryError",
    "category_counts",
    "district_summary",
    "force_totals",
    "headline",
    "read_population",
    "ward_summary",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

POPULATION_COLUMNS = ("ward_code", "population")
_WARD_KEYS = (schema.WARD_CODE, schema.WARD_NAME, schema.DISTRICT_CODE, schema.DISTRICT_NAME)
_WHOLE = re.compile(r"[0-9]+")
#: (singular, plural) nouns of each layer, as ingested by default (drug records only).
_NOUNS = {
    "offence": ("drug offence", "drug offences"),
    "search": ("drug search", "drug searches"),
    "raid": ("drug raid", "drug raids"),
}


class WardSummaryError(HotspotsError, ValueError):
    """The inputs of a summary do not fit together (columns, CRS, ward codes, periods)."""


class PopulationFormatError(SourceFormatError, ValueError):
    """A population table breaks the documented format; names the file, line and value."""


# -- population -----------------------------------------------------------------------------------


def read_population(path: str | Path) -> pd.DataFrame:
    """Read a population table (format in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with a header and the columns ``ward_code`` and ``population``.

    Returns
    -------
    pandas.DataFrame
        Columns ``ward_code`` (str) and ``population`` (int64, residents), in file order.

    Raises
    ------
    PopulationFormatError
        For a missing column, a blank or repeated ward code, a population that is not a whole
        number >= 0, a row with the wrong number of fields, or bytes that are not UTF-8.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PopulationFormatError(
            path, "bytes that are not UTF-8; expected UTF-8", line
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    codes: list[str] = []
    values: list[int] = []
    first_line: dict[str, int] = {}
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [c for c in POPULATION_COLUMNS if c not in header]
        if missing:
            raise PopulationFormatError(
                path,
                f"header {header} lacks {missing}; expected the columns {POPULATION_COLUMNS}",
                1,
            )
        i_code, i_pop = header.index("ward_code"), header.index("population")
        for row in reader:
            line = reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(header):
                raise PopulationFormatError(
                    path, f"{len(row)} field(s), expected {len(header)} as in the header", line
                )
            code, value = row[i_code].strip(), row[i_pop].strip()
            if not code:
                raise PopulationFormatError(path, "blank ward_code; expected a ward code", line)
            if not _WHOLE.fullmatch(value):
                raise PopulationFormatError(
                    path,
                    f"population {value!r} for {code!r} is not a whole number >= 0; "
                    "expected digits only, e.g. 8123",
                    line,
                )
            if code in first_line:
                raise PopulationFormatError(
                    path, f"duplicate ward_code {code!r} (first on line {first_line[code]})", line
                )
            first_line[code] = line
            codes.append(code)
            values.append(int(value))
    except csv.Error as exc:
        raise PopulationFormatError(path, f"malformed CSV ({exc})", reader.line_num) from None
    return pd.DataFrame(
        {"ward_code": pd.Series(codes, dtype=str), "population": np.array(values, dtype=np.int64)}
    )


def _population_by_ward(population: pd.DataFrame, codes: pd.Series) -> pd.Series:
    """Population of each ward of ``codes`` (Int64, <NA> for wards not in the table)."""
    _require_columns(population, "population", POPULATION_COLUMNS)
    table = population.loc[:, list(POPULATION_COLUMNS)]
    if table["ward_code"].isna().any() or table["ward_code"].duplicated().any():
        repeated = sorted(table.loc[table["ward_code"].duplicated(), "ward_code"].astype(str))
        raise WardSummaryError(
            f"population has blank or repeated ward codes {repeated[:5]}; expected one row per ward"
        )
    values = pd.to_numeric(table["population"], errors="coerce")
    bad = table.loc[values.isna() | (values < 0) | (values % 1 != 0), "population"]
    if len(bad):
        raise WardSummaryError(
            f"population holds {len(bad)} value(s) that are not whole numbers >= 0, e.g. "
            f"{bad.tolist()[0]!r}; expected residents per ward"
        )
    lookup = pd.Series(values.to_numpy(dtype=np.int64), index=table["ward_code"].to_numpy())
    return pd.Series(codes.map(lookup).to_numpy(), dtype="Int64")


# -- ward summary ---------------------------------------------------------------------------------


def ward_summary(
    events: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    period: Period,
    *,
    compare_to: Period | None = None,
    population: pd.DataFrame | None = None,
    available_months: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Counts of events by ward and layer for ``period``, against ``compare_to``.

    Parameters
    ----------
    events : pandas.DataFrame or geopandas.GeoDataFrame
        Store events (:meth:`hotspots.store.Store.load`); only the columns ``layer``, ``month``
        and ``ward_code`` are used (the geometry is not). Events outside both periods are
        ignored. Not modified.
    wards : geopandas.GeoDataFrame
        The stored wards (``Store.load_boundary("wards")``), EPSG:27700, with ``ward_code``,
        ``ward_name``, ``district_code``, ``district_name``.
    period : Period
        The period summarised.
    compare_to : Period, optional
        The comparison period, of the same length; default ``period.previous()``.
    population : pandas.DataFrame, optional
        Residents per ward, columns ``ward_code`` and ``population`` (see
        :func:`read_population`); adds ``population`` and ``<layer>_per_1000`` columns.
    available_months : iterable of str, optional
        The months the data covers (e.g. the store's months). Default: the months of
        ``events`` that hold at least one event of any layer.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ward, ordered by ``ward_code``: ``ward_code``, ``ward_name``,
        ``district_code``, ``district_name``, ``area_km2``, [``population``], then for each
        layer ``<layer>_count``, ``_prev``, ``_change``, ``_change_pct``, ``_per_km2``,
        [``_per_1000``], ``_rank``, and the ward ``geometry`` (EPSG:27700). ``attrs`` holds
        ``period`` and ``compare_to`` (labels), ``months_without_events`` and, with a
        population, ``wards_without_population`` (sorted codes). Units: module docstring.

    Raises
    ------
    WardSummaryError
        If a column is missing, ``wards`` is not EPSG:27700 or repeats a code, an event's
        ward code is not in ``wards`` (store and wards do not match), an event's layer is
        unknown, or the periods differ in length.
    PeriodError
        If a month of either period has no data (counts there would read as zero), or a
        ``month`` value is malformed.
    """
    compare_to = _comparison(period, compare_to)
    current, previous = _split(events, period, compare_to, available_months, schema.WARD_CODE)
    table = _ward_frame(wards)
    codes = table[schema.WARD_CODE]
    unknown = pd.concat([current, previous])[schema.WARD_CODE]
    unknown = unknown[~unknown.isin(codes)]
    if len(unknown):
        shown = sorted({str(c) for c in unknown})
        raise WardSummaryError(
            f"{len(unknown)} event(s) have ward codes not in wards, e.g. {shown[:5]}; expected "
            "every event's ward_code in wards['ward_code'] (store and wards do not match)"
        )
    out = pd.DataFrame({key: table[key] for key in _WARD_KEYS})
    out["area_km2"] = table.geometry.area.to_numpy() / 1e6
    pop: FloatArray | None = None
    if population is not None:
        out["population"] = _population_by_ward(population, codes)
        pop = out["population"].to_numpy(dtype=np.float64, na_value=np.nan)
    now, before = _counts(current, [schema.WARD_CODE]), _counts(previous, [schema.WARD_CODE])
    for layer in schema.LAYERS:
        count = now.get(layer, pd.Series(dtype=np.int64)).reindex(codes, fill_value=0)
        prev = before.get(layer, pd.Series(dtype=np.int64)).reindex(codes, fill_value=0)
        _add_measures(out, layer, count.to_numpy(), prev.to_numpy(), pop)
    result = gpd.GeoDataFrame(out, geometry=table.geometry.to_numpy(), crs=schema.CRS_BNG)
    result.attrs = _attrs(period, compare_to, current, previous)
    if pop is not None:
        result.attrs["wards_without_population"] = sorted(codes[np.isnan(pop)])
    return result


def _add_measures(
    out: pd.DataFrame, layer: str, count: IntArray, prev: IntArray, pop: FloatArray | None
) -> None:
    """Append one layer's count, prev, change, %, per km², per 1,000 and rank columns."""
    count, prev = count.astype(np.int64), prev.astype(np.int64)
    out[f"{layer}_count"] = count
    out[f"{layer}_prev"] = prev
    out[f"{layer}_change"] = count - prev
    out[f"{layer}_change_pct"] = _ratio(count - prev, prev, 100.0)
    out[f"{layer}_per_km2"] = _ratio(count, out["area_km2"].to_numpy())
    if pop is not None:
        out[f"{layer}_per_1000"] = _ratio(count, pop, 1000.0)
    ranks = pd.Series(count).rank(method="min", ascending=False)
    out[f"{layer}_rank"] = ranks.to_numpy(dtype=np.int64)


def _ratio(numerator: Any, denominator: Any, scale: float = 1.0) -> FloatArray:
    """``scale * numerator / denominator``; NaN where the denominator is 0 or NaN (no warning)."""
    num = np.asarray(numerator, dtype=np.float64) * scale
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _counts(frame: pd.DataFrame, by: list[str]) -> dict[str, pd.Series]:
    """Event counts per layer, each a Series indexed by ``by``."""
    if frame.empty:
        return {}
    sizes = frame.groupby([schema.LAYER, *by], dropna=False).size()
    return {str(layer): part.droplevel(schema.LAYER) for layer, part in sizes.groupby(level=0)}


def _attrs(
    period: Period, compare_to: Period, current: pd.DataFrame, previous: pd.DataFrame
) -> dict[str, Any]:
    months = sorted({*period.months, *compare_to.months})
    held = pd.concat([current, previous]).groupby(schema.LAYER)[schema.MONTH].unique()
    return {
        "period": period.label,
        "compare_to": compare_to.label,
        "months_without_events": {
            layer: [m for m in months if m not in set(held.get(layer, []))]
            for layer in schema.LAYERS
        },
    }


def _comparison(period: Period, compare_to: Period | None) -> Period:
    for name, value in (("period", period), ("compare_to", compare_to)):
        if value is not None and not isinstance(value, Period):
            raise WardSummaryError(f"{name} must be a Period, got {type(value).__name__}")
    other = period.previous() if compare_to is None else compare_to
    if other.n_months != period.n_months:
        raise WardSummaryError(
            f"cannot compare {period.label} ({period.n_months} months) with {other.label} "
            f"({other.n_months} months); expected periods of the same length, e.g. "
            "period.previous() or period.year_earlier()"
        )
    return other


def _split(
    events: pd.DataFrame,
    period: Period,
    compare_to: Period,
    available_months: Iterable[str] | None,
    *keys: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events of ``period`` and of ``compare_to`` (columns layer, month, ``keys``), checked."""
    columns = list(dict.fromkeys([schema.LAYER, schema.MONTH, *keys]))
    _require_columns(events, "events", columns)
    frame = pd.DataFrame(events.loc[:, columns])
    current, previous = period.select(frame), compare_to.select(frame)
    held = frame[schema.MONTH].dropna() if available_months is None else available_months
    try:
        period.require_data(held)
        compare_to.require_data(held)
    except PeriodError as exc:
        raise PeriodError(
            f"{exc}; counts there would read as zero. Load those months, or pass "
            "available_months= when months without any event are real"
        ) from None
    layers = pd.concat([current, previous])[schema.LAYER]
    unknown = sorted({str(v) for v in layers[~layers.isin(schema.LAYERS)]})
    if unknown:
        raise WardSummaryError(f"events have unknown layers {unknown}; expected {schema.LAYERS}")
    return current, previous


def _ward_frame(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A checked copy of ``wards``, ordered by ward code."""
    if not isinstance(wards, gpd.GeoDataFrame):
        raise WardSummaryError(f"wards must be a GeoDataFrame, got {type(wards).__name__}")
    if wards.crs is None or not wards.crs.equals(schema.CRS_BNG):
        got = "no CRS" if wards.crs is None else wards.crs.to_string()
        raise WardSummaryError(f"wards are in {got}; expected {schema.CRS_BNG} (metres)")
    _require_columns(wards, "wards", _WARD_KEYS)
    codes = wards[schema.WARD_CODE]
    if codes.isna().any() or codes.duplicated().any():
        repeated = sorted(codes[codes.duplicated()].astype(str))
        raise WardSummaryError(
            f"wards have blank or repeated codes {repeated[:5]}; expected unique"
        )
    return wards.sort_values(schema.WARD_CODE, kind="stable").reset_index(drop=True)


def _require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise WardSummaryError(f"{name} must be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WardSummaryError(
            f"{name} lacks column(s) {missing}; got {list(frame.columns)}, expected {list(columns)}"
        )


# -- categories -----------------------------------------------------------------------------------


def category_counts(
    events: pd.DataFrame,
    period: Period,
    *,
    compare_to: Period | None = None,
    by: Sequence[str] = (schema.WARD_CODE,),
    available_months: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Counts by ``by``, layer and category, in long format, against ``compare_to``.

    Parameters
    ----------
    events : pandas.DataFrame
        Store events with ``layer``, ``month``, ``category`` and the ``by`` columns. Not modified.
    period, compare_to, available_months
        As in :func:`ward_summary`.
    by : sequence of str, default ("ward_code",)
        Grouping columns, e.g. ``("district_code",)``, or ``()`` for force-wide counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, layer, category, count, prev, change, change_pct`` (change_pct in
        percent, NaN when prev is 0), one row per combination with an event in either period
        (combinations absent from both are omitted), ordered by those keys. No CRS.
    """
    by = list(by)
    if any(k in (schema.LAYER, schema.CATEGORY, schema.MONTH) for k in by):
        raise WardSummaryError(f"by={by} repeats layer, category or month; expected other columns")
    compare_to = _comparison(period, compare_to)
    current, previous = _split(events, period, compare_to, available_months, schema.CATEGORY, *by)
    keys = [*by, schema.LAYER, schema.CATEGORY]
    sizes = [f.groupby(keys, dropna=False).size() for f in (current, previous)]
    joined = pd.concat(sizes, axis=1, keys=["count", "prev"]).fillna(0).astype(np.int64)
    out = joined.reset_index().sort_values(keys, kind="stable", ignore_index=True)
    out["change"] = out["count"] - out["prev"]
    out["change_pct"] = _ratio(out["change"], out["prev"], 100.0)
    out.attrs = _attrs(period, compare_to, current, previous)
    return out


# -- roll-ups -------------------------------------------------------------------------------------


def district_summary(ward_table: pd.DataFrame) -> pd.DataFrame:
    """Roll a :func:`ward_summary` table up by district.

    Parameters
    ----------
    ward_table : pandas.DataFrame
        The result of :func:`ward_summary` (not modified).

    Returns
    -------
    pandas.DataFrame
        One row per district, ordered by ``district_code``: ``district_code``,
        ``district_name``, ``n_wards``, ``area_km2``, [``population``], and per layer the same
        measures as the ward table, recomputed from the summed counts (rank among districts).
        A district's population is the sum over its wards, <NA> when any ward lacks one (listed
        in ``attrs["districts_without_population"]``). No geometry. ``attrs`` as the ward
        table's, except ``wards_without_population``.
    """
    counts = [f"{layer}_{what}" for layer in schema.LAYERS for what in ("count", "prev")]
    keys = [schema.DISTRICT_CODE, schema.DISTRICT_NAME]
    _require_columns(ward_table, "ward_table", [*keys, "area_km2", *counts])
    frame = pd.DataFrame(ward_table.drop(columns="geometry", errors="ignore"))
    grouped = frame.groupby(keys, sort=True)
    sums = grouped[["area_km2", *counts]].sum()
    out = sums.index.to_frame(index=False)
    out["n_wards"] = grouped.size().to_numpy()
    out["area_km2"] = sums["area_km2"].to_numpy()
    pop: FloatArray | None = None
    attrs = {k: v for k, v in ward_table.attrs.items() if k != "wards_without_population"}
    if "population" in frame.columns:
        complete = grouped["population"].count().to_numpy() == out["n_wards"].to_numpy()
        totals = grouped["population"].sum().to_numpy(dtype=np.float64)
        pop = np.where(complete, totals, np.nan)
        out["population"] = pd.array(
            [int(v) if ok else pd.NA for v, ok in zip(pop, complete, strict=True)], dtype="Int64"
        )
        attrs["districts_without_population"] = sorted(out.loc[~complete, schema.DISTRICT_CODE])
    for layer in schema.LAYERS:
        count = sums[f"{layer}_count"].to_numpy()
        _add_measures(out, layer, count, sums[f"{layer}_prev"].to_numpy(), pop)
    out.attrs = attrs
    return out


def force_totals(table: pd.DataFrame) -> dict[str, Any]:
    """Force-wide totals of a ward or district summary table.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ward_summary` or :func:`district_summary` result covering the force.

    Returns
    -------
    dict
        ``period``, ``compare_to`` (labels, None when unknown), ``n_wards``, ``area_km2``,
        ``population`` (None unless every ward has one), ``months_without_events`` (from
        ``attrs``), and per layer ``<layer>_count``,
        ``_prev``, ``_change`` (int), ``_change_pct``, ``_per_km2``, ``_per_1000`` (float, or
        None when undefined: previous count 0, no population). Units: module docstring.
    """
    counts = [f"{layer}_{what}" for layer in schema.LAYERS for what in ("count", "prev")]
    _require_columns(table, "table", ["area_km2", *counts])
    population: int | None = None
    if "population" in table.columns and table["population"].notna().all():
        population = int(table["population"].sum())
    area = float(table["area_km2"].sum())
    out: dict[str, Any] = {
        "period": table.attrs.get("period"),
        "compare_to": table.attrs.get("compare_to"),
        "n_wards": int(table["n_wards"].sum()) if "n_wards" in table.columns else len(table),
        "area_km2": area,
        "population": population,
        "months_without_events": table.attrs.get("months_without_events", {}),
    }
    for layer in schema.LAYERS:
        count, prev = int(table[f"{layer}_count"].sum()), int(table[f"{layer}_prev"].sum())
        out[f"{layer}_count"] = count
        out[f"{layer}_prev"] = prev
        out[f"{layer}_change"] = count - prev
        out[f"{layer}_change_pct"] = 100.0 * (count - prev) / prev if prev > 0 else None
        out[f"{layer}_per_km2"] = count / area if area > 0 else None
        out[f"{layer}_per_1000"] = 1000.0 * count / population if population else None
    return out


# -- words ----------------------------------------------------------------------------------------


def headline(
    source: pd.DataFrame | pd.Series | Mapping[str, Any],
    layer: str = "offence",
    *,
    min_base: int = 10,
    noun: tuple[str, str] | None = None,
) -> str:
    """The change of one layer in words.

    Parameters
    ----------
    source : pandas.DataFrame, pandas.Series or mapping
        A summary table (its force-wide total is described), one row of a table, or
        :func:`force_totals`. Period labels come from ``period`` / ``compare_to`` keys or
        ``attrs``; without them the sentence says "the comparison period". When
        ``months_without_events`` (key or ``attrs``) lists months with no event of the layer
        anywhere, a caveat naming them is appended: such a zero may be missing data.
    layer : {"offence", "search", "raid"}, default "offence"
    min_base : int, default 10
        Below this previous count the change is given as a number, not a percentage
        (1 -> 3 is "2 more", not "200% more").
    noun : (str, str), optional
        Singular and plural noun, default e.g. ("drug offence", "drug offences").

    Returns
    -------
    str
        E.g. "36% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (455 vs 335)",
        "2 fewer drug raids than in the comparison period (3 vs 5)", "no change in drug
        searches (4 vs 4)", "3 drug offences in Sep–Nov 2025, up from none in Jun–Aug 2025",
        "no drug raids in Sep–Nov 2025, down from 2 in Jun–Aug 2025".
    """
    if layer not in schema.LAYERS:
        raise WardSummaryError(f"unknown layer {layer!r}; expected one of {schema.LAYERS}")
    if isinstance(source, pd.DataFrame):
        source = force_totals(source)
    now, then = _lookup(source, "period"), _lookup(source, "compare_to")
    try:
        count, prev = int(source[f"{layer}_count"]), int(source[f"{layer}_prev"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WardSummaryError(
            f"cannot read {layer}_count and {layer}_prev from the source ({exc!r}); expected a "
            "summary table, one of its rows, or force_totals()"
        ) from None
    one, many = noun or _NOUNS[layer]
    sentence = _change_words(count, prev, now, then, one, many, min_base)
    gaps = (_lookup(source, "months_without_events") or {}).get(layer)
    if gaps:
        sentence += f"; caution: no {many} at all in {', '.join(gaps)}, check the data covers them"
    return sentence


def _lookup(source: pd.Series | Mapping[str, Any], key: str) -> Any:
    """``source[key]``, else ``source.attrs[key]``, else None."""
    return source[key] if key in source else getattr(source, "attrs", {}).get(key)


def _change_words(
    count: int, prev: int, now: str | None, then: str | None, one: str, many: str, min_base: int
) -> str:
    in_now, in_then = (f" in {now}" if now else ""), (f" in {then}" if then else "")
    than = f" than in {then}" if then else " than in the comparison period"
    numbers = f" ({count:,} vs {prev:,})"
    if count == prev:
        between = f" between {then} and {now}" if now and then else ""
        return f"no change in {many}{between}{numbers}"
    if prev == 0:
        return f"{count:,} {one if count == 1 else many}{in_now}, up from none{in_then}"
    if count == 0:
        return f"no {many}{in_now}, down from {prev:,}{in_then}"
    more = "more" if count > prev else "fewer"
    pct = math.floor(abs(100.0 * (count - prev) / prev) + 0.5)
    if count < prev:
        pct = min(pct, 99)  # some remain: never "100% fewer"
    if prev < min_base or pct == 0:
        diff = abs(count - prev)
        return f"{diff:,} {more} {one if diff == 1 else many}{in_now}{than}{numbers}"
    return f"{pct}% {more} {many}{in_now}{than}{numbers}"
