"""What ``auto`` means for an analysis' DBSCAN parameters: the automatic rule, or the pair the
store's own nested back-test favours (issue 15, deliverable 4).

:func:`choose_parameters` runs the nested back-test
(:func:`~hotspots.evaluate.nested_advice.nested_parameters`: each test month's pair chosen on the
earlier test months, scored on the month) on the drug offences **up to the analysis' last month
only** (a later month never changes the choice), and decides:

- the back-test **favours the nested choice** (at least 3 out-of-sample months and a higher
  median PAI than the automatic rule on the same months, the rule of ``--advise-nested``):
  ``auto`` uses the pair that choice makes for the month after the period, i.e. the pair with
  the best median back-test PAI over every test month up to the period's end;
- otherwise the **automatic rule** (``eps_m`` from the knee of the k-distance curve,
  ``min_samples`` from offences a month and 1% of the offences: :mod:`hotspots.cluster`), and
  the result says whether the back-test favoured it or was undecided.

Either way the result carries both out-of-sample scores (median PAI [min-max] at the patrol area
over N test months), so every output states them (words: :func:`hotspots.presentation.
parameter_choice_text`).

The back-test is 36 pairs x every test month, in one pass that shares each month's work between
the pairs (:func:`~hotspots.evaluate.pair_backtest.pair_pais`): 0.18 s on Cambridgeshire 2025,
0.40 s on a 191,620-offence year (2.17 s and 3.65 s as 36 separate back-tests, side by side at
load 3-5; a first year's analysis to a month 1.74 s and 2.60 s). The result is still kept as a
small JSON file keyed by a digest of exactly what it reads: the offences' coordinates and months
up to the end (sorted, so the order they were read in does not matter), the grid, the settings
and :data:`RULE_VERSION`. A content key, not the data version: ingesting a later month leaves the
choices of earlier ends valid, and changing an earlier month changes the key. The file is
written to a temporary name and renamed into place (a reader never sees half a file), mode
0600, in the folder the caller names (the command line: ``$XDG_CACHE_HOME/hotspots/
parameter-choice``, :func:`hotspots.cli.environment.parameter_cache_dir`). Hand-written rather
than the ``diskcache`` package: it is not a dependency, and one file
per key with ``os.replace`` is all this needs (the web app keeps the result in its own shared
cache, :mod:`web.diskcache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from hotspots.analysis import store_months
from hotspots.cluster import Auto
from hotspots.evaluate.advice import (
    ADVICE_AREA_KM2,
    ADVICE_K,
    EPS_VALUES_M,
    MIN_SAMPLES_VALUES,
    advice_coverage,
)
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.nested_advice import (
    MIN_INNER_MONTHS,
    MIN_VERDICT_MONTHS,
    PairTable,
    nested_from_table,
    nested_parameters,
    pair_table,
    table_up_to,
)
from hotspots.private import FILE_MODE, private_dirs
from hotspots.store import Store

__all__ = [
    "RULE_VERSION",
    "ParameterChoice",
    "StoreTable",
    "choice_from_table",
    "choice_key",
    "choose_parameters",
    "store_choice",
    "store_table",
]

#: Part of every cache key: raise it when the choice's rule or the back-test changes.
RULE_VERSION = 1
#: The two rules ``auto`` can end up with.
AUTOMATIC_RULE = "automatic rule"
BACK_TEST = "back-test"


@dataclass(frozen=True)
class ParameterChoice:
    """Which rule set ``eps_m`` / ``min_samples`` for an analysis asking for ``auto``.

    ``rule``: :data:`AUTOMATIC_RULE` or :data:`BACK_TEST`; ``eps_m`` / ``min_samples``: what the
    analysis is run with (``"auto"`` where the automatic rule decides); ``favoured``: ``nested``,
    ``auto``, ``undecided (N months)`` or ``not tested``; ``up_to``: the last month read;
    ``nested``: the nested back-test's summary (``months``, ``auto_pai_median`` / ``_min`` /
    ``_max`` of the automatic rule, ``pai_median`` / ``_min`` / ``_max`` of the nested choice,
    ``next_choice``, ``k``, ``area_km2``, ``coverage``); ``reason``: why nothing was tested.
    """

    rule: str
    eps_m: float | Auto
    min_samples: int | Auto
    favoured: str
    up_to: str
    nested: dict[str, Any]
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what ``analysis.parameters["parameter_choice"]`` holds)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParameterChoice:
        """Back from :meth:`as_dict` (a cached file)."""
        return cls(**data)


def store_choice(
    store: Store,
    up_to: str,
    *,
    events: Any = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> ParameterChoice:
    """:func:`choose_parameters` for a store's drug offences on its force area's grid
    (``events``: the store's events already in memory, any months; by default read)."""
    grid = Grid.over(store.load_boundary("force_area"), CELL_M)
    xy, months = drug_offences(store, events)
    return choose_parameters(
        xy, months, grid, up_to=up_to, cache_dir=cache_dir, held_months=store_months(store)
    )


def choose_parameters(
    xy: npt.ArrayLike,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    up_to: str,
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
    eps_values: Sequence[float | Auto] = EPS_VALUES_M,
    min_samples_values: Sequence[int | Auto] = MIN_SAMPLES_VALUES,
    cache_dir: str | os.PathLike[str] | None = None,
    held_months: Sequence[str] = (),
) -> ParameterChoice:
    """The rule and pair ``auto`` stands for in an analysis ending at ``up_to``.

    Parameters
    ----------
    xy, months
        Drug offences (EPSG:27700 metres) and their ``YYYY-MM``; months after ``up_to`` are left
        out here, so passing them changes nothing.
    grid
        The evaluation grid (the force area's, :data:`~hotspots.evaluate.grid.CELL_M` cells).
    up_to
        The analysis' last month.
    k, area_km2, eps_values, min_samples_values
        Fit months, patrol area and pairs of the back-test (the parameter advice's).
    cache_dir
        Folder of the cached results (read, then written when missing); None: compute.
    held_months
        The store's months (``hotspots.analysis.store_months``): one without a drug offence is
        zeros, fitted on, not tested (the back-test's rule; months after ``up_to`` left out).
    """
    month_arr = np.asarray(months).astype(str)
    keep = month_arr <= up_to
    xy_up = np.asarray(xy, dtype=float).reshape(-1, 2)[keep]
    month_up = month_arr[keep]
    held_up = sorted(m for m in set(held_months) if m <= up_to)
    eps_values, min_samples_values = tuple(eps_values), tuple(min_samples_values)
    path = None
    if cache_dir is not None:
        key = choice_key(
            xy_up,
            month_up,
            grid,
            up_to=up_to,
            k=k,
            area_km2=area_km2,
            eps_values=eps_values,
            min_samples_values=min_samples_values,
            held_months=held_up,
        )
        path = Path(cache_dir) / f"{key}.json"
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            return ParameterChoice.from_dict(json.loads(path.read_text(encoding="utf-8")))
    summary = nested_parameters(
        xy_up,
        month_up,
        grid,
        k=k,
        area_km2=area_km2,
        eps_values=eps_values,
        min_samples_values=min_samples_values,
        held_months=held_up,
    ).summary
    choice = _decide(_strict(summary), up_to=up_to, k=k)
    if path is not None:
        _write_atomically(path, json.dumps(choice.as_dict(), sort_keys=True))
    return choice


class StoreTable(NamedTuple):
    """A store's table of back-test PAIs (:func:`~hotspots.evaluate.nested_advice.pair_table`,
    every stored month) and the share of its area they were measured at."""

    pai: PairTable
    coverage: float


def store_table(store: Store, *, events: Any = None) -> StoreTable:
    """The table :func:`store_choice` reads, of every month the store holds: the choice of any
    end is then :func:`choice_from_table` (the web app makes it once per data version).
    ``events``: the store's events already in memory (by default read)."""
    grid = Grid.over(store.load_boundary("force_area"), CELL_M)
    xy, months = drug_offences(store, events)
    coverage = advice_coverage(grid, ADVICE_AREA_KM2)
    pai = pair_table(
        np.asarray(xy, dtype=float).reshape(-1, 2),
        np.asarray(months).astype(str),
        grid,
        k=ADVICE_K,
        coverage=coverage,
        held_months=store_months(store),
    )
    return StoreTable(pai, coverage)


def choice_from_table(table: StoreTable, up_to: str) -> ParameterChoice:
    """:func:`store_choice` of ``up_to`` from the store's :func:`store_table`: the same choice
    (a test month's PAIs read that month and the ``k`` months before it only, so the table cut
    to the test months up to ``up_to`` is the table of the offences up to it;
    ``tests/test_auto_parameters.py`` checks every end of the demo store)."""
    summary = nested_from_table(
        table_up_to(table.pai, up_to),
        k=ADVICE_K,
        area_km2=ADVICE_AREA_KM2,
        coverage=table.coverage,
    ).summary
    return _decide(_strict(summary), up_to=up_to, k=ADVICE_K)


def _strict(summary: dict[str, Any]) -> dict[str, Any]:
    """NaN (no PAI) as None: strict JSON everywhere."""
    return {k_: None if isinstance(v, float) and v != v else v for k_, v in summary.items()}


def _decide(summary: dict[str, Any], *, up_to: str, k: int) -> ParameterChoice:
    """The rule, from the nested back-test's summary on the months up to ``up_to``."""
    n = int(summary["months"])
    if n == 0:
        return ParameterChoice(
            AUTOMATIC_RULE,
            "auto",
            "auto",
            "not tested",
            up_to,
            summary,
            reason=f"no test month up to {up_to} has {MIN_INNER_MONTHS} earlier test months "
            f"(needs at least {k + MIN_INNER_MONTHS + 1} consecutive months)",
        )
    if n < MIN_VERDICT_MONTHS:
        return ParameterChoice(
            AUTOMATIC_RULE,
            "auto",
            "auto",
            f"undecided ({n} month{'s' * (n != 1)}; {MIN_VERDICT_MONTHS} needed)",
            up_to,
            summary,
        )
    nxt = summary.get("next_choice")
    if summary["favoured"] == "nested" and nxt is not None:
        eps, ms = nxt["eps_m"], nxt["min_samples"]
        if (eps, ms) != ("auto", "auto"):
            return ParameterChoice(BACK_TEST, eps, ms, "nested", up_to, summary)
    return ParameterChoice(AUTOMATIC_RULE, "auto", "auto", str(summary["favoured"]), up_to, summary)


def choice_key(
    xy: np.ndarray,
    months: np.ndarray,
    grid: Grid,
    *,
    up_to: str,
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
    eps_values: Sequence[float | Auto] = EPS_VALUES_M,
    min_samples_values: Sequence[int | Auto] = MIN_SAMPLES_VALUES,
    held_months: Sequence[str] = (),
) -> str:
    """Digest of everything :func:`choose_parameters` reads (offences sorted by month, x, y;
    the held months without an offence, when any, so a store's keys stay as they were)."""
    order = np.lexsort((xy[:, 1], xy[:, 0], months)) if len(xy) else np.arange(0)
    h = hashlib.sha256()
    settings = {
        "rule_version": RULE_VERSION,
        "up_to": up_to,
        "k": k,
        "area_km2": area_km2,
        "eps_values": [str(v) for v in eps_values],
        "min_samples_values": [str(v) for v in min_samples_values],
        "min_inner": MIN_INNER_MONTHS,
        "min_verdict": MIN_VERDICT_MONTHS,
        "grid": [grid.origin_x_m, grid.origin_y_m, grid.cell_m, grid.nx, grid.ny],
    }
    without = sorted(set(held_months) - set(np.asarray(months).astype(str).tolist()))
    if without:
        settings["held_months_without_offences"] = without
    h.update(json.dumps(settings, sort_keys=True).encode())
    h.update(np.ascontiguousarray(grid.cells, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(xy[order], dtype=np.float64).tobytes())
    h.update("\n".join(months[order].tolist()).encode())
    return h.hexdigest()[:32]


def _write_atomically(path: Path, text: str) -> None:
    """``text`` to ``path`` through a temporary file renamed into place (mode 0600); a cache
    that cannot be written is skipped (the result was computed anyway)."""
    try:
        private_dirs(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError:
        return
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
