"""Where in a file a value was written: a character index, or a character of a scalar, as line and column."""

from __future__ import annotations

import bisect
import re

import yaml

from nutshell.load.problems import Place

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as the end of a line
_BLANK = frozenset(" \t\r\n")
# Escapes in double quotes: how many characters each takes, and which stand for a blank (\t \n \r, an
# escaped space or tab); any other escape stands for one character.
_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}
_BLANK_ESCAPES = frozenset("tnr \t")


class SourceText:
    """One file's text as shown in messages (``shown`` is its path there), to turn indices into places."""

    def __init__(self, shown: str, text: str) -> None:
        self.shown = shown
        self.text = text
        self._line_starts: list[int] | None = None  # built on the first problem that needs it

    def place(self, index: int) -> Place:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in LINE_BREAK.finditer(self.text)]
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Place(self.shown, line + 1, index - self._line_starts[line] + 1)

    def at(self, node: yaml.Node) -> Place:
        """Where ``node`` starts (PyYAML counts lines and columns from 0, editors from 1)."""
        return Place(self.shown, node.start_mark.line + 1, node.start_mark.column + 1)

    def at_mark(self, mark: yaml.Mark | None) -> Place:
        """Where a parser's mark points; the start of the file when the parser gave none."""
        if mark is None:
            return Place(self.shown, 1, 1)
        return Place(self.shown, mark.line + 1, mark.column + 1)

    def scalar_indices(self, node: yaml.ScalarNode, offsets: list[int]) -> list[int]:
        """Where in the text the characters at ``offsets`` (ascending) of ``node.value`` were written.

        Between the file and the value, indentation, folding and quoting change only blanks (spaces, tabs,
        line breaks), and an escape (``\\x1b``, ``''``) becomes the one character it stands for. So the n-th
        non-blank character of the value is the n-th non-blank character written in the scalar, counting
        each escape as one: exact for literal (``|``) and folded (``>``) blocks, plain and quoted scalars.
        """
        ordinals, count, done = [], 0, 0  # non-blank characters of the value before each offset
        for offset in offsets:
            count += sum(1 for char in node.value[done:offset] if char not in _BLANK)
            done = max(done, offset)
            ordinals.append(count)
        text, start, end, style = self.text, node.start_mark.index, node.end_mark.index, node.style
        if style in ("|", ">"):  # the text starts on the line after the indicator (and its comment)
            found = LINE_BREAK.search(text, start, end)
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
