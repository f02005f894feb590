"""Rows just outside the force area: what a generalised boundary cuts off, said at ingest.

ONS publishes each boundary at several resolutions; the "super generalised" (BSC) ones are
simplified to 200 m. Around a large force that moves a few records across the edge (Merseyside
2019: 8 of 11,945 located drug records within 200 m outside its BSC outline), but the City of
London is about 2.9 km² and under 3 km across: 41 of its 401 located drug records and searches
of Jul-Sep 2019 (10%) were rejected as outside its BSC force area within 200 m of the edge, 5
of them on streets police.uk itself files in the City's own LSOAs. The rows stay rejected (the
force area given is the rule), and the ingest report says why so many fell just outside and
what keeps them: a full-resolution force area (ONS BFC or BFE).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from hotspots import schema

if TYPE_CHECKING:  # `hotspots status` reads the warning's rule without pandas or shapely
    import pandas as pd
    import shapely

__all__ = ["NEAR_EDGE_M", "NEAR_EDGE_SHARE", "near_edge", "near_edge_warning"]

#: How far outside the force area a row counts as "just outside": the generalisation of ONS's
#: super generalised (BSC) boundaries, the coarsest ONS publishes.
NEAR_EDGE_M: Final = 200.0
#: The share of an ingest's located rows just outside the edge from which the report warns:
#: police.uk places 0.5-1% of a force's rows elsewhere, nearly all far away (Birmingham,
#: Bedford...), so 1% within 200 m of the edge is the boundary's doing, not police.uk's.
NEAR_EDGE_SHARE: Final = 0.01

# the detail of an "outside force area" row, as the ingest writes it (hotspots.ingest._where)
_WHERE = r"easting=(-?\d+(?:\.\d+)?), northing=(-?\d+(?:\.\d+)?)"


def near_edge(rejected: pd.DataFrame, area: shapely.Geometry) -> int:
    """How many of ``rejected``'s "outside force area" rows lie within :data:`NEAR_EDGE_M` of
    ``area`` (British National Grid metres, as the ingest places rows)."""
    import shapely

    if rejected.empty or "detail" not in rejected:
        return 0
    outside = rejected.loc[rejected["reason"] == schema.REASON_OUTSIDE_AREA, "detail"]
    if outside.empty:
        return 0
    xy = outside.astype(str).str.extract(_WHERE).dropna().astype(float)
    if xy.empty:
        return 0
    points = shapely.points(xy[0].to_numpy(), xy[1].to_numpy())
    return int(shapely.dwithin(area, points, NEAR_EDGE_M).sum())


def near_edge_warning(sources: Iterable[Mapping[str, Any]]) -> str:
    """The ingest report's warning when at least :data:`NEAR_EDGE_SHARE` of the located rows of
    ``sources`` (manifest entries) lie just outside the force area; "" otherwise."""
    near = located = 0
    for entry in sources:
        rejected = entry.get("rejected") or {}
        near += int(entry.get("outside_near_edge", 0))
        located += int(entry["kept"]) + int(rejected.get(schema.REASON_OUTSIDE_AREA, 0))
        located += int(rejected.get(schema.REASON_NO_WARD, 0))
    if not near or near < NEAR_EDGE_SHARE * located:
        return ""
    share = f"{100 * near / located:.0f}%"
    return (
        f"{near:,} of the {located:,} rows with a location ({share}) lie outside the force area "
        f"but within {NEAR_EDGE_M:.0f} m of its edge: a generalised boundary (ONS 'BSC' "
        f"boundaries are simplified to {NEAR_EDGE_M:.0f} m) cuts off records of the force's own; "
        "a full-resolution force area (ONS 'BFC' or 'BFE') keeps them"
    )
