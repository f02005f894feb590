"""Ward and force-area boundaries in any OGR format and any CRS, returned in British National
Grid (EPSG:27700, metres).

One concept a module:

- :mod:`~hotspots.sources.boundaries.model`: :class:`Boundaries`, what the readers return;
- :mod:`~hotspots.sources.boundaries.reading`: any OGR file as polygons in EPSG:27700
  (:func:`read_layer`), invalid polygons repaired;
- :mod:`~hotspots.sources.boundaries.crs`: the CRS of a file that does not say, and the check
  that polygons land on the British National Grid;
- :mod:`~hotspots.sources.boundaries.layers`: which layer of a file of several to read;
- :mod:`~hotspots.sources.boundaries.columns`: the ONS column names and the choice of a column;
- :mod:`~hotspots.sources.boundaries.ward_files`: :func:`read_wards`;
- :mod:`~hotspots.sources.boundaries.dissolve`: one row per ward code;
- :mod:`~hotspots.sources.boundaries.membership`: :func:`force_wards`, the wards of the force;
- :mod:`~hotspots.sources.boundaries.districts`: every ward's district named;
- :mod:`~hotspots.sources.boundaries.force_area`: :func:`read_force_area`, :func:`force_key`.

Every failure is a :class:`~hotspots.errors.BoundaryError` naming the file.
"""

from __future__ import annotations

from hotspots.sources.boundaries.force_area import force_key, read_force_area
from hotspots.sources.boundaries.membership import WARD_IN_AREA_SHARE, force_wards
from hotspots.sources.boundaries.model import Boundaries
from hotspots.sources.boundaries.reading import read_layer
from hotspots.sources.boundaries.ward_files import read_wards

__all__ = [
    "WARD_IN_AREA_SHARE",
    "Boundaries",
    "force_key",
    "force_wards",
    "read_force_area",
    "read_layer",
    "read_wards",
]
