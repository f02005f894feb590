"""The hotspot parameters people may give, their bounds, and the one parser of each.

``eps_m`` (the DBSCAN radius, metres) and ``min_samples`` (offences within it that make a core
point) reach the analysis from the command line (``--eps-m``, ``--min-samples``), the map form,
the analyst API and the OGC API; the OpenAPI documents state the same ``minimum``/``maximum``.
All of them take their bounds and their parsing from here, so a value is accepted or refused
alike everywhere, with one message naming the field and the range.

``significant`` (only hotspots whose Monte Carlo test is significant) and the map's layer
checkboxes are yes/no flags with one vocabulary, :data:`FLAG_WORDS`, read by
:func:`parse_flag`: ``1 true on yes`` and ``0 false off no``, in any case; an empty value is the
flag's default. This is the union of what the map form and the patrol form accepted when each
had its own list (the patrol form had ``0 1 true false`` and empty).

The bounds are for what a person types: :class:`hotspots.cluster.HotspotDetector` itself accepts
any radius above 0 (scikit-learn's conventions), which tests and back-tests use.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar

from hotspots.errors import HotspotsError

#: The word that leaves the choice to the automatic rules (:mod:`hotspots.cluster.auto`).
#: A number kind a parameter is read as.
_N = TypeVar("_N", int, float)

AUTO: Final = "auto"
#: Smallest and largest DBSCAN radius, metres.
EPS_M_MIN: Final = 10
EPS_M_MAX: Final = 2000
#: Smallest and largest number of offences that make a core point.
MIN_SAMPLES_MIN: Final = 2
MIN_SAMPLES_MAX: Final = 10_000

#: What each word of a yes/no flag means (any case; an empty value is the flag's default).
FLAG_WORDS: Final[dict[str, bool]] = {
    "1": True,
    "true": True,
    "on": True,
    "yes": True,
    "0": False,
    "false": False,
    "off": False,
    "no": False,
}
FLAG_EXPECTED: Final = "1 or 0"
EPS_M_EXPECTED: Final = f"a number of metres from {EPS_M_MIN} to {EPS_M_MAX}, or '{AUTO}'"
MIN_SAMPLES_EXPECTED: Final = (
    f"a whole number from {MIN_SAMPLES_MIN} to {MIN_SAMPLES_MAX}, or '{AUTO}'"
)


class ParameterError(HotspotsError, ValueError):
    """A parameter value outside its rule; the message names the field, the value and what is
    expected (``eps_m '5': expected a number of metres from 10 to 2000, or 'auto'``)."""

    def __init__(self, field: str, value: str, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field} {value!r}: expected {expected}")


def parse_eps_m(value: str | float, field: str = "eps_m") -> float | Literal["auto"]:
    """``value`` as a radius in metres within :data:`EPS_M_MIN`..:data:`EPS_M_MAX`, or
    ``"auto"``; :class:`ParameterError` naming ``field`` otherwise (NaN and infinity too)."""
    return _parse_bounded(value, field, float, EPS_M_MIN, EPS_M_MAX, EPS_M_EXPECTED)


def parse_min_samples(value: str | int, field: str = "min_samples") -> int | Literal["auto"]:
    """``value`` as a whole number within :data:`MIN_SAMPLES_MIN`..:data:`MIN_SAMPLES_MAX`, or
    ``"auto"``; :class:`ParameterError` naming ``field`` otherwise (``1.5`` too)."""
    return _parse_bounded(value, field, int, MIN_SAMPLES_MIN, MIN_SAMPLES_MAX, MIN_SAMPLES_EXPECTED)


def _parse_bounded(
    value: str | float, field: str, kind: type[_N], low: float, high: float, expected: str
) -> _N | Literal["auto"]:
    """``"auto"``, or ``value`` read as ``kind`` within ``low``..``high`` (NaN is outside)."""
    text = str(value).strip()
    if text == AUTO:
        return AUTO
    try:
        number = kind(text)
    except ValueError:
        raise ParameterError(field, text, expected) from None
    if not low <= number <= high:  # False for NaN
        raise ParameterError(field, text, expected)
    return number


def parse_flag(value: str, field: str = "significant", default: bool = False) -> bool:
    """A yes/no flag by :data:`FLAG_WORDS` (any case, spaces ignored; empty: ``default``);
    :class:`ParameterError` naming ``field`` for any other word."""
    text = str(value).strip().lower()
    if not text:
        return default
    if text not in FLAG_WORDS:
        raise ParameterError(field, text, FLAG_EXPECTED)
    return FLAG_WORDS[text]
