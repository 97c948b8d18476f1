"""Tiny throw-away demos in a temporary project, shared by the tests of the demo modules and plugin.

The kernel runs in the project root, so TINY's ``executions.txt`` counts how often it really ran.
"""

import textwrap
from pathlib import Path

TINY = """\
# %% [markdown]
# # Tiny demo
#
# Adds two numbers and leaves a mark.

# %%
from pathlib import Path

marks = Path("executions.txt")
marks.write_text(marks.read_text() + "x" if marks.exists() else "x")
print("answer", 40 + 2)
"""

FAILING = """\
# %% [markdown]
# # Failing demo
#
# Divides by zero in its third cell.

# %%
numerator = 1

# %%
denominator = 0
ratio = numerator / denominator
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def tiny_project(root: Path) -> Path:
    """A project root holding demos/tiny.py."""
    write(root / "demos" / "tiny.py", TINY)
    return root


def stand_in_package(root: Path, monkeypatch) -> Path:
    """Fingerprint a small stand-in for the nutshell sources, so edits made to the real package while
    the tests run cannot turn an expected cache hit into a miss. Returns the stand-in's folder."""
    from nutshell import demo_execution

    package = write(root / "stand-in" / "nutshell" / "nets" / "mlp.py", "LR = 2.0\n").parents[1]
    monkeypatch.setattr(demo_execution, "package_root", lambda: package)
    return package


def executions(project: Path) -> int:
    marks = project / "executions.txt"
    return len(marks.read_text()) if marks.exists() else 0
