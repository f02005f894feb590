"""A row's line is the line its record starts on, as a text editor numbers them, also after a
quoted field holding line breaks (legal CSV): in the kept events, the rejected-rows file and the
error that stops an ingest. Every file here is hand-made; the line of each row is counted in the
comments beside it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from hotspots.errors import SourceFormatError
from hotspots.ingest import ingest
from hotspots.sources.csvio import read_text_table
from hotspots.sources.lines import first_record_longer_than
from hotspots.sources.police_uk import read_street
from hotspots.store import Store
from hotspots.ward_summary.population import PopulationFormatError, read_population
from tests.badinput import SEARCH_HEADER
from tests.helpers import STREET_HEADER, lonlat, street_row

ALPHA = (500500, 200500)  # inside the toy ward Alpha (conftest)
LON, LAT = lonlat(*ALPHA)
OUTSIDE = ("-1.898", "52.480")  # Birmingham: outside the toy force area


def _street(
    crime_id: str,
    *,
    month: str = "2025-01",
    location: str = "On or near Toy Street",
    context: str = "",
    lon_lat: tuple[str, str] | None = None,
) -> str:
    row = street_row(crime_id, *ALPHA, month=month, location=location, lon_lat=lon_lat)
    row[-1] = context
    return ",".join(row)


STREET_LINES = [
    STREET_HEADER,  # line 1
    _street("c1", location='"On or near\nMill Road"'),  # lines 2-3
    _street("c2"),  # line 4
    _street("c3", context='"two\nline\nbreaks"'),  # lines 5-7
    _street("c4", month="2025-13"),  # line 8: bad date (a reader's check)
    _street("c5", lon_lat=OUTSIDE),  # line 9: outside the force area (the ingest's check)
    _street("c6"),  # line 10
]
STREET_KEPT = {"c1": 2, "c2": 4, "c3": 5, "c6": 10}
STREET_REJECTED = {8: "bad date", 9: "outside force area"}
#: Line 11 when appended to STREET_LINES: 5 fields instead of 12.
STREET_BAD_ROW = "c7,2025-01,Toyshire Police,Toyshire Police,-0.1"

_LAW = "Misuse of Drugs Act 1971 (section 23)"


def _search(
    date: str = "2025-06-01T10:00:00+00:00", operation: str = "", ethnicity: str = ""
) -> str:
    return (
        f"Person search,{date},,{operation},{LAT},{LON},Male,18-24,{ethnicity},White,{_LAW},"
        "Controlled drugs,Arrest,True,False"
    )


SEARCH_LINES = [
    SEARCH_HEADER,  # line 1
    _search(operation='"Op\nNorth"'),  # lines 2-3
    _search(),  # line 4
    _search(ethnicity='"White -\nEnglish/Welsh\n/Scottish"'),  # lines 5-7
    _search(date="2025-02-30T10:00:00+00:00"),  # line 8: bad date
    _search(),  # line 9
]
SEARCH_KEPT_LINES = [2, 4, 5, 9]
SEARCH_REJECTED = {8: "bad date"}
#: Line 10 when appended to SEARCH_LINES: 2 fields instead of 15.
SEARCH_BAD_ROW = "Person search,2025-06-01T10:00:00+00:00"

#: Line endings (inside the quoted fields too, as a file saved on Windows has them) and BOM.
ENDINGS = pytest.mark.parametrize(
    ("end", "bom"), [("\n", False), ("\r\n", False), ("\n", True), ("\r\n", True)]
)


def _write(path: Path, lines: list[str], end: str, bom: bool) -> Path:
    text = end.join(line.replace("\n", end) for line in lines)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (text + end).encode("utf-8"))
    return path


def _ingest(paths: list[Path], toy, store_dir: Path) -> Store:
    wards, area = toy
    ingest(paths, wards=wards, force_area=area, store=Store(store_dir))
    return Store(store_dir)


def _rejected_lines(store: Store, name: str) -> dict[int, str]:
    """``source_row`` -> reason in the rejected-rows file of the source called ``name``."""
    (entry,) = [e for e in store.sources() if e["name"] == name]
    text = (store.path / entry["rejected_file"]).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return {int(r["source_row"]): r["reason"] for r in rows}


@ENDINGS
def test_street_rows_keep_their_lines_after_quoted_line_breaks(
    toy, tmp_path: Path, end: str, bom: bool
) -> None:
    path = _write(tmp_path / "2025-01-toyshire-street.csv", STREET_LINES, end, bom)
    store = _ingest([path], toy, tmp_path / "store")
    events = store.load(["offence"])
    assert dict(zip(events["event_id"], events["source_row"], strict=True)) == STREET_KEPT
    assert _rejected_lines(store, path.name) == STREET_REJECTED
    by_id = events.set_index("event_id")["location"]
    assert by_id["c1"] == "On or near" + end + "Mill Road"  # the quoted field, unchanged


@ENDINGS
def test_a_bad_street_row_after_quoted_line_breaks_is_named_at_its_line(
    toy, tmp_path: Path, end: str, bom: bool
) -> None:
    path = _write(
        tmp_path / "2025-01-toyshire-street.csv", [*STREET_LINES, STREET_BAD_ROW], end, bom
    )
    with pytest.raises(SourceFormatError, match=r"street\.csv, line 11: expected 12 comma") as err:
        _ingest([path], toy, tmp_path / "store")
    assert err.value.line == 11
    assert not (tmp_path / "store" / "manifest.json").exists()


@ENDINGS
def test_search_rows_keep_their_lines_after_quoted_line_breaks(
    toy, tmp_path: Path, end: str, bom: bool
) -> None:
    path = _write(tmp_path / "2025-06-toyshire-stop-and-search.csv", SEARCH_LINES, end, bom)
    store = _ingest([path], toy, tmp_path / "store")
    events = store.load(["search"])
    assert sorted(events["source_row"]) == SEARCH_KEPT_LINES
    assert _rejected_lines(store, path.name) == SEARCH_REJECTED


@ENDINGS
def test_a_bad_search_row_after_quoted_line_breaks_is_named_at_its_line(
    toy, tmp_path: Path, end: str, bom: bool
) -> None:
    lines = [*SEARCH_LINES, SEARCH_BAD_ROW]
    path = _write(tmp_path / "2025-06-toyshire-stop-and-search.csv", lines, end, bom)
    with pytest.raises(SourceFormatError, match=r"search\.csv, line 10: expected 15 comma") as err:
        _ingest([path], toy, tmp_path / "store")
    assert err.value.line == 10


def test_street_files_read_together_number_each_file_own_lines(toy, tmp_path: Path) -> None:
    """Street files of one layout are checked as one table: each keeps its own lines."""
    quoted = _write(tmp_path / "2025-01-toyshire-street.csv", STREET_LINES, "\n", False)
    plain = _write(
        tmp_path / "2025-02-toyshire-street.csv",
        [
            STREET_HEADER,  # line 1
            _street("d1", month="2025-02"),  # line 2
            _street("d2", month="2025-02", lon_lat=OUTSIDE),  # line 3: outside the force area
            _street("d3", month="2025-02", location='"On or near\nHigh Street"'),  # lines 4-5
            _street("d4", month="2025-13"),  # line 6: bad date
            _street("d5", month="2025-02"),  # line 7
        ],
        "\n",
        False,
    )
    store = _ingest([quoted, plain], toy, tmp_path / "store")
    events = store.load(["offence"])
    lines = dict(zip(events["event_id"], events["source_row"], strict=True))
    assert lines == {**STREET_KEPT, "d1": 2, "d3": 4, "d5": 7}
    assert _rejected_lines(store, quoted.name) == STREET_REJECTED
    assert _rejected_lines(store, plain.name) == {3: "outside force area", 6: "bad date"}


def test_cr_crlf_and_lf_inside_a_field_are_one_line_each(tmp_path: Path) -> None:
    row = street_row("e1", *ALPHA)
    path = tmp_path / "2025-01-toyshire-street.csv"
    path.write_bytes(
        (
            STREET_HEADER
            + "\n"  # line 1
            + ",".join([*row[:6], '"a\r\nb\rc\nd"', *row[7:]])
            + "\n"  # lines 2-5
            + ",".join(street_row("e2", *ALPHA))
            + "\n"  # line 6
        ).encode()
    )
    table = read_text_table(path, STREET_HEADER.split(","), has_header=True)
    assert table.lines.of([0, 1, 2]).tolist() == [2, 6, 7]  # 7: the line after the last row
    read = read_street(path)
    assert read.events["source_row"].tolist() == [2, 6]


def test_a_quoted_line_break_across_the_parser_block_is_read_right(tmp_path: Path) -> None:
    """A file larger than the parser's 16 MB block, with a quoted line break where the first
    block ends: every row is read whole and numbered from its own line."""
    from hotspots.sources.csvio import _BLOCK_BYTES

    rest = _street("")  # the fields after the Crime ID, one line
    fillers = [f"f{i}{rest}" for i in range(_BLOCK_BYTES // len(rest))]
    head = "\n".join([STREET_HEADER, *fillers]).encode()[: _BLOCK_BYTES - 2000]
    head = head[: head.rindex(b"\n") + 1]  # whole lines only
    count = head.count(b"\n") - 1  # filler rows kept: lines 2 .. count + 1
    before, after = _street("q1", location="LOCATION").split("LOCATION")
    room = _BLOCK_BYTES - len(head) - len(before) - 10  # the line break 9 bytes before the end
    quoted = before + '"' + "x" * room + "\n" + "y" * 50 + '"' + after
    data = head + (quoted + "\n" + _street("last") + "\n").encode()
    assert data.index(b"x\ny") < _BLOCK_BYTES < data.index(b'y"')
    path = tmp_path / "2025-01-toyshire-street.csv"
    path.write_bytes(data)
    read = read_street(path)
    events = read.events.set_index("event_id")
    assert read.rows_read == count + 2 == len(events)
    assert events.loc["q1", "location"] == "x" * room + "\n" + "y" * 50
    assert events.loc["q1", "source_row"] == count + 2  # lines count + 2 and count + 3
    assert events.loc["last", "source_row"] == count + 4
    assert events.loc["f0", "source_row"] == 2


def test_the_first_record_too_long_is_found_at_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_bytes(
        b"\xef\xbb\xbfh1,h2\r\n"  # line 1 (the BOM is no line)
        + b'a"b,"c\r\nd"\r\n'  # lines 2-3: 10 bytes; a quote inside a field is text
        + b'"x""\ny",'
        + b"z" * 30
        + b"\n"  # lines 4-5: 38 bytes, a doubled quote inside
        + b"w" * 60
        + b"\n"  # line 6: 60 bytes
    )
    assert first_record_longer_than(path, 40) == 6
    assert first_record_longer_than(path, 30) == 4
    assert first_record_longer_than(path, 9) == 2
    assert first_record_longer_than(path, 60) is None
    path.write_bytes(b'h\n"' + b"v\n" * 20 + b'"')  # the last record, with no line end
    assert first_record_longer_than(path, 30) == 2


def test_a_quoted_record_longer_than_two_blocks_is_refused_at_its_first_line(
    tmp_path: Path,
) -> None:
    """Every line short, the record (lines 3 to 340,003) longer than two of the parser's 16 MB
    blocks. One of 17 MB (170,000 lines) is read across a block, and then refused for its field
    of 17,000,000 characters (``MAX_FIELD_CHARS``), at the line it starts on; a short quoted
    field over several lines is read, and the row after it keeps its own line."""
    before, after = _street("big", location="LOCATION").split("LOCATION")
    for lines, refused in (
        (90, None),
        (170_000, r"line 3: field 'Location' is 17,000,000 characters long"),
        (340_000, r"line 3: the row is longer than 16 MB"),
    ):
        big = before + '"' + ("x" * 99 + "\n") * lines + '"' + after  # 100 bytes a line
        data = "\n".join([STREET_HEADER, _street("ok"), big, _street("after")]) + "\n"
        path = tmp_path / "2025-01-toyshire-street.csv"
        path.write_bytes(data.encode())
        if refused is None:
            read = read_street(path)
            assert read.events["source_row"].tolist() == [2, 3, lines + 4]
            continue
        with pytest.raises(SourceFormatError, match=refused):
            read_street(path)


def test_a_population_table_names_the_line_a_record_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_text(
        "ward_code,ward_name,population\n"  # line 1
        'E05000001,"Alpha\nNorth",2000\n'  # lines 2-3
        'E05000002,"Bravo\nSouth",5x00\n'  # lines 4-5: not a whole number
    )
    with pytest.raises(PopulationFormatError, match=r"population\.csv, line 4: population '5x00'"):
        read_population(path)
    path.write_text(
        "ward_code,ward_name,population\n"  # line 1
        'E05000001,"Alpha\r\nNorth",2000\r\n'  # lines 2-3
        "E05000001,Alpha,2000\r\n"  # line 4: repeated
    )
    with pytest.raises(PopulationFormatError, match=r"line 4: duplicate .*first on line 2"):
        read_population(path)
