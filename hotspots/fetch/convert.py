"""API answers to rows of the published CSV files, so the CSV readers check them.

A fetched month is written as the files police.uk publishes for it —
``YYYY-MM-<force>-street.csv`` and ``YYYY-MM-<force>-stop-and-search.csv``, same columns in the
same order — and ingested by the same readers. So every rule (drugs only, UK local month of a
search, locations, duplicates, wards) and every rejection reason is the CSV ingest's, held in one
place, and a fetched month replaces the same store source as its CSV files (the store keys a
police.uk file by kind, month and force).

Street rows: ``persistent_id`` is ``Crime ID``; ``month``; ``Reported by`` and ``Falls within``
the force's name; ``location`` latitude and longitude as given (the API's own decimal text);
``location.street.name`` is ``Location`` (``No Location`` when there is none, as in the CSV);
``LSOA code`` and ``LSOA name`` blank (the API has no LSOA); ``Crime type`` from the category
(``drugs`` is ``Drugs``); ``outcome_status.category`` is ``Last outcome category``; ``context``.

Stop-and-search rows: every field of the API's record in the CSV's column; booleans as the CSV's
``True``/``False`` and null as blank; ``datetime`` is ``Date`` as given (the reader files it by
its UK local month).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hotspots.sources.police_uk import STREET_COLUMNS
from hotspots.sources.stop_search import SEARCH_COLUMNS

__all__ = ["SEARCH_COLUMNS", "search_row", "street_row", "write_csv"]

#: API search fields by CSV column (Latitude and Longitude come from ``location``).
_SEARCH_FIELDS = {
    "Type": "type",
    "Date": "datetime",
    "Part of a policing operation": "operation",
    "Policing operation": "operation_name",
    "Gender": "gender",
    "Age range": "age_range",
    "Self-defined ethnicity": "self_defined_ethnicity",
    "Officer-defined ethnicity": "officer_defined_ethnicity",
    "Legislation": "legislation",
    "Object of search": "object_of_search",
    "Outcome": "outcome",
    "Outcome linked to object of search": "outcome_linked_to_object_of_search",
    "Removal of more than just outer clothing": "removal_of_more_than_outer_clothing",
}
#: The CSV's ``Crime type`` of the API's categories (others: the category as given).
CRIME_TYPES = {"drugs": "Drugs"}
NO_LOCATION = "No Location"


def _text(value: Any) -> str:
    """A CSV field: blank for null, ``True``/``False`` for booleans, else the text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _location(record: Mapping[str, Any]) -> tuple[str, str, str]:
    """(latitude, longitude, street name) of a record, blank when it has no location."""
    location = record.get("location")
    if not isinstance(location, Mapping):
        return "", "", ""
    street = location.get("street")
    name = street.get("name") if isinstance(street, Mapping) else None
    return _text(location.get("latitude")), _text(location.get("longitude")), _text(name)


def street_row(crime: Mapping[str, Any], force_name: str) -> list[str]:
    """The street CSV row of an API crime."""
    lat, lng, street = _location(crime)
    outcome = crime.get("outcome_status")
    category = _text(crime.get("category"))
    values = {
        "Crime ID": _text(crime.get("persistent_id")),
        "Month": _text(crime.get("month")),
        "Reported by": force_name,
        "Falls within": force_name,
        "Longitude": lng,
        "Latitude": lat,
        "Location": street or (NO_LOCATION if not (lat or lng) else ""),
        "LSOA code": "",
        "LSOA name": "",
        "Crime type": CRIME_TYPES.get(category, category),
        "Last outcome category": _text(outcome.get("category"))
        if isinstance(outcome, Mapping)
        else "",
        "Context": _text(crime.get("context")),
    }
    return [values[column] for column in STREET_COLUMNS]


def search_row(search: Mapping[str, Any]) -> list[str]:
    """The stop-and-search CSV row of an API search."""
    lat, lng, _ = _location(search)
    values = {column: _text(search.get(field)) for column, field in _SEARCH_FIELDS.items()}
    values.update({"Latitude": lat, "Longitude": lng})
    return [values[column] for column in SEARCH_COLUMNS]


def write_csv(path: Path, columns: Iterable[str], rows: Iterable[list[str]]) -> None:
    """Write a CSV as police.uk does (header, comma-separated, quoted where needed, LF)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(columns))
        writer.writerows(rows)
