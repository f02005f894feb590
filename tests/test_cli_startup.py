"""Start-up: the ``hotspots`` command imports what a command needs when it runs.

Checks of modules, not of time (timings are in benchmarks/README.md): each case runs in a fresh
interpreter and reports which heavy packages ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Packages that cost 0.1-0.5 s each to import and that --help and status never use.
HEAVY = ("sklearn", "matplotlib", "folium", "dask", "distributed", "flask")


def _loaded_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of the heavy packages (and geopandas,
    pandas, pyarrow, scipy) it imported."""
    names = [*HEAVY, "geopandas", "pandas", "pyarrow", "scipy"]
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{n: n in sys.modules for n in {names!r}}}))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _modules_after(code: str) -> set[str]:
    """Every module name in ``sys.modules`` after ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_package() -> None:
    loaded = _loaded_after("import hotspots.cli")
    assert not any(loaded[n] for n in HEAVY), loaded
    assert not loaded["geopandas"] and not loaded["pandas"], loaded


def test_importing_the_package_loads_nothing_heavy_and_names_stay_importable() -> None:
    assert not any(_loaded_after("import hotspots").values())
    loaded = _loaded_after(
        "from hotspots import HotspotDetector, Store, analyse, schema, classify_dynamics\n"
        "from hotspots.cluster import HotspotDetector as H\n"
        "assert HotspotDetector is H and callable(analyse) and schema.LAYERS"
    )
    assert loaded["sklearn"]  # the detector is a scikit-learn estimator: loaded when asked for


def test_help_loads_no_heavy_package() -> None:
    loaded = _loaded_after(
        "import contextlib, io\nfrom hotspots.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert not any(loaded[n] for n in HEAVY), loaded
    assert not loaded["geopandas"] and not loaded["pandas"], loaded


def test_status_reads_the_manifest_without_geopandas(demo_store_path: Path) -> None:
    loaded = _loaded_after(
        "import contextlib, io\nfrom hotspots.cli import main\nout = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    assert main(['status', '--store', {str(demo_store_path)!r}]) == 0\n"
        "assert 'offence' in out.getvalue(), out.getvalue()"
    )
    assert not any(loaded[n] for n in HEAVY), loaded
    assert not loaded["geopandas"] and not loaded["pyarrow"], loaded


@pytest.mark.parametrize("command", ["ingest", "analyse", "export", "evaluate", "users", "demo"])
def test_each_command_still_parses_its_own_options(command: str) -> None:
    from hotspots.cli import build_parser

    parser = build_parser(command)
    text = parser._subparsers._group_actions[0].choices[command].format_help()  # type: ignore[union-attr]
    assert "--store" in text
    full = build_parser()  # every command with its arguments, as before
    assert full._subparsers._group_actions[0].choices[command].format_help() == text  # type: ignore[union-attr]


def test_analyse_loads_neither_the_writers_nor_charts_nor_folium() -> None:
    """``hotspots analyse`` needs the analysis, not the export writers (which pull in the map
    styles and folium) nor the back-test's chart (matplotlib)."""
    loaded = _loaded_after(
        "import sys\nfrom hotspots.cli import build_parser\n"
        "build_parser('analyse')\nimport hotspots.cli.analysis, hotspots.analysis\n"
        "assert 'hotspots.export.events' not in sys.modules, 'export writers imported'"
    )
    assert not loaded["matplotlib"] and not loaded["folium"], loaded
    assert not loaded["flask"] and not loaded["dask"], loaded


def test_the_analyse_path_does_not_need_scikit_learn() -> None:
    """The library's own callers fit with :class:`hotspots.cluster.DetectorCore` (the estimator
    without scikit-learn's base classes); ``HotspotDetector`` brings scikit-learn when asked."""
    loaded = _loaded_after(
        "import numpy as np\nimport hotspots.analysis, hotspots.assessment, hotspots.dynamics\n"
        "import hotspots.evaluate.methods\nfrom hotspots.cluster import DetectorCore\n"
        "xy = np.array([[0, 0], [0, 50], [50, 0], [5000, 5000]], dtype=float)\n"
        "assert DetectorCore(eps_m=100, min_samples=3).fit(xy).labels_.tolist() == [0, 0, 0, -1]"
    )
    assert not loaded["sklearn"], loaded
    assert "scipy.stats" not in _modules_after(
        "import hotspots.cli.analysis, hotspots.analysis, hotspots.assessment"
    )  # ~0.3-0.4 s to import: only the back-test's forecast and the estimator need it
    assert _loaded_after("from hotspots.cluster import HotspotDetector")["sklearn"]


def test_ingest_does_not_load_the_accounts_modules() -> None:
    """``hotspots ingest`` parses its options without the accounts' modules (sqlite3, the
    password hashing of :mod:`hotspots.users`): those are for ``users``, ``demo`` and ``serve``."""
    loaded = _modules_after(
        "from hotspots.cli import build_parser\nbuild_parser('ingest')\nimport hotspots.ingest"
    )
    assert not {"hotspots.cli.users", "hotspots.users", "hotspots.tokens", "sqlite3"} & loaded
