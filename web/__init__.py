"""The Flask web app: maps of drug-crime hotspots by period, on a closed network.

Run it with ``hotspots serve`` (development) or, in production::

    gunicorn --workers 2 --bind 127.0.0.1:8000 'web:create_app()'
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from web.settings import DEFAULTS


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then ``instance/hotspots.cfg``, then ``HOTSPOTS_*`` environment
    variables, then ``test_config`` (see :mod:`web.settings`)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("hotspots.cfg", silent=True)
    app.config.from_prefixed_env("HOTSPOTS", loads=_loads)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if app.config.get("TILE_URL") and not app.config.get("TILE_ATTRIBUTION"):
        raise ValueError(
            "HOTSPOTS_TILE_URL is set but HOTSPOTS_TILE_ATTRIBUTION is not; "
            "tiles must carry their attribution"
        )
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from web import api, assets, briefing, data, errors, maps, patrol, warm

    data.init_app(app)
    errors.init_app(app)
    app.register_blueprint(assets.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(briefing.bp)
    app.register_blueprint(patrol.bp)
    warm.warm_presets(app)
    return app


def _loads(value: str) -> Any:
    """Environment values: JSON where they parse (numbers, true, null), else the text."""
    try:
        return json.loads(value)
    except ValueError:
        return value


__all__ = ["create_app"]
