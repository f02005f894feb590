"""The line of its file on which each CSV row starts: the number every report gives a row.

A row's *line* is the 1-based number of the physical line on which its record starts, as a text
editor numbers the lines (the header is line 1). It is what the rejected rows' ``source_row``,
the kept events' ``source_row`` and every :class:`~hotspots.errors.SourceFormatError` about a
row give. A quoted field may hold line breaks (legal CSV): its record then spans several lines,
and every later record starts that many lines further down. LF, CRLF and a lone CR each end one
line (as the CSV parser splits records); a UTF-8 byte-order mark is not a line.

Hand-written because the parser counts records, not lines (Arrow's ``InvalidRow.number`` and
row positions are record numbers). The common case costs one look over the parsed text (~0.2 ms
of CPU a monthly police.uk file, measured: 2 ms for Cambridgeshire's 12 of 2025): when no field
holds a line break, a row's line is its position plus the first data row's line, and nothing
more is kept or computed. A record too long for the parser is found by
:func:`first_record_longer_than`, a scan of the bytes with the parser's quoting rules (only a
refused file pays for it).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

#: Bytes of text copied at a time while looking for line breaks (stays in the CPU's cache).
_PIECE_BYTES = 1 << 18
#: The bytes that matter to where a record ends: the quote, the field and line separators.
_SPECIAL = re.compile(rb'[",\r\n]')


@dataclass(frozen=True)
class RowLines:
    """Which line each data row of one file (or of several files' rows read as one) starts on.

    Attributes
    ----------
    first_line : int
        The line of the first data row: 2 after a header, 1 without.
    starts : numpy.ndarray or None
        The line of each row and, last, of the line after the last row (``n + 1`` values), when
        some field holds a line break; ``None`` when none does (the line of the row at position
        ``p`` is then ``p + first_line``).
    """

    first_line: int
    starts: np.ndarray | None = None

    @classmethod
    def of_table(cls, table: pa.Table, first_line: int) -> RowLines:
        """The lines of the rows of ``table`` (text columns, as parsed from the file)."""
        if not _holds_line_break(table):
            return cls(first_line)
        breaks = np.zeros(table.num_rows, dtype=np.int64)
        for column in table.columns:
            if _is_text(column.type):
                breaks += _line_breaks(column)
        starts = np.empty(table.num_rows + 1, dtype=np.int64)
        starts[0] = first_line
        np.cumsum(breaks + 1, out=starts[1:])
        starts[1:] += first_line
        return cls(first_line, starts)

    def of(self, positions: npt.ArrayLike) -> np.ndarray:
        """The line of the row at each of ``positions`` (0-based, in the rows read; the number
        of rows gives the line after the last)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.starts is None:
            return positions + self.first_line
        return self.starts[positions]

    def positions(self, lines: npt.ArrayLike) -> np.ndarray:
        """The position of the row starting on each of ``lines`` (the inverse of :meth:`of`)."""
        lines = np.asarray(lines, dtype=np.int64)
        if self.starts is None:
            return lines - self.first_line
        return np.searchsorted(self.starts, lines)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _holds_line_break(table: pa.Table) -> bool:
    """True when some text field of ``table`` holds CR or LF (only a quoted field can)."""
    for column in table.columns:
        if not _is_text(column.type):
            continue
        for chunk in column.chunks:
            if len(chunk) == 0:
                continue
            offsets_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            _, offsets, data = chunk.buffers()
            bounds = np.frombuffer(offsets, dtype=offsets_type)
            start, stop = int(bounds[chunk.offset]), int(bounds[chunk.offset + len(chunk)])
            text = memoryview(data)
            for at in range(start, stop, _PIECE_BYTES):
                piece = text[at : min(at + _PIECE_BYTES, stop)].tobytes()
                if b"\n" in piece or b"\r" in piece:
                    return True
    return False


def _line_breaks(column: pa.ChunkedArray) -> np.ndarray:
    """The line breaks in each value: LF, CR and CRLF count one each."""
    breaks = pc.subtract(
        pc.add(pc.count_substring(column, "\n"), pc.count_substring(column, "\r")),
        pc.count_substring(column, "\r\n"),
    )
    return np.asarray(breaks.to_numpy(), dtype=np.int64)


def first_record_longer_than(path: str | Path, limit_bytes: int) -> int | None:
    """The line on which the first record longer than ``limit_bytes`` starts, or ``None``.

    The bytes are read in pieces (memory stays bounded whatever the record) with the CSV
    parser's rules: a field that starts with ``"`` is quoted up to the next ``"`` not doubled,
    and line breaks (LF, CR, CRLF) inside it are part of the record.
    """
    line = record_line = 1
    record_start = field_start = 0
    quoted = False
    closing: int | None = None  # a quote inside a quoted field: it closes it, unless doubled
    last_cr = -2
    offset = 0
    with open(path, "rb") as handle:
        head = handle.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:
            record_start = field_start = offset = len(head)
        else:
            handle.seek(0)
        while piece := handle.read(_PIECE_BYTES):
            for match in _SPECIAL.finditer(piece):
                at, byte = offset + match.start(), match.group()
                if quoted and closing is not None and (byte != b'"' or at != closing + 1):
                    quoted, closing = False, None  # the quote at ``closing`` closed the field
                if byte == b'"':
                    if not quoted:
                        quoted = at == field_start
                    elif closing is None:
                        closing = at
                    else:
                        closing = None  # ``""``: a quote in the text
                    continue
                if byte == b"\n" and at == last_cr + 1:  # the LF of a CRLF: one line break
                    if not quoted:
                        field_start = record_start = at + 1
                    continue
                if byte == b"\r":
                    last_cr = at
                if byte != b",":
                    line += 1
                if quoted:
                    continue
                field_start = at + 1
                if byte == b",":
                    continue
                if at - record_start > limit_bytes:
                    return record_line
                record_start, record_line = at + 1, line
            offset += len(piece)
    return record_line if offset - record_start > limit_bytes else None
