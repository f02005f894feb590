"""Every setting of the web app, with its default and meaning: the table is the library's
(:mod:`hotspots.settings`), which the command line reads too; this module names it for the app.

Layered, later wins: these defaults -> ``instance/hotspots.cfg`` (a Python file of ``NAME = value``
lines in the app's instance folder) -> environment variables ``HOTSPOTS_<NAME>`` (values parsed
as JSON when they can be, e.g. ``HOTSPOTS_CACHE_SIZE=128``) -> the test config. The settings
table of docs/settings.md is checked against this list by a test.
"""

from __future__ import annotations

from hotspots.settings import DEFAULTS, SETTINGS, Setting

__all__ = ["DEFAULTS", "SETTINGS", "Setting"]
