"""Reading raster tiles from an MBTiles or PMTiles file, by XYZ address.

Libraries, not hand-written parsers: MBTiles is an SQLite database (the ``tiles`` table of
``zoom_level``, ``tile_column``, ``tile_row``, ``tile_data`` and a ``metadata`` table of
``name``/``value``; MBTiles 1.3), read with the standard library's :mod:`sqlite3`, read-only, one
connection per thread. PMTiles (v3) is read with the Protomaps reader, ``pmtiles.reader.Reader``
over ``pmtiles.reader.MmapSource`` (the file is memory-mapped once, so worker threads and forked
worker processes share it).

Addresses are XYZ (``y`` 0 at the north edge, as Leaflet asks). MBTiles stores TMS rows (0 at the
south edge), so ``tile_row = 2**z - 1 - y``. Only raster tiles (PNG, JPEG, WebP) are accepted:
vector tiles need a style renderer the app does not have.
"""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

__all__ = ["MEDIA_TYPES", "BaseMap", "BaseMapError", "media_type", "open_basemap"]

#: Media types of the raster tile formats accepted.
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}

_PMTILES_TYPES = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}
_TILE_SQL = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
_MBTILES_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


class BaseMapError(ValueError):
    """The base-map file cannot be used (names the file and what was expected)."""


@dataclass
class BaseMap:
    """An open base-map file of raster tiles.

    Attributes
    ----------
    name
        The file's name (no folder), for messages.
    format
        ``"png"``, ``"jpg"`` or ``"webp"`` (the tiles' declared format).
    attribution
        The tiles' attribution, plain text (from the file's metadata; empty if it has none).
    min_zoom, max_zoom
        Zoom levels the file holds.
    """

    name: str
    format: str
    attribution: str
    min_zoom: int
    max_zoom: int
    _read: Any = field(repr=False)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ address ``z/x/y`` as stored (PNG/JPEG/WebP bytes), or None."""
        if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        if not self.min_zoom <= z <= self.max_zoom:
            return None
        data = self._read(z, x, y)
        return bytes(data) if data else None

    @property
    def media_type(self) -> str:
        """The declared media type of the tiles."""
        return MEDIA_TYPES[self.format]


def media_type(data: bytes, default: str) -> str:
    """The media type of tile bytes from their signature (``default`` if unrecognised)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return default


def open_basemap(path: str | Path) -> BaseMap:
    """Open an MBTiles or PMTiles file of raster tiles (recognised by its first bytes).

    Raises
    ------
    BaseMapError
        The file is missing, neither format, holds vector tiles, or holds no tiles.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise BaseMapError(
            f"base map {path.name}: cannot read it ({exc.strerror}); expected an MBTiles or "
            "PMTiles file"
        ) from None
    if head.startswith(b"PMTiles"):
        return _open_pmtiles(path)
    if head.startswith(b"SQLite format 3\x00"):
        return _open_mbtiles(path)
    raise BaseMapError(
        f"base map {path.name}: neither an MBTiles (SQLite) nor a PMTiles file; expected one "
        "of them, holding raster tiles"
    )


def _open_pmtiles(path: Path) -> BaseMap:
    try:
        with open(path, "rb") as handle:  # the mapping outlives the file handle
            reader = Reader(MmapSource(handle))
        header = reader.header()
        metadata = reader.metadata()
    except Exception as exc:  # the reader raises assorted errors on a damaged file
        raise BaseMapError(
            f"base map {path.name}: not a readable PMTiles v3 file ({exc})"
        ) from None
    kind = header["tile_type"]
    if kind not in _PMTILES_TYPES:
        raise BaseMapError(
            f"base map {path.name}: holds {getattr(kind, 'name', kind)} tiles; expected raster "
            "tiles (PNG, JPEG or WebP)"
        )
    gzipped = header["tile_compression"] == Compression.GZIP

    def read(z: int, x: int, y: int) -> bytes | None:
        data = reader.get(z, x, y)
        if data and gzipped:
            return gzip.decompress(data)
        return data

    return BaseMap(
        name=path.name,
        format=_PMTILES_TYPES[kind],
        attribution=_text(metadata.get("attribution") if isinstance(metadata, dict) else None),
        min_zoom=int(header["min_zoom"]),
        max_zoom=int(header["max_zoom"]),
        _read=read,
    )


def _open_mbtiles(path: Path) -> BaseMap:
    local = threading.local()
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connection() -> sqlite3.Connection:
        """This thread's connection; a new one in a forked worker (never one made before the
        fork, which SQLite does not allow)."""
        held: tuple[int, sqlite3.Connection] | None = getattr(local, "held", None)
        if held is None or held[0] != os.getpid():
            held = (os.getpid(), sqlite3.connect(uri, uri=True))
            local.held = held
        return held[1]

    try:
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            low, high = conn.execute(
                "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles"
            ).fetchone()
    except sqlite3.Error as exc:
        raise BaseMapError(
            f"base map {path.name}: not an MBTiles file ({exc}); expected tables metadata and tiles"
        ) from None
    declared = str(meta.get("format") or "png").lower()
    if declared not in _MBTILES_FORMATS:
        raise BaseMapError(
            f"base map {path.name}: holds {declared!r} tiles; expected raster tiles (png, jpg "
            "or webp)"
        )
    if low is None:
        raise BaseMapError(f"base map {path.name}: holds no tiles")

    def read(z: int, x: int, y: int) -> bytes | None:
        tms_row = 2**z - 1 - y  # TMS rows count from the south
        row = connection().execute(_TILE_SQL, (z, x, tms_row)).fetchone()
        return row[0] if row else None

    return BaseMap(
        name=path.name,
        format=_MBTILES_FORMATS[declared],
        attribution=_text(meta.get("attribution")),
        min_zoom=int(meta.get("minzoom", low) or low),
        max_zoom=int(meta.get("maxzoom", high) or high),
        _read=read,
    )


def _text(value: Any) -> str:
    """Attribution as plain text: HTML tags dropped (files often hold a link)."""
    if not isinstance(value, str):
        return ""
    return " ".join(unescape(re.sub(r"<[^>]*>", "", value)).split())
