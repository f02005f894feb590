"""Does the map predict? Back-testing hotspot methods on the store's months (issue 7).

- :mod:`~hotspots.evaluate.grid`: the fixed grid (origin, cell size, study area);
- :mod:`~hotspots.evaluate.metrics`: hit rate, PAI, PEI, RRI at a coverage;
- :mod:`~hotspots.evaluate.methods`: DBSCAN hotspots, kernel density, previous counts, Gi*;
- :mod:`~hotspots.evaluate.backtest`: the rolling-origin back-test;
- :mod:`~hotspots.evaluate.forecast`: the ``forecast`` method (whole history, nested choice);
- :mod:`~hotspots.evaluate.next_month`: next month's forecast and its back-tested capture;
- :mod:`~hotspots.evaluate.advice`: parameter search scored by back-test PAI (in-sample);
- :mod:`~hotspots.evaluate.nested_advice`: the same choice made on earlier months only;
- :mod:`~hotspots.evaluate.auto_parameters`: what ``auto`` means in an analysis (the automatic
  rule, or the pair the nested back-test favours), with its out-of-sample score;
- :mod:`~hotspots.evaluate.chart`: the PNG.
"""

from hotspots.evaluate.advice import (
    ADVICE_AREA_KM2,
    ParameterAdvice,
    advise_parameters,
    parameter_score,
)
from hotspots.evaluate.backtest import Backtest, backtest, backtest_store, drug_offences
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.methods import BANDWIDTH_M, METHODS, MethodOptions
from hotspots.evaluate.metrics import FORMULAS, coverage_measures

__all__ = [
    "ADVICE_AREA_KM2",
    "BANDWIDTH_M",
    "CELL_M",
    "FORMULAS",
    "METHODS",
    "Backtest",
    "Grid",
    "MethodOptions",
    "ParameterAdvice",
    "advise_parameters",
    "backtest",
    "backtest_store",
    "coverage_measures",
    "drug_offences",
    "parameter_score",
]
