"""The Flask web app: maps of drug-crime hotspots by period, on a closed network.

Run it with ``hotspots serve`` (development) or, in production::

    gunicorn --workers 2 --bind 127.0.0.1:8000 'web:create_app()'
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotspots import parameters
from hotspots.dates import day_words, month_words, time_words
from hotspots.private import private_dirs, private_umask
from hotspots.render.maps import MEASURE_LABELS, OFFENCE_VIEW_LABELS
from hotspots.render.popups import count_text, dynamics_text, significance_text
from hotspots.settings import PREFIX, parse_value
from hotspots.stations import station_note
from hotspots.users import USERS_FILE
from web.settings import DEFAULTS


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then ``instance/hotspots.cfg``, then ``HOTSPOTS_*`` environment
    variables, then ``test_config`` (see :mod:`web.settings`).

    Sets the process umask to 077: every file and folder the service creates (uploads, cache,
    accounts, store writes) is private to its user (:mod:`hotspots.private`)."""
    private_umask()
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("hotspots.cfg", silent=True)
    app.config.from_prefixed_env(PREFIX.rstrip("_"), loads=parse_value)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("USERS_DB"):
        app.config["USERS_DB"] = str(Path(app.config["STORE"]) / USERS_FILE)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stored_secret(Path(app.config["USERS_DB"]).parent)
    if app.config.get("TILE_URL") and not app.config.get("TILE_ATTRIBUTION"):
        raise ValueError(
            "HOTSPOTS_TILE_URL is set but HOTSPOTS_TILE_ATTRIBUTION is not; "
            "tiles must carry their attribution"
        )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["UPLOAD_MAX_MB"]) * 1024 * 1024)
    if int(app.config["PROXY_COUNT"]) > 0:  # client address from the trusted proxies only
        proxies = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]

    from web import (
        accounts,
        admin,
        api,
        assets,
        auth,
        basemaps,
        briefing,
        compress,
        csrf,
        data,
        errors,
        filters,
        gate,
        maps,
        ogc,
        patrol,
        security,
        tiles,
        upload,
        useradmin,
        warm,
    )

    # dates and months in words, one UK form on every page (hotspots.dates)
    app.jinja_env.filters.update(month=month_words, day=day_words, moment=time_words)
    app.jinja_env.globals.update(
        significance_text=significance_text,
        count_text=count_text,
        dynamics_text=dynamics_text,
        station_note=station_note,
        parameters=parameters,
        measure_labels=MEASURE_LABELS,
        offence_view_labels=OFFENCE_VIEW_LABELS,
    )
    data.init_app(app, on_new_version=warm.warm_in_background)
    errors.init_app(app)
    security.init_app(app)
    compress.init_app(app)
    csrf.init_app(app)
    accounts.init_app(app)
    gate.init_app(app)
    filters.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ogc.bp)
    app.register_blueprint(briefing.bp)
    app.register_blueprint(patrol.bp)
    app.register_blueprint(upload.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(useradmin.bp)
    basemaps.init_app(app)
    app.register_blueprint(tiles.bp)
    warm.warm_presets(app)
    warm.warm_patrol(app)
    return app


def _stored_secret(folder: Path) -> str:
    """The key that signs sessions when none is configured: made once, kept beside the accounts
    (mode 0600), so every worker process and every restart signs with the same key."""
    file = folder / ".secret_key"
    try:
        return file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_hex(32)  # unreadable: this process only
    try:
        private_dirs(folder)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return file.read_text(encoding="ascii").strip()
    except OSError:
        return secrets.token_hex(32)
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


__all__ = ["create_app"]
