"""The layering rules of the code (docs/layout.md), checked on every module's imports.

- nothing outside ``hotspots/cli/`` imports ``hotspots.cli`` (only the console script and
  ``hotspots serve`` enter the command line);
- the library (``hotspots`` apart from its command line) imports neither ``web`` nor ``flask``;
- only ``hotspots/render`` imports ``folium``;
- no web module imports a blueprint's module (a module that makes a ``Blueprint``), apart from
  the app factory that registers them: shared steps live in modules that are not blueprints.

Imports are read with :mod:`ast`, at every depth (imports inside functions count too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str | None = None) -> Iterator[str]:
    """Every module name imported by ``path`` (``from a.b import c`` gives ``a.b`` and ``a.b.c``);
    ``module`` is its dotted name (by default from its place under the project)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module or _module_name(path)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _offenders(files: list[Path], forbidden: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imports(path)
        if _within(name, forbidden)
    ]


def test_nothing_outside_the_command_line_imports_it() -> None:
    files = [p for p in _sources("hotspots") + _sources("web") if "cli" not in p.parts]
    assert files
    assert _offenders(files, "hotspots.cli") == []


def test_the_library_imports_neither_web_nor_flask() -> None:
    library = [p for p in _sources("hotspots") if "cli" not in p.parts]
    assert _offenders(library, "web") == []
    assert _offenders(library, "flask") == []


def test_only_render_imports_folium() -> None:
    render = ROOT / "hotspots" / "render"
    others = [p for p in _sources("hotspots") + _sources("web") if render not in p.parents]
    assert _offenders(others, "folium") == []
    assert any("folium" in n for p in render.rglob("*.py") for n in _imports(p))


def _blueprint_modules() -> set[str]:
    return {
        _module_name(p) for p in _sources("web") if "Blueprint(" in p.read_text(encoding="utf-8")
    }


def test_no_web_module_imports_a_blueprint() -> None:
    blueprints = _blueprint_modules()
    assert {"web.maps", "web.api", "web.patrol"} <= blueprints
    factory = ROOT / "web" / "__init__.py"
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _sources("web")
        if path != factory
        for name in _imports(path)
        if name in blueprints and name != _module_name(path)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import hotspots.cli\n", {"hotspots.cli"}),
        ("def f():\n    from hotspots.cli import main\n", {"hotspots.cli", "hotspots.cli.main"}),
        ("from web import maps\n", {"web", "web.maps"}),
        ("from ..cli import main\n", {"hotspots.cli", "hotspots.cli.main"}),
        ("from . import maps\n", {"hotspots.render", "hotspots.render.maps"}),
    ],
)
def test_the_import_reader_sees_every_form(tmp_path: Path, source: str, expected: set[str]) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    assert set(_imports(probe, "hotspots.render.probe")) == expected
