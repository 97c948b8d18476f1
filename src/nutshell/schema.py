"""The data model: what a milestone, a term, an era, a source and a dispute are.

This is the one place that says which keys exist, which are required and what kind of value each holds:
each dataclass field is declared with `key` (its kind and a hint), and the `FieldSpec` tables the loader
reads are derived from the dataclasses. `render.py`, the CLI and the JSON export read the dataclasses.
Links are written once in the data; `Knowledge` derives the reverse direction, and holds the demos too.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: nutshell.demos imports ID_PATTERN from here
    from nutshell.demos import Demo

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


FIELD_KINDS = (
    "str", "text", "int", "id", "date", "source", "claim", "str-list", "id-list", "source-list", "claim-list",
)


def yaml_key(kind: str, help: str = "", *, optional: bool = False):
    """Declare a dataclass field as a key of the YAML mapping: the kind of value it holds and a hint on
    what to write (shown when a required key is missing). An optional key defaults to None, or () for a list.

    Kinds: ``str`` one line of plain text; ``text`` Markdown; ``int`` a year; ``id`` a kebab-case id;
    ``date`` "YYYY-MM" or "YYYY-MM-DD"; ``source`` a mapping read as a `Source`, ``claim`` one read as a
    `Claim`; ``X-list`` a list of X.
    """
    if kind not in FIELD_KINDS:  # a typo here would otherwise surface as a loader bug on the first file
        raise ValueError(f"unknown field kind {kind!r}; one of {', '.join(FIELD_KINDS)}")
    metadata = {"kind": kind, "help": help}
    if not optional:
        return field(metadata=metadata)
    return field(default=() if kind.endswith("-list") else None, metadata=metadata)


@dataclass(frozen=True)
class FieldSpec:
    """One key of a YAML mapping as the loader reads it; made from the dataclass field that declares it."""

    name: str
    kind: str
    required: bool = True
    help: str = ""


def field_specs(cls) -> tuple[FieldSpec, ...]:
    """The keys of ``cls``'s YAML mapping in the order its dataclass declares them (messages list them so)."""
    return tuple(
        FieldSpec(f.name, f.metadata["kind"], f.default is MISSING, f.metadata["help"]) for f in fields(cls)
    )


# kw_only: keys are declared in the order a data file writes them, optional ones among the required.


@dataclass(frozen=True, kw_only=True)
class Source:
    authors: tuple[str, ...] = yaml_key("str-list", "list of names as printed")
    title: str = yaml_key("str")
    venue: str = yaml_key("str", "journal, proceedings, publisher, institution or thesis")
    year: int = yaml_key("int")
    volume: str | None = yaml_key("str", optional=True)
    issue: str | None = yaml_key("str", optional=True)
    pages: str | None = yaml_key("str", optional=True)
    doi: str | None = yaml_key("str", "bare DOI such as 10.1038/323533a0", optional=True)
    url: str | None = yaml_key("str", "stable http(s) URL", optional=True)
    note: str | None = yaml_key("text", "dates that disagree, versions, confusions", optional=True)

    @property
    def link(self) -> str | None:
        """Where a reader can find the publication: the DOI resolver first, else the URL."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


@dataclass(frozen=True, kw_only=True)
class Era:
    id: str = yaml_key("id")
    title: str = yaml_key("str")
    start: int = yaml_key("int", "first year, inclusive")
    end: int = yaml_key("int", "last year, inclusive")
    intro: str = yaml_key("text")


@dataclass(frozen=True, kw_only=True)
class Milestone:
    id: str = yaml_key("id")
    year: int = yaml_key("int")
    date: str | None = yaml_key("date", 'quoted "YYYY-MM" or "YYYY-MM-DD"', optional=True)
    title: str = yaml_key("str")
    people: tuple[str, ...] = yaml_key("str-list")
    summary: str = yaml_key("text")
    significance: str = yaml_key("text")
    era: str = yaml_key("id")
    tags: tuple[str, ...] = yaml_key("id-list")
    source: Source = yaml_key("source")
    other_sources: tuple[Source, ...] = yaml_key("source-list", optional=True)
    terms: tuple[str, ...] = yaml_key("id-list")
    demos: tuple[str, ...] = yaml_key("id-list")

    @property
    def sort_key(self) -> tuple[str, str]:
        # Within a year, dated events come in date order; undated ones keep their file order (stable sort).
        return (f"{self.year:04d}", self.date or "")


@dataclass(frozen=True, kw_only=True)
class Term:
    id: str = yaml_key("id")
    term: str = yaml_key("str")
    aliases: tuple[str, ...] = yaml_key("str-list")
    category: str = yaml_key("str", "one of " + ", ".join(CATEGORIES))
    short: str = yaml_key("str", f"plain text, at most {SHORT_MAX} characters")
    body: str = yaml_key("text")
    see_also: tuple[str, ...] = yaml_key("id-list")
    milestones: tuple[str, ...] = yaml_key("id-list")
    demos: tuple[str, ...] = yaml_key("id-list")
    sources: tuple[Source, ...] = yaml_key("source-list")


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One position in a dispute: what it holds, whom it credits, who holds it and where they say so."""

    claim: str = yaml_key("text", "what this position holds, in our words")
    credits: tuple[str, ...] = yaml_key("id-list", "the milestone ids this position gives the credit to")
    by: tuple[str, ...] = yaml_key("str-list", "who makes the claim, as printed in the source")
    source: Source = yaml_key("source", "the publication where the claim is made")


@dataclass(frozen=True, kw_only=True)
class Dispute:
    """A contested question of credit, with the competing claims side by side (data/disputes.yaml)."""

    id: str = yaml_key("id")
    question: str = yaml_key("str", "the contested question, such as 'Who invented backpropagation?'")
    summary: str = yaml_key("text", "a neutral account of what is contested")
    claims: tuple[Claim, ...] = yaml_key("claim-list", "two or more claims, each with its source")

    @property
    def credited(self) -> tuple[str, ...]:
        """Every milestone some claim credits, in the order the claims name them."""
        return tuple(dict.fromkeys(m for claim in self.claims for m in claim.credits))


SOURCE_FIELDS = field_specs(Source)
CLAIM_FIELDS = field_specs(Claim)
DISPUTE_FIELDS = field_specs(Dispute)
ERA_FIELDS = field_specs(Era)
MILESTONE_FIELDS = field_specs(Milestone)
TERM_FIELDS = field_specs(Term)


@dataclass
class Knowledge:
    """Everything in data/, cross-linked in both directions, and the demos that entries link to."""

    eras: list[Era]
    milestones: list[Milestone]  # chronological
    terms: list[Term]  # alphabetical by display name
    demos: tuple[Demo, ...] = ()  # by id: the scripts in demos/ (see nutshell.demos)
    disputes: tuple[Dispute, ...] = ()  # in file order
    era_by_id: dict[str, Era] = field(init=False)
    milestone_by_id: dict[str, Milestone] = field(init=False)
    term_by_id: dict[str, Term] = field(init=False)
    demo_by_id: dict[str, Demo] = field(init=False)
    dispute_by_id: dict[str, Dispute] = field(init=False)

    def __post_init__(self) -> None:
        self.era_by_id = {e.id: e for e in self.eras}
        self.milestone_by_id = {m.id: m for m in self.milestones}
        self.term_by_id = {t.id: t for t in self.terms}
        self.demo_by_id = {d.id: d for d in self.demos}
        self.dispute_by_id = {d.id: d for d in self.disputes}

    @property
    def demo_ids(self) -> tuple[str, ...]:
        """The demos' ids, in id order."""
        return tuple(self.demo_by_id)

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

    def disputes_for_milestone(self, milestone_id: str) -> list[Dispute]:
        return [d for d in self.disputes if milestone_id in d.credited]

    def terms_in_category(self, category: str) -> list[Term]:
        return [t for t in self.terms if t.category == category]
