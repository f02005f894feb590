"""Fast, strict CSV reading shared by the CSV readers.

Every column is read as text (no type guessing), blank fields stay ``""``, a UTF-8 byte-order mark
and CRLF line endings are accepted; an empty line is a row of blank fields (so that every row keeps
its line number, and the readers reject it as a ``blank row``). A quoted field may hold line
breaks: each row's line, where its record starts as an editor numbers lines, is kept in
:class:`~hotspots.sources.lines.RowLines`. A row with the wrong number of fields, or bytes that
are not UTF-8, raise :class:`~hotspots.errors.SourceFormatError` naming the file, the line and
what was expected: a malformed file is never half-read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hotspots.errors import SourceFormatError
from hotspots.sources.lines import RowLines, first_record_longer_than

_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LINE_END = re.compile(rb"\r\n|\r|\n")
_EXPECT_UTF8 = "expected a UTF-8 CSV file (save it as 'CSV UTF-8')"
_BLOCK_BYTES = 1 << 24
#: Empty lines are rows (of blank fields, rejected by the readers as ``blank row``): skipping
#: them would silently drop them and make every later row's line number wrong. A quoted field
#: may hold line breaks: without ``newlines_in_values`` a file larger than one block is cut into
#: blocks at a line break inside quotes when one falls there, and is then misread or refused
#: (one block, every monthly police.uk file: the same time either way; Cambridgeshire's 12 of
#: 2025 parsed in 35.2 ms of CPU with it, 34.5 ms without, medians of 30).
_PARSE = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True)
#: Longest field any source may hold, in characters. The longest field of a police.uk file is a
#: few dozen characters ("On or near ...", an outcome category), and a note in the raid CSV a
#: few sentences; a longer one is almost always a quote left open, which makes the following
#: lines one field (their rows lost inside it), or a file that is not a source at all. It is
#: refused naming its line, before a field of megabytes reaches every page that names a place.
MAX_FIELD_CHARS = 10_000


@dataclass(frozen=True)
class CsvTable:
    """Text columns of one CSV file.

    Attributes
    ----------
    frame : pandas.DataFrame
        One column per field, all strings, blank fields as ``""``.
    lines : RowLines
        The line each row starts on (the first data row's: 2 with a header, 1 without).
    has_header : bool
        Whether the file started with a header row.
    arrow : pyarrow.Table or None
        The same columns as Arrow read them (``frame`` wraps their buffers), one chunk each.
    """

    frame: pd.DataFrame
    lines: RowLines
    has_header: bool
    arrow: pa.Table | None = None


#: Digests remembered inside :func:`digests_remembered`, by file identity and change stamps.
_REMEMBERED: ContextVar[dict[tuple[object, ...], str] | None] = ContextVar(
    "remembered_digests", default=None
)


@contextlib.contextmanager
def digests_remembered() -> Iterator[None]:
    """Within the block, :func:`sha256_of` hashes each unchanged file once.

    An ingest hashes every file to skip repeats, then each reader records its file's digest: one
    read of the bytes serves both. A file is the same while its device, inode, size, modification
    and change times are (see :func:`_identity`).
    """
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def sha256_soon(path: str | Path) -> Future[str]:
    """:func:`sha256_of` on a thread of its own (hashlib lets go of the GIL while it hashes), so
    that a reader can parse the file meanwhile; a digest already remembered comes back at once."""
    remembered = _REMEMBERED.get()
    known = remembered.get(_identity(path)) if remembered is not None else None
    if known is not None:
        done: Future[str] = Future()
        done.set_result(known)
        return done
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    try:
        return pool.submit(sha256_of, path)
    finally:
        pool.shutdown(wait=False)


def _identity(path: str | Path) -> tuple[object, ...]:
    """A file's device, inode, size and modification and change times: the same while unchanged."""
    stat = os.stat(path)
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def sha256_of(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes (streamed, any size)."""
    remembered = _REMEMBERED.get()
    key: tuple[object, ...] = ()
    if remembered is not None:
        key = _identity(path)
        if key in remembered:
            return remembered[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK_BYTES):
            digest.update(block)
    if remembered is not None:
        remembered[key] = digest.hexdigest()
    return digest.hexdigest()


def read_first_record(path: str | Path) -> list[str]:
    """Return the fields of the first record of a CSV file (BOM stripped, CR tolerated).

    Raises
    ------
    SourceFormatError
        When the file is empty, its first line is not UTF-8 text (UTF-16, binary, another
        encoding) or not CSV, or its path is not UTF-8.
    """
    try:
        str(path).encode("utf-8")  # Arrow opens files by UTF-8 path
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise SourceFormatError(
            shown, "the file's path is not UTF-8 text; expected a UTF-8 path (rename the file)"
        ) from None
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if head.startswith(_UTF16_BOMS):
        raise SourceFormatError(path, f"UTF-16 text; {_EXPECT_UTF8}", 1)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    if not head.strip():
        raise SourceFormatError(path, "the file is empty; expected a CSV header or data row", 1)
    first = _LINE_END.split(head, maxsplit=1)[0]  # LF, CRLF or a lone CR, as Arrow splits lines
    if b"\x00" in first:
        raise SourceFormatError(path, f"NUL bytes (UTF-16 or binary data?); {_EXPECT_UTF8}", 1)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"not UTF-8 text ({exc.reason}); {_EXPECT_UTF8}", 1) from None
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        raise SourceFormatError(path, f"not a CSV line ({exc}); {_EXPECT_UTF8}", 1) from None


def check_named_once(path: str | Path, columns: list[str], used: tuple[str, ...]) -> None:
    """Refuse a header that names a column the reader uses more than once.

    Raises
    ------
    SourceFormatError
        Naming the repeated column (line 1): which of the two holds the data is unknowable.
    """
    for name in used:
        count = columns.count(name)
        if count > 1:
            raise SourceFormatError(
                path, f"the header names the column {name!r} {count} times; expected it once", 1
            )


def read_text_table(path: str | Path, columns: list[str], *, has_header: bool) -> CsvTable:
    """Read a CSV file with every field as text.

    Parameters
    ----------
    path
        The file.
    columns
        Names for the columns, in file order. With ``has_header=True`` they replace the file's own
        header (which the caller has already checked); the count must equal the file's.
    has_header
        Whether the first record is a header to skip.

    Raises
    ------
    SourceFormatError
        A row with the wrong number of fields, or bytes that are not UTF-8.
    """
    read_options = pacsv.ReadOptions(
        column_names=columns, skip_rows=1 if has_header else 0, block_size=_BLOCK_BYTES
    )
    convert_options = pacsv.ConvertOptions(
        # large_string: the type of pandas' ``str`` columns, so ``to_pandas`` wraps the parsed
        # buffers instead of copying every value (measured: 1 s of a 1M-row file's read).
        column_types={name: pa.large_string() for name in columns},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        # No invalid-row handler: Arrow would decode a bad row's bytes in Python to call it, and
        # on bytes that are not UTF-8 that fails inside Arrow ("Exception ignored").
        table = pacsv.read_csv(
            path,
            read_options=read_options,
            parse_options=_PARSE,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as exc:
        if has_header and _only_a_header(path, exc):
            table = pa.table({name: pa.array([], type=pa.large_string()) for name in columns})
        else:
            _raise_read_error(path, columns, has_header, exc)
    # One chunk per column: every later row selection (an Arrow take) on a column of many
    # chunks would otherwise concatenate them again, each time.
    table = table.combine_chunks()
    lines = RowLines.of_table(table, first_line=2 if has_header else 1)
    _refuse_long_fields(path, table, lines)
    frame = table.to_pandas()
    return CsvTable(frame, lines=lines, has_header=has_header, arrow=table)


def _refuse_long_fields(path: str | Path, table: pa.Table, lines: RowLines) -> None:
    """Refuse the file (:class:`SourceFormatError` naming the line and the column) when a field
    is longer than :data:`MAX_FIELD_CHARS` characters."""
    for name in table.column_names:
        column = table.column(name)
        if not len(column):
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > MAX_FIELD_CHARS:
            row = int(pc.index(pc.greater(lengths, MAX_FIELD_CHARS), True).as_py())
            raise SourceFormatError(
                path,
                f"field {name!r} is {longest:,} characters long; expected at most "
                f"{MAX_FIELD_CHARS:,} (a quote left open makes the lines after it one field)",
                int(lines.of([row])[0]),
            )


def _only_a_header(path: str | Path, exc: pa.ArrowInvalid) -> bool:
    """True when Arrow could not skip the header because the file is only that line (no line
    end after it): a file with no data rows."""
    if "Could not skip initial" not in str(exc):
        return False
    with open(path, "rb") as handle:
        data = handle.read(_BLOCK_BYTES + 1)
    return len(data) <= _BLOCK_BYTES and not _LINE_END.search(data.rstrip(b"\r\n"))


def _raise_read_error(
    path: str | Path, columns: list[str], has_header: bool, exc: pa.ArrowInvalid
) -> NoReturn:
    """Name the line and the problem of a file Arrow refused (slow path, broken files only)."""
    line = _first_non_utf8_line(path)
    if line is not None:
        raise SourceFormatError(path, f"not UTF-8 text; {_EXPECT_UTF8}", line) from None
    if "Expected" in str(exc) and "columns" in str(exc):
        _raise_first_bad_row(path, columns, has_header)
    limit = f"{_BLOCK_BYTES >> 20} MB"
    if "Could not skip initial" in str(exc):
        raise SourceFormatError(
            path, f"the header line is longer than {limit}; expected a CSV header", 1
        ) from None
    if "straddl" in str(exc):  # a row longer than Arrow's block: name it, not Arrow's words
        line = first_record_longer_than(path, _BLOCK_BYTES)
        raise SourceFormatError(
            path, f"the row is longer than {limit}; expected a CSV row", line
        ) from None
    raise SourceFormatError(path, f"not a readable CSV file ({exc}); expected a CSV file") from None


def _raise_first_bad_row(path: str | Path, columns: list[str], has_header: bool) -> NoReturn:
    """Re-read single-threaded (slow path, only for broken files) to find the bad row's line.

    Call only for UTF-8 files (Arrow decodes the bad row's bytes to report it)."""
    found: list[pacsv.InvalidRow] = []

    def _skip(row: pacsv.InvalidRow) -> str:
        found.append(row)
        return "skip"

    table = None
    with contextlib.suppress(pa.ArrowInvalid):
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=columns,
                skip_rows=1 if has_header else 0,
                use_threads=False,
                block_size=_BLOCK_BYTES,  # as the first read: a long row is found, not straddled
            ),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, newlines_in_values=True, invalid_row_handler=_skip
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in columns}
            ),
        )
    row = found[0] if found else None
    line = None
    if row is not None and row.number is not None and table is not None:
        # Arrow numbers records (the header included), not lines: the rows before the first bad
        # one are the first rows read, and give its line.
        first_line = 2 if has_header else 1
        before = row.number - first_line
        line = int(RowLines.of_table(table.slice(0, before), first_line).of([before])[0])
    got = row.actual_columns if row is not None else "another number of"
    text = (
        (row.text[:80] + "…")
        if row is not None and len(row.text) > 80
        else (row.text if row else "")
    )
    raise SourceFormatError(
        path,
        f"expected {len(columns)} comma-separated fields, got {got}: {text!r}",
        line,
    )


def _first_non_utf8_line(path: str | Path) -> int | None:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None
