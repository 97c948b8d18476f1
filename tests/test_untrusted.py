"""The one path for untrusted strings: what Markdown fields may hold, how plain fields are escaped, the net.

The catalogues below are what an attacker (or a careless paste) would try; each case must be refused by
`markdown_findings` (so `nutshell check` and the build refuse it) or, for plain fields, come out inert.
"""

from __future__ import annotations

import markdown
import pytest

from nutshell import untrusted

# ── Markdown fields ────────────────────────────────────────────────────────

HOSTILE_MARKDOWN = {
    "script element": "A summary.<script>alert(1)</script>",
    "script on its own line": "First paragraph.\n\n<script>alert(1)</script>\n",
    "upper-case tag": "x <SCRIPT>alert(1)</SCRIPT>",
    "svg onload": "Era intro <svg onload=alert(1)>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "closing tag": "text </div> more",
    "html comment": "hidden <!-- comment --> text",
    "processing instruction": "a <?php echo 1; ?> b",
    "declaration": "<!DOCTYPE html>",
    "autolink to javascript": "<javascript:alert(1)>",
    "autolink to https": "see <https://example.org>",
    "details element": "<details open ontoggle=alert(1)>",
    "raw html inside display math": "$$\n<script>alert(1)</script>\n$$",
    "inline javascript link": "[click](javascript:alert(1))",
    "javascript link in capitals": "[click](JavaScript:alert(1))",
    "javascript link with leading blank": "[click](  javascript:alert(1))",
    "javascript link with entity": "[click](&#106;avascript:alert(1))",
    "javascript link with named entity colon": "[click](javascript&colon;alert(1))",
    "javascript link with tab": "[click](java\tscript:alert(1))",
    "javascript link with backslash": "[click](java\\script:alert(1))",
    "javascript link in angle brackets": "[click](<javascript:alert(1)>)",
    "reference-style javascript link": "[click][x]\n\n[x]: javascript:alert(1)",
    "reference-style link with title": '[click][x]\n\n[x]: javascript:alert(1) "title"',
    "link title with escaped HTML": '[x](https://example.org "&lt;img src=x onerror=alert(1)&gt;")',
    "link title in single quotes": "[x](https://example.org 'title')",
    "link title in parentheses": "[x](https://example.org (title))",
    "reference definition with a title": '[x][r]\n\n[r]: https://example.org "&lt;b&gt;"',
    "data url link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[click](vbscript:msgbox(1))",
    "file url link": "[click](file:///etc/passwd)",
    "image from outside": "![pixel](https://tracker.example/p.gif)",
    "image with javascript": "![x](javascript:alert(1))",
    "attribute list on a paragraph": "A paragraph.\n{: onclick=alert(1) }",
    "attribute list on emphasis": "*hover*{ onmouseover=alert(1) }",
    "attribute list on a heading": "### Heading {#x onfocus=alert(1) tabindex=0}",
    "markdown attribute for md_in_html": '<div markdown="1">**x**</div>',
    "escape sequence": "retitle \x1b]0;pwned\x07 terminal",
    "clear screen": "\x1b[2J",
    "NUL": "a\x00b",
    "bell": "ding\x07",
    "C1 control": "a\x9bb",
    "right-to-left override": "abc\u202edcba",
    "bidi isolate": "x\u2066y\u2069",
    "zero-width space": "back\u200bprop",
    "zero-width no-break space": "a\ufeffb",
}


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN.values(), ids=HOSTILE_MARKDOWN.keys())
def test_hostile_markdown_is_refused(text):
    findings = untrusted.markdown_findings(text)
    assert findings, f"accepted: {text!r}"
    with pytest.raises(untrusted.UntrustedContentError):
        untrusted.markdown(text)


BENIGN_MARKDOWN = {
    "plain prose": "Rumelhart, Hinton and Williams (1986) showed it **works**.",
    "inequality in math": r"$\eta < 2 / \lambda_{\max}$ keeps the step stable",
    "display math with braces": "$$\n\\sum_{t=1}^{\\infty} \\eta_t^2 < \\infty\n$$",
    "less-than in prose": "fewer than 5 < 6 layers",
    "tag shown as code": "the `<abbr>` element and ``<script>`` tags",
    "https link": "[the paper](https://doi.org/10.1038/323533a0)",
    "mailto link": "[write](mailto:someone@example.org)",
    "anchor link": "[see above](#perceptron)",
    "relative link": "[the demo](../demos/xor.ipynb)",
    "reference-style https link": "[paper][p]\n\n[p]: https://example.org/paper.pdf",
    "entities": "AT&amp;T and &lt;tags&gt; and AT&T",
    "list and emphasis": "- *one*\n- _two_\n",
    "link text with quotes": '[the "deep" paper](https://example.org/paper)',
    "parenthesis after a link": "[paper](https://example.org) (1986)",
    "colon in prose": "Note: javascript: is a word here, not a link",
}


@pytest.mark.parametrize("text", BENIGN_MARKDOWN.values(), ids=BENIGN_MARKDOWN.keys())
def test_benign_markdown_is_accepted(text):
    assert untrusted.markdown_findings(text) == []
    assert untrusted.markdown(text) == text


def test_findings_point_at_the_offending_character():
    text = "line one\nline two <b>bold</b>"
    first = untrusted.markdown_findings(text)[0]
    assert text[first.offset:].startswith("<b>")
    link = untrusted.markdown_findings("see [x](javascript:alert(1))")[0]
    assert "javascript:alert(1))"[:10] == "see [x](javascript:alert(1))"[link.offset:link.offset + 10]
    assert "'javascript:'" in link.message and "https" in link.message


def test_every_real_markdown_field_follows_the_policy():
    from nutshell.load import load_knowledge_or_raise
    from tests.conftest import ROOT

    knowledge = load_knowledge_or_raise(ROOT / "data")
    texts = [e.intro for e in knowledge.eras]
    texts += [t.body for t in knowledge.terms] + [s.note for t in knowledge.terms for s in t.sources if s.note]
    for m in knowledge.milestones:
        texts += [m.summary, m.significance] + [s.note for s in (m.source, *m.other_sources) if s.note]
    assert len(texts) > 150
    assert [t[:40] for t in texts if untrusted.markdown_findings(t)] == []


# ── Plain fields ──────────────────────────────────────────────────────────

HOSTILE_PLAIN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "Title {#m onmouseover=alert(9) tabindex=0 onfocus=alert(9)",
    "Name with } brace",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "*emphasis* and `code` and $x$ and | pipes | and ## hashes",
    "&lt;script&gt; as entities",
    "back\\slash",
]


def _render(source: str) -> str:
    return markdown.Markdown(extensions=["attr_list", "md_in_html", "toc", "tables",
                                         "nutshell.markdown_math"]).convert(source)


@pytest.mark.parametrize("text", HOSTILE_PLAIN)
def test_plain_text_shows_literally_in_headings_and_paragraphs(text):
    from html.parser import HTMLParser

    label = untrusted.attr_list_value(text)
    page = _render(f"### {untrusted.inline(text)} {{#heading data-toc-label=\"{label}\"}}\n\n"
                   f"A paragraph: {untrusted.inline(text)}\n\n| a |\n|---|\n| {untrusted.inline(text)} |\n")
    assert untrusted.active_content(page) == []
    assert '<h3 id="heading">' in page  # the anchor is still ours, whatever the text held

    class Texts(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.texts: list[str] = []

        def handle_data(self, data):
            self.texts.append(data)

    parser = Texts()
    parser.feed(page)
    shown = "".join(parser.texts)
    assert shown.count(text) == 3, shown  # heading, paragraph and table cell show the characters as typed


@pytest.mark.parametrize("text", HOSTILE_PLAIN)
def test_plain_text_in_html_attributes_and_text(text):
    page = (f'<a title="{untrusted.title_attribute(text)}" aria-label="{untrusted.html_attribute(text)}" '
            f'href="#x">{untrusted.html_text(text)}</a>')
    assert untrusted.active_content(page) == []
    assert page.count("<") == 2
    # a title made by the one-escape function is what the net exists to catch (the theme's tooltips)
    assert untrusted.active_content(f'<a title="{untrusted.html_attribute(text)}">x</a>') != [] or "<" not in text


def test_inline_keeps_text_on_one_line_and_drops_controls():
    assert "\n" not in untrusted.inline("two\nlines")
    assert untrusted.inline("a\x1b[2Jb\x07c") == "abc"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", " vbscript:x"])
def test_link_destination_refuses_script_schemes(url):
    with pytest.raises(untrusted.UntrustedContentError):
        untrusted.link_destination(url)


def test_link_destination_cannot_end_the_link_early():
    url = untrusted.link_destination('https://example.org/a b)"<script>[x](javascript:alert(1))')
    assert url == "https://example.org/a%20b%29%22%3Cscript%3E%5Bx%5D%28javascript:alert%281%29%29"
    page = _render(f"[link]({url}) after")
    assert untrusted.active_content(page) == [] and page.count("<a ") == 1
    assert untrusted.link_destination("https://doi.org/10.1016/0893-6080(89)90020-8") == (
        "https://doi.org/10.1016/0893-6080(89)90020-8")


# ── The net ───────────────────────────────────────────────────────────────

ACTIVE = {
    "script": "<p>x</p><script>alert(1)</script>",
    "event handler": '<p onclick="alert(1)">x</p>',
    "event handler on a self-closing element": '<img src="a.png" onerror="alert(1)"/>',
    "javascript href": '<a href="javascript:alert(1)">x</a>',
    "javascript href with entities": '<a href="&#106;avascript:alert(1)">x</a>',
    "iframe": '<iframe src="https://example.org"></iframe>',
    "object": '<object data="x.swf"></object>',
    "embed": '<embed src="x.swf">',
    "base": '<base href="https://evil.example/">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "form": '<form action="https://evil.example"><input></form>',
    "style element": "<style>body{background:url(https://evil.example)}</style>",
    "style attribute that loads": '<p style="background:url(https://evil.example/x)">x</p>',
    "srcdoc": '<iframe srcdoc="x"></iframe>',
    "title the theme would insert as HTML": '<abbr title="&lt;img src=x onerror=alert(1)&gt;">x</abbr>',
    "svg with script href": '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
}


@pytest.mark.parametrize("page", ACTIVE.values(), ids=ACTIVE.keys())
def test_the_net_catches_active_content(page):
    assert untrusted.active_content(page)


def test_title_attributes_survive_the_theme_tooltip_as_text():
    value = untrusted.title_attribute('<img src=x onerror=alert(1)> & "q"')
    assert untrusted.active_content(f'<abbr title="{value}">x</abbr>') == []
    assert untrusted.title_attribute("A plain definition, with a comma.") == "A plain definition, with a comma."


def test_the_net_leaves_text_links_and_layout_alone():
    page = ('<div class="x" style="width:12.5%" data-era="a" hidden><a href="https://example.org" title="t">a</a>'
            '<a href="#x">b</a><a href="../glossary/#y">c</a><abbr title="z">d</abbr><math><mi>x</mi></math>'
            '<button type="button">e</button><select><option value="v">o</option></select></div>')
    assert untrusted.active_content(page) == []
