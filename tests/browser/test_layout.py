"""Phone-sized screens (390 px), and screenshots of the main pages in both palettes.

Screenshots go to the test's tmp dir; with NUTSHELL_UPDATE_SCREENSHOTS=1 small copies replace
docs/images/screenshots/*.png (the ones README.md shows).
"""

from __future__ import annotations

import io
import os
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, SCREENSHOT_DIR, record
from .test_reading import result_link_for, search_for, term_for

pytestmark = pytest.mark.browser

SCREENSHOT_MAX_BYTES = 200_000
_OVERFLOW_JS = """() => ({scroll: document.documentElement.scrollWidth, inner: innerWidth,
  widest: [...document.querySelectorAll('article *')]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent !== null)
    .filter(e => ![...e.querySelectorAll('*')].some(c => c.getBoundingClientRect().right > innerWidth + 1))
    .slice(0, 5).map(e => e.tagName.toLowerCase()
                   + (e.className ? '.' + String(e.className).split(' ')[0] : '')
                   + ' ' + (e.textContent || '').trim().slice(0, 40))})"""


def test_phone_width_drawer_search_and_no_horizontal_scrolling(browse, knowledge, demo_ids):
    tab = browse(viewport=PHONE, is_mobile=True, has_touch=True)
    overflowing = []
    for path in ("timeline/", "glossary/", f"demos/{demo_ids[0]}/"):
        tab.goto(path)
        width = tab.page.evaluate(_OVERFLOW_JS)
        if width["scroll"] > width["inner"]:
            overflowing.append(f"/{path}: {width['scroll']} px wide in a {width['inner']} px window; "
                               f"sticking out: {width['widest']}")
    assert not overflowing, "horizontal scrolling on a phone:\n" + "\n".join(overflowing)

    # The navigation drawer opens and leads to the glossary.
    tab.goto("")
    tab.page.locator("label.md-header__button[for='__drawer']").click()
    drawer_link = tab.page.locator("nav.md-nav--primary").get_by_role("link", name="Glossary", exact=True)
    expect(drawer_link).to_be_visible()
    drawer_link.click()
    expect(tab.page).to_have_url(tab.url("glossary/"))

    # Search from the header's search button.
    term = term_for(knowledge, "NAG")
    search_for(tab, "NAG")
    result_link_for(tab, term.id).click()
    expect(tab.page).to_have_url(re.compile(rf"/glossary/(\?[^#]*)?#{re.escape(term.id)}$"))
    assert not tab.problems(), "\n".join(tab.problems())


def _small_png(png: bytes) -> bytes:
    """800 px wide, 256-colour PNG: a README illustration, not a pixel-exact record."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((800, round(image.height * 800 / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True)
    return out.getvalue()


def test_screenshots_of_the_main_pages_in_light_and_dark(browse, tmp_path_factory, demo_ids):
    folder = tmp_path_factory.mktemp("screenshots")
    demo = "xor" if "xor" in demo_ids else demo_ids[0]
    pages = {"home": "", "timeline": "timeline/", "glossary": "glossary/", f"demo-{demo}": f"demos/{demo}/"}
    update = os.environ.get("NUTSHELL_UPDATE_SCREENSHOTS") == "1"
    sizes = {}
    for color_scheme in ("light", "dark"):
        tab = browse(viewport=DESKTOP, color_scheme=color_scheme)
        for name, path in pages.items():
            tab.goto(path)
            tab.page.wait_for_load_state("networkidle")
            if name.startswith("demo-"):  # show a figure, not just the introduction
                figure = tab.page.locator("article .jp-OutputArea-output img").first
                if figure.count():
                    figure.evaluate("img => img.scrollIntoView({block: 'center'})")
                    tab.page.wait_for_timeout(300)
            png = tab.page.screenshot()
            (folder / f"{name}-{color_scheme}.png").write_bytes(png)
            small = _small_png(png)
            sizes[f"{name}-{color_scheme}.png"] = len(small)
            assert len(small) < SCREENSHOT_MAX_BYTES, f"{name}-{color_scheme}: {len(small)} bytes"
            if update:
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                (SCREENSHOT_DIR / f"{name}-{color_scheme}.png").write_bytes(small)
    largest = max(sizes.values()) // 1024
    record("screenshots", f"{folder} ({len(sizes)} files; small copies {largest} KB at most)"
           + (f", copied to {SCREENSHOT_DIR}" if update else ""))


_STRIP_LABELS_JS = """() => [...document.querySelectorAll('.nutshell-strip__era')].map(band => {
  const box = band.getBoundingClientRect();
  const labels = [...band.querySelectorAll('span')].filter(s => getComputedStyle(s).display !== 'none');
  return {name: band.getAttribute('aria-label'), width: Math.round(box.width),
          shown: labels.map(s => s.textContent),
          clipped: labels.filter(s => s.getBoundingClientRect().right > box.right + 0.5
                                      || s.getBoundingClientRect().left < box.left - 0.5).map(s => s.textContent)};
})"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_timeline_strip_year_labels_are_whole_or_absent(browse, knowledge, viewport):
    """Issue #14: on a phone the strip's labels were clipped ("200("). Each band shows its first year in
    full, shortened (’06) or not at all, whichever fits; its name always carries the full years."""
    tab = browse(viewport=viewport, is_mobile=viewport is PHONE)
    tab.goto("timeline/")
    bands = tab.page.evaluate(_STRIP_LABELS_JS)
    assert [b["name"] for b in bands] == [f"{e.title} ({e.start}–{e.end})" for e in knowledge.eras]
    clipped = [f"{b['name']}: {b['clipped']} in {b['width']} px" for b in bands if b["clipped"]]
    assert not clipped, "clipped strip labels:\n" + "\n".join(clipped)
    for band, era in zip(bands, knowledge.eras):
        assert band["shown"] in ([], [str(era.start)], [f"’{era.start % 100:02d}"]), band
    labelled = sum(bool(b["shown"]) for b in bands)
    assert labelled >= min(4, len(bands)), f"only {labelled} of {len(bands)} bands are labelled: {bands}"
    record(f"timeline strip labels ({'phone' if viewport is PHONE else 'desktop'})",
           " ".join(b["shown"][0] if b["shown"] else "·" for b in bands))
