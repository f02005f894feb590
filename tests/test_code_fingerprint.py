"""An upgrade of the code never serves what the old code made: the code's digest is part of every
cache key and ETag (web.data.config_fingerprint). Seen on a running service: a map frame fixed in
the code stayed the old one from the disk cache until the data changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers import AppFactory
from web.data import code_fingerprint, config_fingerprint

WEB = Path(__file__).resolve().parents[1] / "web"


def test_a_changed_template_script_or_module_changes_the_digest(tmp_path: Path) -> None:
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_fingerprint((copy,))
    assert code_fingerprint((copy,)) == before  # the same code, the same digest
    for name in ("templates/base.html", "static/busy.js", "data.py"):
        changed = tmp_path / f"web-{len(name)}"
        shutil.copytree(copy, changed)
        file = changed / name
        file.write_text(file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert code_fingerprint((changed,)) != before, name
    (copy / "notes.txt").write_text("not code", encoding="utf-8")
    assert code_fingerprint((copy,)) == before  # only code counts


def test_every_cache_key_holds_the_code_digest(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps of the same settings: the same fingerprint for the same code, another for
    another code (the digest of a release that differs, put in its place)."""
    same = [app_factory(PROTECTIVE_MARKING="OFFICIAL") for _ in range(2)]
    with same[0].app_context():
        first = config_fingerprint()
    with same[1].app_context():
        assert config_fingerprint() == first
    monkeypatch.setattr("web.data.code_fingerprint", lambda: "another release")
    upgraded: Flask = app_factory(PROTECTIVE_MARKING="OFFICIAL")
    with upgraded.app_context():
        assert config_fingerprint() != first
