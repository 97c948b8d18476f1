"""Accessibility: axe-core on the main pages and every demo page; search and its results by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import REPORT, Tab
from .test_reading import heading_is_in_view

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")

# Runs axe on the whole document, or on one glossary entry (its heading up to the next heading).
_AXE_RUN = r"""async (entry) => {
  let context = document;
  if (entry) {
    const heading = document.getElementById(entry);
    const nodes = [heading];
    for (let n = heading.nextElementSibling; n && !/^H[1-3]$/.test(n.tagName); n = n.nextElementSibling) {
      nodes.push(n);
    }
    context = {include: nodes};
  }
  const result = await axe.run(context, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.replace(/\s+/g, ' ').slice(0, 120),
                              summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)}))}));
}"""


def axe_violations(tab: Tab, axe_source: str, entry: str | None = None) -> list[dict]:
    tab.page.add_script_tag(content=axe_source)  # inlined: axe comes from .venv, not from the network
    return tab.page.evaluate(_AXE_RUN, entry)


def describe(path: str, violation: dict) -> str:
    lines = [f"/{path}: {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:4]:
        lines.append(f"    {node['target']}   {node['html']}")
        if violation["id"] == "color-contrast":
            lines.append(f"      {node['summary']}")
    if len(violation["nodes"]) > 4:
        lines.append(f"    … and {len(violation['nodes']) - 4} more")
    return "\n".join(lines)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(browse, axe_source, knowledge, demo_ids, color_scheme):
    tab = browse(color_scheme=color_scheme)
    pages = [("", None), ("timeline/", None), ("glossary/", None)]
    if color_scheme == "light":  # one glossary entry on its own: what a deep link shows first
        term = knowledge.terms[0].id
        pages.append((f"glossary/#{term}", term))
    pages += [(f"demos/{demo_id}/", None) for demo_id in demo_ids]
    counts, blocking = {}, []
    for path, entry in pages:
        tab.goto(path)
        violations = axe_violations(tab, axe_source, entry)
        counts[f"/{path}"] = {v["id"]: f"{v['impact']} ×{len(v['nodes'])}" for v in violations}
        blocking += [describe(path, v) for v in violations if v["impact"] in BLOCKING]
    REPORT[f"axe violations, {color_scheme} palette (rule: impact × nodes)"] = counts
    heading = f"axe-core, {color_scheme} palette: serious or critical violations"
    assert not blocking, "\n".join([heading, *blocking])


def test_keyboard_alone_opens_search_picks_a_result_and_follows_it(tab, knowledge):
    term = next((t for t in knowledge.terms if t.id == "backpropagation"), knowledge.terms[0])
    tab.goto("")
    tab.page.keyboard.press("/")
    search = tab.page.locator("input.md-search__input")
    expect(search).to_be_focused()
    tab.page.keyboard.type(term.term, delay=15)
    expect(tab.page.locator("li.md-search-result__item").first).to_be_visible()
    for _ in range(12):
        tab.page.keyboard.press("ArrowDown")
        href = tab.page.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
        if href and href.endswith(f"#{term.id}"):
            break
    else:
        pytest.fail(f"arrow keys never reached the result for #{term.id} (focus on {href!r})")
    tab.page.keyboard.press("Enter")
    expect(tab.page).to_have_url(re.compile(rf"/glossary/(\?[^#]*)?#{re.escape(term.id)}$"))
    heading_is_in_view(tab, term.id)
    assert not tab.problems(), "\n".join(tab.problems())
