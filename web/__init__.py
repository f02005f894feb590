"""The Flask web app (skeleton until the web map issue lands)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then ``HOTSPOTS_*`` environment variables, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(STORE="store")
    app.config.from_prefixed_env("HOTSPOTS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    return app
