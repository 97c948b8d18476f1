"""Files the project writes and paths it shows: one home for each, used by every module that needs one.

- :func:`write_atomically`: a file appears whole or not at all, even when the machine stops mid-write.
  Demo notebooks, run records and checkpoints are read by other processes (MkDocs, a resumed run, the
  site's tables) which must never see half a file.
- :func:`shown_path`: a path in a message, relative to the working directory when it lies below it, so
  that it is short and an editor or terminal can open it.
- :class:`PerFileVersion`: what was computed from a file, kept until the file changes. A build reads the
  same sources and cached notebooks for every demo, and `mkdocs serve` again at every rebuild.

Standard library only: the command line imports this module and must start at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")


def shown_path(path: str | Path) -> str:
    """``path`` as a message shows it: relative to the working directory when below it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # elsewhere, no working directory, or a loop of links
        return str(path)


def write_atomically(path: str | Path, data: bytes | Callable[[BinaryIO], object]) -> Path:
    """Write ``data`` to ``path``, whole or not at all; returns ``path`` as a Path.

    ``data`` is the file's bytes, or a function that writes them into the binary file it is given
    (opened for reading too, so it may go back over what it wrote: the checkpoint adds a checksum).
    The bytes go to a temporary file beside ``path``, reach the disk (fsync), and only then take
    ``path``'s name in one rename, so that a reader sees the old file or the new one, never a mixture,
    and a crash leaves no truncated file behind. The file gets the permissions a plain ``open`` would
    give it. Missing parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        with open(temporary, "x+b") as file:  # "x": never over a file of someone else's
            if callable(data):
                data(file)
            else:
                file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename itself survive a crash; file systems and platforms that cannot do this skip it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class PerFileVersion(Generic[T]):
    """Values computed from files, each kept until its file changes: its inode, size or modification time
    (a rewrite by :func:`write_atomically` is a new inode). One value per file and ``extra`` key."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[tuple[int, int, int], T]] = {}

    def get(self, path: str | Path, compute: Callable[[], T], extra: tuple = ()) -> T:
        """``compute()`` for the file as it is now; raises OSError when it cannot be stat'ed."""
        info = os.stat(path)
        version = (info.st_mtime_ns, info.st_size, info.st_ino)
        key = (os.fspath(path), extra)
        kept = self._kept.get(key)
        if kept is None or kept[0] != version:
            kept = self._kept[key] = (version, compute())
        return kept[1]
