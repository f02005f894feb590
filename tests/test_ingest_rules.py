"""Every rejection reason, on hand-made files whose answers are worked out in the comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hotspots.ingest import ingest
from hotspots.report import format_ingest, ingest_warnings
from hotspots.store import Store
from tests.helpers import lonlat, street_row

# Expected verdict for each row of the hand-made street file (see conftest's map).
SWAPPED = tuple(reversed(lonlat(500500, 200500)))
STREET_ROWS = [
    (street_row("c1", 500500, 200500), "kept"),  # interior of Alpha
    (street_row("c2", 501500, 200500), "kept"),  # interior of Bravo
    (street_row("c3", 500500, 200500, crime_type="Burglary"), "not a drug record"),
    (street_row("c4", None, None, location="No Location"), "no location"),
    (street_row("c5", 500500, 200500, month="2025-13"), "bad date"),
    (street_row("c6", None, None, lon_lat=("abc", "52.2")), "coordinates out of range"),
    (street_row("c7", None, None, lon_lat=("0.1", "95")), "coordinates out of range"),
    (street_row("c8", None, None, lon_lat=SWAPPED), "coordinates swapped"),
    (street_row("c1", 500500, 200500), "duplicate"),  # same Crime ID as row 1
    (street_row("c10", None, None, lon_lat=("-1.898", "52.480")), "outside force area"),
    (street_row("c11", 501500, 201050), "kept"),  # strip, 50 m from Bravo: nearest
    (street_row("c12", 501500, 201400), "no ward"),  # strip, 400 m from any ward
    (street_row("", 500500, 200500, crime_type="Anti-social behaviour"), "not a drug record"),
    (street_row("", 500200, 200200), "kept"),  # blank Crime ID is not a key
    (street_row("", 500200, 200200), "kept"),  # ... so an identical row is kept too
]


def _ingest(paths, toy, store_dir: Path, **kwargs):
    wards, area = toy
    return ingest(paths, wards=wards, force_area=area, store=Store(store_dir), **kwargs)


def _expected_counts(rows) -> tuple[int, dict[str, int]]:
    kept = sum(1 for _, v in rows if v == "kept")
    reasons: dict[str, int] = {}
    for _, verdict in rows:
        if verdict != "kept":
            reasons[verdict] = reasons.get(verdict, 0) + 1
    return kept, reasons


def test_toy_wards_are_read_sorted_with_districts(toy) -> None:
    wards, area = toy
    assert wards.vintage == "WD24"
    assert wards.frame["ward_code"].tolist() == ["E05000001", "E05000002"]
    assert wards.frame["district_name"].tolist() == ["Northshire", "Southshire"]
    assert area.frame.geometry.iloc[0].area == pytest.approx(2000 * 1500, rel=1e-6)


def test_every_street_rejection_reason(write_street, toy, tmp_path: Path) -> None:
    path = write_street([r for r, _ in STREET_ROWS])
    report = _ingest([path], toy, tmp_path / "store")
    (entry,) = report.sources
    kept, reasons = _expected_counts(STREET_ROWS)
    assert entry["rows_read"] == len(STREET_ROWS) == 15
    assert entry["kept"] == kept == 5
    assert entry["rejected"] == reasons
    assert report.reconciles()


def test_rejected_rows_are_written_with_line_numbers(write_street, toy, tmp_path: Path) -> None:
    import pandas as pd

    path = write_street([r for r, _ in STREET_ROWS])
    _ingest([path], toy, tmp_path / "store")
    store = Store(tmp_path / "store")
    (entry,) = store.sources()
    rejected = pd.read_csv(store.path / entry["rejected_file"], dtype=str, keep_default_na=False)
    by_line = dict(zip(rejected["source_row"].astype(int), rejected["reason"], strict=True))
    expected = {
        i + 2: verdict for i, (_, verdict) in enumerate(STREET_ROWS) if verdict != "kept"
    }  # the header is line 1, so data row i (0-based) is line i + 2
    assert by_line == expected
    # The original fields travel with the reason, so the row can be fixed and re-submitted.
    assert rejected.loc[rejected["reason"] == "bad date", "Month"].tolist() == ["2025-13"]


def test_kept_offences_get_the_right_ward_and_match(write_street, toy, tmp_path: Path) -> None:
    path = write_street([r for r, _ in STREET_ROWS])
    _ingest([path], toy, tmp_path / "store")
    events = Store(tmp_path / "store").load(["offence"]).set_index("source_row")
    assert events.loc[2, "ward_name"] == "Alpha"
    assert events.loc[3, "ward_name"] == "Bravo"
    assert events.loc[12, ["ward_name", "ward_match"]].tolist() == ["Bravo", "nearest"]
    assert events.loc[2, "district_name"] == "Northshire"
    assert events.loc[2, "event_id"] == "c1"
    derived = events.loc[[15, 16], "event_id"].tolist()
    assert derived[0] != derived[1] and all(d.startswith("street-") for d in derived)
    assert str(events.crs) == "EPSG:27700"
    x, y = events.loc[2, "geometry"].x, events.loc[2, "geometry"].y
    assert abs(x - 500500) < 1 and abs(y - 200500) < 1  # 6-decimal lon/lat is ~0.1 m


def test_nearest_ward_tolerance_is_configurable(write_street, toy, tmp_path: Path) -> None:
    path = write_street([r for r, _ in STREET_ROWS])
    report = _ingest([path], toy, tmp_path / "store", nearest_ward_m=0)
    (entry,) = report.sources
    assert entry["rejected"]["no ward"] == 2  # c11 now has no ward either
    assert entry["kept"] == 4


def test_all_crime_types_keeps_other_crimes(write_street, toy, tmp_path: Path) -> None:
    path = write_street([r for r, _ in STREET_ROWS])
    report = _ingest([path], toy, tmp_path / "store", all_crime_types=True)
    (entry,) = report.sources
    assert "not a drug record" not in entry["rejected"]
    assert entry["kept"] == 7  # + the burglary and the anti-social behaviour row
    categories = sorted(Store(tmp_path / "store").load(["offence"])["category"].unique())
    assert categories == ["Anti-social behaviour", "Burglary", "Drugs"]


def test_headerless_and_bom_crlf_files_read_the_same(write_street, toy, tmp_path: Path) -> None:
    rows = [r for r, _ in STREET_ROWS]
    plain = _ingest([write_street(rows, "a.csv")], toy, tmp_path / "s1").sources[0]
    bom = _ingest([write_street(rows, "b.csv", bom=True, crlf=True)], toy, tmp_path / "s2")
    headerless = _ingest([write_street(rows, "c.csv", header=False)], toy, tmp_path / "s3")
    for other in (bom.sources[0], headerless.sources[0]):
        assert other["rows_read"] == plain["rows_read"]
        assert other["kept"] == plain["kept"]
        assert other["rejected"] == plain["rejected"]
    first = Store(tmp_path / "s3").load(["offence"])["source_row"].min()
    assert first == 1  # no header: the first data row is line 1


RAID_HEADER = (
    "raid_id,date,longitude,latitude,easting,northing,location,operation,warrant_type,"
    "arrests,charges,seizure_gbp,drugs_seized,synthetic"
)
LON, LAT = lonlat(500500, 200500)
RAID_ROWS = [
    # on the shared edge x=501000: both wards touch it; the lower code (Alpha) wins
    ("R1,2025-02-03,,,501000,200500,,,supply,2,1,1500,cocaine,false", "kept"),
    # on the force-area boundary and Alpha's outer edge: inside (boundary counts)
    ("R2,2025-02-04,,,500000,200500,,,cultivation,,,,,true", "kept"),
    ("R3,2025-02-05,,,500500,200500,,,burglary,1,0,0,,false", "bad value"),
    ("R4,2025-02-31,,,500500,200500,,,supply,1,0,0,,false", "bad date"),
    ("R5,2025-03-01,,,500500,200500,,,supply,-1,0,0,,false", "bad value"),
    ("R6,2025-03-01,,,,,,,supply,1,0,0,,false", "no location"),
    ("R7,2025-03-01,,,1200000,300000,,,supply,1,0,0,,false", "coordinates swapped"),
    ("R1,2025-03-02,,,500500,200500,,,supply,1,0,0,,false", "duplicate"),
    (f"R8,2025-03-03,{LON},{LAT},,,,Op Toy,County Line,3,3,250.5,heroin,false", "kept"),
    ("R9,2025-03-04,,,500500,200500,,,supply,1,0,0,,maybe", "bad value"),
]


def _write_raids(tmp_path: Path, rows: list[str], name: str = "raids.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([RAID_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_every_raid_rejection_reason_and_the_edge_rule(toy, tmp_path: Path) -> None:
    path = _write_raids(tmp_path, [r for r, _ in RAID_ROWS])
    report = _ingest([path], toy, tmp_path / "store")
    (entry,) = report.sources
    kept, reasons = _expected_counts(RAID_ROWS)
    assert (entry["rows_read"], entry["kept"], entry["rejected"]) == (10, kept, reasons)
    assert kept == 3
    raids = Store(tmp_path / "store").load(["raid"]).set_index("event_id")
    assert raids.loc["R1", ["ward_code", "ward_match"]].tolist() == ["E05000001", "edge"]
    assert raids.loc["R2", ["ward_code", "ward_match"]].tolist() == ["E05000001", "edge"]
    assert raids.loc["R8", ["ward_code", "ward_match"]].tolist() == ["E05000001", "within"]
    assert raids.loc["R8", "category"] == "county line"  # warrant types are case-insensitive
    assert raids.loc["R8", "seizure_gbp"] == pytest.approx(250.5)
    assert raids.loc["R2", "synthetic"] and not raids.loc["R1", "synthetic"]
    assert raids.loc["R1", "month"] == "2025-02" and raids.loc["R1", "date"] == "2025-02-03"


SEARCH_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)


def test_stop_search_months_are_uk_local_time(toy, tmp_path: Path) -> None:
    lat_lon = f"{LAT},{LON}"  # this file puts latitude first
    law = "Misuse of Drugs Act 1971 (section 23)"
    rows = [
        # 23:30 UTC on 30 June is 00:30 BST on 1 July: a July search
        f"Person search,2025-06-30T23:30:00+00:00,,,{lat_lon},Male,18-24,,White,{law},"
        "Controlled drugs,Arrest,True,False",
        f"Person search,2025-06-30T20:00:00+00:00,,,{lat_lon},Male,18-24,,White,,"
        "Offensive weapons,Arrest,True,False",
        f"Person search,yesterday,,,{lat_lon},Male,18-24,,White,{law},Controlled drugs,Arrest,,",
        # 23:30 UTC on 31 January is 23:30 GMT: still January
        f"Vehicle search,2025-01-31T23:30:00+00:00,,,{lat_lon},,,,,{law},Controlled drugs,"
        "A no further action disposal,,",
        # identical to the first row: a second person searched at the same time and place
        f"Person search,2025-06-30T23:30:00+00:00,,,{lat_lon},Male,18-24,,White,{law},"
        "Controlled drugs,Arrest,True,False",
    ]
    path = tmp_path / "2025-07-toyshire-stop-and-search.csv"
    path.write_text("\n".join([SEARCH_HEADER, *rows]) + "\n", encoding="utf-8")
    report = _ingest([path], toy, tmp_path / "store")
    (entry,) = report.sources
    assert entry["kind"] == "stop_search"
    assert (entry["rows_read"], entry["kept"]) == (5, 3)
    assert entry["rejected"] == {"bad date": 1, "not a drug record": 1}
    events = Store(tmp_path / "store").load(["search"]).sort_values("source_row")
    assert events["month"].tolist() == ["2025-07", "2025-01", "2025-07"]
    assert events["date"].tolist() == ["2025-07-01", "2025-01-31", "2025-07-01"]
    assert events["event_id"].nunique() == 3
    assert events["ward_name"].tolist() == ["Alpha"] * 3


def test_same_file_twice_in_one_ingest_is_read_once(write_street, toy, tmp_path: Path) -> None:
    path = write_street([r for r, _ in STREET_ROWS])
    copy = tmp_path / "copy-of-the-same.csv"
    copy.write_bytes(path.read_bytes())
    report = _ingest([path, copy], toy, tmp_path / "store")
    assert len(report.sources) == 1
    assert report.skipped and "same content" in report.skipped[0]


def test_the_same_crime_in_two_files_is_a_duplicate(
    write_street: Callable[..., Path], toy, tmp_path: Path
) -> None:
    jan = write_street([street_row("x1", 500500, 200500)], "2025-01-toyshire-street.csv")
    feb = write_street(
        [
            street_row("x1", 500500, 200500, month="2025-02"),
            street_row("x2", 501500, 200500, month="2025-02"),
        ],
        "2025-02-toyshire-street.csv",
    )
    _ingest([jan], toy, tmp_path / "store")
    report = _ingest([feb], toy, tmp_path / "store")  # a later ingest, another source
    (entry,) = report.sources
    assert entry["rejected"] == {"duplicate": 1}
    assert len(Store(tmp_path / "store").load(["offence"])) == 2


def test_a_file_with_no_row_in_the_force_area_is_warned_of(
    write_street, toy, tmp_path: Path
) -> None:
    """Merseyside walkthrough: another force's file was accepted with 0 rows kept and no word.
    Its rows are still rejected (nothing lost), and the report says so plainly. By hand: 3
    rows in Birmingham (outside Toyshire), 1 with no location; a file with one row in the area
    among rows outside is not warned of."""
    birmingham = ("-1.898", "52.480")
    rows = [street_row(f"b{k}", None, None, lon_lat=birmingham) for k in range(3)]
    rows += [street_row("b9", None, None, location="No Location")]
    path = write_street(rows, "2025-01-westmidlands-street.csv")
    report = _ingest([path], toy, tmp_path / "store")
    (entry,) = report.sources
    assert entry["kept"] == 0 and entry["rejected"] == {"outside force area": 3, "no location": 1}
    warning = (
        "no row of 2025-01-westmidlands-street.csv lies in the force area (3 rows outside): "
        "is it another force's file?"
    )
    assert ingest_warnings(report) == [warning]
    assert warning in format_ingest(report)
    mixed = write_street([*rows, street_row("k1", 500500, 200500)], "2025-02-toyshire-street.csv")
    mixed_report = _ingest([mixed], toy, tmp_path / "store2")
    assert ingest_warnings(mixed_report) == []
    assert "another force" not in format_ingest(mixed_report)


def test_many_rows_just_outside_the_force_area_are_warned_of(
    write_street, toy, tmp_path: Path
) -> None:
    """City of London Police, Jul-Sep 2019, with ONS's BSC force area (simplified to 200 m):
    41 of its 401 located drug records and searches (10%) were rejected as outside the force
    area within 200 m of its edge, 5 of them on streets police.uk files in the City's own LSOAs,
    and nothing said why. By hand (Toyshire is 500000-502000 E, 200000-201500 N): 10 rows
    inside, 1 row 100 m east of the edge, 1 in Birmingham: 1 of the 12 located rows (8%) is
    just outside, at least 1%: warned. The rows stay rejected. With 99 rows inside, 1 of 101
    (under 1%): police.uk's usual strays, no warning."""
    inside = [street_row(f"k{k}", 500500, 200500) for k in range(10)]
    near = street_row("n1", 502100, 200500)
    far = street_row("b1", None, None, lon_lat=("-1.898", "52.480"))
    path = write_street([*inside, near, far], "2025-01-toyshire-street.csv")
    report = _ingest([path], toy, tmp_path / "store")
    (entry,) = report.sources
    assert entry["rejected"] == {"outside force area": 2}
    assert entry["outside_near_edge"] == 1
    warning = (
        "1 of the 12 rows with a location (8%) lie outside the force area but within 200 m of "
        "its edge: a generalised boundary (ONS 'BSC' boundaries are simplified to 200 m) cuts "
        "off records of the force's own; a full-resolution force area (ONS 'BFC' or 'BFE') "
        "keeps them"
    )
    assert ingest_warnings(report) == [warning]
    assert f"WARNING: {warning}" in format_ingest(report)
    many = [street_row(f"m{k}", 500500, 200500) for k in range(99)]
    path = write_street([*many, near, far], "2025-02-toyshire-street.csv")
    quiet = _ingest([path], toy, tmp_path / "store2")
    assert quiet.sources[0]["outside_near_edge"] == 1
    assert ingest_warnings(quiet) == []


def test_records_dated_after_the_current_month_are_bad_dates(
    write_street, toy, tmp_path: Path
) -> None:
    """A typing error such as ``2052-07`` for ``2025-07`` was kept (years up to 2099 are
    plausible), became the store's newest month and made every default period end in the
    future. Records dated after the current month (machine clock) are rejected as bad dates,
    in every kind of file; this month is kept."""
    import pandas as pd

    from hotspots.validate import latest_month

    now = latest_month()
    year, month = (int(v) for v in now.split("-"))
    later = f"{year + 1}-{month:02d}"  # a year from now
    street = write_street(
        [
            street_row("now", 500500, 200500, month=now),
            street_row("later", 500500, 200500, month=later),
        ]
    )
    raids = _write_raids(
        tmp_path,
        [
            f"F1,{now}-01,,,500500,200500,,,supply,1,0,0,,true",
            f"F2,{later}-01,,,500500,200500,,,supply,1,0,0,,true",
        ],
    )
    law = "Misuse of Drugs Act 1971 (section 23)"
    searches = tmp_path / "searches.csv"
    searches.write_text(
        "\n".join(
            [SEARCH_HEADER]
            + [
                f"Person search,{day}T12:00:00+00:00,,,{LAT},{LON},Male,18-24,,White,{law},"
                "Controlled drugs,Arrest,True,False"
                for day in (f"{now}-01", f"{later}-01")
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = _ingest([street, raids, searches], toy, tmp_path / "store")
    assert report.reconciles()
    for entry in report.sources:
        assert (entry["rows_read"], entry["kept"], entry["rejected"]) == (2, 1, {"bad date": 1})
    store = Store(tmp_path / "store")
    assert max(store.load(["offence", "search", "raid"])["month"]) == now
    street_entry = next(e for e in store.sources() if e["kind"] == "street")
    rejected = pd.read_csv(store.path / street_entry["rejected_file"], dtype=str)
    assert rejected["detail"].tolist() == [f"month={later} (after the current month, {now})"]
