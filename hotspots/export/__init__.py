"""Exports for analysts: GeoJSON (RFC 7946), GeoPackage, CSV and GeoParquet.

Frames come in British National Grid (EPSG:27700, metres). Exported GeoJSON and CSV (and so the
API's and OGC API's features) are reprojected to WGS84 (EPSG:4326, longitude/latitude degrees) by
:mod:`hotspots.export.wgs84`; the other places that make WGS84 are listed in docs/layout.md.

Formats
-------
``"geojson"``
    One FeatureCollection per file (one frame only), streamed feature by feature. Coordinates are
    WGS84 lon/lat with at most 6 decimals (about 0.1 m); polygon exteriors are counter-clockwise
    and holes clockwise; no ``crs`` member; a foreign member ``"metadata"`` holds
    :meth:`ExportMetadata.to_dict`. Properties: NaN/inf/NA → ``null``, numpy numbers → JSON
    numbers, timestamps and dates → ISO 8601 strings; any other value raises.
``"gpkg"``
    Every frame as a layer of one GeoPackage (version 1.2) in EPSG:27700, plus a non-spatial
    layer ``metadata`` (columns ``key``, ``value``; non-string values as JSON) and the same
    metadata as JSON in the GeoPackage's dataset metadata under ``hotspots``. Field names and
    types are made safe for desktop GIS (:mod:`.desktop`) and each spatial layer gets a default
    QGIS style in ``layer_styles`` (:mod:`.styles`).
``"csv"``
    UTF-8, ``\\n`` line ends; the properties, then ``lon``, ``lat`` (WGS84, 6 decimals; for
    lines and polygons a point on the surface) and ``wkt`` (geometry in WGS84, 6 decimals).
    Missing values are empty fields, booleans ``true``/``false``. The metadata goes to a sidecar
    ``<stem>.metadata.json`` beside each CSV.
``"parquet"``
    GeoParquet 1.0.0 in EPSG:27700 (WKB geometry, ``geo`` metadata), readable with
    :func:`geopandas.read_parquet`; the metadata is JSON in the schema metadata under
    ``hotspots``.

File naming: with one frame, ``path`` is the file; a bare GeoDataFrame in a GeoPackage is a
layer named by what it holds (``hotspots``, ``wards``, or one layer per event layer, see
:func:`.desktop.gpkg_layers`), or by the file's stem when it is none of these. With several
frames, a GeoPackage holds them as layers named by the mapping's keys; CSV and GeoParquet treat
``path`` as a directory holding ``<name>.csv`` (+ ``<name>.metadata.json``) or
``<name>.parquet``; GeoJSON refuses.

Every write is atomic: files are written beside their targets under temporary names and moved
into place with :func:`os.replace` only when all of them are complete, so a failure leaves any
previous file at ``path`` untouched and no partial file. A named index is exported as columns;
an unnamed index is not exported.

The licence text gains a note that raid records are SYNTHETIC when any exported row has
``synthetic`` true, or when ``ExportMetadata(synthetic=True)`` (set it for aggregates of
synthetic rows, which carry no ``synthetic`` column).

Layout: :mod:`.formats` (format names, shared constants, :class:`ExportError`), :mod:`.metadata`
(:class:`ExportMetadata`), :mod:`.jsonvalues` (JSON-safe values), :mod:`.checks` (argument
checks), :mod:`.wgs84` (reprojection and coordinate text), :mod:`.geojson` and :mod:`.tabular`
(the streaming GeoJSON and CSV writers), :mod:`.geoparquet` and :mod:`.geopackage`, :mod:`.atomic`
(atomic writes), :mod:`.frames` (:func:`export`), :mod:`.storeread` and :mod:`.events`
(:func:`export_events`), :mod:`.desktop` and :mod:`.styles` (GeoPackages for desktop GIS).
"""

from __future__ import annotations

from hotspots.export.events import export_events
from hotspots.export.formats import CHUNK_ROWS, FORMATS, ExportError
from hotspots.export.formats import CSV_GEOMETRY_COLUMNS as CSV_GEOMETRY_COLUMNS
from hotspots.export.formats import METADATA_KEY as METADATA_KEY
from hotspots.export.formats import METADATA_LAYER as METADATA_LAYER
from hotspots.export.frames import export
from hotspots.export.metadata import LICENCE, SYNTHETIC_NOTE, ExportMetadata

__all__ = [
    "CHUNK_ROWS",
    "FORMATS",
    "LICENCE",
    "SYNTHETIC_NOTE",
    "ExportError",
    "ExportMetadata",
    "export",
    "export_events",
]
