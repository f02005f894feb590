"""``hotspots evaluate`` (the back-test) and the significance / dynamics options of ``analyse``
and ``export``."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspots.analysis import Analysis, store_months
from hotspots.assessment import assess, significant_only
from hotspots.dynamics import N_PERIODS
from hotspots.errors import HotspotsError
from hotspots.evaluate.advice import ADVICE_AREA_KM2, advise_parameters
from hotspots.evaluate.backtest import COVERAGES, HOTSPOT_AREA, KS, backtest, drug_offences
from hotspots.evaluate.forecast import CAP_MONTHS, CHANGE_RULE, CHANGE_RULES, TARGET_COVERAGES
from hotspots.evaluate.forecast_features import ALL_FAMILIES, FAMILIES, store_layers
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.methods import (
    ALL_METHODS,
    BANDWIDTH_M,
    METHOD_LABELS,
    METHODS,
    MethodOptions,
)
from hotspots.evaluate.metrics import FORMULAS
from hotspots.evaluate.nested_advice import format_nested, nested_parameters
from hotspots.evaluate.runs import unavailable_reason
from hotspots.parameters import (
    EPS_M_MAX,
    EPS_M_MIN,
    MIN_SAMPLES_MAX,
    MIN_SAMPLES_MIN,
    ParameterError,
    parse_eps_m,
    parse_min_samples,
)
from hotspots.periods import describe_months
from hotspots.significance import ALPHA, N_SIMS
from hotspots.store import Store
from hotspots.summary import BUFFER_M

if TYPE_CHECKING:
    import geopandas as gpd


def _auto_or(parse: Callable[[str, str], Any], name: str) -> Callable[[str], Any]:
    """An argparse type: ``--eps-m`` / ``--min-samples`` by the one rule of
    :mod:`hotspots.parameters` (argparse names the option before the message)."""

    def parsed(value: str) -> Any:
        try:
            return parse(value, name)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(f"{exc.value!r}: expected {exc.expected}") from None

    return parsed


def add_evaluate_parser(sub: Any, help_text: str) -> argparse.ArgumentParser:
    """Add ``hotspots evaluate`` to the subcommands (the caller adds ``--store``)."""
    p: argparse.ArgumentParser = sub.add_parser("evaluate", help=help_text)
    p.add_argument(
        "--methods",
        nargs="+",
        choices=ALL_METHODS,
        default=list(METHODS),
        help="methods to test (default: the baselines; add 'forecast')",
    )
    p.add_argument(
        "--k",
        nargs="+",
        type=int,
        default=list(KS),
        metavar="MONTHS",
        help="fit lengths in months (default 1 3 6 12)",
    )
    p.add_argument(
        "--coverages",
        nargs="+",
        type=float,
        default=[100 * c for c in COVERAGES],
        metavar="PCT",
        help="coverages, %% of the area (default 1 2 5)",
    )
    p.add_argument(
        "--cell-m",
        type=float,
        default=CELL_M,
        metavar="M",
        help=f"grid cell side (default {CELL_M:g} m)",
    )
    p.add_argument(
        "--bandwidth-m",
        type=float,
        default=BANDWIDTH_M,
        metavar="M",
        help=f"KDE bandwidth, Gaussian sd (default {BANDWIDTH_M:g} m)",
    )
    p.add_argument(
        "--eps-m",
        type=_auto_or(parse_eps_m, "--eps-m"),
        default="auto",
        metavar="M|auto",
        help=f"DBSCAN radius in metres, {EPS_M_MIN} to {EPS_M_MAX} (default auto)",
    )
    p.add_argument(
        "--min-samples",
        type=_auto_or(parse_min_samples, "--min-samples"),
        default="auto",
        metavar="N|auto",
        help=f"core point weight, {MIN_SAMPLES_MIN} to {MIN_SAMPLES_MAX} (default auto)",
    )
    p.add_argument("--buffer-m", type=float, default=BUFFER_M, metavar="M")
    p.add_argument(
        "--advise",
        action="store_true",
        help="also search eps_m x min_samples by back-test PAI (parameter advice)",
    )
    p.add_argument(
        "--advice-area-km2",
        type=float,
        default=ADVICE_AREA_KM2,
        metavar="KM2",
        help=f"patrol area the advice scores PAI at (default {ADVICE_AREA_KM2:g})",
    )
    p.add_argument(
        "--advise-nested",
        action="store_true",
        help="choose eps_m x min_samples per test month on the earlier months only and compare "
        "its out-of-sample PAI with the automatic rule's",
    )
    p.add_argument(
        "--common-months",
        action="store_true",
        help="restrict every method and k to the test months they all share",
    )
    p.add_argument(
        "--forecast-cap-months",
        type=int,
        default=CAP_MONTHS,
        metavar="MONTHS",
        help=f"most months of history the forecast uses (default {CAP_MONTHS})",
    )
    p.add_argument(
        "--forecast-coverages",
        nargs="+",
        type=float,
        metavar="PCT",
        default=[100 * c for c in TARGET_COVERAGES],
        help="coverages (%% of the area) the forecast's nested choice is scored at "
        "(default 0.05 1)",
    )
    p.add_argument(
        "--forecast-features",
        nargs="+",
        choices=[*ALL_FAMILIES, "none"],
        default=list(FAMILIES),
        metavar="FAMILY",
        help="the forecast's candidate families from the store's other layers "
        f"({', '.join(ALL_FAMILIES)}, or none; default: {' '.join(FAMILIES) or 'none'}; "
        "docs/forecast.md)",
    )
    p.add_argument(
        "--forecast-change-rule",
        choices=CHANGE_RULES,
        default=CHANGE_RULE,
        help="what a change in the force's monthly total does to the forecast's choice "
        f"(default {CHANGE_RULE}; an option, not favoured by the earlier months: docs/forecast.md)",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write the full result as JSON")
    p.add_argument("--chart", type=Path, metavar="PATH", help="write the PAI curves as a PNG")
    return p


def run_evaluate(args: argparse.Namespace, store: Store) -> int:
    """Run the back-test the options name; print the table; write JSON / PNG."""
    for c in args.coverages:
        if not 0 < c <= 100:
            raise HotspotsError(f"--coverages {c}: expected a percentage in (0, 100]")
    if any(k < 1 for k in args.k):
        raise HotspotsError(f"--k {args.k}: expected whole numbers of months >= 1")
    for c in args.forecast_coverages:
        if not 0 < c <= 100:
            raise HotspotsError(f"--forecast-coverages {c}: expected a percentage in (0, 100]")
    if args.forecast_cap_months < 1:
        raise HotspotsError(f"--forecast-cap-months {args.forecast_cap_months}: expected >= 1")
    grid = Grid.over(store.load_boundary("force_area"), args.cell_m)
    xy, months = drug_offences(store)
    options = MethodOptions(
        eps_m=args.eps_m,
        min_samples=args.min_samples,
        buffer_m=args.buffer_m,
        bandwidth_m=args.bandwidth_m,
        forecast_cap_months=args.forecast_cap_months,
        forecast_coverages=tuple(c / 100 for c in args.forecast_coverages),
        forecast_features=tuple(f for f in args.forecast_features if f != "none"),
        forecast_change_rule=args.forecast_change_rule,
    )
    features = None
    if "forecast" in args.methods:
        features = store_layers(store, grid, options.forecast_features)
    result = backtest(
        xy,
        months,
        grid,
        methods=args.methods,
        ks=args.k,
        coverages=[c / 100 for c in args.coverages],
        options=options,
        common_months=args.common_months,
        features=features,
        held_months=store_months(store),
    )
    advice = None
    if args.advise:
        advice = advise_parameters(xy, months, grid, area_km2=args.advice_area_km2)
    nested = None
    if args.advise_nested:
        nested = nested_parameters(
            xy, months, grid, area_km2=args.advice_area_km2, held_months=store_months(store)
        )
    print(
        format_backtest(
            result.summary(), result.grid, result.settings, asked=options.forecast_features
        )
    )
    if advice is not None:
        print()
        print(format_advice(advice.table, advice.settings))
        print("(in-sample: chosen and scored on the same months)")
    if nested is not None:
        print()
        print(format_nested(nested))
    if args.json:
        data = result.to_dict()
        data["advice"] = advice.to_dict() if advice else None
        data["advice_nested"] = nested.to_dict() if nested else None
        args.json.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
        print(f"wrote {args.json}")
    if args.chart:
        from hotspots.evaluate.chart import backtest_chart  # matplotlib: only for a chart

        print(f"wrote {backtest_chart(result, args.chart)}")
    return 0


def _families_used(used: Sequence[str], asked: Sequence[str]) -> str:
    """The families the forecast used, or why none: off by default, or no data for them."""
    if used:
        return ", ".join(used)
    if not asked:
        return "none (off by default; --forecast-features adds them, docs/forecast.md)"
    return (
        f"none of {', '.join(asked)} could be used (the store holds drug offences only, "
        "or no drug stop-and-searches)"
    )


def _num(value: Any, fmt: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def format_backtest(
    summary: Any,
    grid: dict[str, Any],
    settings: dict[str, Any],
    *,
    asked: Sequence[str] = FAMILIES,
) -> str:
    """The back-test table: median [min-max] over test months per method, k and coverage.

    ``asked``: the forecast's candidate families asked for (``--forecast-features``), to say
    whether none was used because none was asked (off by default) or because the store holds
    no data for them."""
    lines = [
        "Does the map predict? Rolling-origin back-test of drug offences "
        f"({describe_months(settings['months']) or 'no months'})",
        f"grid: {grid['cell_m']:g} m cells, origin ({grid['origin_x_m']:.0f}, "
        f"{grid['origin_y_m']:.0f}) EPSG:27700 ({grid['origin_rule']}); "
        f"A = {grid['study_area_km2']:,.1f} km² in {grid['study_cells']:,} cells",
        f"kde bandwidth {settings['bandwidth_m']:g} m; dbscan eps_m={settings['eps_m']}, "
        f"min_samples={settings['min_samples']}, buffer {settings['buffer_m']:g} m",
        "",
    ]
    if summary is None or len(summary) == 0:
        reason = unavailable_reason(settings["months"], min(settings["ks"])) or (
            "no drug offences in the force area to test"
        )
        return "\n".join([*lines, f"Back-test not available: {reason}."])
    header = ["method", "k", "coverage", "months", "hit rate", "PAI", "PEI", "RRI"]
    rows = [header]
    for r in summary.itertuples(index=False):
        cov = str(r.coverage_label)
        if cov == HOTSPOT_AREA:
            cov = f"hotspots ({100 * r.coverage:.3f}%)"
        rows.append(
            [
                str(r.method),
                str(r.k),
                cov,
                str(r.months),
                *(
                    f"{_num(getattr(r, f'{m}_median'), f)} "
                    f"[{_num(getattr(r, f'{m}_min'), f)}-{_num(getattr(r, f'{m}_max'), f)}]"
                    for m, f in (
                        ("hit_rate", ".2f"),
                        ("pai", ".1f"),
                        ("pei", ".2f"),
                        ("rri", ".2f"),
                    )
                ),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if settings.get("common_months"):
        tested = settings.get("test_months") or []
        lines.append(
            f"--common-months: every method and k on the same {len(tested)} test month(s)"
            + (f" ({tested[0]}..{tested[-1]})" if tested else "")
        )
    untested = [k for k in settings["ks"] if k not in set(summary["k"])]
    if untested:
        lines.append(
            f"k = {', '.join(map(str, untested))}: no stored month has that many "
            "consecutive months before it"
        )
    lines += [
        "",
        "median [min-max] over test months. " + FORMULAS["notation"] + ".",
        *(
            f"  {name}: {FORMULAS[key]}"
            for name, key in (
                ("hit rate", "hit_rate"),
                ("PAI", "pai"),
                ("PEI", "pei"),
                ("RRI", "rri"),
            )
        ),
        "methods: " + "; ".join(f"{m} = {METHOD_LABELS[m]}" for m in settings["methods"]),
    ]
    if "forecast" in settings["methods"]:
        lines.append(
            f"forecast: history up to {settings['forecast_cap_months']} months before each test "
            "month; per-month choices in the JSON rows' info (docs/forecast.md)"
        )
        lines.append(
            "forecast candidates from the store's other layers: "
            + _families_used(settings.get("forecast_features") or [], asked)
        )
    return "\n".join(lines)


def format_advice(table: Any, settings: dict[str, Any], top: int = 10) -> str:
    """The parameter search, best first."""
    lines = [
        f"Parameter advice: median back-test PAI of DBSCAN at {settings['area_km2']:g} km² "
        f"({100 * settings['coverage']:.3f}% of the area), fit {settings['k']} months",
        "eps_m  min_samples  months  PAI median [min-max]",
    ]
    for r in table.head(top).itertuples(index=False):
        lines.append(
            f"{r.eps_m!s:>5}  {r.min_samples!s:>11}  {r.months:>6}  "
            f"{_num(r.pai_median)} [{_num(r.pai_min)}-{_num(r.pai_max)}]"
        )
    return "\n".join(lines)


# -- analyse / export: significance, dynamics, parameter score -------------------------------------


def add_assessment_options(p: argparse.ArgumentParser) -> None:
    """Significance, dynamics and parameter-score options of ``analyse`` and ``export``."""
    g = p.add_argument_group("significance and dynamics")
    g.add_argument(
        "--sims",
        type=int,
        default=N_SIMS,
        metavar="N",
        help=f"Monte Carlo simulations per test (default {N_SIMS}; 0 = no test)",
    )
    g.add_argument("--seed", type=int, default=0, help="random seed of the test (default 0)")
    g.add_argument(
        "--alpha",
        type=float,
        default=ALPHA,
        help=f"false discovery rate for 'significant' (default {ALPHA:g})",
    )
    g.add_argument(
        "--significant-only", action="store_true", help="keep only hotspots significant at --alpha"
    )
    g.add_argument(
        "--dynamics-periods",
        type=int,
        default=N_PERIODS,
        metavar="N",
        help=f"months in the dynamics run (default {N_PERIODS}; 0 = none)",
    )
    g.add_argument(
        "--no-score", action="store_true", help="skip the back-test score of the parameters used"
    )


def assess_from_args(
    args: argparse.Namespace,
    analysis: Analysis,
    store: Store,
    events: gpd.GeoDataFrame | None = None,
) -> Analysis:
    """:func:`hotspots.assessment.assess` with the options (no-op without them); ``events``:
    the store's events of every month up to the analysis' last, already read."""
    if not hasattr(args, "sims"):
        return analysis
    if args.sims < 0 or args.dynamics_periods < 0:
        raise HotspotsError("--sims and --dynamics-periods must be >= 0")
    if not 0 < args.alpha < 1:
        raise HotspotsError(f"--alpha {args.alpha}: expected 0 < alpha < 1")
    out = assess(
        analysis,
        store,
        n_sims=args.sims,
        seed=args.seed,
        alpha=args.alpha,
        dynamics_periods=args.dynamics_periods,
        score=not args.no_score,
        events=events,
    )
    if args.significant_only:
        out = replace(out, hotspots=significant_only(out.hotspots))
        out.parameters["significant_only"] = True
    return out


def format_assessment(analysis: Analysis, top: int) -> str:
    """Text lines: parameter score, significance and dynamics per hotspot."""
    p = analysis.parameters
    lines: list[str] = []
    score = p.get("parameter_score")
    if score and score.get("pai_median") is None and score.get("reason"):
        lines.append(f"Parameters' back-test score: not available ({score['reason']})")
    elif score:
        chosen = (p.get("parameter_choice") or {}).get("rule") == "back-test"
        lines.append(
            "Parameters' back-test score"
            + (" (in-sample: the pair was chosen on these months)" if chosen else "")
            + f": median PAI {_num(score['pai_median'])} "
            f"[{_num(score['pai_min'])}-{_num(score['pai_max'])}] over {score['months']} "
            f"month(s) at {score['area_km2']:g} km² (fit {score['k']} months; KDE "
            f"{_num(score.get('kde_pai_median'))}, previous grid "
            f"{_num(score.get('grid_pai_median'))}); `hotspots evaluate --advise` searches others"
        )
    sig = p.get("significance")
    if sig:
        if sig.get("available"):
            lines.append(
                f"Significance: {sig['n_sims']} simulations, seed {sig['seed']}, "
                f"{sig['seconds']:.1f} s; drug offences relabelled at random among all "
                f"{sig['all_offences']:,} offences of the same months; q = BH false discovery rate"
            )
        else:
            lines.append(f"Significance: not available ({sig.get('reason')})")
    if p.get("significant_only"):
        lines.append("Showing significant hotspots only.")
    hot = analysis.hotspots.head(top)
    if len(hot) and ("dynamics_class" in hot or "p_value" in hot):  # no header over no rows
        lines.append("rank  p      q      significant  dynamics (months, oldest first)")
        for r in hot.itertuples():
            sig_text = (
                "-"
                if r.significant is None or str(r.significant) == "<NA>"
                else ("yes" if bool(r.significant) else "no")
            )
            dyn = getattr(r, "dynamics_class", "-")
            flags = getattr(r, "dynamics_hot", "")
            lines.append(
                f"{r.rank:>4}  {_num(r.p_value, '.3f'):<5}  {_num(r.q_value, '.3f'):<5}  "
                f"{sig_text:<11}  {dyn} {flags}".rstrip()
            )
    return "\n".join(lines)
