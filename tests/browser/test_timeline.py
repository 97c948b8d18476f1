"""The timeline as a reader uses it: compact cards that open to the full entry, a filter that hides what it
excludes (milestones, empty eras and their table-of-contents entries) and lives in the address, anchors
that land on and open their entry, by mouse, keyboard and touch, on a phone, and without script."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, Tab, record
from .test_accessibility import BLOCKING, axe_violations, describe
from .test_reading import click_like_a_reader, heading_is_in_view, search_for

pytestmark = pytest.mark.browser

# What the page shows: visible milestones and eras, live table-of-contents entries, open entries.
_STATE_JS = """() => {
  const shown = (e) => e.offsetParent !== null;
  const toc = (nav) => [...document.querySelectorAll(`${nav} .md-nav--secondary a.md-nav__link`)]
    .filter(a => !a.closest('[hidden]')).map(a => decodeURIComponent(new URL(a.href).hash.slice(1)));
  return {
    milestones: [...document.querySelectorAll('.nutshell-milestone')].filter(shown).map(m => m.querySelector('h3').id),
    eras: [...document.querySelectorAll('.nutshell-era')].filter(shown).map(e => e.querySelector('h2').id),
    intros: [...new Set([...document.querySelectorAll('.nutshell-era > p')].filter(shown)
      .map(p => p.closest('.nutshell-era').querySelector('h2').id))],
    toc: toc('.md-sidebar--secondary'),
    drawerToc: toc('.md-sidebar--primary'),
    open: [...document.querySelectorAll('.nutshell-milestone__more[open]')]
      .map(d => d.closest('.nutshell-milestone').querySelector('h3').id),
    count: document.querySelector('.nutshell-filter__count').textContent,
    pressed: [...document.querySelectorAll('[data-filter-era][aria-pressed=true]')].map(b => b.dataset.filterEra),
    tag: document.querySelector('select[data-filter-tag]').value,
    height: document.documentElement.scrollHeight,
  };
}"""


def state(tab: Tab) -> dict:
    return tab.page.evaluate(_STATE_JS)


def query(tab: Tab) -> dict[str, list[str]]:
    return parse_qs(urlsplit(tab.page.url).query)


def expected_view(knowledge, era: str = "", tag: str = "") -> dict:
    """The milestones, eras and table-of-contents entries a filter should leave."""
    milestones = [m for m in knowledge.milestones if (not era or m.era == era) and (not tag or tag in m.tags)]
    eras = [e.id for e in knowledge.eras if any(m.era == e.id for m in milestones)]
    toc = [i for e in eras for i in (e, *(m.id for m in milestones if m.era == e))]
    count = f"{len(milestones)} of {len(knowledge.milestones)} milestones shown"
    return {"milestones": [m.id for m in milestones], "eras": eras, "toc": toc, "count": count}


def assert_view(tab: Tab, knowledge, era: str = "", tag: str = "") -> dict:
    expected = expected_view(knowledge, era, tag)
    expect(tab.page.locator(".nutshell-filter__count")).to_have_text(expected["count"])
    shown = state(tab)
    label = f"era={era!r} tag={tag!r}"
    assert shown["milestones"] == expected["milestones"], label
    assert shown["eras"] == expected["eras"], f"{label}: era headings"
    assert shown["intros"] == expected["eras"], f"{label}: era introductions"
    assert shown["toc"] == expected["toc"], f"{label}: table of contents"
    assert shown["drawerToc"] in ([], expected["toc"]), f"{label}: table of contents in the drawer"
    assert shown["pressed"] == [era] and shown["tag"] == tag, label
    return shown


def common_tag(knowledge) -> str:
    tags = [tag for m in knowledge.milestones for tag in m.tags]
    return max(sorted(set(tags)), key=tags.count)


def entry_is_open(tab: Tab, milestone_id: str) -> None:
    expect(tab.page.locator(f"[id='{milestone_id}'] ~ details.nutshell-milestone__more")).to_have_attribute("open", "")


# ── Filters ─────────────────────────────────────────────────────────────────────


def test_an_era_filter_hides_other_eras_their_introductions_and_contents_entries(tab, knowledge):
    tab.goto("timeline/")
    everything = assert_view(tab, knowledge)
    assert everything["open"] == [], "entries start closed"
    era = next((e for e in knowledge.eras if e.id == "breakthrough"), knowledge.eras[-1])  # issue #14's example
    tab.page.locator(f".nutshell-filter [data-filter-era='{era.id}']").click()
    filtered = assert_view(tab, knowledge, era=era.id)
    assert query(tab) == {"era": [era.id]}
    assert filtered["height"] < everything["height"] / 3, "the filtered page is barely shorter"
    record(f"timeline height, era {era.id} only (desktop)", f"{filtered['height']} px")
    assert not tab.problems(), "\n".join(tab.problems())


def test_a_tag_filter_hides_eras_left_without_a_milestone_and_combines_with_an_era(tab, knowledge):
    tab.goto("timeline/")
    tag = next(t for t in sorted({t for m in knowledge.milestones for t in m.tags})
               if 0 < len(expected_view(knowledge, tag=t)["eras"]) < len(knowledge.eras))
    tab.page.locator("select[data-filter-tag]").select_option(tag)
    assert_view(tab, knowledge, tag=tag)
    assert query(tab) == {"tag": [tag]}
    era = knowledge.milestones[[m.id for m in knowledge.milestones].index(expected_view(knowledge, tag=tag)
                                                                          ["milestones"][0])].era
    tab.page.locator(f".nutshell-filter [data-filter-era='{era}']").click()
    assert_view(tab, knowledge, era=era, tag=tag)
    assert query(tab) == {"era": [era], "tag": [tag]}
    # A combination that leaves nothing says so and hides every era.
    empty = next(((e.id, t) for e in knowledge.eras for t in sorted({t for m in knowledge.milestones for t in m.tags})
                  if not expected_view(knowledge, e.id, t)["milestones"]), None)
    if empty:
        tab.page.locator(f".nutshell-filter [data-filter-era='{empty[0]}']").click()
        tab.page.locator("select[data-filter-tag]").select_option(empty[1])
        assert_view(tab, knowledge, *empty)
    assert not tab.problems(), "\n".join(tab.problems())


def test_a_filtered_address_can_be_shared_and_the_back_button_undoes_each_change(tab, knowledge):
    tag = common_tag(knowledge)
    era = next(m.era for m in knowledge.milestones if tag in m.tags)
    tab.goto(f"timeline/?era={era}&tag={tag}")  # what a reader pastes
    assert_view(tab, knowledge, era=era, tag=tag)

    tab.page.locator(".nutshell-filter [data-filter-era='']").click()
    assert_view(tab, knowledge, tag=tag)
    assert query(tab) == {"tag": [tag]}
    tab.page.locator("select[data-filter-tag]").select_option("")
    assert_view(tab, knowledge)
    expect(tab.page).to_have_url(tab.url("timeline/"))

    tab.page.go_back()
    expect(tab.page).to_have_url(tab.url(f"timeline/?tag={tag}"))
    assert_view(tab, knowledge, tag=tag)
    tab.page.go_back()
    expect(tab.page).to_have_url(tab.url(f"timeline/?era={era}&tag={tag}"))
    assert_view(tab, knowledge, era=era, tag=tag)
    tab.page.go_forward()
    expect(tab.page).to_have_url(tab.url(f"timeline/?tag={tag}"))
    assert_view(tab, knowledge, tag=tag)

    # Arriving from another page through instant navigation applies the address too.
    tab.goto("")
    tab.page.evaluate("(href) => { const a = document.createElement('a'); a.href = href; "
                      "document.body.append(a); a.click(); a.remove(); }", tab.url(f"timeline/?era={era}"))
    expect(tab.page).to_have_url(tab.url(f"timeline/?era={era}"))
    expect(tab.page.locator(".nutshell-filter")).to_be_visible()
    assert_view(tab, knowledge, era=era)

    # An era or tag the page does not know shows everything; a malformed anchor is no error.
    tab.goto("timeline/?era=no-such-era&tag=%3Cscript%3E#%E0%A4%A")
    assert_view(tab, knowledge)
    assert not tab.problems(), "\n".join(tab.problems())


# ── Anchors open their entry ─────────────────────────────────────────────────────


def test_an_anchor_lands_on_its_milestone_and_opens_the_full_entry(tab, knowledge):
    ids = [m.id for m in knowledge.milestones]
    target = ids[len(ids) // 2]
    tab.goto(f"timeline/#{target}")
    heading_is_in_view(tab, target)
    entry_is_open(tab, target)
    assert state(tab)["open"] == [target], "only the milestone the address names opens"
    expect(tab.page.locator(f"[id='{target}'] ~ details > p").first).to_be_visible()

    # A dot on the strip, a table-of-contents entry, and an address typed by hand (hashchange).
    dot_target, toc_target, typed_target = ids[1], ids[-1], ids[len(ids) // 3]
    click_like_a_reader(tab, tab.page.locator(f".nutshell-strip__dot[href$='#{dot_target}']"))
    heading_is_in_view(tab, dot_target)
    entry_is_open(tab, dot_target)
    click_like_a_reader(tab, tab.page.locator(f".md-sidebar--secondary a.md-nav__link[href$='#{toc_target}']"))
    heading_is_in_view(tab, toc_target)
    entry_is_open(tab, toc_target)
    tab.page.evaluate("(id) => { location.hash = id }", typed_target)
    heading_is_in_view(tab, typed_target)
    entry_is_open(tab, typed_target)
    assert not tab.problems(), "\n".join(tab.problems())


def test_an_anchor_to_a_milestone_the_filter_hides_clears_the_filter(tab, knowledge):
    first_era, last = knowledge.eras[0].id, knowledge.milestones[-1]
    assert last.era != first_era
    tab.goto(f"timeline/?era={first_era}#{last.id}")  # a shared link whose filter excludes its target
    assert_view(tab, knowledge)
    heading_is_in_view(tab, last.id)
    entry_is_open(tab, last.id)
    assert "era" not in query(tab) and tab.page.url.endswith(f"#{last.id}")

    # The same by a click: a dimmed dot on the strip leads to its milestone.
    tab.page.locator(f".nutshell-filter [data-filter-era='{first_era}']").click()
    assert_view(tab, knowledge, era=first_era)
    dot = tab.page.locator(f".nutshell-strip__dot[href$='#{last.id}']")
    expect(dot).to_have_class(re.compile(r"nutshell-strip__dot--excluded"))
    click_like_a_reader(tab, dot)
    assert_view(tab, knowledge)
    heading_is_in_view(tab, last.id)
    assert "era" not in query(tab)
    assert not tab.problems(), "\n".join(tab.problems())


def test_search_finds_a_milestone_by_its_title_and_by_text_inside_the_closed_entry(tab, knowledge, built_site):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    sections = {doc["location"]: doc for doc in index["docs"]}
    corpus = " ".join(doc["text"].lower() for doc in index["docs"])
    problems = []
    for milestone in knowledge.milestones:
        section = sections.get(f"timeline/#{milestone.id}")
        if section is None:
            problems.append(f"{milestone.id}: no search section")
            continue
        words = re.findall(r"[a-z]{5,}", milestone.significance.lower())[:6]
        if not all(w in section["text"].lower() for w in words):
            problems.append(f"{milestone.id}: the section's text lacks the significance")
        if "Why it mattered, " in section["text"]:
            problems.append(f"{milestone.id}: the <summary> label is indexed")
    assert not problems, "\n".join(problems)

    def rare_word(milestone):  # a word of the closed entry that no other section of the site uses
        for word in re.findall(r"[A-Za-z]{8,}", milestone.significance):
            if corpus.count(word.lower()[:7]) == 1:
                return word
        return None

    milestone, word = next((m, w) for m in knowledge.milestones if (w := rare_word(m)))
    tab.goto("timeline/")
    for text in (milestone.title, word):
        search_for(tab, text)
        result = tab.page.locator(f"li.md-search-result__item a.md-search-result__link"
                                  f"[href*='timeline/'][href$='#{milestone.id}'] >> visible=true").first
        expect(result, f"searching {text!r}").to_be_visible(timeout=5000)
    result.click()
    heading_is_in_view(tab, milestone.id)
    entry_is_open(tab, milestone.id)
    assert not tab.problems(), "\n".join(tab.problems())


# ── Keyboard, phone, no script ───────────────────────────────────────────────────


def test_filter_and_entries_work_from_the_keyboard(tab, knowledge):
    tab.goto("timeline/")
    era = knowledge.eras[1].id
    button = tab.page.locator(f".nutshell-filter [data-filter-era='{era}']")
    button.focus()
    tab.page.keyboard.press("Enter")
    assert_view(tab, knowledge, era=era)
    tab.page.locator(".nutshell-filter [data-filter-era='']").focus()
    tab.page.keyboard.press("Space")
    assert_view(tab, knowledge)
    tab.page.locator("select[data-filter-tag]").focus()
    tab.page.keyboard.press("ArrowDown")  # the first tag in the list
    first_tag = tab.page.locator("select[data-filter-tag] option").nth(1).get_attribute("value")
    assert_view(tab, knowledge, tag=first_tag)
    tab.page.keyboard.press("ArrowUp")
    assert_view(tab, knowledge)

    # Tab from a milestone's permalink reaches its disclosure; Enter opens it, Space closes it.
    milestone = knowledge.milestones[0].id
    tab.page.locator(f"[id='{milestone}'] a.headerlink").focus()
    for _ in range(12):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    summary = tab.page.locator(f"[id='{milestone}'] ~ details > summary")
    expect(summary).to_be_focused()
    tab.page.keyboard.press("Enter")
    entry_is_open(tab, milestone)
    tab.page.keyboard.press("Space")
    expect(tab.page.locator(f"[id='{milestone}'] ~ details")).not_to_have_attribute("open", "")

    expand = tab.page.locator("[data-expand-all]")
    expand.focus()
    tab.page.keyboard.press("Enter")
    expect(expand).to_have_attribute("aria-pressed", "true")
    assert len(state(tab)["open"]) == len(knowledge.milestones)
    tab.page.keyboard.press("Enter")
    assert state(tab)["open"] == []
    assert not tab.problems(), "\n".join(tab.problems())


def test_phone_width_cards_filter_by_touch_and_nothing_sticks_out(browse, knowledge):
    tab = browse(viewport=PHONE, is_mobile=True, has_touch=True)
    tab.goto("timeline/")
    era = knowledge.eras[-1].id
    tab.page.locator(f".nutshell-filter [data-filter-era='{era}']").tap()
    assert_view(tab, knowledge, era=era)
    tab.page.locator(".nutshell-filter [data-filter-era='']").tap()
    tab.page.locator("[data-expand-all]").tap()  # every entry open: the widest the page gets
    width = tab.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"{width[0]} px wide in a {width[1]} px window"
    first = knowledge.milestones[0].id
    summary = tab.page.locator(f"[id='{first}'] ~ details > summary")
    summary.tap()
    expect(tab.page.locator(f"[id='{first}'] ~ details")).not_to_have_attribute("open", "")
    assert not tab.problems(), "\n".join(tab.problems())


def test_page_is_a_fraction_of_its_old_length_on_desktop_and_phone(browse, knowledge):
    heights = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        tab = browse(viewport=viewport, is_mobile=name == "phone")
        tab.goto("timeline/")
        tab.page.wait_for_load_state("networkidle")
        heights[name] = tab.page.evaluate("document.documentElement.scrollHeight")
        cards = tab.page.evaluate("[...document.querySelectorAll('.nutshell-milestone')]"
                                  ".map(m => m.getBoundingClientRect().height)")
        # a closed card is a heading, a line of people and tags, two lines of summary and the toggle
        limit = 230 if name == "desktop" else 330
        tall = [round(h) for h in cards if h > limit]
        assert not tall, f"{name}: {len(tall)} cards taller than {limit} px: {tall[:5]}"
        tab.page.locator("[data-expand-all]").click()
        heights[f"{name}, every entry open"] = tab.page.evaluate("document.documentElement.scrollHeight")
        assert not tab.problems(), "\n".join(tab.problems())
    record("timeline height (px)", heights)
    assert heights["desktop"] < heights["desktop, every entry open"] / 2


def test_without_script_every_milestone_shows_and_its_entry_opens_by_hand(browse, knowledge):
    tab = browse(java_script_enabled=False)
    last = knowledge.milestones[-1].id
    tab.page.goto(tab.url(f"timeline/#{last}"))
    expect(tab.page.locator(".nutshell-filter")).to_be_hidden()
    shown = tab.page.evaluate(_STATE_JS)
    assert shown["milestones"] == [m.id for m in knowledge.milestones]
    assert shown["eras"] == [e.id for e in knowledge.eras]
    heading_is_in_view(tab, last)
    tab.page.locator(f"[id='{last}'] ~ details > summary").click()
    entry_is_open(tab, last)
    expect(tab.page.locator(f"[id='{last}'] ~ details p").first).to_be_visible()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_on_a_filtered_timeline_with_entries_open(browse, axe_source, knowledge, color_scheme):
    tab = browse(color_scheme=color_scheme)
    tag = common_tag(knowledge)
    tab.goto(f"timeline/?tag={tag}")
    tab.page.locator("[data-expand-all]").click()
    violations = axe_violations(tab, axe_source)
    blocking = [describe(f"timeline/?tag={tag}", v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)
