"""The bad-input campaign, field values: coordinates (swapped, NaN, infinities, poles, ±180,
blank, text, off the grid), dates and counts. A bad value rejects its row with a reason; it
never stops the read, and a kept row always has a finite, in-range position."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotspots.ingest import ingest
from hotspots.sources import SourceRead
from hotspots.sources.stop_search import uk_local_times
from hotspots.store import Store
from hotspots.validate import YEARS
from tests.badinput import (
    COORDINATE,
    FIELD,
    RAID_HEADER,
    READERS,
    SEARCH_HEADER,
    file_with,
    read_or_refuse,
)
from tests.helpers import STREET_HEADER, street_row

COORDINATE_REASONS = {"no location", "coordinates out of range", "coordinates swapped"}
#: A longitude 90° or more from the grid's meridian has no grid position: outside any force.
LONLAT_REASONS = {*COORDINATE_REASONS, "outside force area"}
PAIRS = st.lists(st.tuples(COORDINATE, COORDINATE), min_size=1, max_size=8)


def _number(text: str) -> float:
    value = float(text.strip())
    assert math.isfinite(value), text
    return value


def _assert_lonlat_verdicts(read: SourceRead, pairs: list[tuple[str, str]]) -> None:
    assert set(read.rejected_by_reason()) <= LONLAT_REASONS
    for line in read.events["source_row"]:
        lon, lat = (_number(t) for t in pairs[line - 2])
        assert abs(lon) <= 180 and abs(lat) <= 90
        assert not (49 <= lon <= 61 and -9 <= lat <= 3), "a swapped pair was kept"


@settings(max_examples=150, deadline=2000)
@given(pairs=PAIRS)
@example(pairs=[("90", "0")])  # 92° from the grid's meridian: infinite metres, once kept
@example(pairs=[("52.2", "-0.1"), ("nan", "inf"), ("-180", "-90"), ("", "52.2")])
def test_street_coordinates_are_kept_in_range_or_rejected_with_a_reason(
    pairs: list[tuple[str, str]],
) -> None:
    rows = [street_row(f"c{i}", None, None, lon_lat=p) for i, p in enumerate(pairs)]
    data = "\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n"
    with file_with(data.encode()) as path:
        read = read_or_refuse(READERS["street"], path)
    assert read is not None and read.rows_read == len(pairs)
    _assert_lonlat_verdicts(read, pairs)


@settings(max_examples=100, deadline=2000)
@given(pairs=PAIRS)
def test_stop_search_coordinates_latitude_first_are_checked_the_same(
    pairs: list[tuple[str, str]],
) -> None:
    law = "Misuse of Drugs Act 1971 (section 23)"
    rows = [
        f"Person search,2025-06-30T23:30:00+00:00,,,{lat},{lon},Male,18-24,,White,{law},"
        "Controlled drugs,Arrest,True,False"
        for lon, lat in pairs
    ]
    with file_with(("\n".join([SEARCH_HEADER, *rows]) + "\n").encode()) as path:
        read = read_or_refuse(READERS["stop_search"], path)
    assert read is not None and read.rows_read == len(pairs)
    _assert_lonlat_verdicts(read, pairs)


GRID = st.one_of(COORDINATE, st.floats(-2e6, 2e6).map(lambda v: f"{v:.1f}"))


@settings(max_examples=100, deadline=2000)
@given(pairs=st.lists(st.tuples(GRID, GRID), min_size=1, max_size=8))
def test_raid_grid_references_are_kept_on_the_grid_or_rejected(
    pairs: list[tuple[str, str]],
) -> None:
    rows = [f"R{i},2025-02-03,,,{e},{n},,,supply,,,,,false" for i, (e, n) in enumerate(pairs)]
    with file_with(("\n".join([RAID_HEADER, *rows]) + "\n").encode(), "raids.csv") as path:
        read = read_or_refuse(READERS["raids"], path)
    assert read is not None and read.rows_read == len(pairs)
    assert set(read.rejected_by_reason()) <= COORDINATE_REASONS
    for line in read.events["source_row"]:
        easting, northing = (_number(t) for t in pairs[line - 2])
        assert -100_000 <= easting <= 800_000 and -100_000 <= northing <= 1_400_000


# Through the whole ingest: the reader keeps a pole, the force area rejects it.
@pytest.mark.parametrize(
    ("lon", "lat", "reason"),
    [
        ("52.2", "-0.1", "coordinates swapped"),  # latitude where longitude belongs
        ("0", "90", "outside force area"),
        ("0", "-90", "outside force area"),
        ("180", "0", "outside force area"),
        ("-180", "0", "outside force area"),
        ("180", "-90", "outside force area"),
        ("-180", "90", "outside force area"),
        ("0", "0", "outside force area"),
        ("-1.898", "52.480", "outside force area"),  # Birmingham
        ("nan", "52.2", "coordinates out of range"),
        ("-0.1", "inf", "coordinates out of range"),
        ("-inf", "52.2", "coordinates out of range"),
        ("1e309", "52.2", "coordinates out of range"),
        ("180.000001", "52.2", "coordinates out of range"),
        ("-0.1", "-90.5", "coordinates out of range"),
        ("", "52.2", "no location"),
        ("west", "52.2", "coordinates out of range"),
    ],
)
def test_awkward_coordinates_through_the_ingest(
    lon: str, lat: str, reason: str, toy, tmp_path: Path
) -> None:
    rows = [street_row("ok", 500500, 200500), street_row("odd", None, None, lon_lat=(lon, lat))]
    path = tmp_path / "2025-01-toyshire-street.csv"
    path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
    report = ingest([path], wards=toy[0], force_area=toy[1], store=Store(tmp_path / "store"))
    (entry,) = report.sources
    assert (entry["rows_read"], entry["kept"], entry["rejected"]) == (2, 1, {reason: 1})
    (stored,) = Store(tmp_path / "store").sources()
    rejected = pd.read_csv(tmp_path / "store" / stored["rejected_file"], dtype=str)
    assert rejected[["source_row", "reason"]].values.tolist() == [["3", reason]]


@pytest.mark.parametrize(
    ("easting", "northing", "reason"),
    [
        ("300000", "1100000", "outside force area"),  # on the grid, far from Toyshire
        ("1100000", "300000", "coordinates swapped"),
        ("-1e6", "200500", "coordinates out of range"),
        ("500500", "1e309", "coordinates out of range"),
        ("nan", "nan", "coordinates out of range"),
        ("inf", "-inf", "coordinates out of range"),
        ("", "200500", "no location"),
    ],
)
def test_awkward_grid_references_through_the_ingest(
    easting: str, northing: str, reason: str, toy, tmp_path: Path
) -> None:
    rows = ["R1,2025-02-03,,,500500,200500,,,supply,,,,,false"]
    rows.append(f"R2,2025-02-03,,,{easting},{northing},,,supply,,,,,false")
    path = tmp_path / "raids.csv"
    path.write_text("\n".join([RAID_HEADER, *rows]) + "\n")
    report = ingest([path], wards=toy[0], force_area=toy[1], store=Store(tmp_path / "store"))
    (entry,) = report.sources
    assert (entry["rows_read"], entry["kept"], entry["rejected"]) == (2, 1, {reason: 1})


# -- dates and counts ---------------------------------------------------------------------------
DATE_TEXT = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "+00:00"),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2999-01-01T00:00:00+00:00", "0001-01-01T00:00:00", "2025-13-01", "+00:00"]),
    FIELD,
)


@settings(max_examples=150, deadline=2000)
@given(texts=st.lists(DATE_TEXT, max_size=10))
def test_search_dates_of_any_text_are_uk_times_in_range_or_missing(texts: list[str]) -> None:
    local = uk_local_times(pd.Series(texts, dtype="str"))
    assert len(local) == len(texts)
    years = local.dropna().dt.year
    assert years.between(*YEARS).all()


@settings(max_examples=100, deadline=2000)
@given(dates=st.lists(DATE_TEXT, min_size=1, max_size=6), counts=st.data())
def test_raid_dates_and_counts_are_kept_valid_or_rejected(
    dates: list[str], counts: st.DataObject
) -> None:
    count = st.one_of(st.integers(-5, 10**21).map(str), st.floats().map(repr), FIELD, st.just(""))
    arrests = [counts.draw(count) for _ in dates]
    rows = [
        f"R{i},{d},,,500500,200500,,,supply,{a},,,,false"
        for i, (d, a) in enumerate(zip(dates, arrests, strict=True))
    ]
    with file_with(("\n".join([RAID_HEADER, *rows]) + "\n").encode(), "raids.csv") as path:
        read = read_or_refuse(READERS["raids"], path)
    assert read is not None
    assert set(read.rejected_by_reason()) <= {"bad date", "bad value", "blank row"}
    for line, month, kept_arrests in zip(
        read.events["source_row"], read.events["month"], read.events["arrests"], strict=True
    ):
        date, text = dates[line - 2], arrests[line - 2]
        assert month == date.strip()[:7] and YEARS[0] <= int(month[:4]) <= YEARS[1]
        if text.strip():
            assert kept_arrests == float(text) and 0 <= kept_arrests <= 1_000_000
        else:
            assert pd.isna(kept_arrests)
