"""Hostile data in a real browser: nothing from tests/hostile_data.py runs, whatever the reader does.

Every payload calls ``PWNED()``. Each page gets a ``PWNED`` that counts its calls before any of the
page's own scripts run; the reader then loads the page, hovers and focuses everything, opens the table of
contents, and searches for the payload. The count must stay at zero, and no dialog may open.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_tab, squash
from tests.hostile_data import SHORT

pytestmark = pytest.mark.browser

# page → text of the attack that the page must show as text
PAGES = {
    "timeline/": "<script>PWNED()</script>",
    "glossary/": "<script>PWNED()</script>",
    "glossary/architecture/": "<script>PWNED()</script>",
    "glossary/training/": "onmouseover=PWNED()",
    "demos/toy/": "<script>PWNED()</script>",
    "disputes/": "<script>PWNED()</script>",
}
COUNT_CALLS = "window.__pwned = 0; window.PWNED = () => { window.__pwned += 1; };"


@pytest.fixture
def hostile_tab(browser, hostile_site_url):
    tab = open_tab(browser, hostile_site_url)
    tab.dialogs = []
    tab.page.context.add_init_script(COUNT_CALLS)
    tab.page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    tab.page.context.close()


def _calls(tab) -> int:
    return tab.page.evaluate("window.__pwned")


@pytest.mark.parametrize("path", PAGES)
def test_nothing_runs_when_reading_hovering_and_focusing(hostile_tab, path):
    shown = PAGES[path]
    tab = hostile_tab
    tab.goto(path)
    page = tab.page
    assert page.evaluate("typeof window.PWNED") == "function"  # the counter is in place
    # hover every heading and link (definition-card terms included) in the content, then walk the page with
    # the keyboard
    targets = page.locator("article h2, article h3, article a, .md-nav--secondary .md-nav__link")
    for index in range(min(targets.count(), 80)):
        target = targets.nth(index)
        if target.is_visible():
            target.hover(timeout=2000, force=True)
    for _ in range(60):
        page.keyboard.press("Tab")
    assert _calls(tab) == 0 and tab.dialogs == []
    # the attack text is on the page, as text
    assert shown in page.locator("article").inner_text()


def test_nothing_runs_from_search_results(hostile_tab):
    tab = hostile_tab
    tab.goto("")
    page = tab.page
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially("perceptron", delay=20)
    results = page.locator("li.md-search-result__item")
    results.first.wait_for(timeout=10_000)
    assert results.count() >= 1
    for index in range(min(results.count(), 10)):
        results.nth(index).hover()
    assert "<script>PWNED()</script>" in page.locator(".md-search-result").inner_text()
    assert _calls(tab) == 0 and tab.dialogs == []


def test_a_hostile_definition_shows_as_text_in_its_card(hostile_tab):
    tab = hostile_tab
    tab.goto("timeline/")
    term = tab.page.locator("article a.nutshell-term[aria-describedby='nutshell-card-backpropagation']")
    term.hover()
    card = tab.page.locator("#nutshell-card-backpropagation")
    card.wait_for(state="visible", timeout=3000)
    assert squash(card.inner_text()) == squash(f"Backpropagation {SHORT}")  # the attribute breaker, as text
    term.focus()
    tab.page.keyboard.press("Escape")
    assert _calls(tab) == 0 and tab.dialogs == []
