"""A local stand-in for the police.uk API, built from police.uk CSV files, for ``hotspots fetch``.

It answers the endpoints the fetch uses in the API's documented shapes
(/work/shared/docs/police-uk-api.md): ``forces``, ``crimes-street-dates``,
``crimes-street/{category}`` (GET or POST, ``poly`` and ``date``; 503 when the polygon holds more
than ``cap`` crimes, 400 for a GET URL over 4,094 characters), ``crimes-no-location`` and
``stops-force``. Each month also holds one British Transport Police crime (``location_type``
``BTP``, at Cambridge station), as the real API returns them in polygon queries. The first
``crimes-no-location`` request gets a 429 (``Retry-After: 0``), to exercise the retry.

Standard library :mod:`http.server` (a thread on 127.0.0.1, a free port) and shapely for the
point-in-polygon test; nothing reaches the internet.
"""

from __future__ import annotations

import csv
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import shapely
from shapely.geometry import Polygon

_NAME = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>.+?)-(?P<what>street|stop-and-search)\.csv$")
#: Cambridge railway station (inside Cambridgeshire), where the stand-in puts its BTP crimes.
BTP_AT = ("52.194300", "0.137500")
MAX_GET_URL = 4094


def _none(text: str) -> str | None:
    return text if text != "" else None


def _flag(text: str) -> bool | str | None:
    return {"True": True, "False": False, "": None}.get(text, text)


@dataclass
class Data:
    """The API's data, from CSV files."""

    forces: dict[str, str] = field(default_factory=dict)
    crimes: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    stops: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_csvs(cls, folder: Path) -> Data:
        data = cls()
        next_id = iter(range(100_000_000, 200_000_000))
        for path in sorted(folder.glob("*.csv")):
            match = _NAME.match(path.name)
            if match is None:
                continue
            month, force = match["month"], match["force"]
            with open(path, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            if match["what"] == "street":
                for row in rows:
                    data.forces[force] = row["Reported by"]
                    data.crimes[month].append(_crime(row, next(next_id)))
                lat, lng = BTP_AT
                btp = {
                    "Crime ID": "f" * 64,
                    "Month": month,
                    "Latitude": lat,
                    "Longitude": lng,
                    "Location": "On or near Station Road",
                    "Crime type": "Drugs",
                    "Last outcome category": "",
                    "Context": "",
                }
                data.crimes[month].append({**_crime(btp, next(next_id)), "location_type": "BTP"})
            else:
                data.stops[(force, month)] = [_stop(row, n) for n, row in enumerate(rows)]
        return data


def _crime(row: dict[str, str], api_id: int) -> dict[str, Any]:
    located = row["Longitude"] != "" and row["Latitude"] != ""
    category = row["Crime type"].lower().replace(" ", "-")
    outcome = row["Last outcome category"]
    return {
        "category": category,
        "location_type": "Force" if located else None,
        "location_subtype": "",
        "location": {
            "latitude": row["Latitude"],
            "longitude": row["Longitude"],
            "street": {"id": api_id % 1_000_000, "name": row["Location"]},
        }
        if located
        else None,
        "context": row["Context"],
        "month": row["Month"],
        "id": api_id,
        "persistent_id": row["Crime ID"],
        "outcome_status": {"category": outcome, "date": row["Month"]} if outcome else None,
    }


def _stop(row: dict[str, str], n: int) -> dict[str, Any]:
    located = row["Latitude"] != "" and row["Longitude"] != ""
    return {
        "type": row["Type"],
        "involved_person": True,
        "datetime": row["Date"],
        "operation": _flag(row["Part of a policing operation"]),
        "operation_name": _none(row["Policing operation"]),
        "location": {
            "latitude": row["Latitude"],
            "longitude": row["Longitude"],
            "street": {"id": n, "name": "On or near Somewhere"},
        }
        if located
        else None,
        "gender": _none(row["Gender"]),
        "age_range": _none(row["Age range"]),
        "self_defined_ethnicity": _none(row["Self-defined ethnicity"]),
        "officer_defined_ethnicity": _none(row["Officer-defined ethnicity"]),
        "legislation": _none(row["Legislation"]),
        "object_of_search": _none(row["Object of search"]),
        "outcome": _none(row["Outcome"]),
        "outcome_linked_to_object_of_search": _flag(row["Outcome linked to object of search"]),
        "removal_of_more_than_outer_clothing": _flag(
            row["Removal of more than just outer clothing"]
        ),
    }


@dataclass
class StandIn:
    """A running stand-in: its ``base_url`` and what it was asked (``log``: method, path)."""

    base_url: str
    data: Data
    cap: int
    log: list[tuple[str, str, int]] = field(default_factory=list)
    throttled: bool = False


def _answer(stand_in: StandIn, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
    data = stand_in.data
    if path == "/api/forces":
        return 200, [{"id": k, "name": v} for k, v in sorted(data.forces.items())]
    if path == "/api/crimes-street-dates":
        months = sorted(data.crimes, reverse=True)
        return 200, [
            {"date": m, "stop-and-search": sorted(f for f, mm in data.stops if mm == m)}
            for m in months
        ]
    if path.startswith("/api/crimes-street/"):
        category = path.rsplit("/", 1)[1]
        pairs = [p.split(",") for p in params["poly"].split(":")]
        polygon = Polygon([(float(lng), float(lat)) for lat, lng in pairs])
        crimes = [
            c
            for c in data.crimes.get(params["date"], [])
            if c["location"] is not None and category in ("all-crime", c["category"])
        ]
        x = np.array([float(c["location"]["longitude"]) for c in crimes])
        y = np.array([float(c["location"]["latitude"]) for c in crimes])
        inside = [
            c for c, hit in zip(crimes, shapely.intersects_xy(polygon, x, y), strict=True) if hit
        ]
        if len(inside) > stand_in.cap:
            return 503, ""
        return 200, inside
    if path == "/api/crimes-no-location":
        if not stand_in.throttled:
            stand_in.throttled = True
            return 429, "slow down"
        crimes = data.crimes.get(params["date"], [])
        if params.get("force") not in data.forces:
            return 404, ""
        return 200, [
            c for c in crimes if c["location"] is None and c["category"] == params["category"]
        ]
    if path == "/api/stops-force":
        key = (params["force"], params["date"])
        return (200, data.stops[key]) if key in data.stops else (404, "")
    return 404, ""


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if len(self.path) > MAX_GET_URL:
                self._send(400, "URI too long")
                return
            parts = urlsplit(self.path)
            self._reply("GET", parts.path, parts.query)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode("ascii")
            self._reply("POST", urlsplit(self.path).path, body)

        def _reply(self, method: str, path: str, query: str) -> None:
            params = {k: v[0] for k, v in parse_qs(query).items()}
            status, body = _answer(stand_in, method, path, params)
            stand_in.log.append((method, path, status))
            self._send(status, body)

        def _send(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode() if status == 200 else str(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
            if status == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return Handler


@contextmanager
def running(folder: Path, cap: int = 120) -> Iterator[StandIn]:
    """Serve the CSVs in ``folder`` on 127.0.0.1 (a free port) while the block runs."""
    stand_in = StandIn("", Data.from_csvs(folder), cap)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    stand_in.base_url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
