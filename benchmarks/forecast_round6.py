"""Round 6 of the forecast (``docs/forecast.md``, *Round 6*): the gate and the criterion, by hand.

Not run by pytest (tens of seconds a store). For one store::

    PYTHONPATH=. .venv/bin/python benchmarks/forecast_round6.py --store /tmp/cambs \\
        --out /tmp/round6_cambs.json [--only gate default F G FG I H]

- ``default``: the forecast's PAI per month at 0.05% and 1% (``pai_at``, the back-test's
  measure) for every stored month with a month before it;
- ``gate``: per month, the best PAI of the default's candidates with hindsight (their inner
  PAIs on that month) and the best of each new family (F ``point-forecasts``, G
  ``self-exciting``, I ``nb-regression``) built from the months before it;
- ``F``, ``G``, ``FG``, ``I``: the forecast with those families added to the candidates (offered
  at every target coverage);
- ``H``: the default's candidates with level 2 replaced by learned position weights over the
  best 10 (:func:`learned_weights`).

Writes a JSON of every figure; prints the medians over the months before the common test months
and over the common test months (the caller names them).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspots.analysis import store_months
from hotspots.evaluate import Grid, drug_offences
from hotspots.evaluate.forecast import Forecaster
from hotspots.evaluate.forecast.candidates import half_life_label
from hotspots.evaluate.forecast.options import ForecastOptions
from hotspots.evaluate.forecast.scoring import pai_at
from hotspots.evaluate.forecast.tiers import tiered_score
from hotspots.evaluate.forecast_features import store_layers
from hotspots.store import Store

FloatArray = npt.NDArray[np.float64]
COVS = (0.0005, 0.01)
FAMILY = {
    "F": ("point-forecasts",),
    "G": ("self-exciting",),
    "FG": ("point-forecasts", "self-exciting"),
    "I": ("nb-regression",),
}


def forecast_pais(forecaster: Forecaster, counts: dict[str, FloatArray], months: list[str]) -> dict:
    out = {}
    for m in months:
        made = forecaster.forecast(m)
        out[m] = {
            "pai": [pai_at(made.score, counts[m], c) for c in COVS],
            "chosen": {k: v["candidates"][:3] for k, v in made.info["chosen"].items()},
        }
    return out


def hits(score: FloatArray, actual: FloatArray, cov: float) -> float:
    """Offences captured by the top cells covering ``cov`` (pro rata at the last cell)."""
    p = pai_at(score, actual, cov)
    return 0.0 if math.isnan(p) else p * float(actual.sum()) * cov


def learned_weights(
    tops: list[list[FloatArray]], actuals: list[FloatArray], cov: float, n: int = 10
) -> FloatArray:
    """Round 6 H: position weights over the best ``n`` by coordinate ascent on the months'
    summed captured offences; start equal; a move (one weight x 0, 0.5 or 2, renormalised) is
    kept only if it gains at least one offence; at most 3 passes."""
    w = np.full(n, 1.0 / n)

    def objective(weights: FloatArray) -> float:
        total = 0.0
        for xs, actual in zip(tops, actuals, strict=True):
            k = len(xs)
            ww = weights[:k]
            if ww.sum() <= 0:
                continue  # a month with fewer candidates than the weights left: nothing
            blend = np.einsum("i,ij->j", ww / ww.sum(), np.asarray(xs))
            total += hits(blend, actual, cov)
        return total

    best = objective(w)
    for _ in range(3):
        moved = False
        for i in range(n):
            if w[i] == 0:
                continue
            trials = []
            for factor in (0.0, 0.5, 2.0):
                t = w.copy()
                t[i] *= factor
                if t.sum() <= 0:
                    continue
                t /= t.sum()
                trials.append((objective(t), t))
            if not trials:
                continue
            value, t = max(trials, key=lambda vt: vt[0])
            if value >= best + 1.0:
                best, w, moved = value, t, True
        if not moved:
            break
    return w


def scaled(x: FloatArray) -> FloatArray:
    s = float(x.sum())
    return x / s if s > 0 else x


def run_h(grid: Grid, counts: dict[str, FloatArray], months: list[str]) -> dict:
    """Variant H on every month in ``months`` (each fitted on the months level 2 would use)."""
    fc = Forecaster(grid, counts)
    tops: dict[str, dict[float, list[FloatArray]]] = {}
    for m in months:
        ranking = fc.ranking(m)
        cands = fc.candidates(m)
        tops[m] = {c: [scaled(cands[name]) for name in ranking[c][0][:10]] for c in COVS}
    out = {}
    for t in months:
        meta = [m for m in fc.inner_months(t) if fc.inner_months(m)]
        blends = []
        weights = {}
        for c in COVS:
            if len(meta) < 3:
                w = np.full(10, 0.1)
            else:
                w = learned_weights([tops[m][c] for m in meta], [counts[m] for m in meta], c)
            xs = tops[t][c]
            ww = w[: len(xs)]
            ww = ww / ww.sum() if ww.sum() > 0 else np.full(len(xs), 1.0 / len(xs))
            blends.append(np.einsum("i,ij->j", ww, np.asarray(xs)))
            weights[f"{100 * c:g}%"] = [round(float(v), 4) for v in w]
        score = tiered_score(list(COVS), blends, grid.n_cells)
        out[t] = {
            "pai": [pai_at(score, counts[t], c) for c in COVS],
            "weights": weights,
            "fit_months": len(meta),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", default=["default", "gate", "F", "G", "FG", "H"])
    args = ap.parse_args()
    store = Store(Path(args.store))
    grid = Grid.over(store.load_boundary("force_area"))
    xy, months = drug_offences(store)
    pos = grid.position(np.asarray(xy, dtype=float))
    held = sorted(set(store_months(store)) | set(np.asarray(months).tolist()))
    counts = {
        m: np.bincount(pos[(pos >= 0) & (months == m)], minlength=grid.n_cells).astype(float)
        for m in held
    }
    evaluated = held[1:]
    path = Path(args.out)
    result: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    for what in args.only:
        t0 = time.process_time()
        if what == "default":
            result["default"] = forecast_pais(Forecaster(grid, counts), counts, evaluated)
        elif what == "gate":
            fc = Forecaster(grid, counts)
            layers = store_layers(
                store, grid, ("point-forecasts", "self-exciting", "nb-regression")
            )
            assert layers is not None
            opts = ForecastOptions()
            labels = {h: half_life_label(h) for h in opts.half_lives_months}
            gate = {}
            for m in evaluated:
                inner = fc.inner_scores(m)
                hist = fc.history(m)
                series = np.asarray([counts[x] for x in hist])
                new = layers.candidates(hist, series, opts.half_lives_months, labels)
                row: dict[str, Any] = {}
                for j, c in enumerate(COVS):
                    name, best = max(inner.items(), key=lambda kv: kv[1][j])
                    row[f"current {c}"] = [name, best[j]]
                    for fam, prefix in (
                        ("F", ("point", "points")),
                        ("G", ("self-exciting",)),
                        ("I", ("nb regression",)),
                    ):
                        fam_pais = {
                            n: pai_at(v, counts[m], c)
                            for n, v in new.items()
                            if n.startswith(prefix)
                        }
                        if fam_pais:
                            n_best = max(fam_pais, key=lambda n: fam_pais[n])
                            row[f"{fam} {c}"] = [n_best, fam_pais[n_best]]
                gate[m] = row
            result["gate"] = gate
        elif what in FAMILY:
            layers = store_layers(store, grid, FAMILY[what])
            result[what] = forecast_pais(
                Forecaster(grid, counts, features=layers), counts, evaluated
            )
        elif what == "H":
            result["H"] = run_h(grid, counts, evaluated)
        result.setdefault("cpu_s", {})[what] = time.process_time() - t0
        path.write_text(json.dumps(result, indent=1))
        print(what, f"{time.process_time() - t0:.1f} s CPU", flush=True)


if __name__ == "__main__":
    main()
