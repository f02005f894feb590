"""Count columns as whole-number columns in every export format: :func:`integer_counts`.

pandas holds an integer column with a blank (a small count blanked for the public or the
commissioner's office, a layer's count blank for "no data") as floats, so without this a
GeoPackage field would be ``Real`` and a GeoParquet column ``double`` (``7.0``) where the JSON
and CSV write ``7`` (:func:`hotspots.numbers.whole_number`). Which columns are counts is one
rule, :func:`hotspots.numbers.is_count`; a blank stays a blank (NULL, never 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.numbers import is_count

__all__ = ["integer_counts"]


def integer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each float count column (:func:`~hotspots.numbers.is_count`) whose values
    are whole or blank as a nullable 64-bit integer column (``Int64``: blank → ``<NA>``).

    A copy when anything changed, else ``frame`` itself; never mutates ``frame``. A count
    column holding a value that is not whole (or not finite) is left as it is: it is not a
    count, and rounding it would change a figure.
    """
    changed: dict[str, pd.Series] = {}
    for column in frame.columns:
        if not isinstance(column, str) or not is_count(column):
            continue
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue
        present = values.to_numpy(dtype="float64", na_value=np.nan)
        present = present[~np.isnan(present)]
        if not (np.isfinite(present).all() and (present == np.floor(present)).all()):
            continue
        changed[column] = values.astype("Int64")
    if not changed:
        return frame
    out = frame.copy()
    for column, values in changed.items():
        out[column] = values
    return out
