"""What every export module shares: the format names, reserved names, the CRS and ExportError."""

from __future__ import annotations

from typing import Final

from pyproj import CRS

from hotspots import schema
from hotspots.errors import HotspotsError

FORMATS: Final[tuple[str, ...]] = ("geojson", "gpkg", "csv", "parquet")
#: Features reprojected and written at a time.
CHUNK_ROWS: Final = 10_000
#: Name of the GeoPackage metadata layer and of the GeoParquet schema metadata key.
METADATA_LAYER: Final = "metadata"
METADATA_KEY: Final = "hotspots"
CSV_GEOMETRY_COLUMNS: Final = ("lon", "lat", "wkt")

_EXT: Final = {"geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "parquet": "parquet"}
_BNG: Final = CRS.from_user_input(schema.CRS_BNG)
_EVENTS: Final = "events"


class ExportError(HotspotsError, ValueError):
    """An export was asked for with a wrong argument, CRS, column or value."""
