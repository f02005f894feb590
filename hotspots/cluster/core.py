"""The detector's fit without scikit-learn: :class:`DetectorCore` and :func:`detect_hotspots`.

:class:`hotspots.cluster.HotspotDetector` is this class with scikit-learn's estimator base
classes (``get_params``/``set_params``, ``clone``, tags). The library's own callers (the
analysis, dynamics, back-test, patrol stability) use this class directly, so that
``hotspots analyse`` does not import scikit-learn (about 0.6 s of its start-up, mostly
``scipy.stats`` that ``sklearn.base`` pulls in). The fit is one piece of code for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from hotspots.cluster.auto import _auto_eps, _auto_min_samples
from hotspots.cluster.engines import BORDER_RULE, ID_RULE, _rank_labels, _run_engine
from hotspots.cluster.inputs import (
    _as_weights,
    _as_xy,
    _check_engine,
    _check_eps,
    _check_jobs,
    _check_min_samples,
    _check_months,
    collapse_points,
)
from hotspots.cluster.types import Auto, BoolArray, Engine, EngineResult, FloatArray, IntArray


@dataclass(frozen=True)
class _Checked:
    """A detector's parameters once checked; ``None`` stands for "auto"."""

    eps_m: float | None
    min_samples: int | None
    n_months: float | None
    n_jobs: int


class DetectorCore:
    """DBSCAN hotspots in metres; every parameter, attribute and rule is
    :class:`hotspots.cluster.HotspotDetector`'s (its docstring documents them)."""

    def __init__(
        self,
        eps_m: float | Auto | None = "auto",
        min_samples: int | Auto | None = "auto",
        *,
        n_months: float | None = None,
        engine: Engine = "auto",
        n_jobs: int | None = None,
    ) -> None:
        self.eps_m = eps_m
        self.min_samples = min_samples
        self.n_months = n_months
        self.engine = engine
        self.n_jobs = n_jobs

    def fit(
        self,
        X: Any,
        y: None = None,
        sample_weight: npt.ArrayLike | None = None,
        n_months: float | None = None,
    ) -> Self:
        """Find the hotspots.

        Parameters
        ----------
        X : array-like of shape (n, 2), GeoSeries or GeoDataFrame
            One row per offence: x/y metres (EPSG:27700 or another projected CRS in metres), or
            points whose CRS is projected in metres. Not modified.
        y : None
            Ignored; for scikit-learn compatibility.
        sample_weight : array-like of shape (n,), optional
            Weight of each row (default 1), finite and >= 0. Not modified.
        n_months : float, optional
            Period length in months for ``min_samples="auto"``; overrides the constructor's.

        Returns
        -------
        HotspotDetector
            ``self``, fitted.

        Raises
        ------
        ValueError
            On a geographic or missing CRS, non-point geometries, bad shapes, non-finite
            coordinates, negative weights or bad parameters; the message says what was received
            and what was expected.
        """
        checked = self._checked(n_months)
        xy = _as_xy(X)
        w = _as_weights(sample_weight, len(xy))
        points, weights, inverse = collapse_points(xy, w, checked.n_jobs)
        loc_labels, is_core = self._fit_collapsed(points, weights, checked)
        self.labels_ = loc_labels[inverse]
        self.core_sample_indices_ = np.flatnonzero(is_core[inverse])
        self.params_["n_samples"] = len(xy)
        return self

    def fit_locations(
        self,
        points: npt.ArrayLike,
        weights: npt.ArrayLike,
        n_months: float | None = None,
    ) -> Self:
        """Fit on locations already collapsed: distinct ``(n, 2)`` x/y metres in ``(x, y)``
        order (as ``numpy.lexsort((y, x))`` sorts them) and the summed weight of each.

        The same rules and attributes as :meth:`fit` on the rows behind them, but ``labels_``
        and ``core_sample_indices_`` are per location. The order and distinctness are not
        checked (:meth:`fit` makes them).
        """
        checked = self._checked(n_months)
        xy = np.asarray(points, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or w.shape != (len(xy),):
            raise ValueError(
                f"points, weights: got shapes {xy.shape} and {w.shape}; expected (n, 2) and (n,)"
            )
        labels, is_core = self._fit_collapsed(xy, w, checked)
        self.labels_ = labels
        self.core_sample_indices_ = np.flatnonzero(is_core)
        return self

    def _checked(self, n_months: float | None) -> _Checked:
        """The constructor's parameters checked (``None`` for "auto"); ``n_months`` given to
        ``fit`` overrides the constructor's."""
        eps_m = _check_eps(self.eps_m)
        min_samples = _check_min_samples(self.min_samples)
        months = _check_months(n_months if n_months is not None else self.n_months)
        _check_engine(self.engine)
        return _Checked(eps_m, min_samples, months, _check_jobs(self.n_jobs))

    def _fit_collapsed(
        self, points: FloatArray, weights: FloatArray, checked: _Checked
    ) -> tuple[IntArray, BoolArray]:
        """Every fitted attribute from the distinct locations; returns the location labels and
        core flags (``labels_`` and ``core_sample_indices_`` are left to the caller)."""
        total_weight = float(weights.sum())
        if checked.min_samples is None:
            min_samples, ms_why = _auto_min_samples(checked.n_months, total_weight)
        else:
            min_samples, ms_why = checked.min_samples, "given"
        knee = None
        if checked.eps_m is None:
            eps_m, eps_why, knee = _auto_eps(points, weights, min_samples)
        else:
            eps_m, eps_why = checked.eps_m, "given"
        (is_core, comp, nearest), run = self._cluster_locations(
            points, weights, eps_m, min_samples, checked.n_jobs
        )
        loc_labels, hotspot_weight = _rank_labels(weights, comp, nearest)

        self.n_hotspots_ = len(hotspot_weight)
        self.hotspot_weight_ = hotspot_weight
        self.eps_m_ = eps_m
        self.min_samples_ = min_samples
        self.engine_ = run["engine"]
        self.n_features_in_ = 2
        self.params_: dict[str, Any] = {
            "eps_m": eps_m,
            "eps_m_reason": eps_why,
            "eps_m_knee": knee,
            "min_samples": min_samples,
            "min_samples_reason": ms_why,
            "n_months": checked.n_months,
            "n_samples": len(points),
            "n_locations": len(points),
            "total_weight": total_weight,
            "engine": run["engine"],
            "engine_reason": run["engine_reason"],
            "border_rule": BORDER_RULE,
            "id_rule": ID_RULE,
        }
        self.params_.update(run)  # a subclass's entries (e.g. "distributed") after these
        return loc_labels, is_core

    def _cluster_locations(
        self,
        points: FloatArray,
        weights: FloatArray,
        eps_m: float,
        min_samples: int,
        n_jobs: int,
    ) -> tuple[EngineResult, dict[str, Any]]:
        """DBSCAN of the distinct weighted locations (``self.engine`` on up to ``n_jobs``
        threads): the one step a subclass may replace; the parameters are already checked.

        Returns the engine result (per location: core flag, core component id, nearest core
        location; see :mod:`hotspots.cluster.engines`) and the ``params_`` entries describing
        the run: at least ``engine`` (what ``engine_`` becomes) and ``engine_reason``.
        """
        if len(points):
            result, ran, why = _run_engine(self.engine, points, weights, eps_m, min_samples, n_jobs)
        else:
            result = np.zeros(0, dtype=bool), np.empty(0, dtype=np.intp), np.empty(0, np.intp)
            ran = "grid" if self.engine == "auto" else self.engine
            why = "no points"
        return result, {"engine": ran, "engine_reason": why}

    def fit_predict(
        self,
        X: Any,
        y: None = None,
        sample_weight: npt.ArrayLike | None = None,
        n_months: float | None = None,
    ) -> IntArray:
        """Fit and return ``labels_`` (see :meth:`fit` for the parameters).

        Returns
        -------
        numpy.ndarray of shape (n,)
            Hotspot id of each row, ``-1`` for noise.
        """
        return self.fit(X, sample_weight=sample_weight, n_months=n_months).labels_


def detect_hotspots(
    X: Any,
    eps_m: float | Auto | None = "auto",
    min_samples: int | Auto | None = "auto",
    sample_weight: npt.ArrayLike | None = None,
    *,
    n_months: float | None = None,
    engine: Engine = "auto",
) -> IntArray:
    """Hotspot id of each offence by DBSCAN in metres; the function twin of `HotspotDetector`.

    Parameters
    ----------
    X : array-like of shape (n, 2), GeoSeries or GeoDataFrame
        One row per offence: x/y metres (EPSG:27700), or points whose CRS is projected in metres.
    eps_m : float or "auto", default="auto"
        Neighbourhood radius in metres (``<= eps_m`` counts).
    min_samples : int or "auto", default="auto"
        Weight within ``eps_m`` (itself included) that makes a location core.
    sample_weight : array-like of shape (n,), optional
        Weight of each row (default 1), finite and >= 0.
    n_months : float, optional
        Period length in months, for ``min_samples="auto"``.
    engine : {"auto", "grid", "sklearn"}, default="auto"
        Engine; all give the same labels.

    Returns
    -------
    numpy.ndarray of shape (n,)
        ``-1`` for noise, else the hotspot id: 0 carries the most weight.

    Raises
    ------
    ValueError
        See :meth:`HotspotDetector.fit`.
    """
    detector = DetectorCore(eps_m, min_samples, n_months=n_months, engine=engine)
    return detector.fit(X, sample_weight=sample_weight).labels_
