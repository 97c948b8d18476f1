"""YAML files → a validated, cross-linked `Knowledge`, or every problem at once.

Each problem is reported as ``file:line:col: what is wrong (how to fix)``; nothing a data file holds,
however broken or hostile, makes the loader raise. Before the parser sees a byte, a file must be a
regular file of at most `MAX_FILE_BYTES` in UTF-8, with at most `MAX_NODES` YAML nodes. The parser is
PyYAML's safe composer with three extra refusals: duplicate keys (PyYAML silently keeps the last one),
aliases (the building block of "billion laughs" bombs) and explicit tags (``!!python/...``).
Values are read from the node tree, so every value keeps the line and column it came from; every string
then passes the policy in `nutshell.untrusted`, each finding reported where its character was written.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import difflib
import errno
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nutshell import lookup, untrusted
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

# Bounds that make a hostile or mistaken file cheap to refuse. The largest real file (glossary.yaml) is
# about 155 KB with about 4,400 YAML nodes, so both leave room for many times today's data. The byte
# bound is checked before the file is read: parsing a 31 MB file took 14-26 s and 1.1 GB of memory.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
# A one-line field longer than ONE_LINE_MAX is a paste gone wrong (the longest real one, a title, has
# about 210 characters); a Markdown field longer than TEXT_MAX belongs on a page of its own (the longest
# real one, an era introduction, has about 1,800). TEXT_MAX also bounds the time the Markdown checks
# spend on one value.
ONE_LINE_MAX = 1_000
TEXT_MAX = 8_000
_FINDINGS_PER_VALUE = 10  # more than this many policy findings in one value are summed up in one line
_BAD_LINES_SHOWN = 10  # lines listed for bytes that are not UTF-8 or characters YAML refuses
_PROBLEMS_PER_FILE = 200  # a file that is wrong throughout (a list of 95,000 words) needs no 95,000 lines

_YAML_TAG = "tag:yaml.org,2002:"
# "merge" ('<<') and "value" ('=') are what PyYAML's resolver makes of those two plain scalars; we never
# construct values, so they are just text (a '<<' key is refused by name, with its own message).
_PLAIN_TAGS = {
    _YAML_TAG + name
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge", "value")
}
_SCALAR_TEXT_TAGS = {_YAML_TAG + name for name in ("str", "int", "float", "timestamp", "merge", "value")}
_INT_TAG = _YAML_TAG + "int"
_STR_TAG = _YAML_TAG + "str"
_NULL_TAG = _YAML_TAG + "null"
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)
_ALIAS_MESSAGE = "YAML syntax: YAML aliases (*name) are not allowed here (write the value out in full)"

_YEAR = re.compile(r"[1-9][0-9]{0,3}\Z")  # a year written as a plain decimal number, nothing YAML reads otherwise
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as the end of a line
_BLANK = frozenset(" \t\r\n")
# What a YAML reader refuses (PyYAML's Reader.NON_PRINTABLE; libyaml refuses the same characters).
_NOT_YAML_TEXT = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Characters a message must not carry to a terminal: controls, line breaks, direction overrides, BOM.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


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


def _mark_place(path: str, mark) -> Place:
    return Place(path, mark.line + 1, mark.column + 1) if mark is not None else Place(path, 1, 1)


def _visible(message: str) -> str:
    """A message that is safe to print: controls and invisible marks from the data written as escapes."""
    return _UNSHOWABLE.sub(lambda m: ascii(m.group(0))[1:-1], message)


def _quoted(value: str, limit: int = 60) -> str:
    """A value from the data inside a message: quoted, and cut short when long."""
    return "'" + (value if len(value) <= limit else value[:limit] + "…") + "'"


# libyaml's composer is about ten times faster (it keeps `nutshell define` quick); PyYAML's pure-Python
# one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasFound(Exception):
    pass


def suggest(word: str, candidates, n: int = 1, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' (or 'x', 'y' or 'z' for n=3) when close candidates exist, else ''."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


class _Source:
    """One file's text, to turn a character index into a line and a column."""

    def __init__(self, shown: str, text: str) -> None:
        self.shown = shown
        self.text = text
        self._line_starts: list[int] | None = None  # built on the first problem that needs it

    def place(self, index: int) -> Place:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Place(self.shown, line + 1, index - self._line_starts[line] + 1)


# Escapes in double quotes: how many characters each takes, and which stand for a blank (\t \n \r, an
# escaped space or tab); any other escape stands for one character.
_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}
_BLANK_ESCAPES = frozenset("tnr \t")


def _scalar_indices(text: str, node: yaml.ScalarNode, offsets: list[int]) -> list[int]:
    """Where in ``text`` the characters at ``offsets`` (ascending) of ``node.value`` were written.

    Between the file and the value, indentation, folding and quoting change only blanks (spaces, tabs,
    line breaks), and an escape (``\\x1b``, ``''``) becomes the one character it stands for. So the n-th
    non-blank character of the value is the n-th non-blank character written in the scalar, counting each
    escape as one: exact for literal (``|``) and folded (``>``) blocks, plain and quoted scalars alike.
    """
    value = node.value
    ordinals, count, done = [], 0, 0  # non-blank characters of the value before each offset
    for offset in offsets:
        count += sum(1 for char in value[done:offset] if char not in _BLANK)
        done = max(done, offset)
        ordinals.append(count)
    start, end, style = node.start_mark.index, node.end_mark.index, node.style
    if style in ("|", ">"):  # the text starts on the line after the indicator (and its comment)
        found = _LINE_BREAK.search(text, start, end)
        index = found.end() if found else end
    else:
        index = start + 1 if style in ("'", '"') else start
    indices: list[int] = []
    seen = 0
    while len(indices) < len(ordinals) and index < end:
        char, width, counts = text[index], 1, text[index] not in _BLANK
        if style == '"' and char == "\\" and index + 1 < end:
            escaped = text[index + 1]
            if escaped in "\r\n":  # an escaped line break joins two lines and stands for nothing
                counts = False
            else:
                width, counts = _ESCAPE_WIDTH.get(escaped, 2), escaped not in _BLANK_ESCAPES
        elif style == "'" and text.startswith("''", index):
            width = 2
        if counts:
            while len(indices) < len(ordinals) and ordinals[len(indices)] == seen:
                indices.append(index)
            seen += 1
        index += width
    return indices + [start] * (len(ordinals) - len(indices))  # not found: the scalar's own start


def _node_bound(text: str) -> int:
    """An upper bound on the number of YAML nodes in ``text``, from a few character counts (no parsing).

    Each node other than the root comes with an indicator: a ':' or '?' brings at most a key, a value and
    their mapping (3), a '{' a mapping with one key and value (3), a ',', '[' or '-' an item and perhaps
    its list (2). Prose uses these characters too, so the bound is loose; it only decides whether a file
    is small enough to compose without counting its nodes first.
    """
    colons = text.count(":") + text.count("?") + text.count("{")
    return 1 + 3 * colons + 2 * (text.count(",") + text.count("[") + text.count("-"))


def _mark_past_node_limit(text: str):
    """The mark of the node after the first MAX_NODES (parse events only, no tree), or None."""
    loader = _Loader(text)
    try:
        count = 0
        while True:
            event = loader.get_event()
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > MAX_NODES:
                    return event.start_mark
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return None
    finally:
        loader.dispose()


def _first_alias_mark(text: str):
    """Where the first alias (*name) is: libyaml shares the aliased node and keeps no mark of the alias."""
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return None
    finally:
        loader.dispose()


def _compose(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _unreadable(err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return "is a loop of symbolic links (replace the link with the file)"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied (make it readable, e.g. chmod a+r)"
    if err.errno == errno.EISDIR:
        return "is a directory; it must be a YAML file"
    return f"cannot be read ({err.strerror or type(err).__name__}); check the file and its permissions"


def _too_big(size: int) -> str:
    return (
        f"is {size / 2**20:.1f} MiB; a data file may be at most {MAX_FILE_BYTES // 2**20} MiB, so it was not "
        "parsed (remove what does not belong in it)"
    )


def _line_at(text: str, mark) -> tuple[str, str]:
    """The source line of ``mark``, split at the mark: (before, from the mark on)."""
    index = min(max(mark.index, 0), len(text))
    begin = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    found = _LINE_BREAK.search(text, index)
    return text[begin:index], text[index:found.start() if found else len(text)]


def _opening_quote(text: str, close: int) -> int | None:
    """The index of the quote that ``text[close]`` closes (YAML's '' and \\" escapes skipped), or None."""
    quote, index = text[close], close - 1
    while index >= 0:
        if text[index] == quote:
            if quote == "'" and index > 0 and text[index - 1] == "'":
                index -= 2
                continue
            escapes = index
            while quote == '"' and escapes > 0 and text[escapes - 1] == "\\":
                escapes -= 1
            if (index - escapes) % 2 == 0:  # not preceded by an odd number of backslashes
                return index
        index -= 1
    return None


def _syntax_hint(err: yaml.MarkedYAMLError, text: str) -> tuple[str, Any]:
    """How to fix the common YAML mistakes, in plain words, and where to report them (None: the usual).

    The place is a mark, or a character index when the mistake lies before the parser's own mark.
    """
    problem, context = (err.problem or "").lower(), (err.context or "").lower()
    mark, opened = err.problem_mark, err.context_mark
    if mark is None:
        return "", None
    before, rest = _line_at(text, mark)
    if "tab" in problem or rest.startswith("\t"):
        return "indent with spaces, not tabs", None
    if "cannot start any token" in problem:
        return f"quote the value: a value cannot start with '{rest[:1]}' unless it is in quotes", None
    if "mapping values are not allowed" in problem or "found unexpected ':'" in problem:
        if ": " in before or before.rstrip().endswith(":"):
            return "quote a value that contains ': ', e.g. title: \"Part 1: the start\"", None
        return "check the indentation: this line is indented further than the keys above it", None
    if "could not find expected ':'" in problem and opened is not None:
        key_before, key_line = _line_at(text, opened)
        above = text[: max(0, opened.index - len(key_before) - 1)].rstrip(" \t\r\n").rsplit("\n", 1)[-1]
        if re.search(r"[|>][-+0-9]*\s*(#.*)?$", above):
            return "indent the text of a '|' or '>' block further than its key", opened
        if re.search(r":[^\s]", key_line):
            return "put a space after ':', as in 'key: value'", opened
        return "each line of an entry is 'key: value', and a continued value is indented under its key", opened
    if "end of stream" in problem and "quoted scalar" in context and opened is not None:
        return "this quoted value is never closed; add the closing quote", opened
    if "unknown escape" in problem:
        return "inside \"…\" a backslash starts an escape: write \\\\, or use '…' or a '|' block", None
    if "single document" in context or "another document" in problem:
        return "remove this '---': a data file holds one YAML list", None
    if "expected ',' or ']'" in problem and opened is not None:
        return f"close the list opened at line {opened.line + 1} with ']'", None
    if "expected ',' or '}'" in problem and opened is not None:
        return f"close the mapping opened at line {opened.line + 1} with '}}'", None
    # libyaml says "did not find expected key", PyYAML "expected <block end>, but found '<scalar>'"
    if "did not find expected key" in problem or ("expected <block end>" in problem and "<scalar>" in problem):
        quote = before.rstrip()[-1:]
        close = mark.index - len(before) + len(before.rstrip()) - 1
        start = _opening_quote(text, close) if quote in ("'", '"') else None
        if start is not None and _LINE_BREAK.search(text, start, close):  # a quoted value over several lines
            return f"this quoted value runs on to line {mark.line + 1}: add its closing quote on this line", start
        if quote == "'":
            return "the quoted value ends too early: inside '…' write an apostrophe as '', or use \"…\"", None
        if quote == '"':
            return "the quoted value ends too early: quote the whole value, and write \\\" inside \"…\"", None
        return "check the indentation: the keys of one entry line up under each other", None
    if "expected '-' indicator" in problem or "expected <block end>" in problem:
        return "check the indentation: every entry starts with '- ' in the same column", None
    if "nesting depth" in problem:
        return "nothing in the data is nested more than a few levels", None
    if "block scalar" in context:
        return "after '|' or '>' the text starts on the next line", None
    if "directive" in context:
        return "a '%' at the start of a line starts a YAML directive; indent or quote the text", None
    return "", None


class _Reader:
    """Turns composed YAML nodes into plain values while collecting problems with positions."""

    def __init__(self, today: datetime.date) -> None:
        self.problems: list[Problem] = []
        self.today = today
        self.sources: dict[str, _Source] = {}

    def problem(self, place: Place, message: str) -> None:
        self.problems.append(Problem(place.path, place.line, place.col, _visible(message)))

    # ── reading ──────────────────────────────────────────────────────────────

    def read(self, path: Path, shown: str) -> str | None:
        """The file's text, or None once the reason it cannot be used is reported."""
        start = Place(shown, 1, 1)
        try:
            info = path.stat()
        except FileNotFoundError:
            try:
                dangling = path.is_symlink()
            except OSError:
                dangling = False
            self.problem(start, "is a symbolic link to a file that does not exist (point it at the file)"
                         if dangling else "file not found (create it; see docs/contributing.md)")
            return None
        except OSError as err:
            self.problem(start, _unreadable(err))
            return None
        if stat.S_ISDIR(info.st_mode):
            self.problem(start, "is a directory; it must be a YAML file")
            return None
        if not stat.S_ISREG(info.st_mode):  # reading a pipe or a device could block or never end
            self.problem(start, "is not a regular file (a pipe, socket or device); it must be a YAML file")
            return None
        if info.st_size > MAX_FILE_BYTES:
            self.problem(start, _too_big(info.st_size))
            return None
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_FILE_BYTES + 1)  # bounded: the file may have grown since stat
        except OSError as err:
            self.problem(start, _unreadable(err))
            return None
        if len(data) > MAX_FILE_BYTES:
            self.problem(start, _too_big(len(data)))
            return None
        return self.decode(data, shown)

    def decode(self, data: bytes, shown: str) -> str | None:
        # A UTF-8 byte-order mark (some Windows editors write one) is accepted and dropped: it is not text,
        # and columns on line 1 then match what an editor shows.
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            self.problem(Place(shown, 1, 1), "is UTF-16 text; save it as UTF-8")
            return None
        text = data.decode("utf-8", errors="surrogateescape")  # each bad byte becomes one stand-in character
        self._each_line_once(
            _Source(shown, text), re.finditer("[\udc80-\udcff]", text),
            lambda char: f"byte 0x{ord(char) - 0xDC00:02X} is not UTF-8 (was the file saved as Latin-1 or "
            "Windows-1252?); save it as UTF-8",
        )
        return None

    def _each_line_once(self, source: _Source, matches, message) -> None:
        """A problem for the first match on each line, for at most _BAD_LINES_SHOWN lines, then one more
        saying that there are others."""
        lines_done: set[int] = set()
        for match in matches:
            place = source.place(match.start())
            if place.line in lines_done:
                continue
            if len(lines_done) == _BAD_LINES_SHOWN:
                self.problem(place, "more lines like the ones above (fix those and check again)")
                return
            lines_done.add(place.line)
            self.problem(place, message(match.group(0)))

    # ── parsing ──────────────────────────────────────────────────────────────

    def parse(self, path: Path, shown: str) -> yaml.Node | None:
        text = self.read(path, shown)
        if text is None:
            return None
        source = self.sources[shown] = _Source(shown, text)
        try:
            # Counting parse events costs a fraction of composing; only a file whose cheap bound says it
            # might have too many nodes pays for it, and a file that has them is never composed.
            if _node_bound(text) > MAX_NODES:
                mark = _mark_past_node_limit(text)
                if mark is not None:
                    self.problem(_mark_place(shown, mark), f"more than {MAX_NODES:,} YAML nodes, so the file was "
                                 "not checked further (remove what does not belong in it)")
                    return None
            node = _compose(text)
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
                self.problem(Place(shown, 1, 1), "file is empty (it must hold a YAML list of entries)")
                return None
            return node if self._check_tree(node, shown) else None
        except _AliasFound:
            self.problem(_mark_place(shown, _first_alias_mark(text)), _ALIAS_MESSAGE)
        except yaml.reader.ReaderError as err:
            self._unreadable_characters(source, err)
        except yaml.MarkedYAMLError as err:
            self._syntax_problem(err, source)
        except yaml.YAMLError as err:  # no other kind is known to reach here; still a located line
            self.problem(Place(shown, 1, 1), f"YAML: {err}")
        except RecursionError:  # only the pure-Python parser recurses; libyaml stops at 1,000 levels
            self.problem(Place(shown, 1, 1), "YAML syntax: nested too deeply (entries need only a few levels)")
        return None

    def _unreadable_characters(self, source: _Source, err: yaml.reader.ReaderError) -> None:
        found = list(_NOT_YAML_TEXT.finditer(source.text))
        if not found:  # not expected: the reader and this pattern refuse the same characters
            self.problem(Place(source.shown, 1, 1), f"YAML: {err}")
            return
        self._each_line_once(
            source, found,
            lambda char: f"contains the control character U+{ord(char):04X}, which YAML does not allow; "
            "delete it (it is invisible in most editors)",
        )

    def _syntax_problem(self, err: yaml.MarkedYAMLError, source: _Source) -> None:
        problem = err.problem or "invalid YAML"
        if "alias" in problem and ("undefined" in problem or "recursive" in problem):
            self.problem(_mark_place(source.shown, err.problem_mark), _ALIAS_MESSAGE)
            return
        hint, where = _syntax_hint(err, source.text)
        what = f"{err.context}, {problem}" if err.context else problem
        if isinstance(where, int):
            place = source.place(where)
        else:
            place = _mark_place(source.shown, where or err.problem_mark or err.context_mark)
        self.problem(place, f"YAML syntax: {what}" + (f" ({hint})" if hint else ""))

    def _check_tree(self, root: yaml.Node, shown: str) -> bool:
        """One walk over the tree: refuse aliases (a node seen twice), too many nodes and unusual tags."""
        stack, seen, ok = [root], set(), True
        while stack:
            node = stack.pop()
            if id(node) in seen:
                raise _AliasFound
            seen.add(id(node))
            if len(seen) > MAX_NODES:  # the bound before composing makes this a second line of defence
                self.problem(_place(shown, node), f"more than {MAX_NODES:,} YAML nodes, so the file was not "
                             "checked further (remove what does not belong in it)")
                return False
            if node.tag not in _PLAIN_TAGS:
                self.problem(
                    _place(shown, node),
                    f"YAML tag {_quoted(node.tag, 80)} is not allowed (only plain strings, numbers, lists and "
                    "mappings)",
                )
                ok = False
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.append(key)
                    stack.append(value)
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
                what = f"{what.split()[0]} {_quoted(value_node.value, 40)}"
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
                    f"duplicate key {_quoted(key)} (first at line {first_seen[key].line}); "
                    "YAML would silently keep only the last one, so remove one of them",
                )
                continue
            first_seen[key] = key_place
            spec = known.get(key)
            if spec is None:
                if key == "<<":
                    hint = " (merge keys are not supported; write the keys out in full)"
                else:
                    hint = suggest(key, known) or f" (allowed: {', '.join(known)})"
                self.problem(key_place, f"{what}: unknown key {_quoted(key)}{hint}")
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
        kind = spec.kind
        if kind in ("str", "text", "id", "date"):
            return self.text(node, kind, shown, what)
        if kind == "int":
            return self.year(node, shown, what)
        if kind in ("str-list", "id-list", "source-list"):
            if not isinstance(node, yaml.SequenceNode):
                self.problem(_place(shown, node), f"{what} must be a list (write [] for none)")
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

    def text(self, node: yaml.Node, kind: str, shown: str, what: str) -> str | None:
        """A str, text, id or date field: one string that also passes the untrusted-text policy."""
        raw = self.scalar_text(node, shown, what)
        if raw is None:
            return None
        limit = TEXT_MAX if kind == "text" else ONE_LINE_MAX
        if len(raw) > limit:
            self.problem(_place(shown, node), f"{what} is {len(raw):,} characters long; keep it under {limit:,}")
            return None
        # Findings are computed on the value exactly as the parser returned it, so offsets map to the file.
        findings = untrusted.markdown_findings(raw) if kind == "text" else untrusted.plain_findings(raw)
        if findings:
            self.report_findings(node, shown, what, findings)
            return None
        if kind == "text":
            return raw.strip() + "\n"
        text = raw.strip()
        if _LINE_BREAK.search(text):
            self.problem(_place(shown, node), f"{what} must be on one line")
            return None
        if kind == "id":
            return self.identifier(node, text, shown, what)
        if kind == "date":
            return self.date(text, _place(shown, node), what)
        return text

    def report_findings(self, node: yaml.ScalarNode, shown: str, what: str, findings) -> None:
        findings = sorted(findings, key=lambda f: f.offset)
        listed = findings[:_FINDINGS_PER_VALUE]
        source = self.sources[shown]
        for finding, index in zip(listed, _scalar_indices(source.text, node, [f.offset for f in listed])):
            hint = ""
            escaped = source.text[index + 1:index + 2]
            if node.style == '"' and source.text[index] == "\\" and escaped.isalpha() and escaped not in "xuU":
                # LaTeX in "…": \frac, \beta, \alpha and \vec are the escapes \f, \b, \a and \v
                hint = " (inside \"…\" a backslash starts an escape: use '…' or a '|' block for LaTeX)"
            self.problem(source.place(index), f"{what}: {finding.message}{hint}")
        if len(findings) > len(listed):
            self.problem(_place(shown, node), f"{what}: {len(findings) - len(listed)} more problems like the ones "
                         "listed for this value")

    def identifier(self, node: yaml.ScalarNode, text: str, shown: str, what: str) -> str | None:
        if ID_PATTERN.match(text):
            return text
        odd = re.search(r"[^\x00-\x7f]", node.value)
        if odd:  # a homoglyph (Cyrillic 'е' for 'e') or an accent: point at the character itself
            source = self.sources[shown]
            [index] = _scalar_indices(source.text, node, [odd.start()])
            self.problem(
                source.place(index),
                f"{what} {_quoted(text)} contains {odd.group(0)!r} (U+{ord(odd.group(0)):04X}), which is not "
                "ASCII; ids use only a-z, 0-9 and '-' (retype it)",
            )
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        example = f": {_quoted(slug)}" if slug and slug != text else ""
        self.problem(
            _place(shown, node),
            f"{what} {_quoted(text)} is not kebab-case (use lowercase letters, digits and '-'{example})",
        )
        return None

    def date(self, text: str, place: Place, what: str) -> str | None:
        usage = 'write "YYYY-MM" or "YYYY-MM-DD"'
        match = DATE_PATTERN.match(text)
        if not match:
            self.problem(place, f"{what} {_quoted(text)} is not a date ({usage})")
            return None
        year, month = int(match.group(1)), int(match.group(2))
        day = int(match.group(3)) if match.group(3) else None
        if not 1 <= month <= 12:
            self.problem(place, f"{what} {_quoted(text)} is not a date (there is no month {month:02d})")
            return None
        try:
            when = datetime.date(year, month, day or 1)
        except ValueError:
            days = calendar.monthrange(year, month)[1] if year else 0
            reason = f"{calendar.month_name[month]} {year} has {days} days" if year else "there is no year 0"
            self.problem(place, f"{what} {_quoted(text)} is not a date ({reason})")
            return None
        if (when if day else (year, month)) > (self.today if day else (self.today.year, self.today.month)):
            self.problem(place, f"{what} {_quoted(text)} is in the future (today is {self.today.isoformat()}); "
                         "record only what has happened")
            return None
        return text

    def year(self, node: yaml.Node, shown: str, what: str) -> int | None:
        """An int field: every one is a year. Only plain decimal digits count (YAML 1.1 also reads 0x7C2,
        0o…, 1_986, +1986 and the sexagesimal 32:23 as integers); nothing here can make int() raise."""
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.problem(_place(shown, node), f"{what} must be a whole number (a year such as 1986), not a {kind}")
            return None
        written = node.value.strip()
        place = _place(shown, node)
        if node.tag == _INT_TAG and _YEAR.match(written):
            year = int(written)
        elif node.tag == _INT_TAG and written.isascii() and written.isdigit():
            self.problem(place, f"{what} {_quoted(written)} is not a year (write it with four digits, such as 1986)")
            return None
        elif node.tag == _INT_TAG:
            self.problem(place, f"{what} {_quoted(written)} is not a plain year (write only digits, such as 1986)")
            return None
        elif node.tag == _STR_TAG and _YEAR.match(written):
            self.problem(place, f"{what} must be a whole number, not text (remove the quotes around {written})")
            return None
        else:
            self.problem(place, f"{what} must be a whole number (a year such as 1986)")
            return None
        # Every int field is a year and none may lie in the future: milestones and sources record what has
        # happened, and an era (a period of that history) ends at the latest year it covers so far; it is
        # extended when a later milestone needs it. Refusing only future years also means that data which
        # passes today passes on every later day.
        if year > self.today.year:
            self.problem(place, f"{what} {year} is in the future (this year is {self.today.year}); "
                         "record only what has happened")
            return None
        return year

    def scalar_text(self, node: yaml.Node, shown: str, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            self.problem(_place(shown, node), f"{what} must be text, not a {kind}")
            return None
        if node.tag == _NULL_TAG or not node.value.strip():
            self.problem(_place(shown, node), f"{what} is empty (give a value or remove the key)")
            return None
        if node.tag not in _SCALAR_TEXT_TAGS:  # yes, no, on, off, true, false: YAML 1.1 reads them as booleans
            self.problem(_place(shown, node), f"{what} must be text; quote it (\"{node.value}\") if you meant the word")
            return None
        return node.value

    def source(self, node: yaml.Node, shown: str, what: str) -> Source | None:
        read = self.mapping(node, SOURCE_FIELDS, shown, what)
        if read is None:
            return None
        values, places = read
        place = _place(shown, node)
        if "doi" in values and not DOI_PATTERN.match(values["doi"]):
            self.problem(places["doi"],
                         f"{what}: doi {_quoted(values['doi'])} is not a bare DOI (write it as 10.xxxx/...)")
            return None
        if "url" in values and not URL_PATTERN.match(values["url"]):
            self.problem(places["url"], f"{what}: url {_quoted(values['url'])} is not an http(s) URL")
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
    if not node.value:
        reader.problem(_place(shown, node), f"the list is empty; the file must hold at least one {what}")
        return
    for index, item in enumerate(node.value):
        if not isinstance(item, yaml.MappingNode):
            reader.problem(
                _place(shown, item),
                f"{what} {index + 1} must be a mapping of keys to values (an entry is '- id: …' followed by "
                "one 'key: value' per line)",
            )
            continue
        read = reader.mapping(item, fields, shown, f"{what} {index + 1}")
        if read is not None:
            yield read[0], read[1], _place(shown, item)


def _complete(values: dict, fields) -> bool:
    return all(f.name in values for f in fields if f.required)


def _demo_ids(demos_dir: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(p.stem for p in demos_dir.glob("*.py"))) if demos_dir.is_dir() else ()
    except OSError:  # an unreadable demos/ folder: every demo reference is then reported as unknown
        return ()


def load_knowledge(
    data_dir: Path | str, demos_dir: Path | str | None = None, *, today: datetime.date | None = None
) -> tuple[Knowledge | None, list[Problem]]:
    """Load and check everything in ``data_dir``. Returns (knowledge, []) or (None, problems).

    ``today`` (default: the system date) is the day after which no year or date may lie.
    """
    data_dir = Path(data_dir)
    demos_dir = Path(demos_dir) if demos_dir is not None else data_dir.parent / "demos"
    reader = _Reader(today or datetime.date.today())
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
        if not declared[key]:  # no usable entry at all: the file's own problems say why; no cascade either
            declared[key] = None
    eras, milestones, terms = entries["eras"], entries["milestones"], entries["glossary"]

    demo_ids = _demo_ids(demos_dir)
    _check_links(reader, eras, milestones, terms, demo_ids, declared)
    if reader.problems:
        return None, _capped(sorted(set(reader.problems)))
    knowledge = Knowledge(
        eras=sorted((e for e, _, _ in eras), key=lambda e: e.start),
        milestones=sorted((m for m, _, _ in milestones), key=lambda m: m.sort_key),
        terms=sorted((t for t, _, _ in terms), key=lambda t: t.term.lower()),
        demo_ids=demo_ids,
    )
    return knowledge, []


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most _PROBLEMS_PER_FILE problems of each file, then one line that counts the rest."""
    shown: list[Problem] = []
    per_file: dict[str, int] = {}
    for problem in problems:
        count = per_file[problem.path] = per_file.get(problem.path, 0) + 1
        if count <= _PROBLEMS_PER_FILE:
            shown.append(problem)
        elif count == _PROBLEMS_PER_FILE + 1:
            rest = sum(1 for p in problems if p.path == problem.path) - _PROBLEMS_PER_FILE
            shown.append(Problem(problem.path, problem.line, problem.col,
                                 f"{rest:,} more problems in this file from here on (fix the ones above first)"))
    return shown


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
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a loop of symbolic links
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


_KNOWN_LISTED = 12  # an unknown id with no close match lists the valid ones when there are at most this many


def _check_refs(reader: _Reader, places: dict, key: str, refs, known, what: str) -> None:
    if known is None:  # the file that declares these ids could not be read; its own problem says why
        return
    for index, ref in enumerate(refs):
        if ref not in known:
            hint = suggest(ref, known, n=3, cutoff=0.5)
            if not hint and len(known) <= _KNOWN_LISTED:
                hint = f" (known: {', '.join(sorted(known))})" if known else " (there are none yet)"
            reader.problem(places.get(f"{key}[{index}]", places.get(key)), f"{key}: unknown {what} '{ref}'{hint}")


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
                f"category: unknown category {_quoted(term.category)}{suggest(term.category, CATEGORIES)} "
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
                reader.problem(place, f"{kind} {_quoted(surface)} has no letters or digits")
                continue
            owner = keys_seen.get(key)
            if owner and owner[0] != term.id:
                reader.problem(
                    place,
                    f"{kind} {_quoted(surface)} also names term '{owner[0]}' (line {owner[1].line}); "
                    "a name or alias must point to one term",
                )
            keys_seen.setdefault(key, (term.id, place))
