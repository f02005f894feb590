"""``benchmarks/goal_ratios.py``: the goal's ratio of medians from evaluate JSON rows, worked out
by hand on made-up rows (docs/forecast.md, *Round 7*)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "goal_ratios.py"
    spec = importlib.util.spec_from_file_location("goal_ratios", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(method: str, k: int, month: str, label: str, pai: float) -> dict[str, Any]:
    return {"method": method, "k": k, "test_month": month, "coverage_label": label, "pai": pai}


def test_ratio_of_medians_on_the_months_in_range_worked_out_by_hand() -> None:
    rows = [
        # forecast 10, 30, 20 in Jan-Mar (median 20); 100 in April (out of range)
        _row("forecast", 1, "2020-01", "0.05%", 10.0),
        _row("forecast", 1, "2020-02", "0.05%", 30.0),
        _row("forecast", 1, "2020-03", "0.05%", 20.0),
        _row("forecast", 1, "2020-04", "0.05%", 100.0),
        # grid 15, 16, 20 (median 16): forecast wins Feb, ties Mar
        _row("grid", 1, "2020-01", "0.05%", 15.0),
        _row("grid", 1, "2020-02", "0.05%", 16.0),
        _row("grid", 1, "2020-03", "0.05%", 20.0),
        _row("grid", 1, "2020-04", "0.05%", 1.0),
        # another coverage label is left out
        _row("grid", 1, "2020-01", "5%", 1.0),
    ]
    table = _module().goal_rows(rows, "2020-01", "2020-03", ["0.05%", "1%"])
    assert len(table) == 1
    entry = table[0]
    assert (entry["baseline"], entry["k"], entry["coverage"]) == ("grid", 1, "0.05%")
    assert entry["months"] == "2020-01..2020-03" and entry["n_months"] == 3
    assert entry["baseline_median"] == 16.0 and entry["forecast_median"] == 20.0
    assert entry["ratio"] == pytest.approx(1.25)
    assert (entry["forecast_wins"], entry["ties"]) == (1, 1)
    assert entry["goal"] == 1.10


def test_only_months_both_hold_are_compared() -> None:
    rows = [
        _row("forecast", 3, "2020-02", "1%", 40.0),
        _row("kde", 3, "2020-01", "1%", 10.0),  # no forecast row: left out
        _row("kde", 3, "2020-02", "1%", 32.0),
    ]
    (entry,) = _module().goal_rows(rows, None, None, ["1%"])
    assert entry["n_months"] == 1 and entry["ratio"] == pytest.approx(1.25)
    assert entry["goal"] == 1.05
