"""Find a glossary term from what a person typed, and never guess between two.

In order, the first rule that finds anything decides:

1. **Exact**: an id, name or alias, in any case, spacing or hyphenation, singular or plural, with or
   without a possessive ("Back-Propagation", "relus", "Nesterov's method", "NAG").
2. **Words**: every word typed is a word of the term's name or aliases ("nesterov" → Nesterov accelerated
   gradient, "polyak" → Momentum, "restricted boltzmann").
3. **Prefixes**: every word typed begins a word of the term's names ("drop" → Dropout), or the whole
   query begins a name ("minib" → Mini-batch).

A rule that finds one term answers with it; one that finds several answers with all of them, best
first ("boltzmann": Boltzmann machine and Restricted Boltzmann machine), and the caller lists them.
When no rule finds anything, plausible suggestions come back instead, or none: a near spelling (a
small edit distance, scaled to the length typed), a term sharing the rarer of several words typed,
or a name whose initials were typed ("lr" → Learning rate). "transformer" suggests nothing.

Pure standard library on purpose: `nutshell define` must answer without importing numpy or torch.
Only rule 1 is prepared up front; the rest is built the first time a query needs it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import namedtuple
from functools import cached_property

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b|(?<=s)['’](?!\w)", re.IGNORECASE)

# Words that say nothing about which term is meant: dropped from a query of several words.
STOP_WORDS = frozenset({"a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "with", "by", "what",
                        "is"})

MIN_PREFIX = 3  # "reg" may begin a word; "re" begins too many
MAX_SUGGESTIONS = 3


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


def _plain(text: str) -> str:
    """``text`` lowercased, without accents or possessives: "Nesterov’s Méthode" → "nesterov methode"."""
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.lower()


def words(text: str) -> list[str]:
    """The words of a name or a query: "Nesterov's accelerated-gradient" → nesterov, accelerated, gradient."""
    return [w for w in _NOT_ALNUM.split(_plain(text)) if w]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts one), or ``limit + 1`` once above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def allowed_edits(key: str) -> int:
    """How far a near spelling may be from what was typed: none under 4 letters, then 1, 2 and 3."""
    return 0 if len(key) < 4 else 1 if len(key) < 8 else 2 if len(key) < 16 else 3


# Not a dataclass nor a typing.NamedTuple: importing either costs a lookup 7-12 ms, several times the lookup.
# term_id: the one term found, or None. suggestions: when nothing was found, plausible term ids, best first.
# candidates: when several terms fit equally, all of them, best first; pick none.
Match = namedtuple("Match", ["term_id", "suggestions", "candidates"], defaults=((), ()))


class TermIndex:
    """Every id, name and alias of the glossary, ready to be looked up by :meth:`find`."""

    def __init__(self, surfaces: dict[str, list[str]], exact_keys: dict[str, str] | None = None):
        """``surfaces``: term id → the strings that name it, display name first, then the aliases.
        ``exact_keys``: :attr:`exact_keys` of an index of the same surfaces, kept (nutshell.glossary_cache)."""
        self._surfaces = surfaces
        if exact_keys is not None:
            self._key_to_id = exact_keys
            return
        self._key_to_id: dict[str, str] = {}
        for term_id, names in surfaces.items():
            for name in [term_id, *names]:
                key = normalize(name)
                if key:
                    self._key_to_id.setdefault(key, term_id)
                if "'" in name or "’" in name:  # "Nesterov's method" is also found as "Nesterov method"
                    self._key_to_id.setdefault(normalize(_POSSESSIVE.sub("", name)), term_id)

    @property
    def exact_keys(self) -> dict[str, str]:
        """Normalised id, name or alias → term id: what rule 1 looks up, the only part prepared up front."""
        return self._key_to_id

    @classmethod
    def from_knowledge(cls, knowledge) -> TermIndex:
        return cls({t.id: [t.term, *t.aliases] for t in knowledge.terms})

    # ── Built on first need ──

    @cached_property
    def _words(self) -> dict[str, tuple[set[str], list[str]]]:
        """term id → (every word of its id, name and aliases; the words of its display name)."""
        table = {}
        for term_id, names in self._surfaces.items():
            every = set(words(term_id))
            for name in names:
                every.update(words(name))
            table[term_id] = (every, words(names[0]) if names else [])
        return table

    @cached_property
    def _word_to_ids(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        for term_id, (every, _) in self._words.items():
            for word in every:
                table.setdefault(word, set()).add(term_id)
        return table

    @cached_property
    def _sorted_words(self) -> list[str]:
        return sorted(self._word_to_ids)

    @cached_property
    def _sorted_keys(self) -> list[str]:
        return sorted(self._key_to_id)

    @cached_property
    def _initials(self) -> dict[str, set[str]]:
        """'lr' → {'learning-rate'}: the initials of every display name of two or more plain words."""
        table: dict[str, set[str]] = {}
        for term_id, names in self._surfaces.items():
            parts = names[0].split() if names else []
            if len(parts) >= 2 and all(p.isalpha() and not p.isupper() for p in parts):
                table.setdefault("".join(p[0] for p in parts).lower(), set()).add(term_id)
        return table

    # ── Looking up ──

    def find(self, query: str, max_suggestions: int = MAX_SUGGESTIONS) -> Match:
        key = normalize(_plain(query))
        if not key:
            return Match(None)
        for candidate in [key, *singular_forms(key)]:
            if candidate in self._key_to_id:
                return Match(self._key_to_id[candidate])
        typed = words(query)
        typed = [w for w in typed if w not in STOP_WORDS] or typed
        if "".join(typed) in self._key_to_id:  # "the perceptron"
            return Match(self._key_to_id["".join(typed)])
        for rule in (self._by_words, self._by_prefix):
            found = rule(typed, key)
            if len(found) == 1:
                return Match(next(iter(found)))
            if found:
                return Match(None, candidates=self._ranked(found, typed))
        return Match(None, suggestions=tuple(self._suggest(key, typed)[:max_suggestions]))

    def _by_words(self, typed: list[str], key: str) -> set[str]:
        if len(typed) == 1 and len(typed[0]) < 2:  # "q" alone says too little
            return set()
        found: set[str] | None = None
        for word in typed:
            ids = set().union(*(self._word_to_ids.get(form, ()) for form in [word, *singular_forms(word)]))
            found = ids if found is None else found & ids  # every word, in the same term
            if not found:
                return set()
        return found or set()

    @staticmethod
    def _starting_with(sorted_strings: list[str], prefix: str) -> list[str]:
        start = bisect_left(sorted_strings, prefix)
        end = start
        while end < len(sorted_strings) and sorted_strings[end].startswith(prefix):
            end += 1
        return sorted_strings[start:end]

    def _by_prefix(self, typed: list[str], key: str) -> set[str]:
        if len(key) < MIN_PREFIX:
            return set()
        found = {self._key_to_id[k] for k in self._starting_with(self._sorted_keys, key)}
        if typed and all(len(w) >= 2 for w in typed) and max(map(len, typed)) >= MIN_PREFIX:
            by_words: set[str] | None = None
            for word in typed:
                ids = {i for w in self._starting_with(self._sorted_words, word) for i in self._word_to_ids[w]}
                by_words = ids if by_words is None else by_words & ids
            found |= by_words or set()
        return found

    def _near_word(self, word: str) -> set[str]:
        """Terms with ``word``, its singular or a near spelling of it among their words."""
        ids = set().union(*(self._word_to_ids.get(form, ()) for form in [word, *singular_forms(word)]))
        for candidate, _ in self._near(word, self._word_pool):
            ids |= self._word_to_ids[candidate]
        return ids

    @cached_property
    def _key_pool(self) -> list[tuple[str, frozenset[str]]]:
        return [(key, frozenset(key)) for key in self._key_to_id]

    @cached_property
    def _word_pool(self) -> list[tuple[str, frozenset[str]]]:
        return [(word, frozenset(word)) for word in self._word_to_ids if len(word) >= 4]

    @staticmethod
    def _near(text: str, pool: list[tuple[str, frozenset[str]]]) -> list[tuple[str, int]]:
        """(string, distance) for the strings of ``pool`` within allowed_edits(text) of ``text``.

        Cheap tests first: the length, the first letter of a short word (people rarely mistype it), and
        the letters used (one edit adds or removes at most two from the set); the distance itself last.
        """
        limit = allowed_edits(text)
        if not limit:
            return []
        letters, near = frozenset(text), []
        for candidate, candidate_letters in pool:
            if abs(len(candidate) - len(text)) > limit or len(letters ^ candidate_letters) > 2 * limit:
                continue
            if len(text) < 6 and candidate[0] != text[0]:
                continue
            distance = edit_distance(text, candidate, limit)
            if distance <= limit:
                near.append((candidate, distance))
        return near

    def _ranked(self, term_ids: set[str], typed: list[str]) -> tuple[str, ...]:
        """Terms whose display name holds what was typed first, then the shorter names, then by id."""

        def rank(term_id: str):
            name_words = self._words[term_id][1]
            in_name = all(any(w.startswith(t) or t.startswith(w) for w in name_words) for t in typed)
            return (not in_name, len(name_words), term_id)

        return tuple(sorted(term_ids, key=rank))

    def _suggest(self, key: str, typed: list[str]) -> list[str]:
        scored: dict[str, float] = {}  # term id → score, lower is better

        def offer(term_id: str, score: float) -> None:
            scored[term_id] = min(score, scored.get(term_id, score))

        for candidate, distance in self._near(key, self._key_pool):
            offer(self._key_to_id[candidate], distance)
        if len(typed) == 1:  # a misspelled word of a longer name: "gradiant" → Gradient descent, …
            for candidate, distance in self._near(typed[0], self._word_pool):
                for term_id in self._word_to_ids[candidate]:
                    offer(term_id, distance + 0.5 + 0.1 * (candidate not in self._words[term_id][1]))
        else:  # some of the words typed (or near spellings) fit a term: the rarer the word, the more it says
            overlap: dict[str, list[float]] = {}
            for word in typed:
                ids = self._near_word(word)
                for term_id in ids:
                    overlap.setdefault(term_id, []).append(1 / len(ids))
            for term_id, weights in overlap.items():
                if 2 * len(weights) >= len(typed) and sum(weights) >= 0.3:
                    offer(term_id, 3 - min(sum(weights), 2))
        if 2 <= len(key) <= 5 and key.isalpha():
            for term_id in self._initials.get(key, ()):
                offer(term_id, 2.5)
        return sorted(scored, key=lambda term_id: (scored[term_id], term_id))
