"""Rules that had copies, now each in one place (issue 13, "copies of one rule that differ"):
each test would fail if a copy came back and drifted from the rule."""

from __future__ import annotations

import ast
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from flask import Flask
from shapely.geometry import box

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.sources.boundaries import read_force_area
from hotspots.store import Store
from hotspots.validate import RowVerdicts, check_bng
from tests.accounts import sign_in
from tests.helpers import STREET_HEADER, AppFactory, street_row
from web import create_app

# -- the British National Grid extent: points and boundaries -------------------------------------

E_LOW, E_HIGH = schema.BNG_EASTING_M
N_LOW, N_HIGH = schema.BNG_NORTHING_M


def _point_on_grid(easting: float, northing: float) -> bool:
    verdicts = RowVerdicts(1)
    check_bng(verdicts, pd.Series([repr(easting)]), pd.Series([repr(northing)]))
    return bool(verdicts.kept[0])


def _area_on_grid(tmp_path: Path, x0: float, y0: float, x1: float, y1: float) -> bool:
    path = tmp_path / f"area-{x0}-{y0}-{x1}-{y1}.gpkg"
    frame = gpd.GeoDataFrame(
        {"PFA24CD": ["E23000099"], "PFA24NM": ["Edgeshire"]},
        geometry=[box(x0, y0, x1, y1)],
        crs=schema.CRS_BNG,
    )
    frame.to_file(path, driver="GPKG")
    try:
        read_force_area(path)
    except BoundaryError as exc:
        assert "off the British National Grid" in str(exc)
        return False
    return True


@pytest.mark.parametrize(
    ("x0", "y0", "x1", "y1", "on"),
    [
        (E_HIGH - 1000, 500_000, E_HIGH, 501_000, True),  # touching the east edge
        (E_HIGH - 1000, 500_000, E_HIGH + 1, 501_000, False),  # 1 m beyond it
        (E_LOW, 500_000, E_LOW + 1000, 501_000, True),
        (E_LOW - 1, 500_000, E_LOW + 1000, 501_000, False),
        (300_000, N_HIGH - 1000, 301_000, N_HIGH, True),
        (300_000, N_HIGH - 1000, 301_000, N_HIGH + 1, False),
        (300_000, N_LOW, 301_000, N_LOW + 1000, True),
        (300_000, N_LOW - 1, 301_000, N_LOW + 1000, False),
    ],
)
def test_points_and_boundaries_share_the_grid_extent(
    tmp_path: Path, x0: float, y0: float, x1: float, y1: float, on: bool
) -> None:
    """A polygon is on the grid exactly when its outermost corners are points on the grid."""
    assert (_point_on_grid(x0, y0) and _point_on_grid(x1, y1)) is on
    assert _area_on_grid(tmp_path, x0, y0, x1, y1) is on


# -- month labels: the store's status names held months as periods.describe_months does -----------


def test_status_names_months_as_everywhere_else(
    toy_boundaries: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Months held 2025-01, 2025-02 and 2025-04: a two-month run and a gap, as the status table,
    a period error and the web's 400s all write them."""
    from hotspots.cli import main
    from hotspots.periods import Period, PeriodError, describe_months

    paths = []
    for month in ("2025-01", "2025-02", "2025-04"):
        path = tmp_path / f"{month}-toyshire-street.csv"
        row = street_row(f"C{month}", 500_500, 200_500, month=month)
        path.write_text(f"{STREET_HEADER}\n{','.join(row)}\n", encoding="utf-8")
        paths.append(str(path))
    wards, area = toy_boundaries
    store = ["--store", str(tmp_path / "store")]
    boundaries = ["--wards", str(wards), "--force-area", str(area)]
    assert main(["ingest", *paths, *boundaries, *store]) == 0
    capsys.readouterr()
    assert main(["status", *store]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("offence")]
    held = describe_months(["2025-01", "2025-02", "2025-04"])
    assert held == "2025-01, 2025-02, 2025-04"
    assert held in line
    with pytest.raises(PeriodError, match=f"the store holds {held}"):
        Period.months("2025-01", "2025-04").require_data(["2025-01", "2025-02", "2025-04"])


# -- GSS codes: wards and districts, one rule ------------------------------------------------------

#: Worked by hand from the ONS register's entity types (hotspots/gss.py's docstring).
CODES = {
    "E05013051": "ward",  # Cambridge, Abbey
    "W05000981": "ward",
    "S13002517": "ward",
    "N08000101": "ward",
    "E06000031": "district",  # Peterborough, a unitary authority
    "E07000008": "district",  # Cambridge
    "E08000025": "district",  # Birmingham
    "E09000033": "district",  # Westminster
    "W06000015": "district",  # Cardiff
    "S12000036": "district",  # City of Edinburgh
    "N09000003": "district",  # Belfast
    "E01000001": None,  # an LSOA
    "E23000023": None,  # a police force area
    "E10000015": None,  # a county
    "e07000008": None,  # lower case: not a code as stored
    "E0700008": None,  # seven digits
}


@pytest.mark.parametrize(("code", "kind"), CODES.items())
def test_codes_are_wards_districts_or_neither(code: str, kind: str | None) -> None:
    from hotspots.gss import is_district_code, is_ward_code

    assert is_ward_code(code) is (kind == "ward")
    assert is_district_code(code) is (kind == "district")


@pytest.mark.parametrize(("code", "kind"), CODES.items())
def test_an_officers_scope_takes_wards_and_districts_only(code: str, kind: str | None) -> None:
    from hotspots.users import UserError, check_scope

    if kind is None and code.upper() != "E07000008":
        with pytest.raises(UserError, match=r"expected district .* or ward .* GSS codes"):
            check_scope("officer", [code])
    else:
        assert check_scope("officer", [code]) == (code.upper(),)


@pytest.fixture(scope="module")
def demo_app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True)


def test_an_officers_patrol_plan_defaults_to_their_district_or_wards(demo_app: Flask) -> None:
    """One district in scope: the plan is of that district; a ward: of that ward."""
    from hotspots.gss import is_district_code, is_ward_code

    wards = Store(demo_app.config["STORE"]).load_boundary("wards")
    districts = sorted(set(wards[schema.DISTRICT_CODE]))
    ward = sorted(wards.loc[wards[schema.DISTRICT_CODE] == "E07000008", schema.WARD_CODE])[0]
    assert "E06000031" in districts and is_ward_code(ward)
    for code in ("E06000031", "E07000008", ward):
        client = sign_in(demo_app.test_client(), "officer", (code,))
        html = client.get("/patrol?to=2025-11").get_data(as_text=True)
        if is_district_code(code):
            assert f"area=district&amp;n=10&amp;district={code}" in html, code
        else:
            assert f"area=wards&amp;n=10&amp;wards={code}" in html, code


# -- DEFAULT_MONTHS: one default, one reader -------------------------------------------------------


def test_the_default_months_setting_is_the_periods_default(demo_app: Flask) -> None:
    from hotspots.periods import DEFAULT_MONTHS
    from web.settings import DEFAULTS

    assert DEFAULTS["DEFAULT_MONTHS"] == DEFAULT_MONTHS == demo_app.config["DEFAULT_MONTHS"]


def test_every_page_and_api_reads_default_months(app_factory: AppFactory) -> None:
    """Two months by setting (the demo holds 2025-01..2025-12): the latest two with the two
    before held are Nov-Dec 2025; every door gives that, and a comparison given only its end
    (``to2``) spans two months too (it was 12, hard-coded)."""
    app = app_factory(TESTING=True, DEFAULT_MONTHS=2)
    client = sign_in(app.test_client())
    assert client.get("/api/v1/meta").get_json()["settings"]["default_months"] == 2
    assert client.get("/api/v1/periods").get_json()["default"] == {
        "from": "2025-11",
        "to": "2025-12",
    }
    assert client.get("/map.json").get_json()["metadata"]["period"] == "Nov–Dec 2025"
    assert "<h1>Compare Nov–Dec 2025 with Sep–Oct 2025</h1>" in client.get("/compare").text
    one_end = client.get("/compare?from=2025-10&to=2025-11&to2=2025-09").text
    assert "<h1>Compare Oct–Nov 2025 with Aug–Sep 2025</h1>" in one_end


# -- settings: one table, read by the web app and the command line alike ---------------------------

ROOT = Path(__file__).resolve().parent.parent


def _environment_readers(path: Path) -> list[str]:
    """``os.environ`` / ``os.getenv`` uses in ``path`` (reading the process environment)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {a.name for a in node.names} & {"environ", "getenv", "environb"}
            found += [f"{path.relative_to(ROOT)}:{node.lineno}"] if names else []
    return found


def test_only_the_command_lines_environment_module_reads_the_environment() -> None:
    library = sorted((ROOT / "hotspots").rglob("*.py"))
    readers = [r for path in library for r in _environment_readers(path)]
    assert readers and all(r.startswith("hotspots/cli/environment.py:") for r in readers), readers


def test_the_command_lines_settings_are_in_the_table() -> None:
    from hotspots.settings import BY_NAME, COMMAND_LINE, SETTINGS
    from web.settings import SETTINGS as WEB_SETTINGS

    assert WEB_SETTINGS is SETTINGS
    assert set(COMMAND_LINE) <= set(BY_NAME)
    reference = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert [n for n in COMMAND_LINE if f"`HOTSPOTS_{n}`" not in reference] == []


@pytest.mark.parametrize("value", ["elsewhere/store", "", " spaced "])
def test_the_store_setting_means_the_same_to_the_app_and_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    from hotspots.cli import commands

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTSPOTS_STORE", value)
    monkeypatch.setenv("HOTSPOTS_USERS_DB", str(tmp_path / "accounts.sqlite3"))
    monkeypatch.setenv("HOTSPOTS_SECRET_KEY", "k")
    app = create_app()
    cli_store = commands._store_path(None)
    assert cli_store == Path(str(app.config["STORE"]) or "store")
    from hotspots.cli.users import users_db_path

    assert users_db_path(cli_store) == Path(app.config["USERS_DB"]) == tmp_path / "accounts.sqlite3"


def test_the_command_line_reads_only_the_settings_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotspots.cli.environment import setting

    monkeypatch.setenv("HOTSPOTS_DASK_SCHEDULER", "null")  # JSON null, as the app reads it
    assert setting("DASK_SCHEDULER") is None
    monkeypatch.delenv("HOTSPOTS_DASK_SCHEDULER")
    assert setting("DASK_SCHEDULER") is None  # the table's default
    with pytest.raises(KeyError, match="the command line reads only"):
        setting("CACHE_SIZE")


@pytest.mark.parametrize(
    ("name", "module", "constant"),
    [
        ("SUPPRESS_BELOW", "hotspots.publicsafe", "SUPPRESS_BELOW"),
        ("SNAP_M", "hotspots.publicsafe", "SNAP_M"),
        ("SIGNIFICANCE_SIMS", "hotspots.significance", "N_SIMS"),
        ("DYNAMICS_PERIODS", "hotspots.dynamics", "N_PERIODS"),
        ("DEFAULT_MONTHS", "hotspots.periods", "DEFAULT_MONTHS"),
    ],
)
def test_setting_defaults_are_the_librarys(name: str, module: str, constant: str) -> None:
    """The web's defaults of the library's parameters are the library's (the table cannot
    import those modules: `hotspots status` must start without pandas)."""
    import importlib

    from hotspots.settings import DEFAULTS

    assert DEFAULTS[name] == getattr(importlib.import_module(module), constant)
