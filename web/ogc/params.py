"""Query parameters of the OGC API – Features routes: ``datetime``, ``limit``, ``offset``, ``crs``
and ``bbox-crs`` (``bbox`` itself is parsed by :mod:`web.api`, as on ``/api/v1``).

``datetime`` maps to the service's month periods (UK local months, as the store files them):

- an instant ``YYYY-MM``, ``YYYY-MM-DD`` or an RFC 3339 date-time (``2025-07-01T00:00:00Z``;
  with an offset it is turned into UK local time first) is the month holding it;
- an interval ``a/b`` is every month from ``a``'s to ``b``'s, both included: a month the
  interval only partly covers counts whole (``2025-07-15/2025-09-02`` is July to September);
- an open end (``..`` or empty) is the first or last month the store holds.

The period must then be held in full, as everywhere else (:func:`web.filters.parse_view`): a
400 names the months missing.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from hotspots import schema
from web.errors import BadParameter

#: Features per page when ``limit`` is not given, and the most a page holds.
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
#: CRS URI → the CRS name geopandas uses.
CRS_NAMES = {CRS84: schema.CRS_WGS84, BNG: schema.CRS_BNG}

_UK = ZoneInfo("Europe/London")
_MONTH = re.compile(r"\d{4}-\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?")
_EXPECTED_TIME = (
    "an instant (YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time) or an interval a/b of them, "
    "with '..' for an open end"
)


def _month_of(text: str, raw: str) -> str:
    """The UK local month (``YYYY-MM``) of one instant."""
    try:
        if _MONTH.fullmatch(text):
            datetime.strptime(text, "%Y-%m")
            return text
        if _DATE.fullmatch(text):
            datetime.strptime(text, "%Y-%m-%d")
            return text[:7]
        if _DATETIME.fullmatch(text):
            moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(_UK)
            return moment.strftime("%Y-%m")
    except ValueError:
        pass
    raise BadParameter("datetime", raw, _EXPECTED_TIME)


def period_args(raw: str | None, months: list[str]) -> dict[str, str]:
    """``from``/``to`` (months) of a ``datetime`` value; empty (the default period) when None."""
    if raw is None:
        return {}
    text = raw.strip()
    if "/" not in text:
        month = _month_of(text, raw)
        return {"from": month, "to": month}
    start, _, end = text.partition("/")
    if "/" in end or (start.strip() in ("", "..") and end.strip() in ("", "..") and not months):
        raise BadParameter("datetime", raw, _EXPECTED_TIME)
    first = months[0] if months else ""
    last = months[-1] if months else ""
    out = {
        "from": first if start.strip() in ("", "..") else _month_of(start.strip(), raw),
        "to": last if end.strip() in ("", "..") else _month_of(end.strip(), raw),
    }
    if out["from"] > out["to"]:
        raise BadParameter("datetime", raw, "an interval whose start is not after its end")
    return out


def _integer(args: MultiDict[str, str], name: str, default: int, low: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if value < low:
        raise BadParameter(name, raw, f"a whole number from {low}")
    return value


def limit(args: MultiDict[str, str]) -> int:
    """Page size: :data:`DEFAULT_LIMIT` when absent; above :data:`MAX_LIMIT` the maximum is
    used (the standard asks for no error there)."""
    return min(_integer(args, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)


def offset(args: MultiDict[str, str]) -> int:
    """Features skipped before this page (the ``next`` links carry it)."""
    return _integer(args, "offset", 0, 0)


def crs(args: MultiDict[str, str], name: str) -> str:
    """The CRS URI of ``crs`` or ``bbox-crs`` (CRS84 when absent)."""
    value = args.get(name, CRS84).strip()
    if value not in CRS_NAMES:
        raise BadParameter(name, value, "one of " + ", ".join(CRS_NAMES))
    return value


def bbox_27700(
    args: MultiDict[str, str],
) -> tuple[float, float, float, float] | None:
    """A ``bbox`` in British National Grid metres (with ``bbox-crs`` EPSG:27700)."""
    raw = args.get("bbox")
    if raw is None:
        return None
    expected = "minx,miny,maxx,maxy: four numbers in metres (EPSG:27700), min < max"
    try:
        numbers = [float(p) for p in raw.split(",")]
    except ValueError:
        raise BadParameter("bbox", raw, expected) from None
    finite = all(math.isfinite(n) for n in numbers)
    if len(numbers) != 4 or not finite or not (numbers[0] < numbers[2] and numbers[1] < numbers[3]):
        raise BadParameter("bbox", raw, expected)
    return numbers[0], numbers[1], numbers[2], numbers[3]
