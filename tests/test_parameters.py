"""One rule per hotspot parameter (:mod:`hotspots.parameters`): the command line, the map form,
the analyst API, the OGC API and both OpenAPI documents state and apply the same bounds, and
refuse a value outside them with a message naming the field and the range."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hotspots import parameters as rule
from hotspots.cli import main
from hotspots.parameters import ParameterError, parse_eps_m, parse_min_samples
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
    demo_store_path: Path, capsys: pytest.CaptureFixture, field: str, value: str
) -> None:
    option = "--" + field.replace("_", "-")
    store = ["--store", str(demo_store_path)]
    assert main(["analyse", "--last", "3", option, value, *store]) == 2
    err = capsys.readouterr().err
    assert f"{option} {value!r}: expected {EXPECTED[field]}" in err
    with pytest.raises(SystemExit) as stopped:
        main(["evaluate", option, value, *store])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {value!r}: expected {EXPECTED[field]}" in err


# -- significant: one vocabulary, one parser -------------------------------------------------------

#: The words each form accepted before they shared one parser (the map form / the patrol form).
MAP_WORDS = {"1", "true", "on", "yes", "0", "false", "off", "no"}
PATROL_WORDS = {"0", "1", "true", "false", ""}


def test_one_vocabulary_is_the_union_of_the_old_ones() -> None:
    assert set(rule.FLAG_WORDS) | {""} == MAP_WORDS | PATROL_WORDS
    assert [w for w, on in rule.FLAG_WORDS.items() if on] == ["1", "true", "on", "yes"]
    assert rule.parse_flag(" TRUE ") is True and rule.parse_flag("Off") is False
    assert rule.parse_flag("", default=True) is True  # empty: the flag's default
    with pytest.raises(ParameterError, match=r"significant 'maybe': expected 1 or 0"):
        rule.parse_flag("maybe")


@pytest.mark.parametrize("word", sorted(MAP_WORDS | PATROL_WORDS))
def test_the_map_and_the_patrol_plan_read_significant_alike(client: FlaskClient, word: str) -> None:
    on = rule.FLAG_WORDS.get(word, False)  # empty: the default, off
    listed = "Only hotspots whose Monte Carlo"
    patrol = client.get(f"/patrol?to=2025-11&significant={word}")
    assert patrol.status_code == 200 and (listed in patrol.get_data(as_text=True)) is on
    # the drug-only demo cannot be tested: "only significant" leaves no hotspot
    shown = client.get(f"/map.json?from=2025-09&to=2025-11&significant={word}").get_json()
    assert (shown["hotspots"] == []) is on


@pytest.mark.parametrize("path", ["/patrol?to=2025-11&", "/?from=2025-09&to=2025-11&"])
def test_a_ticked_checkbox_after_its_hidden_fallback_is_on(client: FlaskClient, path: str) -> None:
    """Both forms send a hidden ``significant=0`` before the checkbox's ``1``: the last wins."""
    ticked = client.get(path + "significant=0&significant=1").get_data(as_text=True)
    assert re.search(r'id="significant" name="significant" value="1" checked', ticked)
    plain = client.get(path + "significant=0").get_data(as_text=True)
    assert not re.search(r'id="significant" name="significant" value="1" checked', plain)


@pytest.mark.parametrize("path", ["/patrol?to=2025-11&", "/map.json?", "/api/v1/hotspots?"])
def test_a_word_outside_the_vocabulary_is_refused_alike(client: FlaskClient, path: str) -> None:
    response = client.get(path + "significant=maybe", headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["field"], error["value"], error["expected"]) == ("significant", "maybe", "1 or 0")


# -- the map's measures and offence views: one list, in the library --------------------------------


def _options(html: str, select: str) -> list[str]:
    block = re.search(rf'<select id="{select}" name="{select}">(.*?)</select>', html, re.S)
    assert block, select
    return re.findall(r'<option value="([^"]+)"', block[1])


def test_the_form_offers_and_accepts_the_render_lists(client: FlaskClient) -> None:
    from hotspots.render.maps import MEASURE_LABELS, OFFENCE_VIEWS, WARD_MEASURES

    html = client.get("/?from=2025-09&to=2025-11").get_data(as_text=True)
    assert _options(html, "measure") == list(WARD_MEASURES) == list(MEASURE_LABELS)
    assert _options(html, "offences") == list(OFFENCE_VIEWS)  # an analyst: clusters too
    for measure in WARD_MEASURES:
        assert client.get(f"/?from=2025-09&to=2025-11&measure={measure}").status_code == 200
    for view in OFFENCE_VIEWS:
        assert client.get(f"/?from=2025-09&to=2025-11&offences={view}").status_code == 200
    error = client.get("/map.json?measure=rate").get_json()["error"]
    assert error["expected"] == "one of " + ", ".join(WARD_MEASURES)
    error = client.get("/map.json?offences=dots").get_json()["error"]
    assert error["expected"] == "one of " + ", ".join(OFFENCE_VIEWS)
