"""Colour classes for the maps: palettes, class breaks and their legend labels.

Every palette is colour-blind safe (ColorBrewer schemes checked for deuteranopia, protanopia and
tritanopia), and every class has a text label, so colour is never the only way to read a map.

Class breaks
------------
``count`` and ``per_km2`` (sequential, ColorBrewer *Blues*)
    Wards with none get a class of their own ("none"); the other wards are split at the
    quartiles of their non-zero values, so each class holds about a quarter of the wards that
    have any. Counts are whole numbers and classes read ``1–5``, ``6–11``...; rates are rounded
    to two significant figures and classes read ``up to 2.5``, ``2.5 to 6.1``... (upper bound
    included). Equal breaks are merged, so there may be fewer than four classes.
``change`` (diverging, ColorBrewer *PuOr*: orange for a rise, purple for a fall)
    "no change" is its own class; rises and falls are split alike at the terciles of the
    non-zero absolute changes (whole numbers), so the scale is symmetric around zero.
Missing values (no comparison data, no area) get a grey "no data" class.

Schemes (analysts choose; ``docs/map.md``, "Class breaks")
    The breaks of the non-zero values (or change sizes) come from the scheme named by
    :data:`hotspots.parameters.SCHEMES`, each ``mapclassify``'s: ``quantiles`` (the default,
    as above, ``mapclassify.Quantiles``), ``natural_breaks`` (``mapclassify.FisherJenks``: the
    breaks that make the classes' values closest to their class means; 0.4 to 0.7 s for 700
    wards, measured), ``equal_interval`` (``mapclassify.EqualInterval``: ``k`` classes of equal
    width from the lowest to the highest value) and ``head_tail`` (``mapclassify.HeadTailBreaks``:
    the mean, then the mean of the values above it, and so on; its first ``k - 1`` breaks, so
    at most ``k`` classes). ``k`` (3 to 7; 3 to 5 each side for change) is the number of
    classes besides "none"; by default 4 (quartiles), and 3 each side for change (terciles).
    Standard-deviation classes (``mapclassify.StdMean``) are not offered: on counts, skewed
    and never below 0, the classes below the mean are empty or hold the zeros the "none" class
    already holds. Every class set records its scheme and ``k`` (:meth:`ColourClasses.record`),
    and the key's note names them.

The quantiles are ``mapclassify.Quantiles`` (PySAL's map classification library, linear
interpolation between order statistics, equal quantiles collapsed); the product's own rules
(the class of its own for none / no change / no data, whole-number bounds for counts, the
symmetric change scale, merging equal bounds, the labels) are applied here on top. A quantile
that lands on a whole number is that number: bounds within 1e-9 of one are not rounded up
(``mapclassify`` computes percentiles as ``100 / k`` steps, so a tercile of whole numbers can
come out a hair above one: the terciles of 1 and 10 are 4.000000000000001 and
7.000000000000001, which would otherwise read 5 and 8). ``mapclassify`` is imported on the first
classes a process makes, not with the module: it imports ``matplotlib.pyplot``, ``scipy.stats``
and scikit-learn's clustering, which ``import web`` does not otherwise load (1.1 s measured in a
process that had imported ``web``, load average 5 on 2 cores; ``python -X importtime``). Served
as ``docs/web.md`` says (gunicorn ``--preload``), the app's warm-up draws the presets' maps
before the workers fork (:mod:`web.warm`), so the workers inherit it loaded.

The palettes are ColorBrewer's published hex values as constants: matplotlib's colormaps of the
same names are ramps through the 9- and 11-class schemes, whose five samples are not the
5-class scheme (``Blues`` gives ``#f7fbff ... #08306b``, ColorBrewer's 5-class ``#eff3ff ...
#08519c``), and ``palettable`` (last release April 2023) would be a dependency for sixteen strings.
:func:`contrast_ratio` is WCAG 2's relative-luminance formula, a few lines (the PyPI
``wcag-contrast-ratio`` was last released in 2015).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from branca.utilities import color_brewer

from hotspots.parameters import DEFAULT_SCHEME, SCHEMES, default_k

#: ColorBrewer Blues, 5 classes (the first is the "none" class).
BLUES_5: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: ColorBrewer PuOr, 7 classes, from a large fall (purple) to a large rise (orange).
PUOR_7: tuple[str, ...] = (
    "#542788",
    "#998ec3",
    "#d8daeb",
    "#f7f7f7",
    "#fee0b6",
    "#f1a340",
    "#b35806",
)
#: ColorBrewer OrRd for hotspot ranks, darkest = rank 1.
HOTSPOT_COLOURS: tuple[str, ...] = ("#7f0000", "#d7301f", "#fc8d59", "#fdd49e")
#: Rank buckets for :data:`HOTSPOT_COLOURS`: ranks 1, 2-3, 4-6, 7 and above.
HOTSPOT_RANK_BOUNDS: tuple[int, ...] = (1, 3, 6)
NO_DATA_COLOUR = "#bdbdbd"
TEXT_DARK = "#1a1a1a"
TEXT_LIGHT = "#ffffff"


@dataclass(frozen=True)
class ColourClasses:
    """Classes of a measure: colour and legend label of each, and how values are assigned.

    ``lower[i] < value <= upper[i]`` puts a value in class ``i`` (bounds may be infinite).
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    note: str
    #: The scheme (:data:`hotspots.parameters.SCHEMES`) and number of classes asked for.
    scheme: str = DEFAULT_SCHEME
    k: int = 4

    def index(self, value: float | None) -> int | None:
        """Class of ``value``; None for a missing value (NaN or None)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        for i, (low, high) in enumerate(zip(self.lower, self.upper, strict=True)):
            if low < value <= high:
                return i
        raise ValueError(f"value {value} falls in no class (bounds {self.lower}..{self.upper})")

    def colour(self, value: float | None) -> str:
        """Fill colour of ``value`` (:data:`NO_DATA_COLOUR` when missing)."""
        i = self.index(value)
        return NO_DATA_COLOUR if i is None else self.colours[i]

    def record(self) -> dict[str, object]:
        """The scheme, ``k`` and each class (label, colour, ``lower < value <= upper``; an
        unbounded end is null), JSON-ready: what ``/map.json`` and the exports record."""
        classes = [
            {
                "label": label,
                "colour": colour,
                "lower": None if math.isinf(low) else low,
                "upper": None if math.isinf(high) else high,
            }
            for low, high, colour, label in zip(
                self.lower, self.upper, self.colours, self.labels, strict=True
            )
        ]
        return {"scheme": self.scheme, "k": self.k, "classes": classes}


def sequential_classes(
    values: Sequence[float],
    *,
    integer: bool,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> ColourClasses:
    """Classes of the non-zero values by ``scheme`` (default quartiles) plus a "none" class
    (see the module docstring).

    Parameters
    ----------
    values
        The measure of every ward (counts or rates >= 0; NaN for unknown), pooled over every
        pane that shares the legend.
    integer
        True for counts (whole-number class labels).
    scheme, k
        The scheme (:data:`hotspots.parameters.SCHEMES`) and number of classes besides "none"
        (None: 4); fewer classes when breaks tie.
    """
    k = _check_scheme(scheme, k, change=False)
    data = np.asarray(values, dtype=float)
    if (data[~np.isnan(data)] < 0).any():
        raise ValueError("sequential classes need values >= 0; got a negative value")
    positive = data[data > 0]
    uppers: list[float] = []
    top = 0.0
    if positive.size:
        top = float(positive.max())
        for q in _scheme_bounds(positive, scheme, k):
            bound = _ceil(q) if integer else _round_sig(q)
            if bound < top and (not uppers or bound > uppers[-1]):
                uppers.append(bound)
        uppers.append(math.inf)
    lower = [-math.inf, *([0.0, *uppers[:-1]] if uppers else [])]
    upper = [0.0, *uppers]
    labels = ["none"]
    for i, (low, high) in enumerate(zip(lower[1:], upper[1:], strict=True)):
        if integer:
            first = int(low) + 1
            last = int(top) if math.isinf(high) else int(high)
            labels.append(str(first) if first == last else f"{first:,}–{last:,}")
        elif i == 0:
            labels.append(f"up to {_fmt(high if not math.isinf(high) else top)}")
        elif math.isinf(high):
            labels.append(f"over {_fmt(low)}")
        else:
            labels.append(f"{_fmt(low)} to {_fmt(high)}")
    blues = BLUES_5 if k == 4 else tuple(color_brewer("Blues", k + 1))
    colours = (blues[0], *blues[k + 1 - len(uppers) :]) if uppers else (blues[0],)
    note = f"Classes: none, then {_scheme_words(scheme, k)} of the wards with any. " + (
        _record_words(scheme, k)
    )
    return ColourClasses(tuple(lower), tuple(upper), colours, tuple(labels), note, scheme, k)


def change_classes(
    values: Sequence[float], *, scheme: str = DEFAULT_SCHEME, k: int | None = None
) -> ColourClasses:
    """Symmetric diverging classes of a change in counts (see the module docstring).

    Parameters
    ----------
    values
        ``count - previous count`` of every ward (whole numbers; NaN when not comparable).
    scheme, k
        The scheme of the change sizes and the number of classes on each side of "no change"
        (None: 3); fewer when breaks tie.
    """
    k = _check_scheme(scheme, k, change=True)
    data = np.asarray(values, dtype=float)
    size = np.abs(data[~np.isnan(data) & (data != 0)])
    bounds: list[float] = []
    top = 0.0
    if size.size:
        top = float(size.max())
        for q in _scheme_bounds(size, scheme, k):
            bound = _ceil(q)
            if bound < top and (not bounds or bound > bounds[-1]):
                bounds.append(bound)
        bounds.append(math.inf)
    # steps from 0 outwards: (0, b0], (b0, b1], ...
    steps = list(zip([0.0, *bounds[:-1]], bounds, strict=True)) if bounds else []
    lower: list[float] = []
    upper: list[float] = []
    labels: list[str] = []
    for low, high in reversed(steps):  # falls, largest first
        lower.append(-high - 0.5 if not math.isinf(high) else -math.inf)
        upper.append(-low - 0.5)
        labels.append("fall of " + _step_label(low, high))
    lower.append(-0.5)
    upper.append(0.5)
    labels.append("no change")
    for low, high in steps:  # rises, smallest first
        lower.append(low + 0.5)
        upper.append(high + 0.5 if not math.isinf(high) else math.inf)
        labels.append("rise of " + _step_label(low, high))
    n = len(steps)
    puor = PUOR_7 if k == 3 else tuple(reversed(color_brewer("PuOr", 2 * k + 1)))
    colours = (*puor[k - n : k], puor[k], *puor[k + 1 : k + 1 + n])
    note = (
        f"Classes: no change, then {_scheme_words(scheme, k)} of the size of the other changes"
        f"{' (on each side)' if scheme != 'quantiles' else ''}. " + _record_words(scheme, k)
    )
    return ColourClasses(tuple(lower), tuple(upper), colours, tuple(labels), note, scheme, k)


def hotspot_colour(rank: int) -> str:
    """Fill colour of a hotspot by rank (1 = most offences = darkest)."""
    for colour, bound in zip(HOTSPOT_COLOURS, HOTSPOT_RANK_BOUNDS, strict=False):
        if rank <= bound:
            return colour
    return HOTSPOT_COLOURS[-1]


def hotspot_rank_labels() -> list[tuple[str, str]]:
    """(colour, label) of each hotspot rank bucket, for the legend."""
    labels = []
    low = 1
    for colour, bound in zip(HOTSPOT_COLOURS, HOTSPOT_RANK_BOUNDS, strict=False):
        labels.append((colour, f"rank {low}" if low == bound else f"ranks {low}–{bound}"))
        low = bound + 1
    labels.append((HOTSPOT_COLOURS[-1], f"rank {low} and below"))
    return labels


def text_colour(background: str) -> str:
    """Dark or light text, whichever has the higher WCAG contrast on ``background``."""
    lum = _luminance(background)
    dark = (lum + 0.05) / (_luminance(TEXT_DARK) + 0.05)
    light = (_luminance(TEXT_LIGHT) + 0.05) / (lum + 0.05)
    return TEXT_DARK if dark >= light else TEXT_LIGHT


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


#: Quantiles by name, as the key says them.
_QUANTILE_NAMES: dict[int, str] = {
    3: "terciles",
    4: "quartiles",
    5: "quintiles",
    6: "sextiles",
    7: "septiles",
}


def _check_scheme(scheme: str, k: int | None, *, change: bool) -> int:
    """``k`` (its default when None) after checking ``scheme`` is known and ``k`` at least 1."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme {scheme!r}: expected one of {', '.join(SCHEMES)}")
    k = default_k(change) if k is None else int(k)
    if k < 1:
        raise ValueError(f"k {k}: expected a number of classes of 1 or more")
    return k


def _scheme_words(scheme: str, k: int) -> str:
    """The classes of ``scheme`` in words, for the key's note."""
    if scheme == "quantiles":
        return _QUANTILE_NAMES.get(k, f"{k} quantiles")
    if scheme == "natural_breaks":
        return f"{k} natural-breaks classes (Fisher-Jenks)"
    if scheme == "equal_interval":
        return f"{k} equal intervals from the lowest to the highest"
    return f"head/tail breaks (at most {k} classes, each break the mean of those above the last)"


def _record_words(scheme: str, k: int) -> str:
    """The scheme and ``k`` as the URL and the API name them, for the key's note."""
    return f"Scheme: {scheme}, k = {k}."


def _scheme_bounds(values: np.ndarray, scheme: str, k: int) -> list[float]:
    """The inner bounds of ``k`` classes of ``values`` (not empty) by ``scheme``, lowest first:
    the ``mapclassify`` classifier's ``bins`` without the last (the maximum); fewer when
    breaks tie or the values have fewer distinct values than ``k``; none for one value."""
    import mapclassify  # here, not at the top (module docstring: ~1 s to import)

    distinct = int(np.unique(values).size)
    if distinct < 2:
        return []
    with warnings.catch_warnings():  # ties: "Not enough unique values ..."; merged by the caller
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        warnings.filterwarnings("ignore", "Setting k to", UserWarning)
        # numba (which speeds Fisher-Jenks up) is not a dependency: the pure-Python one is
        # 0.4-0.7 s for 700 wards (module docstring)
        warnings.filterwarnings("ignore", "Numba not installed", UserWarning)
        if scheme == "quantiles":
            bins = mapclassify.Quantiles(values, k=k).bins
        elif scheme == "natural_breaks":  # refuses k above the distinct values
            bins = mapclassify.FisherJenks(values, k=min(k, distinct)).bins
        elif scheme == "equal_interval":
            bins = mapclassify.EqualInterval(values, k=k).bins
        else:  # head_tail: as many breaks as the values give; the first k - 1
            return [float(b) for b in mapclassify.HeadTailBreaks(values).bins[:-1][: k - 1]]
    return [float(b) for b in bins[:-1]]


def _ceil(value: float) -> float:
    """``value`` rounded up to a whole number, a value within 1e-9 of one being that one."""
    return float(math.ceil(value - 1e-9))


def _round_sig(value: float, digits: int = 2) -> float:
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"


def _step_label(low: float, high: float) -> str:
    first = int(low) + 1
    if math.isinf(high):
        return f"{first:,} or more"
    return str(first) if first == int(high) else f"{first:,}–{int(high):,}"
