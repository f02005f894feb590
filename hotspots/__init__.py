"""hotspots: drug-crime hotspot mapping for a UK police force area.

The library takes explicit arguments, never reads configuration and never prints; the
``hotspots`` command (:mod:`hotspots.cli`) and the web app (:mod:`web`) do that.
"""

from __future__ import annotations

from hotspots.analysis import Analysis, analyse
from hotspots.assessment import assess, significant_only
from hotspots.cluster import HotspotDetector, detect_hotspots, k_distance
from hotspots.dynamics import classify as classify_dynamics
from hotspots.errors import BoundaryError, HotspotsError, SourceFormatError, StoreError
from hotspots.evaluate import backtest, backtest_store

# ``export`` (the function) is not re-exported: it would hide the module hotspots.export.
from hotspots.export import ExportMetadata, export_events
from hotspots.ingest import IngestReport, ingest
from hotspots.periods import Period, PeriodError
from hotspots.significance import hotspot_significance
from hotspots.sources import detect_kind, read_source
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from hotspots.summary import raid_coverage, summarise_hotspots
from hotspots.ward_summary import (
    district_summary,
    force_totals,
    headline,
    read_population,
    ward_summary,
)
from hotspots.wards import assign_wards

__all__ = [
    "Analysis",
    "BoundaryError",
    "ExportMetadata",
    "HotspotDetector",
    "HotspotsError",
    "IngestReport",
    "Period",
    "PeriodError",
    "SourceFormatError",
    "Store",
    "StoreError",
    "analyse",
    "assess",
    "assign_wards",
    "backtest",
    "backtest_store",
    "classify_dynamics",
    "detect_hotspots",
    "detect_kind",
    "district_summary",
    "export_events",
    "force_totals",
    "headline",
    "hotspot_significance",
    "ingest",
    "k_distance",
    "raid_coverage",
    "read_force_area",
    "read_population",
    "read_source",
    "read_wards",
    "significant_only",
    "summarise_hotspots",
    "ward_summary",
]
