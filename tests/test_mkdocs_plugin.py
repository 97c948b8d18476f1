"""The nutshell MkDocs plugin's own pieces that are not covered by building a site (tests/test_build.py)."""

from __future__ import annotations

from types import SimpleNamespace

from material.plugins.search.plugin import SearchIndex

from nutshell import mkdocs_plugin

PAGE_HTML = """<h1 id="dropout">Dropout</h1><p>Randomly switching off units.</p>
<div data-search-exclude><pre>code that search leaves out</pre></div>
<p>Intro without heading follows.</p><h2 id="inverted">Inverted dropout</h2><p>Divide by p while training.</p>"""


def page(content: str, title: str, url: str = "glossary/") -> SimpleNamespace:
    return SimpleNamespace(content=content, title=title, url=url, toc=[], meta={})


def entries(index: SearchIndex, pages) -> list[dict]:
    for each in pages:
        index.add_entry_from_context(each)
    return index.entries


def test_kept_search_sections_give_the_entries_materials_own_indexer_gives():
    pages = [page(PAGE_HTML, "Glossary"), page("<p>No heading at all.</p>", "Untitled page", "about/"),
             page(PAGE_HTML, "Glossary"), page("<p>No heading at all.</p>", "Renamed page", "about/"),
             SimpleNamespace(content="<p>left out</p>", title="x", url="x/", toc=[], meta={"search": {"exclude": True}})]
    expected = entries(SearchIndex(), pages)

    mkdocs_plugin._SEARCH_SECTIONS.clear()
    plugin = SimpleNamespace(search_index=SearchIndex())
    mkdocs_plugin.keep_search_sections(plugin)
    assert entries(plugin.search_index, pages) == expected
    assert len(mkdocs_plugin._SEARCH_SECTIONS) == 2  # each distinct page parsed once
    assert [e["title"] for e in expected if e["location"] == "about/"] == ["Untitled page", "Renamed page"]
    assert not any("code that search leaves out" in e["text"] for e in expected)

    later = SimpleNamespace(search_index=SearchIndex())  # the next build of `mkdocs serve`
    mkdocs_plugin.keep_search_sections(later)
    assert entries(later.search_index, pages) == expected


def test_without_materials_search_nothing_is_wrapped():
    mkdocs_plugin.keep_search_sections(None)
    mkdocs_plugin.keep_search_sections(SimpleNamespace(search_index=None))


def test_demo_pages_are_tidied_before_the_definition_cards_are_added():
    """The tidied page is kept by its HTML: cards (which change with every edited definition) come after."""
    from nutshell.mkdocs_demos import DemosPlugin
    from nutshell.mkdocs_plugin import NutshellPlugin

    def priority(method) -> float:
        return getattr(method, "mkdocs_priority", 0)

    assert priority(DemosPlugin.on_page_content) > priority(NutshellPlugin.on_page_content)


def test_pages_that_differ_only_in_their_cards_share_sections_and_entries():
    """Search skips the definition cards, so an edited definition needs no new parse of the pages showing it."""
    import dataclasses

    from nutshell.definition_cards import DefinitionCards
    from nutshell.load import load_knowledge_or_raise
    from tests.conftest import FIXTURES

    knowledge = load_knowledge_or_raise(FIXTURES / "data")
    perceptron = knowledge.term_by_id["perceptron"]
    edited = dataclasses.replace(knowledge, terms=[
        dataclasses.replace(t, short="An edited definition.") if t.id == "perceptron" else t for t in knowledge.terms])
    html = "<h1 id='top'>Top</h1><p>A perceptron learns by backpropagation.</p>"
    before = DefinitionCards(knowledge).annotate(html, "../glossary/")
    after = DefinitionCards(edited).annotate(html, "../glossary/")
    assert before != after and perceptron.short in before
    pages = [page(before, "Page", "a/"), page(after, "Page", "a/")]
    expected = entries(SearchIndex(), pages)
    assert expected[0] == expected[1] and perceptron.short not in expected[0]["text"]

    mkdocs_plugin._SEARCH_SECTIONS.clear()
    plugin = SimpleNamespace(search_index=SearchIndex())
    mkdocs_plugin.keep_search_sections(plugin)
    assert entries(plugin.search_index, pages) == expected
    assert len(mkdocs_plugin._SEARCH_SECTIONS) == 1
