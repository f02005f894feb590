"""Why a place is on a plan, in words: offences, trend and stability, and a co-location note.

A place ranked by hotspots is a hotspot of the plan's basis period (the months together); the
reason says so, and when the place was a hotspot in no single month alone it says why it is
listed all the same (too few offences in each month for a one-month hotspot, enough over the
months). A place ranked by the forecast may be part of no hotspot of the basis period
(``in_hotspot=False``): its reason says it is listed by the forecast, not part of a hotspot.
"""

from __future__ import annotations

from hotspots.patrol.stability import STABILITY_WINDOWS
from hotspots.periods import Period


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _times(n: int) -> str:
    """How many months a place was a hotspot, as a sentence says it: ``"none"`` for 0."""
    return "none" if n == 0 else str(n)


def change_words(change: int | None, compare_to: Period, gap: str = "") -> str:
    """A place's change in offences on ``compare_to`` in words: ``"up 10 on Jun–Aug 2025"``,
    ``"down 9 on Jun–Aug 2025"``, ``"the same as in Jun–Aug 2025"``, or ``gap``: why there is
    none, in the figure rule's words (:func:`hotspots.figures.comparison_note`, naming the
    months held). The one wording of the change on the plan's list, cards, CSV and GPX."""
    if change is None:
        return gap or f"no comparison with {compare_to.label}"
    if change > 0:
        return f"up {change:,} on {compare_to.label}"
    if change < 0:
        return f"down {-change:,} on {compare_to.label}"
    return f"the same as in {compare_to.label}"


def _reason(
    period: Period,
    compare_to: Period,
    offences: int,
    change: int | None,
    stable: dict[int, int],
    available: dict[int, int],
    month_min_samples: int | None = None,
    in_hotspot: bool = True,
    gap: str = "",
) -> str:
    """``"24 drug offences in Sep–Nov 2025, up 10 on Jun–Aug 2025; a hotspot in 5 of the last
    6 months and 9 of the last 12"``; a place hot in no single month of the last 6 adds why it is
    listed (``"; in no single month alone: each had fewer than 5 offences here, the 3 months
    together make it a hotspot"``)."""
    text = f"{_plural(offences, 'drug offence')} in {period.label}"
    text += f", {change_words(change, compare_to, gap)}"
    parts: list[str] = []
    for n in STABILITY_WINDOWS:
        of = "" if available[n] == n else f" (of {available[n]} available)"
        last = f"the last {n} months" if not parts else f"the last {n}"
        parts.append(f"{_times(stable[n])} of {last}{of}")
    text = f"{text}; a hotspot in {' and '.join(parts)}"
    if not in_hotspot:
        return f"{text}: listed by next month's forecast, not part of a hotspot of {period.label}"
    if stable[min(STABILITY_WINDOWS)] == 0:
        fewer = f"fewer than {month_min_samples} offences" if month_min_samples else "too few"
        text += (
            f": listed because the {_plural(len(period.months), 'month')} of {period.label} "
            f"together make it a hotspot, though no single month alone had enough ({fewer} "
            "close together here)"
        )
    return text


def _summary(
    period: Period,
    compare_to: Period,
    offences: int,
    change: int | None,
    stable: dict[int, int],
    available: dict[int, int],
    in_hotspot: bool = True,
) -> str:
    """One line of why, for the phone list: ``"24 offences in Sep–Nov 2025, up 10 on Jun–Aug
    2025; a hotspot in 5 of the last 6 months"`` (the change by :func:`change_words`, left out
    when there is none: the card and the reason say why) or ``"...; a hotspot over the months
    together, in no single month alone"`` (a forecast place in no hotspot of the period:
    ``"...; a hotspot in none of the last 6 months, nor in Sep–Nov 2025"``)."""
    text = f"{_plural(offences, 'offence')} in {period.label}"
    if change is not None:
        text += f", {change_words(change, compare_to)}"
    n = min(STABILITY_WINDOWS)
    monthly = f"{text}; a hotspot in {_times(stable[n])} of the last {available[n]} months"
    if not in_hotspot:
        return (
            f"{monthly}, nor in {period.label}"
            if stable[n] == 0
            else f"{monthly}, none in {period.label}"
        )
    if stable[n] == 0:
        return f"{text}; a hotspot over the months together, in no single month alone"
    return monthly


def _note(share: float) -> str:
    return (
        f"{round(share * 100)}% of these offences are on one map point: check it is a street "
        "place, not where offences are recorded (e.g. a police station)."
    )


def colocation_warning(places: list[tuple[int, float]]) -> str:
    """The plan's one co-location warning, naming the places (rank, share on one map point):
    ``"Places 1 and 4: 100% and 85% of their offences are on one map point: check ..."``."""
    if not places:
        return ""
    ranks = [str(rank) for rank, _ in places]
    shares = [f"{round(share * 100)}%" for _, share in places]

    def both(items: list[str]) -> str:
        return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"

    if len(set(shares)) == 1:
        shares = shares[:1]
    whose = "its" if len(places) == 1 else "their"
    return (
        f"{'Place' if len(places) == 1 else 'Places'} {both(ranks)}: {both(shares)} of {whose} "
        "offences are on one map point: check each is a street place, not where offences are "
        "recorded (e.g. a police station)."
    )
