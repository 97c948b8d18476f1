"""Knowledge → Markdown pages, JSON export and HTML tooltips.

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


def _default_demo_title(demo_id: str) -> str:
    return demo_id.replace("-", " ").capitalize()


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


def _year_span(knowledge: Knowledge) -> tuple[int, int]:
    return knowledge.eras[0].start, knowledge.eras[-1].end


def timeline_strip_html(knowledge: Knowledge) -> str:
    """A compact visual timeline: era bands proportional to their length, one dot per milestone."""
    first, last = _year_span(knowledge)
    span = max(1, last - first + 1)
    bands = []
    for era in knowledge.eras:
        width = (era.end - era.start + 1) / span * 100
        bands.append(
            f'<a class="nutshell-strip__era" href="#{era.id}" style="width:{width:.3f}%" '
            f'title="{title_attribute(era.title)} ({era.start}–{era.end})">'
            f'<span>{era.start}</span></a>'
        )
    dots = []
    for milestone in knowledge.milestones:
        left = (milestone.year - first + 0.5) / span * 100
        label = f"{milestone.year}: {milestone.title}"
        dots.append(
            f'<a class="nutshell-strip__dot" href="#{milestone.id}" style="left:{left:.3f}%" '
            f'title="{title_attribute(label)}" aria-label="{html_attribute(label)}"></a>'
        )
    return (
        '<div class="nutshell-strip" role="navigation" aria-label="Timeline overview">'
        f'<div class="nutshell-strip__eras">{"".join(bands)}</div>'
        f'<div class="nutshell-strip__dots">{"".join(dots)}</div>'
        f'<div class="nutshell-strip__ends"><span>{first}</span><span>{last}</span></div>'
        "</div>"
    )


def _filter_html(knowledge: Knowledge) -> str:
    eras = "".join(
        f'<button type="button" class="md-button nutshell-chip" data-filter-era="{e.id}">'
        f"{html_text(e.title)}</button>"
        for e in knowledge.eras
    )
    tags = sorted({tag for m in knowledge.milestones for tag in m.tags})
    options = "".join(f'<option value="{html_attribute(t)}">{html_text(t.replace("-", " "))}</option>' for t in tags)
    return (
        '<div class="nutshell-filter" hidden>'
        '<button type="button" class="md-button nutshell-chip" data-filter-era="" aria-pressed="true">All eras</button>'
        f"{eras}"
        '<label class="nutshell-filter__tag">Tag <select data-filter-tag>'
        f'<option value="">any</option>{options}</select></label>'
        '<p class="nutshell-filter__count" aria-live="polite"></p>'
        "</div>"
    )


def milestone_markdown(
    knowledge: Knowledge, milestone: Milestone, page: str, demo_titles: dict[str, str] | None = None
) -> list[str]:
    demo_titles = demo_titles or {}
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
    lines += [" · ".join(meta), "", markdown_field(milestone.summary, f"milestone '{milestone.id}': summary"), ""]
    significance = markdown_field(milestone.significance, f"milestone '{milestone.id}': significance")
    lines += [f"**Why it mattered.** {significance}", ""]
    lines += [f"**Source.** {citation_markdown(milestone.source)}", ""]
    for other in milestone.other_sources:
        lines += [f"**See also.** {citation_markdown(other)}", ""]
    notes = [s.note for s in (milestone.source, *milestone.other_sources) if s.note]
    for note in notes:
        lines += _note_block(note)
    terms = knowledge.terms_for_milestone(milestone.id)
    if terms:
        links = ", ".join(f"[{inline(t.term)}]({_rel(page, GLOSSARY_PAGE, t.id)})" for t in terms)
        lines += [f"**Terms.** {links}", ""]
    if milestone.demos:
        links = ", ".join(
            f"[{inline(demo_titles.get(d, _default_demo_title(d)))}]({_rel(page, demo_page(d))})"
            for d in milestone.demos
        )
        lines += [f"**Run it.** {links}", ""]
    lines += ["</div>", ""]
    return lines


def timeline_markdown(knowledge: Knowledge, demo_titles: dict[str, str] | None = None) -> str:
    page = TIMELINE_PAGE
    first, last = _year_span(knowledge)
    lines = [
        "---",
        "title: Timeline",
        "---",
        "",
        "# Timeline",
        "",
        f"{len(knowledge.milestones)} milestones from {first} to {last}, grouped into {len(knowledge.eras)} eras. "
        "Each one cites the publication where the idea first appeared; where popular accounts give another "
        "date, a note says which and why.",
        "",
        timeline_strip_html(knowledge),
        "",
        _filter_html(knowledge),
        "",
    ]
    for era in knowledge.eras:
        lines += [
            f'## {inline(era.title)} <span class="nutshell-years">{era.start}–{era.end}</span> {{#{era.id}}}',
            "",
            markdown_field(era.intro, f"era '{era.id}': intro"),
            "",
        ]
        for milestone in knowledge.milestones_in_era(era.id):
            lines += milestone_markdown(knowledge, milestone, page, demo_titles)
    return "\n".join(lines)


# ── Glossary ──────────────────────────────────────────────────────────────────


def _letter(term: Term) -> str:
    first = term.term.strip()[:1].upper()
    return first if first.isalpha() else "#"


def term_markdown(
    knowledge: Knowledge, term: Term, page: str, demo_titles: dict[str, str] | None = None
) -> list[str]:
    demo_titles = demo_titles or {}
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
        links = ", ".join(
            f"[{inline(demo_titles.get(d, _default_demo_title(d)))}]({_rel(page, demo_page(d))})"
            for d in term.demos
        )
        lines += [f"**Run it.** {links}", ""]
    if term.sources:
        lines += ["**Sources.**", ""]
        lines += [f"- {citation_markdown(s)}" for s in term.sources]
        lines.append("")
        for source in term.sources:
            if source.note:
                lines += _note_block(source.note)
    return lines


def glossary_markdown(knowledge: Knowledge, demo_titles: dict[str, str] | None = None) -> str:
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
        f"{len(knowledge.terms)} terms, A to Z. Hover a term anywhere on the site for its short definition; "
        f"`nutshell define TERM` prints the same entry in a terminal. Browse by topic: {categories}.",
        "",
        f'<nav class="nutshell-az" aria-label="Jump to letter">{"".join(bar)}</nav>',
        "",
    ]
    for letter, terms in letters.items():
        anchor = "letter-other" if letter == "#" else f"letter-{letter.lower()}"
        lines += [f"## {letter} {{#{anchor}}}", ""]
        for term in terms:
            lines += term_markdown(knowledge, term, page, demo_titles)
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


def glossary_json(knowledge: Knowledge) -> str:
    terms = glossary_records(knowledge)
    return json.dumps({"schema_version": JSON_SCHEMA_VERSION, "count": len(terms), "terms": terms}, indent=1,
                      ensure_ascii=False) + "\n"


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
            "url": site_path(TIMELINE_PAGE) + f"#{m.id}",
        }
        for m in knowledge.milestones
    ]


def milestones_json(knowledge: Knowledge) -> str:
    eras, milestones = era_records(knowledge), milestone_records(knowledge)
    return json.dumps(
        {"schema_version": JSON_SCHEMA_VERSION, "count": len(milestones), "eras": eras, "milestones": milestones},
        indent=1,
        ensure_ascii=False,
    ) + "\n"


# ── Tooltips ──────────────────────────────────────────────────────────────────

# Text inside these elements is left alone: code, links, headings, math, existing tooltips, widgets.
_SKIP_TAGS = {
    "a", "abbr", "code", "pre", "kbd", "samp", "script", "style", "math", "svg", "button", "label",
    "select", "option", "textarea", "title", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "summary",
}
_SKIP_CLASSES = ("nutshell-tag", "nutshell-notip")  # labels and widgets that must stay plain
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|<!--.*?-->", re.S)
_ID_ATTRIBUTE = re.compile(r'\bid="([^"]+)"')
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed", "track"}
_MIN_SURFACE = 3


def _surface_pattern(surface: str) -> str:
    escaped = re.escape(surface).replace(r"\ ", r"[\s\u00a0]+").replace(r"\-", r"[-\u2011 ]?")
    # Names with inner capitals (ReLU, AlexNet, SGD) must match exactly; plain words in any case.
    has_inner_capitals = any(c.isupper() for c in surface[1:])
    return escaped if has_inner_capitals else f"(?i:{escaped})"


class TooltipAnnotator:
    """Wraps the first mention of each glossary term on a page in ``<abbr title="short">``."""

    def __init__(self, knowledge: Knowledge):
        surfaces: list[tuple[str, Term]] = []
        for term in knowledge.terms:
            for surface in {term.term, *term.aliases}:
                # Short surfaces only as exact abbreviations (L1, BP): short lowercase words are too common.
                if len(surface) >= _MIN_SURFACE or (len(surface) == 2 and surface.isupper() or surface[-1:].isdigit()):
                    surfaces.append((surface, term))
        # Longest first, so "stochastic gradient descent" wins over "gradient descent".
        surfaces.sort(key=lambda item: -len(item[0]))
        self._term_for_group: list[Term] = [term for _, term in surfaces]
        self._term_ids = {term.id for term in knowledge.terms}
        alternatives = "|".join(f"({_surface_pattern(s)})" for s, _ in surfaces)
        self._pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?:e?s)?(?![\w-])") if surfaces else None

    def annotate(self, page_html: str, skip_terms: Iterable[str] = ()) -> str:
        if self._pattern is None:
            return page_html
        done = set(skip_terms)
        out: list[str] = []
        # Names of the open elements whose text is left alone; same-name children are pushed too,
        # so the right closing tag ends the skipped region.
        skipping: list[str] = []
        # Inside a term's own glossary section its name needs no tooltip: the definition is right there.
        own_section: str | None = None
        position = 0
        for tag in _TAG.finditer(page_html):
            text = page_html[position : tag.start()]
            out.append(text if skipping else self._annotate_text(text, done, own_section))
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
        out.append(tail if skipping else self._annotate_text(tail, done, own_section))
        return "".join(out)

    def _annotate_text(self, text: str, done: set[str], own_section: str | None = None) -> str:
        if not text.strip():
            return text

        def replace(match: re.Match) -> str:
            index = next(i for i, group in enumerate(match.groups()) if group is not None)
            term = self._term_for_group[index]
            if term.id in done or term.id == own_section:
                return match.group(0)
            done.add(term.id)
            return f'<abbr title="{title_attribute(term.short)}">{match.group(0)}</abbr>'

        return self._pattern.sub(replace, text)


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
