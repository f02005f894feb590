"""One rule per hotspot parameter (:mod:`hotspots.parameters`): the command line, the map form,
the analyst API, the OGC API and both OpenAPI documents state and apply the same bounds, and
refuse a value outside them with a message naming the field and the range."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots import parameters as rule
from hotspots.cli import main
from hotspots.parameters import ParameterError, parse_eps_m, parse_min_samples
from tests.accounts import sign_in
from web import create_app
from web import openapi as api_openapi
from web.ogc import openapi as ogc_openapi

EPS_RANGE = f"from {rule.EPS_M_MIN} to {rule.EPS_M_MAX}"
SAMPLES_RANGE = f"from {rule.MIN_SAMPLES_MIN} to {rule.MIN_SAMPLES_MAX}"
#: Values outside each rule, just beyond each bound, and not numbers at all.
BAD = [
    ("eps_m", str(rule.EPS_M_MIN - 1)),
    ("eps_m", str(rule.EPS_M_MAX + 1)),
    ("eps_m", "nan"),
    ("eps_m", "wide"),
    ("min_samples", str(rule.MIN_SAMPLES_MIN - 1)),
    ("min_samples", str(rule.MIN_SAMPLES_MAX + 1)),
    ("min_samples", "1.5"),
]
EXPECTED = {"eps_m": rule.EPS_M_EXPECTED, "min_samples": rule.MIN_SAMPLES_EXPECTED}
RANGE = {"eps_m": EPS_RANGE, "min_samples": SAMPLES_RANGE}


@pytest.fixture(scope="module")
def demo_store(shared_demo_store: Path) -> Path:
    return shared_demo_store


@pytest.fixture(scope="module")
def app(demo_store: Path) -> Flask:
    return create_app({"STORE": str(demo_store), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return sign_in(app.test_client())


def _bounds(schema: dict) -> tuple[float, float]:
    number = next(s for s in schema["anyOf"] if s["type"] in ("number", "integer"))
    return number["minimum"], number["maximum"]


def test_the_bounds_are_inclusive_and_auto_is_a_word() -> None:
    assert parse_eps_m(str(rule.EPS_M_MIN)) == rule.EPS_M_MIN
    assert parse_eps_m(f" {rule.EPS_M_MAX} ") == rule.EPS_M_MAX
    assert parse_eps_m("1.5e2") == 150.0
    assert parse_min_samples(str(rule.MIN_SAMPLES_MIN)) == rule.MIN_SAMPLES_MIN
    assert parse_min_samples(str(rule.MIN_SAMPLES_MAX)) == rule.MIN_SAMPLES_MAX
    assert parse_eps_m("auto") == parse_min_samples("auto") == "auto"
    with pytest.raises(ParameterError, match=r"eps_m 'inf': expected a number of metres from 10"):
        parse_eps_m("inf")
    with pytest.raises(ParameterError) as caught:
        parse_min_samples("-3", "--min-samples")
    assert (caught.value.field, caught.value.value) == ("--min-samples", "-3")


def test_every_door_states_the_same_bounds(
    client: FlaskClient, capsys: pytest.CaptureFixture
) -> None:
    api_doc = client.get("/api/v1/openapi.json").get_json()
    hotspots = {p["name"]: p for p in api_doc["paths"]["/api/v1/hotspots"]["get"]["parameters"]}
    assert _bounds(hotspots["eps_m"]["schema"]) == (rule.EPS_M_MIN, rule.EPS_M_MAX)
    assert _bounds(hotspots["min_samples"]["schema"]) == (
        rule.MIN_SAMPLES_MIN,
        rule.MIN_SAMPLES_MAX,
    )
    ogc = {p["name"]: p for p in ogc_openapi._HOTSPOT_PARAMETERS}
    assert ogc["eps_m"]["schema"] == api_openapi.eps_m_schema()
    assert ogc["min_samples"]["schema"] == api_openapi.min_samples_schema()
    settings = client.get("/api/v1/meta").get_json()["settings"]
    assert settings["eps_m_range"] == [rule.EPS_M_MIN, rule.EPS_M_MAX]
    assert settings["min_samples_range"] == [rule.MIN_SAMPLES_MIN, rule.MIN_SAMPLES_MAX]
    form = client.get("/").get_data(as_text=True)
    assert f"“auto”, or {rule.EPS_M_MIN} to {rule.EPS_M_MAX}." in form
    assert f"“auto”, or {rule.MIN_SAMPLES_MIN} to {rule.MIN_SAMPLES_MAX}." in form
    with pytest.raises(SystemExit):
        main(["analyse", "--help"])
    cli_help = " ".join(capsys.readouterr().out.split())
    assert f"{rule.EPS_M_MIN} to {rule.EPS_M_MAX}" in cli_help
    assert f"{rule.MIN_SAMPLES_MIN} to {rule.MIN_SAMPLES_MAX}" in cli_help


@pytest.mark.parametrize(("field", "value"), BAD)
def test_the_web_form_and_the_apis_refuse_alike(
    client: FlaskClient, field: str, value: str
) -> None:
    for url in (
        f"/map.json?{field}={value}",
        f"/api/v1/hotspots?{field}={value}",
        f"/ogc/collections/hotspots/items?{field}={value}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        error = response.get_json()["error"]
        assert (error["field"], error["value"], error["expected"]) == (
            field,
            value,
            EXPECTED[field],
        ), url
    page = client.get(f"/?{field}={value}")
    assert page.status_code == 400
    assert RANGE[field] in page.get_data(as_text=True)


@pytest.mark.parametrize(("field", "value"), BAD)
def test_the_command_line_refuses_alike(
    demo_store: Path, capsys: pytest.CaptureFixture, field: str, value: str
) -> None:
    option = "--" + field.replace("_", "-")
    store = ["--store", str(demo_store)]
    assert main(["analyse", "--last", "3", option, value, *store]) == 2
    err = capsys.readouterr().err
    assert f"{option} {value!r}: expected {EXPECTED[field]}" in err
    with pytest.raises(SystemExit) as stopped:
        main(["evaluate", option, value, *store])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {value!r}: expected {EXPECTED[field]}" in err
