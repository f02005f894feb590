"""Dates and months in words (hotspots.dates): one UK form for every page, file and briefing;
answers written by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotspots.dates import day_words, month_words, months_words, parse_day, time_words
from hotspots.periods import Period


def test_a_day_in_words_whatever_form_it_comes_in() -> None:
    assert day_words(date(2026, 12, 7)) == "7 December 2026"
    assert day_words("2026-12-07") == "7 December 2026"
    assert day_words("2026-09-01T23:30:00+00:00") == "1 September 2026"
    # a time with a zone: its day in UTC (00:30 in London in summer is 23:30 UTC the day before)
    assert day_words("2026-07-02T00:30:00+01:00") == "1 July 2026"


def test_a_time_in_words_is_utc() -> None:
    assert time_words("2025-12-02T08:30:00+00:00") == "2 December 2025, 08:30:00 UTC"
    assert time_words(datetime(2025, 12, 2, 9, 30, tzinfo=UTC)) == "2 December 2025, 09:30:00 UTC"
    with pytest.raises(ValueError, match="not an ISO 8601"):
        time_words("yesterday")


def test_months_in_words_are_the_period_labels() -> None:
    assert month_words("2025-09") == "Sep 2025"
    assert month_words("2025-13") == "2025-13"  # not a month: as sent
    assert Period.months("2025-09", "2025-09").label == month_words("2025-09")
    held = ["2014-04", "2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12",
            "2020-01", "2025-01", "2025-02"]  # fmt: skip
    assert months_words(held) == "Apr 2014, Jul 2019–Jan 2020, Jan–Feb 2025"
    assert months_words([]) == ""


@pytest.mark.parametrize(
    "text",
    ["7 December 2026", "7 Dec 2026", "7 dec. 2026", "07/12/2026", "2026-12-07", " 7/12/2026 "],
)
def test_a_day_as_a_person_in_the_uk_writes_it(text: str) -> None:
    assert parse_day(text) == date(2026, 12, 7)


@pytest.mark.parametrize("text", ["12/31/2026", "31 Feb 2026", "7 Decembre 2026", "2026-12", ""])
def test_other_days_are_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="expected a day such as 7 December 2026"):
        parse_day(text)
