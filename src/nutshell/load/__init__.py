"""YAML files and demo scripts → a validated, cross-linked `Knowledge`, or every problem at once.

Each problem is reported as ``file:line:col: what is wrong (how to fix)``; nothing a data file holds,
however broken or hostile, makes the loader raise. The work is done in four steps, each in its module:

- `yaml_source`: a file's bytes → a checked YAML node tree (size and node bounds, UTF-8, no aliases or
  tags), with `syntax_hints` saying how to fix a syntax error and `positions` where a value was written;
- `fields`: the node tree → entries of the dataclasses in `nutshell.schema`, every value checked;
- `entry_rules` and `references`: what holds within one entry, and between entries (ids, links);
- here: the demos (read by `nutshell.demos`, so that the loader and the build agree on what a demo is)
  and the `Knowledge` made of it all.
"""

from __future__ import annotations

import datetime
import re
import stat
from pathlib import Path

from nutshell.demos import Demo, DemoError, demo_files, read_demo
from nutshell.files import shown_path
from nutshell.load import entry_rules, references
from nutshell.load.fields import Entry, FieldReader
from nutshell.load.problems import DataError, Place, Problem, Problems, suggest
from nutshell.load.yaml_source import MAX_FILE_BYTES, MAX_NODES, parse
from nutshell.schema import (
    DISPUTE_FIELDS, ERA_FIELDS, MILESTONE_FIELDS, TERM_FIELDS, Dispute, Era, Knowledge, Milestone, Term,
)

__all__ = [
    "DATA_FILES", "MAX_FILE_BYTES", "MAX_NODES", "DataError", "Problem",
    "load_knowledge", "load_knowledge_or_raise", "suggest",
]

DATA_FILES = {"eras": "eras.yaml", "milestones": "milestones.yaml", "glossary": "glossary.yaml"}
# Optional: a knowledge base without contested credit needs no disputes.yaml.
OPTIONAL_FILES = {"disputes": "disputes.yaml"}
# What each data file holds: its entries' keys, the dataclass they make, and what one entry is called.
_CONTENTS = {
    "eras": (ERA_FIELDS, Era, "era"),
    "milestones": (MILESTONE_FIELDS, Milestone, "milestone"),
    "glossary": (TERM_FIELDS, Term, "term"),
    "disputes": (DISPUTE_FIELDS, Dispute, "dispute"),
}
_DEMO_REFERENCE = "demo (a file in demos/)"


def load_knowledge(
    data_dir: Path | str, demos_dir: Path | str | None = None, *, today: datetime.date | None = None
) -> tuple[Knowledge | None, list[Problem]]:
    """Load and check everything in ``data_dir`` and ``demos_dir`` (default: the ``demos`` folder beside
    ``data_dir``). Returns (knowledge, []) or (None, problems).

    ``today`` (default: the system date) is the day after which no year or date may lie.
    """
    data_dir = Path(data_dir)
    demos_dir = Path(demos_dir) if demos_dir is not None else data_dir.parent / "demos"
    problems = Problems()
    reader = FieldReader(problems, today or datetime.date.today())
    # Ids declared anywhere, even on entries with other problems: a reference to them is not reported
    # again, and nothing is checked against a file that could not be parsed (no cascades of errors).
    declared: dict[str, set[str] | None] = {}
    entries: dict[str, list[Entry]] = {}
    for key, name in DATA_FILES.items():
        declared[key], entries[key] = _read_entries(reader, data_dir / name, *_CONTENTS[key])
    for key, name in OPTIONAL_FILES.items():
        present = (data_dir / name).exists() or (data_dir / name).is_symlink()
        declared[key], entries[key] = _read_entries(reader, data_dir / name, *_CONTENTS[key]) if present else (None, [])
    demos, demo_ids = _read_demos(demos_dir, problems)
    _check_entries(problems, entries, declared, demo_ids)
    if problems:
        return None, problems.listed()
    knowledge = Knowledge(
        eras=sorted((e.value for e in entries["eras"]), key=lambda e: e.start),
        milestones=sorted((e.value for e in entries["milestones"]), key=lambda m: m.sort_key),
        terms=sorted((e.value for e in entries["glossary"]), key=lambda t: t.term.lower()),
        demos=demos,
        disputes=tuple(e.value for e in entries["disputes"]),
    )
    return knowledge, []


def load_knowledge_or_raise(data_dir: Path | str, demos_dir: Path | str | None = None) -> Knowledge:
    knowledge, problems = load_knowledge(data_dir, demos_dir)
    if problems:
        raise DataError(problems)
    assert knowledge is not None
    return knowledge


def _read_entries(
    reader: FieldReader, path: Path, fields, make, what: str
) -> tuple[set[str] | None, list[Entry]]:
    """The ids declared in one data file (None when it has no usable entry) and its complete entries."""
    parsed = parse(path, shown_path(path), reader.problems)
    if parsed is None:  # the file's own problems say why; nothing is checked against it
        return None, []
    root, source = parsed
    declared: set[str] = set()
    entries: list[Entry] = []
    for values, nodes, item in reader.entries(root, source, fields, what):
        if "id" in values:
            declared.add(values["id"])
        if all(f.name in values for f in fields if f.required):
            entries.append(Entry(make(**values), source, item, nodes))
    return declared or None, entries  # no usable entry at all: the file's own problems say why


def _check_entries(
    problems: Problems, entries: dict[str, list[Entry]], declared: dict[str, set[str] | None], demo_ids: set[str]
) -> None:
    """Every rule within an entry and every reference between entries (each id's first entry only)."""
    era_by_id = references.index_by_id(problems, entries["eras"], "era")
    milestone_by_id = references.index_by_id(problems, entries["milestones"], "milestone")
    term_by_id = references.index_by_id(problems, entries["glossary"], "term")
    references.check_era_spans(problems, era_by_id.values())
    for milestone in milestone_by_id.values():
        entry_rules.check_milestone(problems, milestone)
        references.check_milestone_era(problems, milestone, era_by_id, declared["eras"])
        references.check_ids(problems, milestone, "terms", declared["glossary"], "term")
        references.check_ids(problems, milestone, "demos", demo_ids, _DEMO_REFERENCE)
    for term in term_by_id.values():
        entry_rules.check_term(problems, term)
        references.check_ids(problems, term, "see_also", declared["glossary"], "term")
        references.check_ids(problems, term, "milestones", declared["milestones"], "milestone")
        references.check_ids(problems, term, "demos", demo_ids, _DEMO_REFERENCE)
        references.check_see_also(problems, term, term_by_id)
        references.check_term_milestones(problems, term, milestone_by_id)
    references.check_names(problems, term_by_id.values())
    for era in era_by_id.values():
        entry_rules.check_style(problems, era, "title")
    for dispute in references.index_by_id(problems, entries["disputes"], "dispute").values():
        references.check_claims(problems, dispute, declared["milestones"])
        entry_rules.check_style(problems, dispute, "question")


# ── demos ─────────────────────────────────────────────────────────────────────


def _read_demos(demos_dir: Path, problems: Problems) -> tuple[tuple[Demo, ...], set[str]]:
    """The demos in ``demos_dir`` (none when there is no such folder), read as the build reads them, and
    the ids that references may use: those of malformed demos too.

    A malformed demo is a problem at its file, as it is for the build; a reference to it is not also
    reported as unknown (no cascade), and the rest of the data is still checked.
    """
    try:
        paths = demo_files(demos_dir) if demos_dir.is_dir() else []
    except OSError:  # an unreadable demos/ folder: every demo reference is then reported as unknown
        return (), set()
    demos: list[Demo] = []
    for path in paths:
        shown = shown_path(path)
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:
            regular = True  # read_demo says why it cannot be read
        if not regular:  # reading a pipe or a device could block or never end
            problems.add(Place(shown, 1, 1), "is not a regular file (a directory, pipe or device); "
                         "a demo is a Python script")
            continue
        try:
            demos.append(read_demo(path))
        except DemoError as error:
            # DemoError's text starts with the path as given, and a line number when it names one.
            found = re.match(re.escape(str(path)) + r"(?::([0-9]+))?: (.*)", str(error), re.S)
            line, message = (int(found.group(1) or 1), found.group(2)) if found else (1, str(error))
            problems.add(Place(shown, line, 1), message)
    return tuple(demos), {path.stem for path in paths}

