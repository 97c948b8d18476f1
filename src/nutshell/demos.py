"""What a demo is: a percent-format script in ``demos/`` with a title and a one-line description.

A demo is a Jupyter "percent" script: ``# %% [markdown]`` cells hold prose, ``# %%`` cells hold code. Its id
is the file name without ``.py`` and follows the same kebab-case rule as every id in data/
(:data:`nutshell.schema.ID_PATTERN`); files starting with ``_`` are helpers, not demos. Its title is the
first ``# Heading`` of its first Markdown cell and its description the paragraph under that heading.

Reading a demo needs neither jupytext nor a kernel: the loader (demos are part of ``Knowledge``), the CLI and
the MkDocs plugins all discover demos here. Executing and caching them is :mod:`nutshell.demo_execution`;
their pages are :mod:`nutshell.demo_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nutshell.schema import ID_PATTERN


class DemoError(Exception):
    """A problem with a demo, worded for the person who wrote it."""


class DemoExecutionError(DemoError):
    """A demo cell raised, timed out, or killed its kernel."""

    def __init__(self, message: str, *, demo_path: Path, cell_number: int | None, line: int | None):
        super().__init__(message)
        self.demo_path = demo_path
        self.cell_number = cell_number  # 1-based, counting Markdown and code cells
        self.line = line  # 1-based line in the demo file, when known


@dataclass(frozen=True)
class Demo:
    id: str
    path: Path
    title: str
    description: str

    @property
    def nav_title(self) -> str:
        """Short title for navigation: the title up to its first colon ("XOR: …" → "XOR")."""
        return self.title.split(":", 1)[0].strip()


# ── discovery ──────────────────────────────────────────────────────────────────────


def discover_demos(demos_dir: str | Path) -> list[Demo]:
    """All demos in ``demos_dir`` (files ``*.py`` not starting with ``_``), sorted by id.

    Raises :class:`DemoError` listing every malformed demo at once.
    """
    demos_dir = Path(demos_dir)
    if not demos_dir.is_dir():
        raise DemoError(f"{demos_dir}: demo directory not found")
    demos, problems = [], []
    for path in demo_files(demos_dir):
        try:
            demos.append(read_demo(path))
        except DemoError as error:
            problems.append(str(error))
    if problems:
        raise DemoError("\n".join(problems))
    return demos


def demo_files(demos_dir: Path) -> list[Path]:
    """The demo scripts in ``demos_dir``: ``*.py`` files, except helpers (``_name.py``) and hidden files
    (an editor's lock file such as ``.#xor.py``)."""
    return sorted(path for path in demos_dir.glob("*.py") if not path.name.startswith(("_", ".")))


def read_demo(path: str | Path) -> Demo:
    """Id, title and description of one demo, read from its first Markdown cell (no jupytext needed)."""
    path = Path(path)
    demo_id = path.stem
    if not ID_PATTERN.match(demo_id):
        raise DemoError(f"{path}: demo file names must be lowercase kebab-case, like 'xor-gate.py'")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DemoError(f"{path}: cannot read: {error}") from None
    prose = _first_markdown_cell(text)
    if prose is None:
        raise DemoError(f"{path}:1: no '# %% [markdown]' cell; a demo starts with one holding its '# Title'")
    title, description = None, []
    for line in prose:
        if title is None:
            if line.startswith("# "):
                title = line[2:].strip()
            continue
        if line.strip():
            description.append(line.strip())
        elif description:
            break
    if not title:
        raise DemoError(f"{path}: its first Markdown cell has no '# Title' heading")
    if not description:
        raise DemoError(f"{path}: add a one-line description under the title in the first Markdown cell")
    return Demo(id=demo_id, path=path, title=title, description=" ".join(description))


def _first_markdown_cell(text: str) -> list[str] | None:
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.startswith("# %%") and "[markdown]" in line:
            cell = []
            for body in lines[start + 1 :]:
                if body.startswith("# %%"):
                    break
                cell.append(body[2:] if body.startswith("# ") else body.lstrip("#"))
            return cell
    return None
