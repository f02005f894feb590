"""The figure rule: when a layer's total is a number, when it is "no data", when there is a change.

A figure (drug offences, stop-and-searches or raids in a period) is a **number only when its
layer is held for every month of the period**. Otherwise it is no number, with the reason in
words: "no stop-and-search records held for Sep–Nov 2025", "held for Jul 2025 only" (naming the
months held), or "no raid records held" when the store holds none of the layer at all. A
**change** is given only when the figures of both periods are numbers. "Held" means a stored
source of that layer covers the month (:func:`layer_months`, from the store's manifest): a month
of a held layer with no event is a real zero; a month of a layer never loaded is unknown.

Every output that shows layer totals (the briefing page, PNG and PDF, the map headline,
``/map.json``, the API and ``hotspots analyse``) takes its figures from :func:`layer_figures`,
so they agree. :func:`period_totals` makes the totals those figures are read from (ward counts
rolled up, plus stop-and-search outcomes and raid arrests and seizures); the web app calls it
again on the wards of an officer's area, so the officer's totals are the area's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.periods import Period, held_runs, month_runs
from hotspots.ward_summary import force_totals

__all__ = [
    "ARREST",
    "NO_FURTHER_ACTION",
    "Figure",
    "blank_unknown",
    "comparison_note",
    "coverage_note",
    "event_totals",
    "layer_figure",
    "layer_figures",
    "layer_months",
    "period_totals",
    "unlocated_counts",
]

#: The stop-and-search outcome that means nothing was done.
NO_FURTHER_ACTION = "A no further action disposal"
ARREST = "Arrest"

#: What a layer's records are called in the reasons.
RECORDS = {
    "offence": "drug offence records",
    "search": "stop-and-search records",
    "raid": "raid records",
}


@dataclass(frozen=True)
class Figure:
    """One layer's total in a period, against a comparison period, by the figure rule.

    ``value`` is None unless the layer is held for every month of the period (``note`` says
    why); ``prev``, ``change`` and ``change_pct`` are None unless both periods' figures are
    numbers (``change_note`` says why; ``change_pct`` is also None when ``prev`` is 0).
    """

    layer: str
    period: str
    compare_to: str | None
    value: int | None
    prev: int | None
    change: int | None
    change_pct: float | None
    #: "complete", "partial" (some months held), "not held" (none of the period's months) or
    #: "no records" (the store holds none of the layer).
    status: str
    months_held: tuple[str, ...]
    note: str
    change_note: str
    #: Records of the layer in the period the store holds without a location (rejected "no
    #: location": in no count, ward or map): a number, or None when unknown or not shown (an
    #: area's figure: they cannot be placed in an area). ``unlocated_note`` says so in words.
    unlocated: int | None = 0
    unlocated_note: str = ""

    @property
    def is_number(self) -> bool:
        """True when the period's figure is a number."""
        return self.value is not None

    def text(self, fmt: str = "{:,}") -> str:
        """The figure as shown: the number, or "No data"; "0 located" when none of the
        period's records has a location but some exist (Dyfed-Powys' searches: a bare 0 read
        as "no searches"; :attr:`unlocated_short` says how many). Every output shows this."""
        if self.value is None:
            return "No data"
        if self.value == 0 and self.unlocated_note:
            return fmt.format(0) + " located"
        return fmt.format(self.value)

    @property
    def unlocated_short(self) -> str:
        """:attr:`unlocated_note` as a card's detail ends it: "843 more have no location (not
        counted)"; "all 166 have no location (not counted)" under a figure of 0 (Dyfed-Powys'
        searches: "0 ... 166 more" read as if some had one); "" when there is none."""
        if not self.unlocated_note:
            return ""
        if self.unlocated and self.value == 0:
            return f"all {self.unlocated:,} have no location (not counted)"
        many = f"{self.unlocated:,} more" if self.unlocated else "some"
        return f"{many} have no location (not counted)"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every field (``months_held``: the period's months held, a list), with
        ``text`` (the figure as every page shows it, :meth:`text`) and ``counted`` (what
        ``value`` counts: the layer's records with a location)."""
        return {
            "layer": self.layer,
            "period": self.period,
            "compare_to": self.compare_to,
            "value": self.value,
            "text": self.text(),
            "counted": f"{RECORDS.get(self.layer, self.layer + ' records')} with a location",
            "prev": self.prev,
            "change": self.change,
            "change_pct": self.change_pct,
            "status": self.status,
            "months_held": list(self.months_held),
            "note": self.note or None,
            "change_note": self.change_note or None,
            "unlocated": self.unlocated,
            "unlocated_note": self.unlocated_note or None,
        }


def layer_months(sources: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Months held per layer (sorted; every layer of :data:`schema.LAYERS` has an entry).

    ``sources``: the store's manifest entries (:meth:`hotspots.store.Store.sources`), each
    with ``layer`` and ``months``.
    """
    held: dict[str, set[str]] = {layer: set() for layer in schema.LAYERS}
    for entry in sources:
        held.setdefault(str(entry["layer"]), set()).update(entry.get("months") or ())
    return {layer: tuple(sorted(months)) for layer, months in held.items()}


def coverage_note(layer: str, period: Period, held: Collection[str]) -> str:
    """Why ``layer`` has no figure for ``period`` ("drug offence records held for Jul 2019
    only", "no raid records held"), or "" when every month of it is held."""
    return _coverage(layer, period, held)[2]


def _coverage(
    layer: str, period: Period, held: Collection[str]
) -> tuple[str, tuple[str, ...], str]:
    """``(status, months of the period held, reason when not complete)``."""
    records = RECORDS.get(layer, f"{layer} records")
    if not held:
        return "no records", (), f"no {records} held"
    inside = tuple(held_runs(period.start, period.end, held)[1])  # bounded by held
    if len(inside) == period.n_months:
        return "complete", inside, ""
    if not inside:
        return "not held", inside, f"no {records} held for {period.label}"
    # runs of consecutive months, not each month: "Jun–Dec 2024", "Jan–Mar 2025, Jun 2025"
    named = ", ".join(Period.months(run[0], run[-1]).label for run in month_runs(inside))
    return "partial", inside, f"{records} held for {named} only"


def comparison_note(layer: str, compare_to: Period, held: Collection[str]) -> str:
    """Why ``layer`` has no figure for the comparison period ``compare_to``, in the words of
    every output ("no data for the comparison period Mar–May 2025 (drug offence records held
    for Mar 2025 only)", "no data for the comparison period Apr–Jun 2025" when none of it is
    held), or "" when every month of it is held."""
    status, _, note = _coverage(layer, compare_to, held)
    if status == "complete":
        return ""
    gap = f"no data for the comparison period {compare_to.label}"
    return f"{gap} ({note})" if status == "partial" else gap


def unlocated_counts(sources: Iterable[Mapping[str, Any]], period: Period) -> dict[str, int | None]:
    """Per layer, the records of ``period`` the store rejected for having no location, read from
    the manifest (``sources``: each entry's ``rejected`` counts and ``months``).

    A source counts when the span of its months (first to last) meets the period: its "no
    location" rows are the period's when all its months lie in the period (a police.uk monthly
    file); when it spans months outside the period (the month of a row without a location is
    not kept), or keeps every crime type (its count is not the drug records'), the layer's
    count is None (unknown)."""
    out: dict[str, int | None] = {layer: 0 for layer in schema.LAYERS}
    months = set(period.months)
    for entry in sources:
        layer = str(entry["layer"])
        n = int((entry.get("rejected") or {}).get(schema.REASON_NO_LOCATION, 0))
        src = sorted(entry.get("months") or ())
        if n == 0 or not src or src[-1] < period.start or src[0] > period.end:
            continue
        if out.get(layer, 0) is None:
            continue
        known = set(src) <= months and not entry.get("all_crime_types")
        out[layer] = (out.get(layer) or 0) + n if known else None
    return out


def _unlocated(
    layer: str, period: Period, value: int | None, unlocated: int | None, in_area: bool
) -> tuple[int | None, str]:
    """``(unlocated, unlocated_note)`` of a figure (:class:`Figure`)."""
    records = RECORDS.get(layer, f"{layer} records")
    if value is None or unlocated == 0:
        return (0 if value is not None else None), ""
    if in_area:
        return None, f"{records} without a location are in no area's count"
    if unlocated is None:
        return None, (
            f"some {records} of {period.label} have no location (how many is not known): "
            "in no count or map"
        )
    if unlocated == 1:  # "1 drug offence record ... has", not "1 ... records ... have"
        return (
            1,
            f"1 {records.removesuffix('s')} of {period.label} has no location: in no count or map",
        )
    return (
        unlocated,
        f"{unlocated:,} {records} of {period.label} have no location: in no count or map",
    )


def layer_figure(
    layer: str,
    count: Any,
    prev: Any,
    period: Period,
    compare_to: Period | None,
    held: Collection[str],
    unlocated: int | None = 0,
    in_area: bool = False,
) -> Figure:
    """A layer's figure by the rule (module docstring).

    Parameters
    ----------
    layer
        ``offence``, ``search`` or ``raid``.
    count, prev
        The layer's total in ``period`` and in ``compare_to`` as counted (None when unknown).
    period, compare_to
        The periods; ``compare_to`` None when there is no comparison.
    held
        The months the store holds of the layer (:func:`layer_months`).
    unlocated, in_area
        The layer's records of the period without a location (:func:`unlocated_counts`), and
        whether the figure is an area's (they cannot be placed in one: no number is given).
    """
    status, inside, note = _coverage(layer, period, held)
    value = int(count) if status == "complete" and _is_number(count) else None
    if value is None and not note:
        note = f"no {RECORDS.get(layer, layer + ' records')} counted for {period.label}"
    prev_value: int | None = None
    change_note = ""
    if compare_to is None:
        change_note = "no comparison period"
    elif value is None:
        change_note = note
    else:
        change_note = comparison_note(layer, compare_to, held)
        if not change_note and _is_number(prev):
            prev_value = int(prev)
        elif not change_note:
            change_note = f"no data for the comparison period {compare_to.label}"
    no_location, no_location_note = _unlocated(layer, period, value, unlocated, in_area)
    change = value - prev_value if value is not None and prev_value is not None else None
    pct = 100.0 * change / prev_value if change is not None and prev_value else None
    return Figure(
        layer=layer,
        period=period.label,
        compare_to=compare_to.label if compare_to is not None else None,
        value=value,
        prev=prev_value,
        change=change,
        change_pct=pct,
        status=status,
        months_held=inside,
        note=note,
        change_note=change_note,
        unlocated=no_location,
        unlocated_note=no_location_note,
    )


def layer_figures(
    totals: Mapping[str, Any],
    period: Period,
    compare_to: Period | None,
    held: Mapping[str, Collection[str]],
    layers: Iterable[str] = schema.LAYERS,
    unlocated: Mapping[str, int | None] | None = None,
    in_area: bool = False,
) -> dict[str, Figure]:
    """The figure of every layer in ``layers`` whose ``<layer>_count`` is in ``totals``
    (a role that may not see a layer has its totals left out, so it gets no figure of it).

    ``compare_to`` None: no comparison (no data held for it); ``unlocated``, ``in_area``: see
    :func:`layer_figure` (a layer missing from ``unlocated`` has none)."""
    return {
        layer: layer_figure(
            layer,
            totals.get(f"{layer}_count"),
            totals.get(f"{layer}_prev"),
            period,
            compare_to,
            held.get(layer, ()),
            (unlocated or {}).get(layer, 0),
            in_area,
        )
        for layer in layers
        if f"{layer}_count" in totals
    }


def event_totals(events: pd.DataFrame) -> dict[str, Any]:
    """Totals read from the events themselves (one period's drug events, any area):
    ``search_with_outcome``, ``search_action`` (outcome other than no further action),
    ``search_arrests``, ``raid_arrests``, ``raid_seizure_gbp`` and ``raid_synthetic``."""
    layer = events[schema.LAYER]
    searches = events[layer == "search"]
    outcome = searches[schema.OUTCOME].fillna("").astype(str).str.strip()
    recorded = outcome[outcome != ""]
    raids = events[layer == "raid"]
    return {
        "search_with_outcome": len(recorded),
        "search_action": int((recorded != NO_FURTHER_ACTION).sum()),
        "search_arrests": int((recorded == ARREST).sum()),
        "raid_arrests": int(_column_sum(raids, "arrests")),
        "raid_seizure_gbp": float(_column_sum(raids, "seizure_gbp")),
        "raid_synthetic": bool(raids[schema.SYNTHETIC].fillna(False).astype(bool).any()),
    }


def period_totals(
    ward_table: pd.DataFrame, events: pd.DataFrame, months: Iterable[str], comparable: bool
) -> dict[str, Any]:
    """The totals of an area: :func:`hotspots.ward_summary.force_totals` of ``ward_table``
    (the area's wards) and :func:`event_totals` of ``events`` in ``months`` (the period's);
    without comparison data every ``*_prev``/``*_change*`` is None, never a zero."""
    totals = force_totals(ward_table)
    if not comparable:
        for name in list(totals):
            if name.endswith(("_prev", "_change", "_change_pct")):
                totals[name] = None
    in_period = events[events[schema.MONTH].isin(list(months))]
    totals.update(event_totals(in_period))
    return totals


#: The hotspot table's count column of each layer.
HOTSPOT_COUNTS = {"offence": "offences", "search": "searches", "raid": "raids"}


def blank_unknown(table: pd.DataFrame, figures: Mapping[str, Figure]) -> pd.DataFrame:
    """``table`` (a ward, district or hotspot table) with the counts the rule gives no number
    blank (NaN): a layer's ``<layer>_count``, rates and rank (hotspots: ``searches``, ``raids``)
    where its figure is not a number, its ``_prev``/``_change``/``_change_pct`` where there is
    no change. A copy; the same table when nothing is blanked."""
    blank: list[str] = []
    for layer, fig in figures.items():
        if not fig.is_number:
            blank += [f"{layer}_{c}" for c in ("count", "per_km2", "per_1000", "rank")]
            blank.append(HOTSPOT_COUNTS.get(layer, ""))
        if fig.change is None:
            blank += [f"{layer}_{c}" for c in ("prev", "change", "change_pct")]
    # a hotspot's own offences stay: they are what the hotspot is made of
    present = [c for c in blank if c in table.columns and c != "offences"]
    if not present:
        return table
    out = table.copy()
    for column in present:
        out[column] = np.nan
    return out


def _column_sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns or frame.empty:
        return 0.0
    return float(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def _is_number(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))
