"""Helpers of the bad-input tests (``test_bad_input*.py``): the readers, the outcome every input
must have, and hypothesis strategies for the text of fields."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from hotspots import schema
from hotspots.errors import HotspotsError, SourceFormatError
from hotspots.sources import SourceRead
from hotspots.sources.police_uk import read_street
from hotspots.sources.raids import read_raids
from hotspots.sources.stop_search import read_stop_search
from tests.helpers import STREET_HEADER, lonlat, street_row

Reader = Callable[[Path], SourceRead]
READERS: dict[str, Reader] = {
    "street": read_street,
    "stop_search": read_stop_search,
    "raids": read_raids,
}

SEARCH_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
RAID_HEADER = (
    "raid_id,date,longitude,latitude,easting,northing,location,operation,warrant_type,"
    "arrests,charges,seizure_gbp,drugs_seized,synthetic"
)
_LON, _LAT = lonlat(500500, 200500)
_LAW = "Misuse of Drugs Act 1971 (section 23)"


def valid_file(kind: str) -> bytes:
    """A small valid file of ``kind`` with non-ASCII text, a quoted comma and a CRLF line."""
    if kind == "street":
        rows = [
            ",".join(street_row("c1", 500500, 200500, location="On or near Café Street")),
            ",".join(street_row("c2", 501500, 200500, location='"On or near Mill Road, North"')),
            ",".join(street_row("", 500200, 200200, crime_type="Anti-social behaviour")),
        ]
        return ("\n".join([STREET_HEADER, *rows]) + "\r\n").encode()
    if kind == "stop_search":
        rows = [
            f"Person search,2025-06-30T23:30:00+00:00,,,{_LAT},{_LON},Male,18-24,,White,{_LAW},"
            "Controlled drugs,Arrest,True,False",
            f'Vehicle search,2025-01-31T23:30:00+00:00,,"Op Ñandú, 2",{_LAT},{_LON},,,,,{_LAW},'
            "Controlled drugs,A no further action disposal,,",
        ]
        return ("\n".join([SEARCH_HEADER, *rows]) + "\r\n").encode()
    rows = [
        "R1,2025-02-03,,,501000,200500,Café £5,,supply,2,1,1500,cocaine,false",
        f'R2,2025-03-03,{_LON},{_LAT},,,"1, High St",Op Toy,County Line,3,3,250.5,heroin,true',
    ]
    return ("\n".join([RAID_HEADER, *rows]) + "\r\n").encode()


@contextmanager
def file_with(data: bytes, name: str = "2025-01-toyshire-street.csv") -> Iterator[Path]:
    """A file holding ``data`` in a fresh folder (hypothesis examples cannot share tmp_path)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def assert_accounted(read: SourceRead) -> None:
    """Every data row is kept or rejected, once, with a known reason; kept rows are placed."""
    assert read.reconciles()
    assert read.rows_read == len(read.events) + len(read.rejected)
    assert set(read.rejected_by_reason()) <= set(schema.REJECTION_REASONS)
    lines = read.lines.of(np.arange(read.rows_read + 1))  # and the line after the last row
    assert lines[0] == read.lines.first_line and (np.diff(lines) >= 1).all()
    kept = read.events[schema.SOURCE_ROW].to_numpy(dtype=np.int64)
    rejected = read.rejected.iloc[:, 1].to_numpy(dtype=np.int64) if len(read.rejected) else []
    assert sorted([*kept, *rejected]) == lines[:-1].tolist()
    assert np.isfinite(read.events["x_m"].to_numpy(dtype=float)).all()
    assert np.isfinite(read.events["y_m"].to_numpy(dtype=float)).all()


def read_or_refuse(reader: Reader, path: Path) -> SourceRead | None:
    """Read ``path``: a result whose rows are all accounted for, or a clean refusal naming the
    file, the line and what was expected. Anything else (a crash) fails the test."""
    try:
        read = reader(path)
    except HotspotsError as exc:
        assert_clean_refusal(exc, path)
        return None
    assert_accounted(read)
    return read


def assert_clean_refusal(exc: HotspotsError, path: Path) -> None:
    """A :class:`SourceFormatError` naming the file, the line and what was expected."""
    assert isinstance(exc, SourceFormatError), repr(exc)
    assert path.name in str(exc)
    assert exc.line is not None and exc.line >= 1, str(exc)
    assert "expected" in str(exc)


#: Text of one CSV field: anything but the field and line separators and the quote.
FIELD = st.text(st.characters(codec="utf-8", exclude_characters=',"\r\n'), max_size=12)
#: Coordinate text: the awkward cases by name, any float's repr, plausible decimals, junk.
COORDINATE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "-nan",
            "inf",
            "-inf",
            "Infinity",
            "1e309",
            "-1e309",
            "1e-400",
            "90",
            "-90",
            "90.0000001",
            "180",
            "-180",
            "180.0000001",
            "0",
            "-0",
            "52.2",
            "-0.1",
            "0x1p3",
            "1_0",
            "٣",
            "1.5.5",
            "abc",
            " 52.2 ",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-200, 200).map(lambda v: f"{v:.6f}"),
    FIELD,
)
