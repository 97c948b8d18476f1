"""Definition cards: the first mention of each glossary term on a page becomes a link to its entry, with a
card (the term's name, its one-line definition, a link to the entry) that docs/javascripts/cards.js opens on
hover, keyboard focus and tap.

Works on finished HTML, so pages that never pass through Markdown (the executed notebooks) get cards too.
Without script the mention is still a plain link to the glossary entry, and a screen reader still reads the
definition: the link names its card with ``aria-describedby``, and a hidden element that is referenced
that way still gives the link its description.

What the page gets, per term mentioned (one card per term, after the content)::

    <a class="nutshell-term" href="../glossary/#dropout" aria-describedby="nutshell-card-dropout">dropout</a>
    …
    <div class="nutshell-cards">
      <div class="nutshell-card" data-card-for="dropout" data-search-exclude hidden>
        <p class="nutshell-card__text" role="tooltip" id="nutshell-card-dropout">
          <strong class="nutshell-card__name">Dropout</strong> <span>Randomly zeroing …</span></p>
        <p class="nutshell-card__more"><a href="../glossary/#dropout">Read the entry</a></p>
      </div>
    </div>

The card's text sits in an element of its own (role="tooltip", what ``aria-describedby`` points at), so a
screen reader hears the name and definition, not "Read the entry" as well. ``data-search-exclude`` keeps
the cards out of the search index (Material's search skips such elements; a nested ``<div>`` would end the
skip early, so the card holds none).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from nutshell.schema import Knowledge, Term
from nutshell.untrusted import html_attribute, html_text

CARD_ID_PREFIX = "nutshell-card-"
#: Where a page's cards begin: everything after it is cards, which search leaves out (data-search-exclude).
CARDS_START = '\n<div class="nutshell-cards">'

# Text inside these elements is left alone: code, links, headings, math, abbreviations, widgets.
_SKIP_TAGS = {
    "a", "abbr", "code", "pre", "kbd", "samp", "script", "style", "math", "svg", "button", "label",
    "select", "option", "textarea", "title", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "summary",
    "template",  # inert data (an explorable's JSON): a link there would land inside its strings
}
# labels and widgets that must stay plain (an explorable figure: its caption, legend and controls, which
# keyboard users tab through), and the hidden text twin of a formula (nutshell.markdown_math)
_SKIP_CLASSES = ("nutshell-tag", "nutshell-notip", "nutshell-explorer", "nutshell-math-text")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|<!--.*?-->", re.S)
_ID_ATTRIBUTE = re.compile(r'\bid="([^"]+)"')
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed", "track"}
_MIN_SURFACE = 3
# Pages annotated before, by their HTML and the names matched: `mkdocs serve` rebuilds every page after an
# edit, and most pages come back unchanged. Only which terms a page links is kept; the cards are written anew,
# so an edited definition still reaches every page. Bounded: a build has a few dozen pages.
_ANNOTATED: dict[bytes, tuple[str, tuple[str, ...]]] = {}
_ANNOTATED_MAX = 256


def card_id(term: Term) -> str:
    """The id of the element that holds a term's name and definition (what ``aria-describedby`` names)."""
    return CARD_ID_PREFIX + term.id


def entry_href(glossary_url: str, term: Term) -> str:
    """The link to a term's glossary entry from a page whose relative URL to the glossary is ``glossary_url``."""
    if glossary_url in ("", ".", "./"):  # the glossary page itself
        return f"#{term.id}"
    return f"{glossary_url}#{term.id}"


def card_html(term: Term, href: str) -> str:
    """One hidden card: the term's name and short definition as text, and a link to its entry."""
    return (
        f'<div class="nutshell-card" data-card-for="{html_attribute(term.id)}" data-search-exclude hidden>'
        f'<p class="nutshell-card__text" role="tooltip" id="{html_attribute(card_id(term))}">'
        f'<strong class="nutshell-card__name">{html_text(term.term)}</strong> '
        f'<span class="nutshell-card__short">{html_text(term.short)}</span></p>'
        f'<p class="nutshell-card__more"><a href="{html_attribute(href)}">Read the entry</a></p>'
        "</div>"
    )


def _surface_pattern(surface: str) -> str:
    escaped = re.escape(surface).replace(r"\ ", r"[\s\u00a0]+").replace(r"\-", r"[-\u2011 ]?")
    # Names with inner capitals (ReLU, AlexNet, SGD) must match exactly; plain words in any case.
    has_inner_capitals = any(c.isupper() for c in surface[1:])
    return escaped if has_inner_capitals else f"(?i:{escaped})"


class DefinitionCards:
    """Links the first mention of each glossary term on a page to its entry and adds the term's card."""

    def __init__(self, knowledge: Knowledge):
        surfaces: list[tuple[str, Term]] = []
        for term in knowledge.terms:
            for surface in {term.term, *term.aliases}:
                # Short surfaces only as exact abbreviations (L1, BP): short lowercase words are too common.
                if len(surface) >= _MIN_SURFACE or (len(surface) == 2 and surface.isupper() or surface[-1:].isdigit()):
                    surfaces.append((surface, term))
        # Longest first, so "stochastic gradient descent" wins over "gradient descent".
        surfaces.sort(key=lambda item: -len(item[0]))
        self._term_ids = {term.id for term in knowledge.terms}
        # One regex of all ~500 names and aliases, tried at every word start, took up to 5 s a page and 25 s a
        # build (Python's re tries each alternative in turn). So: find a word that starts with a letter some
        # name starts with, then try only those names, longest first: the same matches, in 0.4 s a build.
        by_first: dict[str, list[tuple[str, Term]]] = {}
        for surface, term in surfaces:
            by_first.setdefault(surface[0].lower(), []).append((surface, term))
        self._names_from: dict[str, tuple[re.Pattern, list[Term]]] = {
            first: (
                re.compile("(?:" + "|".join(f"({_surface_pattern(s)})" for s, _ in group) + r")(?:e?s)?(?![\w-])"),
                [term for _, term in group],
            )
            for first, group in by_first.items()
        }
        letters = "".join(sorted({c for first in by_first for c in (first, first.upper())}))
        self._word_start = re.compile(rf"(?<![\w-])[{re.escape(letters)}]") if surfaces else None
        self._term_by_id = {term.id: term for term in knowledge.terms}
        # What decides where the links go (never the definitions, which only the cards show).
        self._matcher = hashlib.blake2b(repr(([(s, t.id) for s, t in surfaces], sorted(self._term_ids))).encode(),
                                        digest_size=16).digest()

    def annotate(self, page_html: str, glossary_url: str, skip_terms: Iterable[str] = ()) -> str:
        """``page_html`` with its first mention of each term linked, and one card per linked term at the end.

        ``glossary_url``: the glossary page's URL relative to this page (``../glossary/``; ``./`` on itself).
        """
        if self._word_start is None:
            return page_html
        skip_terms = tuple(skip_terms)
        key = hashlib.blake2b(self._matcher + repr((glossary_url, skip_terms)).encode() + b"\0"
                              + page_html.encode("utf-8"), digest_size=20).digest()
        if key not in _ANNOTATED:
            if len(_ANNOTATED) >= _ANNOTATED_MAX:
                _ANNOTATED.clear()
            _ANNOTATED[key] = self._link_mentions(page_html, glossary_url, skip_terms)
        text, linked_ids = _ANNOTATED[key]
        if not linked_ids:
            return text
        cards = "".join(card_html(self._term_by_id[i], entry_href(glossary_url, self._term_by_id[i]))
                        for i in linked_ids)
        return f'{text}{CARDS_START}{cards}</div>\n'

    def _link_mentions(self, page_html: str, glossary_url: str, skip_terms: tuple[str, ...]
                       ) -> tuple[str, tuple[str, ...]]:
        """``page_html`` with its first mention of each term linked, and the ids of the terms linked."""
        done = set(skip_terms)
        linked: list[Term] = []  # in order of first mention: the order of the cards
        out: list[str] = []
        # Names of the open elements whose text is left alone; same-name children are pushed too,
        # so the right closing tag ends the skipped region.
        skipping: list[str] = []
        # Inside a term's own glossary section its name needs no card: the definition is right there.
        own_section: str | None = None
        position = 0
        for tag in _TAG.finditer(page_html):
            text = page_html[position : tag.start()]
            out.append(text if skipping else self._link_text(text, done, linked, glossary_url, own_section))
            out.append(tag.group(0))
            position = tag.end()
            name = (tag.group(2) or "").lower()
            attributes = tag.group(3) or ""
            if not name or name in _VOID or attributes.rstrip().endswith("/"):
                continue
            if not tag.group(1) and name in ("h2", "h3"):
                anchor = _ID_ATTRIBUTE.search(attributes)
                own_section = anchor.group(1) if anchor and anchor.group(1) in self._term_ids else None
            if tag.group(1):
                if skipping and name == skipping[-1]:
                    skipping.pop()
            elif (skipping and name == skipping[-1]) or name in _SKIP_TAGS or any(
                c in attributes for c in _SKIP_CLASSES
            ):
                skipping.append(name)
        tail = page_html[position:]
        out.append(tail if skipping else self._link_text(tail, done, linked, glossary_url, own_section))
        return "".join(out), tuple(term.id for term in linked)

    def _link_text(self, text: str, done: set[str], linked: list[Term], glossary_url: str,
                   own_section: str | None) -> str:
        if not text.strip():
            return text
        out: list[str] = []
        copied = position = 0
        while start := self._word_start.search(text, position):
            pattern, terms = self._names_from.get(start.group(0).lower(), (None, []))
            match = pattern.match(text, start.start()) if pattern else None
            if match is None:
                position = start.end()
                continue
            position = match.end()
            term = terms[match.lastindex - 1]  # one group per name; exactly one took part
            if term.id in done or term.id == own_section:
                continue
            done.add(term.id)
            linked.append(term)
            out.append(text[copied : match.start()])
            out.append(f'<a class="nutshell-term" href="{html_attribute(entry_href(glossary_url, term))}" '
                       f'aria-describedby="{html_attribute(card_id(term))}">{match.group(0)}</a>')
            copied = match.end()
        out.append(text[copied:])
        return "".join(out)
