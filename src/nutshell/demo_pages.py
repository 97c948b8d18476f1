"""What the demos look like on the site: the demo index, the stand-in page for a failed demo, the notebook a
demo page is rendered from, and mkdocs-jupyter's HTML made to read like the rest of the site.

Pure functions of strings, notebooks (as dicts) and :class:`~nutshell.demos.Demo` objects, without MkDocs:
the plugin (:mod:`nutshell.mkdocs_demos`) only wires its events to them, and the tests call them directly.

A demo page goes through two steps:

1. :func:`page_notebook` (before mkdocs-jupyter renders it): every figure becomes a separate file (SVG or
   PNG, named by its content, so browsers may keep it) shown by an ``<img>`` with the figure's description
   as its alt text, its size, lazy loading and a link to itself (a tap or click opens it full size);
   images that pages embed in HTML outputs (an explorable's static figure) become files too.
2. :func:`slim_notebook_html` and :func:`tidy_notebook_html` (after): JupyterLab's ~600 KB of inline CSS
   and the MathJax and mermaid loaders (CDN) go; code cells become the site's own code blocks (the copy
   button beside the code, not over it), prompts and empty wrappers go, headings get the site's
   permalinks (so search titles do not end in ``¶``), code and outputs are left out of the search index
   (snippets come from the prose), and ``$…$`` formulas become MathML with a plain-text twin for search.
   The page links :data:`STYLESHEET` instead: a few KB that style cells with Material's own variables.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html as _html
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup  # nbconvert's own dependency, so always there when pages are built

from nutshell.demos import Demo
from nutshell.files import write_atomically

#: The demo pages' stylesheet (served as assets/stylesheets/demo-pages-<hash>.css on demo pages only).
STYLESHEET = Path(__file__).with_name("demo_pages.css")
#: nbconvert's alt text for an image without one; no page may show it.
PLACEHOLDER_ALT = "No description has been provided for this image"

# ── generated Markdown pages ─────────────────────────────────────────────────────────


def demos_index_markdown(demos: list[Demo]) -> str:
    """The ``demos/index.md`` page: one row per demo, linking to its page, in the order given."""
    lines = [
        "# Demos",
        "",
        "Short scripts that re-create a result from the history, small enough to run on a laptop CPU",
        "in seconds. Every page was executed while this site was built, so the numbers and figures",
        "on it are the ones the code printed and drew. Each ends with the date, machine and library",
        "versions it ran on, and with the commands to run it yourself.",
        "",
        "| Demo | What it shows |",
        "| --- | --- |",
    ]
    for demo in demos:
        title, description = (text.replace("|", "\\|") for text in (demo.title, demo.description))
        lines.append(f"| [{title}]({demo.id}.ipynb) | {description} |")
    lines += [
        "",
        "Run one from a checkout: `nutshell demo list`, then `nutshell demo run ID`",
        "(it prints the numbers and saves the figures as PNG files).",
        "",
    ]
    return "\n".join(lines)


def failed_demo_markdown(demo: Demo, error: Exception) -> str:
    """Stand-in page for a demo that raised while `mkdocs serve` runs (`mkdocs build` stops instead)."""
    fence = "````"  # longer than any fence the error text could contain
    return (
        f"# {demo.title}\n\n"
        '!!! failure "This demo raised an error; the page comes back when the demo runs again"\n\n'
        f"{fence}text\n{error}\n{fence}\n"
    )


# ── step 1: the notebook the page is rendered from ──────────────────────────────────


@dataclass(frozen=True)
class FigureFile:
    """A figure taken out of the page: ``name`` is its file name in the page's figures folder."""

    name: str
    content: bytes
    description: str
    width: int  # CSS pixels at full size
    height: int


_IMAGE_TYPES = {"image/svg+xml": "svg", "image/png": "png"}
_DATA_URI_IMG = re.compile(r'(<img\b[^>]*?\bsrc=")data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)(")')
_UNSAFE_NAME = re.compile(r"[^a-z0-9]+")


def page_notebook(notebook: dict, *, title: str, figures_url: str = "figures/"
                  ) -> tuple[dict, list[FigureFile], list[str]]:
    """The notebook a demo page is rendered from, the figure files it refers to, and its problems.

    ``notebook`` is the executed notebook (nbformat's JSON as a dict; not changed). Every image output
    (image/svg+xml or image/png) becomes an HTML output: a ``<figure>`` whose ``<img>`` loads
    ``figures_url + name`` and has the description :func:`nutshell.figures.show` stored in the output's
    metadata as alt text. Images embedded in HTML outputs (``data:`` URIs) are moved to files the same
    way, keeping their alt text. Problems (an image with no description) are returned as messages; the
    image then gets a stand-in description naming the figure, never nbconvert's placeholder.
    """
    page = copy.deepcopy(notebook)
    files: dict[str, FigureFile] = {}
    problems: list[str] = []
    number = 0
    for cell_number, cell in enumerate(page.get("cells", []), start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            if "text/html" in data:
                html = _joined(data["text/html"])
                data["text/html"] = _DATA_URI_IMG.sub(
                    lambda m: _embedded_image(m, files, figures_url, f"image-{len(files) + 1}"), html)
                for mime in _IMAGE_TYPES:  # another front end's copy; the page shows the HTML
                    data.pop(mime, None)
                continue
            mime = next((m for m in _IMAGE_TYPES if m in data), None)
            if mime is None:
                continue
            number += 1
            info = output.get("metadata", {}).get("nutshell", {})
            content = (_joined(data[mime]).encode() if mime == "image/svg+xml"
                       else base64.b64decode(_joined(data[mime])))
            width, height = _size(content, mime, info)
            description = " ".join(str(info.get("description", "")).split())
            if not description:
                problems.append(f"cell {cell_number}: figure {number} has no description (give one with"
                                " nutshell.figures.show(fig, name, description=...))")
                description = f"Figure {number} of “{title}”, drawn by the code above."
            name = _file_name(info.get("figure") or f"figure-{number}", content, _IMAGE_TYPES[mime])
            files[name] = FigureFile(name, content, description, width, height)
            min_width = min(int(info.get("min_width", 0) or 0), width)
            output["data"] = {"text/html": figure_html(figures_url + name, description, width, height,
                                                       min_width),
                              "text/plain": description}
            output["metadata"] = {}
    return page, list(files.values()), problems


def figure_html(src: str, description: str, width: int, height: int, min_width: int = 0) -> str:
    """A figure on the page: the image at its size (scaled down to the column), linked to itself."""
    e = _html.escape
    style = f' style="--nutshell-figure-min-width: {min_width}px"' if min_width else ""
    return (f'<figure class="nutshell-figure"{style}>'
            f'<a href="{e(src)}" title="Open the figure on its own, full size">'
            f'<img src="{e(src)}" alt="{e(description)}" width="{width}" height="{height}"'
            ' loading="lazy" decoding="async"></a></figure>')


def _embedded_image(match: re.Match, files: dict[str, FigureFile], figures_url: str, stem: str) -> str:
    from nutshell.figures import compact_png

    kind = "svg" if match.group(2) == "svg+xml" else "png"
    content = base64.b64decode(match.group(3))
    content = compact_png(content) if kind == "png" else content
    name = _file_name(stem, content, kind)
    width, height = _size(content, f"image/{match.group(2)}", {})
    files[name] = FigureFile(name, content, "", width, height)
    size = f' width="{width}" height="{height}"' if width and height else ""  # no jump as it loads
    return f"{match.group(1)}{figures_url}{name}{match.group(4)}{size}"


def _file_name(name: str, content: bytes, kind: str) -> str:
    stem = _UNSAFE_NAME.sub("-", str(name).lower()).strip("-")[:60] or "figure"
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.{kind}"


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _size(content: bytes, mime: str, info: dict) -> tuple[int, int]:
    """CSS pixels at full size: from the figure's metadata, else from the file (96 px per inch)."""
    if info.get("width") and info.get("height"):
        return int(info["width"]), int(info["height"])
    if mime == "image/png":
        return png_size(content)
    match = re.search(rb'<svg[^>]*?\swidth="([\d.]+)(pt|px)?"[^>]*?\sheight="([\d.]+)(pt|px)?"', content)
    if match:
        scale = 96 / 72 if match.group(2) == b"pt" else 1
        return round(float(match.group(1)) * scale), round(float(match.group(3)) * scale)
    return 0, 0


def png_size(content: bytes) -> tuple[int, int]:
    """A PNG's size in CSS pixels: its pixels, scaled by the resolution it records (pHYs), if any."""
    if content[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    width, height = struct.unpack(">II", content[16:24])
    position, scale = 8, 1.0
    while position + 8 <= len(content):
        length, kind = struct.unpack(">I4s", content[position:position + 8])
        if kind == b"pHYs" and length == 9:
            per_metre_x, _, unit = struct.unpack(">IIB", content[position + 8:position + 17])
            if unit == 1 and per_metre_x:
                scale = 96 / (per_metre_x * 0.0254)
            break
        if kind == b"IDAT":
            break
        position += 12 + length
    return round(width * scale), round(height * scale)


# ── step 2: mkdocs-jupyter's page HTML, slimmed and tidied ─────────────────────────────

_NOTEBOOK_START = '<div class="jupyter-wrapper">'
_NOTEBOOK_END = "<!-- jupyter-wrapper -->"
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.DOTALL)
_SCRIPT_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script>\s*", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


def stylesheet_path(css: str) -> str:
    """Site path of the demo pages' stylesheet; the content hash makes browsers refetch it on change."""
    return f"assets/stylesheets/demo-pages-{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"


def slim_notebook_html(html: str) -> str | None:
    """mkdocs-jupyter's page HTML without its inline CSS and its CDN loaders, or None.

    mkdocs-jupyter puts the same ~600 KB of JupyterLab and Pygments CSS into every notebook page, plus
    a MathJax loader (``<script src="">`` when no URL is configured) and a mermaid loader that would
    import from cdnjs.cloudflare.com. All of it goes: the cells are styled by :data:`STYLESHEET`, the
    demos use no mermaid, formulas become MathML (:func:`tidy_notebook_html`), and the site must not
    contact other hosts. Styles inside the notebook (cell outputs) are left alone. Returns None when the
    HTML does not have the expected layout (a newer mkdocs-jupyter, say).
    """
    start, end = html.find(_NOTEBOOK_START), html.find(_NOTEBOOK_END)
    if start < 0 or end < start:
        return None
    head, body, tail = html[:start], html[start:end + len(_NOTEBOOK_END)], html[end + len(_NOTEBOOK_END):]
    head = _STYLE_BLOCK.sub("", head)

    def keep_script(match: re.Match) -> str:
        attributes, code = match.group(1), match.group(2)
        if 'src=""' in attributes or "x-mathjax-config" in attributes or "mermaid" in code:
            return ""
        return match.group(0)

    head = _SCRIPT_BLOCK.sub(keep_script, head)
    head = _HTML_COMMENT.sub("", head)  # "Load mathjax", "End of mermaid configuration", …
    # After the notebook, mkdocs-jupyter appends its Pygments CSS once more, as a Python list's repr.
    tail = _STYLE_BLOCK.sub(lambda m: "" if m.group(1).lstrip().startswith("['") else m.group(0), tail)
    return head + body + tail


# The copy button's icon (Material Design "content-copy"), drawn by the stylesheet: one copy per site.
_COPY_BUTTON = ('<clipboard-copy class="nutshell-copy" for="{id}" aria-label="Copy the code of this cell">'
                '<span class="notice" role="status" hidden>Copied</span></clipboard-copy>')


# The modules whose code decides what tidy_notebook_html returns: their bytes are part of a kept result's key.
_TIDY_CODE = ("demo_pages.py", "markdown_math.py", "math_text.py", "untrusted.py")


class TidiedPages:
    """:func:`tidy_notebook_html`, remembered in ``folder`` across builds: one file per page, named by a
    digest of the page's HTML, of the code above and of the versions of BeautifulSoup and latex2mathml.

    Tidying parses each page with BeautifulSoup, most of a warm build's time (~2 s of ~5 s); the pages come
    from notebooks that change only when a demo runs again. :meth:`forget_unused` removes what the last
    build did not ask for, so the folder holds one copy of each page.
    """

    def __init__(self, folder: Path):
        import importlib.metadata

        self.folder = folder
        self.used: set[str] = set()
        stamp = hashlib.blake2b(digest_size=16)
        for name in _TIDY_CODE:
            stamp.update(Path(__file__).with_name(name).read_bytes())
        for package in ("beautifulsoup4", "latex2mathml"):
            stamp.update(f"{package} {importlib.metadata.version(package)}".encode())
        self._stamp = stamp.digest()

    def tidy(self, html: str) -> str:
        name = hashlib.blake2b(self._stamp + html.encode("utf-8"), digest_size=20).hexdigest() + ".html"
        self.used.add(name)
        path = self.folder / name
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        tidied = tidy_notebook_html(html)
        try:
            write_atomically(path, tidied.encode("utf-8"))
        except OSError:
            pass  # not kept: the next build tidies the page again
        return tidied

    def forget_unused(self) -> None:
        try:
            kept = list(self.folder.glob("*.html"))
        except OSError:
            return
        for path in kept:
            if path.name not in self.used:
                path.unlink(missing_ok=True)


def tidy_notebook_html(html: str) -> str:
    """The notebook part of a (slimmed) page, made to read, look and search like the rest of the site.

    - code cells: Pygments' markup in the site's own code block (``div.highlight > pre > code``), the copy
      button beside it, the duplicate plain-text copy of the source dropped (the button copies the code
      element's text); prompts (``In [3]:``), collapsers and whitespace-only spans go;
    - headings: nbconvert's ``¶`` anchor becomes the site's permalink (``a.headerlink``), which search
      leaves out of section titles;
    - search: code and outputs carry ``data-search-exclude`` (on elements that do not nest in
      themselves, which Material's indexer needs), so snippets come from the prose;
    - formulas: ``$…$`` and ``$$…$$`` in Markdown cells become MathML, left out of the index, with a
      hidden plain-text twin (``θ ← θ − η g(θ)``) that the index reads instead.
    """
    start, end = html.find(_NOTEBOOK_START), html.find(_NOTEBOOK_END)
    if start < 0 or end < start:
        return html
    soup = BeautifulSoup(html[start:end], "html.parser")
    for element in soup.select("div.jp-Collapser, div.jp-InputPrompt, div.jp-OutputPrompt"):
        element.decompose()
    for wrapper in soup.select("div.jp-Cell-inputWrapper, div.jp-OutputArea-output"):
        del wrapper["tabindex"]  # javascripts/accessibility.js makes the regions that scroll focusable
    for editor in soup.select("div.jp-CodeMirrorEditor"):
        _code_block(soup, editor)
    for anchor in soup.select("a.anchor-link"):
        anchor["class"] = "headerlink"
        anchor["title"] = "Permanent link"
    for cell in soup.select("div.jp-CodeCell"):
        for area in cell.select("div.jp-InputArea, div.jp-OutputArea-output"):
            _exclude_from_search(area)
    for cell in soup.select("div.jp-MarkdownCell"):
        _formulas(soup, cell)
    return html[:start] + str(soup) + html[end:]


def _code_block(soup, editor) -> None:
    highlighted = editor.select_one("div.highlight-ipynb > pre")
    source = editor.select_one(".clipboard-copy-txt")
    if highlighted is None:
        return
    cell_id = source.get("id") if source is not None else None
    for span in highlighted.select("span"):
        classes = span.get("class") or []
        if classes in _PLAIN_TOKENS or not classes:
            span.unwrap()  # drawn in the code's own colour anyway (or empty): only bytes
    highlighted.smooth()
    _merge_neighbours(highlighted)
    code = soup.new_tag("code")
    if cell_id:
        code["id"] = cell_id
    for child in list(highlighted.contents):
        code.append(child.extract())
    highlighted.append(code)
    block = soup.new_tag("div", attrs={"class": "highlight highlight-ipynb"})
    if cell_id:
        block.append(BeautifulSoup(_COPY_BUTTON.format(id=_html.escape(cell_id)), "html.parser"))
    block.append(highlighted.extract())
    editor.replace_with(block)


# Pygments tokens that Material draws in the code's own colour (names: --md-code-hl-name-color is the code
# colour) or not at all (whitespace): a <span> around each is a fifth of a demo page's bytes for nothing.
_PLAIN_TOKENS = (["n"], ["w"])


def _merge_neighbours(pre) -> None:
    """``<span class="p">)</span><span class="p">,</span>`` → ``<span class="p">),</span>``."""
    previous = None
    for child in list(pre.children):
        if getattr(child, "name", None) != "span":
            previous = None
            continue
        if previous is not None and previous.get("class") == child.get("class"):
            previous.append(child.get_text())
            child.decompose()
            previous.smooth()
        else:
            previous = child


def _exclude_from_search(element) -> None:
    """Mark ``element`` so that Material's search skips it, or, when it holds an element of its own kind
    (which that indexer's bookkeeping cannot tell apart), each of its children."""
    if element.name is None:
        return
    if element.find(element.name) is None:
        element["data-search-exclude"] = ""
        return
    for child in element.find_all(recursive=False):
        _exclude_from_search(child)


def _formulas(soup, cell) -> None:
    from nutshell.markdown_math import searchable_mathml
    from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH

    pattern = re.compile(f"{DISPLAY_MATH}|{INLINE_MATH}", re.S)
    for text in list(cell.find_all(string=True)):
        if any(parent.name in ("code", "pre", "script", "style", "template", "math")
               for parent in text.parents):
            continue
        value = str(text)
        if "$" not in value or not pattern.search(value):
            continue
        pieces, last = [], 0
        for match in pattern.finditer(value):
            display, tex = match.group(1) is not None, match.group(1) or match.group(2)
            try:
                formula = searchable_mathml(tex, display)
            except ValueError:
                continue  # not a formula after all; leave the text as written
            pieces.append(_html.escape(value[last:match.start()], quote=False))
            pieces.append(formula)
            last = match.end()
        if not pieces:
            continue
        pieces.append(_html.escape(value[last:], quote=False))
        text.replace_with(BeautifulSoup("".join(pieces), "html.parser"))
