"""What the briefing says: headline figures of a period as plain numbers, lists and sentences.

:func:`briefing_figures` gathers force-wide counts and changes, stop-and-search outcome rates,
raids, arrests and seizures, the wards that rose and fell most, the top hotspots, the monthly
trend, the headline cards and plain-language caveats, all JSON-ready. Aggregates only: no
offence, search or raid point is listed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.briefing.monthly import monthly_rows
from hotspots.cli_analysis import headline_text, ward_movers

__all__ = ["ARREST", "NO_FURTHER_ACTION", "briefing_figures"]

#: The stop-and-search outcome that means nothing was done.
NO_FURTHER_ACTION = "A no further action disposal"
ARREST = "Arrest"


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
        The period's analysis (:func:`hotspots.analysis.analyse`).
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
        ``period``, ``compare_to`` (None without comparison data), ``headline``, ``offences``,
        ``searches`` (``count``, ``with_outcome``, ``action``, ``action_rate``, ``arrests``,
        ``arrest_rate``, rates in percent or None, ``has_data``), ``raids`` (``count``,
        ``prev``, ``arrests``, ``seizure_gbp``, ``synthetic``), ``cards`` (label, value,
        detail strings), ``rising``, ``falling``, ``hotspots``, ``wards``, ``monthly``,
        ``caveats``, ``data_version``.
    """
    totals, period = analysis.totals, analysis.period
    comparable = analysis.comparison_available
    then = analysis.compare_to.label if comparable else None
    events = analysis.events
    layer = events[schema.LAYER]

    offences = {
        "count": int(totals["offence_count"]),
        "prev": _int_or_none(totals.get("offence_prev")),
        "change": _int_or_none(totals.get("offence_change")),
        "change_pct": _float_or_none(totals.get("offence_change_pct")),
    }

    searches = events[
        (layer == "search") & (events[schema.CATEGORY] == schema.CONTROLLED_DRUGS_OBJECT)
    ]
    outcome = searches[schema.OUTCOME].fillna("").astype(str).str.strip()
    recorded = outcome[outcome != ""]
    no_search_months = set((totals.get("months_without_events") or {}).get("search", []))
    search: dict[str, Any] = {
        "count": len(searches),
        "with_outcome": len(recorded),
        "action": int((recorded != NO_FURTHER_ACTION).sum()),
        "arrests": int((recorded == ARREST).sum()),
        "has_data": not set(period.months) <= no_search_months,
    }
    search["action_rate"] = _pct(search["action"], search["with_outcome"])
    search["arrest_rate"] = _pct(search["arrests"], search["with_outcome"])

    raid_rows = events[layer == "raid"]
    raid = {
        "count": len(raid_rows),
        "prev": _int_or_none(totals.get("raid_prev")),
        "arrests": _column_sum(raid_rows, "arrests"),
        "seizure_gbp": float(_column_sum(raid_rows, "seizure_gbp", cast=float)),
        "synthetic": bool(raid_rows[schema.SYNTHETIC].fillna(False).astype(bool).any()),
    }

    movers = ward_movers(analysis, top)
    trend_rows = monthly_rows(monthly, analysis)
    figures: dict[str, Any] = {
        "period": period.label,
        "period_slug": period.slug,
        "compare_to": then,
        "headline": headline_text(analysis),
        "offences": offences,
        "searches": search,
        "raids": raid,
        "rising": [_mover(w) for w in movers["rising"].itertuples()],
        "falling": [_mover(w) for w in movers["falling"].itertuples()],
        "hotspots": [_hotspot(h, comparable) for h in analysis.hotspots.head(top).itertuples()],
        "n_hotspots": len(analysis.hotspots),
        "wards": _ward_rows(analysis.wards, comparable),
        "monthly": trend_rows,
        "data_version": analysis.data_version,
    }
    figures["cards"] = _cards(figures, period.label)
    figures["caveats"] = _caveats(figures, analysis, wards_vintage)
    return figures


def _cards(f: dict[str, Any], now: str) -> list[dict[str, str]]:
    off, srch, raid, then = f["offences"], f["searches"], f["raids"], f["compare_to"]
    if then is None:
        off_detail = "no data for the comparison period"
    elif off["change_pct"] is None:
        off_detail = f"{off['change']:+,} on {then} ({off['prev']:,})"
    else:
        off_detail = f"{off['change_pct']:+.0f}% on {then} ({off['prev']:,})"
    if not srch["has_data"]:
        search_value, search_detail = "No data", f"no stop-and-search records held for {now}"
    elif srch["with_outcome"] == 0:
        search_value, search_detail = f"{srch['count']:,}", "no outcomes recorded"
    else:
        search_value = f"{srch['count']:,}"
        search_detail = (
            f"{srch['action_rate']:.0f}% led to action (not 'no further action'); "
            f"{srch['arrest_rate']:.0f}% arrest"
        )
    tag = "SYNTHETIC" if raid["synthetic"] else ""
    raid_detail = (
        f"{raid['count'] - raid['prev']:+,} on {then} ({raid['prev']:,})"
        if then is not None and raid["prev"] is not None
        else "warrants executed"
    )
    return [
        {
            "label": "Drug offences recorded",
            "value": f"{off['count']:,}",
            "detail": off_detail,
            "tag": "",
        },
        {
            "label": "Drug stop-and-searches",
            "value": search_value,
            "detail": search_detail,
            "tag": "",
        },
        {"label": "Drug raids", "value": f"{raid['count']:,}", "detail": raid_detail, "tag": tag},
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
    if f["raids"]["synthetic"]:
        out.append(
            "Raid, arrest and seizure figures are SYNTHETIC: made up for the demonstration, "
            "not police data."
        )
    if not f["searches"]["has_data"]:
        out.append(f"No stop-and-search records are held for {f['period']}.")
    if f["compare_to"] is None:
        out.append(f"No data is held for the comparison period {analysis.compare_to.label}.")
    return out


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


def _column_sum(frame: pd.DataFrame, column: str, cast: type = int) -> Any:
    if column not in frame.columns or frame.empty:
        return cast(0)
    return cast(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
