"""Definition cards (nutshell/definition_cards.py, docs/javascripts/cards.js) as readers use them: by mouse,
keyboard alone, touch, screen reader, at phone width and in the dark palette (WCAG 2.1 SC 1.4.13: a card
opened by hover or focus can be hovered, stays until the pointer or focus leaves, and Escape dismisses it).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from nutshell.definition_cards import CARD_ID_PREFIX

from .conftest import PHONE, REPORT, Tab, squash
from .test_accessibility import BLOCKING, describe
from .test_reading import heading_is_in_view

pytestmark = pytest.mark.browser

# (in the prose shown without opening "Why it mattered, source and terms")
IN_MILESTONES = "article .nutshell-milestone p a.nutshell-term >> visible=true"


def card_parts(tab: Tab, term):
    """(the role="tooltip" text the term's aria-describedby names, the whole card around it)."""
    text = tab.page.locator(f"#{term.get_attribute('aria-describedby')}")
    return text, text.locator("xpath=ancestor::div[contains(@class, 'nutshell-card')][1]")


def expected_text(knowledge, term) -> str:
    """What the term's card must say: the name and the short definition from data/, nothing else."""
    term_id = term.get_attribute("aria-describedby").removeprefix(CARD_ID_PREFIX)
    data = knowledge.term_by_id[term_id]
    return squash(f"{data.term} {data.short}")


def tab_to_first_term(tab: Tab, limit: int = 120):
    """Press Tab until focus is on a term link; returns that link."""
    for _ in range(limit):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("document.activeElement.classList.contains('nutshell-term')"):
            return tab.page.locator("a.nutshell-term:focus")
    pytest.fail(f"{limit} presses of Tab never reached a term")


def inside_viewport(box: dict, viewport: dict) -> bool:
    return (box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5
            and box["y"] + box["height"] <= viewport["height"] + 0.5)


# ── Mouse ──────────────────────────────────────────────────────────────────────────


def test_hover_opens_the_card_which_stays_open_under_the_pointer_and_escape_closes(tab, knowledge):
    tab.goto("timeline/")
    page = tab.page
    term = page.locator(IN_MILESTONES).first
    term.scroll_into_view_if_needed()
    text, card = card_parts(tab, term)
    expect(card).to_be_hidden()

    term.hover()
    expect(card).to_be_visible(timeout=2000)
    assert squash(text.inner_text()) == expected_text(knowledge, term)
    expect(card.get_by_role("link", name="Read the entry")).to_have_attribute(
        "href", term.get_attribute("href"))

    # across the gap onto the card, and past the close delay: still open (SC 1.4.13 "hoverable")
    box = card.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.wait_for_timeout(800)
    expect(card).to_be_visible()
    # Escape dismisses it without moving the pointer (SC 1.4.13 "dismissible")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    page.wait_for_timeout(500)
    expect(card).to_be_hidden()

    # back on the term it opens again; the pointer leaving both closes it
    term.hover()
    expect(card).to_be_visible(timeout=2000)
    page.mouse.move(2, box["y"] + 300)
    expect(card).to_be_hidden(timeout=2000)
    assert not tab.problems(), "\n".join(tab.problems())


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] < b["x"] or b["x"] + b["width"] < a["x"]
                or a["y"] + a["height"] < b["y"] or b["y"] + b["height"] < a["y"])


def test_one_card_at_a_time(tab):
    tab.goto("timeline/")
    terms = tab.page.locator(IN_MILESTONES)
    first = terms.nth(0)
    first.hover()
    expect(card_parts(tab, first)[1]).to_be_visible(timeout=2000)
    open_card = card_parts(tab, first)[1].bounding_box()
    second = next(t for t in terms.all()[1:] if not _overlap(t.bounding_box(), open_card))
    second.hover()
    expect(card_parts(tab, second)[1]).to_be_visible(timeout=2000)
    expect(card_parts(tab, first)[1]).to_be_hidden()
    assert tab.page.locator(".nutshell-card:not([hidden])").count() == 1


# ── Keyboard alone ─────────────────────────────────────────────────────────────────


def test_keyboard_alone_tab_shows_escape_hides_focus_stays_enter_follows(tab, knowledge):
    tab.goto("")
    page = tab.page
    term = tab_to_first_term(tab)
    described_by = term.get_attribute("aria-describedby")
    text, card = card_parts(tab, term)
    expect(card).to_be_visible(timeout=1000)
    assert squash(text.inner_text()) == expected_text(knowledge, term)
    assert inside_viewport(card.bounding_box(), page.viewport_size)

    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    page.wait_for_timeout(500)  # longer than any delay in cards.js: it stays closed
    expect(card).to_be_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-describedby')") == described_by

    # focus leaves and comes back: the card opens again
    page.keyboard.press("Shift+Tab")
    expect(card).to_be_hidden()
    page.keyboard.press("Tab")
    expect(card).to_be_visible(timeout=1000)

    # Enter follows the link to the entry (no second press needed from a keyboard)
    href = term.get_attribute("href")
    page.keyboard.press("Enter")
    term_id = href.split("#", 1)[1]
    expect(page).to_have_url(re.compile(rf"/glossary/#{re.escape(term_id)}$"))
    heading_is_in_view(tab, term_id)
    assert not tab.problems(), "\n".join(tab.problems())


# ── Touch ──────────────────────────────────────────────────────────────────────────


def test_touch_first_tap_shows_the_card_the_link_in_it_navigates(browse, knowledge):
    tab = browse(viewport=PHONE, has_touch=True, is_mobile=True)
    tab.goto("timeline/")
    page = tab.page
    term = page.locator(IN_MILESTONES).nth(2)
    text, card = card_parts(tab, term)
    term.tap()
    expect(card).to_be_visible(timeout=1000)
    page.wait_for_timeout(300)
    assert page.url == tab.url("timeline/"), "the first tap must show the card, not follow the link"
    assert squash(text.inner_text()) == expected_text(knowledge, term)
    assert inside_viewport(card.bounding_box(), PHONE), card.bounding_box()

    # a tap elsewhere closes it; tapping the term again opens it; the card's link follows
    page.locator("article h1").tap()
    expect(card).to_be_hidden(timeout=1000)
    term.tap()
    expect(card).to_be_visible(timeout=1000)
    href = term.get_attribute("href")
    card.get_by_role("link", name="Read the entry").tap()
    term_id = href.split("#", 1)[1]
    expect(page).to_have_url(tab.url(f"glossary/#{term_id}"))
    assert not tab.problems(), "\n".join(tab.problems())


def test_touch_second_tap_on_an_open_term_follows_it(browse):
    tab = browse(viewport=PHONE, has_touch=True, is_mobile=True)
    tab.goto("timeline/")
    term = tab.page.locator(IN_MILESTONES).nth(3)
    term.tap()
    expect(card_parts(tab, term)[1]).to_be_visible(timeout=1000)
    href = term.get_attribute("href")
    term.tap()
    expect(tab.page).to_have_url(tab.url(f"glossary/#{href.split('#', 1)[1]}"))


# ── Screen reader ──────────────────────────────────────────────────────────────────

_TERMS_JS = """() => [...document.querySelectorAll('article a.nutshell-term')].map(a => {
  const card = document.getElementById(a.getAttribute('aria-describedby'));
  return {word: a.textContent, href: a.getAttribute('href'), id: a.getAttribute('aria-describedby'),
          role: card && card.getAttribute('role'), text: card && card.textContent};
})"""


def test_every_term_is_described_by_a_tooltip_with_its_name_and_definition(tab, knowledge):
    tab.goto("timeline/")
    terms = tab.page.evaluate(_TERMS_JS)
    assert len(terms) >= 20
    problems = []
    for term in terms:
        data = knowledge.term_by_id.get(term["id"].removeprefix(CARD_ID_PREFIX))
        if data is None or term["role"] != "tooltip":
            problems.append(f"{term['word']!r}: aria-describedby={term['id']!r} names no role=tooltip card")
            continue
        if squash(term["text"]) != squash(f"{data.term} {data.short}"):
            problems.append(f"{term['word']!r}: card says {term['text']!r}")
        if not term["href"].endswith(f"glossary/#{data.id}"):
            problems.append(f"{term['word']!r}: links to {term['href']}")
    assert not problems, "\n".join(problems)
    assert len({t["id"] for t in terms}) == len(terms), "a term is linked twice on one page"

    # What the accessibility tree gives a screen reader: the description, even while the card is hidden.
    first = tab.page.locator(IN_MILESTONES).first
    expect(first).to_have_accessible_description(expected_text(knowledge, first))
    REPORT["definition cards on the timeline page"] = len(terms)


# ── Phone width, dark palette ──────────────────────────────────────────────────────


def test_cards_fit_a_phone_screen(browse):
    tab = browse(viewport=PHONE)
    tab.goto("timeline/")
    terms = tab.page.locator(IN_MILESTONES)
    outside = []
    for index in range(min(terms.count(), 12)):
        term = terms.nth(index)
        term.scroll_into_view_if_needed()
        term.focus()
        card = card_parts(tab, term)[1]
        expect(card).to_be_visible(timeout=1000)
        box = card.bounding_box()
        if not inside_viewport(box, PHONE):
            outside.append(f"{term.inner_text()!r}: {box}")
    assert not outside, "cards outside a 390×844 screen:\n" + "\n".join(outside)


_AXE_ON = """async (selectors) => {
  const nodes = selectors.map(s => document.querySelector(s)).filter(Boolean);
  const result = await axe.run({include: nodes}, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 120),
                              summary: (n.failureSummary || '').slice(0, 200)}))}));
}"""


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_open_card_passes_axe_in_both_palettes(browse, axe_source, color_scheme):
    tab = browse(color_scheme=color_scheme)
    tab.goto("timeline/")
    term = tab.page.locator(IN_MILESTONES).first
    term.scroll_into_view_if_needed()
    term.focus()
    card = card_parts(tab, term)[1]
    expect(card).to_be_visible(timeout=1000)
    tab.page.add_script_tag(content=axe_source)
    described_by = term.get_attribute("aria-describedby")
    violations = tab.page.evaluate(_AXE_ON, [".nutshell-card:not([hidden])", f"[aria-describedby='{described_by}']"])
    blocking = [describe("timeline/", v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)


# ── Notebook pages ─────────────────────────────────────────────────────────────────


def test_demo_pages_get_cards_whose_link_leads_to_the_entry(tab, knowledge, demo_ids):
    with_cards = []
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")
        if tab.page.locator("article .jp-MarkdownCell a.nutshell-term").count():
            with_cards.append(demo_id)
    assert len(with_cards) >= 2, f"demo pages with definition cards in their prose: {with_cards}"

    tab.goto(f"demos/{with_cards[0]}/")
    term = tab.page.locator("article .jp-MarkdownCell a.nutshell-term").first
    term.scroll_into_view_if_needed()
    text, card = card_parts(tab, term)
    term.hover()
    expect(card).to_be_visible(timeout=2000)
    assert squash(text.inner_text()) == expected_text(knowledge, term)
    term_id = term.get_attribute("href").split("#", 1)[1]
    link = card.get_by_role("link", name="Read the entry")
    box = link.bounding_box()
    tab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    link.click()
    expect(tab.page).to_have_url(tab.url(f"glossary/#{term_id}"))
    heading_is_in_view(tab, term_id)
    assert not tab.problems(), "\n".join(tab.problems())


def test_without_script_a_term_is_a_plain_link_and_still_described(browse, knowledge):
    tab = browse(java_script_enabled=False)
    response = tab.page.goto(tab.url("timeline/"))
    assert response.ok
    term = tab.page.locator(IN_MILESTONES).first
    expect(term).to_have_attribute("href", re.compile(r"glossary/#[a-z0-9-]+$"))
    assert tab.page.locator(".nutshell-card:not([hidden])").count() == 0
    card = card_parts(tab, term)[1]
    assert card.count() == 1
    expect(card).to_be_hidden()
    expect(term).to_have_accessible_description(expected_text(knowledge, term))
