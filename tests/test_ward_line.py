"""A ward's figures in words (``hotspots.presentation.ward_line``), the sentence the map page's
and the briefing's ward finder says: worked out by hand from the counts."""

from __future__ import annotations

import pytest

from hotspots.presentation import ward_line

NOW, THEN = "Oct–Dec 2025", "Jul–Sep 2025"


@pytest.mark.parametrize(
    ("count", "prev", "then", "said"),
    [
        # 47 / 15 = 3.133: 213% more (half up), the force headline's words
        (47, 15, THEN, "213% more drug offences in Oct–Dec 2025 than in Jul–Sep 2025 (47 vs 15)"),
        # a base under 10: the difference, not a percentage
        (5, 2, THEN, "3 more drug offences in Oct–Dec 2025 than in Jul–Sep 2025 (5 vs 2)"),
        (14, 0, THEN, "14 drug offences in Oct–Dec 2025, up from none in Jul–Sep 2025"),
        (0, 0, THEN, "no drug offences in Oct–Dec 2025 or Jul–Sep 2025"),
        # the comparison's count blank (the public's small counts): the count alone, said so
        (
            14,
            None,
            THEN,
            "14 drug offences in Oct–Dec 2025; the count for Jul–Sep 2025 is not shown",
        ),
        # no comparison period held
        (1, None, None, "1 drug offence in Oct–Dec 2025"),
        (1_234, None, None, "1,234 drug offences in Oct–Dec 2025"),
        # the ward's own count blank: nothing to say (the page says why)
        (None, 12, THEN, None),
    ],
)
def test_a_wards_line_says_its_figures(
    count: int | None, prev: int | None, then: str | None, said: str | None
) -> None:
    assert ward_line(count, prev, NOW, then) == said
