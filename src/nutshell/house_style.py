"""The checkable part of the house style (docs/contributing.md, "House style"), applied to our own prose.

British spelling (-ise, -isation, -our, -re, -ll-), "pretraining" and "feedforward" as one word, "Cireşan",
"ILSVRC 2012", and one notation for matrices: row vectors times a weight matrix ($\\mathbf{x}\\mathbf{W}$), so a
bold capital followed by a bold lower-case vector ($\\mathbf{W}\\mathbf{x}$) is refused.

Only what we write is checked: Markdown fields, term names, short definitions and titles we give. Source
titles, venues and authors are quoted as printed, and so is anything inside quotation marks or *emphasis*
(titles of works, terms as their authors wrote them), `code`, or a link's address. Aliases may hold the
American spelling, so that lookups still find "regularization".
"""

from __future__ import annotations

import re

from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH, Finding

_IZE_STEMS = (
    "regulari|normali|optimi|initiali|generali|recogni|organi|minimi|maximi|parameteri|visuali|characteri|"
    "vectori|summari|speciali|utili|reali|randomi|standardi|emphasi|categori|memori|quanti|tokeni|symboli|"
    "stabili|penali|locali|discreti|binari|synchroni|revolutioni|populari|speciali|authori|capitali"
)
# Each variant: the words that give it away, and needles (lower case) that any match must contain. The
# patterns start with an alternation, which the regex engine tries at every position of the text; a plain
# substring test first skips nearly all of that (the house-style pass was 60 % of loading the data).
_VARIANTS: tuple[tuple[re.Pattern, str, tuple[str, ...]], ...] = (
    (re.compile(rf"\b(?:{_IZE_STEMS})z(?:e|es|ed|ing|ation|ations|er|ers|able)\b", re.I),
     "house style is British: -ise, -isation", ("iz",)),
    (re.compile(r"\bpre-train", re.I), "write 'pretraining' (one word)", ("pre-train",)),
    (re.compile(r"\bfeed-forward\b", re.I), "write 'feedforward' (one word)", ("feed-forward",)),
    (re.compile(r"\bCiresan\b"), "write 'Cireşan' in prose (source author lists stay as printed)", ("ciresan",)),
    (re.compile(r"\bILSVRC-(?=[0-9])"), "write 'ILSVRC 2012' (a space, no hyphen)", ("ilsvrc-",)),
    (re.compile(r"\b(?:behavior|modeling|modeled|center|centered|color|labeled|labeling|analyze|analyzed|favor|"
                r"neighbor|neighbors|neighborhood|signaling|traveled)\b", re.I),
     "house style is British (behaviour, modelling, centre, colour, labelled, analyse, neighbour …)",
     ("behavior", "modeled", "modeling", "center", "color", "labeled", "labeling", "analyz", "favor", "neighbor",
      "signaling", "traveled")),
)
# A weight matrix (W, U or V, perhaps transposed) written before a bold vector: the column-vector convention.
# A data or activation matrix transposed before the error signal (X^T delta) is the row convention's weight
# gradient, and stays.
_COLUMN_VECTOR = re.compile(
    r"\\mathbf\{[WUV]\}(?:_\{?[^}\s]*\}?)?(?:\^\{?\\top\}?)?\s*\\(?:mathbf|boldsymbol)\{(?:[a-z]|\\[a-z]+)\}")
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”|\*[^*\n]+\*|(?<!\w)_[^_\n]+_(?!\w)|`+[^`]*`+|\]\([^)]*\)', re.S)
# Names of institutions and data sets are spelt as their owners spell them.
_PROPER_NAMES = re.compile("|".join(
    name.replace(" ", r"\s+")
    for name in ("Defense Technical Information Center", "Center for Data Science", "Labeled Faces in the Wild")
))
_MATH = re.compile(f"{DISPLAY_MATH}|{INLINE_MATH}", re.S)


def _blank(text: str, pattern: re.Pattern, marks: str) -> str:
    """``text`` with what ``pattern`` finds replaced by spaces; untouched (and unscanned) when it holds none
    of the characters every match begins with."""
    if not any(mark in text for mark in marks):
        return text
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def style_findings(text: str) -> list[Finding]:
    """Where ``text`` departs from the checkable house style (offsets into ``text``)."""
    findings = []
    # quotations, titles, code, math
    prose = _blank(_blank(_blank(text, _MATH, "$"), _QUOTED, '"“*_`]'), _PROPER_NAMES, "DCL")
    lowered = prose.lower()
    for pattern, message, needles in _VARIANTS:
        if not any(needle in lowered for needle in needles):
            continue
        findings += [Finding(m.start(), f"{m.group(0)!r}: {message}") for m in pattern.finditer(prose)]
    if "\\" in text:
        for math in _MATH.finditer(text):
            findings += [Finding(math.start() + m.start(), "matrices act on row vectors here: write "
                                 "\\mathbf{x}\\mathbf{W}, not \\mathbf{W}\\mathbf{x}")
                         for m in _COLUMN_VECTOR.finditer(math.group(0))]
    return sorted(findings, key=lambda f: f.offset)
