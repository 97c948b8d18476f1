"""YAML files → a validated, cross-linked `Knowledge`, or every problem at once.

Each problem is reported as ``file:line:col: what is wrong (how to fix)``. The parser is PyYAML's
safe composer with three extra refusals: duplicate keys (PyYAML silently keeps the last one),
aliases (the building block of "billion laughs" bombs) and explicit tags (``!!python/...``).
Values are read from the node tree, so every value keeps the line and column it came from.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nutshell import lookup
from nutshell.schema import (
    CATEGORIES,
    DATE_PATTERN,
    DOI_PATTERN,
    ERA_FIELDS,
    ID_PATTERN,
    MILESTONE_FIELDS,
    SHORT_MAX,
    SOURCE_FIELDS,
    TERM_FIELDS,
    URL_PATTERN,
    Era,
    FieldSpec,
    Knowledge,
    Milestone,
    Source,
    Term,
)

DATA_FILES = {"eras": "eras.yaml", "milestones": "milestones.yaml", "glossary": "glossary.yaml"}

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}
_SCALAR_TEXT_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "timestamp")}
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"
_MAX_NODES = 200_000  # far above any real data file; stops pathological inputs early


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class DataError(Exception):
    """Raised by `load_knowledge_or_raise`; its text lists every problem, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Place:
    path: str
    line: int
    col: int


def _place(path: str, node: yaml.Node) -> Place:
    return Place(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _Refused(yaml.MarkedYAMLError):
    pass


# libyaml's composer is about ten times faster (it keeps `nutshell define` quick); the pure-Python one
# is the fallback and is also used to point at the exact alias when a file contains one.
_FastComposer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasFound(Exception):
    pass


class _StrictComposer(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes only, and refusing aliases."""

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                problem="YAML aliases (*name) are not allowed here (write the value out in full)",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def suggest(word: str, candidates, n: int = 1) -> str:
    """' (did you mean 'x'?)' when a close candidate exists, else ''."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def _refuse_shared_nodes(root: yaml.Node) -> None:
    """An alias makes the composer reuse a node; seeing any node twice means the file used one."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


class _Reader:
    """Turns composed YAML nodes into plain values while collecting problems with positions."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, place: Place, message: str) -> None:
        self.problems.append(Problem(place.path, place.line, place.col, message))

    # ── parsing ──────────────────────────────────────────────────────────────

    def parse(self, path: Path, shown: str) -> yaml.Node | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(Problem(shown, 1, 1, "file not found (create it; see docs/contributing.md)"))
            return None
        except UnicodeDecodeError as err:
            self.problems.append(Problem(shown, 1, 1, f"not valid UTF-8 ({err.reason}); save the file as UTF-8"))
            return None
        try:
            node = self._compose(text, _FastComposer)
        except _AliasFound:  # find the alias itself (libyaml shares the node and keeps no alias mark)
            try:
                self._compose(text, _StrictComposer)
            except yaml.MarkedYAMLError as err:
                self._syntax_problem(err, shown)
            return None
        except yaml.MarkedYAMLError as err:
            self._syntax_problem(err, shown)
            return None
        if node is None:
            self.problems.append(Problem(shown, 1, 1, "file is empty (it must hold a YAML list of entries)"))
            return None
        if self._count_and_check_tags(node, shown):
            return node
        return None

    @staticmethod
    def _compose(text: str, loader_class) -> yaml.Node | None:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is not None:
            _refuse_shared_nodes(node)
        return node

    def _syntax_problem(self, err: yaml.MarkedYAMLError, shown: str) -> None:
        mark = err.problem_mark or err.context_mark
        what = err.problem or "invalid YAML"
        if err.context and not isinstance(err, _Refused):
            what = f"{err.context}, {what}"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        self.problems.append(Problem(shown, line, col, f"YAML syntax: {what}"))

    def _count_and_check_tags(self, root: yaml.Node, shown: str) -> bool:
        stack, seen, ok = [root], 0, True
        while stack:
            node = stack.pop()
            seen += 1
            if seen > _MAX_NODES:
                self.problem(_place(shown, root), f"more than {_MAX_NODES} YAML nodes; split the file")
                return False
            if node.tag not in _PLAIN_TAGS:
                self.problem(
                    _place(shown, node),
                    f"YAML tag '{node.tag}' is not allowed (only plain strings, numbers, lists and mappings)",
                )
                ok = False
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return ok

    # ── values ───────────────────────────────────────────────────────────────

    def mapping(
        self, node: yaml.Node, fields: tuple[FieldSpec, ...], shown: str, what: str
    ) -> tuple[dict[str, Any], dict[str, Place]] | None:
        """Read a mapping against its field specs: unknown, duplicate, missing keys and wrong types."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(_place(shown, node), f"{what} must be a mapping of keys to values")
            return None
        known = {f.name: f for f in fields}
        for key_node, value_node in node.value:  # name entries by their id when they have one
            if getattr(key_node, "value", None) == "id" and isinstance(value_node, yaml.ScalarNode) and value_node.value:
                what = f"{what.split()[0]} '{value_node.value}'"
        values: dict[str, Any] = {}
        places: dict[str, Place] = {}
        first_seen: dict[str, Place] = {}
        for key_node, value_node in node.value:
            key_place = _place(shown, key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_place, f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in first_seen:
                self.problem(
                    key_place,
                    f"duplicate key '{key}' (first at line {first_seen[key].line}); "
                    "YAML would silently keep only the last one, so remove one of them",
                )
                continue
            first_seen[key] = key_place
            spec = known.get(key)
            if spec is None:
                hint = suggest(key, known) or f" (allowed: {', '.join(known)})"
                self.problem(key_place, f"{what}: unknown key '{key}'{hint}")
                continue
            places[key] = _place(shown, value_node)
            value = self.value(value_node, spec, shown, f"{what}: {key}", places)
            if value is not None:
                values[key] = value
        for spec in fields:
            if spec.required and spec.name not in first_seen:
                hint = f" ({spec.help})" if spec.help else ""
                self.problem(_place(shown, node), f"{what}: missing required key '{spec.name}'{hint}")
        return values, places

    def value(self, node: yaml.Node, spec: FieldSpec, shown: str, what: str, places: dict[str, Place]):
        place = _place(shown, node)
        kind = spec.kind
        if kind in ("str", "text", "id", "date"):
            text = self.scalar_text(node, shown, what)
            if text is None:
                return None
            if kind == "id" and not ID_PATTERN.match(text):
                self.problem(place, f"{what} '{text}' is not kebab-case (use lowercase letters, digits and '-')")
                return None
            if kind == "date":
                match = DATE_PATTERN.match(text)
                if not match or not (1 <= int(match.group(2)) <= 12) or (
                    match.group(3) and not 1 <= int(match.group(3)) <= 31
                ):
                    self.problem(place, f"{what} '{text}' is not a date (write \"YYYY-MM\" or \"YYYY-MM-DD\")")
                    return None
            if kind != "text" and "\n" in text.strip():
                self.problem(place, f"{what} must be on one line")
                return None
            return text.strip() if kind != "text" else text.strip() + "\n"
        if kind == "int":
            if not isinstance(node, yaml.ScalarNode) or node.tag != _INT_TAG:
                self.problem(place, f"{what} must be a whole number (a year such as 1986)")
                return None
            return int(node.value)
        if kind in ("str-list", "id-list", "source-list"):
            if not isinstance(node, yaml.SequenceNode):
                self.problem(place, f"{what} must be a list (write [] for none)")
                return None
            items = []
            item_spec = FieldSpec(spec.name, {"str-list": "str", "id-list": "id", "source-list": "source"}[kind])
            for index, item in enumerate(node.value):
                places[f"{spec.name}[{index}]"] = _place(shown, item)
                value = self.value(item, item_spec, shown, f"{what} item {index + 1}", places)
                if value is not None:
                    items.append(value)
            return tuple(items)
        if kind == "source":
            return self.source(node, shown, what)
        raise AssertionError(f"unknown field kind {kind!r}")  # a bug in schema.py, not in the data

    def scalar_text(self, node: yaml.Node, shown: str, what: str) -> str | None:
        place = _place(shown, node)
        if not isinstance(node, yaml.ScalarNode):
            self.problem(place, f"{what} must be text, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
            return None
        if node.tag == _NULL_TAG or not node.value.strip():
            self.problem(place, f"{what} is empty (give a value or remove the key)")
            return None
        if node.tag not in _SCALAR_TEXT_TAGS:
            self.problem(place, f"{what} must be text; quote it (\"{node.value}\") if you meant the word")
            return None
        return node.value

    def source(self, node: yaml.Node, shown: str, what: str) -> Source | None:
        read = self.mapping(node, SOURCE_FIELDS, shown, what)
        if read is None:
            return None
        values, places = read
        place = _place(shown, node)
        if "doi" in values and not DOI_PATTERN.match(values["doi"]):
            self.problem(places["doi"], f"{what}: doi '{values['doi']}' is not a bare DOI (write it as 10.xxxx/...)")
            return None
        if "url" in values and not URL_PATTERN.match(values["url"]):
            self.problem(places["url"], f"{what}: url '{values['url']}' is not an http(s) URL")
            return None
        if "doi" not in values and "url" not in values:
            self.problem(place, f"{what}: a source needs a 'doi' or a stable 'url'")
            return None
        if any(f.required and f.name not in values for f in SOURCE_FIELDS):
            return None
        return Source(**values)


def _read_list(reader: _Reader, node: yaml.Node | None, fields, shown: str, what: str):
    """Yield (values, places, item_place) for each entry of a top-level YAML list."""
    if node is None:
        return
    if not isinstance(node, yaml.SequenceNode):
        reader.problem(_place(shown, node), f"the file must be a YAML list of {what}s (each item starts with '- ')")
        return
    for index, item in enumerate(node.value):
        read = reader.mapping(item, fields, shown, f"{what} {index + 1}")
        if read is not None:
            yield read[0], read[1], _place(shown, item)


def _complete(values: dict, fields) -> bool:
    return all(f.name in values for f in fields if f.required)


def load_knowledge(data_dir: Path | str, demos_dir: Path | str | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load and check everything in ``data_dir``. Returns (knowledge, []) or (None, problems)."""
    data_dir = Path(data_dir)
    demos_dir = Path(demos_dir) if demos_dir is not None else data_dir.parent / "demos"
    reader = _Reader()
    shown = {key: _shown_path(data_dir / name) for key, name in DATA_FILES.items()}
    nodes = {key: reader.parse(data_dir / name, shown[key]) for key, name in DATA_FILES.items()}

    # Ids declared anywhere, even on entries with other problems: a reference to them is not reported
    # again, and nothing is checked against a file that could not be parsed (no cascades of errors).
    declared: dict[str, set[str] | None] = {}
    entries: dict[str, list] = {}
    for key, fields, make, what in (
        ("eras", ERA_FIELDS, Era, "era"),
        ("milestones", MILESTONE_FIELDS, Milestone, "milestone"),
        ("glossary", TERM_FIELDS, Term, "term"),
    ):
        declared[key] = set() if nodes[key] is not None else None
        entries[key] = []
        for values, places, where in _read_list(reader, nodes[key], fields, shown[key], what):
            if "id" in values:
                declared[key].add(values["id"])
            if _complete(values, fields):
                entries[key].append((make(**values), places, where))
    eras, milestones, terms = entries["eras"], entries["milestones"], entries["glossary"]

    demo_ids = tuple(sorted(p.stem for p in demos_dir.glob("*.py"))) if demos_dir.is_dir() else ()
    _check_links(reader, eras, milestones, terms, demo_ids, declared)
    if reader.problems:
        return None, sorted(set(reader.problems))
    knowledge = Knowledge(
        eras=sorted((e for e, _, _ in eras), key=lambda e: e.start),
        milestones=sorted((m for m, _, _ in milestones), key=lambda m: m.sort_key),
        terms=sorted((t for t, _, _ in terms), key=lambda t: t.term.lower()),
        demo_ids=demo_ids,
    )
    return knowledge, []


def load_knowledge_or_raise(data_dir: Path | str, demos_dir: Path | str | None = None) -> Knowledge:
    knowledge, problems = load_knowledge(data_dir, demos_dir)
    if problems:
        raise DataError(problems)
    assert knowledge is not None
    return knowledge


def _shown_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when possible (clickable in editors)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_unique(reader: _Reader, entries, what: str) -> dict:
    by_id: dict[str, tuple] = {}
    for obj, places, where in entries:
        if obj.id in by_id:
            first = by_id[obj.id][2]
            reader.problem(places["id"], f"{what} id '{obj.id}' is used twice (first at line {first.line}); ids must be unique")
        else:
            by_id[obj.id] = (obj, places, where)
    return by_id


def _check_refs(reader: _Reader, places: dict, key: str, refs, known, what: str) -> None:
    if known is None:  # the file that declares these ids could not be read; its own problem says why
        return
    for index, ref in enumerate(refs):
        if ref not in known:
            reader.problem(
                places.get(f"{key}[{index}]", places.get(key)),
                f"{key}: unknown {what} '{ref}'{suggest(ref, known)}",
            )


def _check_links(reader: _Reader, eras, milestones, terms, demo_ids, declared) -> None:
    era_by_id = _check_unique(reader, eras, "era")
    milestone_by_id = _check_unique(reader, milestones, "milestone")
    term_by_id = _check_unique(reader, terms, "term")

    # Eras: a sane range each, and no year in two eras.
    ordered = sorted(era_by_id.values(), key=lambda e: e[0].start)
    for era, places, _ in ordered:
        if era.start > era.end:
            reader.problem(places["end"], f"era '{era.id}' ends ({era.end}) before it starts ({era.start})")
    for (a, _, _), (b, b_places, _) in zip(ordered, ordered[1:]):
        if b.start <= a.end:
            reader.problem(
                b_places["start"],
                f"era '{b.id}' starts in {b.start}, inside era '{a.id}' ({a.start}–{a.end}); eras must not overlap",
            )

    for milestone, places, _ in milestone_by_id.values():
        era = era_by_id.get(milestone.era)
        if era is None:
            _check_refs(reader, places, "era", [milestone.era], declared["eras"], "era")
        elif not era[0].start <= milestone.year <= era[0].end:
            reader.problem(
                places["year"],
                f"year {milestone.year} lies outside its era '{era[0].id}' ({era[0].start}–{era[0].end}); "
                "change the year or the era",
            )
        if milestone.date and int(milestone.date[:4]) != milestone.year:
            reader.problem(places["date"], f"date {milestone.date} disagrees with year {milestone.year}")
        if milestone.source.year != milestone.year:
            reader.problem(
                places["year"],
                f"year {milestone.year} differs from its source's year {milestone.source.year}; a milestone is dated "
                "by its primary publication (explain other dates in source.note)",
            )
        if not milestone.people:
            reader.problem(places["people"], "people: list at least one person or organisation")
        _check_refs(reader, places, "terms", milestone.terms, declared["glossary"], "term")
        _check_refs(reader, places, "demos", milestone.demos, demo_ids, "demo (a file in demos/)")

    keys_seen: dict[str, tuple[str, Place]] = {}
    for term, places, _ in term_by_id.values():
        if term.category not in CATEGORIES:
            reader.problem(
                places["category"],
                f"category: unknown category '{term.category}'{suggest(term.category, CATEGORIES)} "
                f"(one of {', '.join(CATEGORIES)})",
            )
        short = term.short
        if len(short) > SHORT_MAX:
            reader.problem(
                places["short"], f"short is {len(short)} characters; keep it at most {SHORT_MAX} (move detail to body)"
            )
        if any(mark in short for mark in ("`", "$", "](", "**", "<")):
            reader.problem(places["short"], "short must be plain text (no Markdown, math or HTML): it is used in tooltips")
        _check_refs(reader, places, "see_also", term.see_also, declared["glossary"], "term")
        _check_refs(reader, places, "milestones", term.milestones, declared["milestones"], "milestone")
        _check_refs(reader, places, "demos", term.demos, demo_ids, "demo (a file in demos/)")
        if term.id in term.see_also:
            reader.problem(places["see_also"], "see_also: a term cannot list itself")
        for index, other in enumerate(term.see_also):
            other_entry = term_by_id.get(other)
            if other_entry and term.id in other_entry[0].see_also and term.id < other:
                reader.problem(
                    places.get(f"see_also[{index}]", places["see_also"]),
                    f"see_also: '{term.id}' and '{other}' list each other; links are shown on both pages, "
                    f"so keep it on one side only",
                )
        for index, milestone_id in enumerate(term.milestones):
            entry = milestone_by_id.get(milestone_id)
            if entry and term.id in entry[0].terms:
                reader.problem(
                    places.get(f"milestones[{index}]", places["milestones"]),
                    f"milestones: '{milestone_id}' already lists this term in its 'terms'; "
                    "a link is written once (remove it here)",
                )
        # Names and aliases must point to one term only, or lookups and tooltips would be ambiguous.
        surfaces = [("term", term.term, places["term"]), ("id", term.id, places["id"])]
        surfaces += [("alias", alias, places.get(f"aliases[{i}]", places["aliases"])) for i, alias in enumerate(term.aliases)]
        for kind, surface, place in surfaces:
            key = lookup.normalize(surface)
            if not key:
                reader.problem(place, f"{kind} '{surface}' has no letters or digits")
                continue
            owner = keys_seen.get(key)
            if owner and owner[0] != term.id:
                reader.problem(
                    place,
                    f"{kind} '{surface}' also names term '{owner[0]}' (line {owner[1].line}); "
                    "a name or alias must point to one term",
                )
            keys_seen.setdefault(key, (term.id, place))
