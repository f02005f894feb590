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

``scheme`` and ``k`` choose how the map's ward shades are classed (``docs/map.md``, "Class
breaks"): :data:`SCHEME_LABELS` names the schemes (all ``mapclassify``'s), ``k`` the number of
classes besides "none" (:data:`K_MIN`..:data:`K_MAX`; for the change measure, the number on
each side of "no change", at most :data:`K_CHANGE_MAX`). :func:`parse_scheme` and
:func:`parse_k` are their one parsers (map form, ``/map.json``, the API).

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

#: The map's classification schemes, with a form's words for each (the one list: the form, the
#: parameter check and the key use it). The first is the default.
SCHEME_LABELS: Final[dict[str, str]] = {
    "quantiles": "Quantiles",
    "natural_breaks": "Natural breaks (Jenks)",
    "equal_interval": "Equal intervals",
    "head_tail": "Head/tail breaks",
}
SCHEMES: Final = tuple(SCHEME_LABELS)
DEFAULT_SCHEME: Final = "quantiles"
#: Fewest and most classes (besides "none"; ColorBrewer's Blues has 9 colours at most).
K_MIN: Final = 3
K_MAX: Final = 7
#: Most classes on each side of "no change" (ColorBrewer's PuOr has 11 colours at most).
K_CHANGE_MAX: Final = 5
#: Classes when ``k`` is not given: quartiles of counts and rates, terciles of change sizes.
DEFAULT_K: Final = 4
DEFAULT_CHANGE_K: Final = 3
SCHEME_EXPECTED: Final = "one of " + ", ".join(SCHEMES)
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


def parse_scheme(value: str, field: str = "scheme") -> str:
    """A classification scheme of :data:`SCHEMES` (empty: :data:`DEFAULT_SCHEME`);
    :class:`ParameterError` naming ``field`` and the schemes otherwise."""
    text = str(value).strip()
    if not text:
        return DEFAULT_SCHEME
    if text not in SCHEMES:
        raise ParameterError(field, text, SCHEME_EXPECTED)
    return text


def k_expected(change: bool) -> str:
    """What ``k`` may be: for the change measure, classes on each side of "no change"."""
    if change:
        return f"a whole number of classes on each side of no change from {K_MIN} to {K_CHANGE_MAX}"
    return f"a whole number of classes from {K_MIN} to {K_MAX}"


def parse_k(value: str | int | None, field: str = "k", *, change: bool = False) -> int | None:
    """A number of classes within :data:`K_MIN`..:data:`K_MAX` (:data:`K_CHANGE_MAX` for the
    change measure), or None (empty or absent: the measure's default, :func:`default_k`);
    :class:`ParameterError` naming ``field`` otherwise."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise ParameterError(field, text, k_expected(change)) from None
    if not K_MIN <= number <= (K_CHANGE_MAX if change else K_MAX):
        raise ParameterError(field, text, k_expected(change))
    return number


def default_k(change: bool) -> int:
    """The number of classes when none is given: :data:`DEFAULT_CHANGE_K` a side for change,
    :data:`DEFAULT_K` otherwise (the product's classes before a scheme could be chosen)."""
    return DEFAULT_CHANGE_K if change else DEFAULT_K
