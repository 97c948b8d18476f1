"""`nutshell` command line: look terms up, list the timeline, check the data, run demos and AlexNet.

Lookups must feel instant, so this module imports only the standard library, PyYAML and the
data code at start; `demo` and `alexnet` import numpy/torch only when they are used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path

from nutshell.terminal import json_text, printable, printable_copy, quiet_when_the_reader_leaves

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
DATA_ENV = "NUTSHELL_DATA"


class UsageError(Exception):
    """A mistake in what the user typed: reported on one line, exit status 2."""


# ── Finding the data ──────────────────────────────────────────────────────────


def default_data_dir() -> Path:
    """$NUTSHELL_DATA, else the nearest data/ above the working directory, else the one beside the package."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "data" / "glossary.yaml").is_file():
            return folder / "data"
    return Path(__file__).resolve().parents[2] / "data"


def site_url(data_dir: Path) -> str:
    """The published site's address, read from the mkdocs.yml beside data/ (the one place it is set)."""
    config = data_dir.resolve().parent / "mkdocs.yml"
    if config.is_file():
        match = re.search(r"^site_url:\s*(\S+)", config.read_text(encoding="utf-8"), re.M)
        if match:
            return printable(match.group(1)).rstrip("/") + "/"
    return DEFAULT_SITE_URL


def _read_data(data_dir: Path):
    """load_knowledge's (knowledge, problems), once data_dir is known to be a directory."""
    from nutshell.load import load_knowledge

    if not data_dir.is_dir():
        if data_dir.exists():
            raise UsageError(f"{data_dir} is not a directory (pass --data DIR or set {DATA_ENV})")
        raise UsageError(f"data directory not found: {data_dir} (pass --data DIR or set {DATA_ENV})")
    try:
        return load_knowledge(data_dir)
    except OSError as error:  # say, a folder named glossary.yaml: one more problem, not a traceback
        return None, [f"{error.filename or data_dir}: cannot read: {error.strerror or error}"]


def _load(data_dir: Path):
    knowledge, problems = _read_data(data_dir)
    if problems:
        for problem in problems:
            print(printable(str(problem)), file=sys.stderr)
        print(f"{len(problems)} problem(s) in the data; fix them first (see `nutshell check`)", file=sys.stderr)
        return None
    # All that define and timeline print, JSON included, comes from here: cleaned once, before wrapping.
    return printable_copy(knowledge)


# ── Plain text from Markdown ──────────────────────────────────────────────────

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MATH = re.compile(r"\${1,2}([^$]+)\${1,2}")


def markdown_to_text(markdown: str, width: int) -> str:
    """Just enough Markdown removal for a terminal: links, emphasis, code marks, math delimiters."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        text = _LINK.sub(r"\1", block)
        text = _MATH.sub(lambda m: m.group(1).strip(), text)
        text = _EMPHASIS.sub(r"\2", text).replace("`", "")
        lines = [line.strip() for line in text.splitlines()]
        if all(line.startswith(("- ", "* ", "1.", "2.", "3.", "4.", "5.")) for line in lines if line):
            paragraphs.append("\n".join(textwrap.fill(line, width, subsequent_indent="  ") for line in lines))
        else:
            paragraphs.append(textwrap.fill(" ".join(lines).lstrip("# "), width))
    return "\n\n".join(paragraphs)


# ── Commands ──────────────────────────────────────────────────────────────────


def cmd_define(args) -> int:
    from nutshell import render
    from nutshell.lookup import TermIndex

    knowledge = _load(args.data)
    if knowledge is None:
        return 1
    match = TermIndex.from_knowledge(knowledge).find(args.term)
    if match.term_id is None:
        message = f"nutshell: no glossary term matches '{args.term}'"
        if match.suggestions:
            names = [knowledge.term_by_id[i].term for i in match.suggestions]
            message += "; did you mean: " + ", ".join(f"'{n}'" for n in names) + "?"
        else:
            message += " (try `nutshell define --list`)"
        print(printable(message), file=sys.stderr)
        return 1
    term = knowledge.term_by_id[match.term_id]
    url = site_url(args.data) + render.site_path(render.GLOSSARY_PAGE) + f"#{term.id}"
    if args.json:
        entry = next(t for t in render.glossary_records(knowledge) if t["id"] == term.id)
        entry["page"] = url
        print(json_text(entry))
        return 0
    width = min(100, shutil.get_terminal_size((88, 20)).columns)
    out = [f"{term.term}  [{term.category}]"]
    if term.aliases:
        out.append("also: " + ", ".join(term.aliases))
    out += ["", textwrap.fill(term.short, width), "", markdown_to_text(term.body, width), ""]
    related = knowledge.related_terms(term.id)
    if related:
        out.append(textwrap.fill("See also: " + ", ".join(t.term for t in related), width, subsequent_indent="  "))
    milestones = knowledge.milestones_for_term(term.id)
    if milestones:
        out.append("Milestones:")
        out += [f"  {m.year}  {m.title}" for m in milestones]
    if term.sources:
        out.append("Sources:")
        out += [textwrap.fill(render.citation_text(s), width, initial_indent="  ", subsequent_indent="    ")
                for s in term.sources]
    out.append(f"Page: {url}")
    print("\n".join(out))
    return 0


def cmd_list_terms(args) -> int:
    knowledge = _load(args.data)
    if knowledge is None:
        return 1
    for term in knowledge.terms:
        print(f"{term.id:32} {term.term}")
    return 0


def cmd_timeline(args) -> int:
    from nutshell import render

    knowledge = _load(args.data)
    if knowledge is None:
        return 1
    if args.era and args.era not in knowledge.era_by_id:
        from nutshell.load import suggest

        raise UsageError(f"unknown era '{args.era}'{suggest(args.era, knowledge.era_by_id)}; "
                         f"eras: {', '.join(knowledge.era_by_id)}")
    tags = {t for m in knowledge.milestones for t in m.tags}
    if args.tag and args.tag not in tags:
        from nutshell.load import suggest

        raise UsageError(f"unknown tag '{args.tag}'{suggest(args.tag, tags)}; tags: {', '.join(sorted(tags))}")
    chosen = [
        m
        for m in knowledge.milestones
        if (args.year_from is None or m.year >= args.year_from)
        and (args.year_to is None or m.year <= args.year_to)
        and (not args.era or m.era == args.era)
        and (not args.tag or args.tag in m.tags)
    ]
    if args.json:
        exported = {m["id"]: m for m in render.milestone_records(knowledge)}
        print(json_text([exported[m.id] for m in chosen]))
        return 0
    width = min(100, shutil.get_terminal_size((88, 20)).columns)
    for milestone in chosen:
        people = ", ".join(milestone.people)
        line = f"{milestone.year}  {milestone.title} — {people}"
        print(textwrap.fill(line, width, subsequent_indent="      "))
    if not chosen:
        print("no milestones match", file=sys.stderr)
    return 0


def cmd_check(args) -> int:
    knowledge, problems = _read_data(args.data)
    if problems:
        for problem in problems:
            print(printable(str(problem)), file=sys.stderr)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"ok: {len(knowledge.eras)} eras, {len(knowledge.milestones)} milestones, "
        f"{len(knowledge.terms)} terms, {len(knowledge.demo_ids)} demos"
    )
    return 0


# ── Parser ────────────────────────────────────────────────────────────────────


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nutshell",
        description="Deep-learning history and training methods: look terms up, list milestones, run demos.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def with_data(sub):
        sub.add_argument("--data", type=Path, default=None, metavar="DIR",
                         help=f"data directory (default: ./data or ${DATA_ENV})")
        return sub

    define = with_data(commands.add_parser("define", help="print a glossary entry",
                                           description="Print a glossary entry. TERM may be an id, a name or an "
                                           "alias, in any case, with or without hyphens, singular or plural."))
    define.add_argument("term", metavar="TERM", nargs="?")
    define.add_argument("--json", action="store_true", help="print the entry as JSON (the export's fields)")
    define.add_argument("--list", action="store_true", help="list every term id and name")
    define.set_defaults(func=lambda a: cmd_list_terms(a) if a.list else cmd_define(a))

    timeline = with_data(commands.add_parser("timeline", help="list milestones in order",
                                             description="List milestones in chronological order."))
    timeline.add_argument("--from", dest="year_from", type=int, metavar="YEAR", help="first year to show")
    timeline.add_argument("--to", dest="year_to", type=int, metavar="YEAR", help="last year to show")
    timeline.add_argument("--era", help="only this era (an era id)")
    timeline.add_argument("--tag", help="only milestones with this tag")
    timeline.add_argument("--json", action="store_true", help="print JSON (the export's fields)")
    timeline.set_defaults(func=cmd_timeline)

    check = with_data(commands.add_parser("check", help="check the data; list every problem",
                                          description="Check data/*.yaml and report every problem as "
                                          "file:line:col. Exit status 1 if there is any."))
    check.set_defaults(func=cmd_check)

    # Listed for --help; main() hands their arguments to their own parsers before this one runs.
    commands.add_parser("demo", help="list or run the demos (nutshell demo --help)", add_help=False)
    commands.add_parser("alexnet", help="train or benchmark AlexNet (nutshell alexnet --help)", add_help=False)
    return parser


def _version() -> str:
    from nutshell import __version__

    return f"nutshell {__version__}"


FORWARDED = {"demo": "nutshell.demo_runner", "alexnet": "nutshell.alexnet.cli"}


@quiet_when_the_reader_leaves  # for `nutshell demo` and `nutshell alexnet` too: they are called from here
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in FORWARDED:  # their own parsers handle everything after the name, --help included
        import importlib

        return importlib.import_module(FORWARDED[argv[0]]).main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data", "absent") is None:
        args.data = default_data_dir()
    if args.command == "define" and not args.list and not args.term:
        parser.error("define: give a TERM (or --list)")
    try:
        return args.func(args)
    except UsageError as err:  # it may quote the data (an unknown era, the known ones) or what was typed
        print(printable(f"nutshell: {err}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
