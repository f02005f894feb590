"""Back-test PAI of many DBSCAN parameter pairs in one pass (the nested parameter choice).

:func:`pair_pais` gives, for each ``(eps_m, min_samples)`` pair, the PAI at one coverage on
every test month: the numbers :func:`~hotspots.evaluate.backtest.backtest` gives with
``methods=("dbscan",)``, ``ks=(k,)`` and ``coverages=(coverage,)`` for that pair
(``tests/test_evaluate_pair_backtest.py`` checks they are equal). One back-test a pair repeats
for every pair what only depends on the test month, so here each test month is prepared once
and shared by every pair:

- the fit offences grouped by location (the detector's collapse; each pair then fits the
  locations, :meth:`~hotspots.cluster.DetectorCore.fit_locations`, as ``fit`` does itself);
- their kernel density, the ``dbscan`` method's ranking after the hotspots;
- the study cells each hotspot's polygon covers: the same members make the same polygon,
  whichever pair found them (:func:`~hotspots.evaluate.methods.hotspot_tiers`);
- only the hotspots ranked high enough to reach the patrol area's cells are drawn (the
  selection cannot reach the others' cells: :func:`~hotspots.evaluate.methods.hotspot_tiers`);
- pairs that find the same hotspots (e.g. ``min_samples="auto"`` where it comes to 9) are
  scored once;
- only the PAI at ``coverage`` is measured (:func:`~hotspots.evaluate.metrics.coverage_pai`),
  not the other measures, curve points or the hotspot-area rows a back-test reports.

On Cambridgeshire 2025 (9 test months) the nested choice took 2.17 s as 36 back-tests and takes
0.18 s this way; 3.65 s and 0.40 s on the 191,620-offence year (side by side at load 3-5;
benchmarks/README.md, "The nested choice in one pass").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.cluster import Auto
from hotspots.cluster.inputs import collapse_points
from hotspots.cluster.neighbours import Neighbours, SharedNeighbours
from hotspots.evaluate.backtest import by_months
from hotspots.evaluate.grid import Grid
from hotspots.evaluate.methods import (
    HotspotCells,
    MethodOptions,
    dbscan_score,
    hotspot_tiers,
    score_kde,
)
from hotspots.evaluate.metrics import coverage_pai
from hotspots.evaluate.runs import test_windows

Pair = tuple[float | Auto, int | Auto]


def pair_pais(
    xy: npt.ArrayLike,
    months: npt.ArrayLike,
    grid: Grid,
    pairs: Sequence[Pair],
    *,
    k: int,
    coverage: float,
    options: MethodOptions | None = None,
    held_months: Sequence[str] = (),
) -> dict[Pair, pd.Series]:
    """Each pair's ``dbscan`` back-test PAI at ``coverage`` (share of the study area), fitting
    on the ``k`` months before each test month.

    Parameters
    ----------
    xy, months
        Drug offences (EPSG:27700 metres) and their ``YYYY-MM``.
    grid
        The evaluation grid.
    pairs
        ``(eps_m, min_samples)`` pairs, numbers or ``"auto"``.
    k
        Fit months.
    coverage
        Share of the study area the PAI is measured at.
    options
        The other method settings (buffer, KDE bandwidth); their ``eps_m`` / ``min_samples``
        are the pairs'.
    held_months
        Months the store holds beyond those of ``months`` (``hotspots.analysis.store_months``):
        a held month without a drug offence is 0 in every cell, fits span it, and it is not a
        test month (:func:`~hotspots.evaluate.runs.test_windows`, the back-test's rule).

    Returns
    -------
    dict
        Per pair, in the order given: the PAI per test month (index ``test_month``, every month
        with ``k`` consecutive months stored before it; NaN when the month has no offence in
        the study area); an empty series when no month can be tested.
    """
    options = options or MethodOptions()
    with_offences = set(np.asarray(months, dtype=object).tolist())
    xy, held, by_month, counts = by_months(xy, months, grid, held_months)
    windows = test_windows(held, with_offences, k)
    pais: dict[Pair, list[float]] = {pair: [] for pair in pairs}
    enough = math.ceil(coverage * grid.n_cells)  # the cells the PAI's selection can reach
    for t, fit in windows:
        fit_xy = xy[np.concatenate([by_month[m] for m in fit])]
        density = score_kde(grid, fit_xy, k, options).score
        points, weights, inverse = collapse_points(fit_xy, None)
        known: dict[bytes, HotspotCells] = {}
        hoods: dict[float, Neighbours] = {}
        scored: dict[bytes, float] = {}  # the PAI of each labelling already scored
        for (eps_m, min_samples), values in pais.items():
            detector = SharedNeighbours(eps_m, min_samples, n_months=k, hoods=hoods)
            loc_labels = detector.fit_locations(points, weights).labels_
            key = loc_labels.tobytes()
            if key not in scored:
                tier, _ = hotspot_tiers(
                    grid,
                    fit_xy,
                    loc_labels[inverse],
                    detector.n_hotspots_,
                    options.buffer_m,
                    known,
                    enough_cells=enough,
                )
                scored[key] = coverage_pai(dbscan_score(tier, density), counts[t], coverage)
            values.append(scored[key])
    if not windows:
        return {pair: pd.Series(dtype=float) for pair in pairs}
    index = pd.Index([t for t, _ in windows], name="test_month")
    return {
        pair: pd.Series(values, index=index, name="pai", dtype=float)
        for pair, values in pais.items()
    }
