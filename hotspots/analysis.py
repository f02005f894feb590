"""One analysis of a period: hotspots, ward summary, district roll-up and raid coverage.

The CLI (``hotspots analyse`` / ``export``) and the web app call :func:`analyse`; everything it
returns records the period, the parameters actually used and the store's data version, so an
export can say exactly what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.cluster import Auto, DetectorCore
from hotspots.figures import (
    Figure,
    blank_unknown,
    layer_figures,
    layer_months,
    period_totals,
    unlocated_counts,
)
from hotspots.periods import Period
from hotspots.store import Store
from hotspots.summary import BUFFER_M, NEAR_M, RaidCoverage, raid_coverage, summarise_hotspots
from hotspots.ward_summary import district_summary, ward_summary


@dataclass
class Analysis:
    """The result of :func:`analyse` (all geometry in EPSG:27700)."""

    period: Period
    compare_to: Period
    comparison_available: bool
    parameters: dict[str, Any]
    data_version: str | None
    hotspots: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    districts: pd.DataFrame
    totals: dict[str, Any]
    coverage: RaidCoverage
    events: gpd.GeoDataFrame = field(repr=False)
    #: Offences of other crime types in the period (empty unless the store has every type).
    other_offences: gpd.GeoDataFrame | None = field(default=None, repr=False)
    #: Months the store holds of each layer (:func:`hotspots.figures.layer_months`).
    layer_months: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: The layers whose figures this analysis may show (a role without raid access: no raid).
    layers: tuple[str, ...] = schema.LAYERS
    #: Records of the period held without a location, per layer
    #: (:func:`hotspots.figures.unlocated_counts`; None: unknown).
    unlocated: dict[str, int | None] = field(default_factory=dict, repr=False)
    #: True when the figures are an area's (an officer's wards), not the force's.
    area_only: bool = False

    def figures(self) -> dict[str, Figure]:
        """Each shown layer's total by the figure rule (:mod:`hotspots.figures`): a number only
        when the layer is held for every month of the period; a change only when both are
        (otherwise ``change_note`` names what is held of the comparison period)."""
        return layer_figures(
            self.totals,
            self.period,
            self.compare_to,
            self.layer_months,
            self.layers,
            self.unlocated,
            self.area_only,
        )

    def metadata(self) -> dict[str, Any]:
        """What every output of this analysis records about itself."""
        return {
            "period": self.period.label,
            "period_months": [self.period.start, self.period.end],
            "compare_to": self.compare_to.label if self.comparison_available else None,
            "parameters": self.parameters,
            "data_version": self.data_version,
        }


def store_months(store: Store) -> list[str]:
    """The months the store holds: every month of its offence layer, oldest first.

    A period may use these months only (``docs/periods.md``). Searches or raids held for a
    month whose street file is missing do not make it held: its offences would read as 0.
    """
    months: set[str] = set()
    for entry in store.sources("offence"):
        months.update(entry["months"])
    return sorted(months)


def analyse(
    store: Store,
    period: Period,
    *,
    eps_m: float | Auto | None = "auto",
    min_samples: int | Auto | None = "auto",
    compare_to: Period | None = None,
    buffer_m: float = BUFFER_M,
    near_m: float = NEAR_M,
    population: pd.DataFrame | None = None,
    events: gpd.GeoDataFrame | None = None,
    wards: gpd.GeoDataFrame | None = None,
    detector_factory: Callable[..., DetectorCore] = DetectorCore,
) -> Analysis:
    """Analyse ``period`` from the store.

    Parameters
    ----------
    store
        The embedded store.
    period
        The period analysed; every month of it must hold data.
    eps_m, min_samples
        DBSCAN parameters (metres, offences), or ``"auto"`` (see :mod:`hotspots.cluster`).
    compare_to
        Comparison period (default ``period.previous()``). When the store has no data for it,
        the analysis still runs and the change columns are empty (``comparison_available`` is
        False) rather than reading missing months as zero.
    buffer_m, near_m
        Hotspot polygon buffer and the distance within which searches and raids count, metres.
    population
        Optional residents per ward (:func:`hotspots.ward_summary.read_population`).
    events, wards
        The store's events and wards already in memory (a server caches them per data version);
        by default they are read from ``store``.
    detector_factory
        Makes the hotspot detector from ``eps_m``, ``min_samples`` and ``n_months`` keywords:
        :class:`~hotspots.cluster.DetectorCore` (the detector's fit without scikit-learn), or a
        ``functools.partial`` of
        :class:`hotspots.distributed.TiledHotspotDetector` with a dask client (same labels).

    Raises
    ------
    PeriodError
        A month of ``period`` has no data in the store (the message names it).
    """
    held = store_months(store)
    period.require_data(held)
    compare_to = compare_to or period.previous()
    comparable = set(compare_to.months) <= set(held)
    months = list(period.months) + (list(compare_to.months) if comparable else [])
    if events is None:
        events = store.load(months=months)
    else:
        events = events[events[schema.MONTH].isin(months)].reset_index(drop=True)
    events, other_offences = split_drug_events(events)
    in_period = events[schema.MONTH].isin(period.months).to_numpy()
    layer = events[schema.LAYER].to_numpy()
    offences = events[in_period & (layer == "offence")].reset_index(drop=True)

    detector = detector_factory(eps_m=eps_m, min_samples=min_samples, n_months=period.n_months)
    detector.fit(offences)
    previous = events[~in_period & (layer == "offence")] if comparable else None
    hotspots = summarise_hotspots(
        offences,
        detector.labels_,
        searches=events[in_period & (layer == "search")],
        raids=events[in_period & (layer == "raid")],
        previous_offences=previous,
        buffer_m=buffer_m,
        near_m=near_m,
    )
    raids = events[in_period & (layer == "raid")]
    coverage = raid_coverage(hotspots, raids, near_m=near_m)

    ward_table = ward_summary(
        events,
        store.load_boundary("wards") if wards is None else wards,
        period,
        compare_to=compare_to,
        population=population,
        available_months=sorted(set(held) | set(compare_to.months)),
    )
    if not comparable:
        _blank_comparison(ward_table)
    sources = store.sources()
    held_months = layer_months(sources)
    _months_without_events(ward_table, set(months), held_months)
    districts = district_summary(ward_table)
    totals = period_totals(ward_table, events, period.months, comparable)
    figures = layer_figures(totals, period, compare_to, held_months)
    # the tables follow the figure rule too: no count where the layer is not held (never 0)
    ward_table, districts = blank_unknown(ward_table, figures), blank_unknown(districts, figures)
    hotspots = blank_unknown(hotspots, figures)
    offences_labels = np.asarray(detector.labels_)
    parameters = {
        **{k: _plain(v) for k, v in detector.params_.items()},
        "requested_eps_m": eps_m,
        "requested_min_samples": min_samples,
        "buffer_m": buffer_m,
        "near_m": near_m,
        "offences_in_hotspots": int((offences_labels >= 0).sum()),
    }
    events = events[in_period].reset_index(drop=True)
    events["hotspot_id"] = -1
    is_offence = (events[schema.LAYER] == "offence").to_numpy()
    events.loc[is_offence, "hotspot_id"] = offences_labels
    return Analysis(
        period=period,
        compare_to=compare_to,
        comparison_available=comparable,
        parameters=parameters,
        data_version=store.manifest()["version"],
        hotspots=hotspots,
        wards=ward_table,
        districts=districts,
        totals=totals,
        coverage=coverage,
        events=events,
        other_offences=other_offences[other_offences[schema.MONTH].isin(period.months)],
        layer_months=held_months,
        unlocated=unlocated_counts(sources, period),
    )


def split_drug_events(events: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``(drug events, other offences)``: a store ingested with every crime type
    (``--all-crime-types``) keeps non-drug offences and searches; the analysis uses drug
    offences and controlled-drugs searches only (raids are all drug raids), and the other
    offences are the background of the significance test (:mod:`hotspots.significance`)."""
    layer = events[schema.LAYER].to_numpy()
    other = (layer == "offence") & other_than_drugs(events)
    drugs = events[~other_than_drugs(events)].reset_index(drop=True)
    return drugs, events[other].reset_index(drop=True)


def other_than_drugs(events: pd.DataFrame) -> np.ndarray:
    """Rows of ``events`` that are not drug events: offences of another crime type and
    searches for another object (kept by ``--all-crime-types``); raids are all drug raids."""
    layer = events[schema.LAYER].to_numpy()
    category = events[schema.CATEGORY].to_numpy()
    other = (layer == "offence") & (category != schema.DRUGS_CRIME_TYPE)
    return np.asarray(other | ((layer == "search") & (category != schema.CONTROLLED_DRUGS_OBJECT)))


def _months_without_events(
    table: pd.DataFrame, loaded: set[str], held: dict[str, tuple[str, ...]]
) -> None:
    """Keep in ``table.attrs["months_without_events"]`` only the months truly without events of
    a layer: months whose events were loaded and hold none, and months the layer is not held
    for. A comparison month not loaded (the comparison period is not complete) but held is left
    out: its events were never read, so "no event" would be false."""
    gaps = table.attrs.get("months_without_events") or {}
    table.attrs["months_without_events"] = {
        layer: [m for m in months if m in loaded or m not in set(held.get(layer, ()))]
        for layer, months in gaps.items()
    }


def _blank_comparison(table: pd.DataFrame) -> None:
    for layer in schema.LAYERS:
        for suffix in ("_prev", "_change", "_change_pct"):
            table[f"{layer}{suffix}"] = np.nan
    table.attrs["compare_to"] = None


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, for JSON."""
    return value.item() if isinstance(value, np.generic) else value
