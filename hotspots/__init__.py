"""hotspots: drug-crime hotspot mapping for a UK police force area.

The library takes explicit arguments, never reads configuration and never prints; the
``hotspots`` command (:mod:`hotspots.cli`) and the web app (:mod:`web`) do that.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names below are imported on first use (module ``__getattr__``, PEP 562), not here:
# ``import hotspots`` (and so every ``hotspots`` command) must not pay for geopandas,
# scikit-learn, matplotlib or folium before it knows what it needs (``hotspots --help`` and
# ``hotspots status`` start in well under a second). ``from hotspots import analyse`` works as
# before. ``export`` (the function) is not re-exported: it would hide the module hotspots.export.
_LAZY: dict[str, tuple[str, str]] = {
    "Analysis": ("hotspots.analysis", "Analysis"),
    "analyse": ("hotspots.analysis", "analyse"),
    "assess": ("hotspots.assessment", "assess"),
    "significant_only": ("hotspots.assessment", "significant_only"),
    "HotspotDetector": ("hotspots.cluster", "HotspotDetector"),
    "detect_hotspots": ("hotspots.cluster", "detect_hotspots"),
    "k_distance": ("hotspots.cluster", "k_distance"),
    "classify_dynamics": ("hotspots.dynamics", "classify"),
    "BoundaryError": ("hotspots.errors", "BoundaryError"),
    "HotspotsError": ("hotspots.errors", "HotspotsError"),
    "SourceFormatError": ("hotspots.errors", "SourceFormatError"),
    "StoreError": ("hotspots.errors", "StoreError"),
    "backtest": ("hotspots.evaluate", "backtest"),
    "backtest_store": ("hotspots.evaluate", "backtest_store"),
    "ExportMetadata": ("hotspots.export", "ExportMetadata"),
    "export_events": ("hotspots.export", "export_events"),
    "IngestReport": ("hotspots.ingest", "IngestReport"),
    "ingest": ("hotspots.ingest", "ingest"),
    "Period": ("hotspots.periods", "Period"),
    "PeriodError": ("hotspots.periods", "PeriodError"),
    "hotspot_significance": ("hotspots.significance", "hotspot_significance"),
    "detect_kind": ("hotspots.sources", "detect_kind"),
    "read_source": ("hotspots.sources", "read_source"),
    "read_force_area": ("hotspots.sources.boundaries", "read_force_area"),
    "read_wards": ("hotspots.sources.boundaries", "read_wards"),
    "Store": ("hotspots.store", "Store"),
    "raid_coverage": ("hotspots.summary", "raid_coverage"),
    "summarise_hotspots": ("hotspots.summary", "summarise_hotspots"),
    "district_summary": ("hotspots.ward_summary", "district_summary"),
    "force_totals": ("hotspots.ward_summary", "force_totals"),
    "headline": ("hotspots.ward_summary", "headline"),
    "read_population": ("hotspots.ward_summary", "read_population"),
    "ward_summary": ("hotspots.ward_summary", "ward_summary"),
    "assign_wards": ("hotspots.wards", "assign_wards"),
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'hotspots' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, imported eagerly
    from hotspots.analysis import Analysis, analyse
    from hotspots.assessment import assess, significant_only
    from hotspots.cluster import HotspotDetector, detect_hotspots, k_distance
    from hotspots.dynamics import classify as classify_dynamics
    from hotspots.errors import BoundaryError, HotspotsError, SourceFormatError, StoreError
    from hotspots.evaluate.backtest import backtest, backtest_store
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
