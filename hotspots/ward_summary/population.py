"""Population table: residents per ward, for the per-1,000 rates of a summary.

Population table format
-----------------------
A CSV file read by :func:`read_population`:

- UTF-8 (a byte-order mark is fine), comma-separated, a header line is required;
- columns ``ward_code`` (the ward's GSS code, e.g. ``E05010805``, the codes of the stored ward
  vintage) and ``population`` (residents, a whole number >= 0 written as digits only, e.g.
  ``8123``, not ``8,123`` or ``8123.0``), in any order; other columns are ignored;
- one row per ward; a repeated ward code, a blank ward code, a population that is not a whole
  number >= 0, or a row with a different number of fields than the header raises
  :class:`PopulationFormatError` naming the file, the line and the value; blank lines are skipped;
- codes of wards not in the summary (e.g. a national table) are ignored; wards missing from the
  table get NaN per-1,000 rates and are listed in ``summary.attrs["wards_without_population"]``.

Example::

    ward_code,ward_name,population
    E05010805,Abbey,8123
    E05010806,Arbury,9350
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.errors import SourceFormatError
from hotspots.ward_summary.inputs import WardSummaryError, _require_columns

__all__ = ["POPULATION_COLUMNS", "PopulationFormatError", "read_population"]

POPULATION_COLUMNS = ("ward_code", "population")
_WHOLE = re.compile(r"[0-9]+")


class PopulationFormatError(SourceFormatError, ValueError):
    """A population table breaks the documented format; names the file, line and value."""


def read_population(path: str | Path) -> pd.DataFrame:
    """Read a population table (format in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with a header and the columns ``ward_code`` and ``population``.

    Returns
    -------
    pandas.DataFrame
        Columns ``ward_code`` (str) and ``population`` (int64, residents), in file order.

    Raises
    ------
    PopulationFormatError
        For a missing column, a blank or repeated ward code, a population that is not a whole
        number >= 0, a row with the wrong number of fields, or bytes that are not UTF-8.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PopulationFormatError(
            path, "bytes that are not UTF-8; expected UTF-8", line
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    codes: list[str] = []
    values: list[int] = []
    first_line: dict[str, int] = {}
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [c for c in POPULATION_COLUMNS if c not in header]
        if missing:
            raise PopulationFormatError(
                path,
                f"header {header} lacks {missing}; expected the columns {POPULATION_COLUMNS}",
                1,
            )
        i_code, i_pop = header.index("ward_code"), header.index("population")
        read_to = reader.line_num
        for row in reader:
            # The line the record starts on (a quoted field may hold line breaks: line_num is
            # the record's last line), as the readers of hotspots.sources.lines number rows.
            line, read_to = read_to + 1, reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(header):
                raise PopulationFormatError(
                    path, f"{len(row)} field(s), expected {len(header)} as in the header", line
                )
            code, value = row[i_code].strip(), row[i_pop].strip()
            if not code:
                raise PopulationFormatError(path, "blank ward_code; expected a ward code", line)
            if not _WHOLE.fullmatch(value):
                raise PopulationFormatError(
                    path,
                    f"population {value!r} for {code!r} is not a whole number >= 0; "
                    "expected digits only, e.g. 8123",
                    line,
                )
            if code in first_line:
                raise PopulationFormatError(
                    path, f"duplicate ward_code {code!r} (first on line {first_line[code]})", line
                )
            first_line[code] = line
            codes.append(code)
            values.append(int(value))
    except csv.Error as exc:
        raise PopulationFormatError(path, f"malformed CSV ({exc})", reader.line_num) from None
    return pd.DataFrame(
        {"ward_code": pd.Series(codes, dtype=str), "population": np.array(values, dtype=np.int64)}
    )


def _population_by_ward(population: pd.DataFrame, codes: pd.Series) -> pd.Series:
    """Population of each ward of ``codes`` (Int64, <NA> for wards not in the table)."""
    _require_columns(population, "population", POPULATION_COLUMNS)
    table = population.loc[:, list(POPULATION_COLUMNS)]
    if table["ward_code"].isna().any() or table["ward_code"].duplicated().any():
        repeated = sorted(table.loc[table["ward_code"].duplicated(), "ward_code"].astype(str))
        raise WardSummaryError(
            f"population has blank or repeated ward codes {repeated[:5]}; expected one row per ward"
        )
    values = pd.to_numeric(table["population"], errors="coerce")
    bad = table.loc[values.isna() | (values < 0) | (values % 1 != 0), "population"]
    if len(bad):
        raise WardSummaryError(
            f"population holds {len(bad)} value(s) that are not whole numbers >= 0, e.g. "
            f"{bad.tolist()[0]!r}; expected residents per ward"
        )
    lookup = pd.Series(values.to_numpy(dtype=np.int64), index=table["ward_code"].to_numpy())
    return pd.Series(codes.map(lookup).to_numpy(), dtype="Int64")
