"""Every setting of the service, with its environment variable, default and meaning: the one
table that the web app and the command line read, and that the settings reference documents
(a test checks every setting is there).

The web app layers them, later wins: these defaults -> ``instance/hotspots.cfg`` (a Python file
of ``NAME = value`` lines in the app's instance folder) -> environment variables
``HOTSPOTS_<NAME>`` -> the test config (:func:`web.create_app`). The command line reads the
settings of :data:`COMMAND_LINE` from the environment (``hotspots.cli.environment``), its options
winning over them. Values from the environment are parsed by :func:`parse_value` on both: JSON
where they parse (``HOTSPOTS_CACHE_SIZE=128`` is a number, ``false`` a bool), else the text.

This module only describes: the library never reads the environment; :func:`from_environment`
reads the mapping it is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hotspots.periods import DEFAULT_MONTHS

#: The prefix of every setting's environment variable.
PREFIX: Final = "HOTSPOTS_"


@dataclass(frozen=True)
class Setting:
    """One configuration setting."""

    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        """Its environment variable, ``HOTSPOTS_<NAME>``."""
        return PREFIX + self.name


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
        "BASEMAP",
        None,
        "Path of an MBTiles or PMTiles file of raster tiles (PNG, JPEG or WebP) that the app "
        "serves itself at `/tiles/{z}/{x}/{y}` to every signed-in user (and in public mode); "
        "the map frames, patrol mini-maps and briefing map draw on it (docs/basemap.md). "
        "Not with TILE_URL. None: no base map.",
    ),
    Setting(
        "BASEMAP_ATTRIBUTION",
        None,
        "Attribution of the BASEMAP tiles when the file's metadata has none (or to replace "
        "it); the app refuses to start with a base map and no attribution.",
    ),
    Setting(
        "DEFAULT_MONTHS",
        DEFAULT_MONTHS,
        "Months shown when a page names no period: the N months to the latest stored month "
        "whose N months before are held too, so the change is given; fewer when a month is "
        "missing (docs/periods.md).",
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
        "CACHE_MAX_MB",
        512,
        "Largest size of the disk cache (all data versions together); beyond it the least "
        "recently used values are deleted. Pages carrying a visitor's name are never written "
        "there.",
    ),
    Setting(
        "WARM_PRESETS",
        4,
        "Period presets (most recent first) whose map page and frame are made when the app "
        "starts and after each new ingest, so their first visitors wait for nothing. 0: none.",
    ),
    Setting(
        "WARM_PATROL",
        True,
        "Make the patrol page's default plan (the whole force's, as analysts see it) and next "
        "month's forecast it ranks by (shared by every role's plans and the analysts' map) when "
        "the app starts and after each new ingest. false: on the first request.",
    ),
    Setting(
        "CACHE_MAX_AGE",
        300,
        "Seconds browsers may reuse a page before revalidating it (ETag / 304 after that).",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs session cookies. None: a random key made once and kept in "
        "`.secret_key` beside USERS_DB (mode 0600), shared by every worker process.",
    ),
    Setting(
        "USERS_DB",
        None,
        "The accounts and audit-log file (SQLite). None: `users.sqlite3` in the STORE folder "
        "(where `hotspots users` and `hotspots demo` put accounts).",
    ),
    Setting(
        "PUBLIC_MODE",
        False,
        "True lets visitors who are not signed in see the public-safe level: ward aggregates "
        "with small counts suppressed, no hotspots, points or raids.",
    ),
    Setting(
        "SUPPRESS_BELOW",
        5,
        "Public-safe level: ward counts under this are blank (and so are changes from them).",
    ),
    Setting(
        "SNAP_M",
        250,
        "Roles without exact points (officers, commissioner's office) see drug offences moved "
        "to the centre of a grid cell of this many metres (heat map, exports).",
    ),
    Setting(
        "TRUSTED_USER_HEADER",
        None,
        "Single sign-on: the request header in which the force's reverse proxy puts the "
        "signed-in user's name (e.g. `X-Remote-User`); the account must exist here (its role "
        "applies). Only set it when the proxy strips that header from what clients send.",
    ),
    Setting("SESSION_HOURS", 8, "A sign-in lasts this many hours (then sign in again)."),
    Setting(
        "COOKIE_SECURE",
        True,
        "Session cookie sent over HTTPS only. `hotspots serve` on a loopback address turns "
        "it off (plain HTTP that never leaves the machine); set false only for plain-HTTP "
        "tests.",
    ),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Failed sign-ins allowed per account (whatever the address) in LOGIN_WINDOW_MINUTES; "
        "then that account's sign-ins get 429 until the window passes.",
    ),
    Setting(
        "LOGIN_MAX_FAILURES_PER_ADDRESS",
        100,
        "Failed sign-ins allowed from one client address (for any accounts) in "
        "LOGIN_WINDOW_MINUTES; then sign-ins from it get 429. Successes never count. Keep it "
        "far above LOGIN_MAX_FAILURES: many users may share an address (a station's NAT).",
    ),
    Setting(
        "COMPUTE_PER_MINUTE",
        20,
        "New analyses, patrol plans, API downloads, uploads and map frames, briefing images "
        "and plan files drawn anew one account (or, for the public level, one address) may "
        "start per minute, counted across worker processes "
        "(compute-budget.sqlite3 beside USERS_DB); then 429 with Retry-After. "
        "Views already made are served from the caches and never count, nor do 304 answers "
        "or pre-warming; 0: no limit (web/budget.py, pyrate-limiter).",
    ),
    Setting(
        "COMPUTE_ROWS_PER_COUNT",
        25000,
        "Rows of an events download (/api/v1/events) that count as one of COMPUTE_PER_MINUTE: "
        "a download counts one per this many rows, rounded up, at most the whole minute's "
        "budget (about a second of CPU as GeoJSON, as one new analysis; measured: 245,000 "
        "events took 9 s of CPU, 28 s, and 188 MB).",
    ),
    Setting(
        "LOGIN_WINDOW_MINUTES",
        15,
        "The window of both sign-in limits, in minutes (see docs/security.md).",
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "Trusted reverse proxies in front of the app: the client address (sign-in limits, "
        "audit log) is the X-Forwarded-For entry that the outermost of them added, the "
        "PROXY_COUNT-th from the end (Werkzeug's ProxyFix). 0: the header is ignored. Never "
        "more than the proxies that append to it: a client can forge the entries before.",
    ),
    Setting(
        "UPLOAD_MAX_MB",
        64,
        "Largest upload of monthly files (all files of one upload together); larger: 413.",
    ),
    Setting(
        "SIGNIFICANCE_SIMS",
        199,
        "Monte Carlo simulations of each analysis' significance test (seeded; needs a store "
        "ingested with --all-crime-types). 0: no test. More: finer p-values, slower first views.",
    ),
    Setting(
        "DYNAMICS_PERIODS",
        6,
        "Single months over which each hotspot's dynamics class (new, emerging, persistent, "
        "...) is judged. 0: none.",
    ),
    Setting(
        "PATROL_DOSAGE",
        None,
        'Dosage guidance printed on patrol plans. None: "Visit each place for 10–15 minutes at '
        "varied, unpredictable times, several times a week (Koper 1995; hot-spots policing "
        'trials)."',
    ),
    Setting(
        "PROTECTIVE_MARKING",
        "OFFICIAL",
        "Protective-marking line shown on every page and product (Government Security "
        "Classifications), e.g. `OFFICIAL-SENSITIVE`.",
    ),
    Setting(
        "DASK_SCHEDULER",
        None,
        "Dask scheduler for hotspot clustering (exact tiles on a cluster, same hotspots): an "
        "address such as `tcp://scheduler:8786`, or `local` for a LocalCluster of 2 workers "
        "per app process. None or empty: cluster in the app process.",
    ),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}

#: The settings by name.
BY_NAME: Final[dict[str, Setting]] = {s.name: s for s in SETTINGS}
#: The settings the command line reads too: ``--store`` of every command, ``hotspots users
#: --users-db``, ``--scheduler`` of ingest, analyse and export, and ``hotspots serve``'s cookie.
COMMAND_LINE: Final[tuple[str, ...]] = ("STORE", "USERS_DB", "DASK_SCHEDULER", "COOKIE_SECURE")


def parse_value(text: str) -> Any:
    """An environment value: JSON where it parses (numbers, ``true``, ``null``), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def from_environment(environ: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The settings among ``names`` that ``environ`` sets (by :attr:`Setting.env`), parsed by
    :func:`parse_value`; a name that is not a setting is a ``KeyError``."""
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise KeyError(f"not settings: {unknown}; expected names from hotspots.settings.SETTINGS")
    return {
        name: parse_value(environ[BY_NAME[name].env])
        for name in names
        if BY_NAME[name].env in environ
    }
