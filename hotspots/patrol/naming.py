"""Places of one plan that share a name, told apart by where they are from each other.

police.uk names a place by its nearest anonymised map point ("On or near Parking Area"), so
several places of one plan can carry the same name: on a phone list, in a GPX or read out over
the radio they cannot be told apart. Each place after the first of a name says where it is from
the nearest earlier place of that name, in words an officer uses: ``"400 m east of place 8"``
(the distance between the places' centres to the nearest 10 m, an eight-point compass
direction). Written here because it is a rule of the plan's wording, not a geometry library's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotspots.patrol.plan import PatrolPlace

__all__ = ["COMPASS", "direction", "told_apart"]

#: The eight compass points, clockwise from north.
COMPASS = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def direction(dx_m: float, dy_m: float) -> str:
    """The compass point nearest the bearing of ``(dx_m, dy_m)`` (east, north metres)."""
    bearing = math.degrees(math.atan2(dx_m, dy_m)) % 360
    return COMPASS[round(bearing / 45) % 8]


def told_apart(places: Sequence[PatrolPlace]) -> list[PatrolPlace]:
    """``places`` (in rank order) with ``aside`` set on every place whose name an earlier
    place already has: its distance and direction from the nearest such place."""
    out: list[PatrolPlace] = []
    for place in places:
        namesakes = [p for p in out if p.plain_name == place.plain_name]
        if not namesakes:
            out.append(place)
            continue
        here = place.polygon.centroid
        nearest = min(namesakes, key=lambda p: p.polygon.centroid.distance(here))
        there = nearest.polygon.centroid
        dx_m, dy_m = here.x - there.x, here.y - there.y
        distance_m = int(round(math.hypot(dx_m, dy_m), -1))
        aside = f"{distance_m} m {direction(dx_m, dy_m)} of place {nearest.rank}"
        out.append(replace(place, aside=aside))
    return out
