"""Why a place is on a plan, in words: offences, trend and stability, and a co-location note."""

from __future__ import annotations

from hotspots.patrol.stability import STABILITY_WINDOWS
from hotspots.periods import Period


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _reason(
    period: Period,
    compare_to: Period,
    offences: int,
    change: int | None,
    stable: dict[int, int],
    available: dict[int, int],
) -> str:
    """``"24 drug offences in Sep–Nov 2025, up 10 on Jun–Aug 2025; a hotspot in 5 of the last
    6 months and 9 of the last 12"``."""
    text = f"{_plural(offences, 'drug offence')} in {period.label}"
    if change is None:
        text += f" (no comparison: the data does not cover {compare_to.label})"
    elif change > 0:
        text += f", up {change} on {compare_to.label}"
    elif change < 0:
        text += f", down {-change} on {compare_to.label}"
    else:
        text += f", the same as in {compare_to.label}"
    parts: list[str] = []
    for n in STABILITY_WINDOWS:
        of = "" if available[n] == n else f" (of {available[n]} available)"
        last = f"the last {n} months" if not parts else f"the last {n}"
        parts.append(f"{stable[n]} of {last}{of}")
    return f"{text}; a hotspot in {' and '.join(parts)}"


def _note(share: float) -> str:
    return (
        f"{round(share * 100)}% of these offences are on one map point: check it is a street "
        "place, not where offences are recorded (e.g. a police station)."
    )
