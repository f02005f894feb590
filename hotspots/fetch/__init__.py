"""``hotspots fetch``: bring months of a force's drug crimes and searches from the police.uk API
into the store in one command.

For each month asked for, the API's ``crimes-street-dates`` says whether it is published, and
whether the force has stop-and-search in it; then

- offences: ``crimes-street/drugs`` over polygons covering the force area
  (:mod:`hotspots.fetch.cover`; a polygon the API finds too full, 503, is split in four and
  queried again) and ``crimes-no-location`` (drug crimes without a location);
- searches: ``stops-force`` (every search of the force that month).

The answers are written as the month's police.uk CSV files (:mod:`hotspots.fetch.convert`) in
``<store>/fetched/<time>/`` (kept, as uploads are, so the store's sources can be traced) and
ingested by :func:`hotspots.ingest.ingest`, the CSV ingest itself: the same readers, rejection
reasons, ward join, and replacement of what the store held for those months (a month fetched
again replaces itself, or the CSV ingested before; the store's rules for replacing apply).

Set aside before the CSV, and counted in the report: British Transport Police crimes
(``location_type`` ``BTP``, which the force's CSV does not hold) and second copies of a crime
returned by two adjoining polygons (same API ``id``; not the ``persistent_id``, since a
``Crime ID`` repeated in the published data must reach the reader, which rejects it as a
duplicate as it does in the CSV). Months not yet published, and months in which the force has
no stop-and-search, are listed and not fetched (no data, never zero).
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon

from hotspots import schema
from hotspots.fetch.api import (
    DEFAULT_BASE_URL,
    FetchError,
    PoliceUkApi,
    TooManyCrimes,
    list_of_objects,
)
from hotspots.fetch.convert import (
    SEARCH_COLUMNS,
    search_row,
    street_row,
    write_csv,
)
from hotspots.fetch.cover import MARGIN_M, cover, poly_text, split
from hotspots.ingest import IngestReport, ingest, stored_boundaries
from hotspots.periods import month_range
from hotspots.sources.boundaries import Boundaries
from hotspots.sources.police_uk import STREET_COLUMNS
from hotspots.store import Store

__all__ = [
    "DEFAULT_BASE_URL",
    "LAYERS",
    "FetchError",
    "FetchReport",
    "fetch",
    "stored_boundaries",
]

#: The layers a fetch can bring: offences (street crimes) and searches (stop-and-search).
LAYERS: tuple[str, ...] = ("offence", "search")
#: Halvings of a polygon's size before a 503 is taken for an outage rather than "too many".
MAX_SPLIT_DEPTH = 12
SET_ASIDE_BTP = "British Transport Police (not in the force's files)"
SET_ASIDE_COPY = "returned again by an adjoining polygon"


@dataclass
class FetchReport:
    """What a fetch asked for, got, set aside and ingested."""

    months: list[str]
    files: list[Path]
    ingest: IngestReport | None
    unpublished: list[str] = field(default_factory=list)
    no_searches: list[str] = field(default_factory=list)
    set_aside: dict[str, Counter[str]] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    posts: int = 0
    splits: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "months": self.months,
            "files": [p.name for p in self.files],
            "unpublished": self.unpublished,
            "no_stop_and_search": self.no_searches,
            "set_aside": {m: dict(c) for m, c in self.set_aside.items()},
            "requests": self.requests,
            "retries": self.retries,
            "posts": self.posts,
            "splits": self.splits,
        }


def fetch(
    api: PoliceUkApi,
    force: str,
    first: str,
    last: str,
    *,
    store: Store,
    wards: Boundaries,
    force_area: Boundaries,
    layers: Sequence[str] = LAYERS,
    margin_m: float = MARGIN_M,
    on_step: Callable[[str], None] | None = None,
    allow_shrink: bool = False,
) -> FetchReport:
    """Fetch ``force``'s months ``first``..``last`` (``YYYY-MM``) and ingest them into ``store``.

    ``on_step`` is called after each month's layer is fetched (for a progress bar) with a label.
    ``allow_shrink`` confirms a replacement that would keep fewer than half a stored month's rows
    (the store's shrink rule, :mod:`hotspots.store.replacement`; refused otherwise).
    Raises :class:`FetchError` for an unknown force or layer, a range with no published month,
    or an API that fails after its retries (nothing is ingested then).
    """
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown or not layers:
        raise FetchError(f"layers {unknown or '(none)'}: expected some of {', '.join(LAYERS)}")
    wanted = list(month_range(first, last))
    published = _published(api)
    force_name = _force_name(api, force)
    months = [m for m in wanted if m in published]
    report = FetchReport(months, [], None, unpublished=[m for m in wanted if m not in published])
    if not months:
        newest = max(published) if published else "none"
        raise FetchError(
            f"no month from {first} to {last} is published yet (newest published: {newest})"
        )
    folder = _fetch_folder(store)
    try:
        _fetch_into(
            api, force, force_name, published, report, folder, force_area, layers, margin_m, on_step
        )
        report.requests, report.retries, report.posts = api.requests, api.retries, api.posts
        report.ingest = ingest(
            report.files,
            wards=wards,
            force_area=force_area,
            store=store,
            allow_shrink=allow_shrink,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # the store itself is as it was
        raise
    return report


def _fetch_into(
    api: PoliceUkApi,
    force: str,
    force_name: str,
    published: dict[str, set[str]],
    report: FetchReport,
    folder: Path,
    force_area: Boundaries,
    layers: Sequence[str],
    margin_m: float,
    on_step: Callable[[str], None] | None,
) -> None:
    """Fetch each month's layers and write them as CSV files in ``folder``."""
    polygons = cover(force_area.frame, margin_m)
    for month in report.months:
        if "offence" in layers:
            rows, set_aside = _offences(api, force, force_name, month, polygons, report)
            report.set_aside[month] = set_aside
            path = folder / f"{month}-{force}-street.csv"
            write_csv(path, STREET_COLUMNS, rows)
            report.files.append(path)
            if on_step is not None:
                on_step(f"{month} offences")
        if "search" not in layers:
            continue
        if force not in published[month]:
            report.no_searches.append(month)
            continue
        searches = list_of_objects(
            api.get("stops-force", {"force": force, "date": month}), "stops-force"
        )
        path = folder / f"{month}-{force}-stop-and-search.csv"
        write_csv(path, SEARCH_COLUMNS, (search_row(s) for s in searches))
        report.files.append(path)
        if on_step is not None:
            on_step(f"{month} searches")


def _published(api: PoliceUkApi) -> dict[str, set[str]]:
    """Published months, each with the forces that have stop-and-search in it."""
    out: dict[str, set[str]] = {}
    for entry in list_of_objects(api.get("crimes-street-dates"), "crimes-street-dates"):
        forces = entry.get("stop-and-search") or []
        out[str(entry.get("date"))] = {str(f) for f in forces}
    return out


def _force_name(api: PoliceUkApi, force: str) -> str:
    """The force's name (the CSV's ``Reported by``), checking the slug is one the API knows."""
    forces = {
        str(f.get("id")): str(f.get("name")) for f in list_of_objects(api.get("forces"), "forces")
    }
    if force not in forces:
        known = ", ".join(sorted(forces)[:60])
        raise FetchError(f"--force {force!r}: not a police.uk force id; expected one of {known}")
    return forces[force]


def _offences(
    api: PoliceUkApi,
    force: str,
    force_name: str,
    month: str,
    polygons: list[Polygon],
    report: FetchReport,
) -> tuple[list[list[str]], Counter[str]]:
    """The month's drug crimes of the force as street CSV rows, and what was set aside."""
    set_aside: Counter[str] = Counter()
    seen: set[Any] = set()
    rows: list[list[str]] = []
    for crime in _located(api, month, polygons, report):
        key = crime.get("id")
        if key is not None and key in seen:
            set_aside[SET_ASIDE_COPY] += 1
            continue
        seen.add(key)
        if crime.get("location_type") == "BTP":
            set_aside[SET_ASIDE_BTP] += 1
            continue
        rows.append(street_row(crime, force_name))
    params = {"category": schema.DRUGS_CRIME_TYPE.lower(), "force": force, "date": month}
    no_location = list_of_objects(api.get("crimes-no-location", params), "crimes-no-location")
    rows.extend(street_row(crime, force_name) for crime in no_location)
    return rows, set_aside


def _located(
    api: PoliceUkApi, month: str, polygons: list[Polygon], report: FetchReport
) -> list[dict[str, Any]]:
    """Every crime in ``polygons``, each polygon split in four while the API finds it too full."""
    crimes: list[dict[str, Any]] = []
    todo = [(polygon, 0) for polygon in polygons]
    while todo:
        polygon, depth = todo.pop(0)
        try:
            crimes.extend(api.crimes_in("drugs", poly_text(polygon), month))
        except TooManyCrimes:
            if depth >= MAX_SPLIT_DEPTH:
                raise FetchError(
                    f"crimes-street/drugs {month}: 503 even for a polygon split {depth} times; "
                    "the API may be down: try again later"
                ) from None
            report.splits += 1
            todo.extend((part, depth + 1) for part in split(polygon))
    return crimes


def _fetch_folder(store: Store) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = store.path / "fetched" / f"{stamp}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True, mode=0o700)
    return folder
