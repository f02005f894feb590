"""Places police.uk puts at a police station, and the one note that says so.

police.uk moves each offence to the nearest of its anonymous map points and names the point
("On or near Police Station"); an offence recorded at a police station (often drugs found in a
custody search after an arrest made elsewhere) lands on the station's point. Such a place can top
a ranking of drug offences without being a place a patrol would go. :func:`at_police_station` is
the one rule that recognises it (the location, less police.uk's ``"On or near "``, is exactly
``"Police Station"``, any case: a street such as ``"Police Station Road"`` is not one) and
:func:`station_note` the one sentence every output of a place carries (the patrol plan's list,
card, CSV ``note`` and GPX description; the map's hotspot popup).
"""

from __future__ import annotations

__all__ = ["STATION_NOTE", "at_police_station", "station_note"]

#: What a place at a police station says, in words, wherever it is shown.
STATION_NOTE = (
    "Recorded at a police station: offences found in custody are placed here; "
    "it may not be a place to patrol."
)

_PREFIX = "on or near "


def at_police_station(location: object) -> bool:
    """True when a police.uk location text names a police station's map point:
    ``"On or near Police Station"`` (or ``"Police Station"``), any case and spacing."""
    if not isinstance(location, str):
        return False
    text = " ".join(location.split()).lower()
    if text.startswith(_PREFIX):
        text = text[len(_PREFIX) :]
    return text == "police station"


def station_note(location: object, ranked: int | None = None) -> str:
    """:data:`STATION_NOTE` for a place at a police station (:func:`at_police_station`), else
    ``""``; with ``ranked`` (the place was moved down a list), it adds where it would have been:
    ``"... Listed after the other places (by its rank it would be place 1)."``."""
    if not at_police_station(location):
        return ""
    if ranked is None:
        return STATION_NOTE
    return f"{STATION_NOTE} Listed after the other places (by its rank it would be place {ranked})."
