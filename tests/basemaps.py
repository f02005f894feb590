"""Tiny base-map files made on the fly: solid-colour 256 px PNG tiles (Pillow) in an MBTiles
(sqlite3, TMS rows) or a PMTiles file (the ``pmtiles`` package's writer)."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from PIL import Image
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

Colour = tuple[int, int, int]
#: Tiles of the test files by XYZ address: the whole world at zoom 0, four quarters at zoom 1.
COLOURS: dict[tuple[int, int, int], Colour] = {
    (0, 0, 0): (255, 0, 255),  # magenta: the briefing test looks for it
    (1, 0, 0): (255, 0, 0),  # north-west
    (1, 1, 0): (0, 255, 0),  # north-east
    (1, 0, 1): (0, 0, 255),  # south-west
    (1, 1, 1): (255, 255, 0),  # south-east
}
ATTRIBUTION = "Test tiles © Nobody & friends"


def png(colour: Colour) -> bytes:
    """A solid 256 x 256 PNG tile."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_mbtiles(
    path: Path, colours: Mapping[tuple[int, int, int], Colour] = COLOURS, **metadata: str
) -> Path:
    """An MBTiles file of ``colours`` (XYZ addresses; rows stored TMS, flipped)."""
    meta = {"name": "test", "format": "png", "attribution": ATTRIBUTION, **metadata}
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, 2**z - 1 - y, png(c)) for (z, x, y), c in colours.items()],
        )
    conn.close()
    return path


def make_pmtiles(
    path: Path,
    colours: Mapping[tuple[int, int, int], Colour] = COLOURS,
    attribution: str = ATTRIBUTION,
) -> Path:
    """A PMTiles v3 file of ``colours`` (XYZ addresses)."""
    with open(path, "wb") as handle:
        writer = Writer(handle)
        for (z, x, y), colour in sorted(colours.items(), key=lambda i: zxy_to_tileid(*i[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), png(colour))
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_lon_e7": -1800000000,
                "min_lat_e7": -850000000,
                "max_lon_e7": 1800000000,
                "max_lat_e7": 850000000,
                "center_zoom": 0,
                "center_lon_e7": 0,
                "center_lat_e7": 0,
            },
            {"attribution": attribution},
        )
    return path
