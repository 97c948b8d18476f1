"""Find a glossary term from what a person typed: id, name or alias, in any case, spacing,
hyphenation or plural ("Back-Propagation", "relus", "nesterov momentum", "NAG").

Pure standard library on purpose: `nutshell define` must answer without importing numpy or torch.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lowercase and drop everything but letters and digits: 'Back-propagation' → 'backpropagation'."""
    return _NOT_ALNUM.sub("", text.lower())


def singular_forms(key: str) -> list[str]:
    """Candidate singulars of a normalized key, most specific first."""
    forms = []
    if key.endswith("ies") and len(key) > 4:
        forms.append(key[:-3] + "y")
    if key.endswith("es") and len(key) > 3:
        forms.append(key[:-2])
    if key.endswith("s") and len(key) > 2:
        forms.append(key[:-1])
    return forms


@dataclass(frozen=True)
class Match:
    term_id: str | None  # the term found, or None
    suggestions: tuple[str, ...] = ()  # term ids, best first, when nothing matched exactly


class TermIndex:
    """Maps every normalized id, name and alias to its term id."""

    def __init__(self, surfaces: dict[str, list[str]]):
        """``surfaces``: term id → the strings that name it (id, display name, aliases)."""
        self._key_to_id: dict[str, str] = {}
        # Single words of multi-word names help suggestions only ("gradiant" → "gradient descent").
        self._word_to_ids: dict[str, list[str]] = {}
        self._first_words: set[tuple[str, str]] = set()  # (word, term id) where the name starts with word
        for term_id, names in surfaces.items():
            for name in [term_id, *names]:
                key = normalize(name)
                if key and key not in self._key_to_id:
                    self._key_to_id[key] = term_id
                words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
                if words:
                    self._first_words.add((words[0], term_id))
                for word in words:
                    if len(word) >= 4 and term_id not in self._word_to_ids.setdefault(word, []):
                        self._word_to_ids[word].append(term_id)

    @classmethod
    def from_knowledge(cls, knowledge) -> "TermIndex":
        return cls({t.id: [t.term, *t.aliases] for t in knowledge.terms})

    def find(self, query: str, max_suggestions: int = 3) -> Match:
        key = normalize(query)
        if not key:
            return Match(None)
        for candidate in [key, *singular_forms(key)]:
            if candidate in self._key_to_id:
                return Match(self._key_to_id[candidate])
        scored: list[tuple[float, str]] = []
        for candidate in difflib.get_close_matches(key, list(self._key_to_id), n=12, cutoff=0.7):
            scored.append((difflib.SequenceMatcher(None, key, candidate).ratio(), self._key_to_id[candidate]))
        for word in difflib.get_close_matches(key, list(self._word_to_ids), n=12, cutoff=0.75):
            ratio = difflib.SequenceMatcher(None, key, word).ratio() - 0.05  # whole names rank first
            scored += [(ratio + 0.01 * ((word, term_id) in self._first_words), term_id)
                       for term_id in self._word_to_ids[word]]
        suggestions: list[str] = []
        for _, term_id in sorted(scored, key=lambda item: -item[0]):
            if term_id not in suggestions:
                suggestions.append(term_id)
        return Match(None, tuple(suggestions[:max_suggestions]))
