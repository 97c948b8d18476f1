"""Definition cards are pure HTML → HTML: which mentions become links, and what each card holds."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from nutshell import untrusted
from nutshell.definition_cards import DefinitionCards
from nutshell.load import load_knowledge_or_raise
from tests.conftest import FIXTURES

GLOSSARY = "../glossary/"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge_or_raise(FIXTURES / "data")


@pytest.fixture(scope="module")
def cards(knowledge):
    return DefinitionCards(knowledge)


def term_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every term link."""
    return re.findall(r'<a class="nutshell-term" href="([^"]*)" aria-describedby="[^"]*">([^<]*)</a>', html)


class CardText(HTMLParser):
    """The text of each card, keyed by the id of its role="tooltip" element, as a browser would decode it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._card: str | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("role") == "tooltip":
            self._card, self._depth = attributes["id"], 0
            self.texts[self._card] = ""
        elif self._card:
            self._depth += 1
        if tag == "a" and "class" not in attributes and self.texts:
            self.links[list(self.texts)[-1]] = attributes["href"]

    def handle_endtag(self, tag):
        if self._card:
            if self._depth == 0:
                self._card = None
            else:
                self._depth -= 1

    def handle_data(self, data):
        if self._card:
            self.texts[self._card] += data


def card_text(html: str) -> CardText:
    parser = CardText()
    parser.feed(html)
    parser.close()
    return parser


def test_the_first_mention_of_each_term_links_to_its_entry(cards):
    html = cards.annotate("<p>Backprop uses gradient descent. Backpropagation again.</p>", GLOSSARY)
    assert term_links(html) == [("../glossary/#backpropagation", "Backprop"),
                                ("../glossary/#gradient-descent", "gradient descent")]
    assert html.startswith('<p><a class="nutshell-term" href="../glossary/#backpropagation" '
                           'aria-describedby="nutshell-card-backpropagation">Backprop</a> uses')
    assert "Backpropagation again." in html  # the second mention stays plain text


def test_one_hidden_card_per_linked_term_holds_its_name_and_short(cards, knowledge):
    html = cards.annotate("<p>Backprop uses gradient descent and backprop.</p>", GLOSSARY)
    assert html.count('class="nutshell-card"') == 2 and html.count('<div class="nutshell-cards">') == 1
    parsed = card_text(html)
    by_id = {t.id: t for t in knowledge.terms}
    for term_id in ("backpropagation", "gradient-descent"):
        term = by_id[term_id]
        assert parsed.texts[f"nutshell-card-{term_id}"] == f"{term.term} {term.short}"
        assert parsed.links[f"nutshell-card-{term_id}"] == f"../glossary/#{term_id}"
    # hidden until cards.js shows it, out of the search index, and the link's description names it
    assert re.search(r'<div class="nutshell-card" data-card-for="backpropagation" data-search-exclude hidden>'
                     r'<p class="nutshell-card__text" role="tooltip" id="nutshell-card-backpropagation">', html)
    assert "Read the entry</a>" in html


def test_no_cards_when_no_term_is_mentioned(cards):
    assert cards.annotate("<p>Nothing to see.</p>", GLOSSARY) == "<p>Nothing to see.</p>"


def test_on_the_glossary_page_itself_links_are_anchors(cards):
    html = cards.annotate("<p>See backprop.</p>", "./")
    assert term_links(html) == [("#backpropagation", "backprop")]
    assert '<a href="#backpropagation">Read the entry</a>' in html


def test_code_links_headings_and_labels_are_left_alone(cards):
    source = ('<h2>Perceptron</h2><p><code>perceptron</code> <a href="#">perceptron</a> '
              '<span class="nutshell-tag">backpropagation <span>x</span> backprop</span> '
              '<pre><span>gradient descent</span></pre></p><p>perceptrons learn</p>')
    html = cards.annotate(source, GLOSSARY)
    assert term_links(html) == [("../glossary/#perceptron", "perceptrons")]
    assert html.count('class="nutshell-card"') == 1


def test_abbreviations_with_capitals_match_exactly(cards):
    assert term_links(cards.annotate("<p>bp and Bp are not abbreviations</p>", GLOSSARY)) == []
    assert term_links(cards.annotate("<p>BP is</p>", GLOSSARY)) == [("../glossary/#backpropagation", "BP")]


def test_no_card_for_a_term_inside_its_own_glossary_section(cards):
    html = cards.annotate('<h3 id="perceptron">Perceptron</h3><p>A perceptron uses backprop.</p>'
                          '<h3 id="backpropagation">Backpropagation</h3><p>Unlike a perceptron.</p>', "./")
    first, second = html.split('<h3 id="backpropagation">')
    assert ">perceptron</a>" not in first and ">backprop</a>" in first
    assert ">perceptron</a>" in second.split('<div class="nutshell-cards">')[0]  # elsewhere it is explained


def test_terms_already_explained_can_be_skipped(cards):
    html = cards.annotate("<p>Backprop uses gradient descent.</p>", GLOSSARY, skip_terms=["backpropagation"])
    assert term_links(html) == [("../glossary/#gradient-descent", "gradient descent")]


def test_card_text_is_escaped_once_and_shown_as_text():
    class FakeTerm:
        id, term, aliases, short = "t", "Thing <b>", ("thing",), 'Says "hi" & <img src=x onerror=alert(1)>'

    class FakeKnowledge:
        terms = [FakeTerm]

    html = DefinitionCards(FakeKnowledge).annotate("<p>a thing</p>", GLOSSARY)
    # no title attribute any more: the theme's tooltip never sees it, so one escape is the right one
    assert "title=" not in html
    assert card_text(html).texts["nutshell-card-t"] == f"{FakeTerm.term} {FakeTerm.short}"
    assert "<img" not in html and "<b>" not in html
    assert untrusted.active_content(html) == []


def test_whole_words_only_plurals_allowed_longest_name_first(cards):
    # not inside a word or after a hyphen; a plural 's'/'es' is still the term
    assert term_links(cards.annotate("<p>Superperceptron, non-perceptron, xbackprop.</p>", GLOSSARY)) == []
    assert term_links(cards.annotate("<p>Two perceptrons.</p>", GLOSSARY)) == [
        ("../glossary/#perceptron", "perceptrons")]
    # "back-propagation" (an alias) wins over the shorter "back…" names; hyphen, no hyphen or a space
    for spelling in ("back-propagation", "backpropagation", "back propagation"):
        assert term_links(cards.annotate(f"<p>{spelling} works</p>", GLOSSARY)) == [
            ("../glossary/#backpropagation", spelling)], spelling


def test_a_page_seen_before_gets_the_current_definitions_in_its_cards(knowledge):
    """Annotations are kept between builds (mkdocs serve), but an edited definition reaches every page."""
    import dataclasses

    page = "<p>A perceptron trained with backpropagation.</p>"
    before = DefinitionCards(knowledge).annotate(page, "../glossary/")
    perceptron = knowledge.term_by_id["perceptron"]
    edited_term = dataclasses.replace(perceptron, short="An edited definition.")
    edited = dataclasses.replace(knowledge, terms=[edited_term if t.id == "perceptron" else t for t in knowledge.terms])
    after = DefinitionCards(edited).annotate(page, "../glossary/")
    assert "An edited definition." in after and "An edited definition" not in before
    assert after.count('class="nutshell-term"') == 2
    assert after.split('<div class="nutshell-cards">')[0] == before.split('<div class="nutshell-cards">')[0]
    assert DefinitionCards(knowledge).annotate(page, "../glossary/") == before
    assert DefinitionCards(knowledge).annotate(page, "../glossary/", skip_terms=["perceptron"]) != before


# Text that is no mention: a formula's hidden search twin (the visible mention must get the link), an
# explorable figure's caption and controls (what a keyboard user tabs through: no link between them), and the
# explorable's JSON in a <template> ("perceptron" there is a string of the data).
@pytest.mark.parametrize("hidden, visible", [
    ('<p><math data-search-exclude><mi>x</mi></math><span class="nutshell-math-text" hidden>perceptron(x)</span>',
     ' A perceptron learns.</p>'),
    ('<figure class="nutshell-explorer"><figcaption>A perceptron, step by step</figcaption>'
     '<input type="range"></figure>', '<p>A perceptron again.</p>'),
    ('<template>{"filter": "perceptron"}</template>', '<p>A perceptron.</p>'),
])
def test_text_that_is_no_mention_takes_no_link(cards, hidden, visible):
    annotated = cards.annotate(hidden + visible, GLOSSARY)
    assert annotated.startswith(hidden)
    assert 'A <a class="nutshell-term"' in annotated
