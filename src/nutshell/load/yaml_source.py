"""A data file's bytes → a checked YAML node tree, or the reasons it cannot be used, each at its place.

Before the parser sees a byte, a file must be a regular file of at most `MAX_FILE_BYTES` in UTF-8, with
at most `MAX_NODES` YAML nodes. The parser is PyYAML's safe composer with three extra refusals: duplicate
keys are left to the field reader (PyYAML silently keeps the last one), aliases (the building block of
"billion laughs" bombs) and explicit tags (``!!python/...``) are refused here. Nothing is constructed:
the field reader reads values from the node tree, so each keeps the line and column it came from.
"""

from __future__ import annotations

import errno
import re
import stat
from pathlib import Path

import yaml

from nutshell.load.positions import SourceText
from nutshell.load.problems import Place, Problems, quoted
from nutshell.load.syntax_hints import syntax_hint

# Bounds that make a hostile or mistaken file cheap to refuse. The largest real file (glossary.yaml) is
# about 155 KB with about 4,400 YAML nodes, so both leave room for many times today's data. The byte
# bound is checked before the file is read: parsing a 31 MB file took 14-26 s and 1.1 GB of memory.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
_BAD_LINES_SHOWN = 10  # lines listed for bytes that are not UTF-8 or characters YAML refuses

_YAML_TAG = "tag:yaml.org,2002:"
# "merge" ('<<') and "value" ('=') are what PyYAML's resolver makes of those two plain scalars; we never
# construct values, so they are just text (a '<<' key is refused by name, with its own message).
_PLAIN_TAGS = {
    _YAML_TAG + name
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge", "value")
}
SCALAR_TEXT_TAGS = {_YAML_TAG + name for name in ("str", "int", "float", "timestamp", "merge", "value")}
INT_TAG = _YAML_TAG + "int"
STR_TAG = _YAML_TAG + "str"
NULL_TAG = _YAML_TAG + "null"
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)
_ALIAS_MESSAGE = "YAML syntax: YAML aliases (*name) are not allowed here (write the value out in full)"
# What a YAML reader refuses (PyYAML's Reader.NON_PRINTABLE; libyaml refuses the same characters).
_NOT_YAML_TEXT = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# libyaml's composer is about ten times faster (it keeps `nutshell define` quick); PyYAML's pure-Python
# one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasFound(Exception):
    pass


def parse(path: Path, shown: str, problems: Problems) -> tuple[yaml.Node, SourceText] | None:
    """The file's checked node tree and its text, or None once the reason it cannot be used is reported."""
    text = _read(path, shown, problems)
    if text is None:
        return None
    source = SourceText(shown, text)
    try:
        # Counting parse events costs a fraction of composing; only a file whose cheap bound says it
        # might have too many nodes pays for it, and a file that has them is never composed.
        if node_bound(text) > MAX_NODES:
            mark = _mark_past_node_limit(text)
            if mark is not None:
                problems.add(source.at_mark(mark), f"more than {MAX_NODES:,} YAML nodes, so the file was "
                             "not checked further (remove what does not belong in it)")
                return None
        node = _compose(text)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG):
            problems.add(Place(shown, 1, 1), "file is empty (it must hold a YAML list of entries)")
            return None
        return (node, source) if _check_tree(node, source, problems) else None
    except _AliasFound:
        problems.add(source.at_mark(_first_alias_mark(text)), _ALIAS_MESSAGE)
    except yaml.reader.ReaderError as err:
        _unreadable_characters(source, err, problems)
    except yaml.MarkedYAMLError as err:
        _syntax_problem(err, source, problems)
    except yaml.YAMLError as err:  # no other kind is known to reach here; still a located line
        problems.add(Place(shown, 1, 1), f"YAML: {err}")
    except RecursionError:  # only the pure-Python parser recurses; libyaml stops at 1,000 levels
        problems.add(Place(shown, 1, 1), "YAML syntax: nested too deeply (entries need only a few levels)")
    return None


# ── bytes → text ──────────────────────────────────────────────────────────────


def _read(path: Path, shown: str, problems: Problems) -> str | None:
    """The file's text, or None once the reason it cannot be used is reported."""
    start = Place(shown, 1, 1)
    try:
        info = path.stat()
    except FileNotFoundError:
        try:
            dangling = path.is_symlink()
        except OSError:
            dangling = False
        problems.add(start, "is a symbolic link to a file that does not exist (point it at the file)"
                     if dangling else "file not found (create it; see docs/contributing.md)")
        return None
    except OSError as err:
        problems.add(start, _unreadable(err))
        return None
    if stat.S_ISDIR(info.st_mode):
        problems.add(start, "is a directory; it must be a YAML file")
        return None
    if not stat.S_ISREG(info.st_mode):  # reading a pipe or a device could block or never end
        problems.add(start, "is not a regular file (a pipe, socket or device); it must be a YAML file")
        return None
    if info.st_size > MAX_FILE_BYTES:
        problems.add(start, _too_big(info.st_size))
        return None
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # bounded: the file may have grown since stat
    except OSError as err:
        problems.add(start, _unreadable(err))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.add(start, _too_big(len(data)))
        return None
    return _decode(data, shown, problems)


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


def _decode(data: bytes, shown: str, problems: Problems) -> str | None:
    # A UTF-8 byte-order mark (some Windows editors write one) is accepted and dropped: it is not text,
    # and columns on line 1 then match what an editor shows.
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        problems.add(Place(shown, 1, 1), "is UTF-16 text; save it as UTF-8")
        return None
    text = data.decode("utf-8", errors="surrogateescape")  # each bad byte becomes one stand-in character
    _each_line_once(
        SourceText(shown, text), re.finditer("[\udc80-\udcff]", text), problems,
        lambda char: f"byte 0x{ord(char) - 0xDC00:02X} is not UTF-8 (was the file saved as Latin-1 or "
        "Windows-1252?); save it as UTF-8",
    )
    return None


def _each_line_once(source: SourceText, matches, problems: Problems, message) -> None:
    """A problem for the first match on each line, for at most _BAD_LINES_SHOWN lines, then one more
    saying that there are others."""
    lines_done: set[int] = set()
    for match in matches:
        place = source.place(match.start())
        if place.line in lines_done:
            continue
        if len(lines_done) == _BAD_LINES_SHOWN:
            problems.add(place, "more lines like the ones above (fix those and check again)")
            return
        lines_done.add(place.line)
        problems.add(place, message(match.group(0)))


# ── text → nodes ──────────────────────────────────────────────────────────────


def node_bound(text: str) -> int:
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


def _check_tree(root: yaml.Node, source: SourceText, problems: Problems) -> bool:
    """One walk over the tree: refuse aliases (a node seen twice), too many nodes and unusual tags."""
    stack, seen, ok = [root], set(), True
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound
        seen.add(id(node))
        if len(seen) > MAX_NODES:  # the bound before composing makes this a second line of defence
            problems.add(source.at(node), f"more than {MAX_NODES:,} YAML nodes, so the file was not "
                         "checked further (remove what does not belong in it)")
            return False
        if node.tag not in _PLAIN_TAGS:
            problems.add(
                source.at(node),
                f"YAML tag {quoted(node.tag, 80)} is not allowed "
                "(only plain strings, numbers, lists and mappings)",
            )
            ok = False
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return ok


# ── what the parser refused ───────────────────────────────────────────────────


def _unreadable_characters(source: SourceText, err: yaml.reader.ReaderError, problems: Problems) -> None:
    found = list(_NOT_YAML_TEXT.finditer(source.text))
    if not found:  # not expected: the reader and this pattern refuse the same characters
        problems.add(Place(source.shown, 1, 1), f"YAML: {err}")
        return
    _each_line_once(
        source, found, problems,
        lambda char: f"contains the control character U+{ord(char):04X}, which YAML does not allow; "
        "delete it (it is invisible in most editors)",
    )


def _syntax_problem(err: yaml.MarkedYAMLError, source: SourceText, problems: Problems) -> None:
    problem = err.problem or "invalid YAML"
    if "alias" in problem and ("undefined" in problem or "recursive" in problem):
        problems.add(source.at_mark(err.problem_mark), _ALIAS_MESSAGE)
        return
    hint, where = syntax_hint(err, source.text)
    what = f"{err.context}, {problem}" if err.context else problem
    if isinstance(where, int):
        place = source.place(where)
    else:
        place = source.at_mark(where or err.problem_mark or err.context_mark)
    problems.add(place, f"YAML syntax: {what}" + (f" ({hint})" if hint else ""))
