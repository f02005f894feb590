"""``hotspots fetch``: months of a force from the police.uk API into the store (see
:mod:`hotspots.fetch` and docs/fetch.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from hotspots.fetch import (
    DEFAULT_BASE_URL,
    LAYERS,
    FetchError,
    FetchReport,
    fetch,
    stored_boundaries,
)
from hotspots.fetch.api import PoliceUkApi
from hotspots.fetch.cover import MARGIN_M
from hotspots.periods import parse_month
from hotspots.report import format_ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store

__all__ = ["add_fetch_parser", "run_fetch"]

#: Requests a second by default (the API allows 15, with bursts of 30).
REQUESTS_PER_SECOND = 5.0


def add_fetch_parser(sub: argparse._SubParsersAction, help_text: str) -> argparse.ArgumentParser:
    """Add ``hotspots fetch`` to the command's subparsers; returns its parser."""
    p = sub.add_parser("fetch", help=help_text)
    p.add_argument("--force", required=True, metavar="SLUG", help="police.uk force id")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM")
    p.add_argument(
        "--layers",
        default=",".join(LAYERS),
        metavar="LIST",
        help=f"comma-separated, of {', '.join(LAYERS)} (default both)",
    )
    p.add_argument(
        "--wards",
        action="append",
        type=Path,
        metavar="PATH",
        help="ward boundaries, as for ingest (needed only when the store is new)",
    )
    p.add_argument("--force-area", type=Path, metavar="PATH", help="as for ingest (new store)")
    p.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        metavar="ROOT",
        help=f"the API root, ending in /api (default {DEFAULT_BASE_URL}; or the force's mirror)",
    )
    p.add_argument(
        "--margin-m",
        type=float,
        default=MARGIN_M,
        metavar="M",
        help=f"how far beyond the force area to ask for crimes (default {MARGIN_M:g} m)",
    )
    p.add_argument(
        "--requests-per-second",
        type=float,
        default=REQUESTS_PER_SECOND,
        metavar="N",
        help=f"at most N requests a second (default {REQUESTS_PER_SECOND:g}; the API allows 15)",
    )
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="confirm re-fetched months that keep fewer than half their stored rows (as ingest)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run_fetch(args: argparse.Namespace, store_path: Path) -> int:
    """Carry out ``hotspots fetch``; returns the exit status."""
    for month in (args.first, args.last):
        parse_month(month)
    layers = [x.strip() for x in args.layers.split(",") if x.strip()]
    store = Store(store_path)
    if args.wards or args.force_area:
        if not (args.wards and args.force_area):
            raise FetchError("--wards and --force-area go together (as for ingest)")
        wards, area = read_wards(args.wards), read_force_area(args.force_area)
    elif store.exists() and store.manifest()["boundaries"].get("wards"):
        wards = stored_boundaries(store, "wards")
        area = stored_boundaries(store, "force_area")
    else:
        raise FetchError(
            f"{store.path}: a new store: give --wards PATH and --force-area PATH (as for ingest)"
        )
    ingests = store.manifest().get("ingests") if store.exists() else None
    if ingests and ingests[-1].get("all_crime_types"):
        raise FetchError(
            f"{store.path}: this store keeps every crime type (--all-crime-types); fetch brings "
            "drug crimes only, so its months would not match: ingest the CSV files instead"
        )
    if args.requests_per_second <= 0:
        raise FetchError("--requests-per-second: expected a number above 0")
    api = PoliceUkApi(args.base_url, min_interval_s=1.0 / args.requests_per_second)
    with tqdm(unit="step", disable=not sys.stderr.isatty(), desc="fetch", file=sys.stderr) as bar:

        def step(label: str) -> None:
            bar.set_postfix_str(f"{label}; {api.requests} requests")
            bar.update(1)

        report = fetch(
            api,
            args.force,
            args.first,
            args.last,
            store=store,
            wards=wards,
            force_area=area,
            layers=layers,
            margin_m=args.margin_m,
            on_step=step,
            allow_shrink=args.allow_shrink,
        )
    assert report.ingest is not None
    if args.json:
        out = {**report.as_dict(), "store": str(store.path), "sources": report.ingest.sources}
        print(json.dumps(out, indent=2, default=str))
    else:
        print(_summary(report))
        print(format_ingest(report.ingest))
    return 0 if report.ingest.reconciles() else 1


def _summary(report: FetchReport) -> str:
    lines = [
        f"Fetched {len(report.months)} month(s) in {report.requests} requests ({report.retries} "
        f"retried, {report.splits} polygon splits, {report.posts} sent as POST)"
    ]
    if report.unpublished:
        lines.append(f"Not published yet, not fetched: {', '.join(report.unpublished)}")
    if report.no_searches:
        months = ", ".join(report.no_searches)
        lines.append(f"No stop-and-search published for the force (no data, not 0): {months}")
    for month, counts in report.set_aside.items():
        lines.extend(f"Set aside {month}: {n} {what}" for what, n in counts.items())
    return "\n".join(lines)
