"""Map class breaks from ``mapclassify`` with the product's rules on top (worked by hand).

``tests/test_render.py`` holds the quartile and tercile cases by hand; these add the edges
where the library and the rules meet: a quantile that ``mapclassify`` computes a hair above a
whole number, tied quantiles, and the breaks being ``mapclassify.Quantiles``'s own.
"""

from __future__ import annotations

import math

import mapclassify
import numpy as np
import pytest

from hotspots.render import classes as cls


def test_a_tercile_on_a_whole_number_is_that_number() -> None:
    # |changes| 1 and 10: terciles 1 + 9/3 = 4 and 1 + 2 * 9/3 = 7 by hand; mapclassify gives
    # 4.000000000000001 and 7.000000000000001 (percentiles in steps of 100/3), which rounded up
    # plainly would read "1–5", "6–8"
    assert [b for b in mapclassify.Quantiles(np.array([1.0, 10.0]), k=3).bins[:2]] != [4.0, 7.0]
    c = cls.change_classes([-1, 10])
    assert c.labels == (
        "fall of 8 or more",
        "fall of 5–7",
        "fall of 1–4",
        "no change",
        "rise of 1–4",
        "rise of 5–7",
        "rise of 8 or more",
    )
    assert [c.index(v) for v in (-1, 4, 5, 7, 8, 10)] == [2, 4, 5, 5, 6, 6]


def test_tied_quartiles_merge_into_fewer_classes_without_a_warning() -> None:
    # non-zero 1, 1, 1, 1, 1, 9: quartiles 1, 1, 1 (one bound), max 9
    with_ties = [0, 1, 1, 1, 1, 1, 9]
    with pytest.warns(UserWarning, match="Not enough unique values"):
        mapclassify.Quantiles(np.array([4.0, 4.0]), k=4)  # the library warns on ties ...
    c = cls.sequential_classes(with_ties, integer=True)  # ... the classes do not (errors on)
    assert c.labels == ("none", "1", "2–9")
    assert cls.sequential_classes([0, 4, 4], integer=True).labels == ("none", "1–4")


def test_the_bounds_are_mapclassify_quantiles_rounded() -> None:
    rng = np.random.default_rng(7)
    rates = rng.gamma(0.8, 3.0, size=200)
    c = cls.sequential_classes([0.0, *rates], integer=False)
    q = mapclassify.Quantiles(rates, k=4).bins
    assert c.upper[1:4] == tuple(cls._round_sig(float(b)) for b in q[:3])
    assert c.upper[-1] == math.inf and c.lower[:2] == (-math.inf, 0.0)
