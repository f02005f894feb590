"""The bad-input campaign, CSV readers: random bytes and text, truncated files, wrong encodings,
huge fields, repeated columns. Every input is read with every row accounted for, or refused with
a :class:`SourceFormatError` naming the file, the line and what was expected; never a crash.

(Coordinates, dates and counts: ``test_bad_input_values.py``; file names and the store:
``test_bad_input_store.py``; boundary files: ``test_bad_input_boundaries.py``.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotspots.errors import SourceFormatError
from hotspots.sources import detect_kind, read_source
from tests.badinput import (
    FIELD,
    READERS,
    SEARCH_HEADER,
    assert_accounted,
    file_with,
    read_or_refuse,
    valid_file,
)
from tests.helpers import STREET_HEADER, street_row

KINDS = list(READERS)
T = TypeVar("T")
FAST = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


# -- random bytes and text ----------------------------------------------------------------------
@FAST
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=600))
@example(kind="street", data=b"")
@example(kind="street", data=b"\x00" * 40)
@example(kind="raids", data=b"raid_id,date,warrant_type,easting,northing")  # no line end
@example(kind="street", data=STREET_HEADER.encode().replace(b"\n", b"") + b"\rc1,2025-01\r")
def test_random_bytes_are_read_or_refused_cleanly(kind: str, data: bytes) -> None:
    with file_with(data) as path:
        read_or_refuse(READERS[kind], path)
        try:
            detected = detect_kind(path)
        except SourceFormatError as exc:
            assert path.name in str(exc) and exc.line == 1
        else:
            read_or_refuse(lambda p: read_source(p, detected), path)


_HEADERS = {
    "street": STREET_HEADER,
    "stop_search": SEARCH_HEADER,
    "raids": "raid_id,date,warrant_type,easting,northing,arrests",
}


@FAST
@given(
    kind=st.sampled_from(KINDS),
    body=st.text(st.sampled_from('ab,"\r\n\t 9.-é€\x00'), max_size=300),
    bom=st.booleans(),
)
def test_random_text_after_a_valid_header_is_read_or_refused(
    kind: str, body: str, bom: bool
) -> None:
    data = ("\ufeff" if bom else "") + _HEADERS[kind] + "\n" + body
    with file_with(data.encode()) as path:
        read_or_refuse(READERS[kind], path)


@settings(max_examples=80, deadline=2000)
@given(
    rows=st.lists(
        st.one_of(st.just([""] * 12), st.lists(FIELD, min_size=12, max_size=12)), max_size=12
    ),
    end=st.sampled_from(["\n", "\r\n", "\r"]),  # LF, CRLF, old Mac CR
)
def test_every_row_is_accounted_for_at_its_own_line(rows: list[list[str]], end: str) -> None:
    """Rows of the right width never stop the read; each kept or rejected row is the one written
    at its reported line (an all-blank row is an empty line: it keeps the lines after it right)."""
    lines = [STREET_HEADER] + ["" if not any(r) else ",".join(r) for r in rows]
    with file_with((end.join(lines) + end).encode()) as path:
        read = read_or_refuse(READERS["street"], path)
    assert read is not None
    assert read.rows_read == len(rows)
    rejected_fields = read.rejected.iloc[:, 4:].to_numpy()
    for line, fields in zip(read.rejected.iloc[:, 1], rejected_fields, strict=True):
        assert list(fields) == rows[line - 2]
    for line, event_id in zip(read.events["source_row"], read.events["event_id"], strict=True):
        assert rows[line - 2][0].strip() in ("", event_id)
    blank = sum(1 for r in rows if not any(r))
    assert read.rejected_by_reason().get("blank row", 0) == blank


# -- truncated files ----------------------------------------------------------------------------
@settings(max_examples=120, deadline=2000)
@given(kind=st.sampled_from(KINDS), cut=st.floats(0, 1))
def test_a_valid_file_cut_at_any_byte_is_read_or_refused(kind: str, cut: float) -> None:
    data = valid_file(kind)
    at = int(cut * len(data))
    with file_with(data[:at]) as path:
        read = read_or_refuse(READERS[kind], path)
    complete_rows = data[:at].replace(b"\r\n", b"\n").count(b"\n") - 1
    if read is not None:
        assert complete_rows <= read.rows_read <= complete_rows + 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_cut_inside_a_character_or_a_quote_names_the_line(kind: str) -> None:
    data = valid_file(kind)
    last_line = data.rstrip().count(b"\n") + 1
    multibyte = max(data.rfind("é".encode()), data.rfind("Ñ".encode()), data.rfind(b"\xc2\xa3"))
    with (
        file_with(data[: multibyte + 1]) as path,  # the first byte of a 2-byte character
        pytest.raises(SourceFormatError, match=r"line \d+: not UTF-8") as caught,
    ):
        READERS[kind](path)
    assert caught.value.line is not None and caught.value.line <= last_line
    quote = data.rfind(b'"', 0, data.rfind(b'"'))  # inside the last quoted field
    quote_line = data[:quote].count(b"\n") + 1
    with (
        file_with(data[: quote + 3]) as path,
        pytest.raises(SourceFormatError, match=rf"line {quote_line}: expected \d+ comma"),
    ):
        READERS[kind](path)


# -- encodings ----------------------------------------------------------------------------------
ENCODINGS = ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "mac-roman"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_text_in_another_encoding_is_refused_naming_utf8(kind: str, encoding: str) -> None:
    with file_with(valid_file(kind).decode().encode(encoding)) as path:
        with pytest.raises(SourceFormatError, match=r"line \d+: .*expected a UTF-8 CSV"):
            READERS[kind](path)
        if encoding.startswith("utf-"):  # UTF-16 and UTF-32: refused from the first line
            with pytest.raises(SourceFormatError, match=r"line 1: .*expected a UTF-8 CSV"):
                detect_kind(path)


@pytest.mark.parametrize("kind", KINDS)
def test_a_utf8_bom_reads_the_same_and_one_latin1_line_is_named(kind: str) -> None:
    data = valid_file(kind)
    with file_with(data) as plain_path, file_with(b"\xef\xbb\xbf" + data) as bom_path:
        plain, bom = READERS[kind](plain_path), READERS[kind](bom_path)
    assert (bom.rows_read, len(bom.events)) == (plain.rows_read, len(plain.events))
    assert bom.events["event_id"].tolist() == plain.events["event_id"].tolist()
    lines = data.split(b"\n")
    lines[-2] = lines[-2].decode().encode("latin-1", "replace") + "é".encode("latin-1")  # mixed
    with (
        file_with(b"\n".join(lines)) as path,
        pytest.raises(SourceFormatError, match=rf"line {len(lines) - 1}: not UTF-8"),
    ):
        READERS[kind](path)


# -- huge inputs --------------------------------------------------------------------------------
def _timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def test_a_10_mb_location_field_is_refused_naming_its_line_in_bounded_time() -> None:
    """A field of megabytes was kept and reached every page naming its place (a patrol page of
    8 MB); the longest police.uk field is a few dozen characters, so it is refused, naming the
    line and the column. One of 10,000 characters (the limit) is still read."""
    ok = street_row("ok", 500500, 200500, location="y" * 10_000)
    big = street_row("big", 500500, 200500, location="x" * 10_000_000)
    lines = [STREET_HEADER, ",".join(ok), ",".join(big)]
    with (
        file_with(("\n".join(lines) + "\n").encode()) as path,
        pytest.raises(SourceFormatError, match=r"line 3: field 'Location' is 10,000,000 ch"),
    ):
        READERS["street"](path)
    with file_with(("\n".join(lines[:2]) + "\n").encode()) as path:
        read, seconds = _timed(lambda: READERS["street"](path))
    assert_accounted(read)
    assert len(read.events["location"].iloc[0]) == 10_000
    assert seconds < 10


@pytest.mark.parametrize("kind", KINDS)
def test_a_line_of_a_million_fields_is_refused_naming_it(kind: str) -> None:
    data = valid_file(kind) + b"," * 1_000_000 + b"\n"
    last = data.count(b"\n")
    with (
        file_with(data) as path,
        pytest.raises(SourceFormatError, match=rf"line {last}: expected \d+ comma.*1000001"),
    ):
        _timed(lambda: READERS[kind](path))


def test_a_header_of_a_million_columns_is_refused_naming_what_lacks() -> None:
    with file_with(("x," * 1_000_000 + "\n1\n").encode()) as path:
        with pytest.raises(SourceFormatError, match=r"line 1: unrecognised file"):
            detect_kind(path)
        for kind in KINDS:
            with pytest.raises(SourceFormatError, match=r"line 1: .*lacks"):
                READERS[kind](path)


# -- headers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "header", "repeated"),
    [
        ("street", STREET_HEADER + ",Crime type", "Crime type"),
        ("stop_search", SEARCH_HEADER + ",Latitude", "Latitude"),
        ("raids", "raid_id,date,warrant_type,easting,northing,date", "date"),
    ],
)
def test_a_column_named_twice_is_refused_naming_it(kind: str, header: str, repeated: str) -> None:
    width = header.count(",") + 1
    with (
        file_with((header + "\n" + ",".join(["1"] * width) + "\n").encode()) as path,
        pytest.raises(SourceFormatError, match=rf"line 1: .*'{repeated}' 2 times"),
    ):
        READERS[kind](path)


@pytest.mark.parametrize("kind", KINDS)
def test_a_header_alone_without_a_line_end_is_a_file_of_no_rows(kind: str) -> None:
    header = valid_file(kind).split(b"\n")[0]
    with file_with(header) as path:
        read = READERS[kind](path)
    assert (read.rows_read, len(read.events), len(read.rejected)) == (0, 0, 0)
