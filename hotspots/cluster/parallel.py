"""The grid engine on several cores: vertical strips of locations on threads, merged exactly.

Locations arrive in ``(x, y)`` order, so a strip is a range of them: strip ``i`` owns the
``i``-th of ``n`` equal shares and its window adds every location within ``2 * eps_m`` in x (a
few hundred metres: ~0.1 % more work on a force's data). The windows are clustered at once on
threads by the grid engine and merged by :func:`hotspots.cluster.tiles.merge_tiles` (its module
docstring says why the result is exactly the single run's). Threads, not processes: numpy and
scipy release the GIL inside their array loops (sorting, indexing, arithmetic), and threads share
the points without copying them. Hand-written because no library runs this engine in parallel;
the PyPI ``dbscan`` package (Wang, Gu & Shun) is parallel but has no sample weights and its own
border rule.

Inputs smaller than ``MIN_STRIP_LOCATIONS`` locations per strip run in one piece: there the
threads cost more than they save.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from hotspots.cluster.pairs import _PAIR_BUDGET, PAIR_BUDGET
from hotspots.cluster.tiles import TileResult, Window, cluster_window, merge_tiles
from hotspots.cluster.types import EngineResult, FloatArray

#: Fewest locations a strip gets (below this, fewer strips; one strip runs without threads).
MIN_STRIP_LOCATIONS = 20_000
#: The halo is 2 * eps_m, widened by this factor so that rounding in ``dx*dx + dy*dy <= eps**2``
#: can never leave a neighbour out (a wider halo only adds locations, never changes a result).
_HALO_SLACK = 1.0 + 1e-9


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def strip_count(n_locations: int, n_jobs: int) -> int:
    """How many strips ``n_locations`` are cut into for ``n_jobs`` threads (1: no threads)."""
    return max(1, min(n_jobs, n_locations // MIN_STRIP_LOCATIONS))


def make_strips(
    points: FloatArray, weights: FloatArray, eps_m: float, n_strips: int
) -> list[Window]:
    """Cut locations in ``(x, y)`` order into ``n_strips`` windows of equal owned counts."""
    n = len(points)
    x = points[:, 0]
    halo = 2.0 * eps_m * _HALO_SLACK
    bounds = [round(i * n / n_strips) for i in range(n_strips + 1)]
    windows = []
    for strip, (a, b) in enumerate(itertools.pairwise(bounds)):
        if a == b:
            continue
        lo = int(np.searchsorted(x, x[a] - halo, side="left"))
        hi = int(np.searchsorted(x, x[b - 1] + halo, side="right"))
        index = np.arange(lo, hi, dtype=np.intp)
        owned = (index >= a) & (index < b)
        windows.append(Window(strip, index, owned, points[lo:hi], weights[lo:hi]))
    return windows


def strip_engine(
    points: FloatArray, weights: FloatArray, eps_m: float, min_samples: int, n_strips: int
) -> tuple[EngineResult, str]:
    """The grid engine's result on ``n_strips`` strips clustered on as many threads.

    Returns the result (as :func:`hotspots.cluster.grid._grid_engine` gives it) and the
    engine(s) the windows ran (``"grid"``, or ``"sklearn"`` where the grid does not apply).
    """
    windows = make_strips(points, weights, eps_m, n_strips)

    def run(window: Window) -> TileResult:
        PAIR_BUDGET.set(max(1, _PAIR_BUDGET // len(windows)))  # no more temporaries than one
        return cluster_window(window, eps_m, min_samples)

    with ThreadPoolExecutor(max_workers=len(windows), thread_name_prefix="hotspots") as pool:
        results = list(pool.map(run, windows))
    engines = sorted({r.engine for r in results})
    return merge_tiles(len(points), results), "+".join(engines)
