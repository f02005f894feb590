"""Text cells that a spreadsheet would run as a formula are written inert (CSV injection).

A CSV opened in Excel or LibreOffice runs a cell starting ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return before one) as a formula: a location or operation name such as
``=HYPERLINK("http://evil.example","click")`` in police or partner data would become a live link
or worse on an analyst's machine. :func:`cell_text` prefixes such *text* with an apostrophe, as
OWASP advises; numbers are never changed (``-3`` stays ``-3``). Every CSV we write (exports,
the API's CSV downloads, patrol plans) passes its text cells through it.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "cell_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (an apostrophe before a formula start)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
