"""What ``nutshell define`` prints, compiled once from the data and kept on disk until the data changes.

Loading and checking data/ takes tens of milliseconds and imports the YAML parser, the loader, the renderer
and the math converter; a lookup needs none of that once every term's printed pieces are known. So the
first ``define`` after a change loads the data as ``check`` and the build do (the same code), and, when it
loads without a problem, writes what a lookup needs here: every term's names for :mod:`nutshell.lookup`,
its text with the Markdown and math already turned into plain text (:mod:`nutshell.plain_text`; wrapping to
the terminal's width is done at every call), and the ``api/glossary.json`` document for ``--json``.

Never stale: the file is used only when its key equals :func:`cache_key`, a BLAKE2 digest of every byte the
loader reads (the four YAML files and the demo scripts, which terms may name) and of the size and time of
every source file of this package (a new version of the code compiles again). Data with problems is never
compiled, so they are reported by every call, exactly as ``check`` reports them.

Where: ``$NUTSHELL_CACHE_DIR``, else ``$XDG_CACHE_HOME/nutshell``, else ``~/.cache/nutshell``; one file per
data folder, named by a digest of its resolved path. A cache that cannot be read or written changes
nothing but the speed. The file is the marshal of plain lists, dicts and strings (several times faster to
read than JSON, and unable to run code); a header names the format and the Python that wrote it. Each
term's pieces are kept as marshal bytes of their own, so that a lookup decodes only the term it prints.

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
FORMAT = 1  # bump when the compiled shape changes
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


def cache_key(data_dir: str | os.PathLike) -> str | None:
    """The digest of everything the compiled glossary depends on, or None when it cannot be taken (a file
    that is not a regular file, or too big): then there is no cache, and the loader says what is wrong."""
    digest = blake2b(_HEADER, digest_size=20)
    demos_dir = os.path.join(_lexical_parent(data_dir), "demos")  # where load_knowledge looks
    try:
        demo_names = sorted(name for name in os.listdir(demos_dir) if name.endswith(".py"))
    except OSError as error:  # no demos/ folder is allowed (the loader then knows no demos)
        demo_names = []
        digest.update(f"demos: {type(error).__name__}\n".encode())
    files = [(f"data/{name}", os.path.join(data_dir, name)) for name in DATA_FILE_NAMES]
    files += [(f"demos/{name}", os.path.join(demos_dir, name)) for name in demo_names]
    for label, path in files:
        digest.update(label.encode() + b"\0")
        try:
            info = os.stat(path)
        except FileNotFoundError:
            digest.update(b"absent\0")
            continue
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None  # a pipe could block, a device never end: the loader reports them
        try:
            with open(path, "rb") as file:
                content = file.read(_MAX_BYTES + 1)
        except OSError:
            return None
        digest.update(len(content).to_bytes(8, "little") + content)
    for folder in (_PACKAGE, os.path.join(_PACKAGE, "load")):
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            return None
        for entry in entries:
            if entry.name.endswith(".py"):
                info = entry.stat()
                digest.update(f"{entry.name} {info.st_size} {info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def read(data_dir: str | os.PathLike) -> tuple[dict | None, str | None]:
    """(the compiled glossary, None) when the cache holds it for the data as it is now; else (None, key):
    the key to :func:`write` the glossary under once it is compiled (None: do not write one)."""
    key = cache_key(data_dir)
    if key is None:
        return None, None
    try:
        with open(cache_file(data_dir), "rb") as file:
            if file.readline() != _HEADER:
                return None, key
            compiled = marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable, truncated, not ours
        return None, key
    if not isinstance(compiled, dict) or compiled.get("key") != key:
        return None, key
    return compiled, None


def write(data_dir: str | os.PathLike, key: str, compiled: dict) -> None:
    """Keep ``compiled`` for the data whose :func:`cache_key` is ``key``; a folder that cannot be written
    just means the next lookup compiles again."""
    from nutshell.files import write_atomically

    try:
        write_atomically(cache_file(data_dir), _HEADER + marshal.dumps({**compiled, "key": key}))
    except (OSError, ValueError):
        pass


def compile_glossary(knowledge) -> dict:
    """What a lookup prints, from knowledge already cleaned for the terminal (terminal.printable_copy).

    ``surfaces``: term id → its name and aliases (:class:`nutshell.lookup.TermIndex`); ``names``: term id →
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
    whole = render.glossary_document(knowledge)
    return {
        "surfaces": {t.id: [t.term, *t.aliases] for t in knowledge.terms},
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
