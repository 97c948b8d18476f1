"""Checks between entries once every file is read: unique ids, and one function per kind of reference.

A reference is checked only against a file that could be read (``known`` is None otherwise): that file's
own problems say what is wrong, and a cascade of "unknown id" lines would only hide them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from nutshell import lookup
from nutshell.load.fields import Entry
from nutshell.load.problems import Place, Problems, quoted, suggest
from nutshell.schema import Era, Milestone, Term

_KNOWN_LISTED = 12  # an unknown id with no close match lists the valid ones when there are at most this many


def index_by_id(problems: Problems, entries: Iterable[Entry], what: str) -> dict[str, Entry]:
    """Entries by id; a second entry with an id already used is reported and left out."""
    by_id: dict[str, Entry] = {}
    for entry in entries:
        ident = entry.value.id
        if ident in by_id:
            first = by_id[ident].place
            problems.add(
                entry.place_of("id"),
                f"{what} id '{ident}' is used twice (first at line {first.line}); ids must be unique",
            )
        else:
            by_id[ident] = entry
    return by_id


def check_ids(problems: Problems, entry: Entry, key: str, known: Collection[str] | None, what: str) -> None:
    """Each id listed under ``key`` names something that exists: a term, a milestone or a demo."""
    if known is None:  # the file that declares these ids could not be read; its own problem says why
        return
    for index, ref in enumerate(getattr(entry.value, key)):
        if ref not in known:
            _unknown(problems, entry.place_of(key, index), key, ref, known, what)


def _unknown(problems: Problems, place: Place, key: str, ref: str, known: Collection[str], what: str) -> None:
    hint = suggest(ref, known, n=3, cutoff=0.5)
    if not hint and len(known) <= _KNOWN_LISTED:
        hint = f" (known: {', '.join(sorted(known))})" if known else " (there are none yet)"
    problems.add(place, f"{key}: unknown {what} '{ref}'{hint}")


def check_era_spans(problems: Problems, eras: Iterable[Entry[Era]]) -> None:
    """Each era a sane range of years, and no year in two eras."""
    ordered = sorted(eras, key=lambda entry: entry.value.start)
    for entry in ordered:
        era = entry.value
        if era.start > era.end:
            problems.add(entry.place_of("end"),
                         f"era '{era.id}' ends ({era.end}) before it starts ({era.start})")
    for earlier, later in zip(ordered, ordered[1:]):
        a, b = earlier.value, later.value
        if b.start <= a.end:
            problems.add(
                later.place_of("start"),
                f"era '{b.id}' starts in {b.start}, inside era '{a.id}' ({a.start}–{a.end}); "
                "eras must not overlap",
            )


def check_milestone_era(problems: Problems, entry: Entry[Milestone], era_by_id: dict[str, Entry[Era]],
                        declared_eras: Collection[str] | None) -> None:
    """A milestone's era exists and covers its year."""
    milestone = entry.value
    era_entry = era_by_id.get(milestone.era)
    if era_entry is None:
        if declared_eras is not None and milestone.era not in declared_eras:
            _unknown(problems, entry.place_of("era"), "era", milestone.era, declared_eras, "era")
        return
    era = era_entry.value
    if not era.start <= milestone.year <= era.end:
        problems.add(
            entry.place_of("year"),
            f"year {milestone.year} lies outside its era '{era.id}' ({era.start}–{era.end}); "
            "change the year or the era",
        )


def check_see_also(problems: Problems, entry: Entry[Term], term_by_id: dict[str, Entry[Term]]) -> None:
    """A term's see_also names other terms, each link written on one side only (both pages show it)."""
    term = entry.value
    if term.id in term.see_also:
        problems.add(entry.place_of("see_also"), "see_also: a term cannot list itself")
    for index, other in enumerate(term.see_also):
        other_entry = term_by_id.get(other)
        if other_entry and term.id in other_entry.value.see_also and term.id < other:
            problems.add(
                entry.place_of("see_also", index),
                f"see_also: '{term.id}' and '{other}' list each other; links are shown on both pages, "
                f"so keep it on one side only",
            )


def check_term_milestones(problems: Problems, entry: Entry[Term],
                          milestone_by_id: dict[str, Entry[Milestone]]) -> None:
    """A link between a term and a milestone is written once: on the milestone's 'terms' or here."""
    term = entry.value
    for index, milestone_id in enumerate(term.milestones):
        milestone_entry = milestone_by_id.get(milestone_id)
        if milestone_entry and term.id in milestone_entry.value.terms:
            problems.add(
                entry.place_of("milestones", index),
                f"milestones: '{milestone_id}' already lists this term in its 'terms'; "
                "a link is written once (remove it here)",
            )


def check_names(problems: Problems, terms: Iterable[Entry[Term]]) -> None:
    """Each name, id and alias points to one term only, or lookups and tooltips would be ambiguous."""
    owners: dict[str, tuple[str, Place]] = {}  # normalised name → the term that has it, and where
    for entry in terms:
        term = entry.value
        surfaces = [("term", term.term, entry.place_of("term")), ("id", term.id, entry.place_of("id"))]
        surfaces += [("alias", alias, entry.place_of("aliases", i)) for i, alias in enumerate(term.aliases)]
        for kind, surface, place in surfaces:
            key = lookup.normalize(surface)
            if not key:
                problems.add(place, f"{kind} {quoted(surface)} has no letters or digits")
                continue
            owner = owners.get(key)
            if owner and owner[0] != term.id:
                problems.add(
                    place,
                    f"{kind} {quoted(surface)} also names term '{owner[0]}' (line {owner[1].line}); "
                    "a name or alias must point to one term",
                )
            owners.setdefault(key, (term.id, place))


def check_claims(problems: Problems, dispute: Entry, known_milestones: Collection[str] | None) -> None:
    """A dispute sets at least two claims side by side, and each credits milestones that exist."""
    claims = dispute.value.claims
    if len(claims) < 2:
        problems.add(dispute.place_of("claims"),
                     f"dispute '{dispute.value.id}': claims: list at least two positions side by side "
                     "(a single claim is no dispute; put it in the milestone's source.note instead)")
    for index, claim in enumerate(claims):
        where = dispute.place_of("claims", index)
        if not claim.credits:
            problems.add(where, f"dispute '{dispute.value.id}': claim {index + 1}: credits: name at least one "
                         "milestone id this position gives the credit to")
        if known_milestones is None:
            continue
        for ref in claim.credits:
            if ref not in known_milestones:
                problems.add(where, f"dispute '{dispute.value.id}': claim {index + 1}: credits: unknown milestone "
                             f"{quoted(ref)}{suggest(ref, known_milestones)}")
