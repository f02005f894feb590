"""Ward summary: counts, changes, rates and ranks by ward, district roll-up, force totals, words.

The hand-made world, British National Grid metres (EPSG:27700)::

    y=201000 +-----------+-----------------------+
             | E05000001 | E05000002 "Bravo"     |   Northshire (E07000001)
             | "Alpha"   | 2 km²                 |
             | 1 km²     |                       |
    y=200000 +-----------+-----------+-----------+
             | E05000003 "Charlie"   |               Southshire (E07000002)
             | 4 km²                 |
    y=198000 +-----------------------+
           x=500000    501000      502000      503000

Period Apr–Jun 2025, compared with Jan–Mar 2025. Events (layer: ward month, ...):

- offence: Alpha 01, 01, 02, 03 | 04, 05, 06;  Bravo 04, 04, 05;  ignored: Alpha 2024-12, Bravo 07
- search:  Bravo 02;  Charlie 03 | 06, 06
- raid:    Charlie 05 (supply)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.periods import Period, PeriodError, month_range
from hotspots.store import Store
from hotspots.ward_summary import (
    PopulationFormatError,
    WardSummaryError,
    category_counts,
    district_summary,
    force_totals,
    headline,
    read_population,
    ward_summary,
)

PERIOD = Period.months("2025-04", "2025-06")
ALPHA, BRAVO, CHARLIE = "E05000001", "E05000002", "E05000003"
NAN = np.nan


def toy_wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {  # deliberately not in code order
            "ward_code": [CHARLIE, ALPHA, BRAVO],
            "ward_name": ["Charlie", "Alpha", "Bravo"],
            "district_code": ["E07000002", "E07000001", "E07000001"],
            "district_name": ["Southshire", "Northshire", "Northshire"],
        },
        geometry=[
            box(500000, 198000, 502000, 200000),
            box(500000, 200000, 501000, 201000),
            box(501000, 200000, 503000, 201000),
        ],
        crs="EPSG:27700",
    )


def toy_events(extra: Sequence[tuple[str, str, str, str]] = ()) -> gpd.GeoDataFrame:
    rows = [
        *[("offence", m, ALPHA, "Drugs") for m in ("2025-01", "2025-01", "2025-02", "2025-03")],
        *[("offence", m, ALPHA, "Drugs") for m in ("2025-04", "2025-05", "2025-06")],
        *[("offence", m, BRAVO, "Drugs") for m in ("2025-04", "2025-04", "2025-05")],
        ("offence", "2024-12", ALPHA, "Drugs"),
        ("offence", "2025-07", BRAVO, "Drugs"),
        ("search", "2025-02", BRAVO, "Controlled drugs"),
        ("search", "2025-03", CHARLIE, "Controlled drugs"),
        ("search", "2025-06", CHARLIE, "Controlled drugs"),
        ("search", "2025-06", CHARLIE, "Controlled drugs"),
        ("raid", "2025-05", CHARLIE, "supply"),
        *extra,
    ]
    frame = pd.DataFrame(rows, columns=["layer", "month", "ward_code", "category"])
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy([500500] * len(frame), [200500] * len(frame)),
        crs="EPSG:27700",
    )


def population_frame() -> pd.DataFrame:
    # Charlie missing; E05999999 is not a ward here (a national table) and is ignored.
    return pd.DataFrame({"ward_code": [ALPHA, BRAVO, "E05999999"], "population": [2000, 500, 99]})


def col(frame: pd.DataFrame, name: str) -> list[float]:
    return frame[name].tolist()


# -- ward summary ---------------------------------------------------------------------------------


def test_every_ward_gets_counts_changes_rates_and_ranks() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD)

    assert col(table, "ward_code") == [ALPHA, BRAVO, CHARLIE]
    assert col(table, "district_code") == ["E07000001", "E07000001", "E07000002"]
    assert np.allclose(table["area_km2"], [1.0, 2.0, 4.0])
    assert table.crs == "EPSG:27700"
    assert table.geometry.area.tolist() == [1e6, 2e6, 4e6]

    assert col(table, "offence_count") == [3, 3, 0]  # 2024-12 and 2025-07 ignored
    assert col(table, "offence_prev") == [4, 0, 0]
    assert col(table, "offence_change") == [-1, 3, 0]
    np.testing.assert_array_equal(table["offence_change_pct"], [-25.0, NAN, NAN])
    np.testing.assert_allclose(table["offence_per_km2"], [3.0, 1.5, 0.0])
    assert col(table, "offence_rank") == [1, 1, 3]  # tie shares the lowest rank

    assert col(table, "search_count") == [0, 0, 2]
    assert col(table, "search_prev") == [0, 1, 1]
    np.testing.assert_array_equal(table["search_change_pct"], [NAN, -100.0, 100.0])
    np.testing.assert_allclose(table["search_per_km2"], [0.0, 0.0, 0.5])
    assert col(table, "search_rank") == [2, 2, 1]

    assert col(table, "raid_count") == [0, 0, 1]
    assert col(table, "raid_prev") == [0, 0, 0]
    assert col(table, "raid_change") == [0, 0, 1]
    assert table["raid_change_pct"].isna().all()  # previous 0: NaN, never inf
    assert col(table, "raid_rank") == [2, 2, 1]

    assert "population" not in table.columns
    assert not any(c.endswith("_per_1000") for c in table.columns)
    assert table.attrs == {
        "period": "Apr–Jun 2025",
        "compare_to": "Jan–Mar 2025",
        "months_without_events": {
            "offence": [],
            "search": ["2025-01", "2025-04", "2025-05"],
            "raid": ["2025-01", "2025-02", "2025-03", "2025-04", "2025-06"],
        },
    }


def test_column_order_and_no_infinite_values() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population_frame())
    per_layer = ["count", "prev", "change", "change_pct", "per_km2", "per_1000", "rank"]
    assert list(table.columns) == [
        "ward_code",
        "ward_name",
        "district_code",
        "district_name",
        "area_km2",
        "population",
        *[f"{layer}_{m}" for layer in ("offence", "search", "raid") for m in per_layer],
        "geometry",
    ]
    numbers = table.drop(columns="geometry").select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numbers).any()


def test_per_1000_with_a_population_table_and_a_ward_missing_from_it() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population_frame())
    assert table["population"].tolist() == [2000, 500, pd.NA]
    np.testing.assert_array_equal(table["offence_per_1000"], [1.5, 6.0, NAN])
    np.testing.assert_array_equal(table["search_per_1000"], [0.0, 0.0, NAN])
    assert table.attrs["wards_without_population"] == [CHARLIE]


def test_zero_population_gives_nan_rate_not_inf() -> None:
    population = pd.DataFrame({"ward_code": [ALPHA, BRAVO, CHARLIE], "population": [0, 500, 40]})
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population)
    np.testing.assert_array_equal(table["offence_per_1000"], [NAN, 6.0, 0.0])
    assert table.attrs["wards_without_population"] == []


def test_explicit_comparison_period_and_available_months() -> None:
    before = Period.months("2024-10", "2024-12")
    # 2024-10 and 2024-11 hold no event at all: counts there would read as zero.
    with pytest.raises(PeriodError, match=r"no data for 2024-10, 2024-11 in Oct–Dec 2024"):
        ward_summary(toy_events(), toy_wards(), PERIOD, compare_to=before)
    months = month_range("2024-10", "2025-07")
    table = ward_summary(
        toy_events(), toy_wards(), PERIOD, compare_to=before, available_months=months
    )
    assert col(table, "offence_prev") == [1, 0, 0]  # the Alpha offence of 2024-12
    assert table.attrs["compare_to"] == "Oct–Dec 2024"


def test_result_is_the_same_for_shuffled_input_and_inputs_are_not_modified() -> None:
    events, wards = toy_events(), toy_wards()
    events_before, wards_before = events.copy(), wards.copy()
    table = ward_summary(events, wards, PERIOD, population=population_frame())
    pd.testing.assert_frame_equal(events, events_before)
    pd.testing.assert_frame_equal(wards, wards_before)
    shuffled = ward_summary(
        events.sample(frac=1, random_state=1),
        wards.sample(frac=1, random_state=2),
        PERIOD,
        population=population_frame().iloc[::-1],
    )
    pd.testing.assert_frame_equal(table, shuffled)


def test_a_ward_with_no_events_at_all_still_has_a_row() -> None:
    wards = pd.concat(
        [
            toy_wards(),
            gpd.GeoDataFrame(
                {
                    "ward_code": ["E05000004"],
                    "ward_name": ["Delta"],
                    "district_code": ["E07000002"],
                    "district_name": ["Southshire"],
                },
                geometry=[box(502000, 198000, 503000, 199000)],
                crs="EPSG:27700",
            ),
        ],
        ignore_index=True,
    )
    table = ward_summary(toy_events(), wards, PERIOD)
    delta = table.set_index("ward_code").loc["E05000004"]
    assert (delta["offence_count"], delta["offence_prev"], delta["offence_rank"]) == (0, 0, 3)
    assert delta["area_km2"] == pytest.approx(1.0)


def test_events_from_an_unknown_ward_raise_but_only_inside_the_periods() -> None:
    outside = toy_events([("offence", "2025-09", "E05000099", "Drugs")])
    assert ward_summary(outside, toy_wards(), PERIOD)["offence_count"].sum() == 6
    inside = toy_events([("offence", "2025-05", "E05000099", "Drugs")])
    with pytest.raises(
        WardSummaryError, match=r"1 event\(s\) have ward codes not in wards.*E05000099"
    ):
        ward_summary(inside, toy_wards(), PERIOD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e, w: (e, w.to_crs("EPSG:4326")), r"wards are in EPSG:4326; expected EPSG:27700"),
        (lambda e, w: (e, w.set_crs(None, allow_override=True)), r"wards are in no CRS"),
        (
            lambda e, w: (e, w.drop(columns="district_name")),
            r"wards lacks column\(s\) \['district_name'\]",
        ),
        (
            lambda e, w: (e.drop(columns="ward_code"), w),
            r"events lacks column\(s\) \['ward_code'\]",
        ),
        (lambda e, w: (e, pd.concat([w, w.iloc[:1]])), r"repeated codes \['E05000003'\]"),
        (lambda e, w: (e, pd.DataFrame(w.drop(columns="geometry"))), r"must be a GeoDataFrame"),
    ],
)
def test_structural_problems_raise_with_got_and_expected(change, message) -> None:
    events, wards = change(toy_events(), toy_wards())
    with pytest.raises(WardSummaryError, match=message):
        ward_summary(events, wards, PERIOD)


def test_unknown_layer_and_unequal_periods_raise() -> None:
    with pytest.raises(WardSummaryError, match=r"unknown layers \['arrest'\]"):
        ward_summary(toy_events([("arrest", "2025-04", ALPHA, "x")]), toy_wards(), PERIOD)
    with pytest.raises(
        WardSummaryError, match=r"Apr–Jun 2025 \(3 months\) with Jan 2025 \(1 months\)"
    ):
        ward_summary(
            toy_events(), toy_wards(), PERIOD, compare_to=Period.months("2025-01", "2025-01")
        )
    with pytest.raises(WardSummaryError, match="must be a Period, got str"):
        ward_summary(toy_events(), toy_wards(), "2025-04..2025-06")  # type: ignore[arg-type]


def test_malformed_month_or_bad_population_frame_raise() -> None:
    with pytest.raises(PeriodError, match=r"'2025-4'"):
        ward_summary(toy_events([("offence", "2025-4", ALPHA, "Drugs")]), toy_wards(), PERIOD)
    negative = pd.DataFrame({"ward_code": [ALPHA], "population": [-3]})
    with pytest.raises(WardSummaryError, match=r"not whole numbers >= 0, e.g. -3"):
        ward_summary(toy_events(), toy_wards(), PERIOD, population=negative)
    repeated = pd.DataFrame({"ward_code": [ALPHA, ALPHA], "population": [1, 2]})
    with pytest.raises(WardSummaryError, match=r"repeated ward codes \['E05000001'\]"):
        ward_summary(toy_events(), toy_wards(), PERIOD, population=repeated)


# -- categories -----------------------------------------------------------------------------------


def test_category_counts_long_format() -> None:
    out = category_counts(toy_events(), PERIOD)
    assert out[["ward_code", "layer", "category", "count", "prev", "change"]].values.tolist() == [
        [ALPHA, "offence", "Drugs", 3, 4, -1],
        [BRAVO, "offence", "Drugs", 3, 0, 3],
        [BRAVO, "search", "Controlled drugs", 0, 1, -1],
        [CHARLIE, "raid", "supply", 1, 0, 1],
        [CHARLIE, "search", "Controlled drugs", 2, 1, 1],
    ]
    np.testing.assert_array_equal(out["change_pct"], [-25.0, NAN, -100.0, NAN, 100.0])
    force = category_counts(toy_events(), PERIOD, by=())
    assert force[["layer", "category", "count", "prev"]].values.tolist() == [
        ["offence", "Drugs", 6, 4],
        ["raid", "supply", 1, 0],
        ["search", "Controlled drugs", 2, 2],
    ]
    assert force.attrs["period"] == "Apr–Jun 2025"
    with pytest.raises(WardSummaryError, match="repeats layer"):
        category_counts(toy_events(), PERIOD, by=("layer",))


# -- roll-ups -------------------------------------------------------------------------------------


def test_district_roll_up_recomputes_rates_and_ranks() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population_frame())
    districts = district_summary(table)
    assert col(districts, "district_code") == ["E07000001", "E07000002"]
    assert col(districts, "district_name") == ["Northshire", "Southshire"]
    assert col(districts, "n_wards") == [2, 1]
    np.testing.assert_allclose(districts["area_km2"], [3.0, 4.0])
    assert districts["population"].tolist() == [2500, pd.NA]  # Charlie has none: not a part sum
    assert col(districts, "offence_count") == [6, 0]
    assert col(districts, "offence_prev") == [4, 0]
    assert col(districts, "offence_change") == [2, 0]
    np.testing.assert_array_equal(districts["offence_change_pct"], [50.0, NAN])
    np.testing.assert_allclose(districts["offence_per_km2"], [2.0, 0.0])
    np.testing.assert_array_equal(districts["offence_per_1000"], [2.4, NAN])
    assert col(districts, "offence_rank") == [1, 2]
    assert col(districts, "search_count") == [0, 2]
    np.testing.assert_array_equal(districts["search_change_pct"], [-100.0, 100.0])
    assert col(districts, "search_rank") == [2, 1]
    assert col(districts, "raid_rank") == [2, 1]
    assert districts.attrs["period"] == "Apr–Jun 2025"
    assert districts.attrs["districts_without_population"] == ["E07000002"]
    assert "wards_without_population" not in districts.attrs
    assert "geometry" not in districts.columns


def test_force_totals_from_wards_and_from_districts_agree() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population_frame())
    totals = force_totals(table)
    assert totals["period"] == "Apr–Jun 2025" and totals["compare_to"] == "Jan–Mar 2025"
    assert totals["n_wards"] == 3
    assert totals["area_km2"] == pytest.approx(7.0)
    assert totals["population"] is None  # Charlie has none
    assert (totals["offence_count"], totals["offence_prev"], totals["offence_change"]) == (6, 4, 2)
    assert totals["offence_change_pct"] == 50.0
    assert totals["offence_per_km2"] == pytest.approx(6 / 7)
    assert totals["offence_per_1000"] is None
    assert (totals["search_count"], totals["search_prev"], totals["search_change_pct"]) == (
        2,
        2,
        0.0,
    )
    assert (totals["raid_count"], totals["raid_prev"], totals["raid_change_pct"]) == (1, 0, None)
    assert force_totals(district_summary(table)) == totals

    full = pd.DataFrame({"ward_code": [ALPHA, BRAVO, CHARLIE], "population": [2000, 500, 500]})
    complete = force_totals(ward_summary(toy_events(), toy_wards(), PERIOD, population=full))
    assert complete["population"] == 3000
    assert complete["offence_per_1000"] == pytest.approx(2.0)


# -- headline -------------------------------------------------------------------------------------


def test_headline_from_a_table_its_totals_and_a_row() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD)
    expected = "2 more drug offences in Apr–Jun 2025 than in Jan–Mar 2025 (6 vs 4)"
    assert headline(table) == expected  # 4 < min_base: a number, not "50% more"
    assert headline(force_totals(table)) == expected
    assert headline(table, min_base=1) == (
        "50% more drug offences in Apr–Jun 2025 than in Jan–Mar 2025 (6 vs 4)"
    )
    alpha, bravo = table.iloc[0], table.iloc[1]
    assert headline(alpha) == "1 fewer drug offence in Apr–Jun 2025 than in Jan–Mar 2025 (3 vs 4)"
    assert headline(bravo) == "3 drug offences in Apr–Jun 2025, up from none in Jan–Mar 2025"


def test_headline_adds_a_caution_for_months_without_any_event_of_the_layer() -> None:
    table = ward_summary(toy_events(), toy_wards(), PERIOD)
    assert headline(table, "search") == (
        "no change in drug searches between Jan–Mar 2025 and Apr–Jun 2025 (2 vs 2); caution: "
        "no drug searches at all in 2025-01, 2025-04, 2025-05, check the data covers them"
    )
    assert headline(table, "raid").startswith(
        "1 drug raid in Apr–Jun 2025, up from none in Jan–Mar 2025; caution: no drug raids at all"
    )


@pytest.mark.parametrize(
    ("count", "prev", "words"),
    [
        (455, 335, "36% more drug offences than in the comparison period (455 vs 335)"),
        (12, 24, "50% fewer drug offences than in the comparison period (12 vs 24)"),
        (3, 5, "2 fewer drug offences than in the comparison period (3 vs 5)"),
        (7, 7, "no change in drug offences (7 vs 7)"),
        (0, 0, "no drug offences in either period"),
        (1, 0, "1 drug offence, up from none"),
        (0, 12, "no drug offences, down from 12"),
        (1, 300, "99% fewer drug offences than in the comparison period (1 vs 300)"),
        (1000, 1001, "1 fewer drug offence than in the comparison period (1,000 vs 1,001)"),
        (2250, 1500, "50% more drug offences than in the comparison period (2,250 vs 1,500)"),
    ],
)
def test_headline_wording(count: int, prev: int, words: str) -> None:
    assert headline({"offence_count": count, "offence_prev": prev}) == words


def test_headline_labels_nouns_and_errors() -> None:
    totals = {"raid_count": 0, "raid_prev": 12, "period": "2025", "compare_to": "2024"}
    assert headline(totals, "raid") == "no drug raids in 2025, down from 12 in 2024"
    none = {"raid_count": 0, "raid_prev": 0, "period": "2025", "compare_to": "2024"}
    assert headline(none, "raid") == "no drug raids in 2025 or 2024"
    source = {"raid_count": 2, "raid_prev": 1}
    assert headline(source, "raid", noun=("warrant", "warrants")) == (
        "1 more warrant than in the comparison period (2 vs 1)"
    )
    with pytest.raises(WardSummaryError, match="unknown layer 'arrest'"):
        headline(source, "arrest")
    with pytest.raises(WardSummaryError, match="cannot read offence_count and offence_prev"):
        headline(source)


# -- population file ------------------------------------------------------------------------------


def test_read_population_reads_the_documented_format(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    text = f"ward_name,population,ward_code\r\nAlpha, 2000 ,{ALPHA}\r\n\r\nBravo,500,{BRAVO}\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    population = read_population(path)
    assert list(population.columns) == ["ward_code", "population"]
    assert population.values.tolist() == [[ALPHA, 2000], [BRAVO, 500]]
    assert population["population"].dtype == np.int64
    table = ward_summary(toy_events(), toy_wards(), PERIOD, population=population)
    assert table.attrs["wards_without_population"] == [CHARLIE]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [f"{ALPHA},1", f"{BRAVO},2", f"{ALPHA},3"],
            rf"line 4: duplicate ward_code '{ALPHA}' \(first on line 2\)",
        ),
        (
            [f"{ALPHA},1", f"{BRAVO},12.5"],
            rf"line 3: population '12.5' for '{BRAVO}' is not a whole number >= 0",
        ),
        ([f"{ALPHA},-5"], r"line 2: population '-5'"),
        ([f"{ALPHA},lots"], r"line 2: population 'lots'"),
        ([f"{ALPHA},"], r"line 2: population ''"),
        ([f"{ALPHA},8,123"], r"line 2: 3 field\(s\), expected 2 as in the header"),
        ([" ,8"], r"line 2: blank ward_code"),
    ],
)
def test_bad_population_rows_name_file_line_and_value(tmp_path: Path, lines, message) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("\n".join(["ward_code,population", *lines]) + "\n", encoding="utf-8")
    with pytest.raises(PopulationFormatError, match=r"pop\.csv, " + message) as info:
        read_population(path)
    assert isinstance(info.value, ValueError)


def test_bad_population_files(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("code,residents\nE05000001,1\n", encoding="utf-8")
    with pytest.raises(
        PopulationFormatError, match=r"pop\.csv, line 1: header \['code', 'residents'\] lacks"
    ):
        read_population(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(PopulationFormatError, match=r"line 1: header \[\] lacks"):
        read_population(path)
    path.write_bytes(b"ward_code,population\nE05000001,1\nE0500\xff0002,2\n")
    with pytest.raises(PopulationFormatError, match=r"line 3: bytes that are not UTF-8"):
        read_population(path)


# -- real data: the shipped demo ------------------------------------------------------------------


def test_demo_autumn_2025_rise_force_wide(demo_store: Store) -> None:
    autumn = Period.months("2025-09", "2025-11")
    events = demo_store.load(columns=["layer", "month", "ward_code", "category"])
    wards = demo_store.load_boundary("wards")
    table = ward_summary(events, wards, autumn)

    assert len(table) == 120 and table["ward_code"].is_unique
    assert set(table["ward_code"]) == set(wards["ward_code"])
    assert (table["offence_count"] == 0).any()  # wards with no offences have rows too
    totals = force_totals(table)
    # data/README.md, column "located inside":
    # Sep 298 + Oct 389 + Nov 438 = 1,125; Jun 142 + Jul 241 + Aug 210 = 593.
    assert (totals["offence_count"], totals["offence_prev"]) == (1125, 593)
    assert totals["offence_change"] == 532
    assert totals["offence_change_pct"] == pytest.approx(89.71, abs=0.01)
    # SYNTHETIC raids per month (data/README.md): 29 + 15 + 27 vs 7 + 10 + 11.
    assert (totals["raid_count"], totals["raid_prev"]) == (71, 28)
    assert headline(totals) == (
        "90% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (1,125 vs 593)"
    )
    # Searches exist for July 2025 only: the summary says so rather than reporting a real fall.
    assert table.attrs["months_without_events"]["search"] == [
        "2025-06",
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
    ]

    districts = district_summary(table)
    assert len(districts) == 6 and districts["n_wards"].sum() == 120
    assert districts["offence_count"].sum() == 1125 and districts["offence_prev"].sum() == 593
    assert force_totals(districts) == totals
    assert table["area_km2"].sum() == pytest.approx(districts["area_km2"].sum())
    assert table["offence_rank"].min() == 1
    assert not np.isinf(table["offence_change_pct"]).any()
