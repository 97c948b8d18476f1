"""nutshell.figures: descriptions made from a figure's own words, legibility at the column's width, and the
display bundle a demo page is made from."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nutshell import figures  # noqa: E402


@pytest.fixture(autouse=True)
def site_style():
    with matplotlib.rc_context():
        figures.apply_style()
        yield
    plt.close("all")


def shown_text_px(fig) -> float:
    """Height in CSS pixels of the figure's smallest text on a desktop page (figure scaled to the column)."""
    smallest, width_in = figures.measure(fig)
    return smallest / 72 * min(figures.CSS_PX_PER_INCH, figures.COLUMN_PX / width_in)


def test_a_wide_multi_panel_figure_is_narrowed_until_its_axis_numbers_are_legible():
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2), sharey=True)
    for ax in axes:
        ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2)
        ax.set(xlabel="step", ylabel="loss")
    fig.tight_layout()
    assert shown_text_px(fig) < 9  # as drawn: ~7 px once scaled down to the column
    figures.fit_to_column(fig)
    assert shown_text_px(fig) >= figures.MIN_TEXT_PX - 0.1
    assert fig.get_size_inches()[1] == pytest.approx(3.2)  # only the width changes


def test_a_figure_that_fits_is_left_alone_and_tiny_text_is_not_chased():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1], [0, 1])
    figures.fit_to_column(fig)
    assert tuple(fig.get_size_inches()) == (6, 3)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.text(0.5, 0.5, "tiny", fontsize=5)  # under 10 px at any width: the demo's to fix, not shrunk away
    figures.fit_to_column(fig)
    assert tuple(fig.get_size_inches()) == (6, 3)


def test_description_from_the_figure_names_panels_axes_scales_and_legends():
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot([1, 2, 3], [1, 4, 9], label="plain")
    left.plot([1, 2, 3], [1, 2, 3], label="momentum")
    left.set(xlabel="step", ylabel="loss", yscale="log", title="per step")
    left.legend()
    right.imshow(np.eye(3))
    right.set(title="weights")
    fig.suptitle("training")
    text = figures.describe(fig)
    assert text == ("Training. Two panels side by side. Left: per step (curves of loss (logarithmic scale)"
                    " against step; legend: plain, momentum). Right: weights (image).")


def test_a_figure_with_no_words_still_gets_a_description():
    fig, ax = plt.subplots()
    ax.set_axis_off()
    assert figures.describe(fig) == "A figure drawn by the code above."


def test_page_output_is_svg_with_the_description_and_sizes_and_the_same_bytes_every_time():
    def draw():
        fig, ax = plt.subplots(figsize=(5, 2.5))
        ax.plot(np.arange(20), np.arange(20) ** 0.5)
        ax.set(xlabel="x", ylabel="√x")
        return fig

    data, metadata = figures.page_output(draw(), "root", "The square root grows ever more slowly.")
    assert set(data) == {"image/svg+xml", "text/plain"}
    assert data["text/plain"] == "The square root grows ever more slowly."
    info = metadata["nutshell"]
    assert info["figure"] == "root" and info["description"] == data["text/plain"]
    assert 400 < info["width"] < 5 * 96 + 40 and info["height"] > 150
    assert metadata["image/svg+xml"] == {"width": info["width"], "height": info["height"]}
    assert 0 < info["min_width"] < info["width"]
    again, _ = figures.page_output(draw(), "root", "The square root grows ever more slowly.")
    assert again == data  # no date, no random ids: an unchanged figure does not change the page
    svg = data["image/svg+xml"]
    assert not re.search(r"\d\.\d{3}", svg) and "\n " not in svg  # compacted: 1/100 pt, no indentation


def test_a_picture_of_many_pixels_goes_out_in_whichever_format_sends_fewer_bytes():
    import base64
    import gzip

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(np.random.default_rng(0).random((300, 300)), interpolation="nearest")
    data, metadata = figures.page_output(fig, "noise", "Noise.")
    dpi = figures.raster_dpi(figures.measure(fig)[1])
    svg_sent = len(gzip.compress(figures.render(fig, "svg", dpi), 6))
    png_sent = len(figures.render(fig, "png", dpi))
    if "image/png" in data:
        assert len(base64.b64decode(data["image/png"])) == png_sent < svg_sent
        assert metadata["image/png"]["width"] == metadata["nutshell"]["width"]
    else:
        assert svg_sent <= png_sent


def test_filled_contours_are_pictures_inside_the_svg_and_the_figure_is_left_as_it_was():
    fig, ax = plt.subplots(figsize=(5, 3))
    x, y = np.meshgrid(np.linspace(-1, 1, 200), np.linspace(-1, 1, 200))
    filled = ax.contourf(x, y, x**2 + 3 * y**2, levels=30)
    ax.contour(x, y, x**2 + 3 * y**2, levels=5)
    svg = figures.render(fig, "svg", 96)
    assert b"<image " in svg and svg.count(b"<path ") > 5  # the fills a picture, the contour lines paths
    assert not filled.get_rasterized()


def test_show_saves_a_png_outside_a_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv(figures.FIGURE_DIR_ENV, str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    saved = figures.show(fig, "line", description="A line.")
    assert saved == tmp_path / "line.png" and saved.read_bytes().startswith(b"\x89PNG")


def test_thousands_of_markers_go_out_as_png_even_though_their_svg_would_compress_well():
    fig, ax = plt.subplots(figsize=(5, 3))
    points = np.random.default_rng(1).normal(size=(5000, 2))
    ax.plot(*points.T, ".", markersize=2)
    data, _ = figures.page_output(fig, "cloud", "A cloud of points.")
    assert "image/png" in data
