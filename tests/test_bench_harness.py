"""The benchmark harness's own arithmetic (benchmarks/ is run by hand; these parts are cheap).

- ``bench_interleaved.summarise``: ratios of medians (wall and CPU) and the median of per-round
  wall ratios, on runs made up by hand;
- ``bench_interleaved.main``: the contenders' order rotates from round to round;
- ``bench_methods.gaussian_kernel`` is the filter ``scipy.ndimage.gaussian_filter`` applies
  (the FFT contender must compute the same values as ours), and ``queen_weights`` the 3 x 3
  block of study cells without the cell itself (esda's Gi* must use our weights).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy import ndimage, signal

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_summarise_gives_wall_cpu_and_paired_ratios() -> None:
    interleaved = _load("bench_interleaved")
    run = {"peak_rss_mib": 1.0, "load_1min": 1.0}
    runs = [
        {"name": "a", "round": 0, "wall_s": 1.0, "cpu_s": 0.5, **run},
        {"name": "b", "round": 0, "wall_s": 3.0, "cpu_s": 1.0, **run},
        {"name": "a", "round": 1, "wall_s": 2.0, "cpu_s": 0.5, **run},
        {"name": "b", "round": 1, "wall_s": 2.0, "cpu_s": 2.0, **run},
        {"name": "a", "round": 2, "wall_s": 4.0, "cpu_s": 1.5, **run},
        {"name": "b", "round": 2, "wall_s": 4.0, "cpu_s": 1.5, **run},
    ]
    rows = {r["name"]: r for r in interleaved.summarise(runs, ["a", "b"])}
    # medians: a wall 2.0, CPU 0.5; b wall 3.0, CPU 1.5
    assert rows["b"]["ratio_to_first"] == pytest.approx(1.5)
    assert rows["b"]["cpu_ratio_to_first"] == pytest.approx(3.0)
    # per round b/a: 3.0, 1.0, 1.0 -> median 1.0 (not the ratio of medians)
    assert rows["b"]["paired_ratio_median"] == pytest.approx(1.0)
    assert rows["a"]["paired_ratio_median"] == pytest.approx(1.0)


def test_rounds_rotate_the_contenders_order(tmp_path: Path) -> None:
    interleaved = _load("bench_interleaved")
    log = tmp_path / "order.txt"
    code = (
        interleaved.main(
            [
                "--repeat",
                "3",
                "--tag",
                "t",
                "--out",
                str(tmp_path),
                "--run",
                f"x=echo x >> {log}",
                "--run",
                f"y=echo y >> {log}",
            ]
        )
        == 0
    )
    assert code
    assert log.read_text().split() == ["x", "y", "y", "x", "x", "y"]
    record = json.loads((tmp_path / "bench_interleaved-t.json").read_text())
    assert [r["round"] for r in record["runs"]] == [0, 0, 1, 1, 2, 2]


def test_fft_kernel_is_the_gaussian_filter() -> None:
    methods = _load("bench_methods")
    rng = np.random.default_rng(3)
    raster = np.zeros((40, 50))
    raster[rng.integers(0, 40, 30), rng.integers(0, 50, 30)] += 1.0
    kernel = methods.gaussian_kernel(1.0)
    assert kernel.shape == (9, 9)  # truncated at 4 standard deviations
    assert kernel.sum() == pytest.approx(1.0)
    ours = ndimage.gaussian_filter(raster, 1.0, mode="constant")
    fft = signal.fftconvolve(raster, kernel, mode="same")
    assert np.max(np.abs(ours - fft)) < 1e-12


def test_queen_weights_are_the_block_without_the_cell() -> None:
    methods = _load("bench_methods")
    from hotspots.evaluate import Grid

    # a 3 x 3 raster with the middle of the top row outside the study area:
    # cells (row, col) 0:(0,0) 1:(0,2) 2:(1,0) 3:(1,1) 4:(1,2) 5:(2,0) 6:(2,1) 7:(2,2)
    flat = np.array([0, 2, 3, 4, 5, 6, 7, 8])
    position = np.full(9, -1)
    position[flat] = np.arange(8)
    grid = Grid(0.0, 0.0, 250.0, 3, 3, flat, position)
    w = methods.queen_weights(grid).toarray()
    assert w.shape == (8, 8)
    assert np.array_equal(w, w.T) and np.all(np.diag(w) == 0)
    # the centre (1,1) touches every other study cell
    assert w[3].sum() == 7
    # corner (0,0) touches (1,0) and (1,1); (0,1) is outside the study area
    assert set(np.flatnonzero(w[0])) == {2, 3}
    # corner (2,2) touches (1,1), (1,2), (2,1)
    assert set(np.flatnonzero(w[7])) == {3, 4, 6}
