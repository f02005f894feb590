"""The command line's settings from the environment, through the one settings table.

The command line reads ``HOTSPOTS_STORE``, ``HOTSPOTS_USERS_DB``, ``HOTSPOTS_DASK_SCHEDULER`` and
``HOTSPOTS_COOKIE_SECURE`` (:data:`hotspots.settings.COMMAND_LINE`) here and nowhere else, with
the web app's parsing and defaults (:mod:`hotspots.settings`); its options win over them. It
also reads ``XDG_CACHE_HOME`` for its per-user cache (:func:`parameter_cache_dir`), and sets
``OPENBLAS_NUM_THREADS`` for ``ingest`` when unset (:func:`without_blas_threads`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hotspots.settings import BY_NAME, COMMAND_LINE, from_environment


def configured() -> dict[str, Any]:
    """The command line's settings that the environment sets (others are absent)."""
    return from_environment(os.environ, COMMAND_LINE)


def setting(name: str) -> Any:
    """Setting ``name`` (one of :data:`hotspots.settings.COMMAND_LINE`): from the environment,
    else its default from the table."""
    if name not in COMMAND_LINE:
        raise KeyError(f"{name!r}: the command line reads only {', '.join(COMMAND_LINE)}")
    return configured().get(name, BY_NAME[name].default)


def parameter_cache_dir() -> Path:
    """Where the command line keeps the parameter choices of
    :mod:`hotspots.evaluate.auto_parameters`: ``$XDG_CACHE_HOME/hotspots/parameter-choice``
    (default ``~/.cache/...``). Outside the store: a store may be read-only or shared, and its
    folder holds what was ingested; the choices are keyed by content, valid for any store."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hotspots" / "parameter-choice"


def without_blas_threads() -> None:
    """Ask OpenBLAS for one thread (``OPENBLAS_NUM_THREADS=1``) unless the user set it: for a
    command that makes no BLAS call (``ingest``), whose OpenBLAS threads, started when numpy is
    imported (one per core), would only spin (~30 ms of CPU). Call before numpy is imported."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
