"""Other forces' real downloads, as a new force would set the service up: hand-made files with
the quirks of data.police.uk and ONS downloads that the Cambridgeshire and Merseyside data do
not show, each answer worked out in the comments.

The hand-made world (``tests/conftest.py``): the force area is the box 500000-502000 E,
200000-201500 N (BNG metres); ward Alpha (E05000001) is 500000-501000 E and Bravo (E05000002)
501000-502000 E, both 200000-201000 N; the strip 201000-201500 N is in no ward.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.errors import BoundaryError
from hotspots.ingest import ingest
from hotspots.report import format_ingest, format_status
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import street_row

TOY_WARDS = {
    "E05000001": ("Alpha", box(500000, 200000, 501000, 201000)),
    "E05000002": ("Bravo", box(501000, 200000, 502000, 201000)),
}


def _ward_file(path: Path, wards: dict[str, tuple[str, object]]) -> Path:
    """Wards as ONS writes them (WD24CD/WD24NM/LAD24CD/LAD24NM), GeoJSON in WGS84."""
    frame = gpd.GeoDataFrame(
        {
            "WD24CD": list(wards),
            "WD24NM": [name for name, _ in wards.values()],
            "LAD24CD": ["E07000001"] * len(wards),
            "LAD24NM": ["Northshire"] * len(wards),
        },
        geometry=[shape for _, shape in wards.values()],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    frame.to_file(path, driver="GeoJSON")
    return path


# -- a ward file of the whole country ------------------------------------------------------------

#: ONS publishes wards for the whole UK in one file; a new force gives it as it comes. Wards of
#: other forces must not become wards of this force's maps and tables (shown with 0 offences, a
#: number not held). Charlie touches the force area along its east edge only (no area inside);
#: Delta overlaps its north-east corner by 100 m x 500 m = 5% of Delta (a generalisation sliver
#: between two ONS products); Echo is 100 km away; Foxtrot is 60% inside (a ward the force's
#: generalised edge cuts: kept).
COUNTRY_WARDS = {
    **TOY_WARDS,
    "E05000003": ("Charlie", box(502000, 200000, 503000, 201000)),
    "E05000004": ("Delta", box(501900, 201000, 502900, 202000)),
    "E05000005": ("Echo", box(600000, 300000, 601000, 301000)),
    "E05000006": ("Foxtrot", box(499600, 201000, 500600, 201500)),  # 600 of its 1000 m in
}


def test_wards_outside_the_force_area_are_not_the_forces_wards(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path
) -> None:
    _, area_path = toy_boundaries
    wards_path = _ward_file(tmp_path / "wards_uk.geojson", COUNTRY_WARDS)
    street = write_street(
        [
            street_row("c1", 500500, 200500),  # Alpha
            # In the force area, inside Delta's sliver only: Delta is not the force's ward, so
            # the nearest ward within 250 m gives it: Bravo, 200 m south (Delta before).
            street_row("c2", 501950, 201200),
            street_row("c3", 500200, 201200),  # Foxtrot's part inside the force area
        ]
    )
    report = ingest(
        [street],
        wards=read_wards(wards_path),
        force_area=read_force_area(area_path),
        store=Store(tmp_path / "store"),
    )
    assert report.reconciles()
    store = Store(tmp_path / "store")
    wards = store.load_boundary("wards")
    assert wards["ward_code"].tolist() == ["E05000001", "E05000002", "E05000006"]
    events = store.load(layers=["offence"]).set_index("event_id")
    assert events.loc["c2", "ward_code"] == "E05000002"
    assert events.loc["c2", "ward_match"] == "nearest"
    assert events.loc["c3", "ward_code"] == "E05000006"
    # Said where the user looks: the ingest's table and the store's status.
    assert "3 of the 6 wards given lie outside the force area: not kept" in format_ingest(report)
    assert "wards: WD24, 3 feature(s) from wards_uk.geojson (3 outside the force area" in (
        format_status(store)
    )


def test_wards_of_no_part_of_the_force_area_are_refused_naming_both_files(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    _, area_path = toy_boundaries
    elsewhere = {"E05000005": ("Echo", box(600000, 300000, 601000, 301000))}
    wards_path = _ward_file(tmp_path / "other_force_wards.geojson", elsewhere)
    from hotspots.sources.boundaries import force_wards

    with pytest.raises(BoundaryError) as caught:
        force_wards(read_wards(wards_path), read_force_area(area_path))
    message = str(caught.value)
    assert "other_force_wards.geojson" in message and "area.shp" in message
    assert "none of the 1 ward" in message
    assert str(tmp_path) not in message


def test_a_store_of_a_whole_country_file_exports_only_the_forces_wards(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path
) -> None:
    from hotspots.cli import main

    _, area_path = toy_boundaries
    wards_path = _ward_file(tmp_path / "wards_uk.geojson", COUNTRY_WARDS)
    street = write_street([street_row("c1", 500500, 200500)])
    store = tmp_path / "store"
    args = ["--store", str(store), "--wards", str(wards_path), "--force-area", str(area_path)]
    assert main(["ingest", str(street), *args]) == 0
    out = tmp_path / "wards.csv"
    assert main(["export", "wards", "--store", str(store), "--last", "1", "-o", str(out),
                 "--format", "csv"]) == 0  # fmt: skip
    table = pd.read_csv(out, dtype={"ward_code": str})
    assert table["ward_code"].tolist() == ["E05000001", "E05000002", "E05000006"]


# -- ward GeoJSON in British National Grid metres ------------------------------------------------


def _geojson_text(wards: dict[str, tuple[str, object]], crs_member: str | None) -> str:
    """A FeatureCollection of the wards' BNG coordinates as text, with or without a "crs"
    member (mapshaper and hand-written exports leave it out; QGIS and GDAL write it)."""
    import json

    from shapely.geometry import mapping

    collection: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"WD24CD": code, "WD24NM": name},
                "geometry": mapping(shape),
            }
            for code, (name, shape) in wards.items()
        ],
    }
    if crs_member:
        collection["crs"] = {"type": "name", "properties": {"name": crs_member}}
    return json.dumps(collection)


@pytest.mark.parametrize("crs_member", [None, "urn:ogc:def:crs:EPSG::27700", "EPSG:27700"])
def test_ward_geojson_in_national_grid_metres_reads_with_or_without_a_crs_member(
    crs_member: str | None, tmp_path: Path
) -> None:
    # GDAL reads every GeoJSON without a "crs" member as WGS84 (RFC 7946); metres such as
    # 500000, 200000 cannot be degrees, and fit the National Grid: the wards are where they are,
    # each 1 km² (was: refused as 'off the British National Grid ... bounds inf').
    path = tmp_path / "wards_bng.geojson"
    path.write_text(_geojson_text(TOY_WARDS, crs_member))
    wards = read_wards(path)
    assert wards.frame["ward_code"].tolist() == ["E05000001", "E05000002"]
    assert wards.frame.geometry.area.round().tolist() == [1_000_000, 1_000_000]
    assert wards.frame.geometry.iloc[0].bounds == pytest.approx((500000, 200000, 501000, 201000))


def test_metres_that_fit_no_grid_are_refused_saying_the_crs_is_missing(tmp_path: Path) -> None:
    far = {"E05000001": ("Alpha", box(5_000_000, 200000, 5_001_000, 201000))}
    path = tmp_path / "wards_far.geojson"
    path.write_text(_geojson_text(far, None))
    with pytest.raises(
        BoundaryError, match=r"WGS84 said .* fit neither WGS84 longitude/latitude nor British"
    ):
        read_wards(path)


# -- the documented commands, as a new user types them -------------------------------------------


def test_the_store_option_before_the_command_is_the_same_as_after(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path, capsys
) -> None:
    # "Every command takes --store DIR" (docs/commands.md): `hotspots --store DIR status` was
    # refused with "argument COMMAND: invalid choice: 'DIR'".
    from hotspots.cli import main

    wards_path, area_path = toy_boundaries
    street = write_street([street_row("c1", 500500, 200500)])
    store = tmp_path / "store"
    bounds = ["--wards", str(wards_path), "--force-area", str(area_path)]
    assert main(["--store", str(store), "ingest", str(street), *bounds]) == 0
    assert (store / "manifest.json").is_file()
    capsys.readouterr()
    assert main([f"--store={store}", "status", "--json"]) == 0
    before = capsys.readouterr().out
    assert main(["status", "--json", "--store", str(store)]) == 0
    assert capsys.readouterr().out == before
    assert '"events": 1' in before


@pytest.mark.parametrize(
    "order",
    [
        "files first",  # hotspots ingest FILES --wards W1 W2 --force-area A
        "files after the wards",  # hotspots ingest --force-area A --wards W1 W2 FILES
        "wards repeated",  # hotspots ingest FILES --wards W1 --wards W2 --force-area A
    ],
)
def test_several_ward_files_after_one_wards_option(
    order: str, toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path
) -> None:
    # A folder of one ward file per district is given as the shell expands it:
    # `--wards wards/*.json` was refused with 'unrecognized arguments: wards/E07000002.json'.
    from hotspots.cli import main

    _, area_path = toy_boundaries
    first = tmp_path / "E07000001.json"
    first.write_text(_geojson_text({"E05000001": TOY_WARDS["E05000001"]}, "EPSG:27700"))
    second = tmp_path / "E07000002.json"
    second.write_text(_geojson_text({"E05000002": TOY_WARDS["E05000002"]}, "EPSG:27700"))
    files = [
        str(write_street([street_row("c1", 500500, 200500)], name="2025-01-toyshire-street.csv")),
        str(write_street([street_row("c2", 501500, 200500)], name="2025-02-toyshire-street.csv")),
    ]
    store = tmp_path / "store"
    area = ["--force-area", str(area_path), "--store", str(store)]
    wards = [str(first), str(second)]
    argv = {
        "files first": ["ingest", *files, "--wards", *wards, *area],
        "files after the wards": ["ingest", *area, "--wards", *wards, *files],
        "wards repeated": ["ingest", *files, "--wards", wards[0], "--wards", wards[1], *area],
    }[order]
    assert main(argv) == 0
    stored = Store(store).load_boundary("wards")
    assert stored["district_code"].tolist() == ["E07000001", "E07000002"]
    assert len(Store(store).load(layers=["offence"])) == 2


# -- one ward file per district, in Scotland and Northern Ireland --------------------------------


@pytest.mark.parametrize(
    "district", ["E07000008", "W06000001", "S12000049", "N09000003", "E09000001"]
)
def test_a_ward_file_named_after_any_uk_district_gives_its_district(
    district: str, tmp_path: Path
) -> None:
    # A folder of one ward file per district (as martinjc's, E07000008.json) names the district
    # by its GSS code: Glasgow City (S12000049) and Belfast (N09000003) are districts as much as
    # Cambridge (the one rule of hotspots.gss; was England's and Wales's prefixes only).
    path = tmp_path / f"{district}.json"
    path.write_text(_geojson_text({"E05000001": TOY_WARDS["E05000001"]}, "EPSG:27700"))
    assert read_wards(path).frame["district_code"].tolist() == [district]


def test_a_ward_file_named_otherwise_gives_no_district(tmp_path: Path) -> None:
    path = tmp_path / "E05000001.json"  # a ward's code, not a district's
    path.write_text(_geojson_text({"E05000001": TOY_WARDS["E05000001"]}, "EPSG:27700"))
    assert read_wards(path).frame["district_code"].tolist() == [None]


# -- stop-and-search: the object left blank, the law given ---------------------------------------


def test_a_search_under_the_misuse_of_drugs_act_with_no_object_is_a_drug_search(
    toy, tmp_path: Path
) -> None:
    # Merseyside's 2019-07..09 files hold 6, 10 and 7 searches with 'Object of search' blank
    # and 'Legislation' = 'Misuse of Drugs Act 1971 (section 23)': a power to search for
    # controlled drugs and nothing else, so they are drug searches (were rejected as 'not a
    # drug record'). A blank object under another law is not; a named object is what it says.
    from hotspots.sources.stop_search import SEARCH_COLUMNS
    from tests.helpers import lonlat

    lon, lat = lonlat(500500, 200500)
    mda = "Misuse of Drugs Act 1971 (section 23)"
    pace = "Police and Criminal Evidence Act 1984 (section 1)"
    rows = [  # (Legislation, Object of search), expected
        ((mda, ""), "kept"),
        ((pace, ""), "not a drug record"),
        (("", ""), "not a drug record"),
        ((mda, "Offensive weapons"), "not a drug record"),
        ((pace, "Controlled drugs"), "kept"),
    ]

    def line(legislation: str, what: str) -> str:
        fields = dict.fromkeys(SEARCH_COLUMNS, "")
        fields.update(
            {
                "Type": "Person search",
                "Date": "2025-01-15T10:00:00+00:00",
                "Latitude": lat,
                "Longitude": lon,
                "Legislation": legislation,
                "Object of search": what,
                "Outcome": "A no further action disposal",
            }
        )
        return ",".join(fields[c] for c in SEARCH_COLUMNS)

    path = tmp_path / "2025-01-toyshire-stop-and-search.csv"
    path.write_text("\n".join([",".join(SEARCH_COLUMNS), *(line(*r) for r, _ in rows)]) + "\n")
    wards, area = toy
    report = ingest([path], wards=wards, force_area=area, store=Store(tmp_path / "store"))
    (entry,) = report.sources
    assert entry["kept"] == 2
    assert entry["rejected"] == {"not a drug record": 3}
    searches = Store(tmp_path / "store").load(layers=["search"])
    assert searches["category"].tolist() == ["Controlled drugs", "Controlled drugs"]
    assert searches["legislation"].tolist() == [mda, pace]


# -- wards of one name in two districts ----------------------------------------------------------


def test_ward_movers_name_the_district_of_wards_of_one_name(
    write_street, tmp_path: Path, app_factory, capsys
) -> None:
    # Merseyside's Dec 2023 wards have 'Church' in Sefton and in Liverpool, 'St Michaels' in
    # Knowsley and in Liverpool. The map page's and the command's ward movers named the ward
    # alone ('Church -3'); the hotspot tables and the briefing say 'Ward (District)'.
    # By hand: Central (Northshire) 5 offences in Jan, 2 in Feb: -3; Central (Southshire) 1,
    # then 6: +5.
    from hotspots.cli import main
    from tests.accounts import client_as

    wards = {
        "E05000001": ("Central", box(500000, 200000, 501000, 201000)),
        "E05000002": ("Central", box(501000, 200000, 502000, 201000)),
    }
    frame = gpd.GeoDataFrame(
        {
            "WD24CD": list(wards),
            "WD24NM": ["Central", "Central"],
            "LAD24CD": ["E07000001", "E07000002"],
            "LAD24NM": ["Northshire", "Southshire"],
        },
        geometry=[shape for _, shape in wards.values()],
        crs="EPSG:27700",
    )
    wards_path = tmp_path / "wards.gpkg"
    frame.to_file(wards_path, driver="GPKG")
    area_path = tmp_path / "area.gpkg"
    gpd.GeoDataFrame(geometry=[box(500000, 200000, 502000, 201000)], crs="EPSG:27700").to_file(
        area_path, driver="GPKG"
    )
    counts = {("2025-01", 500500): 5, ("2025-01", 501500): 1, ("2025-02", 500500): 2,
              ("2025-02", 501500): 6}  # fmt: skip
    files = []
    for month in ("2025-01", "2025-02"):
        rows = [
            street_row(f"{month}-{x}-{i}", x, 200500, month=month)
            for (m, x), n in counts.items()
            if m == month
            for i in range(n)
        ]
        files.append(write_street(rows, name=f"{month}-toyshire-street.csv"))
    store = tmp_path / "store"
    bounds = ["--wards", str(wards_path), "--force-area", str(area_path)]
    assert main(["ingest", *map(str, files), "--store", str(store), *bounds]) == 0
    capsys.readouterr()
    assert main(["analyse", "--from", "2025-02", "--to", "2025-02", "--store", str(store)]) == 0
    text = capsys.readouterr().out
    assert "Wards rising: Central (Southshire) +5" in text
    assert "Wards falling: Central (Northshire) -3" in text

    app = app_factory(store, USERS_DB=str(tmp_path / "users.sqlite3"), WARM_PRESETS=0)
    page = client_as(app, "analyst").get("/?from=2025-02&to=2025-02").get_data(as_text=True)
    movers = page[page.index('id="movers-heading"') :]
    row = r'<td data-label="Ward \(district\)">([^<]*)</td><td class="num"[^>]*>(\d+)<'
    cells = re.findall(row, movers)
    assert ("Central (Southshire)", "6") in cells and ("Central (Northshire)", "2") in cells


# -- wards without district names ----------------------------------------------------------------


def test_wards_without_a_district_name_are_labelled_by_what_is_known(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path, capsys
) -> None:
    # The real 2013 ward files (one per district, named E07000008.json...) carry no district
    # name, a hand-made or OSNI ward file no district at all: every table said 'West (None)'.
    # Now the district's code stands for its name, and wards of no district are the force's
    # ('Toyshire', the force area's PFA24NM).
    from hotspots.cli import main

    _, area_path = toy_boundaries
    folder = tmp_path / "wards"
    folder.mkdir()
    by_file = folder / "E07000001.json"  # Alpha: a district by its file's name, no name column
    by_file.write_text(_geojson_text({"E05000001": TOY_WARDS["E05000001"]}, "EPSG:27700"))
    none = folder / "bravo.json"  # Bravo: no district at all
    none.write_text(_geojson_text({"E05000002": TOY_WARDS["E05000002"]}, "EPSG:27700"))
    wards = read_wards([by_file, none])
    assert wards.frame["district_name"].fillna("(none)").tolist() == ["E07000001", "(none)"]
    months = {"2025-01": [500500], "2025-02": [500500, 500600, 501500]}
    files = [
        write_street(
            [street_row(f"{m}-{i}", x, 200500, month=m) for i, x in enumerate(xs)],
            name=f"{m}-toyshire-street.csv",
        )
        for m, xs in months.items()
    ]
    store = tmp_path / "store"
    bounds = ["--wards", str(by_file), "--wards", str(none), "--force-area", str(area_path)]
    assert main(["ingest", *map(str, files), "--store", str(store), *bounds]) == 0
    stored = Store(store).load_boundary("wards")
    assert stored["district_name"].tolist() == ["E07000001", "Toyshire"]
    assert stored["district_code"].fillna("(none)").tolist() == ["E07000001", "(none)"]
    capsys.readouterr()
    assert main(["analyse", "--from", "2025-02", "--to", "2025-02", "--store", str(store)]) == 0
    text = capsys.readouterr().out
    # By hand: Alpha 1 -> 2 (+1), Bravo 0 -> 1 (+1); ties by ward code.
    assert "Wards rising: Alpha (E07000001) +1, Bravo (Toyshire) +1" in text
    assert "None" not in text


# -- a ward without a polygon --------------------------------------------------------------------


def test_a_ward_whose_feature_has_no_polygon_is_refused_naming_it(tmp_path: Path) -> None:
    # A GeoJSON feature with "geometry": null (an ArcGIS export of a record without a shape)
    # was dropped without a word: the ward vanished from every map and table, its offences
    # went to a neighbour (the nearest ward) or 'no ward'.
    import json

    text = json.loads(_geojson_text(TOY_WARDS, "EPSG:27700"))
    text["features"][1]["geometry"] = None
    path = tmp_path / "wards_null.geojson"
    path.write_text(json.dumps(text))
    with pytest.raises(BoundaryError) as caught:
        read_wards(path)
    message = str(caught.value)
    assert "wards_null.geojson" in message
    assert "1 ward(s) without a polygon: E05000002 (Bravo)" in message


def test_a_ward_with_a_label_point_beside_its_polygon_is_read(tmp_path: Path) -> None:
    # A point feature for a ward that also has its polygon (label points) loses nothing.
    import json

    text = json.loads(_geojson_text(TOY_WARDS, "EPSG:27700"))
    point = {**text["features"][1], "geometry": {"type": "Point", "coordinates": [501500, 200500]}}
    text["features"].append(point)
    path = tmp_path / "wards_points.geojson"
    path.write_text(json.dumps(text))
    assert read_wards(path).frame["ward_code"].tolist() == ["E05000001", "E05000002"]


# -- British Transport Police and Northern Ireland (held up: kept as they should be) -------------


def test_btp_rows_in_a_force_file_and_btp_s_own_file_count_once(
    toy, write_street, tmp_path: Path
) -> None:
    # A territorial force's download may include the crimes British Transport Police reported
    # in its area ('Reported by' BTP, 'Falls within' the force); BTP's own download covers all
    # of Great Britain and repeats them under the same Crime ID. Ingesting both: each crime
    # once, the rest of Britain outside the force area, every row accounted for.
    def btp(row: list[str]) -> list[str]:
        return [row[0], row[1], "British Transport Police", *row[3:]]

    force_file = write_street(
        [street_row("t1", 500500, 200500), btp(street_row("b1", 501500, 200500))],
        name="2025-01-toyshire-street.csv",
    )
    gb_rows = [
        btp(street_row("b1", 501500, 200500)),  # the same crime: a duplicate
        btp(street_row("b2", None, None, lon_lat=("-2.9779", "53.4084"))),  # Liverpool Lime St
        btp(street_row("b3", None, None, lon_lat=("-4.2518", "55.8609"))),  # Glasgow Central
    ]
    for row in gb_rows:
        row[3] = "British Transport Police"
    gb_file = write_street(gb_rows, name="2025-01-btp-street.csv")
    wards, area = toy
    report = ingest(
        [force_file, gb_file], wards=wards, force_area=area, store=Store(tmp_path / "store")
    )
    assert report.reconciles()
    by_name = {e["name"]: e for e in report.sources}
    force, gb = by_name["2025-01-toyshire-street.csv"], by_name["2025-01-btp-street.csv"]
    assert (force["kept"], force["rejected"]) == (2, {})
    assert (gb["kept"], gb["rejected"]) == (0, {"duplicate": 1, "outside force area": 2})
    events = Store(tmp_path / "store").load(layers=["offence"])
    assert sorted(events["event_id"]) == ["b1", "t1"]


def test_northern_ireland_wards_in_irish_grid_take_psni_rows(tmp_path: Path, write_street) -> None:
    # PSNI publishes street crime (no stop-and-search); its wards (N08) come from OSNI in the
    # Irish Grid (EPSG:29902), not in ONS's Great Britain files. Belfast City Hall, -5.9301,
    # 54.5967, lies in the 2 km square ward drawn around it; the force area is that ward.
    from pyproj import Transformer

    to_irish = Transformer.from_crs("EPSG:4326", "EPSG:29902", always_xy=True)
    e, n = to_irish.transform(-5.9301, 54.5967)
    ward = gpd.GeoDataFrame(
        {
            "WD23CD": ["N08000001"],
            "WD23NM": ["Botanic"],
            "LAD23CD": ["N09000003"],
            "LAD23NM": ["Belfast"],
        },
        geometry=[box(e - 1000, n - 1000, e + 1000, n + 1000)],
        crs="EPSG:29902",
    )
    ward.to_file(tmp_path / "wards_osni.gpkg", driver="GPKG")
    area = ward[["geometry"]].assign(PFA23NM="Police Service of Northern Ireland")
    area.to_file(tmp_path / "psni.gpkg", driver="GPKG")
    row = street_row("n1", None, None, lon_lat=("-5.930100", "54.596700"))
    row[2] = row[3] = "Police Service of Northern Ireland"
    street = write_street([row], name="2025-01-northern-ireland-street.csv")
    report = ingest(
        [street],
        wards=read_wards(tmp_path / "wards_osni.gpkg"),
        force_area=read_force_area(tmp_path / "psni.gpkg"),
        store=Store(tmp_path / "store"),
    )
    (entry,) = report.sources
    assert (entry["kept"], entry["rejected"]) == (1, {})
    events = Store(tmp_path / "store").load(layers=["offence"])
    assert events["ward_code"].tolist() == ["N08000001"]
    assert events["ward_match"].tolist() == ["within"]


# -- vertex-heavy boundary files -----------------------------------------------------------------


def test_a_map_of_vertex_heavy_wards_is_drawn_from_outlines_within_5_m(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path, app_factory
) -> None:
    # ONS's full-resolution (BFC) wards carry a vertex every few metres: Merseyside's BSC wards
    # densified to one every 5 m (267,133 vertices) made a 6.2 MB map frame, 13.7x the BSC's
    # 0.46 MB; 8,000 wards of 800 vertices a 154 MB frame (61 s, 2.6 GB). Here the two toy
    # wards get a vertex every 4 cm (200,000): the map draws them within 5 m of the file.
    import re

    import shapely

    from tests.accounts import client_as

    dense = {
        code: (name, shapely.segmentize(shape, 0.04)) for code, (name, shape) in TOY_WARDS.items()
    }
    assert sum(shapely.get_num_coordinates(s) for _, s in dense.values()) > 150_000
    wards_path = _ward_file(tmp_path / "wards_bfc.geojson", dense)
    _, area_path = toy_boundaries
    street = write_street([street_row("c1", 500500, 200500), street_row("c2", 501500, 200500)])
    store = tmp_path / "store"
    ingest(
        [street],
        wards=read_wards(wards_path),
        force_area=read_force_area(area_path),
        store=Store(store),
    )
    stored = Store(store).load_boundary("wards")
    assert shapely.get_num_coordinates(stored.geometry.to_numpy()).sum() > 150_000  # as given
    app = app_factory(store, USERS_DB=str(tmp_path / "users.sqlite3"), WARM_PRESETS=0)
    frame = client_as(app, "analyst").get("/map/frame?from=2025-01&to=2025-01")
    assert frame.status_code == 200
    assert len(frame.data) < 1_000_000, len(frame.data)
    html = frame.get_data(as_text=True)
    assert len(re.findall(r"\[-?\d+\.\d+, -?\d+\.\d+\]", html)) < 20_000
    # What is drawn strays at most 5 m from the file's outlines, each ward's area within 0.1%.
    from hotspots.render.layers import display_outlines

    drawn = display_outlines(stored.geometry.to_numpy())
    original = stored.geometry.to_numpy()
    assert max(shapely.hausdorff_distance(drawn, original)) <= 5.0
    assert shapely.area(drawn) == pytest.approx(shapely.area(original), rel=1e-3)


# -- the files of a data.police.uk download, as they come ----------------------------------------

OUTCOMES_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Outcome type"
)


def test_outcomes_files_of_a_download_are_skipped_saying_so(
    toy, write_street, tmp_path: Path
) -> None:
    # A data.police.uk download holds, for each month, the street, outcomes and stop-and-search
    # files side by side; `hotspots ingest download/*/*.csv` stopped at the first outcomes file
    # ('unrecognised file'). Its rows are later outcomes of crimes the street files hold (with
    # their last outcome category): skipped, said in the report, the other files read.
    street = write_street([street_row("c1", 500500, 200500)], name="2025-01-toyshire-street.csv")
    outcomes = tmp_path / "2025-01-toyshire-outcomes.csv"
    outcomes.write_text(
        OUTCOMES_HEADER + "\nc1,2025-01,Toyshire Police,Toyshire Police,-0.53,51.69,"
        "On or near Toy Street,E01000001,Toyshire 001A,Local resolution\n"
    )
    wards, area = toy
    report = ingest(
        [outcomes, street], wards=wards, force_area=area, store=Store(tmp_path / "store")
    )
    assert [e["name"] for e in report.sources] == ["2025-01-toyshire-street.csv"]
    assert report.sources[0]["kept"] == 1
    assert report.skipped == [
        "2025-01-toyshire-outcomes.csv: a police.uk outcomes file (outcomes of crimes the street "
        "files hold, with each one's last outcome category): not read"
    ]
    assert "skipped 2025-01-toyshire-outcomes.csv: a police.uk outcomes file" in format_ingest(
        report
    )


# -- stop-and-search times without an offset, in the clock-change hours --------------------------


def test_search_times_without_offset_in_the_clock_change_hour_keep_their_day() -> None:
    # police.uk writes offsets ('+00:00'); a file re-saved by another tool may not, and a time
    # in the hour the clocks go back is then two instants, in the hour they go forward none.
    # Both fall on the same day and month whatever the instant: 01:30 on 27 Oct 2019 is a
    # search of 27 Oct 2019 (was NaT: the row rejected as 'bad date', searches at 01:30 on a
    # Sunday being the night-time economy's). The earlier instant (BST) is taken when there
    # are two; a time the clocks skip moves forward by the hour skipped.
    from hotspots.sources.stop_search import uk_local_times

    texts = pd.Series(
        ["2019-10-27T01:30:00", "2019-03-31T01:30:00", "2019-07-01T00:30:00", "2019-10-27 01:59"]
    )
    local = uk_local_times(texts)
    assert local.dt.strftime("%Y-%m-%d %H:%M %Z").tolist() == [
        "2019-10-27 01:30 BST",
        "2019-03-31 02:30 BST",
        "2019-07-01 00:30 BST",
        "2019-10-27 01:59 BST",
    ]


# -- a force named as police.uk names it ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Merseyside", "Merseyside"),  # the ONS name
        ("merseyside police", "Merseyside"),  # police.uk's 'Falls within'
        ("Cambridgeshire Constabulary", "Cambridgeshire"),
        ("City of London Police", "London, City of"),  # ONS writes it backwards
        ("Metropolitan Police Service", "Metropolitan Police"),
        ("Devon and Cornwall Police", "Devon & Cornwall"),
        ("E23000004", "Merseyside"),  # the code
    ],
)
def test_a_force_is_found_by_the_name_police_uk_gives_it(
    given: str, expected: str, real_data: Path
) -> None:
    # ONS's PFA file of England and Wales names forces 'Merseyside', 'London, City of'; a user
    # types the force's own name, as police.uk's 'Falls within' writes it, and was refused.
    pfa = real_data / "boundaries" / "pfa_dec2023_bsc" / "PFA_DEC_2023_EW_BSC.shp"
    area = read_force_area(pfa, force=given)
    assert area.frame["ward_name"].tolist() == [expected]


def test_a_force_name_that_is_none_of_the_files_is_refused_listing_them(real_data: Path) -> None:
    pfa = real_data / "boundaries" / "pfa_dec2023_bsc" / "PFA_DEC_2023_EW_BSC.shp"
    with pytest.raises(BoundaryError, match=r"no force 'Police Scotland'; the file holds \["):
        read_force_area(pfa, force="Police Scotland")


# -- a GeoPackage of several layers (OS Boundary-Line) -------------------------------------------


def _boundary_line(path: Path) -> Path:
    """A GeoPackage laid out as OS Boundary-Line: a county layer first, the wards later, both
    with ``Name`` and ``Census_Code`` columns."""
    gpd.GeoDataFrame(
        {"Name": ["Toyshire"], "Census_Code": ["E10000099"]},
        geometry=[box(500000, 200000, 502000, 201000)],
        crs="EPSG:27700",
    ).to_file(path, layer="county", driver="GPKG")
    gpd.GeoDataFrame(
        {"Name": ["Alpha", "Bravo"], "Census_Code": ["E05000001", "E05000002"]},
        geometry=[shape for _, shape in TOY_WARDS.values()],
        crs="EPSG:27700",
    ).to_file(path, layer="district_borough_unitary_ward", driver="GPKG")
    return path


def test_the_ward_layer_of_a_geopackage_of_several_is_the_one_of_ward_codes(
    tmp_path: Path,
) -> None:
    # GDAL reads the first layer of a file when none is named: the county was read as the one
    # 'ward' of the force (Toyshire, E10000099), every offence in it, with only a Python
    # warning. The layer whose codes are ward codes (hotspots.gss) is the wards.
    path = _boundary_line(tmp_path / "bdline_gb.gpkg")
    wards = read_wards(path, code_column="Census_Code", name_column="Name")
    assert wards.frame["ward_code"].tolist() == ["E05000001", "E05000002"]
    assert wards.frame["ward_name"].tolist() == ["Alpha", "Bravo"]


def test_a_file_of_several_layers_none_of_wards_is_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "two_counties.gpkg"
    for layer in ("county", "county_2"):
        gpd.GeoDataFrame(
            {"Census_Code": ["E10000099"]},
            geometry=[box(500000, 200000, 502000, 201000)],
            crs="EPSG:27700",
        ).to_file(path, layer=layer, driver="GPKG")
    with pytest.raises(BoundaryError) as caught:
        read_wards(path, code_column="Census_Code")
    message = str(caught.value)
    assert "2 layers (county, county_2)" in message
    assert "none holds ward codes" in message
    with pytest.raises(BoundaryError, match=r"2 layers \(county, county_2\)"):
        read_force_area(path)


def test_a_wards_share_in_the_force_area_is_worked_by_hand() -> None:
    """The shares the membership rule compares with WARD_IN_AREA_SHARE, on squares whose
    overlap with an L-shaped area is worked by hand (the area clipped to each ward's box, then
    overlaid: the same share as the whole area's overlay)."""
    import numpy as np
    from shapely.geometry import Polygon, box

    from hotspots.sources.boundaries.membership import _shares_inside

    # an L: the square 0..10 x 0..10 without its top-right quarter 5..10 x 5..10
    area = Polygon([(0, 0), (10, 0), (10, 5), (5, 5), (5, 10), (0, 10)])
    wards = np.array(
        [
            box(4, 4, 6, 6),  # 3 of its 4 unit quarters in the L: 0.75
            box(8, 8, 12, 12),  # none
            box(9, 0, 11, 2),  # half
            box(-1, 2, 1, 3),  # half
        ],
        dtype=object,
    )
    assert np.allclose(_shares_inside(wards, area), [0.75, 0.0, 0.5, 0.5], rtol=0, atol=1e-12)


FIXTURES = Path(__file__).parent / "fixtures"


def test_a_month_of_searches_none_with_a_location_is_held_not_missing(
    write_street, toy_boundaries: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """Dyfed-Powys Police gives no location for any stop-and-search of 2019. Its three files of
    Jul-Sep 2019 were ingested, 541 drug searches rejected 'no location', and every output
    said "Drug stop-and-searches: no data (no stop-and-search records held)": the months held
    were taken from kept rows only. Fixture: four real rows of its July file
    (tests/fixtures/README.md), three for controlled drugs, one for a weapon, all dated
    2019-06-30T23:00:00+00:00 = 1 July 00:00 BST. By hand: July searches are held; 0 drug
    searches with a location; 3 drug searches without one (the weapon search is not a drug
    record); the offences of July (2 hand-made rows in Alpha) are 2."""
    from hotspots.cli import main

    searches = FIXTURES / "dyfed_powys" / "2019-07-dyfed-powys-stop-and-search.csv"
    street = write_street(
        [street_row(f"j{k}", 500500, 200500, month="2019-07") for k in range(2)],
        "2019-07-toyshire-street.csv",
    )
    store = tmp_path / "store"
    wards, area = toy_boundaries
    bounds = ["--wards", str(wards), "--force-area", str(area), "--store", str(store)]
    assert main(["ingest", str(street), str(searches), *bounds]) == 0
    entry = Store(store).sources("search")[0]
    assert entry["kept"] == 0
    assert entry["rejected"] == {"no location": 3, "not a drug record": 1}
    assert entry["months"] == ["2019-07"]  # was []: the month read as not held
    capsys.readouterr()
    assert main(["analyse", "--from", "2019-07", "--to", "2019-07", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "Drug stop-and-searches: 0 located" in out  # never a bare 0 (was "0")
    assert "no stop-and-search records held" not in out
    assert "Note: 3 stop-and-search records of Jul 2019 have no location" in out
    assert main(["status", "--store", str(store)]) == 0
    status = capsys.readouterr().out
    assert re.search(r"^search\s+0\s+2019-07\s+1\s+4$", status, re.M), status


def test_another_forces_search_file_still_holds_no_month(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    """A search file whose located rows all lie outside the force area (another force's, 2
    rows in Birmingham) and one more without a location covers no month of this store: its
    rows say nothing about this force's searches, so the month stays "no data", not 0."""
    header = (FIXTURES / "dyfed_powys" / "2019-07-dyfed-powys-stop-and-search.csv").read_text()
    lines = header.splitlines()
    birmingham = lines[1].replace(",,,,,", ",,,52.480,-1.898,", 1)
    path = tmp_path / "2019-07-west-midlands-stop-and-search.csv"
    path.write_text("\n".join([lines[0], birmingham, birmingham, lines[2]]) + "\n")
    wards, area = toy_boundaries
    report = ingest(
        [path], wards=read_wards(wards), force_area=read_force_area(area), store=Store(tmp_path)
    )
    (entry,) = report.sources
    assert entry["rejected"] == {"outside force area": 2, "no location": 1}
    assert entry["months"] == []


def test_a_month_without_hotspots_prints_no_empty_table(
    toy_boundaries: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """Cumbria, Sep 2019: 98 drug offences spread over a rural force, no hotspot (at least 5
    offences within 150 m). `hotspots analyse` said "No hotspots with these parameters." and
    then printed the significance table's header over no rows. By hand: 3 offences 500 m apart
    make no hotspot (min_samples is at least 5)."""
    from hotspots.cli import main
    from tests.helpers import store_of_rows

    rows = [street_row(f"s{k}", 500200 + 500 * k, 200500, month="2019-09") for k in range(3)]
    store = store_of_rows(rows, toy_boundaries, tmp_path)
    capsys.readouterr()
    assert main(["analyse", "--from", "2019-09", "--to", "2019-09", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "No hotspots with these parameters." in out
    assert "0 of 3 offences in 0 hotspot(s)" in out
    assert "rank  p      q" not in out


def test_a_store_of_searches_only_says_what_it_holds(
    toy_boundaries: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """West Midlands Police's stop-and-search files of Jul-Sep 2019 alone (3,301 drug searches:
    its street files are too big for the public copies found) made `hotspots analyse --last 3`
    say "the store holds no months yet" and `--from 2019-07 --to 2019-09` say "the store holds
    no months". By hand: 2 searches in Alpha, one in July and one in August."""
    from hotspots.cli import main
    from tests.helpers import search_row, store_of_rows

    searches = [search_row("2019-07", 500500, 200500), search_row("2019-08", 500500, 200500)]
    store = store_of_rows([], toy_boundaries, tmp_path, searches=searches)
    expected = (
        "the store holds no drug offence records yet, and hotspots, ward figures and periods "
        "are made from them (ingest police.uk street files); it holds stop-and-search records "
        "for 2019-07, 2019-08"
    )
    for period in (["--last", "3"], ["--from", "2019-07", "--to", "2019-08"]):
        capsys.readouterr()
        assert main(["analyse", *period, "--store", str(store)]) == 2
        err = capsys.readouterr().err
        assert expected in err, err
        assert "holds no months" not in err


def test_the_api_on_a_store_of_searches_only_says_what_is_missing(
    toy_boundaries: tuple[Path, Path], tmp_path: Path, app_factory
) -> None:
    """The same West Midlands store through the API and OGC API: 400 "store='empty':
    expected a store with data (run `hotspots ingest`)" over 3,301 stored drug searches. Now
    the refusal names what is missing. By hand: 1 search in Alpha, July 2019."""
    from tests.accounts import client_as
    from tests.helpers import search_row, store_of_rows

    store = store_of_rows(
        [], toy_boundaries, tmp_path, searches=[search_row("2019-07", 500500, 200500)]
    )
    client = client_as(app_factory(store, TESTING=True), "analyst")
    for url in ("/api/v1/wards", "/map.json", "/ogc/collections/offences/items"):
        answer = client.get(url)
        assert answer.status_code == 400, url
        text = answer.get_data(as_text=True)
        assert "no drug offence records" in text and "ingest police.uk street files" in text, url
        assert "empty" not in text, url


def test_a_new_month_is_ingested_with_the_stores_own_boundaries(
    write_street, toy_boundaries: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    """South Wales' August after its July: `hotspots ingest 2019-08-*.csv --store S` was
    refused ("the following arguments are required: --wards, --force-area") though the store
    records both, as `hotspots fetch` uses them. Now the store's own are used; a new store, or
    one of the two options alone, is refused saying what to give. By hand: 2 offences in Alpha
    in January, 1 in Bravo in February: 3 kept, months 2025-01 and 2025-02, boundaries as
    stored."""
    from hotspots.cli import main

    jan = write_street([street_row(f"j{k}", 500500, 200500) for k in range(2)])
    feb = write_street(
        [street_row("f1", 501500, 200500, month="2025-02")], "2025-02-toyshire-street.csv"
    )
    store = tmp_path / "store"
    wards, area = toy_boundaries
    bounds = ["--wards", str(wards), "--force-area", str(area)]
    assert main(["ingest", str(jan), *bounds, "--store", str(store)]) == 0
    before = Store(store).manifest()["boundaries"]
    assert main(["ingest", str(feb), "--store", str(store)]) == 0
    held = Store(store)
    assert held.manifest()["boundaries"] == before
    assert sorted(e["kept"] for e in held.sources("offence")) == [1, 2]
    assert sorted(m for e in held.sources("offence") for m in e["months"]) == [
        "2025-01",
        "2025-02",
    ]
    capsys.readouterr()
    assert main(["ingest", str(feb), "--store", str(tmp_path / "new")]) == 2
    assert "a new store: give --wards PATH and --force-area PATH" in capsys.readouterr().err
    assert main(["ingest", str(feb), "--wards", str(wards), "--store", str(store)]) == 2
    assert "--wards and --force-area go together" in capsys.readouterr().err


def test_a_figure_of_0_with_records_unplaced_says_all_have_no_location() -> None:
    """Dyfed-Powys' briefing card for Sep 2019 read "0" then "166 more have no location (not
    counted)", as if some searches had one. By hand: 0 located, 166 without a location, July to
    September held: "all 166 have no location (not counted)"; 3 located and 5 without stay
    "5 more"."""
    from hotspots.figures import layer_figure
    from hotspots.periods import Period

    held = ["2019-07", "2019-08", "2019-09"]
    sep, aug = Period.months("2019-09", "2019-09"), Period.months("2019-08", "2019-08")
    none_placed = layer_figure("search", 0, 0, sep, aug, held, unlocated=166)
    assert none_placed.text() == "0 located"  # never a bare 0 (was "0")
    assert none_placed.unlocated_short == "all 166 have no location (not counted)"
    some = layer_figure("search", 3, 1, sep, aug, held, unlocated=5)
    assert some.unlocated_short == "5 more have no location (not counted)"
    assert some.text() == "3"  # a number with a location: the number
    assert none_placed.as_dict()["text"] == "0 located"
    assert none_placed.as_dict()["counted"] == "stop-and-search records with a location"
