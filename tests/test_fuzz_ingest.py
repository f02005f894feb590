"""Very long lines through the street reader: refused naming the line and what was expected, in
bounded time and memory; never the CSV library's own words.

Found by the ``fuzz`` helper. Before (2 cores, load ~2): a 10 MB line after the header was
refused in 0.1 s with ``expected 12 comma-separated fields, got another number of: ''`` (no line,
no text: the re-read that finds the bad row used Arrow's 1 MB blocks); a row with a 40 MB
location field (100 MB alike) in 0.2 s with ``not a readable CSV file (straddling object
straddles two block boundaries (try to increase block size?))``, while 1 MB named ``line 2``.
Memory: about 2x the line (100 MB line: +70 MB RSS).
"""

from __future__ import annotations

import re

import pytest

from hotspots.errors import SourceFormatError
from tests.badinput import READERS, file_with
from tests.helpers import STREET_HEADER, street_row


def test_a_10_mb_line_of_one_field_is_refused_naming_line_2() -> None:
    data = (STREET_HEADER + "\n").encode() + b"y" * 10_000_000 + b"\n"
    with file_with(data) as path, pytest.raises(SourceFormatError) as refused:
        READERS["street"](path)
    assert re.search(
        r"line 2: expected 12 comma-separated fields, got 1: 'y+…'", str(refused.value)
    )


def test_a_40_mb_field_is_kept_or_refused_naming_line_2() -> None:
    row = street_row("big", 500500, 200500, location="x" * 40_000_000)
    data = (STREET_HEADER + "\n" + ",".join(row) + "\n").encode()
    with file_with(data) as path:
        try:
            read = READERS["street"](path)
        except SourceFormatError as refused:
            assert "line 2" in str(refused) and "block" not in str(refused), str(refused)
        else:
            assert len(read.events) == 1


def test_a_row_longer_than_a_block_is_refused_naming_its_own_line() -> None:
    """A good row, then a 40 MB one: the refusal names line 3 (the header is line 1)."""
    good = street_row("ok", 500500, 200500)
    big = street_row("big", 500600, 200600, location="x" * 40_000_000)
    data = (STREET_HEADER + "\n" + ",".join(good) + "\n" + ",".join(big) + "\n").encode()
    with file_with(data) as path, pytest.raises(SourceFormatError) as refused:
        READERS["street"](path)
    assert "line 3" in str(refused.value) and "longer than 16 MB" in str(refused.value)
