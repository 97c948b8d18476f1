"""Cross-entry consistency: what one entry says about another must agree with that entry.

A year the prose gives for a named publication ("Rumelhart, Hinton and Williams (1986)") must be the year of a
milestone or a cited source whose first author has that surname; the house style holds in every field we write.
"""

from __future__ import annotations

import re

import pytest

from nutshell.house_style import style_findings
from nutshell.load import load_knowledge_or_raise
from tests.conftest import ROOT

# "Surname (1986)", "Surname et al. (2012)", "Surname and Other (1994)", "Surname, Other and Third (1986)" — only
# where the surname starts an author list (not after ", " or "and "), so "Ackley, Hinton and Sejnowski (1985)"
# is read as Ackley's.
_CITED_YEAR = re.compile(
    r"(?<!, )(?<!and )(?<!& )\b([A-Z][a-zà-ÿş]+)((?:(?:, |,? and |,? & )[A-Z][a-zà-ÿş]+)*| et al\.),? "
    r"\(((?:19|20)[0-9]{2})\)"
)


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge_or_raise(ROOT / "data")


def _first_author_years(knowledge) -> dict[str, set[int]]:
    years: dict[str, set[int]] = {}

    def add(name: str, year: int) -> None:
        years.setdefault(name.split()[-1], set()).add(year)

    for milestone in knowledge.milestones:
        add(milestone.people[0], milestone.year)
        for source in (milestone.source, *milestone.other_sources):
            add(source.authors[0], source.year)
    for term in knowledge.terms:
        for source in term.sources:
            add(source.authors[0], source.year)
    return years


def _prose(knowledge):
    yield from ((f"era '{e.id}'", e.intro) for e in knowledge.eras)
    for m in knowledge.milestones:
        yield from ((f"milestone '{m.id}'", text) for text in (m.summary, m.significance))
    yield from ((f"term '{t.id}'", t.body) for t in knowledge.terms)


def test_years_given_for_named_publications_agree_with_the_entries(knowledge):
    years = _first_author_years(knowledge)
    checked, contradictions = 0, []
    for where, text in _prose(knowledge):
        for match in _CITED_YEAR.finditer(" ".join(text.split())):  # a name list may wrap onto a new line
            name, year = match.group(1), int(match.group(3))
            if name not in years:
                continue  # not an author the data cites: nothing to compare with
            checked += 1
            if year not in years[name]:
                contradictions.append(f"{where}: {match.group(0)!r}, but {name}'s entries are {sorted(years[name])}")
    assert checked >= 20  # the check compares something (measured: 35 mentions)
    assert contradictions == []


def test_the_check_catches_a_wrong_year():
    text = "As Rumelhart, Hinton and Williams (1985) showed; Hochreiter (1991) came before."
    found = [(m.group(1), m.group(3)) for m in _CITED_YEAR.finditer(text)]
    assert found == [("Rumelhart", "1985"), ("Hochreiter", "1991")]
    assert [m.group(1) for m in _CITED_YEAR.finditer("Ackley, Hinton and Sejnowski (1985)")] == ["Ackley"]


def test_every_field_we_write_follows_the_house_style(knowledge):
    texts = [t for _, t in _prose(knowledge)]
    texts += [t.term for t in knowledge.terms] + [t.short for t in knowledge.terms]
    texts += [m.title for m in knowledge.milestones] + [e.title for e in knowledge.eras]
    texts += [d.question for d in knowledge.disputes] + [c.claim for d in knowledge.disputes for c in d.claims]
    assert [(t[:50], style_findings(t)) for t in texts if style_findings(t)] == []


def test_the_counts_the_second_edition_promised(knowledge):
    assert len(knowledge.milestones) >= 70
    assert len(knowledge.terms) >= 120
