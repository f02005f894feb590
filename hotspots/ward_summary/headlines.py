"""Headlines: the change of one layer in words.

E.g. "36% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (455 vs 335)", from a summary
table, one of its rows, or :func:`~hotspots.ward_summary.districts.force_totals`.

:func:`percent_shown` is the one rule for a percentage change as every output shows it (the
headline, the briefing's cards and PDF, map popups): rounded half up (12.5% is 13%, as people
round; Python's format rounds half to even), never "100% fewer" while some remain, and no
percentage at all below a base of 10 or when it rounds to 0 (the difference is given instead).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from hotspots import schema
from hotspots.ward_summary.districts import force_totals
from hotspots.ward_summary.inputs import WardSummaryError

__all__ = ["MIN_BASE", "headline", "percent_shown"]

#: (singular, plural) nouns of each layer, as ingested by default (drug records only).
_NOUNS = {
    "offence": ("drug offence", "drug offences"),
    "search": ("drug search", "drug searches"),
    "raid": ("drug raid", "drug raids"),
}


#: Below this previous count a change is given as a number, not a percentage.
MIN_BASE = 10


def percent_shown(count: int, prev: int, min_base: int = MIN_BASE) -> int | None:
    """The percentage change from ``prev`` to ``count`` as shown (signed, whole), or None when
    the change is to be given as a number: ``prev`` below ``min_base`` (1 -> 3 is "2 more", not
    "200% more"), no change, or a change that rounds to 0% ("+0%" for +1 on 400).

    Half up (``floor(x + 0.5)``); a fall to a count above 0 is at most 99%."""
    if prev < max(min_base, 1) or count == prev:
        return None
    pct = math.floor(abs(100.0 * (count - prev) / prev) + 0.5)
    if count < prev:
        pct = min(pct, 99) if count > 0 else pct  # some remain: never "100% fewer"
    if pct == 0:
        return None
    return pct if count > prev else -pct


def headline(
    source: pd.DataFrame | pd.Series | Mapping[str, Any],
    layer: str = "offence",
    *,
    min_base: int = MIN_BASE,
    noun: tuple[str, str] | None = None,
) -> str:
    """The change of one layer in words.

    Parameters
    ----------
    source : pandas.DataFrame, pandas.Series or mapping
        A summary table (its force-wide total is described), one row of a table, or
        :func:`force_totals`. Period labels come from ``period`` / ``compare_to`` keys or
        ``attrs``; without them the sentence says "the comparison period". When
        ``months_without_events`` (key or ``attrs``) lists months with no event of the layer
        anywhere, a caveat naming them is appended: such a zero may be missing data.
    layer : {"offence", "search", "raid"}, default "offence"
    min_base : int, default 10
        Below this previous count the change is given as a number, not a percentage
        (1 -> 3 is "2 more", not "200% more").
    noun : (str, str), optional
        Singular and plural noun, default e.g. ("drug offence", "drug offences").

    Returns
    -------
    str
        E.g. "36% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (455 vs 335)",
        "2 fewer drug raids than in the comparison period (3 vs 5)", "no change in drug
        searches (4 vs 4)", "no drug raids in Sep–Nov 2025 or Jun–Aug 2025" (none in either),
        "3 drug offences in Sep–Nov 2025, up from none in Jun–Aug 2025",
        "no drug raids in Sep–Nov 2025, down from 2 in Jun–Aug 2025".
    """
    if layer not in schema.LAYERS:
        raise WardSummaryError(f"unknown layer {layer!r}; expected one of {schema.LAYERS}")
    if isinstance(source, pd.DataFrame):
        source = force_totals(source)
    now, then = _lookup(source, "period"), _lookup(source, "compare_to")
    try:
        count, prev = int(source[f"{layer}_count"]), int(source[f"{layer}_prev"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WardSummaryError(
            f"cannot read {layer}_count and {layer}_prev from the source ({exc!r}); expected a "
            "summary table, one of its rows, or force_totals()"
        ) from None
    one, many = noun or _NOUNS[layer]
    sentence = _change_words(count, prev, now, then, one, many, min_base)
    gaps = (_lookup(source, "months_without_events") or {}).get(layer)
    if gaps:
        sentence += f"; caution: no {many} at all in {', '.join(gaps)}, check the data covers them"
    return sentence


def _lookup(source: pd.Series | Mapping[str, Any], key: str) -> Any:
    """``source[key]``, else ``source.attrs[key]``, else None."""
    return source[key] if key in source else getattr(source, "attrs", {}).get(key)


def _change_words(
    count: int, prev: int, now: str | None, then: str | None, one: str, many: str, min_base: int
) -> str:
    in_now, in_then = (f" in {now}" if now else ""), (f" in {then}" if then else "")
    than = f" than in {then}" if then else " than in the comparison period"
    numbers = f" ({count:,} vs {prev:,})"
    if count == prev == 0:  # nothing to compare: said plainly, not "no change (0 vs 0)"
        both = f" in {now} or {then}" if now and then else " in either period"
        return f"no {many}{both}"
    if count == prev:
        between = f" between {then} and {now}" if now and then else ""
        return f"no change in {many}{between}{numbers}"
    if prev == 0:
        return f"{count:,} {one if count == 1 else many}{in_now}, up from none{in_then}"
    if count == 0:
        return f"no {many}{in_now}, down from {prev:,}{in_then}"
    more = "more" if count > prev else "fewer"
    pct = percent_shown(count, prev, min_base)
    if pct is None:
        diff = abs(count - prev)
        return f"{diff:,} {more} {one if diff == 1 else many}{in_now}{than}{numbers}"
    return f"{abs(pct)}% {more} {many}{in_now}{than}{numbers}"
