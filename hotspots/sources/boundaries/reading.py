"""Reading any OGR vector file (GeoJSON, GeoPackage, Shapefile, TopoJSON...) as polygons in
British National Grid (EPSG:27700, metres), and repairing invalid ones.

Features without a polygon are left out (and returned, for the ward check that every ward has
one); a file without any polygon, or one GDAL or GEOS cannot read, is refused with a
:class:`~hotspots.errors.BoundaryError` naming the file. The CRS rules are in
:mod:`hotspots.sources.boundaries.crs`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.projection import on_projection_thread
from hotspots.sources.boundaries.crs import check_on_the_grid, guess_crs, not_degrees

# A ring whose last point is not its first is an error in the file: GDAL would close it with a
# warning (raised from a C callback, where nothing can catch it); with NO it reads as an empty
# geometry, which is refused below like any other file without usable polygons.
pyogrio.set_gdal_config_options({"OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"})

OGR_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


def read_layer(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any OGR vector file and return it in EPSG:27700 with only (multi)polygons.

    Raises
    ------
    BoundaryError
        Unreadable file, no polygons, or no CRS and coordinates fitting neither WGS84 nor BNG.
    """
    return read_polygons(path, layer)[0]


def read_polygons(
    path: str | Path, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`read_layer`, and the attributes of the features left out (no geometry, an empty
    one, or not a polygon)."""
    path = Path(path)
    if not path.exists():
        raise BoundaryError(f"{path}: no such file")
    try:
        with np.errstate(invalid="ignore"):  # NaN coordinates: refused below, off the grid
            frame = gpd.read_file(path, layer=layer)
    except (*OGR_ERRORS, shapely.errors.GEOSException, ValueError) as exc:
        # GEOS refuses broken geometries (a one-point ring...); ValueError covers bad text.
        raise BoundaryError(f"{path}: cannot read as a vector layer ({str(exc).strip()})") from None
    shapes = frame.geometry.to_numpy()  # shapely directly: GeoSeries.notna warns on empties
    shaped = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
    polygonal = shaped & frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.any():
        raise BoundaryError(
            f"{path}: no polygons found (geometry types: "
            f"{sorted(set(frame[shaped].geom_type))}); expected ward or force-area polygons"
        )
    left_out = pd.DataFrame(frame[~polygonal].drop(columns=frame.geometry.name))
    frame = frame[polygonal]
    if frame.crs is None or not_degrees(frame):
        frame = frame.set_crs(guess_crs(path, frame), allow_override=True)
    try:
        # On the projection thread: the events' projection shares its PROJ object.
        frame = on_projection_thread(lambda: frame.to_crs(schema.CRS_BNG))
    except pyproj.exceptions.CRSError as exc:
        raise BoundaryError(f"{path}: cannot project to {schema.CRS_BNG} ({exc})") from None
    check_on_the_grid(path, frame)
    return frame, left_out


def repair(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons (GEOS "structure" method: the result is always polygonal)."""
    invalid = ~frame.geometry.is_valid
    n_invalid = int(invalid.sum())
    if n_invalid:
        frame = frame.copy()
        frame.loc[invalid, "geometry"] = shapely.make_valid(
            frame.geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
        )
    return frame, n_invalid
