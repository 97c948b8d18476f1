"""Markdown from data/ as a terminal shows it: links, emphasis and code marks gone, math as Unicode text.

Two steps, so that the slow one can be kept: :func:`markdown_blocks` turns a Markdown field into blocks of
plain text (it needs :mod:`nutshell.math_text`; ``nutshell define`` keeps its result in the glossary cache),
and :func:`wrap_blocks` fits them to the terminal's width at every call.

Standard library only.
"""

from __future__ import annotations

import re
import textwrap

# A block: (kind, text). "formula": a formula that is a paragraph of its own, indented; "list": lines that
# are items of a list, wrapped one by one; "paragraph": the rest, wrapped as one.
FORMULA, LIST, PARAGRAPH = "formula", "list", "paragraph"

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_FORMULA = "\ue000{}\ue001"  # where a formula goes back once the Markdown around it is gone
_FORMULA_MARK = re.compile("\ue000(\\d+)\ue001")
_LIST_ITEM = ("- ", "* ", "1.", "2.", "3.", "4.", "5.")


def markdown_blocks(markdown: str) -> list[tuple[str, str]]:
    """``markdown`` as (kind, plain text) blocks, in order; a list block's items are its lines.

    Formulas are set aside first (so ``a_1`` is not taken for emphasis) and come back as Unicode text
    (:mod:`nutshell.math_text`).
    """
    from nutshell.math_text import latex_to_text
    from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH

    formulas: list[str] = []

    def set_aside(match: re.Match) -> str:
        formulas.append(latex_to_text(match.group(1) if match.group(1) is not None else match.group(2)))
        return _FORMULA.format(len(formulas) - 1)

    def put_back(text: str) -> str:
        return _FORMULA_MARK.sub(lambda m: formulas[int(m.group(1))], text)

    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        display = re.fullmatch(DISPLAY_MATH, block.strip(), re.S)
        if display:
            blocks.append((FORMULA, latex_to_text(display.group(1))))
            continue
        text = re.sub(f"{DISPLAY_MATH}|{INLINE_MATH}", set_aside, block, flags=re.S)
        text = _LINK.sub(r"\1", text)
        text = _EMPHASIS.sub(r"\2", text).replace("`", "")
        lines = [put_back(line.strip()) for line in text.splitlines()]
        if all(line.startswith(_LIST_ITEM) for line in lines if line):
            blocks.append((LIST, "\n".join(line for line in lines if line)))
        else:
            blocks.append((PARAGRAPH, " ".join(lines).lstrip("# ")))
    return blocks


def wrap_blocks(blocks: list[tuple[str, str]], width: int) -> str:
    """The blocks as terminal text ``width`` columns wide, a blank line between blocks."""
    paragraphs = []
    for kind, text in blocks:
        if kind == FORMULA:
            paragraphs.append(textwrap.fill(text, width, initial_indent="    ", subsequent_indent="      ",
                                            break_on_hyphens=False))
        elif kind == LIST:
            paragraphs.append("\n".join(textwrap.fill(line, width, subsequent_indent="  ")
                                        for line in text.splitlines()))
        else:
            paragraphs.append(textwrap.fill(text, width))
    return "\n\n".join(paragraphs)


def markdown_to_text(markdown: str, width: int) -> str:
    """``markdown`` as terminal text ``width`` columns wide."""
    return wrap_blocks(markdown_blocks(markdown), width)
