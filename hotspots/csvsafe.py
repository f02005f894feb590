"""Text cells that a spreadsheet would run as a formula are written inert (CSV injection).

A CSV opened in Excel or LibreOffice runs a cell starting ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return before one) as a formula: a location or operation name such as
``=HYPERLINK("http://evil.example","click")`` in police or partner data would become a live link
or worse on an analyst's machine. :func:`cell_text` prefixes such *text* with an apostrophe, as
OWASP advises; numbers are never changed (``-3`` stays ``-3``). Every CSV we write (exports,
the API's CSV downloads, patrol plans) passes its text cells through it.

:func:`text_cells` is the same rule over a column of text as read from a file (the store's
rejected-rows files, whose every cell is the original text): a cell that is a plain number as
written (an original longitude ``-0.5``) is a number and kept; any other formula start is
prefixed.

Written here, not with ``defusedcsv`` (the PyPI wrapper of ``csv.writer``): its ``escape``
(source read at raphaelm/defusedcsv) turns every field into text and prefixes any that starts
``-`` or ``+``, so a negative number is written as formula-safe text (``'-0.56373``: the
longitude of every place west of Greenwich, the bug ``tests/test_patrol.py`` guards against),
it rewrites ``|`` as ``\\|`` (changing the data) and leaves a leading tab or carriage return;
and it wraps ``csv.writer`` only, while the rejected-rows files are written from Arrow columns
(:func:`text_cells`, vectorised). The rule itself is OWASP's, a line each.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_STARTS", "cell_text", "text_cells"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number as written (sign, digits, point, exponent): inert in a spreadsheet.
_NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def cell_text(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (an apostrophe before a formula start)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def text_cells(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column of original text made safe as :func:`cell_text` does, cells that are plain
    numbers as written left as they are (nulls stay null); vectorised with Arrow (a column
    with no formula start is returned as it is, after one look at first characters)."""
    first = pc.utf8_slice_codeunits(column, 0, 1)
    starts = pc.is_in(first, value_set=pa.array(FORMULA_STARTS, column.type))
    if not pc.any(starts).as_py():
        return column
    number = pc.match_substring_regex(column, _NUMBER_RE)
    risky = pc.and_(starts, pc.invert(number))
    empty = pa.scalar("", column.type)
    prefixed = pc.binary_join_element_wise(pa.scalar("'", column.type), column, empty)
    return pc.if_else(risky, prefixed, column)
