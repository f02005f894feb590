"""The briefing's trend chart has one axis rule: the web page's SVG and the PNG/PDF's matplotlib
axes give the same top and ticks for the same figures (Merseyside walkthrough: the page's
axis went to 2,000 for months around 1,100, the PDF's to 1,200). Answers worked out by hand."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from hotspots.briefing.axis import count_axis
from hotspots.briefing.panels import draw_trend
from web.briefing import trend_svg


def _rows(values: list[int]) -> list[dict[str, object]]:
    return [
        {"label": f"Month 20{i:02d}", "offences": v, "part": "period"} for i, v in enumerate(values)
    ]


def _pdf_axis(values: list[int]) -> tuple[float, list[float]]:
    ax = Figure().add_subplot()
    draw_trend(ax, {"monthly": _rows(values), "period": "Jan 2025", "compare_to": ""})
    low, top = ax.get_ylim()
    assert low == 0
    return top, [float(t) for t in ax.get_yticks()]


@pytest.mark.parametrize(
    ("values", "top", "ticks"),
    [
        # 1,100 / 6 intervals = 183 -> a step of 200 -> the top tick 1,200 (not 2,000).
        ([1100, 950, 1020], 1200, [0, 200, 400, 600, 800, 1000, 1200]),
        ([3, 1, 2], 3, [0, 1, 2, 3]),  # 3 / 6 = 0.5 -> whole steps of 1
        ([0, 0], 1, [0, 1]),  # nothing: an axis of 0..1, not a division by zero
        ([47], 50, [0, 10, 20, 30, 40, 50]),  # 47 / 6 = 7.8 -> 10
    ],
)
def test_web_and_pdf_share_one_axis(values: list[int], top: int, ticks: list[int]) -> None:
    axis = count_axis(values)
    assert (axis.top, list(axis.ticks)) == (top, ticks)
    svg = trend_svg(_rows(values))
    assert [t["value"] for t in svg["ticks"]] == ticks
    assert _pdf_axis(values) == (top, [float(t) for t in ticks])
