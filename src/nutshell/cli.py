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
import sys
import textwrap

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
    terminal_columns,
)

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"  # `make serve`'s address; mkdocs.yml names it too
SITE_URL_ENV = "NUTSHELL_SITE_URL"
DATA_ENV = "NUTSHELL_DATA"


# ── Finding the data ──────────────────────────────────────────────────────────


def default_data_dir() -> str:
    """$NUTSHELL_DATA, else the nearest data/ above the working directory, else the one beside the package.

    Paths here are strings (os.path), not pathlib: a lookup from the glossary cache never imports pathlib.
    """
    if os.environ.get(DATA_ENV):
        return os.environ[DATA_ENV]
    folder = os.getcwd()
    while True:
        if os.path.isfile(os.path.join(folder, "data", "glossary.yaml")):
            return os.path.join(folder, "data")
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "data")


_SITE_URL_SETTING = re.compile(r"^site_url:[ \t]*(.*?)(?:[ \t]+#.*)?[ \t]*$", re.M)
_ENV_TAG = re.compile(r"!ENV[ \t]+(?:\[(.*)\]|(\S+))$")


def site_url(data_dir: str | os.PathLike) -> str:
    """The published site's address, as the build sets it: the ``site_url`` of the mkdocs.yml beside data/.

    There it is ``!ENV [NUTSHELL_SITE_URL, "http://127.0.0.1:8000/"]``: the environment variable, else the
    default, read here as MkDocs reads it (a plain address there is taken as it is). Without a mkdocs.yml
    (the package used on its own), $NUTSHELL_SITE_URL, else `make serve`'s address. Read with a regular
    expression: a lookup must not wait for a YAML parser to read the site's whole configuration.
    """
    config = os.path.join(os.path.dirname(os.path.realpath(data_dir)), "mkdocs.yml")
    try:
        with open(config, encoding="utf-8") as file:
            text = file.read()
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


def _data_dir(args) -> str:
    """--data, else default_data_dir() (found only when a command needs it: not every command has --data)."""
    return args.data if args.data is not None else default_data_dir()


def _read_data(data_dir: str):
    """load_knowledge's (knowledge, problems), once data_dir is known to be a directory."""
    from pathlib import Path

    from nutshell.load import load_knowledge

    _require_folder(data_dir)
    data_dir = Path(data_dir)
    try:
        return load_knowledge(data_dir)
    except OSError as error:  # say, a folder named glossary.yaml: one more problem, not a traceback
        return None, [f"{error.filename or data_dir}: cannot read: {error.strerror or error}"]


def _require_folder(data_dir: str) -> None:
    if not os.path.isdir(data_dir):
        if os.path.exists(data_dir):
            raise UsageError(f"{data_dir} is not a directory (pass --data DIR or set {DATA_ENV})")
        raise UsageError(f"data directory not found: {data_dir} (pass --data DIR or set {DATA_ENV})")


def _load(data_dir: str):
    knowledge, problems = _read_data(data_dir)
    if problems:
        for problem in problems:
            print(printable(str(problem)), file=sys.stderr)
        print(f"{len(problems)} problem(s) in the data; fix them first (see `nutshell check`)", file=sys.stderr)
        return None
    # All that define and timeline print, JSON included, comes from here: cleaned once, before wrapping.
    return printable_copy(knowledge)


# ── Commands ──────────────────────────────────────────────────────────────────


MAX_CANDIDATES_SHOWN = 20


def cmd_define(args) -> int:
    if args.list:
        return cmd_list_terms(args)
    if not args.term:
        raise UsageError("give a TERM (or --list)")
    from nutshell import glossary_cache
    from nutshell.lookup import TermIndex
    from nutshell.plain_text import wrap_blocks

    data_dir = _data_dir(args)
    glossary = _glossary(data_dir)
    if glossary is None:
        return EXIT_FAILED
    names = glossary["names"]
    match = TermIndex(glossary["surfaces"], glossary["exact_keys"]).find(args.term)
    if match.candidates:  # several terms fit equally well: name them all, pick none
        print(printable(_candidates_message(args.term, [(i, names[i]) for i in match.candidates])),
              file=sys.stderr)
        return EXIT_FAILED
    if match.term_id is None:
        message = f"nutshell: no glossary term matches '{args.term}'"
        if match.suggestions:
            message += "; did you mean: " + ", ".join(f"'{names[i]}'" for i in match.suggestions) + "?"
        else:
            message += " (try `nutshell define --list`)"
        print(printable(message), file=sys.stderr)
        return EXIT_FAILED
    term_id = match.term_id
    if args.json:  # the record api/glossary.json holds for this term, as it is there
        print(json_text(glossary_cache.record(glossary, term_id)))
        return EXIT_OK
    term = glossary_cache.entry(glossary, term_id)
    url = site_url(data_dir) + glossary["page"] + f"#{term_id}"
    width = _terminal_width()
    out = [f"{term['term']}  [{term['category']}]"]
    if term["aliases"]:
        out.append("also: " + ", ".join(term["aliases"]))
    out += ["", textwrap.fill(term["short"], width), "", wrap_blocks(term["body"], width), ""]
    if term["related"]:
        out.append(textwrap.fill("See also: " + ", ".join(term["related"]), width, subsequent_indent="  "))
    if term["milestones"]:
        out.append("Milestones:")
        out += [f"  {year}  {title}" for year, title in term["milestones"]]
    if term["sources"]:
        out.append("Sources:")
        out += [textwrap.fill(citation, width, initial_indent="  ", subsequent_indent="    ")
                for citation in term["sources"]]
    out.append(f"Page: {url}")
    print("\n".join(out))
    return EXIT_OK


def _glossary(data_dir: str) -> dict | None:
    """What define prints, compiled (nutshell.glossary_cache): from the cache when it holds the data as it is
    now, else loaded, checked and compiled, and kept for the next call. None when the data has problems
    (they are printed)."""
    from nutshell import glossary_cache

    compiled, stamp = glossary_cache.read(data_dir)  # a missing folder: no cache, and _load says so
    if compiled is not None:
        return compiled
    knowledge = _load(data_dir)
    if knowledge is None:
        return None
    compiled = glossary_cache.compile_glossary(knowledge)
    if stamp is not None and glossary_cache.cache_key(data_dir) == stamp[0]:  # unchanged while it was loaded
        glossary_cache.write(data_dir, stamp, compiled)
    return compiled


def _terminal_width() -> int:
    """The width to wrap to: the terminal's, at most 100; 88 when unknown."""
    return min(100, terminal_columns(88))


def _candidates_message(query: str, terms: list[tuple[str, str]]) -> str:
    """'boltzmann' fits two terms: one line each, id first, so the reader can ask for the one meant."""
    shown = terms[:MAX_CANDIDATES_SHOWN]
    width = max(len(term_id) for term_id, _ in shown)
    lines = [f"nutshell: '{query}' could mean {len(terms)} glossary terms; name one:"]
    lines += [f"  {term_id:{width}}  {name}" for term_id, name in shown]
    if len(terms) > len(shown):
        lines.append(f"  … and {len(terms) - len(shown)} more (see `nutshell define --list`)")
    return "\n".join(lines)


def cmd_list_terms(args) -> int:
    from nutshell import glossary_cache

    glossary = _glossary(_data_dir(args))
    if glossary is None:
        return EXIT_FAILED
    if args.json:  # the whole of api/glossary.json
        print(json_text(glossary_cache.document(glossary)))
        return EXIT_OK
    for term_id, name in glossary["names"].items():
        print(f"{term_id:32} {name}")
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
    width = _terminal_width()
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
        sub.add_argument("--data", default=None, metavar="DIR",
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
