"""`nutshell` command line: look terms up, list the timeline, check the data, run demos and AlexNet.

One parser tree: this module adds ``define``, ``timeline`` and ``check``; :mod:`nutshell.demo_runner`
and :mod:`nutshell.alexnet.cli` fill in ``demo`` and ``alexnet``. One error for what was typed wrong
and one exit-status rule for all of them, in :mod:`nutshell.terminal` (the rule is shown by ``--help``).

Lookups must feel instant, so building the tree imports only the standard library: the data code is
imported by the commands that read data, the demo and AlexNet modules when their commands are parsed
(AlexNet's options come from its settings, which need no torch), and numpy/torch only when a demo or
an AlexNet command runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path

from nutshell.terminal import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STATUS_HELP,
    CommandParser,
    UsageError,
    json_text,
    printable,
    printable_copy,
    quiet_when_the_reader_leaves,
    run_command_line,
)

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"  # `make serve`'s address; mkdocs.yml names it too
SITE_URL_ENV = "NUTSHELL_SITE_URL"
DATA_ENV = "NUTSHELL_DATA"


# ── Finding the data ──────────────────────────────────────────────────────────


def default_data_dir() -> Path:
    """$NUTSHELL_DATA, else the nearest data/ above the working directory, else the one beside the package."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "data" / "glossary.yaml").is_file():
            return folder / "data"
    return Path(__file__).resolve().parents[2] / "data"


_SITE_URL_SETTING = re.compile(r"^site_url:[ \t]*(.*?)(?:[ \t]+#.*)?[ \t]*$", re.M)
_ENV_TAG = re.compile(r"!ENV[ \t]+(?:\[(.*)\]|(\S+))$")


def site_url(data_dir: Path) -> str:
    """The published site's address, as the build sets it: the ``site_url`` of the mkdocs.yml beside data/.

    There it is ``!ENV [NUTSHELL_SITE_URL, "http://127.0.0.1:8000/"]``: the environment variable, else the
    default, read here as MkDocs reads it (a plain address there is taken as it is). Without a mkdocs.yml
    (the package used on its own), $NUTSHELL_SITE_URL, else `make serve`'s address. Read with a regular
    expression: a lookup must not wait for a YAML parser to read the site's whole configuration.
    """
    config = data_dir.resolve().parent / "mkdocs.yml"
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    setting = _SITE_URL_SETTING.search(text)
    address = _resolve_site_url(setting.group(1)) if setting else _from_environment([SITE_URL_ENV])
    return printable(address or DEFAULT_SITE_URL).rstrip("/") + "/"


def _resolve_site_url(value: str) -> str | None:
    """A site_url value from mkdocs.yml: a plain address, or ``!ENV NAME`` / ``!ENV [NAME, …, default]``."""
    tag = _ENV_TAG.fullmatch(value)
    if tag is None:
        return _unquoted(value)
    if tag.group(2) is not None:  # !ENV NAME: no default
        return _from_environment([_unquoted(tag.group(2))])
    items = [_unquoted(item) for item in tag.group(1).split(",")]
    names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    return _from_environment(names) or default


def _from_environment(names: list[str]) -> str | None:
    """The first of these variables that is set to something (an empty one counts as unset)."""
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _data_dir(args) -> Path:
    """--data, else default_data_dir() (found only when a command needs it: not every command has --data)."""
    return args.data if args.data is not None else default_data_dir()


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
_FORMULA = "\ue000{}\ue001"  # where a formula goes back once the Markdown around it is gone
_FORMULA_MARK = re.compile("\ue000(\\d+)\ue001")


def markdown_to_text(markdown: str, width: int) -> str:
    """Just enough Markdown removal for a terminal: links, emphasis, code marks; math as Unicode text.

    Formulas are set aside first (so ``a_1`` is not taken for emphasis) and come back as Unicode text
    (:mod:`nutshell.math_text`); a formula that is a paragraph of its own is indented, not run into the text.
    """
    from nutshell.math_text import latex_to_text
    from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH

    formulas: list[str] = []

    def set_aside(match: re.Match) -> str:
        formulas.append(latex_to_text(match.group(1) if match.group(1) is not None else match.group(2)))
        return _FORMULA.format(len(formulas) - 1)

    def put_back(text: str) -> str:
        return _FORMULA_MARK.sub(lambda m: formulas[int(m.group(1))], text)

    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        if re.fullmatch(DISPLAY_MATH, block.strip(), re.S):
            formula = latex_to_text(re.fullmatch(DISPLAY_MATH, block.strip(), re.S).group(1))
            paragraphs.append(textwrap.fill(formula, width, initial_indent="    ", subsequent_indent="      ",
                                            break_on_hyphens=False))
            continue
        text = re.sub(f"{DISPLAY_MATH}|{INLINE_MATH}", set_aside, block, flags=re.S)
        text = _LINK.sub(r"\1", text)
        text = _EMPHASIS.sub(r"\2", text).replace("`", "")
        lines = [put_back(line.strip()) for line in text.splitlines()]
        if all(line.startswith(("- ", "* ", "1.", "2.", "3.", "4.", "5.")) for line in lines if line):
            paragraphs.append("\n".join(textwrap.fill(line, width, subsequent_indent="  ") for line in lines))
        else:
            paragraphs.append(textwrap.fill(" ".join(lines).lstrip("# "), width))
    return "\n\n".join(paragraphs)


# ── Commands ──────────────────────────────────────────────────────────────────


MAX_CANDIDATES_SHOWN = 20


def cmd_define(args) -> int:
    if args.list:
        return cmd_list_terms(args)
    if not args.term:
        raise UsageError("give a TERM (or --list)")
    from nutshell import render
    from nutshell.lookup import TermIndex

    data_dir = _data_dir(args)
    knowledge = _load(data_dir)
    if knowledge is None:
        return EXIT_FAILED
    match = TermIndex.from_knowledge(knowledge).find(args.term)
    if match.candidates:  # several terms fit equally well: name them all, pick none
        print(printable(_candidates_message(args.term, [knowledge.term_by_id[i] for i in match.candidates])),
              file=sys.stderr)
        return EXIT_FAILED
    if match.term_id is None:
        message = f"nutshell: no glossary term matches '{args.term}'"
        if match.suggestions:
            names = [knowledge.term_by_id[i].term for i in match.suggestions]
            message += "; did you mean: " + ", ".join(f"'{n}'" for n in names) + "?"
        else:
            message += " (try `nutshell define --list`)"
        print(printable(message), file=sys.stderr)
        return EXIT_FAILED
    term = knowledge.term_by_id[match.term_id]
    if args.json:  # the record api/glossary.json holds for this term, as it is there
        print(json_text(next(t for t in render.glossary_records(knowledge) if t["id"] == term.id)))
        return EXIT_OK
    url = site_url(data_dir) + render.site_path(render.GLOSSARY_PAGE) + f"#{term.id}"
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
    return EXIT_OK


def _candidates_message(query: str, terms: list) -> str:
    """'boltzmann' fits two terms: one line each, id first, so the reader can ask for the one meant."""
    shown = terms[:MAX_CANDIDATES_SHOWN]
    width = max(len(t.id) for t in shown)
    lines = [f"nutshell: '{query}' could mean {len(terms)} glossary terms; name one:"]
    lines += [f"  {t.id:{width}}  {t.term}" for t in shown]
    if len(terms) > len(shown):
        lines.append(f"  … and {len(terms) - len(shown)} more (see `nutshell define --list`)")
    return "\n".join(lines)


def cmd_list_terms(args) -> int:
    knowledge = _load(_data_dir(args))
    if knowledge is None:
        return EXIT_FAILED
    if args.json:  # the whole of api/glossary.json
        from nutshell import render

        print(json_text(render.glossary_document(knowledge)))
        return EXIT_OK
    for term in knowledge.terms:
        print(f"{term.id:32} {term.term}")
    return EXIT_OK


def cmd_timeline(args) -> int:
    from nutshell import render

    knowledge = _load(_data_dir(args))
    if knowledge is None:
        return EXIT_FAILED
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
        and (not args.disputed or knowledge.disputes_for_milestone(m.id))
    ]
    if args.json:  # api/milestones.json, holding only the milestones chosen and their eras
        filtered = args.disputed or any(
            value is not None for value in (args.year_from, args.year_to, args.era, args.tag))
        print(json_text(render.milestones_document(knowledge, [m.id for m in chosen] if filtered else None)))
        return EXIT_OK
    width = min(100, shutil.get_terminal_size((88, 20)).columns)
    for milestone in chosen:
        people = ", ".join(milestone.people)
        line = f"{milestone.year}  {milestone.title} — {people}"
        print(textwrap.fill(line, width, subsequent_indent="      "))
        if args.disputed:  # which question, and how many positions credit this milestone
            for dispute in knowledge.disputes_for_milestone(milestone.id):
                backing = sum(milestone.id in claim.credits for claim in dispute.claims)
                note = f"disputed: {dispute.question} ({backing} of {len(dispute.claims)} positions credit it)"
                print(textwrap.fill(note, width, initial_indent="      ", subsequent_indent="        "))
    if not chosen:
        print("no milestones match", file=sys.stderr)
    return EXIT_OK


def cmd_check(args) -> int:
    knowledge, problems = _read_data(_data_dir(args))
    if problems:
        for problem in problems:
            print(printable(str(problem)), file=sys.stderr)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"ok: {len(knowledge.eras)} eras, {len(knowledge.milestones)} milestones, "
        f"{len(knowledge.terms)} terms, {len(knowledge.demo_ids)} demos"
    )
    return EXIT_OK


# ── Parser ────────────────────────────────────────────────────────────────────


def build_parser() -> CommandParser:
    """The whole `nutshell` command tree; each command's parser holds the function that runs it (``run``)."""
    parser = CommandParser(
        prog="nutshell",
        description="Deep-learning history and training methods: look terms up, list milestones, run demos.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the exit-status table's lines
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def with_data(sub):
        sub.add_argument("--data", type=Path, default=None, metavar="DIR",
                         help=f"data directory (default: ./data or ${DATA_ENV})")
        return sub

    define = with_data(commands.add_parser("define", help="print a glossary entry",
                                           description="Print a glossary entry. TERM may be an id, a name or an "
                                           "alias, in any case, with or without hyphens, singular or plural; or "
                                           "a word of one ('nesterov') or its start ('regular'). When it fits "
                                           "several terms, they are listed and none is printed (status 1)."))
    define.add_argument("term", metavar="TERM", nargs="?")
    define.add_argument("--json", action="store_true",
                        help="print JSON: the term's record from api/glossary.json (with --list: all of it)")
    define.add_argument("--list", action="store_true", help="list every term id and name")
    define.set_defaults(run=cmd_define)

    timeline = with_data(commands.add_parser("timeline", help="list milestones in order",
                                             description="List milestones in chronological order."))
    timeline.add_argument("--from", dest="year_from", type=int, metavar="YEAR", help="first year to show")
    timeline.add_argument("--to", dest="year_to", type=int, metavar="YEAR", help="last year to show")
    timeline.add_argument("--era", help="only this era (an era id)")
    timeline.add_argument("--tag", help="only milestones with this tag")
    timeline.add_argument("--disputed", action="store_true",
                          help="only milestones whose credit is disputed, with the question (see api/disputes.json)")
    timeline.add_argument("--json", action="store_true",
                          help="print JSON: api/milestones.json, holding the milestones listed and their eras")
    timeline.set_defaults(run=cmd_timeline)

    check = with_data(commands.add_parser("check", help="check the data; list every problem",
                                          description="Check data/*.yaml and report every problem as "
                                          "file:line:col. Exit status 1 if there is any."))
    check.set_defaults(run=cmd_check)

    commands.add_parser("demo", help="list or run the demos", add_arguments=_demo_commands)
    commands.add_parser("alexnet", help="train or benchmark AlexNet", add_arguments=_alexnet_commands)
    return parser


# `demo` and `alexnet` are filled in by their own modules, imported only when one of them is parsed or its
# help is shown: every command builds this tree, and a lookup should not pay for the AlexNet settings.


def _demo_commands(demo: CommandParser) -> None:
    from nutshell.demo_runner import add_demo_commands

    add_demo_commands(demo)


def _alexnet_commands(alexnet: CommandParser) -> None:
    from nutshell.alexnet.cli import add_alexnet_commands

    add_alexnet_commands(alexnet)


def _version() -> str:
    from nutshell import __version__

    return f"nutshell {__version__}"


@quiet_when_the_reader_leaves
def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: sys.argv's) names; returns its exit status (EXIT_STATUS_HELP)."""
    return run_command_line(build_parser(), sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
