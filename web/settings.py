"""Every setting of the web app, with its default and meaning.

Layered, later wins: these defaults -> ``instance/hotspots.cfg`` (a Python file of ``NAME = value``
lines in the app's instance folder) -> environment variables ``HOTSPOTS_<NAME>`` (values parsed
as JSON when they can be, e.g. ``HOTSPOTS_CACHE_SIZE=128``) -> the test config. The README's
settings table is checked against this list by a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One configuration setting."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("STORE", "store", "Path of the embedded store the app reads (as `hotspots --store`)."),
    Setting(
        "TILE_URL",
        None,
        "Base-map tile URL template, e.g. an OS Open Zoomstack or OS Maps API server on the "
        "force network (`https://tiles.example/{z}/{x}/{y}.png`). None: no base map; ward "
        "outlines and names give orientation.",
    ),
    Setting(
        "TILE_ATTRIBUTION",
        None,
        "Attribution shown for the tiles; required when TILE_URL is set.",
    ),
    Setting("TILE_MAX_ZOOM", 18, "Highest zoom level the tile server offers."),
    Setting(
        "DEFAULT_MONTHS",
        12,
        "Months shown when a page names no period: the N months to the latest stored month.",
    ),
    Setting("CACHE_SIZE", 64, "Analyses and rendered maps kept in memory (least recently used)."),
    Setting(
        "CACHE_DIR",
        None,
        "Folder of the cache that every worker process shares (analyses and rendered maps, "
        "one file each, by data version; created private). None: `cache` in the app's "
        "instance folder. Empty string: no disk cache (each process keeps its own).",
    ),
    Setting(
        "WARM_PRESETS",
        4,
        "Period presets (most recent first) whose map page and frame are made when the app "
        "starts and after each new ingest, so their first visitors wait for nothing. 0: none.",
    ),
    Setting(
        "CACHE_MAX_AGE",
        300,
        "Seconds browsers may reuse a page before revalidating it (ETag / 304 after that).",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs session cookies. Set a long random value in production; "
        "None makes the app generate a per-process key.",
    ),
    Setting(
        "PATROL_DOSAGE",
        None,
        "Dosage guidance printed on patrol plans. None: \"Visit each place for 10–15 minutes at "
        "varied, unpredictable times, several times a week (Koper 1995; hot-spots policing "
        "trials).\"",
    ),
    Setting(
        "PROTECTIVE_MARKING",
        "OFFICIAL",
        "Protective-marking line shown on every page and product (Government Security "
        "Classifications), e.g. `OFFICIAL-SENSITIVE`.",
    ),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
