"""Knowledge → Markdown pages and JSON export (definition cards: nutshell.definition_cards).

Pure functions of a `Knowledge` (no MkDocs import), so every page can be tested without a build.
Links between generated pages are written as relative links to source files (``glossary/index.md#id``);
MkDocs resolves and checks them in strict mode.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable

from nutshell import untrusted
from nutshell.schema import CATEGORIES, Knowledge, Milestone, Source, Term

TIMELINE_PAGE = "timeline.md"
GLOSSARY_PAGE = "glossary/index.md"
API_DIR = "api"
DISPUTES_PAGE = "disputes.md"
JSON_SCHEMA_VERSION = 1

CATEGORY_TITLES = {
    "concept": "Concepts",
    "architecture": "Architectures and building blocks",
    "training": "Training",
    "optimization": "Optimization",
    "regularization": "Regularization",
    "data": "Data sets and evaluation",
    "hardware": "Hardware",
    "history": "History and schools of thought",
}


def category_page(category: str) -> str:
    return f"glossary/{category}.md"


def demo_page(demo_id: str) -> str:
    return f"demos/{demo_id}.ipynb"


def site_path(source_page: str) -> str:
    """The URL path (relative to the site root) that MkDocs gives a source page with directory URLs."""
    stem = re.sub(r"\.(md|ipynb)$", "", source_page)
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    else:
        stem += "/"
    return stem.lstrip("/")


def _rel(from_page: str, to_page: str, anchor: str | None = None) -> str:
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{target}#{anchor}" if anchor else target


# Every string from data/ reaches the page through `untrusted` (see its docstring for the policy):
# plain fields through `inline`, `html_attribute`, `title_attribute`, `html_text`, `attr_list_value` or
# `link_destination`,
# Markdown fields through `untrusted.markdown`, which refuses what `nutshell check` refuses.
inline = untrusted.inline
html_attribute = untrusted.html_attribute
title_attribute = untrusted.title_attribute
html_text = untrusted.html_text


def markdown_field(text: str, what: str) -> str:
    return untrusted.markdown(text.strip(), what)


def _demo_links(knowledge: Knowledge, demo_ids: Iterable[str], page: str) -> str:
    """Links to demo pages, each named by its title (from the id when the Knowledge lacks the demo)."""
    links = []
    for demo_id in demo_ids:
        demo = knowledge.demo_by_id.get(demo_id)
        title = demo.title if demo else demo_id.replace("-", " ").capitalize()
        links.append(f"[{inline(title)}]({_rel(page, demo_page(demo_id))})")
    return ", ".join(links)


def generated_pages(knowledge: Knowledge) -> dict[str, str]:
    """Every page made from data/, as {source path: content}: what an engine adapter adds to the site."""
    pages = {TIMELINE_PAGE: timeline_markdown(knowledge), GLOSSARY_PAGE: glossary_markdown(knowledge)}
    for category in CATEGORIES:  # every category has a page: mkdocs.yml's nav lists them all
        pages[category_page(category)] = category_markdown(knowledge, category)
    pages[f"{API_DIR}/glossary.json"] = glossary_json(knowledge)
    pages[f"{API_DIR}/milestones.json"] = milestones_json(knowledge)
    pages[DISPUTES_PAGE] = disputes_markdown(knowledge)
    pages[f"{API_DIR}/disputes.json"] = disputes_json(knowledge)
    return pages


def placeholder_pages() -> dict[str, str]:
    """While the data has problems (`mkdocs serve`), the pages the nav names stand in for themselves."""
    return dict.fromkeys((TIMELINE_PAGE, DISPUTES_PAGE, GLOSSARY_PAGE, *map(category_page, CATEGORIES)),
                         "# Waiting for the data to be fixed\n")


# ── Citations ──────────────────────────────────────────────────────────────────


def format_authors(authors: Iterable[str]) -> str:
    names = list(authors)
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def citation_markdown(source: Source) -> str:
    """One-line citation: authors (year). Title. *Venue*, volume(issue), pages. link"""
    parts = [f"{inline(format_authors(source.authors))} ({source.year}). {inline(source.title)}."]
    venue = f"*{inline(source.venue)}*"
    if source.volume:
        venue += f", {inline(source.volume)}"
        if source.issue:
            venue += f"({inline(source.issue)})"
    elif source.issue:
        venue += f", no. {inline(source.issue)}"
    if source.pages:
        venue += f", {inline(source.pages)}"
    parts.append(venue + ".")
    if source.doi:
        parts.append(f"[doi:{inline(source.doi)}]({untrusted.link_destination('https://doi.org/' + source.doi)})")
    if source.url and (not source.doi or source.url != f"https://doi.org/{source.doi}"):
        parts.append(f"[{'link' if source.doi else 'stable link'}]({untrusted.link_destination(source.url)})")
    return " ".join(parts)


def citation_text(source: Source) -> str:
    """Plain-text citation for the CLI."""
    text = f"{format_authors(source.authors)} ({source.year}). {source.title}. {source.venue}"
    if source.volume:
        text += f", {source.volume}" + (f"({source.issue})" if source.issue else "")
    if source.pages:
        text += f", {source.pages}"
    text += "."
    if source.link:
        text += f" {source.link}"
    return text


def _note_block(note: str) -> list[str]:
    lines = ['!!! info "About the dates and sources"', ""]
    lines += ["    " + line if line else "" for line in markdown_field(note, "source note").splitlines()]
    return lines + [""]


# ── Timeline ──────────────────────────────────────────────────────────────────
# Each era is a <section> (its heading, introduction and milestones), so the filter in
# javascripts/timeline.js can hide an era that has no milestone left. Each milestone is a compact card
# (heading, people, tags, summary clamped to two lines by nutshell.css) whose full entry sits in a native
# <details>: it opens by keyboard, touch and screen reader without script; with script, the milestone
# that the URL's #anchor names opens by itself.


def _year_span(knowledge: Knowledge) -> tuple[int, int]:
    return knowledge.eras[0].start, knowledge.eras[-1].end


def timeline_strip_html(knowledge: Knowledge) -> str:
    """A compact visual timeline: era bands proportional to their length, one dot per milestone.

    Each band carries its first year twice, in full and as ’yy: nutshell.css shows whichever fits the
    band's width and neither when the band is narrower still (a one-year era on a phone).
    """
    first, last = _year_span(knowledge)
    span = max(1, last - first + 1)
    bands = []
    for era in knowledge.eras:
        width = (era.end - era.start + 1) / span * 100
        label = f"{era.title} ({era.start}–{era.end})"
        bands.append(
            f'<a class="nutshell-strip__era" href="#{era.id}" style="width:{width:.3f}%" '
            f'title="{title_attribute(label)}" aria-label="{html_attribute(label)}">'
            f'<span class="nutshell-strip__year">{era.start}</span>'
            f'<span class="nutshell-strip__short">’{era.start % 100:02d}</span></a>'
        )
    dots = []
    for milestone in knowledge.milestones:
        left = (milestone.year - first + 0.5) / span * 100
        label = f"{milestone.year}: {milestone.title}"
        dots.append(
            f'<a class="nutshell-strip__dot" href="#{milestone.id}" style="left:{left:.3f}%" '
            f'data-milestone="{milestone.id}" title="{title_attribute(label)}" '
            f'aria-label="{html_attribute(label)}"></a>'
        )
    return (
        '<div class="nutshell-strip" role="navigation" aria-label="Timeline overview">'
        f'<div class="nutshell-strip__eras">{"".join(bands)}</div>'
        f'<div class="nutshell-strip__dots">{"".join(dots)}</div>'
        f'<div class="nutshell-strip__ends"><span>{first}</span><span>{last}</span></div>'
        "</div>"
    )


def _filter_html(knowledge: Knowledge) -> str:
    """Era buttons, a tag list, the count and an expand-all switch; javascripts/timeline.js reveals them."""
    eras = "".join(
        f'<button type="button" class="md-button nutshell-chip" data-filter-era="{e.id}" aria-pressed="false">'
        f"{html_text(e.title.split(':', 1)[0])}</button>"
        for e in knowledge.eras
    )
    tags = sorted({tag for m in knowledge.milestones for tag in m.tags})
    options = "".join(f'<option value="{html_attribute(t)}">{html_text(t.replace("-", " "))}</option>' for t in tags)
    return (
        '<div class="nutshell-filter" role="group" aria-label="Filter the milestones" hidden>'
        '<div class="nutshell-filter__eras">'
        '<button type="button" class="md-button nutshell-chip" data-filter-era="" aria-pressed="true">All eras</button>'
        f"{eras}</div>"
        '<label class="nutshell-filter__tag">Tag <select data-filter-tag>'
        f'<option value="">any</option>{options}</select></label>'
        '<p class="nutshell-filter__count" aria-live="polite"></p>'
        '<button type="button" class="md-button nutshell-chip nutshell-filter__expand" data-expand-all '
        'aria-pressed="false">Show full entries</button>'
        "</div>"
    )


def _details_label(milestone: Milestone, notes: int, has_terms: bool) -> str:
    """What the closed entry holds, in words: 'Why it mattered, source, terms and a demo'."""
    parts = ["why it mattered", "sources" if milestone.other_sources else "source"]
    if notes:
        parts.append("a note on the dates" if notes == 1 else "notes on the dates")
    if has_terms:
        parts.append("terms")
    if milestone.demos:
        parts.append("a demo" if len(milestone.demos) == 1 else "demos")
    text = ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[0].upper() + text[1:]


def milestone_markdown(knowledge: Knowledge, milestone: Milestone, page: str) -> list[str]:
    """One milestone: a compact card (heading, people, tags, summary) and its full entry in <details>."""
    tags = html_attribute(" ".join(milestone.tags))
    lines = [
        f'<div class="nutshell-milestone" data-era="{html_attribute(milestone.era)}" data-tags="{tags}" markdown>',
        "",
        f"### {milestone.year} · {inline(milestone.title)} {{#{milestone.id}}}",
        "",
    ]
    meta = [f"**{inline(', '.join(milestone.people))}**"]
    if milestone.date:
        meta.append(f"dated {milestone.date}")
    if milestone.tags:
        meta.append(" ".join(f'<span class="nutshell-tag">{html_text(t)}</span>' for t in milestone.tags))
    for dispute in knowledge.disputes_for_milestone(milestone.id):  # shown on the card: credit is contested
        meta.append(f"[credit disputed: {inline(dispute.question)}]({_rel(page, DISPUTES_PAGE, dispute.id)})")
    lines += [f'<p class="nutshell-milestone__meta" markdown>{" · ".join(meta)}</p>', ""]
    summary = markdown_field(milestone.summary, f"milestone '{milestone.id}': summary")
    lines += ['<div class="nutshell-milestone__summary" markdown>', "", summary, "", "</div>", ""]

    notes = [s.note for s in (milestone.source, *milestone.other_sources) if s.note]
    terms = knowledge.terms_for_milestone(milestone.id)
    lines += [
        '<details class="nutshell-milestone__more" markdown>',
        f"<summary data-search-exclude>{_details_label(milestone, len(notes), bool(terms))}</summary>",
        "",
    ]
    significance = markdown_field(milestone.significance, f"milestone '{milestone.id}': significance")
    lines += [f"**Why it mattered.** {significance}", ""]
    lines += [f"**Source.** {citation_markdown(milestone.source)}", ""]
    for other in milestone.other_sources:
        lines += [f"**See also.** {citation_markdown(other)}", ""]
    for note in notes:
        lines += _note_block(note)
    if terms:
        links = ", ".join(f"[{inline(t.term)}]({_rel(page, GLOSSARY_PAGE, t.id)})" for t in terms)
        lines += [f"**Terms.** {links}", ""]
    if milestone.demos:
        lines += [f"**Run it.** {_demo_links(knowledge, milestone.demos, page)}", ""]
    lines += ["</details>", "", "</div>", ""]
    return lines


def timeline_markdown(knowledge: Knowledge) -> str:
    page = TIMELINE_PAGE
    first, last = _year_span(knowledge)
    lines = [
        "---",
        "title: Timeline",
        "---",
        "",
        "# Timeline",
        "",
        (
            f"{len(knowledge.milestones)} milestones from {first} to {last}, grouped into "
            f"{len(knowledge.eras)} eras. Each one cites the publication where the idea first appeared; where "
            "popular accounts give another date, a note says which and why. Open a milestone for why it "
            "mattered, its sources and its terms."
        ),
        "",
        timeline_strip_html(knowledge),
        "",
        _filter_html(knowledge),
        "",
    ]
    for era in knowledge.eras:
        lines += [
            f'<section class="nutshell-era" data-era="{era.id}" markdown>',
            "",
            f'## {inline(era.title)} <span class="nutshell-years">{era.start}–{era.end}</span> {{#{era.id}}}',
            "",
            markdown_field(era.intro, f"era '{era.id}': intro"),
            "",
        ]
        for milestone in knowledge.milestones_in_era(era.id):
            lines += milestone_markdown(knowledge, milestone, page)
        lines += ["</section>", ""]
    return "\n".join(lines)


# ── Glossary ──────────────────────────────────────────────────────────────────


def _letter(term: Term) -> str:
    first = term.term.strip()[:1].upper()
    return first if first.isalpha() else "#"


def term_markdown(knowledge: Knowledge, term: Term, page: str) -> list[str]:
    # Aliases sit in the heading: Material's search ranks heading words far above body text, so
    # "weight decay" finds L2 regularization first. The table of contents shows the name alone.
    heading = f"### {inline(term.term)}"
    if term.aliases:
        aliases = " · ".join(inline(a) for a in term.aliases)
        heading += f' <small class="nutshell-aliases">also {aliases}</small>'
    lines = [f'{heading} {{#{term.id} data-toc-label="{untrusted.attr_list_value(term.term)}"}}', ""]
    body = markdown_field(term.body, f"term '{term.id}': body")
    lines += [f'<span class="nutshell-tag">{html_text(term.category)}</span>', "", body, ""]
    related = knowledge.related_terms(term.id)
    if related:
        links = ", ".join(f"[{inline(t.term)}]({_rel(page, GLOSSARY_PAGE, t.id)})" for t in related)
        lines += [f"**See also.** {links}", ""]
    milestones = knowledge.milestones_for_term(term.id)
    if milestones:
        links = ", ".join(
            f"[{m.year} · {inline(m.title)}]({_rel(page, TIMELINE_PAGE, m.id)})" for m in milestones
        )
        lines += [f"**In history.** {links}", ""]
    if term.demos:
        lines += [f"**Run it.** {_demo_links(knowledge, term.demos, page)}", ""]
    if term.sources:
        lines += ["**Sources.**", ""]
        lines += [f"- {citation_markdown(s)}" for s in term.sources]
        lines.append("")
        for source in term.sources:
            if source.note:
                lines += _note_block(source.note)
    return lines


def glossary_markdown(knowledge: Knowledge) -> str:
    page = GLOSSARY_PAGE
    letters: dict[str, list[Term]] = {}
    for term in knowledge.terms:
        letters.setdefault(_letter(term), []).append(term)
    bar = []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if letter in letters:
            bar.append(f'<a href="#letter-{letter.lower()}">{letter}</a>')
        else:
            bar.append(f'<span aria-hidden="true">{letter}</span>')
    categories = ", ".join(
        f"[{CATEGORY_TITLES[c].lower()}]({_rel(page, category_page(c))})"
        for c in CATEGORIES
        if knowledge.terms_in_category(c)
    )
    lines = [
        "---",
        "title: Glossary",
        "search:",
        "  boost: 2",
        "---",
        "",
        "# Glossary",
        "",
        f"{len(knowledge.terms)} terms, A to Z. Hover, focus or tap a term anywhere on the site for its definition "
        f"card; `nutshell define TERM` prints the same entry in a terminal. Browse by topic: {categories}.",
        "",
        f'<nav class="nutshell-az" aria-label="Jump to letter">{"".join(bar)}</nav>',
        "",
    ]
    for letter, terms in letters.items():
        anchor = "letter-other" if letter == "#" else f"letter-{letter.lower()}"
        lines += [f"## {letter} {{#{anchor}}}", ""]
        for term in terms:
            lines += term_markdown(knowledge, term, page)
    return "\n".join(lines)


def category_markdown(knowledge: Knowledge, category: str) -> str:
    page = category_page(category)
    title = CATEGORY_TITLES[category]
    lines = ["---", f"title: {title}", "search:", "  exclude: true", "---", "", f"# {title}", ""]
    terms = knowledge.terms_in_category(category)
    if not terms:
        lines.append("No terms in this category yet.")
    for term in terms:
        lines.append(f"- [**{inline(term.term)}**]({_rel(page, GLOSSARY_PAGE, term.id)}): {inline(term.short)}")
    return "\n".join(lines) + "\n"


# ── JSON export ───────────────────────────────────────────────────────────────


def _source_json(source: Source) -> dict:
    data = {
        "authors": list(source.authors),
        "title": source.title,
        "venue": source.venue,
        "year": source.year,
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "doi": source.doi,
        "url": source.url,
        "link": source.link,
        "note": source.note,
    }
    return data


def glossary_records(knowledge: Knowledge) -> list[dict]:
    """One JSON-ready record per term: the shape of ``api/glossary.json`` and of ``nutshell define --json``."""
    return [
        {
            "id": t.id,
            "term": t.term,
            "aliases": list(t.aliases),
            "category": t.category,
            "short": t.short,
            "body_markdown": t.body,
            "url": site_path(GLOSSARY_PAGE) + f"#{t.id}",
            "see_also": [r.id for r in knowledge.related_terms(t.id)],
            "milestones": [m.id for m in knowledge.milestones_for_term(t.id)],
            "demos": list(t.demos),
            "sources": [_source_json(s) for s in t.sources],
        }
        for t in knowledge.terms
    ]


def _document(kind: str, records: list[dict], **more) -> dict:
    """The wrapper every list in the export shares: ``{schema_version, count, <kind>, …}``."""
    return {"schema_version": JSON_SCHEMA_VERSION, "count": len(records), **more, kind: records}


def to_json(document: dict) -> str:
    """How the site writes a JSON document (the CLI prints the same documents through terminal.json_text)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def glossary_document(knowledge: Knowledge) -> dict:
    """``api/glossary.json``, and what ``nutshell define --list --json`` prints: ``{schema_version, count, terms}``."""
    return _document("terms", glossary_records(knowledge))


def glossary_json(knowledge: Knowledge) -> str:
    return to_json(glossary_document(knowledge))


def era_records(knowledge: Knowledge) -> list[dict]:
    return [
        {"id": e.id, "title": e.title, "start": e.start, "end": e.end, "intro_markdown": e.intro,
         "url": site_path(TIMELINE_PAGE) + f"#{e.id}"}
        for e in knowledge.eras
    ]


def milestone_records(knowledge: Knowledge) -> list[dict]:
    """One JSON-ready record per milestone: the shape of ``api/milestones.json`` and of ``timeline --json``."""
    return [
        {
            "id": m.id,
            "year": m.year,
            "date": m.date,
            "title": m.title,
            "people": list(m.people),
            "era": m.era,
            "tags": list(m.tags),
            "summary_markdown": m.summary,
            "significance_markdown": m.significance,
            "source": _source_json(m.source),
            "other_sources": [_source_json(s) for s in m.other_sources],
            "terms": [t.id for t in knowledge.terms_for_milestone(m.id)],
            "demos": list(m.demos),
            "disputes": [d.id for d in knowledge.disputes_for_milestone(m.id)],
            "url": site_path(TIMELINE_PAGE) + f"#{m.id}",
        }
        for m in knowledge.milestones
    ]


def milestones_document(knowledge: Knowledge, milestone_ids: Iterable[str] | None = None) -> dict:
    """``api/milestones.json``: ``{schema_version, count, eras, milestones}``, ``count`` counting milestones.

    ``nutshell timeline --json`` prints the same document for the milestones it lists (``milestone_ids``,
    in that order) and only the eras they belong to.
    """
    eras, milestones = era_records(knowledge), milestone_records(knowledge)
    if milestone_ids is not None:
        by_id = {m["id"]: m for m in milestones}
        milestones = [by_id[i] for i in milestone_ids]
        used = {m["era"] for m in milestones}
        eras = [e for e in eras if e["id"] in used]
    return _document("milestones", milestones, eras=eras)


def milestones_json(knowledge: Knowledge) -> str:
    return to_json(milestones_document(knowledge))


def demo_links_html(knowledge: Knowledge, demo_id: str, url_for: Callable[[str, str | None], str]) -> str:
    """The 'in the knowledge base' section appended to a demo page: terms and milestones that link to it."""
    terms = knowledge.terms_for_demo(demo_id)
    milestones = knowledge.milestones_for_demo(demo_id)
    if not terms and not milestones:
        return ""
    parts = ['<h2 id="in-the-knowledge-base">In the knowledge base</h2>']
    if milestones:
        items = "".join(
            f'<li><a href="{url_for(TIMELINE_PAGE, m.id)}">{m.year} · {html_text(m.title)}</a></li>'
            for m in milestones
        )
        parts.append(f"<p>Milestones this demo reproduces:</p><ul>{items}</ul>")
    if terms:
        items = ", ".join(
            f'<a href="{url_for(GLOSSARY_PAGE, t.id)}">{html_text(t.term)}</a>' for t in terms
        )
        parts.append(f"<p>Terms it illustrates: {items}.</p>")
    return "\n".join(parts)


# ── Disputes: who was first ───────────────────────────────────────────────────


def disputes_markdown(knowledge: Knowledge) -> str:
    """The disputes page: each contested question, its claims side by side, each with its source."""
    page = DISPUTES_PAGE
    lines = [
        "---", "title: Who was first", "---", "",
        "# Who was first",
        "",
        f"{len(knowledge.disputes)} questions of credit on which the literature disagrees. Each position is set "
        "out as its proponents state it, with the publication where they do; the milestones it credits link "
        "to the timeline. This page takes no side.",
        "",
    ]
    if not knowledge.disputes:
        lines.append("No disputes are recorded yet.")
    for dispute in knowledge.disputes:
        lines += [f"## {inline(dispute.question)} {{#{dispute.id}}}", "",
                  markdown_field(dispute.summary, f"dispute '{dispute.id}': summary"), "",
                  '<div class="nutshell-claims" markdown>', ""]
        for number, claim in enumerate(dispute.claims, start=1):
            credited = ", ".join(
                f"[{knowledge.milestone_by_id[m].year} · {inline(knowledge.milestone_by_id[m].title)}]"
                f"({_rel(page, TIMELINE_PAGE, m)})"
                for m in claim.credits
            )
            lines += [
                '<div class="nutshell-claim" markdown>', "",
                f"**Position {number}: credit to** {credited}", "",
                markdown_field(claim.claim, f"dispute '{dispute.id}': claim {number}"), "",
                f"**Held by** {inline(', '.join(claim.by))} · **Source.** {citation_markdown(claim.source)}", "",
                "</div>", "",
            ]
        lines += ["</div>", ""]
    return "\n".join(lines)


def dispute_records(knowledge: Knowledge) -> list[dict]:
    """One JSON-ready record per dispute: the shape of ``api/disputes.json``."""
    return [
        {
            "id": d.id,
            "question": d.question,
            "summary_markdown": d.summary,
            "claims": [
                {"claim_markdown": c.claim, "credits": list(c.credits), "by": list(c.by),
                 "source": _source_json(c.source)}
                for c in d.claims
            ],
            "milestones": list(d.credited),
            "url": site_path(DISPUTES_PAGE) + f"#{d.id}",
        }
        for d in knowledge.disputes
    ]


def disputes_json(knowledge: Knowledge) -> str:
    """``api/disputes.json``: ``{schema_version, count, disputes}``."""
    return to_json(_document("disputes", dispute_records(knowledge)))
