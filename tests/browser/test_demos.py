"""Demo pages: figures, printed numbers, downloads, page weight, and the dark palette."""

from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, Tab, png_has_transparent_corner, record, squash

pytestmark = pytest.mark.browser

# Demo pages inline their figures as data: URIs; the rest (text, code, markup) stays under this.
HTML_BUDGET_BYTES = 400_000
DATA_URI = re.compile(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


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


_FIGURES_JS = """() => [...document.querySelectorAll('article .jp-OutputArea-output img')].map(img => {
  let el = img, background = 'rgba(0, 0, 0, 0)';
  while (el) {  // the colour the transparent figure is seen against
    const c = getComputedStyle(el).backgroundColor;
    if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { background = c; break; }
    el = el.parentElement;
  }
  return {complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
          own_background: getComputedStyle(img).backgroundColor, seen_on: background,
          src: img.src.startsWith('data:') ? img.src : null, url: img.src};
})"""


def test_every_demo_page_shows_its_figures_and_printed_numbers(tab, built_site, demo_ids):
    problems = []
    for demo_id in demo_ids:
        notebook = executed_notebook(built_site, demo_id)
        tab.goto(f"demos/{demo_id}/")
        article = tab.page.locator("article")
        expect(article.locator("h1")).to_be_visible()
        figures = tab.page.evaluate(_FIGURES_JS)
        if len(figures) != image_count(notebook):
            problems.append(f"{demo_id}: {len(figures)} figures on the page, "
                            f"{image_count(notebook)} in the notebook")
        for index, figure in enumerate(figures):
            if not (figure["complete"] and figure["width"] > 0 and figure["height"] > 0):
                problems.append(f"{demo_id}: figure {index + 1} did not render ({figure['url'][:80]})")
        text = squash(article.inner_text())
        lines = printed_lines(notebook)
        problems += [f"{demo_id}: printed line not on the page: {line!r}"
                     for line in lines if line not in text]
        if not lines:
            problems.append(f"{demo_id}: the demo printed no numbers")
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


def test_demo_page_weight_without_images(built_site, demo_ids):
    weights = {}
    for demo_id in demo_ids:
        page = (built_site / "demos" / demo_id / "index.html").read_bytes()
        images = sum(len(m) for m in DATA_URI.findall(page))
        weights[demo_id] = {"html_kb": round(len(page) / 1024, 1),
                            "without_images_kb": round((len(page) - images) / 1024, 1)}
    record("demo page weight (KB)", weights)
    heavy = {d: w for d, w in weights.items() if w["without_images_kb"] * 1024 > HTML_BUDGET_BYTES}
    assert not heavy, f"demo pages over {HTML_BUDGET_BYTES // 1000} KB without their images: {heavy}"


# ── 10. Dark mode ─────────────────────────────────────────────────────────────────


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


def figure_problems(tab: Tab, demo_id: str) -> list[str]:
    """Figures are transparent PNGs with nothing painted behind them, and their ink reads on the page."""
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
        if figure["src"]:
            data = base64.b64decode(figure["src"].split(",", 1)[1])
            if not png_has_transparent_corner(data):
                problems.append(f"{where}: not a transparent PNG")
    return problems


def test_dark_mode_persists_across_pages_and_figures_stay_readable(tab, demo_ids):
    tab.goto("")
    assert scheme(tab) == "default"
    problems = []
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")
        problems += figure_problems(tab, demo_id)

    tab.goto("")
    tab.page.locator("form[data-md-component='palette'] label:visible").click()
    expect(tab.page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    tab.page.locator("nav.md-tabs a.md-tabs__link", has_text="Timeline").click()  # instant navigation
    expect(tab.page).to_have_url(tab.url("timeline/"))
    assert scheme(tab) == "slate"
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")  # full page load: the choice comes back from storage
        assert scheme(tab) == "slate", f"demos/{demo_id}/ forgot the dark palette"
        problems += figure_problems(tab, demo_id)
    assert not problems, "\n".join(problems)
    assert not tab.problems(), "\n".join(tab.problems())
