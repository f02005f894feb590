"""``--scheduler`` / ``--distributed`` for ``hotspots ingest``, ``analyse`` and ``export``.

The distributed path is used when configured, in this order: ``--scheduler ADDRESS``, then
``--distributed`` (a LocalCluster of 2 workers here), then the environment variable
``HOTSPOTS_DASK_SCHEDULER`` (empty: off; ``local``: a LocalCluster; else a scheduler address such
as ``tcp://scheduler:8786``). The commands, their output and the store are the same either way;
progress goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspots.cli.environment import setting
from hotspots.settings import BY_NAME

if TYPE_CHECKING:  # imported when used: `hotspots --help` must not load them
    from concurrent.futures import Future

    from tqdm import tqdm

    from hotspots.cluster import DetectorCore
    from hotspots.ingest import IngestReport
    from hotspots.sources.boundaries import Boundaries

#: Environment variable naming the dask scheduler (``local`` for a LocalCluster).
SCHEDULER_ENV = BY_NAME["DASK_SCHEDULER"].env


def add_scheduler_options(p: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS`` and ``--distributed`` (one of them)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run on the dask cluster at ADDRESS (tcp://host:8786), or 'local' for a "
        f"LocalCluster here (default: ${SCHEDULER_ENV}; unset or empty: this process)",
    )
    g.add_argument(
        "--distributed",
        action="store_true",
        help="run on a dask LocalCluster of 2 workers on this machine (= --scheduler local)",
    )


def scheduler_address(args: argparse.Namespace) -> str | None:
    """The scheduler the options (or the environment) name, or ``None`` for this process."""
    if getattr(args, "scheduler", None):
        return str(args.scheduler)
    if getattr(args, "distributed", False):
        return "local"
    return str(setting("DASK_SCHEDULER") or "").strip() or None


def _bar(desc: str, unit: str) -> tqdm:
    from tqdm import tqdm

    return tqdm(unit=unit, disable=not sys.stderr.isatty(), desc=desc, file=sys.stderr)


def run_ingest(
    scheduler: str | None,
    files: Sequence[Path],
    *,
    wards: Boundaries | Future[Boundaries],
    force_area: Boundaries | Future[Boundaries],
    on_file: Callable[[Path], None],
    **options: Any,
) -> IngestReport:
    """:func:`hotspots.ingest.ingest`, on the dask cluster ``scheduler`` names when given
    (boundaries still being read are waited for first then)."""
    from concurrent.futures import Future

    if not scheduler:
        from hotspots.ingest import ingest

        return ingest(files, wards=wards, force_area=force_area, on_file=on_file, **options)
    wards = wards.result() if isinstance(wards, Future) else wards
    force_area = force_area.result() if isinstance(force_area, Future) else force_area
    from hotspots.distributed.client import connected
    from hotspots.distributed.ingest import ingest_distributed

    with connected(scheduler) as client:
        return ingest_distributed(
            files, wards=wards, force_area=force_area, client=client, on_file=on_file, **options
        )


@contextlib.contextmanager
def hotspot_detectors(args: argparse.Namespace) -> Iterator[Callable[..., DetectorCore]]:
    """``with hotspot_detectors(args) as make``: the detector factory for
    :func:`hotspots.analysis.analyse` (tiles on the dask cluster when one is configured)."""
    scheduler = scheduler_address(args)
    if not scheduler:
        from hotspots.cluster import DetectorCore

        yield DetectorCore
        return
    from hotspots.distributed.client import connected
    from hotspots.distributed.detector import TiledHotspotDetector

    with connected(scheduler) as client, _bar("hotspot tiles", "tile") as bar:

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield functools.partial(TiledHotspotDetector, client=client, on_tile=tick)
