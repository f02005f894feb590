"""Analysis periods over months: month ranges, calendar years, UK financial years, rolling windows.

A month is the string ``"YYYY-MM"`` (UK local time), the form of the store's ``month`` column.
A :class:`Period` is an inclusive range of such months plus a *kind*, which decides its label,
its slug and what "the previous period" means. Periods have no CRS and no spatial units.

Months are parsed and counted here (strict patterns; a month is ``12 * year + month - 1`` for
arithmetic) rather than with ``dateutil`` or ``pandas.Period``: dateutil's parser guesses where a
period must be refused (``"Nov 25"`` reads as 25 November of the current year, ``"2025"`` as the
current month of 2025, ``"2025-1"`` as January), and the grammar here is the product's own
(``fy2025/26``, ``last 3 months to 2025-11``, ``2025-01..2025-03``) with errors that say what is
expected; pandas costs 1.4 s to import (measured), which ``hotspots status`` and the CLI's parsing
must not pay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, overload

if TYPE_CHECKING:  # annotations only: `hotspots status` must not import pandas
    import pandas as pd

from hotspots.dates import month_words
from hotspots.errors import HotspotsError

PeriodKind = Literal["months", "calendar_year", "financial_year", "rolling"]
PERIOD_KINDS: Final[tuple[str, ...]] = ("months", "calendar_year", "financial_year", "rolling")

#: Months a page shows when it names no period: the latest N months whose N months before are
#: held too, so the change can be given (:func:`complete_pair`; docs/periods.md). The default of
#: the web app's ``DEFAULT_MONTHS`` setting (web/settings.py), a quarter against the one before.
DEFAULT_MONTHS: Final = 3
#: The one accepted spelling of a month.
MONTH_FORM: Final = "YYYY-MM"
#: The strings :meth:`Period.parse` accepts (case-insensitive, surrounding spaces ignored).
PERIOD_FORMS: Final[tuple[str, ...]] = (
    "'YYYY-MM..YYYY-MM' (also 'YYYY-MM:YYYY-MM', 'YYYY-MM_YYYY-MM')",
    "'YYYY-MM' (one month)",
    "'YYYY' (calendar year)",
    "'FY YYYY/YY' (also 'YYYY/YY', 'YYYY-YY', 'fyYYYY-YY'; UK financial year, April to March)",
    "'last N to YYYY-MM' (also 'last N months to YYYY-MM', 'N months to YYYY-MM')",
)

#: (first month, last month, years from start to end) and its wording, for the year kinds.
_YEAR_SHAPES: Final = {
    "calendar_year": ((1, 12, 0), "January to December of one year"),
    "financial_year": ((4, 3, 1), "April to the next March"),
}
_MIN_YEAR: Final = 1
_MAX_YEAR: Final = 9999
_MONTH_RE: Final = re.compile(r"([0-9]{4})-([0-9]{2})")
_RANGE_RE: Final = re.compile(r"([0-9]+-[0-9]+)\s*(?:\.\.|:|_)\s*([0-9]+-[0-9]+)")
_YEAR_RE: Final = re.compile(r"[0-9]{4}")
_FY_RE: Final = re.compile(r"(?:fy\s*)?([0-9]{4})\s*[/-]\s*([0-9]{2})")
_ROLLING_RE: Final = re.compile(r"(?:last[\s_]*)?([0-9]+)[\s_]*(?:months?[\s_]*)?to[\s_]+(\S+)")


class PeriodError(HotspotsError, ValueError):
    """A month or period is malformed, or a period asks for months the data does not hold."""


# -- months ---------------------------------------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    """Read a month string strictly.

    Parameters
    ----------
    text : str
        A month ``"YYYY-MM"``: four-digit year, two-digit month 01-12, nothing else.

    Returns
    -------
    tuple of (int, int)
        ``(year, month)``, month 1-12.

    Raises
    ------
    PeriodError
        For anything else (``"2025-13"``, ``"2025-1"``, ``"25-01"``, ``""``, non-strings).
    """
    if not isinstance(text, str):
        raise PeriodError(
            f"expected a month string of the form {MONTH_FORM!r}, "
            f"got {text!r} ({type(text).__name__})"
        )
    match = _MONTH_RE.fullmatch(text)
    if match is None:
        raise PeriodError(
            f"{text!r} is not a month; expected the form {MONTH_FORM!r}, e.g. '2025-01'"
        )
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise PeriodError(
            f"{text!r} is not a month: month {match[2]} is outside 01-12; "
            f"expected the form {MONTH_FORM!r}"
        )
    if year < _MIN_YEAR:
        raise PeriodError(
            f"{text!r} is not a month: there is no year 0000; "
            f"expected the form {MONTH_FORM!r} with year 0001-9999"
        )
    return year, month


def format_month(year: int, month: int) -> str:
    """Write ``(year, month)`` as ``"YYYY-MM"``; year 1-9999, month 1-12, else PeriodError."""
    if not (_MIN_YEAR <= year <= _MAX_YEAR and 1 <= month <= 12):
        raise PeriodError(
            f"cannot write year {year!r}, month {month!r} as a month; "
            f"expected year {_MIN_YEAR}-{_MAX_YEAR} and month 1-12"
        )
    return f"{year:04d}-{month:02d}"


def add_months(month: str, n: int) -> str:
    """Return the month ``n`` months after ``month`` (before it when ``n`` < 0).

    ``add_months("2025-11", 3)`` is ``"2026-02"``; ``add_months("2025-01", -1)`` is ``"2024-12"``.
    """
    return _from_index(_index(month) + n)


def month_range(start: str, end: str) -> tuple[str, ...]:
    """Return the months from ``start`` to ``end``, both included, in order.

    Raises
    ------
    PeriodError
        If either month is malformed or ``start`` is after ``end``.
    """
    first, last = _index(start), _index(end)
    if first > last:
        raise PeriodError(f"start {start!r} is after end {end!r}; expected start <= end")
    return tuple(_from_index(i) for i in range(first, last + 1))


def _index(month: str) -> int:
    year, number = parse_month(month)
    return year * 12 + number - 1


def _from_index(index: int) -> str:
    year, number = divmod(index, 12)
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise PeriodError(f"month arithmetic left the supported years {_MIN_YEAR}-{_MAX_YEAR}")
    return f"{year:04d}-{number + 1:02d}"


def _month_label(month: str) -> str:
    parse_month(month)  # strictly
    return month_words(month)


def month_runs(months: Iterable[str]) -> list[tuple[str, ...]]:
    """The distinct ``months`` as runs of consecutive months, oldest first.

    ``month_runs(["2025-04", "2025-01", "2025-02"])`` is ``[("2025-01", "2025-02"),
    ("2025-04",)]``. This is the one rule for gaps in a store (``docs/periods.md``): a default
    period, a patrol plan's basis and a back-test's fit and test months always lie inside one
    run, never across a missing month.
    """
    runs: list[list[int]] = []
    for i in sorted({_index(m) for m in months}):
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [tuple(_from_index(i) for i in run) for run in runs]


def held_runs(start: str, end: str, held: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The runs of months from ``start`` to ``end`` (both included) that ``held`` lacks, as
    ``(first, last)`` pairs oldest first, and the months of ``held`` in that range, in order.

    The cost is bounded by ``held`` (the store's months), never by the range's length: a range
    comes from a query string (``from2=0001-01&to2=9999-12`` is 119,988 months), and listing
    each of its months, once per request, was a second of CPU any visitor could ask for.
    """
    first, last = _index(start), _index(end)
    if first > last:
        raise PeriodError(f"start {start!r} is after end {end!r}; expected start <= end")
    inside = sorted({i for i in map(_index, held) if first <= i <= last})
    gaps: list[tuple[str, str]] = []
    cursor = first
    for i in inside:
        if i > cursor:
            gaps.append((_from_index(cursor), _from_index(i - 1)))
        cursor = i + 1
    if cursor <= last:
        gaps.append((_from_index(cursor), _from_index(last)))
    return gaps, [_from_index(i) for i in inside]


def missing_words(start: str, end: str, held: Iterable[str]) -> str:
    """The months from ``start`` to ``end`` that ``held`` lacks, as runs in words (the words of
    :func:`hotspots.dates.months_words`: ``"Jan 0001–Dec 2024, Jan 2026–Dec 9999"``); ``""``
    when every month is held. Bounded by ``held``, as :func:`held_runs`."""
    gaps, _ = held_runs(start, end, held)
    return ", ".join(Period.months(a, b).label for a, b in gaps)


def describe_months(months: Iterable[str]) -> str:
    """Sorted months as runs: ``"2025-01..2025-12"``, short runs listed (``"2026-01, 2026-02"``)."""
    parts: list[str] = []
    for run in month_runs(months):
        if len(run) >= 3:
            parts.append(f"{run[0]}..{run[-1]}")
        else:
            parts.extend(run)
    return ", ".join(parts)


def complete_period(held: Iterable[str], n_months: int, end: str | None = None) -> Period | None:
    """The latest period of at most ``n_months`` held months ending at ``end``.

    ``end`` defaults to the latest held month; the period reaches back ``n_months`` months or
    to the first month of ``end``'s run (:func:`month_runs`), whichever is later, so every
    month of it is held. None when ``end`` is not held (or nothing is).
    """
    n = _check_int("n_months", n_months)
    if n < 1:
        raise PeriodError(f"n_months: got {n}; expected a whole number of months >= 1")
    for run in reversed(month_runs(held)):
        if end is None or end in run:
            stop = run.index(end) if end is not None else len(run) - 1
            return Period.months(run[max(0, stop - n + 1)], run[stop])
    return None


def complete_pair(held: Iterable[str], n_months: int) -> tuple[Period, Period] | None:
    """The latest period of at most ``n_months`` months whose previous period (the same number
    of months just before it) is held too, and that previous period: the last ``2n`` months of
    the latest run of :func:`month_runs`, split in two. None when that run has one month."""
    runs = month_runs(held)
    if not runs:
        return None
    run = runs[-1]
    n = min(_check_int("n_months", n_months), len(run) // 2)
    if n < 1:
        return None
    later = Period.months(run[-n], run[-1])
    return later, later.previous()


def complete_ends(held: Iterable[str], n_months: int) -> list[str]:
    """The held months whose ``n_months``-month rolling window (:meth:`Period.rolling`) is held
    in full, oldest first."""
    n = _check_int("n_months", n_months)
    return [m for run in month_runs(held) for m in run[max(n, 1) - 1 :]]


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PeriodError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    return value


# -- periods --------------------------------------------------------------------------------------


class _MonthsAttribute:
    """``Period.months(start, end)`` on the class builds a period; ``period.months`` lists months.

    Each kind has a constructor of its own name, and ``period.months`` is the natural name for
    the months; this descriptor lets both read as written, each with its own static type.
    """

    @overload
    def __get__(self, obj: None, objtype: type[Period]) -> Callable[[str, str], Period]: ...

    @overload
    def __get__(self, obj: Period, objtype: type[Period] | None = None) -> tuple[str, ...]: ...

    def __get__(self, obj: Period | None, objtype: type[Period] | None = None) -> Any:
        if obj is None:
            return Period._months_between
        return month_range(obj.start, obj.end)


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of months with a kind.

    Build one with :meth:`months`, :meth:`calendar_year`, :meth:`financial_year`,
    :meth:`rolling` or :meth:`parse`. Equality, hashing and ordering compare
    ``(start, end, kind)``, so ``Period.months("2025-01", "2025-12")`` is not equal to
    ``Period.calendar_year(2025)`` although both hold the same months. ``str(period)`` is
    :attr:`label`.

    Parameters
    ----------
    start, end : str
        First and last month, both included, ``"YYYY-MM"`` (UK local time).
    kind : {"months", "calendar_year", "financial_year", "rolling"}
        ``"calendar_year"`` must run January-December of one year and ``"financial_year"``
        April-March (UK financial year).

    Attributes
    ----------
    months : tuple of str
        On an instance: every month of the period, in order. On the class,
        ``Period.months(start, end)`` is the constructor of a plain month range.
    """

    start: str
    end: str
    kind: PeriodKind = "months"

    months = _MonthsAttribute()

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise PeriodError(f"unknown period kind {self.kind!r}; expected one of {PERIOD_KINDS}")
        (start_year, start_month), (end_year, end_month) = map(parse_month, (self.start, self.end))
        if (start_year, start_month) > (end_year, end_month):
            raise PeriodError(
                f"period start {self.start!r} is after its end {self.end!r}; expected start <= end"
            )
        shape = (start_month, end_month, end_year - start_year)
        if self.kind in _YEAR_SHAPES and shape != _YEAR_SHAPES[self.kind][0]:
            raise PeriodError(
                f"a {self.kind} period must run {_YEAR_SHAPES[self.kind][1]}; "
                f"got {self.start}..{self.end}"
            )

    # -- constructors ---------------------------------------------------------------------------

    @classmethod
    def _months_between(cls, start: str, end: str) -> Period:
        """Months ``start`` to ``end``, both included (``Period.months(start, end)``)."""
        return cls(start, end, "months")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        """January to December of ``year`` (1-9999)."""
        year = _check_int("year", year)
        return cls(format_month(year, 1), format_month(year, 12), "calendar_year")

    @classmethod
    def financial_year(cls, year: int) -> Period:
        """The UK financial year *starting* in April of ``year``.

        ``Period.financial_year(2022)`` is FY 2022/23: April 2022 to March 2023, the 12 months
        to 31 March 2023. To read ``"FY 2022/23"``, ``"2022/23"`` or ``"2022-23"`` use
        :meth:`parse`.
        """
        year = _check_int("year", year)
        return cls(format_month(year, 4), format_month(year + 1, 3), "financial_year")

    @classmethod
    def rolling(cls, n_months: int, end: str) -> Period:
        """The ``n_months`` months ending at, and including, ``end``; ``n_months`` >= 1.

        ``Period.rolling(12, "2025-11")`` is 2024-12 to 2025-11, "12 months to Nov 2025".
        """
        n_months = _check_int("n_months", n_months)
        if n_months < 1:
            raise PeriodError(f"n_months must be >= 1, got {n_months}")
        return cls(add_months(end, -(n_months - 1)), end, "rolling")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period from text (case-insensitive; surrounding spaces ignored).

        Accepted forms (see ``PERIOD_FORMS``):

        - ``"2025-01..2025-06"``, ``"2025-01:2025-06"``, ``"2025-01_2025-06"``: month range;
        - ``"2025-06"``: the single month (a month range of one);
        - ``"2025"``: calendar year;
        - ``"FY 2022/23"``, ``"FY2022-23"``, ``"2022/23"``, ``"2022-23"``: UK financial year
          April 2022 to March 2023;
        - ``"last 12 to 2025-11"``, ``"last 12 months to 2025-11"``, ``"12 months to 2025-11"``,
          ``"last12_to_2025-11"``: rolling window.

        Every :attr:`slug` parses back to its period. ``"YYYY-YY"`` where ``YY`` is both a month
        and the next year (``"2010-11"``: November 2010 or FY 2010/11?) is refused as ambiguous.

        Raises
        ------
        PeriodError
            Naming the text and the accepted forms.
        """
        if not isinstance(text, str):
            raise PeriodError(
                f"expected a period string, got {text!r} ({type(text).__name__}); "
                f"accepted forms: {'; '.join(PERIOD_FORMS)}"
            )
        try:
            period = cls._parse(text.strip().lower())
        except PeriodError as exc:
            raise PeriodError(f"cannot read period {text!r}: {exc}") from exc
        if period is None:
            raise PeriodError(
                f"cannot read period {text!r}; accepted forms: {'; '.join(PERIOD_FORMS)}"
            )
        return period

    @classmethod
    def _parse(cls, text: str) -> Period | None:
        if match := _RANGE_RE.fullmatch(text):
            return cls(match[1], match[2], "months")
        if match := _MONTH_RE.fullmatch(text):
            year, second = int(match[1]), int(match[2])
            is_month = 1 <= second <= 12
            is_fy = second == (year + 1) % 100
            if is_month and is_fy:
                raise PeriodError(
                    f"ambiguous: month {text} or FY {match[1]}/{match[2]}; "
                    f"write '{text}..{text}' or 'FY {match[1]}/{match[2]}'"
                )
            if is_fy:
                return cls.financial_year(year)
            return cls(text, text, "months")  # malformed months raise here, naming the text
        if _YEAR_RE.fullmatch(text):
            return cls.calendar_year(int(text))
        if match := _FY_RE.fullmatch(text):
            year = int(match[1])
            following = f"{(year + 1) % 100:02d}"
            if match[2] != following:
                raise PeriodError(
                    f"a financial year runs into the next year; expected FY {match[1]}/{following}"
                )
            return cls.financial_year(year)
        if match := _ROLLING_RE.fullmatch(text):
            return cls.rolling(int(match[1]), match[2])
        return None

    # -- properties -----------------------------------------------------------------------------

    @property
    def n_months(self) -> int:
        """Number of months in the period."""
        return _index(self.end) - _index(self.start) + 1

    @property
    def label(self) -> str:
        """Human label.

        ``"Jan–Jun 2025"``, ``"Jun 2025"``, ``"Nov 2024–Feb 2025"``, ``"2025"``, ``"FY 2022/23"``,
        ``"12 months to Nov 2025"``.
        """
        if self.kind == "calendar_year":
            return self.start[:4]
        if self.kind == "financial_year":
            return f"FY {self.start[:4]}/{self.end[2:4]}"
        end_label = _month_label(self.end)
        if self.kind == "rolling":
            unit = "month" if self.n_months == 1 else "months"
            return f"{self.n_months} {unit} to {end_label}"
        if self.start == self.end:
            return end_label
        start_label = _month_label(self.start)
        if self.start[:4] == self.end[:4]:
            return f"{start_label[:3]}–{end_label}"
        return f"{start_label}–{end_label}"

    @property
    def slug(self) -> str:
        """ASCII name safe in URLs and file names; :meth:`parse` reads it back.

        ``"2025-01_2025-06"``, ``"2025"``, ``"fy2022-23"``, ``"last12_to_2025-11"``.
        """
        if self.kind == "calendar_year":
            return self.start[:4]
        if self.kind == "financial_year":
            return f"fy{self.start[:4]}-{self.end[2:4]}"
        if self.kind == "rolling":
            return f"last{self.n_months}_to_{self.end}"
        return f"{self.start}_{self.end}"

    def __str__(self) -> str:
        return self.label

    # -- relations ------------------------------------------------------------------------------

    def contains(self, month: str) -> bool:
        """Whether ``month`` (``"YYYY-MM"``, checked strictly) falls in the period."""
        return _index(self.start) <= _index(month) <= _index(self.end)

    def previous(self) -> Period:
        """The equivalent period immediately before: same kind, same length.

        The previous FY of a FY, the previous calendar year of a year, the previous ``n`` months
        of a month range or rolling window (``2025-09..2025-11`` -> ``2025-06..2025-08``;
        12 months to Nov 2025 -> 12 months to Nov 2024).
        """
        return self._shifted(-self.n_months)

    def year_earlier(self) -> Period:
        """The same months one year before, same kind (for "vs last year" comparisons)."""
        return self._shifted(-12)

    def _shifted(self, n: int) -> Period:
        return Period(add_months(self.start, n), add_months(self.end, n), self.kind)

    # -- data -----------------------------------------------------------------------------------

    def select(self, frame: pd.DataFrame, column: str = "month") -> pd.DataFrame:
        """Rows of ``frame`` whose month falls in the period.

        Parameters
        ----------
        frame : pandas.DataFrame
            Any frame (GeoDataFrames keep their class and CRS); not modified.
        column : str, default "month"
            Column of ``"YYYY-MM"`` strings. Missing values are in no period.

        Returns
        -------
        pandas.DataFrame
            A copy of the matching rows, original index and order kept.

        Raises
        ------
        PeriodError
            If ``column`` is absent or holds a value that is not a ``"YYYY-MM"`` string
            (such rows would otherwise vanish from every period unnoticed).
        """
        if column not in frame.columns:
            raise PeriodError(
                f"frame has no column {column!r}; expected a column of {MONTH_FORM!r} strings "
                f"(columns: {list(frame.columns)})"
            )
        values = frame[column]
        bad: list[object] = []
        for value in values.dropna().unique():
            try:
                parse_month(value)
            except PeriodError:
                bad.append(value)
        if bad:
            shown = ", ".join(repr(v) for v in bad[:5])
            raise PeriodError(
                f"column {column!r} holds {len(bad)} distinct value(s) that are not months: "
                f"{shown}; expected {MONTH_FORM!r} strings"
            )
        # .copy(): a standalone result, so callers may assign to it without pandas warnings.
        return frame.loc[values.isin(self.months)].copy()

    def require_data(self, available_months: Iterable[str]) -> None:
        """Raise unless every month of the period is in ``available_months``.

        Parameters
        ----------
        available_months : iterable of str
            The months the store holds, ``"YYYY-MM"``, any order, duplicates allowed.

        Raises
        ------
        PeriodError
            Naming the months with no data and what the store holds, e.g.
            ``"no data for 2026-01, 2026-02 in FY 2025/26; the store holds 2025-01..2025-12"``.
        """
        if isinstance(available_months, str):
            raise PeriodError(
                f"expected an iterable of month strings, got the single string {available_months!r}"
            )
        available = set(available_months)
        for month in available:
            parse_month(month)
        missing = [m for m in self.months if m not in available]
        if missing:
            held = describe_months(available) if available else "no months"
            raise PeriodError(
                f"no data for {describe_months(missing)} in {self.label}; the store holds {held}"
            )
