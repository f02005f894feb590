"""GeoPackages that open cleanly in desktop GIS: layer names, field types, default styles.

Checked with GDAL's own ``ogrinfo`` (Debian's gdal-bin) and, where Debian's ``python3-qgis`` is
installed, with QGIS itself (``loadDefaultStyle()``)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from hotspots.cli import main
from hotspots.export import ExportError, ExportMetadata, export
from hotspots.export.desktop import desktop_frame
from hotspots.render import classes as cls

OGRINFO = shutil.which("ogrinfo")
SYSTEM_PYTHON = Path("/usr/bin/python3")
FIELD_RE = re.compile(r"^(\w+): (\w+(?:\(\w+\))?) \(")
SE = "{http://www.opengis.net/se}"


@pytest.fixture(scope="module")
def exports(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CLI's GeoPackages of the demo store, under file names that say nothing."""
    folder = tmp_path_factory.mktemp("gpkg")
    paths = {}
    for what in ("hotspots", "wards", "events"):
        path = folder / f"download 2025 ({what[0]}).gpkg"
        args = ["export", what, "--format", "gpkg", "-o", str(path), "--store"]
        args += [str(demo_store_path), "--from", "2025-07", "--to", "2025-09"]
        if what != "events":
            args += ["--sims", "0", "--no-score"]
        assert main(args) == 0
        paths[what] = path
    return paths


def ogrinfo(path: Path) -> tuple[dict[str, dict[str, str]], str]:
    """Layers -> {field: OGR type} as ogrinfo reports them, and its standard error."""
    assert OGRINFO, "gdal-bin's ogrinfo is needed"
    done = subprocess.run(
        [OGRINFO, "-so", "-al", str(path)], capture_output=True, text=True, check=True
    )
    layers: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("Layer name: "):
            current = layers.setdefault(line.removeprefix("Layer name: "), {})
        elif match := FIELD_RE.match(line):
            current[match[1]] = match[2]
    return layers, done.stderr + "".join(
        line for line in done.stdout.splitlines(keepends=True) if "Warning" in line
    )


def styles(path: Path) -> list[tuple[str, str, str, str, int]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD, useAsDefault "
            "FROM layer_styles ORDER BY f_table_name"
        ).fetchall()
    conn.close()
    return rows


@pytest.mark.skipif(OGRINFO is None, reason="gdal-bin (ogrinfo) is not installed")
def test_layers_are_named_by_what_they_hold_and_typed_for_desktop_gis(
    exports: dict[str, Path],
) -> None:
    expected = {
        "hotspots": ["hotspots", "metadata", "layer_styles"],
        "wards": ["wards", "metadata", "layer_styles"],
        "events": ["offence", "search", "raid", "metadata", "layer_styles"],
    }
    for what, path in exports.items():
        layers, warnings = ogrinfo(path)
        assert list(layers) == expected[what]
        assert warnings == ""  # e.g. no "GeoPackage 1.4 may only be partially supported"
        for name, fields in layers.items():
            for field, kind in fields.items():
                assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", field), (name, field)
                assert kind != "Integer64", (name, field)  # whole numbers that fit: 32 bits
    hotspots = ogrinfo(exports["hotspots"])[0]["hotspots"]
    for flag in ("colocated", "significant", "hot_last"):
        assert hotspots[flag] == "Integer(Boolean)", flag
    assert hotspots["rank"] == "Integer" and hotspots["first_month"] == "String"
    events = ogrinfo(exports["events"])[0]
    for layer in ("offence", "search", "raid"):
        assert events[layer]["date"] == "Date" and events[layer]["synthetic"] == "Integer(Boolean)"
    assert events["layer_styles"]["useAsDefault"] == "Integer(Boolean)"
    assert events["layer_styles"]["update_time"] == "DateTime"


def test_each_spatial_layer_has_one_default_style_drawn_like_the_map(
    exports: dict[str, Path],
) -> None:
    for what, path in exports.items():
        rows = styles(path)
        spatial = {"hotspots": ["hotspots"], "wards": ["wards"]}.get(
            what, ["offence", "raid", "search"]
        )
        assert [r[0] for r in rows] == spatial
        for _name, geometry_column, qml_text, sld_text, default in rows:
            assert geometry_column == "geom" and default == 1
            qml = ET.fromstring(qml_text.split("\n", 1)[1])  # after the DOCTYPE line
            assert qml.tag == "qgis"
            renderer = qml.find("renderer-v2")
            assert renderer is not None and renderer.get("type") == "RuleRenderer"
            rules = renderer.findall("rules/rule")
            symbols = renderer.findall("symbols/symbol")
            assert len(rules) == len(symbols) > 0
            assert {r.get("symbol") for r in rules} == {s.get("name") for s in symbols}
            assert ET.fromstring(sld_text).find(f".//{SE}Rule") is not None
    ((_, _, hotspot_qml, _, _),) = styles(exports["hotspots"])
    colours = re.findall(
        r'<Option type="QString" name="color" value="(\d+),(\d+),(\d+),217"', hotspot_qml
    )
    hexes = ["#" + "".join(f"{int(v):02x}" for v in c) for c in colours]
    assert hexes == list(cls.HOTSPOT_COLOURS)
    labels = ET.fromstring(hotspot_qml.split("\n", 1)[1]).find("labeling/settings/text-style")
    assert labels is not None and labels.get("fieldName") == "rank"


def test_ward_style_uses_the_maps_classes(exports: dict[str, Path]) -> None:
    wards = gpd.read_file(exports["wards"], layer="wards")
    classes = cls.sequential_classes(wards["offence_count"].astype(float).tolist(), integer=True)
    (row,) = styles(exports["wards"])
    qml = ET.fromstring(row[2].split("\n", 1)[1])
    rules = qml.findall("renderer-v2/rules/rule")
    labels = [r.get("label") for r in rules]
    assert labels == [f"Drug offences: {x}" for x in classes.labels] + ["Drug offences: no data"]
    assert rules[0].get("filter") == '"offence_count" <= 0'
    assert rules[-1].get("filter") == "ELSE"
    fills = [
        s.find("layer/Option/Option[@name='color']").get("value")  # type: ignore[union-attr]
        for s in qml.findall("renderer-v2/symbols/symbol")
    ]
    expected = [*classes.colours, cls.NO_DATA_COLOUR]
    assert [f.rsplit(",", 1)[0] for f in fills] == [
        ",".join(str(int(c[i : i + 2], 16)) for i in (1, 3, 5)) for c in expected
    ]


def test_desktop_frame_fixes_names_and_types_without_losing_values() -> None:
    frame = gpd.GeoDataFrame(
        {
            "bad name/with-odd chars": [1, 2, 3],
            "x" * 70: [1.5, 2.5, 3.5],
            "significant": [1.0, np.nan, 0.0],  # a boolean that went through a float column
            "mixed": ["a", 3, None],
            "big": np.array([1, 2, 2**40], dtype=np.int64),
            "date": ["2025-01-31", None, "2025-02-01"],
        },
        geometry=[Point(0, 0)] * 3,
        crs="EPSG:27700",
    )
    clean, narrowed = desktop_frame(frame, "test")
    assert list(clean.columns) == [
        "bad_name_with_odd_chars",
        "x" * 63,
        "significant",
        "mixed",
        "big",
        "date",
        "geometry",
    ]
    assert narrowed == {"bad name/with-odd chars"}
    assert clean["bad_name_with_odd_chars"].dtype == np.int32
    assert clean["big"].dtype == np.int64 and clean["big"].iloc[2] == 2**40
    assert clean["significant"].tolist() == [True, pd.NA, False]
    assert clean["mixed"].tolist() == ["a", "3", pd.NA]
    assert [str(d) if d is not None and d is not pd.NA else None for d in clean["date"]] == [
        "2025-01-31",
        None,
        "2025-02-01",
    ]
    odd = frame.assign(date=["2025-01-31", "soon", None])  # not all dates: kept as text
    assert desktop_frame(odd, "t")[0]["date"].tolist() == ["2025-01-31", "soon", pd.NA]
    clash = frame[["geometry"]].assign(**{"a b": [1, 2, 3], "a_b": [4, 5, 6]})
    with pytest.raises(ExportError, match="clashing field names"):
        desktop_frame(clash, "t")


def test_a_bare_frame_of_several_event_layers_becomes_one_layer_each(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"layer": ["raid", "offence", "raid"], "event_id": ["a", "b", "c"]},
        geometry=[Point(500_000, 250_000)] * 3,
        crs="EPSG:27700",
    )
    path = export(frame, tmp_path / "anything.gpkg", "gpkg", ExportMetadata(period="Jan 2025"))
    layers, _ = ogrinfo(path)
    assert list(layers) == ["offence", "raid", "metadata", "layer_styles"]
    assert gpd.read_file(path, layer="raid")["event_id"].tolist() == ["a", "c"]
    assert json.loads(json.dumps([r[0] for r in styles(path)])) == ["offence", "raid"]


QGIS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from qgis.core import QgsApplication, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()
    out = []
    for path, name in json.loads(sys.argv[1]):
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        message, ok = layer.loadDefaultStyle()
        renderer = layer.renderer()
        rules = renderer.rootRule().children() if renderer.type() == "RuleRenderer" else []
        out.append({
            "name": name, "valid": layer.isValid(), "ok": ok, "message": message,
            "renderer": layer.renderer().type(),
            "colours": [r.symbol().color().name() for r in rules],
            "label": layer.labeling().settings().fieldName if layer.labelsEnabled() else None,
        })
    print(json.dumps(out))
    """
)


def _has_qgis() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import qgis.core"], capture_output=True, check=False
    )
    return done.returncode == 0


@pytest.mark.skipif(not _has_qgis(), reason="Debian's python3-qgis is not installed")
def test_qgis_loads_each_layers_default_style(exports: dict[str, Path], tmp_path: Path) -> None:
    wanted = [
        (str(exports["hotspots"]), "hotspots"),
        (str(exports["wards"]), "wards"),
        *((str(exports["events"]), name) for name in ("offence", "search", "raid")),
    ]
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", QGIS_SCRIPT, json.dumps(wanted)],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(tmp_path),
            "XDG_RUNTIME_DIR": str(tmp_path),
        },
        check=True,
    )
    results = {r["name"]: r for r in json.loads(done.stdout.strip().splitlines()[-1])}
    for name, result in results.items():
        assert result["valid"] and result["ok"], (name, result["message"])
        assert result["renderer"] == "RuleRenderer", name
    assert results["hotspots"]["colours"] == list(cls.HOTSPOT_COLOURS)
    assert results["hotspots"]["label"] == "rank"  # numbered, as on the map
    assert results["wards"]["label"] is None
    assert results["offence"]["colours"] == ["#fc8d59"]
    assert results["raid"]["colours"] == ["#1a1a1a"]


VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")


@pytest.mark.skipif(
    not VALIDATOR.exists(), reason="GDAL's validate_gpkg.py (Debian python3-gdal) is absent"
)
def test_gdal_validator_accepts_the_files(exports: dict[str, Path]) -> None:
    """GDAL 3.6's GeoPackage validator (Debian 12, what QGIS 3.22 there reads with) finds no
    fault; a GeoPackage 1.4 file made by a newer GDAL fails it (R-tree triggers)."""
    for path in exports.values():
        done = subprocess.run(
            [str(SYSTEM_PYTHON), str(VALIDATOR), str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-500:]
