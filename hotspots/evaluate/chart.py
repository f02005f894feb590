"""The back-test as a PNG: PAI curves (median over test months, range shaded) per method and k."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from hotspots.evaluate.backtest import HOTSPOT_AREA, Backtest
from hotspots.evaluate.methods import METHOD_LABELS

COLOURS = {"dbscan": "#d7301f", "kde": "#2171b5", "grid": "#636363", "gi": "#31a354"}


def backtest_chart(result: Backtest, path: str | Path, *, dpi: int = 120) -> Path:
    """Write a PNG of the PAI curves (one panel per k) and return its path.

    Each panel: PAI (median over test months, log scale) against coverage (% of the study area,
    log scale), one line per method, the month-to-month range shaded; the stated coverages are
    marked. The grid and the PAI formula are in the caption.
    """
    path = Path(path)
    curve = result.summary(curve=True)
    if not curve.empty:
        curve = curve[curve["coverage_label"] != HOTSPOT_AREA]
    ks = sorted(curve["k"].unique()) if not curve.empty else []
    fig, axes = plt.subplots(
        1, max(1, len(ks)), figsize=(4.2 * max(1, len(ks)), 4.2), squeeze=False, sharey=True
    )
    for ax, k in zip(axes[0], ks or [None], strict=False):
        if k is None:
            ax.text(0.5, 0.5, "no month could be tested", ha="center", transform=ax.transAxes)
            continue
        for method, rows in curve[curve["k"] == k].groupby("method", sort=False):
            rows = rows.sort_values("coverage")
            x = 100 * rows["coverage"].to_numpy(dtype=float)
            colour = COLOURS.get(str(method))
            top = method == "dbscan"  # drawn on top: it equals KDE once its hotspots are full
            ax.plot(
                x,
                rows["pai_median"],
                marker="o",
                ms=3,
                color=colour,
                ls="--" if top else "-",
                lw=2.0 if top else 1.4,
                zorder=3 if top else 2,
                label=METHOD_LABELS.get(str(method), str(method)),
            )
            ax.fill_between(
                x,
                rows["pai_min"].astype(float),
                rows["pai_max"].astype(float),
                color=colour,
                alpha=0.12,
                linewidth=0,
            )
        for c in result.settings.get("coverages", []):
            ax.axvline(100 * c, color="#bbbbbb", lw=0.8, ls=":")
        months = int(curve.loc[curve["k"] == k, "months"].max())
        ax.set_title(f"fit {k} month(s), test the next ({months} months)", fontsize=9)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("coverage, % of study area")
        ax.grid(True, which="both", alpha=0.25)
    axes[0][0].set_ylabel("PAI = (n/N) / (a/A), median and range")
    axes[0][0].legend(fontsize=7, loc="lower left")
    g = result.grid
    fig.suptitle("Does the map predict? Rolling-origin back-test", fontsize=11)
    fig.text(
        0.01,
        0.01,
        f"grid: {g['cell_m']:g} m cells, origin ({g['origin_x_m']:.0f}, "
        f"{g['origin_y_m']:.0f}) EPSG:27700, A = {g['study_area_km2']:,.0f} km²",
        fontsize=7,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
