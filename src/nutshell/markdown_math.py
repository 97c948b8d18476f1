"""Python-Markdown extension: ``$…$`` and ``$$…$$`` become MathML when the site is built.

Browsers render MathML natively, so formulas need no script and no CDN: the site works offline.
latex2mathml (a small pure-Python converter) does the conversion; a formula it cannot read is
kept as code and reported, so a typo never breaks a page silently.
"""

from __future__ import annotations

import functools
import html
import logging
import xml.etree.ElementTree as etree

from latex2mathml.converter import convert
from markdown import Extension
from markdown.inlinepatterns import InlineProcessor

# What counts as math ($$…$$, $…$) is defined once, beside the untrusted-text policy that checks it.
from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH

log = logging.getLogger("mkdocs.plugins.nutshell")


@functools.lru_cache(maxsize=4096)  # ~400 formulas a build; `mkdocs serve` converts them all after every edit
def latex_to_mathml(tex: str, display: bool) -> str:
    """Convert one formula; raises ValueError with the formula when it cannot be read."""
    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception as err:  # latex2mathml raises several exception types for bad input
        raise ValueError(f"cannot convert formula {tex.strip()!r}: {err}") from err


def searchable_mathml(tex: str, display: bool) -> str:
    """The formula as MathML for the eye, left out of the search index, with a plain-text twin for search.

    Material's search reads the text of MathML token by token (``x^i=xi−μBσB2+ϵ`` for a fraction), so
    snippets would lose every fraction, index and power. The twin (:mod:`nutshell.math_text`) is ``hidden``:
    not shown, not read out by screen readers (they read the MathML), only indexed. Raises ValueError as
    :func:`latex_to_mathml` does.
    """
    from nutshell.math_text import latex_to_text

    mathml = latex_to_mathml(tex, display).replace("<math ", "<math data-search-exclude ", 1)
    words = html.escape(latex_to_text(tex), quote=False)
    return f'{mathml}<span class="nutshell-math-text" hidden>{words}</span>'


class _MathProcessor(InlineProcessor):
    def __init__(self, pattern: str, md, display: bool):
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m, data):  # noqa: N802 - Markdown API
        try:
            mathml = searchable_mathml(m.group(1), self.display)
        except ValueError as err:
            log.warning("%s", err)
            code = etree.Element("code")
            code.text = m.group(0)
            return code, m.start(0), m.end(0)
        placeholder = self.md.htmlStash.store(mathml)
        return placeholder, m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Markdown API
        # Below backticks (190) so `$x$` in code stays code; above emphasis so `a_1` isn't italics.
        md.inlinePatterns.register(_MathProcessor(DISPLAY_MATH, md, display=True), "nutshell-display-math", 186)
        md.inlinePatterns.register(_MathProcessor(INLINE_MATH, md, display=False), "nutshell-inline-math", 185)


def makeExtension(**kwargs):  # noqa: N802 - Markdown API
    return MathExtension(**kwargs)
