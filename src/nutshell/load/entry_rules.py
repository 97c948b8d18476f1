"""Rules within one entry that a field's kind cannot say: a date that agrees with its year, a short
definition that fits a definition card. They run on entries whose every required key was read."""

from __future__ import annotations

from nutshell.house_style import style_findings
from nutshell.load.fields import Entry
from nutshell.load.problems import Problems, quoted, suggest
from nutshell.schema import CATEGORIES, SHORT_MAX, Milestone, Term

_MARKUP = ("`", "$", "](", "**", "<")  # what makes a short definition more than plain text


def check_milestone(problems: Problems, entry: Entry[Milestone]) -> None:
    milestone = entry.value
    if milestone.date and int(milestone.date[:4]) != milestone.year:
        problems.add(entry.place_of("date"), f"date {milestone.date} disagrees with year {milestone.year}")
    if milestone.source.year != milestone.year:
        problems.add(
            entry.place_of("year"),
            f"year {milestone.year} differs from its source's year {milestone.source.year}; "
            "a milestone is dated by its primary publication (explain other dates in source.note)",
        )
    if not milestone.people:
        problems.add(entry.place_of("people"), "people: list at least one person or organisation")
    check_style(problems, entry, "title")


def check_style(problems: Problems, entry: Entry, *keys: str) -> None:
    """The house style in one-line fields we write ourselves (Markdown fields are checked as they are read)."""
    for key in keys:
        for finding in style_findings(getattr(entry.value, key)):
            problems.add(entry.place_of(key), f"{key}: {finding.message}")


def check_term(problems: Problems, entry: Entry[Term]) -> None:
    term = entry.value
    if term.category not in CATEGORIES:
        problems.add(
            entry.place_of("category"),
            f"category: unknown category {quoted(term.category)}{suggest(term.category, CATEGORIES)} "
            f"(one of {', '.join(CATEGORIES)})",
        )
    short = term.short
    if len(short) > SHORT_MAX:
        problems.add(
            entry.place_of("short"),
            f"short is {len(short)} characters; keep it at most {SHORT_MAX} (move detail to body)",
        )
    if any(mark in short for mark in _MARKUP):
        problems.add(entry.place_of("short"),
                     "short must be plain text (no Markdown, math or HTML): it stands alone on definition cards")
    check_style(problems, entry, "term", "short")
