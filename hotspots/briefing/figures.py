"""What the briefing says: headline figures of a period as plain numbers, lists and sentences.

:func:`briefing_figures` gathers force-wide counts and changes, stop-and-search outcome rates,
raids, arrests and seizures, the wards that rose and fell most, the top hotspots, the monthly
trend, the headline cards and plain-language caveats, all JSON-ready. Aggregates only: no
offence, search or raid point is listed.

Every count and change comes from :meth:`hotspots.analysis.Analysis.figures` (the figure rule
of :mod:`hotspots.figures`): a layer not held for every month of the period is "No data" with
the months held named, never 0, and a change is given only when both periods are numbers. The
totals are made from every event before a role's redaction (:func:`web.access.redact`), so the
commissioner's briefing gives the same figures as the analyst's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hotspots.analysis import Analysis
from hotspots.briefing.monthly import monthly_rows
from hotspots.figures import ARREST, NO_FURTHER_ACTION, Figure, coverage_note
from hotspots.presentation import headline_text, ward_movers
from hotspots.ward_summary import headline, percent_shown

__all__ = ["ARREST", "NO_FURTHER_ACTION", "briefing_figures"]


def briefing_figures(
    analysis: Analysis,
    *,
    monthly: pd.DataFrame | pd.Series,
    wards_vintage: str | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """What the briefing says, as plain numbers, lists and sentences (JSON-ready).

    Parameters
    ----------
    analysis : Analysis
        The period's analysis (:func:`hotspots.analysis.analyse`), as the reader may see it.
    monthly : pandas.DataFrame or pandas.Series
        Offences per month for the trend: :func:`monthly_counts`, or a Series of offence
        counts indexed by ``YYYY-MM``.
    wards_vintage : str, optional
        Words for the ward boundaries, e.g. "December 2023 wards (120)", for the caveats.
    top : int, default 5
        Hotspots and rising / falling wards listed.

    Returns
    -------
    dict
        ``period``, ``compare_to`` (None without comparison data), ``headline``, ``figures``
        (each shown layer's :meth:`hotspots.figures.Figure.as_dict`), ``offences`` (``count``,
        ``prev``, ``change``, ``change_pct``, ``note``), ``searches`` (``count``,
        ``with_outcome``, ``action``, ``action_rate``, ``arrests``, ``arrest_rate``, rates in
        percent or None, ``has_data``, ``note``), ``raids`` (``count``, ``prev``, ``change``,
        ``arrests``, ``seizure_gbp``, ``synthetic``, ``has_data``, ``note``; None for a reader
        without raid access), ``cards`` (label, value, detail strings), ``rising``,
        ``falling``, ``hotspots``, ``wards``, ``districts`` (each district's ``count``,
        ``prev``, ``change`` and its headline ``text``: "Liverpool: 21% more drug offences in
        Oct–Dec 2019 than in Jul–Sep 2019 (1,808 vs 1,500)"), ``compare_gap`` (why there is
        no comparison, naming the months held: "drug offence records held for Jul 2019 only";
        None with a comparison), ``monthly``, ``caveats``, ``data_version``.
        A count is None where the figure rule gives no number.
    """
    totals, period = analysis.totals, analysis.period
    comparable = analysis.comparison_available
    then = analysis.compare_to.label if comparable else None
    figs = analysis.figures()

    off = figs["offence"]
    offences = {
        "count": off.value,
        "prev": off.prev,
        "change": off.change,
        "change_pct": off.change_pct,
        "note": off.note or None,
    }
    srch = figs["search"]
    search: dict[str, Any] = {
        "count": srch.value,
        "has_data": srch.is_number,
        "note": srch.note or None,
        "with_outcome": None,
        "action": None,
        "arrests": None,
    }
    if srch.is_number:
        search["with_outcome"] = int(totals["search_with_outcome"])
        search["action"] = int(totals["search_action"])
        search["arrests"] = int(totals["search_arrests"])
    search["action_rate"] = _pct(search["action"], search["with_outcome"])
    search["arrest_rate"] = _pct(search["arrests"], search["with_outcome"])

    raid: dict[str, Any] | None = None
    if "raid" in figs:
        fig = figs["raid"]
        raid = {
            "count": fig.value,
            "prev": fig.prev,
            "change": fig.change,
            "has_data": fig.is_number,
            "note": fig.note or None,
            "arrests": int(totals["raid_arrests"]) if fig.is_number else None,
            "seizure_gbp": float(totals["raid_seizure_gbp"]) if fig.is_number else None,
            "synthetic": bool(totals.get("raid_synthetic", False)),
        }

    movers = ward_movers(analysis, top)
    trend_rows = monthly_rows(monthly, analysis)
    figures: dict[str, Any] = {
        "period": period.label,
        "period_slug": period.slug,
        "compare_to": then,
        "headline": headline_text(analysis),
        "figures": {layer: f.as_dict() for layer, f in figs.items()},
        "offences": offences,
        "searches": search,
        "raids": raid,
        "rising": [_mover(w) for w in movers["rising"].itertuples()],
        "falling": [_mover(w) for w in movers["falling"].itertuples()],
        "hotspots": [_hotspot(h, comparable) for h in analysis.hotspots.head(top).itertuples()],
        "n_hotspots": len(analysis.hotspots),
        "wards": _ward_rows(analysis.wards, comparable),
        "districts": _district_rows(analysis, off, _compare_gap(analysis)),
        "compare_gap": _compare_gap(analysis),
        "monthly": trend_rows,
        "data_version": analysis.data_version,
    }
    figures["cards"] = _cards(figs, figures, period.label)
    figures["caveats"] = _caveats(figures, analysis, wards_vintage)
    return figures


def _change_detail(fig: Figure) -> str:
    """A card's comparison line: the change, or why there is none."""
    if fig.change is None or fig.prev is None:
        return fig.change_note
    pct = percent_shown(fig.value or 0, fig.prev)  # the headline's rounding and base
    if pct is None:
        return f"{fig.change:+,} on {fig.compare_to} ({fig.prev:,})"
    return f"{pct:+d}% on {fig.compare_to} ({fig.prev:,})"


def _with_unlocated(detail: str, fig: Figure) -> str:
    """A card's detail, with the records of its figure that have no location (not counted)."""
    return f"{detail}; {fig.unlocated_short}" if fig.unlocated_short else detail


def _cards(figs: dict[str, Figure], f: dict[str, Any], now: str) -> list[dict[str, str]]:
    off, srch = figs["offence"], f["searches"]
    if not srch["has_data"]:
        search_value, search_detail = "No data", srch["note"]
    elif srch["with_outcome"] == 0:
        search_value, search_detail = figs["search"].text(), "no outcomes recorded"
    else:
        search_value = figs["search"].text()
        search_detail = (
            f"{srch['action_rate']:.0f}% led to action (not 'no further action'); "
            f"{srch['arrest_rate']:.0f}% arrest"
        )
    cards = [
        {
            "label": "Drug offences recorded",
            "value": off.text(),
            "detail": _with_unlocated(_change_detail(off) if off.is_number else off.note, off),
            "tag": "",
        },
        {
            "label": "Drug stop-and-searches",
            "value": search_value,
            "detail": _with_unlocated(search_detail, figs["search"]),
            "tag": "",
        },
    ]
    raid = f["raids"]
    if raid is None:  # a reader without raid access: no card names a raid
        return cards
    fig = figs["raid"]
    tag = "SYNTHETIC" if raid["synthetic"] else ""
    if not fig.is_number:
        for label in ("Drug raids", "Arrests at raids", "Value of drugs seized"):
            cards.append({"label": label, "value": "No data", "detail": fig.note, "tag": tag})
        return cards
    cards += [
        {
            "label": "Drug raids",
            "value": fig.text(),
            "detail": _with_unlocated(_change_detail(fig), fig),
            "tag": tag,
        },
        {
            "label": "Arrests at raids",
            "value": f"{raid['arrests']:,}",
            "detail": f"people arrested at the raids, {now}",
            "tag": tag,
        },
        {
            "label": "Value of drugs seized",
            "value": f"£{raid['seizure_gbp']:,.0f}",
            "detail": f"estimated, at the raids, {now}",
            "tag": tag,
        },
    ]
    return cards


def _caveats(f: dict[str, Any], analysis: Analysis, vintage: str | None) -> list[str]:
    p = analysis.parameters
    out = [
        "Recorded drug crime reflects police activity as well as offending: more patrols, "
        "searches and operations find more drug offences, so a rise may mean more enforcement "
        "rather than more drug use or supply.",
        "Locations are approximate: police.uk moves each offence to a nearby anonymous map point "
        "and many are recorded 'on or near' a street or a police station. Figures are by ward "
        "and hotspot area only; no individual locations are shown.",
        f"Ward boundaries: {vintage or 'as stored'} (ONS, generalised); wards changed since "
        "then are not reflected.",
        f"Hotspots: at least {p.get('min_samples')} offences within "
        f"{float(p.get('eps_m') or 0):.0f} m of each other (DBSCAN), ranked by offences.",
    ]
    if f["raids"] is not None and f["raids"]["synthetic"]:
        out.append(
            "Raid, arrest and seizure figures are SYNTHETIC: made up for the demonstration, "
            "not police data."
        )
    for fig in f["figures"].values():
        if fig["value"] is None:
            out.append(f"{fig['note'][:1].upper()}{fig['note'][1:]}: shown as no data, not 0.")
    if f["compare_to"] is None:
        out.append(
            f"No comparison with {analysis.compare_to.label}: {f['compare_gap']}; "
            "no change is given."
        )
    return out


def _compare_gap(analysis: Analysis) -> str | None:
    """Why the period has no comparison, naming what is held of the comparison period
    ("drug offence records held for Jul 2019 only"); None when it has one."""
    if analysis.comparison_available:
        return None
    held = analysis.layer_months.get("offence", ())
    note = coverage_note("offence", analysis.compare_to, held)
    return note or f"no data for {analysis.compare_to.label}"


def _district_rows(analysis: Analysis, off: Figure, gap: str | None) -> list[dict[str, Any]]:
    """Each district's drug offences, change and headline in words, by the figure rule of the
    force's figure ``off`` (the same months are held for every district), most first; ``gap``:
    why there is no comparison (:func:`_compare_gap`)."""
    then = analysis.compare_to.label if analysis.comparison_available else None
    table = analysis.districts.sort_values(
        ["offence_count", "district_name"], ascending=[False, True]
    )
    rows = []
    for d in table.itertuples():
        name = str(d.district_name)
        count = _int_or_none(d.offence_count) if off.is_number else None
        prev = _int_or_none(d.offence_prev) if off.change is not None else None
        if count is None:
            text = f"{name}: no data ({off.note})"
        elif prev is None:
            why = (
                f"no comparison with {analysis.compare_to.label} ({gap})"
                if gap
                else _change_detail(off)
            )
            text = f"{name}: {count:,} drug offences in {off.period}; {why}"
        else:
            totals = {
                "offence_count": count,
                "offence_prev": prev,
                "period": off.period,
                "compare_to": then,
            }
            text = f"{name}: {headline(totals, 'offence')}"
        rows.append(
            {
                "district_code": str(d.district_code),
                "district_name": name,
                "count": count,
                "prev": prev,
                "change": None if count is None or prev is None else count - prev,
                "text": text,
            }
        )
    return rows


def _mover(w: Any) -> dict[str, Any]:
    return {
        "ward_name": str(w.ward_name),
        "district_name": str(w.district_name),
        "count": int(w.offence_count),
        "prev": int(w.offence_prev),
        "change": int(w.offence_change),
        "change_pct": _float_or_none(w.offence_change_pct),
    }


def _hotspot(h: Any, comparable: bool) -> dict[str, Any]:
    return {
        "rank": int(h.rank),
        "place": str(h.top_location),
        "ward_name": str(h.ward_name),
        "district_name": str(h.district_name),
        "offences": int(h.offences),
        "change": int(h.change) if comparable and pd.notna(h.change) else None,
        "months_active": int(h.months_active),
        "colocated": bool(h.colocated),
    }


def _ward_rows(wards: pd.DataFrame, comparable: bool) -> list[dict[str, Any]]:
    table = wards.sort_values(["offence_count", "ward_name"], ascending=[False, True])
    return [
        {
            "ward_code": str(w.ward_code),
            "ward_name": str(w.ward_name),
            "district_name": str(w.district_name),
            "count": int(w.offence_count),
            "prev": int(w.offence_prev) if comparable else None,
            "change": int(w.offence_change) if comparable else None,
            "per_km2": _float_or_none(w.offence_per_km2),
        }
        for w in table.itertuples()
    ]


def _pct(part: int | None, whole: int | None) -> float | None:
    return 100.0 * part / whole if part is not None and whole else None


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
