"""A small client for the police.uk API: polite, retrying, and telling "too many crimes" apart.

Hand-written on :mod:`urllib.request` from the standard library: the project does not depend on
``requests`` (it is only installed here as a test tool's dependency), and a fetch needs a handful
of GET/POST requests with JSON answers, which urllib does in a few lines; no police.uk wrapper on
PyPI is kept well enough to depend on.

- **Rate**: at most one request every ``min_interval_s`` seconds (the API allows 15 a second with
  bursts of 30; the default, 5 a second, stays well under it). Three lines (sleep until
  ``min_interval_s`` after the last request) rather than ``pyrate-limiter`` (a dependency already,
  for :mod:`web.budget`): one client sending one request at a time needs no buckets or shared
  state, and the injected ``sleep`` keeps the tests instant.
- **Retries**: 429 and 5xx answers and network errors are retried up to ``attempts`` times with
  exponential back-off (``backoff_s``, doubling, at most 60 s), or after the ``Retry-After`` the
  server asks for. A 503 from ``crimes-street`` is not retried: it means the polygon holds more
  than 10,000 crimes (:class:`TooManyCrimes`), and the caller splits the polygon. A loop of a few
  lines rather than ``tenacity`` (not a dependency): that 503 is an answer, not a failure, and
  would need its own predicate there too.
- **Long polygons**: a request whose URL would be longer than :data:`MAX_GET_URL_CHARS` is sent
  as a POST with the parameters in the body (the API answers 400 to a GET over 4,094 characters).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import Any

from hotspots.errors import HotspotsError

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_GET_URL_CHARS",
    "FetchError",
    "PoliceUkApi",
    "TooManyCrimes",
    "list_of_objects",
]

#: The police.uk API root (the path ending in ``/api``).
DEFAULT_BASE_URL = "https://data.police.uk/api"
#: Longest URL sent as a GET; longer requests go as a POST (the API's GET limit is 4,094).
MAX_GET_URL_CHARS = 4000
#: Longest wait between two attempts, in seconds.
MAX_BACKOFF_S = 60.0
_RETRIED = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "hotspots-fetch (drug-crime hotspot mapping; https://data.police.uk/docs/)"


class FetchError(HotspotsError):
    """The API could not give what was asked (after retries), or answered something else."""


class TooManyCrimes(HotspotsError):
    """``crimes-street`` answered 503: more crimes in the polygon than the API returns at once."""


class PoliceUkApi:
    """Requests to one API root; counts ``requests``, ``retries`` and ``posts`` made."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        min_interval_s: float = 0.2,
        attempts: int = 6,
        backoff_s: float = 1.0,
        timeout_s: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.min_interval_s = float(min_interval_s)
        self.attempts = max(1, int(attempts))
        self.backoff_s = float(backoff_s)
        self.timeout_s = float(timeout_s)
        self._sleep = sleep
        self._last = 0.0
        self.requests = 0
        self.retries = 0
        self.posts = 0

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The JSON answer of ``path`` (e.g. ``crimes-no-location``) with ``params``."""
        return self._call(path, params or {}, too_many_means_split=False)

    def crimes_in(self, category: str, poly: str, month: str) -> list[dict[str, Any]]:
        """``crimes-street/{category}`` inside ``poly`` (``lat,lng:lat,lng:…``) in ``month``;
        :class:`TooManyCrimes` when the polygon holds too many."""
        answer = self._call(
            f"crimes-street/{category}", {"poly": poly, "date": month}, too_many_means_split=True
        )
        return list_of_objects(answer, f"crimes-street/{category}")

    # -- one request, with the rate limit and retries -------------------------------------------
    def _call(self, path: str, params: dict[str, str], *, too_many_means_split: bool) -> Any:
        url = f"{self.base_url}/{path}"
        query = urllib.parse.urlencode(params)
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(url, query)
            except urllib.error.HTTPError as error:
                status = error.code
                error.close()
                if status == 503 and too_many_means_split:
                    raise TooManyCrimes(f"{path}: 503 (too many crimes in the polygon)") from None
                if status not in _RETRIED or attempt == self.attempts:
                    raise FetchError(self._failed(path, params, f"HTTP {status}")) from None
                wait = _retry_after(error.headers)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                if attempt == self.attempts:
                    raise FetchError(self._failed(path, params, str(error))) from None
                wait = None
            self.retries += 1
            self._sleep(min(MAX_BACKOFF_S, wait if wait is not None else self._backoff(attempt)))
        raise AssertionError("unreachable")

    def _once(self, url: str, query: str) -> Any:
        wait = self._last + self.min_interval_s - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        full = f"{url}?{query}" if query else url
        if len(full) > MAX_GET_URL_CHARS:
            request = urllib.request.Request(url, data=query.encode("ascii"), headers=headers)
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            self.posts += 1
        else:
            request = urllib.request.Request(full, headers=headers)
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read()
        finally:
            self._last = time.monotonic()
        try:
            return json.loads(body)
        except ValueError:
            raise FetchError(f"{url}: expected a JSON answer, got {body[:80]!r}") from None

    def _backoff(self, attempt: int) -> float:
        return self.backoff_s * 2 ** (attempt - 1)

    def _failed(self, path: str, params: dict[str, str], what: str) -> str:
        shown = {
            k: (v if len(v) < 60 else f"{v[:40]}… ({len(v)} characters)") for k, v in params.items()
        }
        return (
            f"{self.base_url}/{path} {shown}: {what} after {self.attempts} attempt(s); "
            "expected a JSON answer (is the API up, and is --base-url its root ending in /api?)"
        )


def _retry_after(headers: Message | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds), else None."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def list_of_objects(answer: Any, what: str) -> list[dict[str, Any]]:
    """``answer`` if it is a JSON list of objects, else :class:`FetchError`."""
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise FetchError(f"{what}: expected a JSON list of objects, got {type(answer).__name__}")
    return answer
