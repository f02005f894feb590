"""Complementary suppression: no blank ward count can be worked out from a published total
(the force's, a district's). Answers worked out by hand (threshold 5)."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd

from hotspots import schema
from hotspots.publicsafe import complementary, suppress_small_counts
from tests.helpers import AppFactory, ClientFor

AUTUMN = "from=2025-10&to=2025-12"


def _wards(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        rows, columns=[schema.WARD_CODE, schema.DISTRICT_CODE, "offence_count", "offence_prev"]
    )
    frame["offence_change"] = frame["offence_count"] - frame["offence_prev"]
    return gpd.GeoDataFrame(frame)


def _blank(table: pd.DataFrame, column: str) -> list[str]:
    return table.loc[table[column].isna(), schema.WARD_CODE].tolist()


def test_one_blank_count_in_a_district_takes_the_next_smallest_with_it() -> None:
    # District A: a1 = 3 is under 5; alone it would be A's total minus 10 and 20, so the
    # smallest shown, a2 = 10, is blanked too (two blanks summing to 13 >= 5). District B has
    # no small count and stays whole. The force: blanks a1 + a2 = 13, two of them: enough.
    wards = _wards(
        [
            ("a1", "A", 3, 9),
            ("a2", "A", 10, 9),
            ("a3", "A", 20, 9),
            ("b1", "B", 6, 9),
            ("b2", "B", 8, 9),
        ]
    )
    out = suppress_small_counts(wards, 5, drop_raids=False, layers=("offence",))
    assert _blank(out, "offence_count") == ["a1", "a2"]
    assert out.loc[out[schema.WARD_CODE] == "a3", "offence_count"].item() == 20
    # The previous period follows the current blanks (a change needs both counts).
    assert _blank(out, "offence_prev") == ["a1", "a2"]
    assert _blank(out, "offence_change") == ["a1", "a2"]


def test_small_blanks_summing_under_the_threshold_take_more_with_them() -> None:
    # Every count of C is under 5 but c4: 0 + 1 + 2 = 3 < 5 would bound each blank under 5
    # from C's total, so c4 = 50 is blanked too; the force total then hides 53 in 4 blanks.
    wards = _wards([("c1", "C", 0, 7), ("c2", "C", 1, 7), ("c3", "C", 2, 7), ("c4", "C", 50, 7)])
    out = suppress_small_counts(wards, 5, drop_raids=False, layers=("offence",))
    assert _blank(out, "offence_count") == ["c1", "c2", "c3", "c4"]


def test_without_districts_the_table_total_is_the_only_margin() -> None:
    counts = pd.Series([4.0, 6.0, 5.0, math.nan, 9.0])
    blank = complementary(counts, counts < 5, [pd.RangeIndex(5).to_numpy()], 5)
    # x = 4 is blank; the smallest shown is 5 (the third), not the missing count (no data).
    assert blank.tolist() == [True, False, True, False, False]
    none_small = pd.Series([7.0, 8.0])
    assert not complementary(none_small, none_small < 5, [pd.RangeIndex(2).to_numpy()], 5).any()


def test_the_publics_totals_give_back_no_blank_count(
    app_factory: AppFactory, client_for: ClientFor
) -> None:
    """On the demo: in the whole table and in every district, the wards the public sees blank
    are none, or at least two whose true counts (an analyst's) sum to at least the threshold:
    the published total minus the counts shown never gives one back."""
    public = app_factory(PUBLIC_MODE=True, WARM_PRESETS=0, CACHE_DIR="")
    below = int(public.config["SUPPRESS_BELOW"])
    seen = public.test_client().get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    held = client_for("analyst").get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    true = {f["properties"][schema.WARD_CODE]: f["properties"]["offence_count"] for f in held}
    props = pd.DataFrame([f["properties"] for f in seen])
    props["true"] = props[schema.WARD_CODE].map(true)
    assert props["offence_count"].isna().any()  # the demo has small counts
    groups = [props, *(g for _, g in props.groupby(schema.DISTRICT_CODE))]
    assert len(groups) > 2
    for group in groups:
        hidden = group.loc[group["offence_count"].isna(), "true"]
        assert len(hidden) == 0 or (len(hidden) >= 2 and hidden.sum() >= below)
    shown = props["offence_count"].dropna()
    assert (shown == props.loc[shown.index, "true"]).all()  # what is shown is the true count


def test_the_previous_period_is_blank_where_its_own_table_is_blank() -> None:
    # The previous period's own table (its counts as offence_count): y = 2 is under 5 and takes
    # the smallest shown, x = 6, with it: y and x blank. In the current table w's current count
    # (1) is under 5, so w's previous count is blank too; the previous column's blanks were then
    # made again from {y, w}: two blanks summing to 42, enough, so x = 6 was shown there. The two
    # tables together then showed x, z and w of the previous period, and the district total gave
    # y = 2 back. The previous column now starts from the previous period's own blanks.
    before = [("y", "D", 2.0), ("x", "D", 6.0), ("z", "D", 8.0), ("w", "D", 40.0)]
    now = {"y": 10.0, "x": 10.0, "z": 10.0, "w": 1.0}
    own = suppress_small_counts(
        _wards([(w, d, prev, 0.0) for w, d, prev in before]),
        5,
        drop_raids=False,
        layers=("offence",),
    )
    assert _blank(own, "offence_count") == ["y", "x"]
    current = suppress_small_counts(
        _wards([(w, d, now[w], prev) for w, d, prev in before]),
        5,
        drop_raids=False,
        layers=("offence",),
    )
    assert set(_blank(current, "offence_prev")) >= {"y", "x"}
    shown = current["offence_prev"].notna()
    assert (current.loc[shown, "offence_prev"] == own.loc[shown, "offence_count"]).all()
