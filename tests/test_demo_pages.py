"""nutshell.demo_pages: the demo index, the stand-in for a failed demo, the page's notebook (figures as
files with descriptions), and mkdocs-jupyter's HTML slimmed and tidied."""

import base64
import struct
import zlib
from pathlib import Path

from nutshell.demo_pages import (
    PLACEHOLDER_ALT,
    STYLESHEET,
    demos_index_markdown,
    failed_demo_markdown,
    page_notebook,
    png_size,
    slim_notebook_html,
    stylesheet_path,
    tidy_notebook_html,
)
from nutshell.demos import Demo

RENDERED = """<script>/* clipboard */</script>
<style type="text/css">.highlight-ipynb { color: red }</style>
<style type="text/css">.jupyter-wrapper { --jp-x: 1 }</style>
<script src=""> </script>
<script type="text/x-mathjax-config">init_mathjax = function() {}</script>
<!-- Load mermaid -->
<script type="module">const m = await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/x.mjs");</script>
<style>.jp-Mermaid { display: none }</style>
<div class="jupyter-wrapper"><div class="jp-Notebook">
<style scoped>.dataframe td { color: blue }</style><p>output</p>
</div> <!-- jupyter-wrapper -->
<style>
        ['pre { line-height: 125%; }']
        </style>
"""


def test_slimming_drops_the_notebook_css_and_cdn_loaders():
    html = slim_notebook_html(RENDERED)
    assert "<style type" not in html and "['pre" not in html and "--jp-x" not in html
    assert "cdnjs" not in html and "mathjax" not in html and 'src=""' not in html and "Load" not in html
    assert "/* clipboard */" in html  # local scripts stay
    assert "<style scoped>.dataframe td { color: blue }</style>" in html  # output styles stay
    assert "<p>output</p>" in html


def test_slimming_leaves_unknown_layouts_alone():
    assert slim_notebook_html("<p>not a notebook</p>") is None
    assert tidy_notebook_html("<p>not a notebook</p>") == "<p>not a notebook</p>"
    assert stylesheet_path("a") != stylesheet_path("b") and stylesheet_path("a").endswith(".css")


def test_the_demo_stylesheet_is_small_and_keeps_output_lines_whole():
    css = STYLESHEET.read_text()
    assert len(css.encode()) < 12_000
    output_rule = css[css.index(".md-typeset .jp-RenderedText > pre"):]
    output_rule = output_rule[:output_rule.index("}")]
    assert "white-space: pre;" in output_rule and "word-break: normal" in output_rule


def test_index_lists_demos_in_the_order_given_and_escapes_pipes():
    demos = [Demo("zeta", Path("demos/zeta.py"), "Zeta: last by name", "Comes first."),
             Demo("alpha", Path("demos/alpha.py"), "Alpha", "Pipe | kept.")]
    index = demos_index_markdown(demos)
    assert index.startswith("# Demos\n")
    assert index.index("(zeta.ipynb)") < index.index("(alpha.ipynb)")
    assert "| [Alpha](alpha.ipynb) | Pipe \\| kept. |" in index


def test_failed_demo_page_shows_the_error_in_a_fence_longer_than_its_own():
    demo = Demo("tiny", Path("demos/tiny.py"), "Tiny demo", "Adds.")
    page = failed_demo_markdown(demo, ValueError("```\nbroken\n```"))
    assert page.startswith("# Tiny demo\n") and '!!! failure "' in page
    assert "````text\n```\nbroken\n```\n````\n" in page


# ── the page's notebook: figures become files with their descriptions ─────────────────


SVG = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="216pt">'
       '<path d="M 0 0 L 1 1"/></svg>\n')


def tiny_png(width: int, height: int, dpi: float | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    physical = chunk(b"pHYs", struct.pack(">IIB", round(dpi / 0.0254), round(dpi / 0.0254), 1)) if dpi else b""
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00" * 4 * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + header + physical + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def notebook_with(*outputs) -> dict:
    return {"cells": [{"cell_type": "code", "source": "", "outputs": list(outputs), "metadata": {}}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def display(data: dict, nutshell: dict | None = None) -> dict:
    return {"output_type": "display_data", "data": data,
            "metadata": {"nutshell": nutshell} if nutshell else {}}


def test_figures_become_files_shown_with_their_description_size_and_a_link_to_themselves():
    described = display({"image/svg+xml": SVG, "text/plain": "<Figure>"},
                        {"figure": "Loss curve", "description": 'The loss "falls" <fast>.', "width": 576,
                         "height": 288, "min_width": 400})
    executed = notebook_with(described, {"output_type": "stream", "name": "stdout", "text": "42\n"})
    page, files, problems = page_notebook(executed, title="Tiny", figures_url="figures/")
    assert not problems
    (figure,) = files
    assert figure.name.startswith("loss-curve.") and figure.name.endswith(".svg")
    assert figure.content == SVG.encode() and (figure.width, figure.height) == (576, 288)
    output = page["cells"][0]["outputs"][0]
    html = output["data"]["text/html"]
    src = f"figures/{figure.name}"
    assert f'<a href="{src}"' in html and f'<img src="{src}"' in html
    assert 'alt="The loss &quot;falls&quot; &lt;fast&gt;."' in html
    assert 'width="576" height="288" loading="lazy"' in html and "--nutshell-figure-min-width: 400px" in html
    assert output["data"]["text/plain"] == 'The loss "falls" <fast>.' and "image/svg+xml" not in output["data"]
    assert page["cells"][0]["outputs"][1]["text"] == "42\n"
    assert "image/svg+xml" in executed["cells"][0]["outputs"][0]["data"]  # the executed notebook is untouched

    again, files_again, _ = page_notebook(executed, title="Tiny")
    assert again == page and files_again == files  # same figure, same name: browsers may keep it


def test_a_figure_without_a_description_is_reported_and_never_gets_the_placeholder():
    png = tiny_png(300, 150, dpi=192)
    page, (figure,), problems = page_notebook(
        notebook_with(display({"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"})),
        title="Tiny demo")
    assert problems == ["cell 1: figure 1 has no description (give one with"
                        " nutshell.figures.show(fig, name, description=...))"]
    html = page["cells"][0]["outputs"][0]["data"]["text/html"]
    assert PLACEHOLDER_ALT not in html and "Figure 1 of “Tiny demo”" in html
    assert (figure.width, figure.height) == (150, 75)  # 192 dpi: half the pixels in CSS pixels
    assert figure.name.startswith("figure-1.") and figure.name.endswith(".png")


def test_images_inside_html_outputs_become_files_and_keep_their_alt_text():
    png = tiny_png(20, 10)
    html = f'<figure><img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="chosen"></figure>'
    page, (figure,), problems = page_notebook(
        notebook_with(display({"text/html": html, "image/png": "AAAA", "text/plain": "x"})), title="T")
    data = page["cells"][0]["outputs"][0]["data"]
    assert data["text/html"] == (f'<figure><img src="figures/{figure.name}" width="20" height="10"'
                                 ' alt="chosen"></figure>')
    assert "image/png" not in data and figure.content == png and not problems
    assert png_size(png) == (20, 10) and png_size(b"not a png") == (0, 0)


# ── the rendered page, tidied ─────────────────────────────────────────────────────────

NOTEBOOK_HTML = """<div class="jupyter-wrapper">
<div class="jp-Cell jp-MarkdownCell"><div class="jp-Cell-inputWrapper" tabindex="0">
<div class="jp-Collapser jp-InputCollapser"></div><div class="jp-InputArea"><div class="jp-InputPrompt"></div>
<div class="jp-RenderedMarkdown"><h2 id="rules">Rules<a class="anchor-link" href="#rules">¶</a></h2>
<p>Step $\\theta \\leftarrow \\theta - \\eta g$ costs $5 and <code>$x$</code> stays code.</p></div></div></div></div>
<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-inputWrapper" tabindex="0">
<div class="jp-InputArea"><div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>
<div class="jp-CodeMirrorEditor"><div class="CodeMirror"><div class="zeroclipboard-container">
<clipboard-copy ,="" for="cell-1"><svg><path d="M0"></path></svg></clipboard-copy></div>
<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">x</span><span class="w"> </span><span class="o">=</span> <span class="p">(</span><span class="p">)</span><span class="mi">1</span>
</pre></div><div class="clipboard-copy-txt" id="cell-1">x = ()1</div></div></div></div></div>
<div class="jp-Cell-outputWrapper"><div class="jp-OutputArea"><div class="jp-OutputArea-child">
<div class="jp-OutputPrompt"></div><div class="jp-RenderedText jp-OutputArea-output" tabindex="0"><pre>x is 1</pre></div>
</div></div></div></div>
</div><!-- jupyter-wrapper -->"""


def test_tidying_makes_code_cells_site_code_blocks_left_out_of_search():
    html = tidy_notebook_html(NOTEBOOK_HTML)
    assert "In [1]:" not in html and "jp-Collapser" not in html and "jp-InputPrompt" not in html
    assert "clipboard-copy-txt" not in html and "<svg" not in html and ',=""' not in html
    assert ('<div class="highlight highlight-ipynb" data-search-exclude="">'
            '<clipboard-copy aria-label="Copy the code of this cell" class="nutshell-copy" for="cell-1">') in html
    # names and whitespace are drawn in the code's colour: no span; neighbours of one kind share one
    assert ('<pre><code id="cell-1">x <span class="o">=</span> <span class="p">()</span><span class="mi">1</span>\n'
            "</code></pre>") in html
    assert '<div class="jp-RenderedText jp-OutputArea-output" data-search-exclude=""><pre>x is 1</pre>' in html
    assert 'tabindex="0"' not in html


def test_tidying_gives_headings_site_permalinks_and_formulas_mathml_with_text_for_search():
    html = tidy_notebook_html(NOTEBOOK_HTML)
    assert '<a class="headerlink" href="#rules" title="Permanent link">¶</a>' in html and "anchor-link" not in html
    assert html.count("<math ") == 1 and "<math data-search-exclude" in html
    assert '<span class="nutshell-math-text" hidden="">θ ← θ - η g</span> costs $5 and' in html
    assert "<code>$x$</code>" in html  # code is not math
    # Material's indexer: the title has no ¶, the text reads as prose
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()
    sections = {section.id: ("".join(section.title), "".join(section.text)) for section in parser.data}
    title, text = sections["rules"]
    assert title == "Rules"
    assert "θ ← θ - η g costs $5" in text and "x is 1" not in text and "x = 1" not in text


def test_tidied_pages_are_kept_until_the_page_or_the_code_changes(tmp_path, monkeypatch):
    from nutshell import demo_pages

    kept = demo_pages.TidiedPages(tmp_path / "tidied")
    first = kept.tidy(NOTEBOOK_HTML)
    assert first == tidy_notebook_html(NOTEBOOK_HTML) and len(list((tmp_path / "tidied").iterdir())) == 1

    def must_not_run(html):
        raise AssertionError("tidied again although nothing changed")

    monkeypatch.setattr(demo_pages, "tidy_notebook_html", must_not_run)
    again = demo_pages.TidiedPages(tmp_path / "tidied")  # a later build
    assert again.tidy(NOTEBOOK_HTML) == first
    monkeypatch.undo()

    # another page: tidied and kept; the page the last build did not ask for goes
    changed = NOTEBOOK_HTML.replace("Rules", "Other rules")
    later = demo_pages.TidiedPages(tmp_path / "tidied")
    assert "Other rules" in later.tidy(changed)
    later.forget_unused()
    assert len(list((tmp_path / "tidied").iterdir())) == 1

    # the code that tidies is part of the key
    monkeypatch.setattr(demo_pages, "_TIDY_CODE", ("demo_pages.py", "files.py"))
    other_code = demo_pages.TidiedPages(tmp_path / "tidied")
    other_code.tidy(changed)
    assert len(list((tmp_path / "tidied").iterdir())) == 2
