"""Neighbourhood patrol plan: the top hotspots of an area, why each is listed, and how to patrol.

For an area (the whole force, one district, or chosen wards) and a month, :func:`patrol_plan`
ranks the hotspots of the ``basis_months`` months to that month whose main ward is in the area.
Each place says why it is listed: offences in the basis period, the trend against the previous
equivalent period, and **stability**: in how many of the last 6 and 12 single months the same
place was part of a hotspot. Stability runs the detector on each single month the store holds
(same ``eps_m`` as the basis analysis; ``min_samples`` by the automatic rule for one month, i.e.
5 offences) and counts the months in which any of that month's hotspot polygons intersects the
place's polygon.

Products: :func:`plan_csv` (a table for handhelds), :func:`plan_gpx` (GPX 1.1 waypoints) and
:func:`place_svg` (a small static map of a place inside its ward, no JavaScript). The plan holds
hotspot places only: no raid or search locations.

Geometry is EPSG:27700 metres; ``lon``/``lat`` are WGS84 degrees rounded to 5 decimals (about
1 m), for GPX and handhelds.

Modules
-------
- :mod:`~hotspots.patrol.area`: :class:`PatrolArea`, where a plan looks;
- :mod:`~hotspots.patrol.plan`: :func:`patrol_plan`, :class:`PatrolPlan`, :class:`PatrolPlace`;
- :mod:`~hotspots.patrol.forecast_places`: the micro-places of a plan ranked by the forecast;
- :mod:`~hotspots.patrol.stability`: in which single months a place was part of a hotspot;
- :mod:`~hotspots.patrol.reasons`: why each place is listed, in words;
- :mod:`~hotspots.patrol.formats`: :func:`plan_csv` and :func:`plan_gpx`;
- :mod:`~hotspots.patrol.svg`: :func:`place_svg`.
"""

from __future__ import annotations

from hotspots.patrol.area import AreaKind as AreaKind
from hotspots.patrol.area import PatrolArea, PatrolAreaError
from hotspots.patrol.formats import CSV_COLUMNS as CSV_COLUMNS
from hotspots.patrol.formats import GPX_NS as GPX_NS
from hotspots.patrol.formats import plan_csv, plan_gpx
from hotspots.patrol.plan import DEFAULT_DOSAGE, PatrolPlace, PatrolPlan, patrol_plan
from hotspots.patrol.stability import STABILITY_WINDOWS as STABILITY_WINDOWS
from hotspots.patrol.svg import place_svg

__all__ = [
    "DEFAULT_DOSAGE",
    "PatrolArea",
    "PatrolAreaError",
    "PatrolPlace",
    "PatrolPlan",
    "patrol_plan",
    "place_svg",
    "plan_csv",
    "plan_gpx",
]
