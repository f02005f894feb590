"""Back-tests over runs of consecutive stored months (``docs/periods.md``).

A store may lack a month: uploaded out of order, or never published by police.uk for a force.
A rolling-origin back-test fits on the ``k`` months just before a test month, so a month is
tested only when it and those ``k`` months lie in one run of consecutive stored months
(:func:`hotspots.periods.month_runs`, the one rule for gaps); a gap never raises. When no month
can be tested, :func:`unavailable_reason` says why, for pages and the command line.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotspots.periods import describe_months, month_runs

__all__ = ["fit_windows", "test_windows", "unavailable_reason"]


def fit_windows(months: Iterable[str], k: int) -> list[tuple[str, tuple[str, ...]]]:
    """``(test month, its k fit months)`` for every month of ``months`` (``YYYY-MM``, any order,
    repeats allowed) with ``k`` stored months just before it in its run, oldest first."""
    if k < 1:
        raise ValueError(f"k: got {k!r}; expected a whole number of months >= 1")
    return [(run[i], run[i - k : i]) for run in month_runs(months) for i in range(k, len(run))]


def test_windows(
    held: Iterable[str], with_offences: Iterable[str], k: int
) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`fit_windows` of the ``held`` months whose test month has an offence: the one rule
    of every back-test for a held month without a drug offence (``with_offences``: the months
    that have one). Such a month counts 0 in every cell, fits span it, and it is no test month
    (nothing to find); a month not held is a gap."""
    tested = set(with_offences)
    return [(t, fit) for t, fit in fit_windows(held, k) if t in tested]


def unavailable_reason(months: Iterable[str], k: int) -> str | None:
    """Why a back-test fitting on ``k`` months can test no month of ``months``; None when it
    can test at least one."""
    held = sorted(set(months))
    if fit_windows(held, k):
        return None
    if not held:
        return "no drug offences are stored"
    longest = max(len(run) for run in month_runs(held))
    return (
        f"it needs {k + 1} consecutive stored months (fit on {k}, test on the next) and the "
        f"longest run is {longest} month{'s' if longest != 1 else ''} "
        f"(the store holds {describe_months(held)})"
    )
