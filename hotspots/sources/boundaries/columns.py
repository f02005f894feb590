"""The ONS column names of boundary files (``WDyyCD``, ``LADyyNM``, ``PFAyyCD``...), and the choice
of a column: the one the caller names, else the newest vintage of an ONS form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from hotspots.errors import BoundaryError

WARD_CODE = re.compile(r"^WD(\d\d)CD$", re.IGNORECASE)
WARD_NAME = re.compile(r"^WD(\d\d)NM$", re.IGNORECASE)
LAD_CODE = re.compile(r"^LAD(\d\d)CD$", re.IGNORECASE)
LAD_NAME = re.compile(r"^LAD(\d\d)NM$", re.IGNORECASE)
PFA_CODE = re.compile(r"^PFA(\d\d)CD$", re.IGNORECASE)
PFA_NAME = re.compile(r"^PFA(\d\d)NM$", re.IGNORECASE)


def pick_column(
    columns: Sequence[str], pattern: re.Pattern[str], given: str | None, what: str, path: Path
) -> str | None:
    """The column for ``what``: ``given`` (refused when absent), else the last in sorted order
    of those matching ``pattern`` (the newest vintage), else ``None``."""
    if given is not None:
        if given not in columns:
            raise BoundaryError(
                f"{path}: no column {given!r} for the {what}; columns are {list(columns)}"
            )
        return given
    matches = sorted((c for c in columns if pattern.match(c)), reverse=True)
    return matches[0] if matches else None
