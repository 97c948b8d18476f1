"""One look for every demo figure, readable on the site's light and dark palettes.

Figures are saved with transparent backgrounds, so text, ticks and spines use a mid-grey that
reads on both white and near-black pages. Demos call ``show(fig, name)``: in a notebook the
figure is displayed inline; when ``nutshell demo run`` sets ``NUTSHELL_FIGURE_DIR``, it is also
written there as ``<name>.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

FIGURE_DIR_ENV = "NUTSHELL_FIGURE_DIR"
INK = "#8a8f98"  # mid-grey: enough contrast on white and on Material's slate background
PALETTE = ["#3f6ad8", "#e8590c", "#2b8a3e", "#ae3ec9", "#e03131", "#1098ad", "#f08c00"]

STYLE = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.25,
    "legend.frameon": False,
    "legend.labelcolor": INK,
    "axes.prop_cycle": None,  # filled in apply_style (needs matplotlib's cycler)
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 10,
}


def apply_style() -> None:
    """Set matplotlib's rcParams to the site style (call once at the top of a demo)."""
    import matplotlib as mpl
    from cycler import cycler

    params = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    mpl.rcParams.update(params)


def show(fig, name: str) -> Path | None:
    """Display ``fig`` and, when a figure directory is set, save it as ``<name>.png`` there."""
    import matplotlib.pyplot as plt

    saved = None
    target = os.environ.get(FIGURE_DIR_ENV)
    if target:
        saved = Path(target) / f"{name}.png"
        saved.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(saved, bbox_inches="tight")
    plt.show()
    return saved
