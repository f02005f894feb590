"""Dates and months in words, one UK form for every page, file and briefing.

The one place a date, a time or a month is written for a person (docs/periods.md, "Dates in
words"): ``"7 December 2026"``, ``"7 December 2026, 21:30 UTC"``, ``"Sep 2025"`` and runs of
months as period labels (``"Jan–Dec 2025, Mar 2026"``). Pages never leave dates to the browser
(a ``<input type="date">`` or ``toLocaleDateString`` shows the browser's own format, US in a
default headless Chromium), and machine outputs (the API's parameters, file names, CSV
columns) keep ``YYYY-MM`` / ISO 8601. English month names are fixed here: ``strftime("%B")``
follows the process's locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Final

#: English month names and abbreviations, fixed (``calendar.month_name`` follows the locale).
MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_ABBR: Final = tuple(name[:3] for name in MONTH_NAMES)
_MONTH_RE: Final = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def month_words(month: str) -> str:
    """``"2025-09"`` as ``"Sep 2025"``; anything that is not a month ``YYYY-MM`` is returned as
    it is (a select's stray value, shown as sent)."""
    match = _MONTH_RE.fullmatch(month) if isinstance(month, str) else None
    if match is None:
        return str(month)
    return f"{MONTH_ABBR[int(match[2]) - 1]} {match[1]}"


def months_words(months: Iterable[str]) -> str:
    """Distinct months as runs in words, oldest first: each run of consecutive months as a
    period's label (``"Jan–Dec 2025"``, ``"Oct 2019–Dec 2020"``, ``"Apr 2014"``), joined by
    commas; ``""`` for none. The words of :func:`hotspots.periods.describe_months`."""
    from hotspots.periods import Period, month_runs

    return ", ".join(Period.months(run[0], run[-1]).label for run in month_runs(months))


def _moment(value: date | datetime | str) -> date | datetime:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date or time") from None


def day_words(value: date | datetime | str) -> str:
    """A day as ``"7 December 2026"`` (a time with a zone: its day in UTC). ``value``: a date,
    a datetime or ISO 8601 text (``"2026-12-07"``, ``"2026-12-07T21:30:06+00:00"``)."""
    moment = _moment(value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def time_words(value: datetime | str) -> str:
    """A moment as ``"7 December 2026, 21:30:06 UTC"`` (a naive time is taken as UTC)."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return day_words(moment)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{day_words(moment.date())}, {moment:%H:%M:%S} UTC"


#: The ways a person may write a day (:func:`parse_day`), for hints and error messages.
DAY_FORMS: Final = "a day such as 7 December 2026, 7 Dec 2026, 07/12/2026 or 2026-12-07"
_DAY_WORDS_RE: Final = re.compile(r"([0-9]{1,2})\s+([A-Za-z]+)\.?,?\s+([0-9]{4})")
_DAY_SLASH_RE: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_day(text: str) -> date:
    """A day as a person writes it in the UK: ``"7 December 2026"``, ``"7 Dec 2026"``,
    ``"07/12/2026"`` (day first) or ISO ``"2026-12-07"``; ValueError naming :data:`DAY_FORMS`
    for anything else (``"12/31/2026"``, ``"31 Feb 2026"``)."""
    text = text.strip()
    try:
        if match := _DAY_WORDS_RE.fullmatch(text):
            name = match[2].lower()
            months = [m.lower() for m in MONTH_NAMES]
            number = next(
                i
                for i, m in enumerate(months, 1)
                if name == m or (len(name) >= 3 and m.startswith(name))
            )
            return date(int(match[3]), number, int(match[1]))
        if match := _DAY_SLASH_RE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
    except (StopIteration, ValueError):
        pass
    raise ValueError(f"{text!r} is not a day; expected {DAY_FORMS}")
