"""The map's classification schemes (``scheme``, ``k``): breaks worked out by hand for each
scheme, the one parser's refusals, and the choice round-tripping to every output that carries
classes (the map key, ``/map.json``, the wards exports' ``parameters.classes`` and GeoPackage
style, the CLI's export), for analysts only (other roles get the default whatever they send).

The values by hand: the positive counts ``P = 1 2 3 4 5 10 20 40`` (n = 8, sum 85) with a 0.

- quantiles (``numpy.percentile``, linear): k = 3 at positions 7/3 and 14/3 of P give 3.33 and
  8.33, rounded up to whole offences 4 and 9; k = 4 at positions 1.75, 3.5, 5.25 give 2.75,
  4.5 and 12.5: 3, 5 and 13.
- natural breaks (Fisher-Jenks, least squared deviation from the class means): k = 3 is
  {1..10} {20} {40}, deviation 155 - 25²/6 = 50.8 (of 1 2 3 4 5 10), against 60 for
  {1..5} {10 20} {40}; k = 4 is {1..5} {10} {20} {40}, deviation 10, against 17.5 for
  {1..4} {5 10} {20} {40} and 52.5 for {1 2} {3 4 5} {10 20} {40}.
- equal intervals from 1 to 40: k = 3, width 13: 14 and 27; k = 4, width 9.75: 10.75, 20.5
  and 30.25, rounded up to 11, 21 and 31.
- head/tail: the mean of P is 10.625 (11), the mean of those above it (20, 40) is 30, and above
  30 only 40 is left: two breaks, so three classes for any k of 3 or more.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pyogrio
import pytest

from hotspots.cli import main
from hotspots.parameters import (
    SCHEMES,
    ParameterError,
    parse_k,
    parse_scheme,
)
from hotspots.render import classes as cls
from tests.helpers import AppFactory, ClientFor
from web.access import Access

VALUES = [0, 1, 2, 3, 4, 5, 10, 20, 40]
PERIOD = "from=2025-09&to=2025-11"

BY_HAND: dict[tuple[str, int], tuple[str, ...]] = {
    ("quantiles", 3): ("none", "1–4", "5–9", "10–40"),
    ("quantiles", 4): ("none", "1–3", "4–5", "6–13", "14–40"),
    ("natural_breaks", 3): ("none", "1–10", "11–20", "21–40"),
    ("natural_breaks", 4): ("none", "1–5", "6–10", "11–20", "21–40"),
    ("equal_interval", 3): ("none", "1–14", "15–27", "28–40"),
    ("equal_interval", 4): ("none", "1–11", "12–21", "22–31", "32–40"),
    ("head_tail", 3): ("none", "1–11", "12–30", "31–40"),
    ("head_tail", 4): ("none", "1–11", "12–30", "31–40"),
}


@pytest.mark.parametrize(("scheme", "k"), list(BY_HAND))
def test_breaks_by_hand(scheme: str, k: int) -> None:
    c = cls.sequential_classes(VALUES, integer=True, scheme=scheme, k=k)
    assert c.labels == BY_HAND[scheme, k]
    assert (c.scheme, c.k) == (scheme, k)
    assert f"Scheme: {scheme}, k = {k}." in c.note
    # every value in the class its label says, the upper bound included
    for value in VALUES[1:]:
        index = c.index(value)
        assert index is not None
        first, _, last = c.labels[index].partition("–")
        assert int(first) <= value <= int(last or first), (value, c.labels[index])
    assert c.index(0) == 0 and c.labels[0] == "none"


def test_the_default_is_the_products_quartiles() -> None:
    default = cls.sequential_classes(VALUES, integer=True)
    assert default == cls.sequential_classes(VALUES, integer=True, scheme="quantiles", k=4)
    assert default.note.startswith("Classes: none, then quartiles of the wards with any.")


def test_rates_by_equal_intervals_by_hand() -> None:
    """0.5 to 9.9 in 3: width 3.133, breaks 3.633 and 6.767, two significant figures."""
    c = cls.sequential_classes([0, 0.5, 1.2, 3.3, 9.9], integer=False, scheme="equal_interval", k=3)
    assert c.labels == ("none", "up to 3.6", "3.6 to 6.8", "over 6.8")


def test_change_by_natural_breaks_by_hand() -> None:
    """Sizes 1 2 3 5 10 40: {1 2 3 5} {10} {40} (deviation 8.75, against 14.5 for
    {1 2 3} {5 10} {40}), the same steps each side of "no change"."""
    c = cls.change_classes([-10, -3, -1, 0, 0, 2, 5, 40, math.nan], scheme="natural_breaks", k=3)
    assert c.labels == (
        "fall of 11 or more",
        "fall of 6–10",
        "fall of 1–5",
        "no change",
        "rise of 1–5",
        "rise of 6–10",
        "rise of 11 or more",
    )
    assert c.colours[3] == "#f7f7f7"  # "no change" stays the neutral middle


def test_seven_classes_take_colorbrewers_eight_blues() -> None:
    c = cls.sequential_classes(list(range(0, 41)), integer=True, scheme="equal_interval", k=7)
    assert len(c.labels) == 8 and len(set(c.colours)) == 8
    blues_8 = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5")
    assert c.colours == (*blues_8, "#084594")


def test_fewer_distinct_values_than_k_give_fewer_classes() -> None:
    for scheme in SCHEMES:
        assert cls.sequential_classes([0, 4, 4], integer=True, scheme=scheme, k=7).labels == (
            "none",
            "1–4",
        )


def test_the_record_is_json_with_open_ends_null() -> None:
    record = cls.sequential_classes(VALUES, integer=True, scheme="natural_breaks", k=3).record()
    json.dumps(record, allow_nan=False)
    assert record["scheme"] == "natural_breaks" and record["k"] == 3
    bounds = [(c["lower"], c["upper"]) for c in record["classes"]]
    assert bounds == [(None, 0.0), (0.0, 10.0), (10.0, 20.0), (20.0, None)]


def test_the_one_parser_names_the_field_and_what_is_allowed() -> None:
    assert parse_scheme("") == "quantiles" and parse_k("") is None and parse_k("7") == 7
    with pytest.raises(ParameterError) as bad:
        parse_scheme("jenks")
    assert bad.value.field == "scheme"
    assert all(name in bad.value.expected for name in SCHEMES)
    for value in ("2", "8", "4.5", "many"):
        with pytest.raises(ParameterError, match="from 3 to 7"):
            parse_k(value)
    with pytest.raises(ParameterError, match="each side of no change from 3 to 5"):
        parse_k("6", change=True)


def test_only_analysts_and_admins_choose() -> None:
    chooses = {role: Access(role).choose_classes for role in ("analyst", "admin")}
    keeps = {role: Access(role).choose_classes for role in ("officer", "commissioner", "public")}
    assert all(chooses.values()) and not any(keeps.values())


# -- the web: every output that carries classes --------------------------------------------


def _classes(client: Any, query: str) -> dict[str, Any]:
    response = client.get(f"/map.json?{PERIOD}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return dict(response.get_json()["metadata"]["parameters"]["classes"])


def test_an_analysts_choice_reaches_map_json_the_key_and_every_wards_export(
    client_for: ClientFor, tmp_path: Path
) -> None:
    client = client_for("analyst")
    query = "scheme=natural_breaks&k=5"
    classes = _classes(client, query)
    assert (classes["measure"], classes["scheme"], classes["k"]) == ("count", "natural_breaks", 5)
    labels = [c["label"] for c in classes["classes"]]
    assert labels[0] == "none" and 2 <= len(labels) <= 6
    assert classes != _classes(client, "")  # the choice changes the breaks on this data

    # the map key (the frame) names the scheme and k and shows the same classes
    frame = client.get(f"/map/frame?{PERIOD}&{query}").get_data(as_text=True)
    # the key's HTML is a JavaScript string there
    frame = frame.replace("\\u003e", ">").replace("\\u003c", "<").replace("\\u2013", "–")
    assert "Scheme: natural_breaks, k = 5." in frame
    assert all(f">{label}<" in frame for label in labels)

    # the page: the form holds the choice, and its links carry it
    page = client.get(f"/?{PERIOD}&{query}").get_data(as_text=True)
    assert re.search(r'<label for="scheme">', page) and re.search(r'<label for="k">', page)
    assert re.search(r'<option value="natural_breaks" selected>', page)
    assert re.search(r'<option value="5" selected>5</option>', page)
    assert "scheme=natural_breaks&amp;k=5" in page  # JSON link, presets, wards downloads

    # the wards exports: each format records the same classes with the parameters
    url = f"/api/v1/wards?{PERIOD}&{query}"
    geojson = client.get(url + "&format=geojson").get_json()
    assert geojson["metadata"]["parameters"]["classes"] == classes
    csv = client.get(url + "&format=csv")
    assert json.loads(csv.headers["X-Hotspots-Metadata"])["parameters"]["classes"] == classes
    gpkg = tmp_path / "wards.gpkg"
    gpkg.write_bytes(client.get(url + "&format=gpkg").get_data())
    meta = pyogrio.read_dataframe(gpkg, layer="metadata", read_geometry=False)
    recorded = json.loads(dict(zip(meta["key"], meta["value"], strict=True))["parameters"])
    assert recorded["classes"] == classes
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles", read_geometry=False)
    ward_style = styles[styles["f_table_name"] == "wards"].iloc[0]
    assert "scheme natural_breaks, k = 5" in ward_style["description"]
    assert all(f"Drug offences: {label}" in ward_style["styleQML"] for label in labels)


def test_change_and_compare_take_the_scheme(client_for: ClientFor) -> None:
    client = client_for("analyst")
    classes = _classes(client, "measure=change&scheme=equal_interval&k=5")
    assert (classes["measure"], classes["scheme"], classes["k"]) == ("change", "equal_interval", 5)
    assert "no change" in [c["label"] for c in classes["classes"]]
    frame = client.get(f"/compare/frame?{PERIOD}&scheme=head_tail&k=3").get_data(as_text=True)
    assert "Scheme: head_tail, k = 3." in frame


@pytest.mark.parametrize(("role", "scope"), [("commissioner", ()), ("officer", ("E07000008",))])
def test_other_roles_keep_the_default_whatever_they_send(
    client_for: ClientFor, role: str, scope: tuple[str, ...]
) -> None:
    client = client_for(role, scope)
    classes = _classes(client, "scheme=natural_breaks&k=7")
    assert (classes["scheme"], classes["k"]) == ("quantiles", 4)
    page = client.get(f"/?{PERIOD}&scheme=natural_breaks&k=7").get_data(as_text=True)
    assert 'id="scheme"' not in page and "scheme=natural_breaks" not in page


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("scheme=jenks", "scheme", "one of quantiles, natural_breaks, equal_interval, head_tail"),
        ("k=8", "k", "a whole number of classes from 3 to 7"),
        ("k=three", "k", "a whole number of classes from 3 to 7"),
        ("measure=change&k=6", "k", "on each side of no change from 3 to 5"),
    ],
)
def test_a_bad_choice_is_a_400_naming_the_field_and_the_values(
    client_for: ClientFor, query: str, field: str, expected: str
) -> None:
    client = client_for("analyst")
    for path in ("/map.json", "/api/v1/wards"):
        if path == "/api/v1/wards" and "measure" in query:
            continue  # the wards export has no measure: its classes are of the counts
        response = client.get(f"{path}?{PERIOD}&{query}")
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["field"] == field and expected in error["expected"]
    page = client.get(f"/?{PERIOD}&{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html


def test_the_public_gets_the_default_and_no_parameters(app_factory: AppFactory) -> None:
    """The public's outputs carry no parameter (tests/test_access_insider.py), classes neither;
    its key names the default."""
    public = app_factory(PUBLIC_MODE=True, TESTING=True).test_client()
    quarter = "from=2025-07&to=2025-09&scheme=natural_breaks&k=5"
    assert public.get(f"/map.json?{quarter}").get_json()["metadata"]["parameters"] == {}
    frame = public.get(f"/map/frame?{quarter}").get_data(as_text=True)
    assert "Scheme: quantiles, k = 4." in frame and "natural_breaks" not in frame


def test_the_briefing_keeps_the_default_for_an_analyst(client_for: ClientFor) -> None:
    page = client_for("analyst").get(f"/briefing?{PERIOD}&scheme=natural_breaks&k=5")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    frame = re.search(r'class="map-frame briefing-map" src="([^"]+)"', html)
    assert frame and "scheme=" not in frame[1] and "k=" not in frame[1].replace("&amp;", "&")
    assert "scheme quantiles, k = 4" in html


def test_the_cli_export_records_and_styles_its_classes(
    demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wards.gpkg"
    argv = ["export", "wards", "--store", str(demo_store_path), "--format", "gpkg", "-o", str(out)]
    period = ["--from", "2025-09", "--to", "2025-11"]
    assert main([*argv, *period, "--scheme", "equal_interval", "--k", "3"]) == 0
    meta = pyogrio.read_dataframe(out, layer="metadata", read_geometry=False)
    parameters = json.loads(dict(zip(meta["key"], meta["value"], strict=True))["parameters"])
    counts = pyogrio.read_dataframe(out, layer="wards", read_geometry=False)["offence_count"]
    expected = cls.sequential_classes(
        counts.astype(float).tolist(), integer=True, scheme="equal_interval", k=3
    )
    assert parameters["classes"] == {"measure": "count", **expected.record()}
    with pytest.raises(SystemExit):
        main([*argv, "--k", "9"])
    assert "--k '9': expected a whole number of classes from 3 to 7" in capsys.readouterr().err
