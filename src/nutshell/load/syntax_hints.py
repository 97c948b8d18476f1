"""How to fix a YAML syntax error, in plain words: the parser says what it expected, this says what to do.

Each hint was written for a mistake people make in these files (a tab, an unquoted ': ', a quote left
open, a block's text not indented); an error without a known cause gets the parser's words alone.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from nutshell.load.positions import LINE_BREAK


def _line_at(text: str, mark) -> tuple[str, str]:
    """The source line of ``mark``, split at the mark: (before, from the mark on)."""
    index = min(max(mark.index, 0), len(text))
    begin = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    found = LINE_BREAK.search(text, index)
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


def syntax_hint(err: yaml.MarkedYAMLError, text: str) -> tuple[str, Any]:
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
        if start is not None and LINE_BREAK.search(text, start, close):  # a quoted value over several lines
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
