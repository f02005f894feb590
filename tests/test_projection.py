"""The projection thread: every projection to British National Grid runs on one thread, so
pyproj makes one PROJ object for the wards and the events (not one per thread)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from hotspots.projection import on_projection_thread
from hotspots.validate import to_bng


def test_work_from_several_threads_runs_on_one_thread() -> None:
    def where() -> int:
        return threading.get_ident()

    with ThreadPoolExecutor(max_workers=3) as pool:
        idents = {f.result() for f in [pool.submit(on_projection_thread, where) for _ in range(6)]}
    idents.add(on_projection_thread(where))
    assert len(idents) == 1
    assert threading.get_ident() not in idents


def test_work_started_on_the_projection_thread_runs_there_at_once() -> None:
    # Nested: waiting for the (only) projection thread from itself would never end.
    inner = on_projection_thread(lambda: on_projection_thread(threading.get_ident))
    assert inner == on_projection_thread(threading.get_ident)


def test_an_error_comes_back_to_the_caller() -> None:
    def fail() -> None:
        raise ValueError("no such CRS")

    with pytest.raises(ValueError, match="no such CRS"):
        on_projection_thread(fail)


def test_the_events_projection_is_the_same_from_any_thread() -> None:
    lon = np.array([0.1218, -3.0, 0.1218, 1.75])
    lat = np.array([52.2053, 53.4, 52.2053, 52.6])
    here = to_bng(lon, lat)
    with ThreadPoolExecutor(max_workers=1) as pool:
        there = pool.submit(to_bng, lon, lat).result()
    assert np.array_equal(here[0], there[0]) and np.array_equal(here[1], there[1])
    # Cambridge's market square: about E 545,000, N 258,000 metres.
    assert abs(here[0][0] - 545_000) < 1_000 and abs(here[1][0] - 258_500) < 1_000
    assert here[0][0] == here[0][2]  # a stacked point projected once, the same
