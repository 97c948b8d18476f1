"""The one path from a string in data/ to the page: every such string is untrusted input.

Policy (docs/contributing.md says the same for contributors):

- **Plain fields** (names, aliases, titles, people, venues, volumes, pages, DOIs, URLs, ids) are shown
  literally. `inline` turns one into Markdown that displays exactly its characters, `html_attribute` into an
  HTML attribute value, `attr_list_value` into a value inside a ``{#id key="…"}`` attribute list, and
  `link_destination` into a URL that cannot leave its Markdown link.
- **Markdown fields** (summaries, significance, bodies, era introductions, source notes) are Markdown with
  ``$…$`` math, but without raw HTML, without images, without attribute lists, and with links only to
  http, https, mailto, relative paths or ``#anchors``. `markdown_findings` says what breaks that rule and where;
  the loader reports each finding as ``file:line:col`` (so ``nutshell check`` refuses what the build would) and
  `markdown` refuses to emit a field that breaks it (the same function, so the two cannot drift apart).
- **No field** may hold control characters (they retitle or clear a reader's terminal) or bidirectional
  overrides (they make text read differently from what it is).
- **The net**: `active_content` scans a finished HTML page for anything that could run (script, frames,
  embedded objects, event-handler attributes, ``javascript:`` and other script-capable URLs). The build fails
  on any finding in a page made from data, whatever path it came through.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

from nutshell.terminal import CONTROL_CHARACTER
from nutshell.terminal import printable as strip_controls  # whole escape sequences, then what is refused

ALLOWED_SCHEMES = ("http", "https", "mailto")

# $$…$$ may span lines inside one paragraph; $…$ must hug its content ("costs $5 and $6" is not math).
# The content never runs past an unescaped '$': a lazy '.+?' did, and took quadratic time on "$a $a $a …"
# (48 KB of it: 12 s), which untrusted data could exploit. Same matches on every formula in data/.
DISPLAY_MATH = r"(?<!\\)\$\$((?:[^$\\]|\\.)+?)\$\$"
INLINE_MATH = r"(?<![\\$\w])\$(?=[^\s$])((?:[^$\\]|\\.)+?)(?<=[^\s\\$])\$(?![\w$])"


@dataclass(frozen=True)
class Finding:
    """One breach of the policy: where it starts in the string (0-based offset) and what to do about it."""

    offset: int
    message: str


class UntrustedContentError(ValueError):
    """A data string that breaks the policy reached the renderer (the loader should have refused it)."""


# ── Characters no field may hold ─────────────────────────────────────────────



def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def control_findings(text: str) -> list[Finding]:
    found = CONTROL_CHARACTER.search(text)
    if not found:
        return []
    char = found.group(0)
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        what = "a bidirectional-text control"
    elif char in "\u200b\u2060\ufeff":
        what = "an invisible zero-width character"
    else:
        what = "a control character"
    return [Finding(found.start(), f"contains {what} ({_describe(char)}); delete it (it is invisible in most editors)")]




# ── Markdown fields ─────────────────────────────────────────────────────────

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_MATH = re.compile(f"{DISPLAY_MATH}|{INLINE_MATH}", re.S)
# "<" starting a tag, a closing tag, a comment, a declaration or a processing instruction; also autolinks.
_RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE = re.compile(r"!\[")
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)>]*)")  # blanks too: browsers drop tabs inside a scheme
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?(\S*?)>?(?:[ \t]|$)", re.M)
# A title after a link's destination: [x](url "title"), (url 'title'), (url (title)), or on a reference line.
_LINK_TITLE = re.compile(r"\]\(\s*<?[^)>\s]*>?\s+([\"'(])|^ {0,3}\[[^\]\n]+\]:[ \t]*\S+\s+([\"'(])", re.M)
_BRACE = re.compile(r"[{}]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _mask(text: str, pattern: re.Pattern) -> str:
    """Blank out matches of ``pattern`` but keep offsets, so findings still point at the right character."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: entities decoded, backslashes, blanks and controls dropped, lowercased."""
    plain = html.unescape(url)
    plain = re.sub(r"[\x00-\x20\x7f-\x9f\\]", "", plain).lower()
    match = _SCHEME.match(plain)
    return match.group(1) if match else None


def _link_finding(offset: int, destination: str) -> Finding | None:
    scheme = url_scheme(destination)
    if scheme is None or scheme in ALLOWED_SCHEMES:
        return None
    return Finding(
        offset,
        f"link to a '{scheme}:' address; links may use only {', '.join(ALLOWED_SCHEMES)}, a relative path or #anchor",
    )


def markdown_findings(text: str) -> list[Finding]:
    """Every breach of the Markdown-field policy in ``text``, in order of position."""
    findings = control_findings(text)
    # inside `code` every character is shown as itself (the checks below are skipped when they cannot match:
    # the loader runs this on every Markdown field on every `nutshell define`)
    without_code = _mask(text, _CODE_SPAN) if "`" in text else text
    for match in _RAW_HTML.finditer(without_code):
        findings.append(Finding(
            match.start(),
            "raw HTML is not allowed ('<' followed by a letter, '/', '!' or '?'); write &lt; for a literal '<', "
            "[text](https://…) for a link, or put a space after '<' in math",
        ))
    for match in _IMAGE.finditer(without_code):
        findings.append(Finding(match.start(), "images are not allowed in data fields (figures belong in a demo)"))
    for pattern in (_INLINE_LINK, _REFERENCE_DEFINITION):
        for match in pattern.finditer(without_code):
            finding = _link_finding(match.start(1), match.group(1))
            if finding:
                findings.append(finding)
    for match in _LINK_TITLE.finditer(without_code):
        findings.append(Finding(
            match.start(match.lastindex),
            "link titles are not allowed (the theme shows them as HTML tooltips); put the words in the link text",
        ))
    # Outside math and code, braces would be read as an attribute list ({#id onclick=…}) by attr_list.
    for match in _BRACE.finditer(_mask(without_code, _MATH) if "{" in text or "}" in text else ""):
        findings.append(Finding(
            match.start(),
            "curly braces outside $…$ math or `code` are read as an attribute list; move them into math or code, "
            "or write &#123; and &#125;",
        ))
    return sorted(findings, key=lambda f: f.offset)


def plain_findings(text: str) -> list[Finding]:
    """Plain fields are escaped on the way out, so only characters that no output can show safely are refused."""
    return control_findings(text)


def markdown(text: str, what: str = "a Markdown field") -> str:
    """A Markdown field, unchanged, once it is known to follow the policy; otherwise UntrustedContentError."""
    findings = markdown_findings(text)
    if findings:
        first = findings[0]
        raise UntrustedContentError(f"{what}: {first.message} (at {text[first.offset:first.offset + 30]!r})")
    return text


# ── Plain fields ────────────────────────────────────────────────────────────

# Characters that Markdown (with this site's extensions) or HTML would read as syntax; each is written as a
# numeric character reference, which Python-Markdown passes through untouched and the browser shows as text.
# Braces (attribute lists), '$' (math), '|' (tables) and '#' (heading ends) matter here as much as '<' and '&'.
_INLINE_SPECIAL = re.compile(r"[&<>{}$|#\\`*_\[\]]")


def inline(text: str) -> str:
    """Markdown source that shows ``text`` literally, in a heading, a paragraph, a table cell or link text."""
    text = re.sub(r"\s*\n\s*", " ", strip_controls(text))  # one line: a newline could start a block
    return _INLINE_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)


def html_attribute(text: str) -> str:
    """An HTML attribute value (inside double quotes) in raw HTML that the page writes itself."""
    return html.escape(strip_controls(text), quote=True)


def title_attribute(text: str) -> str:
    """A ``title`` attribute value. Material's ``content.tooltips`` feature copies a title into the page as
    HTML (innerHTML), so the value is escaped twice: the browser's attribute decoding leaves escaped text,
    which the tooltip then shows as text. Plain words are unchanged by either escape."""
    return html.escape(html.escape(strip_controls(text), quote=True), quote=True)


def html_text(text: str) -> str:
    """Text content of raw HTML that the page writes itself."""
    return html.escape(strip_controls(text), quote=False)


def attr_list_value(text: str) -> str:
    """A double-quoted value inside a heading's ``{#id key="…"}``: quotes and braces cannot end it, and
    Markdown, which runs over the heading before attr_list reads the value, finds no syntax in it."""
    return inline(text).replace('"', "&quot;")


def link_destination(url: str) -> str:
    """A URL for ``[text](…)``: only allowed schemes, and nothing that could end the destination early."""
    scheme = url_scheme(url)
    if scheme is not None and scheme not in ALLOWED_SCHEMES:
        raise UntrustedContentError(f"link to a '{scheme}:' address: {url!r}")
    url = strip_controls(url).strip()
    # Balanced parentheses stay (DOIs such as 10.1016/0041-5553(64)90137-5 are written with them, and Markdown
    # keeps them inside the destination); unbalanced ones, and whatever could start HTML, a title, another
    # link or code, are percent-encoded.
    return quote(url, safe="/:?#@!$&*+,;=%~-._" + ("()" if _balanced(url) else ""))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# ── The net over finished HTML ─────────────────────────────────────────────

_ACTIVE_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "meta", "link",
    "style", "template", "portal", "noscript",
}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "ping"}


class _ActiveContentScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        where = f"line {self.getpos()[0]}"
        if tag in _ACTIVE_ELEMENTS:
            self.findings.append(f"{where}: <{tag}> element")
        for name, value in attrs:
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.findings.append(f"{where}: {name}= attribute on <{tag}>")
            elif name in _URL_ATTRIBUTES and value:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in ALLOWED_SCHEMES:
                    self.findings.append(f"{where}: {name}= with a '{scheme}:' URL on <{tag}>")
            elif name == "title" and value and "<" in value:
                self.findings.append(f"{where}: title= that the theme's tooltip would insert as HTML on <{tag}>")
            elif name == "style" and value and re.search(r"url\s*\(|expression\s*\(|@import", value, re.I):
                self.findings.append(f"{where}: style= that loads or runs something on <{tag}>")

    handle_startendtag = handle_starttag


def active_content(page_html: str) -> list[str]:
    """What in ``page_html`` could run or load something: [] for a page that is only text, links and layout."""
    return list(_active_content(page_html))


@functools.lru_cache(maxsize=64)  # `mkdocs serve` scans every page after each edit; most come back the same
def _active_content(page_html: str) -> tuple[str, ...]:
    scanner = _ActiveContentScanner()
    scanner.feed(page_html)
    scanner.close()
    return tuple(scanner.findings)
