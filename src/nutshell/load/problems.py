"""Problems found in the data: each one at a file, line and column, worded for the person who fixes it."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

PROBLEMS_PER_FILE = 200  # a file that is wrong throughout (a list of 95,000 words) needs no 95,000 lines

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


class Problems:
    """The problems found so far. Each message is made safe to print as it is added."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, place: Place, message: str) -> None:
        self.found.append(Problem(place.path, place.line, place.col, visible(message)))

    def listed(self) -> list[Problem]:
        """Each problem once, in file order: at most PROBLEMS_PER_FILE of each file, then one line that
        counts the rest."""
        problems = sorted(set(self.found))
        shown: list[Problem] = []
        per_file: dict[str, int] = {}
        for problem in problems:
            count = per_file[problem.path] = per_file.get(problem.path, 0) + 1
            if count <= PROBLEMS_PER_FILE:
                shown.append(problem)
            elif count == PROBLEMS_PER_FILE + 1:
                rest = sum(1 for p in problems if p.path == problem.path) - PROBLEMS_PER_FILE
                message = f"{rest:,} more problems in this file from here on (fix the ones above first)"
                shown.append(Problem(problem.path, problem.line, problem.col, message))
        return shown


def visible(message: str) -> str:
    """A message that is safe to print: controls and invisible marks from the data written as escapes."""
    return _UNSHOWABLE.sub(lambda m: ascii(m.group(0))[1:-1], message)


def quoted(value: str, limit: int = 60) -> str:
    """A value from the data inside a message: quoted, and cut short when long."""
    return "'" + (value if len(value) <= limit else value[:limit] + "…") + "'"


def suggest(word: str, candidates, n: int = 1, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' (or 'x', 'y' or 'z' for n=3) when close candidates exist, else ''."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
