"""What a reader sees on the home page, in search, in definition cards, on the timeline and in the glossary."""

from __future__ import annotations

import re
from urllib.parse import urldefrag

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from .conftest import Tab, squash

pytestmark = pytest.mark.browser

# Aliases named in issue #6; each must find the term whose aliases list it (looked up in the data).
SEARCHED_ALIASES = ("NAG", "weight decay", "back-propagation")


def term_for(knowledge, text: str):
    """The glossary term a piece of prose names (name or alias, any case, hyphen or plural)."""
    from nutshell.lookup import TermIndex

    match = TermIndex.from_knowledge(knowledge).find(text)
    assert match.term_id, f"{text!r} names no glossary term"
    return next(t for t in knowledge.terms if t.id == match.term_id)


_IN_VIEW_JS = """(id) => {
  const el = document.getElementById(id);
  if (!el) return 'no element';
  const box = el.getBoundingClientRect();
  if (box.bottom <= 0 || box.top >= innerHeight) return `outside the window (top ${Math.round(box.top)} px)`;
  const hit = document.elementFromPoint(box.left + Math.min(20, box.width / 2), box.top + box.height / 2);
  if (hit !== null && (el === hit || el.contains(hit))) return '';
  return `covered by ${hit ? hit.outerHTML.slice(0, 80) : 'nothing'} (top ${Math.round(box.top)} px)`;
}"""


def heading_is_in_view(tab: Tab, element_id: str) -> None:
    """The element scrolled into the viewport and not hidden under the sticky header or A–Z bar."""
    try:
        tab.page.wait_for_function(f"(id) => ({_IN_VIEW_JS})(id) === ''", arg=element_id, timeout=5000)
    except PlaywrightTimeoutError:
        pytest.fail(f"#{element_id} is not in view: {tab.page.evaluate(_IN_VIEW_JS, element_id)}")


def click_like_a_reader(tab: Tab, link) -> None:
    """Scroll to the link, let the page settle, then click.

    Clicking an anchor link in the same instant the page scrolls makes Material's instant navigation
    change the URL without jumping (a race no reader triggers: people scroll, look, then click).
    """
    link.scroll_into_view_if_needed()
    tab.page.wait_for_timeout(300)
    link.click()


# ── 1. Home page and navigation ─────────────────────────────────────────────────────


def test_home_page_loads_cleanly_and_its_nav_leads_to_timeline_glossary_and_demos(tab):
    tab.goto("")
    tab.page.wait_for_load_state("networkidle")
    expect(tab.page.locator("article h1")).to_be_visible()
    assert not tab.problems(), "\n".join(tab.problems())
    for label, path in (("Timeline", "timeline/"), ("Glossary", "glossary/"), ("Demos", "demos/")):
        tab.page.locator("nav.md-tabs a.md-tabs__link", has_text=label).click()
        expect(tab.page).to_have_url(tab.url(path))
        expect(tab.page.locator("article h1")).to_contain_text(label)
    tab.page.wait_for_load_state("networkidle")
    assert not tab.problems(), "\n".join(tab.problems())


# ── 2. Search ─────────────────────────────────────────────────────────────────────


def search_for(tab: Tab, text: str) -> None:
    box = tab.page.locator("input.md-search__input")
    if not tab.page.evaluate("document.getElementById('__search').checked"):
        opener = tab.page.locator("label.md-header__button[for='__search']")
        (opener if opener.is_visible() else box).click()  # phones: the header's search button
    expect(box).to_be_focused()
    box.press("Control+a")
    box.press("Backspace")
    box.press_sequentially(text, delay=15)  # Material's search ignores fill()


def result_link_for(tab: Tab, term_id: str):
    """The visible search result that links to the term's glossary anchor."""
    selector = f"li.md-search-result__item a.md-search-result__link[href*='glossary/'][href$='#{term_id}']"
    visible = tab.page.locator(f"{selector} >> visible=true").first
    try:
        expect(visible).to_be_visible(timeout=5000)
    except AssertionError:
        hidden = tab.page.locator(selector).count()
        collapsed = " (listed only under 'more on this page', collapsed)" if hidden else ""
        raise AssertionError(f"no visible search result for #{term_id}{collapsed}") from None
    return visible


def test_search_finds_terms_by_name_and_by_alias_and_lands_on_the_anchor(tab, knowledge):
    tab.goto("")
    by_name = [t for t in knowledge.terms if len(t.term) >= 4][:3]
    queries = [(t.term, t) for t in by_name]
    queries += [(alias, term_for(knowledge, alias)) for alias in SEARCHED_ALIASES]
    missing, found = [], []
    for text, term in queries:
        search_for(tab, text)
        try:
            result_link_for(tab, term.id)
            found.append((text, term))
        except AssertionError as error:
            shown = tab.page.locator("li.md-search-result__item a.md-search-result__link >> visible=true")
            hrefs = [re.sub(r"\?h=[^#]*", "", a.get_attribute("href")).removeprefix(tab.base)
                     for a in shown.all()]
            missing.append(f"{text!r}: {error}; visible results: {[h for h in hrefs if '#' in h]}")

    # Click a result (an alias's where one was found) and land on the entry.
    if found:
        text, term = found[-1]
        search_for(tab, text)
        result_link_for(tab, term.id).click()
        expect(tab.page).to_have_url(re.compile(rf"/glossary/(\?[^#]*)?#{re.escape(term.id)}$"))
        heading_is_in_view(tab, term.id)
    assert not missing, "search misses:\n" + "\n".join(missing)
    assert not tab.problems(), "\n".join(tab.problems())


# ── 3. Definition cards (all the ways to open them: test_definition_cards.py) ──────────────


def hover_terms(tab: Tab, terms, knowledge, limit: int = 4) -> list[str]:
    """Hover up to ``limit`` term links; returns mismatches between the card and the term's data."""
    problems = []
    count = min(terms.count(), limit)
    for index in range(count):
        link = terms.nth(index)
        word = squash(link.inner_text())
        term = term_for(knowledge, word)
        if link.get_attribute("aria-describedby") != f"nutshell-card-{term.id}":
            problems.append(f"{word!r} is described by {link.get_attribute('aria-describedby')!r}, "
                            f"not by the card of '{term.id}'")
            continue
        link.scroll_into_view_if_needed()
        link.hover()
        card = tab.page.locator(f"#nutshell-card-{term.id}")
        try:
            expect(card).to_be_visible(timeout=3000)
        except AssertionError:
            problems.append(f"hovering {word!r} shows no card")
            continue
        if squash(card.inner_text()) != squash(f"{term.term} {term.short}"):
            problems.append(f"{word!r}: card {card.inner_text()!r} ≠ name and short of '{term.id}': "
                            f"{term.term!r} {term.short!r}")
        tab.page.mouse.move(0, 0)
        expect(card).to_be_hidden(timeout=3000)
    assert count, "no glossary term is marked up in this page's prose"
    return problems


def test_hovering_a_term_in_a_milestone_summary_shows_its_definition_card(tab, knowledge):
    tab.goto("timeline/")
    terms = tab.page.locator("article .nutshell-milestone p a.nutshell-term >> visible=true")
    problems = hover_terms(tab, terms, knowledge)
    assert not problems, "\n".join(problems)


def test_hovering_a_term_on_a_demo_page_shows_its_definition_card(tab, knowledge, demo_ids):
    problems, marked_up = [], 0
    for demo_id in demo_ids:
        tab.goto(f"demos/{demo_id}/")
        terms = tab.page.locator("article .jp-MarkdownCell a.nutshell-term")
        if terms.count():
            marked_up += 1
            problems += [f"demos/{demo_id}/: {p}" for p in hover_terms(tab, terms, knowledge, limit=2)]
    assert marked_up, "no demo page marks up a glossary term in its prose"
    assert not problems, "\n".join(problems)


# ── 4. Timeline ───────────────────────────────────────────────────────────────────

_MILESTONES_JS = """() => [...document.querySelectorAll('article .nutshell-milestone')].map(m => {
  const para = (label) => [...m.querySelectorAll('.nutshell-milestone__more > p')]
    .find(p => p.textContent.trim().startsWith(label));
  const links = (p) => p ? [...p.querySelectorAll('a[href]')].map(a => a.href) : [];
  const h = m.querySelector('h3[id]');
  return {id: h && h.id, heading: h ? h.textContent : '', visible: m.offsetParent !== null,
          era: m.dataset.era, tags: m.dataset.tags,
          source: links(para('Source.')), terms: links(para('Terms.'))};
})"""


def shown_milestones(tab: Tab) -> list[str]:
    return [m["id"] for m in tab.page.evaluate(_MILESTONES_JS) if m["visible"]]


def test_timeline_shows_every_milestone_in_order_with_its_citation_and_term_links(tab, knowledge):
    tab.goto("glossary/")
    glossary_ids = set(tab.page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)"))
    tab.goto("timeline/")
    shown = tab.page.evaluate(_MILESTONES_JS)
    assert [m["id"] for m in shown] == [m.id for m in knowledge.milestones]
    years = [int(re.match(r"\s*(\d{4})", m["heading"]).group(1)) for m in shown]
    assert years == sorted(years), "milestones are not in chronological order"
    assert years == [m.year for m in knowledge.milestones]

    problems = []
    for data, page in zip(knowledge.milestones, shown):
        if not page["visible"]:
            problems.append(f"{data.id}: hidden before any filter is used")
        link = data.source.link
        if not page["source"] or not all(re.match(r"https?://\S+$", href) for href in page["source"]):
            problems.append(f"{data.id}: citation links {page['source']} are not http(s) URLs")
        elif link and link not in page["source"]:
            problems.append(f"{data.id}: citation does not link {link} (has {page['source']})")
        expected = {tab.url(f"glossary/#{t.id}") for t in knowledge.terms_for_milestone(data.id)}
        if set(page["terms"]) != expected:
            problems.append(f"{data.id}: term links {sorted(page['terms'])} ≠ {sorted(expected)}")
        for href in page["terms"]:
            if href.split("#", 1)[1] not in glossary_ids:
                problems.append(f"{data.id}: term link {href} has no anchor on the glossary page")

    # A term link is followed like a reader would: open the entry, click, land on the glossary entry.
    first = next(m for m in shown if m["terms"])
    term_id = first["terms"][0].split("#", 1)[1]
    click_like_a_reader(tab, tab.page.locator(f"[id='{first['id']}'] ~ details > summary"))
    click_like_a_reader(tab, tab.page.locator(f"[id='{first['id']}'] ~ details p a[href$='#{term_id}']").first)
    expect(tab.page).to_have_url(tab.url(f"glossary/#{term_id}"))
    heading_is_in_view(tab, term_id)
    problems += tab.problems()
    assert not problems, "\n".join(problems)


def test_era_and_tag_filters_change_which_milestones_show(tab, knowledge):
    tab.goto("timeline/")
    filter_bar = tab.page.locator(".nutshell-filter")
    expect(filter_bar).to_be_visible()
    count = filter_bar.locator(".nutshell-filter__count")
    total = len(knowledge.milestones)
    assert shown_milestones(tab) == [m.id for m in knowledge.milestones]

    for era in knowledge.eras:
        button = filter_bar.locator(f"[data-filter-era='{era.id}']")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        expected = [m.id for m in knowledge.milestones_in_era(era.id)]
        assert shown_milestones(tab) == expected, f"era {era.id}"
        expect(count).to_have_text(f"{len(expected)} of {total} milestones shown")

    tags = [tag for m in knowledge.milestones for tag in m.tags]
    tag = max(sorted(set(tags)), key=tags.count)
    filter_bar.locator("[data-filter-era='']").click()
    filter_bar.locator("select[data-filter-tag]").select_option(tag)
    expected = [m.id for m in knowledge.milestones if tag in m.tags]
    assert 0 < len(expected) < total
    assert shown_milestones(tab) == expected, f"tag {tag}"
    expect(count).to_have_text(f"{len(expected)} of {total} milestones shown")

    era = knowledge.milestones[[m.id for m in knowledge.milestones].index(expected[0])].era
    filter_bar.locator(f"[data-filter-era='{era}']").click()
    assert shown_milestones(tab) == [m.id for m in knowledge.milestones if tag in m.tags and m.era == era]

    filter_bar.locator("select[data-filter-tag]").select_option("")
    filter_bar.locator("[data-filter-era='']").click()
    assert shown_milestones(tab) == [m.id for m in knowledge.milestones]
    assert not tab.problems(), "\n".join(tab.problems())


# ── 5. Glossary ───────────────────────────────────────────────────────────────────


_NEAR_TOP_JS = """(id) => document.getElementById(id).getBoundingClientRect().top < 250
  || innerHeight + scrollY >= document.documentElement.scrollHeight - 2"""


def test_glossary_jump_bar_scrolls_to_each_letter(tab, knowledge):
    tab.goto("glossary/")
    letters = tab.page.locator("nav.nutshell-az a")
    anchors = [urldefrag(a.get_attribute("href"))[1] for a in letters.all()]
    expected = sorted({t.term.strip()[0].upper() for t in knowledge.terms if t.term.strip()[0].isalpha()})
    assert [anchor.removeprefix("letter-").upper() for anchor in anchors] == expected
    for index in sorted({0, len(anchors) // 2, len(anchors) - 1}):
        letters.nth(index).click()
        anchor = anchors[index]
        expect(tab.page).to_have_url(tab.url(f"glossary/#{anchor}"))
        try:  # near the top of the window, unless the page ends first
            tab.page.wait_for_function(_NEAR_TOP_JS, arg=anchor, timeout=3000)
        except PlaywrightTimeoutError:
            top = tab.page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", anchor)
            pytest.fail(f"letter {anchor}: heading stays {top:.0f}px below the top of the window")
        heading_is_in_view(tab, anchor)


def test_every_term_anchor_and_see_also_link_resolves(tab, knowledge):
    tab.goto("glossary/")
    headings = set(tab.page.evaluate("[...document.querySelectorAll('article h3[id]')].map(h => h.id)"))
    missing = [t.id for t in knowledge.terms if t.id not in headings]
    assert not missing, f"terms without their heading anchor on the glossary page: {missing}"

    see_also = tab.page.evaluate("""() => [...document.querySelectorAll('article p')]
        .filter(p => p.textContent.trim().startsWith('See also.'))
        .flatMap(p => [...p.querySelectorAll('a[href]')].map(a => a.href))""")
    expected = sum(len(knowledge.related_terms(t.id)) for t in knowledge.terms)
    assert len(see_also) >= expected
    broken = [href for href in see_also
              if href.startswith(tab.url("glossary/#")) and href.split("#", 1)[1] not in headings]
    assert not broken, f"see-also links without an anchor: {broken}"

    # Follow one see-also link and one deep link, as a reader would.
    first = next(t for t in knowledge.terms if knowledge.related_terms(t.id))
    target = knowledge.related_terms(first.id)[0].id
    click_like_a_reader(tab, tab.page.locator(f"article p a[href$='#{target}']").first)
    expect(tab.page).to_have_url(tab.url(f"glossary/#{target}"))
    heading_is_in_view(tab, target)
    last = knowledge.terms[-1].id
    tab.goto(f"glossary/#{last}")
    heading_is_in_view(tab, last)
    assert not tab.problems(), "\n".join(tab.problems())
