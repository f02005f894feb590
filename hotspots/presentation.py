"""The analysis in words and JSON: the contract of ``/map.json``, ``hotspots analyse --json``,
the briefing's headline and ward movers, and the two-period comparison's ward changes.

One place for these so that the command line, the web app and the briefing say the same thing
(the figure rule, :mod:`hotspots.figures`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots import schema
from hotspots.dates import month_words
from hotspots.numbers import whole_number
from hotspots.ward_summary import headline

if TYPE_CHECKING:
    from hotspots.analysis import Analysis


def analysis_json(analysis: Analysis, top: int) -> dict[str, Any]:
    """What ``hotspots analyse --json`` prints (and ``/map.json``, for the visitor's role).

    ``figures`` gives each shown layer's total by the figure rule (:mod:`hotspots.figures`);
    in ``totals`` a layer's count, change and rates are null where its figure is not a number
    (never 0 for a layer not held), and a layer the role may not see is left out, with its
    coverage lists.
    """
    hotspots = analysis.hotspots.drop(columns="geometry").head(top)
    coverage = analysis.coverage.as_dict()
    if "raid" not in analysis.layers:
        coverage = {k: v for k, v in coverage.items() if "raid" not in k}
    return {
        "metadata": analysis.metadata(),
        "figures": figures_json(analysis),
        "totals": shown_totals(analysis),
        "headline": headline_text(analysis),
        "parameter_choice_text": parameter_choice_text(analysis.parameters),
        "hotspots": _records(hotspots),
        "ward_movers": {k: _records(v) for k, v in ward_movers(analysis, 5).items()},
        "coverage": coverage,
    }


def figures_json(analysis: Analysis) -> dict[str, dict[str, Any]]:
    """Each shown layer's figure (:meth:`hotspots.figures.Figure.as_dict`: its value or why
    there is none, the months held, the change or why there is none), as ``/map.json``,
    ``hotspots analyse --json`` and every export's metadata record it."""
    return {layer: f.as_dict() for layer, f in analysis.figures().items()}


def parameter_choice_text(parameters: dict[str, Any]) -> str | None:
    """Which rule chose the DBSCAN parameters and its out-of-sample score, in words (the CLI's
    text, ``--json``'s ``parameter_choice_text``, the map page); None when the parameters were
    given rather than ``auto`` (``parameters["parameter_choice"]`` from
    :func:`hotspots.evaluate.auto_parameters.choose_parameters`)."""
    choice = parameters.get("parameter_choice")
    if not choice:
        return None
    eps, ms = parameters["eps_m"], parameters["min_samples"]
    s = choice["nested"]
    if choice["rule"] == "back-test":
        nxt = s["next_choice"]
        by = {True: "automatic rule", False: "back-test"}
        head = (
            f"Parameters chosen by the store's own back-test: eps_m {eps:g} m "
            f"({by[choice['eps_m'] == 'auto']}), min_samples {ms} "
            f"({by[choice['min_samples'] == 'auto']}), the pair with the best median PAI "
            f"({nxt['inner_pai_median']:.1f}) over the {nxt['inner_months']} test months to "
            f"{month_words(nxt['last_test_month'])}, instead of the automatic rule."
        )
    else:
        head = (
            f"Parameters chosen by the automatic rule: eps_m by the k-distance knee → {eps:g} m, "
            f"min_samples by offences a month (at most 1% of offences) → {ms}."
        )
    if choice["favoured"] == "not tested":
        return f"{head} Out of sample: not tested ({choice['reason']})."
    n = s["months"]
    up_to = month_words(choice["up_to"])
    score = (
        f"Out of sample (nested back-test on the months to {up_to}, fit {s['k']} "
        f"months, PAI at {s['area_km2']:g} km²): the automatic rule median PAI "
        f"{_range(s, 'auto_pai')} over {n} test month{'s' * (n != 1)}; the pair chosen each "
        f"month on the earlier months {_range(s, 'pai')}."
    )
    verdict = {
        "nested": "The back-test favours the pair chosen on earlier months.",
        "auto": "The back-test did not favour another pair: the automatic rule stays.",
    }.get(
        choice["favoured"],
        f"The back-test is {choice['favoured']}: the automatic rule stays.",
    )
    return f"{head} {score} {verdict}"


def _range(summary: dict[str, Any], name: str) -> str:
    """``median [min-max]`` of ``name`` in a nested summary (the value alone for one month)."""
    values = [summary.get(f"{name}_{part}") for part in ("median", "min", "max")]
    mid, low, high = ("-" if v is None else f"{v:.1f}" for v in values)
    return mid if summary["months"] == 1 else f"{mid} [{low}-{high}]"


def shown_totals(analysis: Analysis) -> dict[str, Any]:
    """``analysis.totals`` by the figure rule: a layer's ``*_count``/``*_per_*`` and its
    ``search_*``/``raid_*`` sums are None when its figure is not a number, its ``*_prev`` and
    ``*_change*`` None when there is no change; ``months_without_events`` lists shown layers
    only."""
    figures = analysis.figures()
    out: dict[str, Any] = {}
    for name, value in analysis.totals.items():
        layer = name.split("_", 1)[0]
        fig = figures.get(layer)
        if layer in schema.LAYERS and fig is None:
            continue  # a layer the role may not see
        if fig is not None:
            if name.endswith(("_prev", "_change", "_change_pct")):
                value = value if fig.change is not None else None
            elif not fig.is_number:
                value = None
        if name == "months_without_events":
            value = {k: v for k, v in (value or {}).items() if k in figures}
        out[name] = value
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON objects, whole numbers as integers (a count blank somewhere in
    its column is a float in pandas: :func:`hotspots.numbers.whole_number`)."""
    out = json.loads(frame.to_json(orient="records", force_ascii=False))
    return [
        {k: whole_number(v) if isinstance(v, float) else v for k, v in row.items()} for row in out
    ]


def ward_movers(analysis: Analysis, n: int) -> dict[str, pd.DataFrame]:
    """The ``n`` wards with the largest rise and fall in offences (empty without comparison),
    their counts and change as whole numbers (``int64``) for every role."""
    columns = [
        "ward_code",
        "ward_name",
        "district_name",
        "offence_count",
        "offence_prev",
        "offence_change",
        "offence_change_pct",
    ]
    if not analysis.comparison_available:
        empty = analysis.wards[columns].iloc[0:0]
        return {"rising": empty, "falling": empty}
    table = pd.DataFrame(analysis.wards[columns])
    # counts are whole numbers even where a role's table holds blanks (floats): a blank count
    # has a blank change, so no mover has one
    table = table[table["offence_change"].notna()]
    counts = ["offence_count", "offence_prev", "offence_change"]
    table[counts] = table[counts].astype("int64")
    rising = table[table["offence_change"] > 0].sort_values(
        ["offence_change", "ward_code"], ascending=[False, True]
    )
    falling = table[table["offence_change"] < 0].sort_values(
        ["offence_change", "ward_code"], ascending=[True, True]
    )
    return {"rising": rising.head(n), "falling": falling.head(n)}


def every_ward(analysis: Analysis) -> list[dict[str, Any]]:
    """Every ward of the analysis (the role's: an officer's area, the public's blanks kept as
    None) A to Z by ward then district: the figures the map shades (count, previous count,
    change, per km²) and the ward's ``code`` and its change in words (``text``, by
    :func:`ward_line`), for the map page's table of every ward and its ward finder."""
    wards = analysis.wards.sort_values(["ward_name", "district_name", "ward_code"])
    now = analysis.period.label
    then = analysis.compare_to.label if analysis.comparison_available else None
    rows = []
    for w in wards.itertuples():
        count = _count(w.offence_count)
        prev = _count(w.offence_prev) if then else None
        rows.append(
            {
                "code": w.ward_code,
                "ward_name": w.ward_name,
                "district_name": w.district_name,
                "count": count,
                "prev": prev,
                "change": _count(w.offence_change) if then else None,
                "per_km2": None if pd.isna(w.offence_per_km2) else float(w.offence_per_km2),
                "text": ward_line(count, prev, now, then),
            }
        )
    return rows


def ward_line(count: int | None, prev: int | None, now: str, then: str | None) -> str | None:
    """A ward's drug offences in words, from the figures its table row shows: the change
    against ``then`` by :func:`hotspots.ward_summary.headline` (the force headline's and the
    briefing's district lines' words: "213% more drug offences in Oct–Dec 2025 than in
    Jul–Sep 2025 (47 vs 15)"); the count alone when there is no comparison period
    (``then`` None) or its count is blank ("the count for Jul–Sep 2025 is not shown"); None
    when the ward's count is blank (the public's small counts: the page says why)."""
    if count is None:
        return None
    if then is None:
        return f"{count:,} drug offence{'' if count == 1 else 's'} in {now}"
    if prev is None:
        return (
            f"{count:,} drug offence{'' if count == 1 else 's'} in {now}; "
            f"the count for {then} is not shown"
        )
    row = {"offence_count": count, "offence_prev": prev, "period": now, "compare_to": then}
    return headline(row, "offence")


def headline_text(analysis: Analysis) -> str:
    """The change in drug offences in words (or why there is none), by the figure rule: the
    area's when the analysis is an officer's area, the force's otherwise."""
    fig = analysis.figures()["offence"]
    if not fig.is_number:
        return f"No data on drug offences for {analysis.period.label}: {fig.note}"
    if fig.value == 0 and fig.unlocated_note:  # "0 located" (Figure.text), and why
        located = ("located drug offence", "located drug offences")
        said = (
            f"{fig.text()} drug offences in {analysis.period.label}; {fig.change_note}"
            if fig.change is None
            else headline(analysis.totals, "offence", noun=located)
        )  # with the comparison, as any other figure: "no located drug offences in ... or ..."
        return f"{said}: {fig.unlocated_note}"
    if fig.change is None:  # the reason names what is held of the comparison period
        return f"{fig.text()} drug offences in {analysis.period.label}; {fig.change_note}"
    return headline(analysis.totals, "offence")


def ward_changes(a: Analysis, b: Analysis) -> list[dict[str, Any]]:
    """Per ward: offences in period ``a`` and in ``b``, and the change, biggest moves first
    (the web app's two-period comparison).

    When ``b`` is ``a``'s own comparison period, ``then`` and ``change`` are ``a``'s ward
    table's ``offence_prev`` and ``offence_change``: the figures its JSON, CSV, GeoPackage and
    OGC items give (for the public, blank where the period's count is blank,
    :func:`hotspots.publicsafe.suppress_small_counts`), so the page agrees with every export.
    Otherwise ``then`` is ``b``'s own count. A count the role or the figure rule leaves blank
    is None, and so is a change from it (listed last), never a 0."""
    left = a.wards.set_index("ward_code")
    right = b.wards.set_index("ward_code")
    own = (
        b.period.months == a.compare_to.months
        and a.comparison_available
        and "offence_prev" in left.columns
    )
    rows = []
    for code in left.index:
        now = _count(left.at[code, "offence_count"])
        then = _count(left.at[code, "offence_prev"] if own else right.at[code, "offence_count"])
        rows.append(
            {
                "ward_name": left.at[code, "ward_name"],
                "district_name": left.at[code, "district_name"],
                "now": now,
                "then": then,
                "change": None if now is None or then is None else now - then,
            }
        )
    rows.sort(key=lambda r: (r["change"] is None, -abs(r["change"] or 0), r["ward_name"]))
    return rows


def _count(value: Any) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN
