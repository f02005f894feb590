"""``hotspots analyse`` and ``hotspots export``: period options, the hotspot table, exports."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.analysis import Analysis, analyse, store_months
from hotspots.cli.distributed import hotspot_detectors
from hotspots.cli.environment import parameter_cache_dir
from hotspots.cli.evaluate import assess_from_args, format_assessment
from hotspots.errors import HotspotsError
from hotspots.evaluate.auto_parameters import store_choice
from hotspots.figures import RECORDS, layer_months
from hotspots.parameters import (
    EPS_M_MAX,
    EPS_M_MIN,
    MIN_SAMPLES_MAX,
    MIN_SAMPLES_MIN,
    ParameterError,
    parse_eps_m,
    parse_min_samples,
)
from hotspots.periods import Period, PeriodError, describe_months
from hotspots.presentation import (
    figures_json,
    headline_text,
    parameter_choice_text,
    ward_movers,
)
from hotspots.publicsafe import (
    PUBLIC_SAFE_LAYERS,
    SUPPRESS_BELOW,
    quarter_note,
    suppress_small_counts,
    whole_quarter,
)
from hotspots.store import Store
from hotspots.summary import BUFFER_M, NEAR_M
from hotspots.ward_summary import read_population


def add_period_options(p: argparse.ArgumentParser) -> None:
    """``--from/--to``, ``--year``, ``--fy``, ``--last`` and ``--period``: one period."""
    g = p.add_argument_group("period (one of)")
    g.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month")
    g.add_argument(
        "--to", dest="end", metavar="YYYY-MM", help="last month (with --from; or the end of --last)"
    )
    g.add_argument("--year", type=int, metavar="YYYY", help="calendar year")
    g.add_argument(
        "--fy",
        metavar="YYYY",
        help="financial year starting in April YYYY (2025 = FY 2025/26), or '2024/25'",
    )
    g.add_argument(
        "--last",
        type=int,
        metavar="N",
        help="the N months ending at --to (default: the latest stored month)",
    )
    g.add_argument(
        "--period",
        metavar="TEXT",
        help="any form Period.parse accepts, e.g. '2025-01..2025-06', 'FY 2024/25'",
    )
    a = p.add_argument_group("hotspot parameters")
    a.add_argument(
        "--eps-m",
        default="auto",
        metavar="M|auto",
        help=f"DBSCAN radius in metres, {EPS_M_MIN} to {EPS_M_MAX} (default auto)",
    )
    a.add_argument(
        "--min-samples",
        default="auto",
        metavar="N|auto",
        help=f"offences within eps-m that make a core point, {MIN_SAMPLES_MIN} to "
        f"{MIN_SAMPLES_MAX} (default auto)",
    )
    a.add_argument(
        "--buffer-m",
        type=float,
        default=BUFFER_M,
        metavar="M",
        help=f"hotspot polygon buffer (default {BUFFER_M:g} m)",
    )
    a.add_argument(
        "--near-m",
        type=float,
        default=NEAR_M,
        metavar="M",
        help=f"searches/raids within this distance count (default {NEAR_M:g} m)",
    )
    a.add_argument(
        "--population",
        type=Path,
        metavar="PATH",
        help="CSV of ward_code,population for rates per 1,000 residents",
    )


def period_from_args(args: argparse.Namespace, store: Store) -> Period:
    """The one period the options name; errors say which options to use."""
    chosen = [n for n in ("start", "year", "fy", "last", "period") if getattr(args, n) is not None]
    if len(chosen) != 1:
        raise PeriodError(
            "give one period: --from YYYY-MM --to YYYY-MM, --year YYYY, --fy YYYY, --last N "
            f"or --period TEXT (got {', '.join('--' + c for c in chosen) or 'none'})"
        )
    if args.start is not None:
        if args.end is None:
            raise PeriodError("--from needs --to YYYY-MM (the last month of the period)")
        return Period.months(args.start, args.end)
    if args.year is not None:
        return Period.calendar_year(args.year)
    if args.fy is not None:
        if "/" in args.fy:
            return Period.parse(f"FY {args.fy}")
        if not args.fy.isdigit():
            raise PeriodError(f"--fy {args.fy!r}: expected a year such as 2025 or '2025/26'")
        return Period.financial_year(int(args.fy))
    if args.last is not None:
        end = args.end
        if end is None:
            held = store_months(store)
            if not held:
                raise PeriodError(no_offences_message(store))
            end = held[-1]
        return Period.rolling(args.last, end)
    return Period.parse(args.period)


def no_offences_message(store: Store) -> str:
    """Why a store without drug offence records has no period to analyse, naming what it does
    hold: West Midlands' stop-and-search files of Jul-Sep 2019 (3,301 drug searches) alone were
    "the store holds no months yet" / "the store holds no months", as if it held nothing."""
    held = layer_months(store.sources())
    others = [
        f"{RECORDS[layer]} for {describe_months(list(months))}"
        for layer, months in held.items()
        if layer != "offence" and months
    ]
    holds = "; it holds " + " and ".join(others) if others else ""
    return (
        f"{store.path}: the store holds no drug offence records yet, and hotspots, ward "
        f"figures and periods are made from them (ingest police.uk street files){holds}"
    )


def _parameter(value: str, name: str, parse: Callable[[str, str], Any]) -> Any:
    """``--eps-m`` / ``--min-samples`` by the one rule of :mod:`hotspots.parameters`."""
    try:
        return parse(value, f"--{name}")
    except ParameterError as exc:
        raise HotspotsError(str(exc)) from None


def run_analysis(args: argparse.Namespace, store: Store) -> Analysis:
    """Analyse the period and parameters the options name.

    The store's events are read once, every month up to the period's last (the period, its
    comparison, the dynamics' months and the parameter score's back-test all lie there), and
    passed to the analysis and its assessment.
    """
    period = period_from_args(args, store)
    held = store_months(store)
    if not held:
        raise PeriodError(no_offences_message(store))
    period.require_data(held)
    population = read_population(args.population) if args.population else None
    events = store.load(months=[m for m in held if m <= period.end])
    eps_m = _parameter(str(args.eps_m), "eps-m", parse_eps_m)
    min_samples = _parameter(str(args.min_samples), "min-samples", parse_min_samples)
    choice = None
    if eps_m == "auto" and min_samples == "auto":  # the store's own back-test may choose
        choice = store_choice(store, period.end, events=events, cache_dir=parameter_cache_dir())
        eps_m, min_samples = choice.eps_m, choice.min_samples
    with hotspot_detectors(args) as detector_factory:  # tiles on a dask cluster if configured
        analysis = analyse(
            store,
            period,
            eps_m=eps_m,
            min_samples=min_samples,
            buffer_m=args.buffer_m,
            near_m=args.near_m,
            population=population,
            events=events,
            detector_factory=detector_factory,
        )
    if choice is not None:
        parameters = {**analysis.parameters, "parameter_choice": choice.as_dict()}
        analysis = replace(analysis, parameters=parameters)
    # significance, dynamics, parameter score
    return assess_from_args(args, analysis, store, events)


def format_analysis(analysis: Analysis, top: int) -> str:
    """The ranked hotspot table and the ward movers, as text."""
    p = analysis.parameters
    n_off = analysis.totals["offence_count"]
    lines = [
        f"Drug hotspots, {analysis.period.label}"
        + (f" (vs {analysis.compare_to.label})" if analysis.comparison_available else ""),
        f"DBSCAN eps_m={p['eps_m']:g} ({p['eps_m_reason']}); "
        f"min_samples={p['min_samples']} ({p['min_samples_reason']})",
        f"{p['offences_in_hotspots']:,} of {n_off:,} offences in {len(analysis.hotspots)} "
        f"hotspot(s); data version {analysis.data_version}",
    ]
    chosen = parameter_choice_text(p)
    lines += [chosen, ""] if chosen else [""]
    rows = [
        [
            "rank",
            "offences",
            "prev",
            "change",
            "searches",
            "raids",
            "area m2",
            "co-loc",
            "ward (district)",
            "location",
        ]
    ]
    for h in analysis.hotspots.head(top).itertuples():
        rows.append(
            [
                str(h.rank),
                str(h.offences),
                _int_or_dash(h.offences_prev),
                _signed(h.change),
                _int_or_dash(h.searches),
                _int_or_dash(h.raids),
                f"{h.area_m2:,.0f}",
                f"{h.colocation_share:.0%}" + ("!" if h.colocated else ""),
                f"{h.ward_name} ({h.district_name})",
                str(h.top_location),
            ]
        )
    if len(rows) == 1:
        lines.append("No hotspots with these parameters.")
    else:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            lines.append(
                "  ".join(
                    c.rjust(w) if i < 8 else c.ljust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                ).rstrip()
            )
        lines.append(
            "co-loc: share of a hotspot's offences on its busiest point; '!' = most "
            "offences on one point (check it is not a police station)"
        )
    assessed = format_assessment(analysis, top)
    lines += ["", assessed] if assessed else []
    lines += ["", "Force: " + headline_text(analysis)]
    movers = ward_movers(analysis, 5)
    for name in ("rising", "falling"):
        table = movers[name]
        if len(table):
            text = ", ".join(
                f"{r.ward_name} ({r.district_name}) {_signed(r.offence_change)}"
                for r in table.itertuples()
            )
            lines.append(f"Wards {name}: {text}")
    figures = analysis.figures()
    for layer, label in (("search", "Drug stop-and-searches"), ("raid", "Drug raids")):
        fig = figures.get(layer)
        if fig is not None:
            change = f" ({fig.change:+,} on {fig.compare_to})" if fig.change is not None else ""
            lines.append(
                f"{label}: {fig.text()}{change}"
                if fig.is_number
                else f"{label}: no data ({fig.note})"
            )
    for fig in figures.values():
        if fig.unlocated_note:
            lines.append(f"Note: {fig.unlocated_note}")
    c = analysis.coverage
    if "raid" in figures and figures["raid"].is_number:
        enforcement = "raid or search" if figures["search"].is_number else "raid"
        lines.append(
            f"Raids: {len(c.hotspots_with_raids)} of {len(analysis.hotspots)} hotspots had raids "
            f"within {c.near_m:g} m; {len(c.raids_outside_hotspots)} raid(s) outside every "
            f"hotspot; {len(c.hotspots_without_enforcement)} hotspot(s) with no {enforcement}."
        )
    if analysis.events[schema.SYNTHETIC].any():
        lines.append("Note: raid records in this store are SYNTHETIC (demo data).")
    return "\n".join(lines)


def _signed(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{int(value):+d}"


def _int_or_dash(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return str(int(value))


def run_export(args: argparse.Namespace, store: Store) -> Path:
    """Write the export the options name; return its path."""
    # Imported here: `hotspots analyse` must not load the writers (and folium through styles).
    from hotspots.export import ExportError, ExportMetadata, export, export_events

    if args.public_safe and args.what != "wards":
        raise ExportError(
            f"--public-safe exports ward aggregates only; {args.what} hold exact locations "
            "(export wards, or leave --public-safe off for use inside the force)"
        )
    if args.public_safe and not whole_quarter(period := period_from_args(args, store)):
        # the web's rule too (hotspots.publicsafe): overlapping periods' tables give blanks back
        note = quarter_note(PUBLIC_SAFE_LAYERS, period, blank=False)
        raise ExportError(
            f"--public-safe: {note} Two tables of overlapping periods give small counts back "
            "by difference; choose a quarter with --from and --to"
        )
    if args.what == "events":
        # Events need no clustering: stream them straight from the store, file by file.
        period = period_from_args(args, store)
        if not store_months(store):
            raise PeriodError(no_offences_message(store))
        period.require_data(store_months(store))
        meta = ExportMetadata(period=period.label, parameters={"layers": args.layers})
        return export_events(
            store, args.output, args.format, meta, layers=args.layers, months=period
        )
    analysis = run_analysis(args, store)
    extra: dict[str, Any] = {
        "compare_to": analysis.metadata()["compare_to"],
        "figures": figures_json(analysis),
    }
    if args.public_safe:
        extra["public_safe"] = {"suppress_below": args.suppress_below, "raids": "left out"}
        extra["figures"].pop("raid", None)
    meta = ExportMetadata(
        period=analysis.period.label,
        parameters=analysis.parameters,
        data_version=analysis.data_version or "",
        extra=extra,
    )
    frame = {"hotspots": analysis.hotspots, "wards": analysis.wards, "events": analysis.events}[
        args.what
    ]
    if args.public_safe:
        frame = suppress_small_counts(frame, args.suppress_below)
    if args.what == "events" and args.layers:
        frame = frame[frame[schema.LAYER].isin(args.layers)]
    return export(frame, args.output, args.format, meta)


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``hotspots export``."""
    from hotspots.export.formats import FORMATS

    p.add_argument("what", choices=("hotspots", "wards", "events"))
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("-o", "--output", required=True, type=Path, metavar="PATH")
    p.add_argument(
        "--layers",
        nargs="+",
        choices=schema.LAYERS,
        metavar="LAYER",
        help="events only: layers to export (default all)",
    )
    p.add_argument(
        "--public-safe",
        action="store_true",
        help="wards only: for anything leaving the force: counts under --suppress-below blank, "
        "no raid figures",
    )
    p.add_argument(
        "--suppress-below",
        type=int,
        default=SUPPRESS_BELOW,
        metavar="N",
        help=f"with --public-safe: the smallest count shown (default {SUPPRESS_BELOW})",
    )
