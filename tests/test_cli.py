"""The ``hotspots`` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotspots.cli import main
from tests.helpers import DEMO, street_row

WARDS = DEMO / "boundaries" / "wards_dec2023_bsc.geojson"
AREA = DEMO / "boundaries" / "force_area_pfa_dec2023_bsc.geojson"
STREET = sorted((DEMO / "police_uk").glob("*-street.csv"))


def test_ingest_prints_the_reconciliation(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = tmp_path / "store"
    code = main(
        [
            "ingest",
            *map(str, STREET),
            "--wards",
            str(WARDS),
            "--force-area",
            str(AREA),
            "--store",
            str(store),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "offence               2,824  2,689       135" in out
    assert "no location                             95" in out
    assert "outside force area                      40" in out
    assert "Reconciled: for every file, rows read = kept + rejected." in out
    assert (store / "manifest.json").is_file()


def test_ingest_as_a_program_ends_with_its_output_and_store_complete(tmp_path: Path) -> None:
    """Run as the program, ``ingest`` ends the process at once after committing (no teardown of
    the interpreter): its status, its whole output (piped: block-buffered) and the store are
    still there."""
    store = tmp_path / "store"
    command = [sys.executable, "-m", "hotspots.cli", "ingest", *map(str, STREET)]
    command += ["--wards", str(WARDS), "--force-area", str(AREA), "--store", str(store), "--json"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reconciles"] is True
    assert [s["name"] for s in report["sources"]] == [p.name for p in STREET]
    assert sum(s["kept"] for s in report["sources"]) == 2_689
    manifest = json.loads((store / "manifest.json").read_text())
    assert sorted(s["name"] for s in manifest["sources"].values()) == sorted(p.name for p in STREET)
    assert not list(store.rglob("*.tmp*"))


def test_status_json_reports_layers_months_and_vintage(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "envstore"))
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["store"] == str(tmp_path / "envstore")
    assert status["boundaries"]["wards"]["vintage"] == "WD23"
    assert status["boundaries"]["wards"]["features"] == 120
    offence = status["layers"]["offence"]
    assert offence["events"] == 2689
    assert offence["months"] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert offence["rejected"] == {"no location": 95, "outside force area": 40}
    assert status["layers"]["search"]["events"] == 153
    assert status["layers"]["raid"]["synthetic"] == status["layers"]["raid"]["events"] == 150


def test_demo_twice_gives_the_same_store(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = str(tmp_path / "store")
    assert main(["demo", "--store", store]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--store", store]) == 0
    second = capsys.readouterr().out
    assert "offence                2,689  2025-01..2025-12     12       135" in second
    status = [out.split("Store ")[1].split("\nDemo accounts")[0] for out in (first, second)]
    assert status[0].splitlines()[1:] == status[1].splitlines()[1:]
    # the demo's accounts are made once, with random passwords shown once
    assert "demo-analyst       analyst" in first and "demo-officer" in first
    assert "Demo accounts: as before" in second and "demo-analyst " not in second


def test_a_malformed_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "2025-01-x-street.csv"
    good_row = ",".join(street_row("a", 550000, 260000))
    bad.write_text(f"{good_row}\n{good_row[:-5]}\n")  # headerless; 2nd row is cut short
    code = main(
        [
            "ingest",
            str(bad),
            "--wards",
            str(WARDS),
            "--force-area",
            str(AREA),
            "--store",
            str(tmp_path / "store"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("hotspots: error: ")
    assert "2025-01-x-street.csv, line 2: expected 12 comma-separated fields, got 11" in err
    assert not (tmp_path / "store" / "manifest.json").exists()


def test_status_without_a_store(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["status", "--store", str(tmp_path / "none")]) == 2
    assert "no store here yet" in capsys.readouterr().err


def test_console_script_runs_without_a_terminal(tmp_path: Path) -> None:
    # What the README's first command runs; with no terminal there is no progress bar.
    exe = Path(sys.executable).with_name("hotspots")
    result = subprocess.run(
        [str(exe), "demo", "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Reconciled" in result.stdout
    assert result.stderr == ""


def test_public_safe_ward_export(
    demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Leaving the force: small ward counts blank, no raid figures; never hotspots or events;
    whole calendar quarters only (the web's rule: Sep-Nov minus Sep-Oct gives November's counts
    back, blank ones included)."""
    import json

    store = str(demo_store_path)
    out = tmp_path / "wards.geojson"
    rolling = ["export", "wards", "--from", "2025-09", "--to", "2025-11", "--format", "geojson"]
    assert main([*rolling, "-o", str(out), "--public-safe", "--store", store]) == 2
    assert "whole calendar quarters only" in capsys.readouterr().err and not out.exists()
    args = ["export", "wards", "--from", "2025-07", "--to", "2025-09", "--format", "geojson"]
    assert main([*args, "-o", str(out), "--public-safe", "--store", store]) == 0
    data = json.loads(out.read_text())
    props = [f["properties"] for f in data["features"]]
    counts = [p["offence_count"] for p in props]
    assert None in counts and all(c is None or c >= 5 for c in counts)
    assert not any(k.startswith("raid_") for k in props[0])
    assert data["metadata"]["extra"]["public_safe"]["suppress_below"] == 5
    full = tmp_path / "full.geojson"
    assert main([*args, "-o", str(full), "--store", store]) == 0
    features = json.loads(full.read_text())["features"]
    everything = [f["properties"]["offence_count"] for f in features]
    # What is shown is the true count; every count under 5 is blank, and the blanks, which the
    # total gives back as a sum, are at least two summing to 5 or more (secondary suppression).
    assert all(everything[i] == c for i, c in enumerate(counts) if c is not None)
    assert all(counts[i] is None for i, c in enumerate(everything) if c < 5)
    hidden = [everything[i] for i, c in enumerate(counts) if c is None]
    assert len(hidden) >= 2 and sum(hidden) >= 5
    capsys.readouterr()
    hot = ["export", "hotspots", "--from", "2025-09", "--to", "2025-11", "--format", "csv"]
    assert main([*hot, "-o", str(tmp_path / "h.csv"), "--public-safe", "--store", store]) == 2
    assert "ward aggregates only" in capsys.readouterr().err


def test_serve_runs_the_app_and_a_demo_account_signs_in(tmp_path: Path) -> None:
    """The README's run command end to end: `hotspots demo`, `hotspots serve`, sign in."""
    import http.cookiejar
    import re
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    store = tmp_path / "store"
    assert main(["demo", "--store", str(store)]) == 0
    name, _role, password = (store / "DEMO-ACCOUNTS.txt").read_text().splitlines()[0].split("\t")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "hotspots.cli", "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = ""
        deadline = time.monotonic() + 90  # a bound on waiting, not a speed target: on a busy
        while not form and time.monotonic() < deadline:  # shared machine start-up took 21 s
            try:
                with opener.open(base + "/login", timeout=5) as page:
                    form = page.read().decode()
            except OSError:
                time.sleep(0.2)
        assert form, "the server did not answer /login within 90 s"
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
        data = urllib.parse.urlencode({"username": name, "password": password, "csrf_token": token})
        with opener.open(base + "/login", data=data.encode(), timeout=30) as signed_in:
            assert signed_in.url == base + "/"  # redirected to the map...
            assert "Drug hotspots" in signed_in.read().decode()  # ...and shown it
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0].decode()
    assert f"Serving {store}" in out and "DEMO-ACCOUNTS.txt" in out


def test_serve_on_a_busy_port_says_so_in_one_line_naming_port(demo_store_copy: Path) -> None:
    """(On a copy: the app keeps its signing key beside the store's accounts.)"""
    import socket

    serve = [sys.executable, "-m", "hotspots.cli", "serve", "--store", str(demo_store_copy)]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*serve, "--port", str(port)], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 2
    assert "Serving" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"hotspots: error: cannot listen on 127.0.0.1:{port}: the port is in use (another "
        f"`hotspots serve`?); choose another with --port, e.g. `hotspots serve --port {port + 1}`"
    ]


def test_demo_suggests_serving_its_store_and_names_the_officers_area(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store = tmp_path / "my store"
    assert main(["demo", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    officer = next(line for line in out.splitlines() if "demo-officer" in line)
    assert officer.endswith("  area: Cambridge") and "E07000008" not in officer
    assert out.rstrip().splitlines()[-1].startswith(f"Next: `hotspots serve --store '{store}'`")
