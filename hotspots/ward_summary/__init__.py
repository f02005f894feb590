"""Ward summary: event counts by ward for a period, against a comparison period, and roll-ups.

For each ward and each layer (``offence``, ``search``, ``raid``) the summary gives the count in
the period, the count in the comparison period (by default :meth:`Period.previous`, the
equivalent period just before), the change (absolute and %), the count per km², the count per
1,000 residents (when a population table is given) and the ward's rank. Every ward has a row,
including wards with no events. :func:`district_summary` rolls the wards up by district,
:func:`force_totals` gives the force-wide totals, and :func:`headline` turns a change into words
("36% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (455 vs 335)").

Units and conventions
---------------------
- Geometry is British National Grid (EPSG:27700, metres); ``area_km2`` is the area of the ward
  polygon as stored (ONS BSC boundaries are generalised, so areas are approximate).
- Counts, rates and changes are over the whole period, not annualised: ``*_per_km2`` is events
  per km² in the period, ``*_per_1000`` events per 1,000 residents in the period.
- ``*_change`` is ``count - prev``; ``*_change_pct`` is ``100 * change / prev`` in percent
  (``36.0`` means 36% more) and is NaN, never infinite, when ``prev`` is 0 (when both are 0 the
  change is 0 and the percentage NaN). Rates are NaN when the area or the population is 0 or
  unknown.
- ``*_rank``: 1 is the most events in the period; ties share the lowest rank (counts 5, 3, 3, 1
  rank 1, 2, 2, 4). Rows are ordered by ward (district) code.
- Both periods must be covered by data: a month with no events of any layer raises, because its
  counts would read as zero. ``frame.attrs["months_without_events"]`` lists, per layer, the
  months of either period with no event of that layer (e.g. a layer loaded for only some
  months), so a caller can tell a real zero from missing data.

Population table format: :mod:`~hotspots.ward_summary.population`.

Modules
-------
- :mod:`~hotspots.ward_summary.wards`: :func:`ward_summary`, counts and measures per ward;
- :mod:`~hotspots.ward_summary.categories`: :func:`category_counts`, counts per category;
- :mod:`~hotspots.ward_summary.districts`: :func:`district_summary` and :func:`force_totals`;
- :mod:`~hotspots.ward_summary.headlines`: :func:`headline`, a change in words;
- :mod:`~hotspots.ward_summary.population`: :func:`read_population`, the population table;
- :mod:`~hotspots.ward_summary.measures`: change, rate and rank columns shared by the tables;
- :mod:`~hotspots.ward_summary.inputs`: :class:`WardSummaryError` and the checks of the inputs.
"""

from __future__ import annotations

from hotspots.ward_summary.categories import category_counts
from hotspots.ward_summary.districts import district_summary, force_totals
from hotspots.ward_summary.headlines import headline, percent_shown
from hotspots.ward_summary.inputs import WardSummaryError
from hotspots.ward_summary.population import POPULATION_COLUMNS as POPULATION_COLUMNS
from hotspots.ward_summary.population import PopulationFormatError, read_population
from hotspots.ward_summary.wards import ward_summary

__all__ = [
    "PopulationFormatError",
    "WardSummaryError",
    "category_counts",
    "district_summary",
    "force_totals",
    "headline",
    "percent_shown",
    "read_population",
    "ward_summary",
]
