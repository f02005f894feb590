"""The patrol plan's stated capture is the capture its rule's earlier plans had, and a plan's
forecast chosen at the plan's own size reads nothing from the month it forecasts.

On the hand-made patrol store of ``tests/test_patrol.py``: P (500500, 200500) has 5, 7, 2, 8,
1, 6 offences in 2025-01..06, Q (501500, 200500) 6 in June only, R (500200, 200800) 5 in May
only. By hand, for a plan of 2 places made after 2025-06: Feb-Apr only P's cell had had an
offence and every offence was there (100%); the plan made after April could list P only, and
May's offences were 1 at P and 5 at R (1/6); the plan made after May lists P and R (Q had no
offence before June), and June's were 6 at P, 6 at Q (6/12). Median 100%, 17-100%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotspots.evaluate.next_month import next_month, plan_cells, plan_options
from hotspots.patrol.forecast_places import forecast_places
from hotspots.store import Store
from tests.helpers import store_of_rows, street_row
from tests.test_patrol import MONTHS, PLACES, toy_store  # noqa: F401  (the fixture)

FORCE = ("E05000001", "E05000002")


def _plan(store: Store, end: str, top_n: int, plan_places: int | None = None):
    """The places (cells) and stated capture of the forecast plan of the whole toy force made
    after ``end``, as :func:`hotspots.patrol.patrol_plan` makes them."""
    ahead = next_month(store, end, plan_places=plan_places)
    offences = store.load(["offence"])
    places, capture, _ = forecast_places(
        ahead,
        offences,
        store.load_boundary("wards"),
        FORCE,
        offences.iloc[:0].assign(rank=[]),
        top_n=top_n,
        basis_months=[end],
        compare_months=None,
        exact_points=True,
    )
    return ahead, places["cell"].tolist(), capture


def test_plan_cells_by_hand() -> None:
    share = np.array([0.1, 0.4, 0.0, 0.4, 0.1])
    eligible = np.array([True, True, True, True, False])
    assert plan_cells(share, eligible, 2).tolist() == [1, 3]  # a tie: in cell order
    assert plan_cells(share, eligible, 3).tolist() == [1, 3, 0]  # cell 4 is not eligible
    assert plan_cells(share, eligible, 9).tolist() == [1, 3, 0]  # cell 2: no share, not listed


def test_plan_options_choose_at_the_plans_own_size() -> None:
    assert plan_options(None, 10, 55_366).target_coverages == (10 / 55_366,)
    assert plan_options(None, 10, 5).target_coverages == (1.0,)
    for bad in (0, True, 2.5):
        with pytest.raises(ValueError, match="plan_places"):
            plan_options(None, bad, 100)  # type: ignore[arg-type]


def test_stated_capture_is_what_the_earlier_plans_held(toy_store: Path) -> None:  # noqa: F811
    store = Store(toy_store)
    _, cells, capture = _plan(store, "2025-06", top_n=2)
    assert capture["tested"] == MONTHS[1:]
    assert (capture["median"], capture["min"], capture["max"]) == pytest.approx((1, 1 / 6, 1))
    # The same figures from the plans actually made after each earlier month.
    held = []
    offences = store.load(["offence"])
    for month in MONTHS[1:]:
        ahead, earlier, _ = _plan(store, MONTHS[MONTHS.index(month) - 1], top_n=2)
        that = offences[offences["month"].astype(str) == month]
        cell_of = ahead.grid.position(np.c_[that.geometry.x, that.geometry.y])
        held.append(np.isin(cell_of, earlier).sum() / len(that))
    assert held == pytest.approx([1, 1, 1, 1 / 6, 0.5])
    assert capture["median"] == pytest.approx(float(np.median(held)))
    assert (capture["min"], capture["max"]) == pytest.approx((min(held), max(held)))
    assert len(cells) == 2 and capture["places"] == 2


@pytest.mark.parametrize("plan_places", [None, 1])
def test_the_plan_for_a_month_reads_nothing_of_that_month(
    toy_store: Path,  # noqa: F811
    toy_boundaries: tuple[Path, Path],
    tmp_path: Path,
    plan_places: int | None,
) -> None:
    """June's offences changed (P none, Q 9, R 3): the plan for June, made after May, keeps its
    places, its forecast and its stated capture."""
    june = {"P": 0, "Q": 9, "R": 3}
    rows = [
        street_row(f"{name}{month}-{k}", x, y, month=month, location=location)
        for i, month in enumerate(MONTHS)
        for name, ((x, y), location, counts) in PLACES.items()
        for k in range(june[name] if month == "2025-06" else counts[i])
    ]
    changed = Store(store_of_rows(rows, toy_boundaries, tmp_path))
    a, cells_a, capture_a = _plan(Store(toy_store), "2025-05", 2, plan_places)
    b, cells_b, capture_b = _plan(changed, "2025-05", 2, plan_places)
    assert cells_a == cells_b and len(cells_a) == 2
    assert capture_a == capture_b
    for c in a.shares:
        assert np.array_equal(a.shares[c], b.shares[c])
    # ...and the plan after June does see June (the test could fail).
    assert not np.array_equal(
        next_month(Store(toy_store), "2025-06").expected_share,
        next_month(changed, "2025-06").expected_share,
    )
