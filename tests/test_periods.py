"""Tests for hotspots.periods. Every expected value below was worked out by hand."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.errors import HotspotsError
from hotspots.periods import (
    Period,
    PeriodError,
    add_months,
    format_month,
    month_range,
    parse_month,
)

# -- months -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-01", (2025, 1)), ("2025-12", (2025, 12)), ("0001-01", (1, 1)), ("9999-12", (9999, 12))],
)
def test_parse_month_reads_canonical_months(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2025-13", "2025-00", "2025-1", "25-01", "", "2025/01", " 2025-01", "2025-01\n", "0000-05"],
)
def test_parse_month_rejects_anything_else_naming_value_and_form(text: str) -> None:
    with pytest.raises(PeriodError, match=re.escape(repr(text)) + ".*YYYY-MM"):
        parse_month(text)


def test_parse_month_rejects_non_ascii_digits() -> None:
    with pytest.raises(PeriodError, match="YYYY-MM"):
        parse_month("２０２５-01")  # full-width digits match \d but are not a month


def test_parse_month_rejects_non_strings() -> None:
    with pytest.raises(PeriodError, match=r"got 202501 \(int\)"):
        parse_month(202501)  # type: ignore[arg-type]


def test_format_month() -> None:
    assert format_month(2025, 3) == "2025-03"
    assert format_month(7, 11) == "0007-11"
    with pytest.raises(PeriodError, match="month 13"):
        format_month(2025, 13)


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        ("2025-06", 0, "2025-06"),
        ("2025-12", 1, "2026-01"),
        ("2025-11", 3, "2026-02"),
        ("2025-01", -1, "2024-12"),
        ("2024-03", -15, "2022-12"),
        ("2025-07", 24, "2027-07"),
    ],
)
def test_add_months_crosses_year_boundaries(month: str, n: int, expected: str) -> None:
    assert add_months(month, n) == expected


@pytest.mark.parametrize(("month", "n"), [("0001-01", -1), ("9999-12", 1)])
def test_add_months_refuses_to_leave_supported_years(month: str, n: int) -> None:
    with pytest.raises(PeriodError, match="supported years 1-9999"):
        add_months(month, n)


def test_month_range_is_inclusive_and_crosses_years() -> None:
    assert month_range("2024-11", "2025-02") == ("2024-11", "2024-12", "2025-01", "2025-02")
    assert month_range("2025-03", "2025-03") == ("2025-03",)


def test_month_range_reversed_names_both_months() -> None:
    with pytest.raises(PeriodError, match=r"'2025-06'.*'2025-01'"):
        month_range("2025-06", "2025-01")


# -- errors -------------------------------------------------------------------------------------


def test_period_error_is_a_value_error_and_a_hotspots_error() -> None:
    assert issubclass(PeriodError, ValueError)
    assert issubclass(PeriodError, HotspotsError)


# -- kinds ------------------------------------------------------------------------------------


def test_month_range_period() -> None:
    period = Period.months("2025-01", "2025-06")
    assert (period.start, period.end, period.kind) == ("2025-01", "2025-06", "months")
    assert period.months == ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    assert period.n_months == 6
    assert period.label == "Jan–Jun 2025"
    assert str(period) == "Jan–Jun 2025"
    assert period.slug == "2025-01_2025-06"


def test_month_range_across_a_year_boundary() -> None:
    period = Period.months("2024-11", "2025-02")
    assert period.months == ("2024-11", "2024-12", "2025-01", "2025-02")
    assert period.n_months == 4
    assert period.label == "Nov 2024–Feb 2025"
    assert period.slug == "2024-11_2025-02"


def test_single_month_period() -> None:
    period = Period.months("2025-06", "2025-06")
    assert period.months == ("2025-06",)
    assert period.n_months == 1
    assert period.label == "Jun 2025"


def test_default_kind_is_months() -> None:
    assert Period("2025-01", "2025-03") == Period.months("2025-01", "2025-03")


def test_calendar_year() -> None:
    period = Period.calendar_year(2025)
    assert (period.start, period.end, period.kind) == ("2025-01", "2025-12", "calendar_year")
    assert period.n_months == 12
    assert period.months[0] == "2025-01"
    assert period.months[-1] == "2025-12"
    assert period.label == "2025"
    assert period.slug == "2025"


def test_financial_year_argument_is_the_starting_year() -> None:
    period = Period.financial_year(2022)  # FY 2022/23: the 12 months to 31 March 2023
    assert (period.start, period.end, period.kind) == ("2022-04", "2023-03", "financial_year")
    assert period.n_months == 12
    assert period.months[:2] == ("2022-04", "2022-05")
    assert period.months[-4:] == ("2022-12", "2023-01", "2023-02", "2023-03")
    assert period.label == "FY 2022/23"
    assert period.slug == "fy2022-23"


def test_financial_year_across_a_century() -> None:
    period = Period.financial_year(1999)
    assert (period.start, period.end) == ("1999-04", "2000-03")
    assert period.label == "FY 1999/00"
    assert period.slug == "fy1999-00"


def test_rolling_window_ends_at_and_includes_end() -> None:
    period = Period.rolling(12, "2025-11")
    assert (period.start, period.end, period.kind) == ("2024-12", "2025-11", "rolling")
    assert period.n_months == 12
    assert period.label == "12 months to Nov 2025"
    assert period.slug == "last12_to_2025-11"


def test_rolling_window_of_one_and_of_three() -> None:
    one = Period.rolling(1, "2025-01")
    assert (one.start, one.end) == ("2025-01", "2025-01")
    assert one.label == "1 month to Jan 2025"
    three = Period.rolling(3, "2025-02")
    assert three.months == ("2024-12", "2025-01", "2025-02")
    assert three.label == "3 months to Feb 2025"


def test_contains() -> None:
    fy = Period.financial_year(2022)
    assert fy.contains("2022-04")
    assert fy.contains("2023-03")
    assert fy.contains("2022-12")
    assert not fy.contains("2022-03")
    assert not fy.contains("2023-04")
    with pytest.raises(PeriodError, match="'2023-3'"):
        fy.contains("2023-3")


# -- constructor errors ---------------------------------------------------------------------------


def test_reversed_month_range_names_both_values() -> None:
    with pytest.raises(PeriodError, match=r"'2025-06'.*'2025-01'.*start <= end"):
        Period.months("2025-06", "2025-01")


def test_malformed_month_in_a_range_is_named() -> None:
    with pytest.raises(PeriodError, match=r"'2025-13'.*YYYY-MM"):
        Period.months("2025-13", "2025-14")
    with pytest.raises(PeriodError, match=r"'2025-1'.*YYYY-MM"):
        Period("2025-1", "2025-03")


@pytest.mark.parametrize("year", ["2025", 2025.0, True])
def test_year_constructors_want_an_int(year: object) -> None:
    with pytest.raises(PeriodError, match=r"year must be an int, got .*\(" + type(year).__name__):
        Period.calendar_year(year)  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match=r"year must be an int, got .*\(" + type(year).__name__):
        Period.financial_year(year)  # type: ignore[arg-type]


def test_years_outside_0001_9999_are_refused() -> None:
    with pytest.raises(PeriodError, match="year 0"):
        Period.calendar_year(0)
    with pytest.raises(PeriodError, match="year 10000"):
        Period.calendar_year(10000)
    with pytest.raises(PeriodError, match="year 10000"):
        Period.financial_year(9999)  # would end in March 10000


@pytest.mark.parametrize("n", [0, -3])
def test_rolling_needs_at_least_one_month(n: int) -> None:
    with pytest.raises(PeriodError, match=f"n_months must be >= 1, got {n}"):
        Period.rolling(n, "2025-11")


def test_rolling_rejects_non_int_and_bad_end() -> None:
    with pytest.raises(PeriodError, match=r"n_months must be an int, got 1\.5"):
        Period.rolling(1.5, "2025-11")  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match="'2025-13'"):
        Period.rolling(12, "2025-13")


def test_kind_must_be_known() -> None:
    with pytest.raises(PeriodError, match=r"unknown period kind 'weekly'.*calendar_year"):
        Period("2025-01", "2025-02", "weekly")  # type: ignore[arg-type]


def test_year_kinds_must_have_their_shape() -> None:
    with pytest.raises(
        PeriodError, match=r"calendar_year .*January to December.*2025-02\.\.2026-01"
    ):
        Period("2025-02", "2026-01", "calendar_year")
    with pytest.raises(PeriodError, match=r"financial_year .*April to the next March.*2025-01"):
        Period("2025-01", "2025-12", "financial_year")


# -- previous and year_earlier --------------------------------------------------------------------


def test_previous_financial_year() -> None:
    assert Period.financial_year(2025).previous() == Period.financial_year(2024)
    assert Period.financial_year(2025).previous().label == "FY 2024/25"


def test_previous_calendar_year() -> None:
    assert Period.calendar_year(2025).previous() == Period.calendar_year(2024)


def test_previous_month_range_is_the_same_length_immediately_before() -> None:
    assert Period.months("2025-09", "2025-11").previous() == Period.months("2025-06", "2025-08")
    assert Period.months("2025-01", "2025-03").previous() == Period.months("2024-10", "2024-12")
    assert Period.months("2025-06", "2025-06").previous() == Period.months("2025-05", "2025-05")


def test_previous_rolling_window() -> None:
    assert Period.rolling(12, "2025-11").previous() == Period.rolling(12, "2024-11")
    previous = Period.rolling(3, "2025-02").previous()
    assert previous == Period.rolling(3, "2024-11")
    assert (previous.start, previous.end) == ("2024-09", "2024-11")


def test_year_earlier_keeps_the_months_and_kind() -> None:
    assert Period.months("2025-09", "2025-11").year_earlier() == Period.months("2024-09", "2024-11")
    assert Period.months("2024-11", "2025-02").year_earlier() == Period.months("2023-11", "2024-02")
    assert Period.rolling(3, "2025-02").year_earlier() == Period.rolling(3, "2024-02")
    assert Period.calendar_year(2025).year_earlier() == Period.calendar_year(2024)
    assert Period.financial_year(2025).year_earlier() == Period.financial_year(2024)


# -- parse ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01..2025-06", Period.months("2025-01", "2025-06")),
        ("2025-01:2025-06", Period.months("2025-01", "2025-06")),
        ("2025-01_2025-06", Period.months("2025-01", "2025-06")),
        ("  2025-01 .. 2025-06 ", Period.months("2025-01", "2025-06")),
        ("2024-11..2025-02", Period.months("2024-11", "2025-02")),
        ("2025-06", Period.months("2025-06", "2025-06")),
        ("2025", Period.calendar_year(2025)),
        ("FY 2022/23", Period.financial_year(2022)),
        ("fy2022/23", Period.financial_year(2022)),
        ("FY 2022-23", Period.financial_year(2022)),
        ("2022/23", Period.financial_year(2022)),
        ("2022-23", Period.financial_year(2022)),
        ("1999/00", Period.financial_year(1999)),
        ("last 12 to 2025-11", Period.rolling(12, "2025-11")),
        ("Last 12 months to 2025-11", Period.rolling(12, "2025-11")),
        ("12 months to 2025-11", Period.rolling(12, "2025-11")),
        ("last 1 month to 2025-01", Period.rolling(1, "2025-01")),
    ],
)
def test_parse_forms(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    "period",
    [
        Period.months("2025-01", "2025-06"),
        Period.months("2025-06", "2025-06"),
        Period.calendar_year(2025),
        Period.financial_year(2022),
        Period.financial_year(2010),
        Period.rolling(12, "2025-11"),
    ],
)
def test_every_slug_parses_back(period: Period) -> None:
    assert Period.parse(period.slug) == period


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("banana", r"'banana'; accepted forms: .*YYYY-MM\.\.YYYY-MM.*FY YYYY/YY.*last N to"),
        ("", r"''; accepted forms"),
        ("2025-1", r"'2025-1'; accepted forms"),
        ("2025-13", r"'2025-13'.*month 13 is outside 01-12"),
        ("2025-01..2025-13", r"'2025-01\.\.2025-13'.*'2025-13'"),
        ("2025-06..2025-01", r"'2025-06'.*after its end '2025-01'"),
        ("FY 2022/24", r"'FY 2022/24'.*expected FY 2022/23"),
        ("2010-11", r"'2010-11'.*ambiguous.*'2010-11\.\.2010-11' or 'FY 2010/11'"),
        ("last 0 to 2025-11", r"'last 0 to 2025-11'.*n_months must be >= 1, got 0"),
        ("last 12 to 2025-13", r"'last 12 to 2025-13'.*'2025-13'"),
    ],
)
def test_parse_errors_name_the_text(text: str, pattern: str) -> None:
    with pytest.raises(PeriodError, match=pattern):
        Period.parse(text)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(PeriodError, match=r"expected a period string, got 2025 \(int\)"):
        Period.parse(2025)  # type: ignore[arg-type]


# -- value-object behaviour -------------------------------------------------------------------


def test_periods_are_frozen_hashable_and_compare_by_fields() -> None:
    period = Period.calendar_year(2025)
    with pytest.raises(dataclasses.FrozenInstanceError):
        period.start = "2024-01"  # type: ignore[misc]
    assert period == Period("2025-01", "2025-12", "calendar_year")
    assert len({period, Period("2025-01", "2025-12", "calendar_year")}) == 1
    # Same months, different kind: not the same period (their labels differ too).
    assert period != Period.months("2025-01", "2025-12")
    assert Period.months("2025-01", "2025-12").label == "Jan–Dec 2025"


def test_periods_sort_by_start_then_end() -> None:
    later = Period.months("2025-03", "2025-04")
    year = Period.calendar_year(2024)
    short = Period.months("2024-01", "2024-02")
    assert sorted([later, year, short]) == [short, year, later]


def test_months_on_the_class_constructs_and_on_an_instance_lists() -> None:
    assert Period.months("2025-02", "2025-03").months == ("2025-02", "2025-03")


# -- select ---------------------------------------------------------------------------------------


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": ["2024-12", "2025-01", "2025-03", "2025-06", "2025-07", None],
            "n": [1, 2, 3, 4, 5, 6],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


@pytest.mark.parametrize(
    ("period", "index"),
    [
        (Period.months("2025-01", "2025-06"), [11, 12, 13]),
        (Period.calendar_year(2025), [11, 12, 13, 14]),
        (Period.financial_year(2024), [10, 11, 12]),  # 2024-04..2025-03
        (Period.rolling(2, "2025-01"), [10, 11]),
        (Period.months("2025-02", "2025-02"), []),
    ],
)
def test_select_keeps_rows_in_the_period(
    events: pd.DataFrame, period: Period, index: list[int]
) -> None:
    before = events.copy()
    selected = period.select(events)
    assert list(selected.index) == index
    assert list(selected.columns) == ["month", "n"]
    pd.testing.assert_frame_equal(events, before)


def test_select_result_is_independent_of_input(events: pd.DataFrame) -> None:
    before = events.copy()
    selected = Period.calendar_year(2025).select(events)
    selected["n"] = 0
    selected.loc[11, "month"] = "1999-01"
    pd.testing.assert_frame_equal(events, before)


def test_select_with_another_column_and_categorical_months() -> None:
    frame = pd.DataFrame({"period_month": pd.Categorical(["2025-01", "2025-02", "2025-01"])})
    selected = Period.months("2025-02", "2025-03").select(frame, column="period_month")
    assert list(selected.index) == [1]


def test_select_keeps_geodataframe_and_crs() -> None:
    frame = gpd.GeoDataFrame(
        {"month": ["2025-01", "2025-02"]},
        geometry=gpd.points_from_xy([400000.0, 400100.0], [300000.0, 300100.0]),
        crs="EPSG:27700",
    )
    selected = Period.months("2025-02", "2025-02").select(frame)
    assert isinstance(selected, gpd.GeoDataFrame)
    assert selected.crs == "EPSG:27700"
    assert list(selected.index) == [1]


def test_select_missing_column(events: pd.DataFrame) -> None:
    with pytest.raises(PeriodError, match=r"no column 'when'.*columns: \['month', 'n'\]"):
        Period.calendar_year(2025).select(events, column="when")


def test_select_refuses_values_that_are_not_months() -> None:
    frame = pd.DataFrame({"month": ["2025-01", "2025-6", "2025-6", "June"]})
    with pytest.raises(PeriodError, match=r"2 distinct value\(s\).*'2025-6', 'June'.*YYYY-MM"):
        Period.calendar_year(2025).select(frame)


def test_select_refuses_datetime_months() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"])})
    with pytest.raises(PeriodError, match=r"2 distinct value\(s\).*Timestamp"):
        Period.calendar_year(2025).select(frame)


# -- require_data ---------------------------------------------------------------------------------

STORE_2025 = [f"2025-{m:02d}" for m in range(1, 13)]


def test_require_data_passes_when_every_month_is_held() -> None:
    held = ["2025-03", *STORE_2025, "2025-03", "2024-12"]  # unordered, duplicates, extras
    Period.months("2025-01", "2025-06").require_data(held)
    Period.calendar_year(2025).require_data(pd.Series(STORE_2025))
    Period.rolling(2, "2025-01").require_data(m for m in held)


def test_require_data_names_missing_months_and_what_the_store_holds() -> None:
    message = "no data for 2026-01, 2026-02 in Nov 2025–Feb 2026; the store holds 2025-01..2025-12"
    with pytest.raises(PeriodError, match=re.escape(message)):
        Period.months("2025-11", "2026-02").require_data(STORE_2025)


def test_require_data_summarises_runs_and_gaps() -> None:
    held = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-06", "2025-08", "2025-09"]
    message = (
        "no data for 2025-05, 2025-07, 2025-10..2025-12 in 2025; "
        "the store holds 2025-01..2025-04, 2025-06, 2025-08, 2025-09"
    )
    with pytest.raises(PeriodError, match=re.escape(message)):
        Period.calendar_year(2025).require_data(held)


def test_require_data_financial_year() -> None:
    message = "no data for 2026-01..2026-03 in FY 2025/26; the store holds 2025-01..2025-12"
    with pytest.raises(PeriodError, match=re.escape(message)):
        Period.financial_year(2025).require_data(STORE_2025)


def test_require_data_with_an_empty_store() -> None:
    with pytest.raises(
        PeriodError, match="no data for 2025-01 in Jan 2025; the store holds no months"
    ):
        Period.months("2025-01", "2025-01").require_data([])


def test_require_data_rejects_a_single_string_and_malformed_months() -> None:
    with pytest.raises(PeriodError, match="single string '2025-01'"):
        Period.months("2025-01", "2025-01").require_data("2025-01")
    with pytest.raises(PeriodError, match=r"'2025-1'.*YYYY-MM"):
        Period.months("2025-01", "2025-01").require_data(["2025-01", "2025-1"])
