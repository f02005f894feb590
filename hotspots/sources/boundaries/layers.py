"""Which layer of a file of several to read: the one whose attributes hold what is wanted (ward
codes, force areas), never GDAL's first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyogrio

from hotspots.errors import BoundaryError
from hotspots.sources.boundaries.reading import OGR_ERRORS


def layer_of(path: Path, holds: Callable[[pd.DataFrame], bool], what: str) -> str | None:
    """The layer of ``path`` to read: ``None`` for a file of one layer (or one GDAL cannot
    list: reading it says why); of several (a GeoPackage such as OS Boundary-Line, whose first
    layer is the counties), the one layer whose attributes ``holds`` accepts. GDAL would read
    the first layer, warning only in Python.

    Raises
    ------
    BoundaryError
        Several layers and not exactly one holds ``what``.
    """
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except (*OGR_ERRORS, OSError, ValueError):
        return None
    if len(layers) < 2:
        return None
    chosen = [
        layer
        for layer in layers
        if holds(pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False)))
    ]
    if len(chosen) == 1:
        return chosen[0]
    held = "none holds" if not chosen else f"{len(chosen)} hold ({', '.join(chosen)})"
    raise BoundaryError(
        f"{path}: {len(layers)} layers ({', '.join(layers)}); {held} {what}; expected one "
        "layer of them (save it on its own, e.g. with ogr2ogr)"
    )
