"""One look for every demo figure, readable on the site's light and dark palettes and at every width.

Figures are saved with transparent backgrounds, so text, ticks and spines use a mid-grey that reads on
both white and near-black pages. Demos call ``show(fig, name, description=…)``:

- in a notebook (the site's build) the figure goes on the page as SVG, or as PNG when that is smaller
  (pictures made of pixels), with its description (the image's alt text, written by the demo; when a
  demo gives none, one is made from the figure's titles, axis labels and legends) and the size it should
  be shown at, in ``metadata["nutshell"]`` of the output. The site takes it from there
  (:mod:`nutshell.demo_pages`): a separate file, a link to itself, width and height;
- when ``nutshell demo run`` sets ``NUTSHELL_FIGURE_DIR``, it is also written there as ``<name>.png``.

Legibility: a figure is shown at most :data:`COLUMN_PX` CSS pixels wide (the text column on a desktop
screen), and scaled down when wider. :func:`show` narrows a figure whose smallest text would then come out
under :data:`MIN_TEXT_PX` (axis numbers, mostly), before it is drawn; on a phone the page lets a figure
scroll sideways rather than shrink its text below :data:`PHONE_MIN_TEXT_PX` (the ``min_width`` in its
metadata), and a tap opens it full size.
"""

from __future__ import annotations

import base64
import gzip
import io
import os
import re
from pathlib import Path

FIGURE_DIR_ENV = "NUTSHELL_FIGURE_DIR"
INK = "#8a8f98"  # mid-grey: enough contrast on white and on Material's slate background
PALETTE = ["#3f6ad8", "#e8590c", "#2b8a3e", "#ae3ec9", "#e03131", "#1098ad", "#f08c00"]

CSS_PX_PER_INCH = 96  # a figure is shown at its own size (1 inch = 96 CSS px) when the column allows
COLUMN_PX = 680  # narrowest text column with both sidebars (a 1280 px wide window shows ~690)
MIN_TEXT_PX = 10  # smallest text (axis numbers) at that width
PHONE_MIN_TEXT_PX = 8  # below this on a phone, the figure scrolls sideways instead of shrinking
# Pictures (PNG figures, and what an SVG embeds: images, filled contours) get twice the pixels the figure
# has on a desktop page (at most RASTER_DPI): sharp on high-density screens and when opened full size.
RASTER_DPI = 192
SVG_TRY_PNG_BYTES = 40_000  # an SVG sending more than this (compressed) is also tried as a PNG,
SVG_TRY_PNG_FILE_BYTES = 100_000  # ... and so is one whose file is larger than this
SVG_MAX_TIMES_PNG = 2.5  # ... and loses to it when its file is larger than this many times the PNG's

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
    "font.size": 11,  # with COLUMN_PX: axis numbers of a figure up to ~9.5 in wide stay >= 10 px
    "svg.fonttype": "path",  # text as outlines: the same letters on every machine, no font to load
    "svg.hashsalt": "nutshell",  # stable ids inside the SVG: the same figure gives the same bytes
}


def apply_style() -> None:
    """Set matplotlib's rcParams to the site style (call once at the top of a demo)."""
    import matplotlib as mpl
    from cycler import cycler

    params = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    mpl.rcParams.update(params)


def show(fig, name: str, description: str | None = None) -> Path | None:
    """Put ``fig`` on the page with ``description`` as its alt text; returns the PNG saved, if any.

    ``description`` says what the figure shows for someone who cannot see it: what is plotted against
    what, and what to notice. Without one, :func:`describe` makes one from the figure's own text.
    """
    import matplotlib.pyplot as plt

    description = " ".join((description or describe(fig)).split())
    fit_to_column(fig)
    saved = None
    target = os.environ.get(FIGURE_DIR_ENV)
    if target:
        saved = Path(target) / f"{name}.png"
        saved.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(saved, bbox_inches="tight")
    if in_notebook():
        from IPython.display import display

        data, metadata = page_output(fig, name, description)
        display(data, metadata=metadata, raw=True)
        plt.close(fig)  # shown here; the inline backend must not show it a second time
    else:
        plt.show()
    return saved


# ── what goes on the page ─────────────────────────────────────────────────────────────


def page_output(fig, name: str, description: str) -> tuple[dict, dict]:
    """The figure as a Jupyter display bundle: (data, metadata).

    SVG (text and lines stay sharp at any size) unless a PNG would send fewer bytes, or the SVG's file
    would be several times the PNG's (thousands of markers); the plain-text form is the description.
    ``metadata["nutshell"]`` holds what the site needs: ``figure``
    (the name), ``description``, ``width`` and ``height`` (CSS pixels at full size) and ``min_width`` (CSS
    pixels below which the text would be smaller than PHONE_MIN_TEXT_PX).
    """
    smallest, width_in = measure(fig)
    dpi = raster_dpi(width_in)
    svg = render(fig, "svg", dpi)
    width_in, height_in = svg_size_inches(svg)
    info = {
        "figure": name,
        "description": description,
        "width": round(width_in * CSS_PX_PER_INCH),
        "height": round(height_in * CSS_PX_PER_INCH),
        "min_width": round(width_in * 72 * PHONE_MIN_TEXT_PX / smallest),
    }
    size = {"width": info["width"], "height": info["height"]}
    # Web servers compress SVG (text) but not PNG: compare what each would send, and keep SVGs of thousands
    # of markers, which compress well but are large files, to a few times the PNG's size.
    svg_sent = len(gzip.compress(svg, 6))
    try_png = _has_pixels(fig) or svg_sent > SVG_TRY_PNG_BYTES or len(svg) > SVG_TRY_PNG_FILE_BYTES
    png = render(fig, "png", dpi) if try_png else None
    if png is not None and (len(png) < svg_sent or len(svg) > SVG_MAX_TIMES_PNG * len(png)):
        data = {"image/png": base64.b64encode(png).decode(), "text/plain": description}
        return data, {"image/png": size, "nutshell": info}
    data = {"image/svg+xml": svg.decode(), "text/plain": description}
    return data, {"image/svg+xml": size, "nutshell": info}


def raster_dpi(width_in: float) -> int:
    """Pixels per inch for a figure ``width_in`` wide: twice the CSS pixels it is shown at on a desktop
    page (scaled down to the column when wider), at most RASTER_DPI."""
    shown_px = min(width_in * CSS_PX_PER_INCH, COLUMN_PX)
    return max(CSS_PX_PER_INCH, min(RASTER_DPI, round(2 * shown_px / width_in)))


def render(fig, fmt: str, dpi: int = RASTER_DPI) -> bytes:
    """The figure's file as ``fmt`` ("svg" or "png"), cropped to what is drawn, without volatile metadata.

    In an SVG, filled contours and colour meshes (thousands of polygons that nobody needs as vectors)
    are embedded as pictures at ``dpi``; lines, markers and text stay vectors.
    """
    from matplotlib.collections import QuadMesh
    from matplotlib.contour import ContourSet

    buffer = io.BytesIO()
    # No date or software version in the file: the same figure gives the same bytes (and cache entries).
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    heavy = [c for ax in fig.get_axes() for c in ax.collections
             if (isinstance(c, ContourSet) and c.filled) or isinstance(c, QuadMesh)]
    before = [c.get_rasterized() for c in heavy]
    try:
        for collection in heavy:
            collection.set_rasterized(fmt == "svg" or collection.get_rasterized())
        # For SVG the dpi only sets the resolution of the embedded pictures.
        fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=dpi, metadata=metadata)
    finally:
        for collection, rasterized in zip(heavy, before):
            collection.set_rasterized(rasterized)
    return compact_png(buffer.getvalue()) if fmt == "png" else compact_svg(buffer.getvalue())


_LONG_DECIMAL = re.compile(rb"(?<![#\w.])(-?\d+\.\d{3,})")
_INDENT = re.compile(rb"\n[ \t]+")


def compact_svg(svg: bytes) -> bytes:
    """The SVG with numbers rounded to a hundredth of a point (a seventy-fifth of a CSS pixel) and without
    its indentation: about a sixth fewer bytes, the same picture."""
    svg = _LONG_DECIMAL.sub(lambda m: (b"%.2f" % float(m.group(1))).rstrip(b"0").rstrip(b"."), svg)
    return _INDENT.sub(b"\n", svg)


def compact_png(png: bytes) -> bytes:
    """The PNG with at most 256 colours (transparency kept), usually a third of the bytes.

    A plot has a few colours and their anti-aliased edges; reduced without dithering the difference
    does not show. Returns the original when that is smaller, or when it is not a PNG Pillow can read.
    """
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(png))
        dpi = image.info.get("dpi")
        reduced = image.convert("RGBA").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                 dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        reduced.save(buffer, format="PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    except (ImportError, OSError, ValueError):
        return png
    return min(png, buffer.getvalue(), key=len)


_SVG_SIZE = re.compile(rb'<svg[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"', re.DOTALL)


def svg_size_inches(svg: bytes) -> tuple[float, float]:
    """Width and height of a matplotlib SVG (given in points), in inches."""
    match = _SVG_SIZE.search(svg)
    if not match:
        raise ValueError("not a matplotlib SVG: no width and height in points")
    return float(match.group(1)) / 72, float(match.group(2)) / 72


# ── legibility ───────────────────────────────────────────────────────────────────────


def measure(fig) -> tuple[float, float]:
    """(font size in points of the smallest visible text, width in inches of the saved figure).

    The figure is drawn once, so tick labels exist; the width is that of the tight bounding box plus the
    padding ``savefig(bbox_inches="tight")`` adds around it.
    """
    import matplotlib as mpl
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_window_extent(renderer).width > 0]
    width_in = fig.get_tightbbox(renderer).width + 2 * mpl.rcParams["savefig.pad_inches"]
    return (min(sizes) if sizes else STYLE["font.size"]), width_in


def fit_to_column(fig) -> None:
    """Narrow a figure too wide for its smallest text to stay MIN_TEXT_PX tall in the text column.

    A figure is shown at its own size (CSS_PX_PER_INCH) or, when wider than the column, scaled down to
    COLUMN_PX. Only the width changes here (panels get narrower, text keeps its size); the layout is
    redone the way ``tight_layout`` does it unless the figure has a layout engine of its own.
    """
    for _ in range(3):  # the tight bounding box moves a little with the layout
        smallest, width_in = measure(fig)
        shown_px_per_inch = min(CSS_PX_PER_INCH, COLUMN_PX / width_in)
        needed_px_per_inch = MIN_TEXT_PX * 72 / smallest
        if shown_px_per_inch >= needed_px_per_inch - 0.05:
            return
        # Text smaller than MIN_TEXT_PX even at the figure's own size cannot be helped by narrowing it
        # (that is the demo's font size to fix); then only make it fit the column.
        fitting_in = COLUMN_PX / min(needed_px_per_inch, CSS_PX_PER_INCH)
        if width_in <= fitting_in + 0.01:
            return
        figure_w, figure_h = fig.get_size_inches()
        fig.set_size_inches(figure_w - (width_in - fitting_in) - 0.02, figure_h)
        if fig.get_layout_engine() is None:
            fig.tight_layout()


def _has_pixels(fig) -> bool:
    from matplotlib.collections import QuadMesh

    return any(ax.images or any(isinstance(c, QuadMesh) for c in ax.collections) for ax in fig.get_axes())


# ── a description from the figure itself ─────────────────────────────────────────────


def describe(fig) -> str:
    """A description made from the figure's own words: its title, and for each panel its title, what is
    plotted against what (with log scales), the legend's entries and what kind of marks it holds.

    A fallback: a demo's own description says what the reader should notice, this one only what is there.
    """
    panels = [ax for ax in fig.get_axes() if ax.get_visible() and not _is_colorbar(ax)]
    suptitle = fig._suptitle.get_text().strip() if getattr(fig, "_suptitle", None) else ""
    parts = []
    if suptitle:
        parts.append(_sentence(suptitle))
    if len(panels) > 1:
        parts.append(_sentence(f"{_count_words(len(panels))} panels{_arrangement(panels)}"))
    positions = _panel_positions(panels)
    for ax, position in zip(panels, positions):
        text = _describe_panel(ax)
        if not text:
            continue
        parts.append(_sentence(f"{position}: {text}" if position else text))
    described = " ".join(parts).strip()
    return described or "A figure drawn by the code above."


def _describe_panel(ax) -> str:
    title = ax.get_title().strip() or ax.get_title(loc="left").strip()
    xlabel, ylabel = ax.get_xlabel().strip(), ax.get_ylabel().strip()
    if ax.get_yscale() == "log" and ylabel:
        ylabel += " (logarithmic scale)"
    if ax.get_xscale() == "log" and xlabel:
        xlabel += " (logarithmic scale)"
    kind = _marks(ax)
    if ylabel and xlabel:
        what = f"{kind} of {ylabel} against {xlabel}" if kind else f"{ylabel} against {xlabel}"
    elif ylabel or xlabel:
        what = f"{kind} of {ylabel or xlabel}" if kind else ylabel or xlabel
    else:
        what = kind
    legend = ax.get_legend()
    entries = [t.get_text().strip() for t in legend.get_texts()] if legend else []
    entries = [e for e in entries if e]
    if entries:
        if any("," in entry for entry in entries):  # "sigmoid, 20 layers": quoted, so the list still reads
            entries = [f"“{entry}”" for entry in entries]
        what += ("; " if what else "") + "legend: " + ", ".join(entries)
    if title and what:
        return f"{title} ({what})"
    return title or what


def _marks(ax) -> str:
    from matplotlib.collections import PathCollection, QuadMesh
    from matplotlib.patches import Rectangle

    if ax.images:
        return "image" if len(ax.images) == 1 else "images"
    if any(isinstance(c, QuadMesh) for c in ax.collections):
        return "heat map"
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    lines = [line for line in ax.get_lines() if line.get_visible() and len(line.get_xdata()) > 2]
    if any(type(c).__name__ in ("QuadContourSet", "ContourSet") for c in ax.collections) or (
            ax.collections and not lines and not bars
            and not any(isinstance(c, PathCollection) for c in ax.collections)):
        return "contour lines" if not lines else "contour lines and curves"
    if bars and len(bars) >= len(lines):
        return "bars"
    if lines:
        return "curves" if len(lines) > 1 else "a curve"
    if any(isinstance(c, PathCollection) for c in ax.collections):
        return "points"
    return ""


def _is_colorbar(ax) -> bool:
    return hasattr(ax, "_colorbar") or ax.get_label() == "<colorbar>"


def _panel_positions(panels: list) -> list[str]:
    """"left", "right", "top left", … from where each panel sits; empty for a single panel."""
    if len(panels) < 2:
        return [""] * len(panels)
    boxes = [ax.get_position() for ax in panels]
    columns = sorted({round(b.x0, 2) for b in boxes})
    rows = sorted({round(b.y0, 2) for b in boxes}, reverse=True)
    horizontal = {1: [""], 2: ["left", "right"], 3: ["left", "middle", "right"]}.get(len(columns))
    vertical = {1: [""], 2: ["top", "bottom"], 3: ["top", "middle", "bottom"]}.get(len(rows))
    names = []
    for number, box in enumerate(boxes, start=1):
        column, row = columns.index(round(box.x0, 2)), rows.index(round(box.y0, 2))
        if horizontal is None or vertical is None:
            names.append(f"panel {number}")
        else:
            names.append(" ".join(part for part in (vertical[row], horizontal[column]) if part)
                         or f"panel {number}")
    return names


def _arrangement(panels: list) -> str:
    boxes = [ax.get_position() for ax in panels]
    columns = len({round(b.x0, 2) for b in boxes})
    rows = len({round(b.y0, 2) for b in boxes})
    if rows == 1:
        return " side by side"
    if columns == 1:
        return ", one above the other"
    return f" in {_count_words(rows)} rows of {_count_words(columns)}"


def _count_words(n: int) -> str:
    return {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(n, str(n))


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


def in_notebook() -> bool:
    """Whether a notebook kernel runs this (the build, a reader's Jupyter), rather than plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")
