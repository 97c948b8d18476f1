"""What ``nutshell define`` prints, compiled once from the data and kept on disk until the data changes.

Loading and checking data/ takes tens of milliseconds and imports the YAML parser, the loader, the renderer
and the math converter; a lookup needs none of that once every term's printed pieces are known. So the
first ``define`` after a change loads the data as ``check`` and the build do (the same code), and, when it
loads without a problem, writes what a lookup needs here: every term's names for :mod:`nutshell.lookup`,
its text with the Markdown and math already turned into plain text (:mod:`nutshell.plain_text`; wrapping to
the terminal's width is done at every call), and the ``api/glossary.json`` document for ``--json``.

Never stale: the file is used only when its key equals :func:`cache_key`, a BLAKE2 digest of every byte the
loader reads (the four YAML files and the demo scripts, which terms may name) and of the size and time of
every source file of this package (a new version of the code compiles again). Reading and hashing those
bytes takes a lookup ~2 ms, so a lookup first compares what ``stat`` says of each file with what it said
when the cache was written (any write changes a file's change time), as git does for its index, and reads
the bytes only when that differs or cannot be trusted (:func:`read`). Data with problems is never
compiled, so they are reported by every call, exactly as ``check`` reports them.

Where: ``$NUTSHELL_CACHE_DIR``, else ``$XDG_CACHE_HOME/nutshell``, else ``~/.cache/nutshell``; one file per
data folder, named by a digest of its resolved path. A cache that cannot be read or written changes
nothing but the speed. The file holds marshal data of plain lists, dicts and strings (several times faster
to read than JSON, and unable to run code) after a header that names the format and the Python that wrote
it: an index, then each term's pieces on their own (:func:`_packed`), so that a lookup decodes the index
and the one term it prints.

Standard library only, and nothing heavy at import: this is the module that makes ``define`` fast.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys

try:  # the BLAKE2 module alone: hashlib would load OpenSSL first, which costs a lookup ~3 ms
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

# The files the loader reads in data/ (nutshell.load.DATA_FILES and OPTIONAL_FILES: a test holds them
# equal) and the demo scripts, which are read from the demos/ folder beside it.
DATA_FILE_NAMES = ("eras.yaml", "milestones.yaml", "glossary.yaml", "disputes.yaml")
FORMAT = 2  # bump when the compiled shape changes
CACHE_ENV = "NUTSHELL_CACHE_DIR"
_HEADER = f"nutshell-glossary-cache {FORMAT} python {sys.version_info[0]}.{sys.version_info[1]} " \
          f"marshal {marshal.version}\n".encode()
_PACKAGE = os.path.dirname(os.path.realpath(__file__))
_MAX_BYTES = 16 * 2**20  # bigger than the loader accepts (4 MiB a file): such data is never compiled anyway


# Paths are strings (os.path), not pathlib: importing pathlib would cost a lookup ~3 ms.


def cache_folder() -> str:
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nutshell")


def cache_file(data_dir: str | os.PathLike) -> str:
    where = blake2b(os.fsencode(os.path.realpath(data_dir)), digest_size=12).hexdigest()
    return os.path.join(cache_folder(), f"glossary-{where}.marshal")


def _lexical_parent(path: str | os.PathLike) -> str:
    """``str(Path(path).parent)`` without pathlib: the loader's demos/ is ``data_dir.parent / "demos"``."""
    path = os.fspath(path)
    root = os.sep if path.startswith(os.sep) else ""
    parts = [part for part in path.split(os.sep) if part not in ("", ".")]
    return (root + os.sep.join(parts[:-1])) or "."


def _inputs(data_dir: str | os.PathLike) -> tuple[list[tuple[str, str]], str]:
    """(label, path) of every file the loader reads for ``data_dir``, and a note when demos/ cannot be listed."""
    demos_dir = os.path.join(_lexical_parent(data_dir), "demos")  # where load_knowledge looks
    try:
        demo_names = sorted(name for name in os.listdir(demos_dir) if name.endswith(".py"))
        note = ""
    except OSError as error:  # no demos/ folder is allowed (the loader then knows no demos)
        demo_names, note = [], f"demos: {type(error).__name__}"
    files = [(f"data/{name}", os.path.join(data_dir, name)) for name in DATA_FILE_NAMES]
    files += [(f"demos/{name}", os.path.join(demos_dir, name)) for name in demo_names]
    return files, note


class _Unusable(Exception):
    """An input that is not a regular file, is too big, or cannot be read: no cache; the loader says why."""


def _input_stat(path: str) -> os.stat_result | None:
    """The input's ``stat``, or None when it does not exist; raises _Unusable (a pipe could block, a device
    never end)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _Unusable(path) from error
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
        raise _Unusable(path)
    return info


def _package_stamp() -> list[tuple[str, int, int]]:
    """Name, size and modification time of this package's sources (a new version compiles again)."""
    stamp = []
    for folder in (_PACKAGE, os.path.join(_PACKAGE, "load")):
        try:
            found = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            raise _Unusable(folder) from error
        for entry in found:
            if entry.name.endswith(".py"):
                info = entry.stat()
                stamp.append((entry.name, info.st_size, info.st_mtime_ns))
    return stamp


def signature(data_dir: str | os.PathLike) -> tuple | None:
    """What ``stat`` says of every input (inode, size, modification and change times) and of this package's
    sources; None when an input is unusable. Any write to a file changes its change time, so an equal
    signature means unchanged files; see :func:`read` for the one exception it guards."""
    files, note = _inputs(data_dir)
    entries: list = [note]
    try:
        for label, path in files:
            info = _input_stat(path)
            entries.append((label, None) if info is None else
                           (label, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        entries += _package_stamp()
    except _Unusable:
        return None
    return tuple(entries)


def cache_key(data_dir: str | os.PathLike) -> str | None:
    """The digest of everything the compiled glossary depends on: the bytes of every input, and the size and
    time of this package's sources; None when an input is unusable (as for :func:`signature`)."""
    digest = blake2b(_HEADER, digest_size=20)
    files, note = _inputs(data_dir)
    digest.update(note.encode() + b"\n")
    try:
        for label, path in files:
            digest.update(label.encode() + b"\0")
            if _input_stat(path) is None:
                digest.update(b"absent\0")
                continue
            try:
                with open(path, "rb") as file:
                    content = file.read(_MAX_BYTES + 1)
            except OSError as error:
                raise _Unusable(path) from error
            digest.update(len(content).to_bytes(8, "little") + content)
        digest.update(repr(_package_stamp()).encode())
    except _Unusable:
        return None
    return digest.hexdigest()


# A file written within this long before the cache may have been written again in the same tick of a coarse
# file-system clock (FAT: 2 s) without its times changing: its signature is not trusted, its bytes are read.
_RACY_NS = 2_000_000_000


def _settled(found: tuple, written_ns: int) -> bool:
    times = [time for entry in found if isinstance(entry, tuple) and len(entry) == 5 for time in entry[3:]]
    return all(time < written_ns - _RACY_NS for time in times)


def read(data_dir: str | os.PathLike) -> tuple[dict | None, tuple | None]:
    """(the compiled glossary, None) when the cache holds it for the data as it is now; else (None, stamp):
    what to :func:`write` it under once compiled (None: keep nothing).

    The cache is trusted when every input's :func:`signature` is what it was when the cache was written and
    no input had been written within 2 s of that; otherwise the bytes decide (:func:`cache_key`), and a cache
    that still holds is written again with the new signature, so that the next lookup need not read them.
    """
    found = signature(data_dir)
    if found is None:
        return None, None
    try:
        with open(cache_file(data_dir), "rb") as file:
            compiled = _unpacked(file.read())
    except (OSError, EOFError, ValueError, TypeError, KeyError):  # absent, unreadable, truncated, not ours
        compiled = None
    if compiled is not None and compiled.get("signature") == found and _settled(found, compiled.get("written", 0)):
        return compiled, None
    key = cache_key(data_dir)
    if key is None:
        return None, None
    if compiled is not None and compiled.get("key") == key:
        write(data_dir, (key, found), compiled)  # the same bytes: note the new signature
        return compiled, None
    return None, (key, found)


def write(data_dir: str | os.PathLike, stamp: tuple, compiled: dict) -> None:
    """Keep ``compiled`` for the inputs whose (:func:`cache_key`, :func:`signature`) is ``stamp``; a folder
    that cannot be written just means the next lookup compiles again."""
    import time

    from nutshell.files import write_atomically

    key, found = stamp
    try:
        write_atomically(cache_file(data_dir), _packed({**compiled, "key": key, "signature": found,
                                                         "written": time.time_ns()}))
    except (OSError, ValueError):
        pass


# The file: the header line; the length of the index (8 bytes); the index, a marshal of everything but the
# terms' pieces, which say where each of those lies in the rest of the file. A lookup unmarshals the index
# and the one term it prints (the whole file at once took ~1 ms more).
_PIECES = ("entries", "records")


def _packed(compiled: dict) -> bytes:
    blob = bytearray()
    index = {name: value for name, value in compiled.items() if name not in _PIECES}
    for name in _PIECES:
        spans = {}
        for term_id, piece in compiled[name].items():
            spans[term_id] = (len(blob), len(piece))
            blob += piece
        index[name] = spans
    head = marshal.dumps(index)
    return _HEADER + len(head).to_bytes(8, "little") + head + bytes(blob)


def _unpacked(data: bytes) -> dict:
    """What :func:`_packed` wrote; raises ValueError (or EOFError, TypeError, KeyError) for anything else."""
    if not data.startswith(_HEADER):
        raise ValueError("not a glossary cache of this version")
    start = len(_HEADER) + 8
    size = int.from_bytes(data[len(_HEADER):start], "little")
    if start + size > len(data):
        raise ValueError("truncated")
    compiled = marshal.loads(data[start:start + size])
    if not isinstance(compiled, dict):
        raise ValueError("not a glossary cache")
    blob = memoryview(data)[start + size:]
    for name in _PIECES:
        spans = compiled[name]
        if any(offset + length > len(blob) for offset, length in spans.values()):
            raise ValueError("truncated")
        compiled[name] = {term_id: blob[offset:offset + length] for term_id, (offset, length) in spans.items()}
    return compiled


def compile_glossary(knowledge) -> dict:
    """What a lookup prints, from knowledge already cleaned for the terminal (terminal.printable_copy).

    ``surfaces``: term id → its name and aliases, and ``exact_keys`` what :class:`nutshell.lookup.TermIndex`
    prepares from them; ``names``: term id →
    its name, in the glossary's order; ``page``: the glossary's path on the site; ``entries`` and ``records``:
    term id → marshal bytes of what ``define`` prints (:func:`entry`) and of its ``api/glossary.json``
    record (:func:`record`); ``document``: that document without its terms (:func:`document`).
    """
    from nutshell import render
    from nutshell.plain_text import markdown_blocks

    entries = {}
    for term in knowledge.terms:
        entries[term.id] = marshal.dumps({
            "term": term.term,
            "category": term.category,
            "aliases": list(term.aliases),
            "short": term.short,
            "body": [list(block) for block in markdown_blocks(term.body)],
            "related": [t.term for t in knowledge.related_terms(term.id)],
            "milestones": [[m.year, m.title] for m in knowledge.milestones_for_term(term.id)],
            "sources": [render.citation_text(source) for source in term.sources],
        })
    from nutshell.lookup import TermIndex

    whole = render.glossary_document(knowledge)
    surfaces = {t.id: [t.term, *t.aliases] for t in knowledge.terms}
    return {
        "surfaces": surfaces,
        "exact_keys": TermIndex(surfaces).exact_keys,
        "names": {t.id: t.term for t in knowledge.terms},
        "page": render.site_path(render.GLOSSARY_PAGE),
        "entries": entries,
        "records": {record["id"]: marshal.dumps(record) for record in whole["terms"]},
        "document": {name: value for name, value in whole.items() if name != "terms"},
    }


def entry(compiled: dict, term_id: str) -> dict:
    """What ``define`` prints for one term: term, category, aliases, short, body (plain_text blocks),
    related (names), milestones ([year, title]), sources (citations)."""
    return marshal.loads(compiled["entries"][term_id])


def record(compiled: dict, term_id: str) -> dict:
    """The term's record in ``api/glossary.json``, as it is there."""
    return marshal.loads(compiled["records"][term_id])


def document(compiled: dict) -> dict:
    """``api/glossary.json`` as a dict, its keys in the order the site writes them."""
    return {**compiled["document"], "terms": [record(compiled, term_id) for term_id in compiled["names"]]}
