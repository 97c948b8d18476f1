"""Demo pages: figures (files, descriptions, legible at desktop and phone widths, click to enlarge), printed
numbers, downloads, copy buttons, search snippets, nothing of the build machine on the page, page weight,
and the dark palette."""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, ROOT, Tab, png_has_transparent_corner, record, squash

pytestmark = pytest.mark.browser

# What a demo page may weigh before its figures: the HTML and every stylesheet and script it loads when
# opened (the explorables' Vega, loaded only where a page has one, has its own budget in test_explorables).
PAGE_BUDGET_BYTES = 400 * 1024
FIGURE_IMAGES = "article .nutshell-figure img"
ALL_IMAGES = "article .jp-OutputArea-output img"


def executed_notebook(built_site, demo_id: str) -> dict:
    return json.loads((built_site / "downloads" / f"{demo_id}.ipynb").read_text(encoding="utf-8"))


def printed_lines(notebook: dict) -> list[str]:
    """Lines the demo printed (stdout and plain-text results) that hold a number."""
    lines = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = "".join(output["text"])
            elif output.get("output_type") == "execute_result" and "text/html" not in output.get("data", {}):
                text = "".join(output["data"].get("text/plain", ""))
            else:
                continue
            lines += [squash(line) for line in text.splitlines() if re.search(r"\d", line) and squash(line)]
    return lines


def image_count(notebook: dict) -> int:
    return sum("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
               for cell in notebook["cells"] for output in cell.get("outputs", []))


def show_every_figure(tab: Tab) -> None:
    """Scroll each figure into view (they load lazily) and wait until all have loaded."""
    for img in tab.page.locator(FIGURE_IMAGES).all():
        img.scroll_into_view_if_needed()
    tab.page.wait_for_function(
        f"[...document.querySelectorAll('{FIGURE_IMAGES}')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000)


_FIGURES_JS = """() => [...document.querySelectorAll('article .jp-OutputArea-output img')].map(img => {
  let el = img, background = 'rgba(0, 0, 0, 0)';
  while (el) {  // the colour the transparent figure is seen against
    const c = getComputedStyle(el).backgroundColor;
    if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { background = c; break; }
    el = el.parentElement;
  }
  const link = img.closest('a');
  const box = img.getBoundingClientRect();
  const minWidth = parseFloat(getComputedStyle(img).getPropertyValue('--nutshell-figure-min-width')) || 0;
  return {complete: img.complete, width: img.naturalWidth, height: img.naturalHeight, alt: img.alt,
          explorable: !!img.closest('.nutshell-explorer'), shown_width: box.width, min_width: minWidth,
          attribute_width: +img.getAttribute('width'), attribute_height: +img.getAttribute('height'),
          link: link ? link.href : null, own_background: getComputedStyle(img).backgroundColor,
          seen_on: background, url: img.src};
})"""


def test_every_demo_page_shows_its_figures_and_printed_numbers(tab, built_site, demo_ids):
    problems = []
    for demo_id in demo_ids:
        notebook = executed_notebook(built_site, demo_id)
        tab.goto(f"demos/{demo_id}/")
        article = tab.page.locator("article")
        expect(article.locator("h1")).to_be_visible()
        show_every_figure(tab)
        figures = tab.page.evaluate(_FIGURES_JS)
        if len(figures) != image_count(notebook):
            problems.append(f"{demo_id}: {len(figures)} figures on the page, "
                            f"{image_count(notebook)} in the notebook")
        for index, figure in enumerate(figures):
            if not figure["explorable"] and not (figure["complete"] and figure["width"] > 0):
                problems.append(f"{demo_id}: figure {index + 1} did not render ({figure['url'][:80]})")
            if figure["url"].startswith("data:"):
                problems.append(f"{demo_id}: figure {index + 1} is inlined in the page as a data: URI")
        text = squash(article.inner_text())
        lines = printed_lines(notebook)
        problems += [f"{demo_id}: printed line not on the page: {line!r}"
                     for line in lines if line not in text]
        if not lines:
            problems.append(f"{demo_id}: the demo printed no numbers")
    assert not problems, "\n".join(problems)
    assert not tab.problems(), "\n".join(tab.problems())


def test_figures_are_described_sized_and_open_full_size(tab, built_site, demo_ids):
    from nutshell.demo_pages import PLACEHOLDER_ALT

    problems, sizes = [], {}
    for demo_id in demo_ids:
        html = (built_site / "demos" / demo_id / "index.html").read_text(encoding="utf-8")
        if PLACEHOLDER_ALT in html:
            problems.append(f"{demo_id}: a figure has nbconvert's placeholder alt text")
        tab.goto(f"demos/{demo_id}/")
        figures = [f for f in tab.page.evaluate(_FIGURES_JS) if not f["explorable"]]
        for index, figure in enumerate(figures, start=1):
            where = f"{demo_id} figure {index}"
            if len(figure["alt"].split()) < 8:
                problems.append(f"{where}: alt text too thin to describe a figure: {figure['alt']!r}")
            if not (figure["attribute_width"] and figure["attribute_height"]):
                problems.append(f"{where}: no width and height attributes (the page jumps as it loads)")
            if figure["link"] != figure["url"]:
                problems.append(f"{where}: not a link to itself ({figure['link']})")
            if not re.search(r"/figures/[a-z0-9-]+\.[0-9a-f]{10}\.(svg|png)$", figure["url"]):
                problems.append(f"{where}: not a content-named figure file: {figure['url']}")
            response = tab.page.request.get(figure["url"])
            kind = response.headers.get("content-type", "")
            if response.status != 200 or not kind.startswith(("image/svg+xml", "image/png")):
                problems.append(f"{where}: {figure['url']} → HTTP {response.status} {kind}")
            sizes[f"{demo_id}/{figure['url'].rsplit('/', 1)[1]}"] = len(response.body())
    # click to enlarge: the figure opens on its own
    demo = demo_ids[0]
    tab.goto(f"demos/{demo}/")
    first = tab.page.locator(FIGURE_IMAGES).first
    first.scroll_into_view_if_needed()
    source = first.get_attribute("src")
    first.click()
    expect(tab.page).to_have_url(re.compile(re.escape(source) + "$"))
    record("figure files", {"count": len(sizes), "total_kb": round(sum(sizes.values()) / 1024),
                            "largest_kb": round(max(sizes.values(), default=0) / 1024)})
    assert not problems, "\n".join(problems)


def test_figure_text_is_legible_on_desktop_and_phone(browse, demo_ids):
    """Axis numbers >= 10 px at the desktop column width; on a phone >= 8 px, the figure scrolling sideways
    instead of shrinking (its --nutshell-figure-min-width is where its smallest text is 8 px), and the page
    itself never scrolls sideways."""
    problems = []
    for viewport, smallest_px in ((None, 10), (PHONE, 8)):
        tab = browse(viewport=viewport) if viewport else browse()
        for demo_id in demo_ids:
            tab.goto(f"demos/{demo_id}/")
            show_every_figure(tab)
            for index, figure in enumerate(tab.page.evaluate(_FIGURES_JS), start=1):
                if figure["explorable"] or not figure["min_width"]:
                    continue
                text_px = 8 * figure["shown_width"] / figure["min_width"]  # see nutshell.figures.page_output
                if text_px < smallest_px - 0.2:
                    problems.append(f"{demo_id} figure {index} at {tab.page.viewport_size['width']} px: "
                                    f"smallest text {text_px:.1f} px")
            overflow = tab.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{demo_id} at {tab.page.viewport_size['width']} px: the page scrolls "
                                f"sideways by {overflow} px")
    assert not problems, "\n".join(problems)


def test_copy_buttons_sit_beside_the_code_and_output_lines_stay_whole(browse, demo_ids):
    problems = []
    for viewport in (None, PHONE):
        tab = browse(viewport=viewport) if viewport else browse()
        for demo_id in demo_ids:
            tab.goto(f"demos/{demo_id}/")
            found = tab.page.evaluate("""() => {
              const blocks = [...document.querySelectorAll('article .highlight-ipynb')].map(block => {
                const button = block.querySelector('.nutshell-copy').getBoundingClientRect();
                const code = block.querySelector('pre > code').getBoundingClientRect();
                return {overlap: Math.max(0, code.right - button.left) * (button.width > 0),
                        size: Math.min(button.width, button.height)};
              });
              const outputs = [...document.querySelectorAll('article .jp-RenderedText > pre')].map(pre => {
                const style = getComputedStyle(pre);
                return style.whiteSpace + ' ' + style.wordBreak;
              });
              return {blocks, outputs};
            }""")
            width = tab.page.viewport_size["width"]
            for index, block in enumerate(found["blocks"], start=1):
                if block["overlap"] > 0.5:
                    problems.append(f"{demo_id} at {width} px: copy button {index} covers the code by "
                                    f"{block['overlap']:.0f} px")
                if block["size"] < 20:
                    problems.append(f"{demo_id}: copy button {index} is {block['size']:.0f} px, too small to tap")
            problems += [f"{demo_id}: output {i} wraps ({style})"
                         for i, style in enumerate(found["outputs"], start=1) if style != "pre normal"]
    # the button copies the cell's code, and says so
    tab = browse(permissions=["clipboard-read", "clipboard-write"])
    tab.goto(f"demos/{demo_ids[0]}/")
    button = tab.page.locator("article .nutshell-copy").first
    expected = tab.page.locator("article .highlight-ipynb pre > code").first.inner_text()
    button.focus()
    tab.page.keyboard.press("Enter")
    expect(button.locator(".notice")).to_be_visible()
    assert tab.page.evaluate("navigator.clipboard.readText()").strip() == expected.strip()
    assert not problems, "\n".join(problems)


def test_search_snippets_come_from_the_prose(tab, built_site, demo_ids):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    problems = []
    for entry in index["docs"]:
        if not entry["location"].startswith("demos/") or entry["location"].startswith("demos/#"):
            continue
        if "¶" in entry["title"]:
            problems.append(f"{entry['location']}: title {entry['title']!r}")
        for code in ("figures.show(", "import numpy", "plt.subplots", "print(f"):
            if code in entry["text"]:
                problems.append(f"{entry['location']}: code in the searchable text ({code!r})")
        if "$" in re.sub(r"<code>.*?</code>", "", entry["text"]) and "\\" in entry["text"]:
            problems.append(f"{entry['location']}: a TeX formula in the searchable text")
    assert not problems, "\n".join(problems[:20])
    # what a reader sees: typed into the search box, a demo's prose comes back, formulas as text
    tab.goto("demos/descending-the-landscape/")
    tab.page.locator("label.md-search__icon, .md-search__input").first.click()
    tab.page.locator("input.md-search__input").press_sequentially("heavy ball zig-zag", delay=40)
    results = tab.page.locator("li.md-search-result__item")
    expect(results.first).to_be_visible(timeout=15_000)
    demo_results = results.filter(has=tab.page.locator("a[href*='/demos/']"))
    assert demo_results.count() >= 1, "the prose of the demo page did not come up"
    for text in demo_results.all_inner_texts():
        assert "¶" not in text and "figures.show" not in text and "\\mu" not in text, text


def test_no_page_shows_stderr_or_paths_of_the_build_machine(built_site):
    home = str(Path.home())
    leaks = [str(ROOT), sys.prefix, "site-packages", "application/vnd.jupyter.stderr", "jp-OutputArea-error",
             *([home] if len(Path(home).parts) > 1 else [])]
    problems = []
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.relative_to(built_site)}: contains {leak!r}" for leak in leaks if leak in text]
    assert not problems, "\n".join(problems)


def test_demo_page_weight_before_figures(browse, built_site, demo_ids):
    """Bytes of each demo page before its figures. Its own: the HTML and the demo stylesheet (what the
    notebook CSS and inlined figures used to make 1.4 MB). A first visit: that plus every stylesheet and
    script the page loads (Material's included), uncompressed and as a server that compresses text sends
    them. Figures are counted apart; the explorables' Vega has its own budget (test_explorables)."""
    weights = {}
    for demo_id in demo_ids:
        tab = browse()
        responses = []
        tab.page.on("response", lambda response: responses.append(response))
        tab.goto(f"demos/{demo_id}/")
        tab.page.wait_for_load_state("networkidle")
        own = first_visit = first_visit_gzip = figure_bytes = 0
        for response in responses:
            url = response.url
            if response.status != 200 or "/assets/vendor/vega/" in url or "search_index.json" in url:
                continue
            try:
                body = response.body()
            except Exception:  # noqa: BLE001 - a worker's response, say: not part of the page
                continue
            if "/figures/" in url and re.search(r"\.(svg|png)$", url):
                figure_bytes += len(body)
            elif response.request.resource_type in ("document", "stylesheet", "script"):
                first_visit += len(body)
                first_visit_gzip += len(gzip.compress(body, 6))
                if response.request.resource_type == "document" or "/demo-pages-" in url:
                    own += len(body)
        figures = list((built_site / "demos" / demo_id / "figures").glob("*"))
        weights[demo_id] = {
            "own_kb": round(own / 1024), "first_visit_kb": round(first_visit / 1024),
            "first_visit_gzip_kb": round(first_visit_gzip / 1024),
            "figures_kb": round(sum(f.stat().st_size for f in figures) / 1024),
            "figures_gzip_kb": round(sum(len(gzip.compress(f.read_bytes(), 6)) if f.suffix == ".svg"
                                         else f.stat().st_size for f in figures) / 1024),
            "figures_loaded_on_opening_kb": round(figure_bytes / 1024),
        }
        tab.page.context.close()
    record("demo page weight (KB)", weights)
    heavy = {d: w for d, w in weights.items()
             if w["own_kb"] * 1024 > PAGE_BUDGET_BYTES or w["first_visit_gzip_kb"] * 1024 > PAGE_BUDGET_BYTES}
    assert not heavy, f"demo pages over {PAGE_BUDGET_BYTES // 1024} KB before their figures: {heavy}"


# ── Dark mode ──────────────────────────────────────────────────────────────────────


def scheme(tab: Tab) -> str:
    return tab.page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def contrast(rgb_a: tuple[float, ...], rgb_b: tuple[float, ...]) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb[:3]]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def css_rgb(color: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", color)[:3])


def transparent(body: bytes) -> bool:
    """A figure file with nothing painted behind it: a PNG with a see-through corner, or an SVG whose
    figure background is left unfilled."""
    if body.startswith(b"\x89PNG"):
        return png_has_transparent_corner(body)
    patch = re.search(rb'<g id="patch_1">\s*<path d="[^"]*"\s*style="([^"]*)"', body)
    return patch is not None and b"fill: none" in patch.group(1)


def figure_problems(tab: Tab, demo_id: str, checked: dict[str, bool]) -> list[str]:
    """Figures are transparent with nothing painted behind them, and their ink reads on the page."""
    from nutshell.figures import INK

    ink = tuple(int(INK[i:i + 2], 16) for i in (1, 3, 5))
    problems = []
    for index, figure in enumerate(tab.page.evaluate(_FIGURES_JS)):
        where = f"{demo_id} figure {index + 1} ({scheme(tab)})"
        if figure["own_background"] not in ("rgba(0, 0, 0, 0)", "transparent"):
            problems.append(f"{where}: the page paints {figure['own_background']} behind the figure")
        ratio = contrast(ink, css_rgb(figure["seen_on"]))
        if ratio < 3:
            problems.append(f"{where}: figure ink {INK} on {figure['seen_on']} has contrast {ratio:.2f} < 3")
        if figure["url"] not in checked:
            checked[figure["url"]] = transparent(tab.page.request.get(figure["url"]).body())
        if not checked[figure["url"]]:
            problems.append(f"{where}: not a transparent figure")
    return problems


def test_dark_mode_persists_across_pages_and_figures_stay_readable(tab, demo_ids):
    tab.goto("")
    assert scheme(tab) == "default"
    problems, checked = [], {}
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")
        problems += figure_problems(tab, demo_id, checked)

    tab.goto("")
    tab.page.locator("form[data-md-component='palette'] label:visible").click()
    expect(tab.page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    tab.page.locator("nav.md-tabs a.md-tabs__link", has_text="Timeline").click()  # instant navigation
    expect(tab.page).to_have_url(tab.url("timeline/"))
    assert scheme(tab) == "slate"
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")  # full page load: the choice comes back from storage
        assert scheme(tab) == "slate", f"demos/{demo_id}/ forgot the dark palette"
        problems += figure_problems(tab, demo_id, checked)
    assert not problems, "\n".join(problems)
    assert not tab.problems(), "\n".join(tab.problems())


def test_demo_downloads_return_the_script_and_the_executed_notebook(tab, demo_ids):
    problems = []
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")
        hrefs = tab.page.evaluate("""() => [...document.querySelectorAll('article a[href]')].map(a => a.href)
            .filter(h => /\\.(py|ipynb)$/.test(h))""")
        for suffix in (".py", ".ipynb"):
            if not any(h.endswith(f"/downloads/{demo_id}{suffix}") for h in hrefs):
                problems.append(f"{demo_id}: no link to downloads/{demo_id}{suffix} (links: {hrefs})")
        for href in sorted(set(hrefs)):
            if not href.startswith(tab.base):
                continue
            response = tab.page.request.get(href)
            body = response.body()
            if response.status != 200 or not body:
                problems.append(f"{demo_id}: {href} → HTTP {response.status}, {len(body)} bytes")
                continue
            if href.endswith(".ipynb"):
                try:
                    assert json.loads(body)["cells"]
                except (ValueError, KeyError, AssertionError):
                    problems.append(f"{demo_id}: {href} is not a notebook with cells")
            elif (href.endswith(f"/downloads/{demo_id}.py")
                  and body != (ROOT / "demos" / f"{demo_id}.py").read_bytes()):
                problems.append(f"{demo_id}: {href} differs from demos/{demo_id}.py")
    assert not problems, "\n".join(problems)
