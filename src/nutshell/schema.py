"""The data model: what a milestone, a term, an era and a source are.

This is the one place that says which keys exist, which are required and what type each holds.
`load.py` checks YAML against these specs; `render.py`, the CLI and the JSON export read the
dataclasses. Links are written once in the data; `Knowledge` derives the reverse direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# [0-9], not \d (which also matches the digits of other scripts), and \Z, not $ (which also matches
# before a final newline).
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?\Z")
DOI_PATTERN = re.compile(r"^10\.[0-9]{4,9}/\S+\Z")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*\Z")

SHORT_MAX = 160
CATEGORIES = (
    "concept",
    "architecture",
    "training",
    "optimization",
    "regularization",
    "data",
    "hardware",
    "history",
)


@dataclass(frozen=True)
class FieldSpec:
    """One key of a YAML mapping: its type and whether it must be present."""

    name: str
    kind: str  # str | text | int | str-list | id | id-list | date | source | source-list
    required: bool = True
    help: str = ""


SOURCE_FIELDS = (
    FieldSpec("authors", "str-list", help="list of names as printed"),
    FieldSpec("title", "str"),
    FieldSpec("venue", "str", help="journal, proceedings, publisher, institution or thesis"),
    FieldSpec("year", "int"),
    FieldSpec("volume", "str", required=False),
    FieldSpec("issue", "str", required=False),
    FieldSpec("pages", "str", required=False),
    FieldSpec("doi", "str", required=False, help="bare DOI such as 10.1038/323533a0"),
    FieldSpec("url", "str", required=False, help="stable http(s) URL"),
    FieldSpec("note", "text", required=False, help="dates that disagree, versions, confusions"),
)

ERA_FIELDS = (
    FieldSpec("id", "id"),
    FieldSpec("title", "str"),
    FieldSpec("start", "int", help="first year, inclusive"),
    FieldSpec("end", "int", help="last year, inclusive"),
    FieldSpec("intro", "text"),
)

MILESTONE_FIELDS = (
    FieldSpec("id", "id"),
    FieldSpec("year", "int"),
    FieldSpec("date", "date", required=False, help='quoted "YYYY-MM" or "YYYY-MM-DD"'),
    FieldSpec("title", "str"),
    FieldSpec("people", "str-list"),
    FieldSpec("summary", "text"),
    FieldSpec("significance", "text"),
    FieldSpec("era", "id"),
    FieldSpec("tags", "id-list"),
    FieldSpec("source", "source"),
    FieldSpec("other_sources", "source-list", required=False),
    FieldSpec("terms", "id-list"),
    FieldSpec("demos", "id-list"),
)

TERM_FIELDS = (
    FieldSpec("id", "id"),
    FieldSpec("term", "str"),
    FieldSpec("aliases", "str-list"),
    FieldSpec("category", "str", help="one of " + ", ".join(CATEGORIES)),
    FieldSpec("short", "str", help=f"plain text, at most {SHORT_MAX} characters"),
    FieldSpec("body", "text"),
    FieldSpec("see_also", "id-list"),
    FieldSpec("milestones", "id-list"),
    FieldSpec("demos", "id-list"),
    FieldSpec("sources", "source-list"),
)


@dataclass(frozen=True)
class Source:
    authors: tuple[str, ...]
    title: str
    venue: str
    year: int
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    url: str | None = None
    note: str | None = None

    @property
    def link(self) -> str | None:
        """Where a reader can find the publication: the DOI resolver first, else the URL."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


@dataclass(frozen=True)
class Era:
    id: str
    title: str
    start: int
    end: int
    intro: str


@dataclass(frozen=True)
class Milestone:
    id: str
    year: int
    title: str
    people: tuple[str, ...]
    summary: str
    significance: str
    era: str
    tags: tuple[str, ...]
    source: Source
    terms: tuple[str, ...]
    demos: tuple[str, ...]
    date: str | None = None
    other_sources: tuple[Source, ...] = ()

    @property
    def sort_key(self) -> tuple[str, str]:
        # Within a year, dated events come in date order; undated ones keep their file order (stable sort).
        return (f"{self.year:04d}", self.date or "")


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    aliases: tuple[str, ...]
    category: str
    short: str
    body: str
    see_also: tuple[str, ...]
    milestones: tuple[str, ...]
    demos: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass
class Knowledge:
    """Everything in data/, cross-linked in both directions."""

    eras: list[Era]
    milestones: list[Milestone]  # chronological
    terms: list[Term]  # alphabetical by display name
    demo_ids: tuple[str, ...] = ()
    era_by_id: dict[str, Era] = field(init=False)
    milestone_by_id: dict[str, Milestone] = field(init=False)
    term_by_id: dict[str, Term] = field(init=False)

    def __post_init__(self) -> None:
        self.era_by_id = {e.id: e for e in self.eras}
        self.milestone_by_id = {m.id: m for m in self.milestones}
        self.term_by_id = {t.id: t for t in self.terms}

    # Derived links: written once in the data, shown on both sides.

    def milestones_for_term(self, term_id: str) -> list[Milestone]:
        term = self.term_by_id[term_id]
        ids = set(term.milestones) | {m.id for m in self.milestones if term_id in m.terms}
        return [m for m in self.milestones if m.id in ids]

    def related_terms(self, term_id: str) -> list[Term]:
        term = self.term_by_id[term_id]
        ids = set(term.see_also) | {t.id for t in self.terms if term_id in t.see_also}
        ids.discard(term_id)
        return sorted((self.term_by_id[i] for i in ids), key=lambda t: t.term.lower())

    def terms_for_milestone(self, milestone_id: str) -> list[Term]:
        milestone = self.milestone_by_id[milestone_id]
        ids = set(milestone.terms) | {t.id for t in self.terms if milestone_id in t.milestones}
        return sorted((self.term_by_id[i] for i in ids), key=lambda t: t.term.lower())

    def milestones_in_era(self, era_id: str) -> list[Milestone]:
        return [m for m in self.milestones if m.era == era_id]

    def terms_for_demo(self, demo_id: str) -> list[Term]:
        return [t for t in self.terms if demo_id in t.demos]

    def milestones_for_demo(self, demo_id: str) -> list[Milestone]:
        return [m for m in self.milestones if demo_id in m.demos]

    def terms_in_category(self, category: str) -> list[Term]:
        return [t for t in self.terms if t.category == category]
