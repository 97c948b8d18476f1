"""The loader against careless and hostile data: every case is one located problem, never a traceback.

The catalogue edits a copy of the fixture data and asserts that `load_knowledge` returns (does not raise)
and reports the expected problem at the exact file and line (and column, where it is given). Cases that
need more than a text edit (links, pipes, huge files, failing reads) follow it, then a few runs of
`nutshell check` in a subprocess. (Over 400 lines by design: one catalogue of cases, one place to look.)
"""

from __future__ import annotations

import datetime
import errno
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from nutshell.load import yaml_source
from nutshell.load import MAX_FILE_BYTES, MAX_NODES, Problem, load_knowledge
from tests.conftest import replace_in

TODAY = datetime.date(2024, 6, 15)  # pinned, so that "in the future" does not depend on the day the tests run
WHOLE = None  # as `old`: replace the whole file with `new`


def problems_of(data_dir: Path, today: datetime.date = TODAY) -> list[Problem]:
    knowledge, problems = load_knowledge(data_dir, today=today)  # must return, whatever the data holds
    assert knowledge is None and problems, "expected the data to be rejected"
    return problems


def assert_reported(data_dir: Path, file: str, line: int, col: int | None, fragment: str,
                    today: datetime.date = TODAY) -> Problem:
    problems = problems_of(data_dir, today)
    for problem in problems:
        if (Path(problem.path).name == file and problem.line == line and (col is None or problem.col == col)
                and fragment in problem.message):
            return problem
    listing = "\n".join(map(str, problems))
    raise AssertionError(f"no problem at {file}:{line}:{col or '*'} containing {fragment!r}; got:\n{listing}")


def edit(data_dir: Path, file: str, old: str | None, new: str | bytes) -> None:
    path = data_dir / file
    if old is WHOLE:
        if isinstance(new, bytes):
            path.write_bytes(new)
        else:
            path.write_text(new, encoding="utf-8", newline="")
    else:
        replace_in(path, old, new)


NUL_BODY = "A linear\0 classifier"
DEEP = "[" * 1200 + "]" * 1200
LONG_TITLE = "A" * 1_000_001

# (file, old text or WHOLE, new text, line, column or None, expected fragment of the message)
CATALOGUE = [
    # ── years: only plain decimal digits, never in the future ────────────────
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 0x797\n", 2, 9,
                 "year '0x797' is not a plain year (write only digits, such as 1986)", id="year-hex"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 32:23\n", 2, 9,
                 "year '32:23' is not a plain year", id="year-sexagesimal"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 0o3672\n", 2, 9,
                 "year must be a whole number (a year such as 1986)", id="year-octal"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 1_943\n", 2, 9,
                 "year '1_943' is not a plain year", id="year-underscore"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: +1943\n", 2, 9,
                 "year '+1943' is not a plain year", id="year-plus"),
    pytest.param("milestones.yaml", "  year: 1943\n", '  year: !!int "nineteen"\n', 2, 9,
                 "year 'nineteen' is not a plain year", id="year-tagged-int"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 0777\n", 2, 9,
                 "year '0777' is not a year (write it with four digits", id="year-leading-zero"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: " + "9" * 5000 + "\n", 2, 9,
                 "is not a year (write it with four digits", id="year-5000-digits"),
    pytest.param("milestones.yaml", "  year: 1943\n", '  year: "1943"\n', 2, 9,
                 "year must be a whole number, not text (remove the quotes around 1943)", id="year-quoted"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: 1943.0\n", 2, 9,
                 "year must be a whole number", id="year-float"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: yes\n", 2, 9,
                 "year must be a whole number", id="year-boolean"),
    pytest.param("milestones.yaml", "  year: 1943\n", "  year: [1943]\n", 2, 9,
                 "year must be a whole number (a year such as 1986), not a list", id="year-list"),
    pytest.param("milestones.yaml", "  year: 1986\n", "  year: 2025\n", 22, 9,
                 "year 2025 is in the future (this year is 2024)", id="year-future"),
    pytest.param("milestones.yaml", "    year: 1943\n", "    year: 0x797\n", 15, 11,
                 "source: year '0x797' is not a plain year", id="source-year-hex"),
    pytest.param("milestones.yaml", "    year: 1986\n", "    year: 2030\n", 36, 11,
                 "source: year 2030 is in the future", id="source-year-future"),
    pytest.param("eras.yaml", "  start: 1970\n", "  start: 0x7B2\n", 9, 10,
                 "era 'later': start '0x7B2' is not a plain year", id="era-start-hex"),
    pytest.param("eras.yaml", "  end: 2015\n", "  end: 2031\n", 10, 8,
                 "era 'later': end 2031 is in the future", id="era-end-future"),
    pytest.param("eras.yaml", "  start: 1970\n", "  start: 2030\n", 9, 10,
                 "era 'later': start 2030 is in the future", id="era-start-future"),
    # ── dates: real calendar days, not in the future ─────────────────────────
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "1986-02-30"', 23, 9,
                 "date '1986-02-30' is not a date (February 1986 has 28 days)", id="date-february-30"),
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "1986-00"', 23, 9,
                 "date '1986-00' is not a date (there is no month 00)", id="date-month-00"),
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "1986-10-32"', 23, 9,
                 "(October 1986 has 31 days)", id="date-october-32"),
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "١٩٨٦-١٠"', 23, 9,
                 "is not a date (write \"YYYY-MM\" or \"YYYY-MM-DD\")", id="date-arabic-indic-digits"),
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "2024-07"', 23, 9,
                 "date '2024-07' is in the future (today is 2024-06-15)", id="date-month-future"),
    pytest.param("milestones.yaml", 'date: "1986-10"', 'date: "2024-06-16"', 23, 9,
                 "date '2024-06-16' is in the future", id="date-day-future"),
    # ── bytes and characters a YAML file may not hold ───────────────────────
    pytest.param("glossary.yaml", "A linear classifier", NUL_BODY, 7, 13,
                 "contains the control character U+0000, which YAML does not allow", id="nul-byte"),
    pytest.param("glossary.yaml", "A linear classifier", "A linear\x9b classifier", 7, 13,
                 "contains the control character U+009B", id="c1-control-byte"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", '  title: "A logical\\e neuron"\n', 3, 20,
                 "title: contains a control character (U+001B)", id="escape-in-double-quotes"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", "  title: A logical \u202eneuron\n", 3, 20,
                 "title: contains a bidirectional-text control (U+202E)", id="bidi-override"),
    pytest.param("glossary.yaml", "aliases: [backprop, back-propagation, BP]",
                 'aliases: [backprop, "back\\x1bprop", BP]', 14, 28,
                 "aliases item 2: contains a control character (U+001B)", id="control-in-list-item"),
    pytest.param("glossary.yaml", "  term: Perceptron\n", '  term: "Perceptron\u2028Mark I"\n', 2, 9,
                 "term must be on one line", id="line-separator-in-title"),
    # ── Markdown fields: the untrusted-text policy, at the character's own line and column ──
    pytest.param("glossary.yaml", "A linear classifier", "A <script>linear classifier", 7, 7,
                 "body: raw HTML is not allowed", id="script-in-literal-block"),
    pytest.param("glossary.yaml", "    The chain rule, applied",
                 "    Intro.\n    See [x](javascript:alert(1)). The chain rule",
                 19, 13, "body: link to a 'javascript:' address", id="javascript-link-second-line"),
    pytest.param("milestones.yaml", "    It started the field.\n", "    It started\n\n    the field {: onclick=x}.\n",
                 10, 15, "significance: curly braces outside", id="attribute-list-after-blank-line"),
    pytest.param("milestones.yaml", "    Hidden units learned features.\n", "    Hidden units ![learned](x.png).\n",
                 29, 18, "significance: images are not allowed", id="image"),
    pytest.param("milestones.yaml", "    note: A 1985 report came first.\n", '    note: "A 1985 report <b>came</b>"\n',
                 38, 26, "note: raw HTML is not allowed", id="html-in-quoted-note"),
    pytest.param("milestones.yaml", "    note: A 1985 report came first.\n", "    note: A 1985 report <i>came</i>\n",
                 38, 25, "note: raw HTML is not allowed", id="html-in-plain-note"),
    pytest.param("milestones.yaml", "    note: A 1985 report came first.\n", "    note: 'It''s <i>first</i>'\n",
                 38, 18, "note: raw HTML is not allowed", id="html-after-escaped-quote"),
    pytest.param("milestones.yaml", "    note: A 1985 report came first.\n",
                 '    note: "A 1985 \\\n      report \\x41 <b>came"\n', 39, 19, "note: raw HTML is not allowed",
                 id="html-after-escaped-line-break"),
    pytest.param("eras.yaml", "  intro: |\n    Everything after.\n", "  intro: >\n    Everything\n    after <hr>.\n",
                 13, 11, "intro: raw HTML is not allowed", id="html-in-folded-block"),
    # ── YAML mistakes, with the fix in plain words ──────────────────────────
    pytest.param("glossary.yaml", "  term: Perceptron\n", "\tterm: Perceptron\n", 2, 1,
                 "indent with spaces, not tabs", id="tab-indentation"),
    pytest.param("glossary.yaml", "  term: Perceptron\n", "  term:Perceptron\n", 2, 3,
                 "put a space after ':'", id="no-space-after-colon"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", '  title: "A logical neuron\n', 3, 10,
                 "this quoted value runs on to line 16: add its closing quote on this line", id="unclosed-quote"),
    pytest.param("eras.yaml", "    Everything after.\n", "    Everything after.\n  note: 'unclosed\n", 13, 9,
                 "this quoted value is never closed; add the closing quote", id="unclosed-quote-at-end"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", "  title: Neurons: a logical view\n", 3, 17,
                 "quote a value that contains ': '", id="colon-in-value"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", "  title: 'McCulloch's neuron'\n", 3, 21,
                 "inside '…' write an apostrophe as ''", id="apostrophe-in-single-quotes"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", '  title: "$\\sigma$"\n', 3, 12,
                 "inside \"…\" a backslash starts an escape", id="latex-unknown-escape"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", '  title: "$\\frac{1}{2}$"\n', 3, 12,
                 "control character (U+000C); delete it (it is invisible in most editors) (inside \"…\" a backslash "
                 "starts an escape", id="latex-valid-escape"),
    pytest.param("milestones.yaml", "  title: A logical neuron\n", "  title: `logical` neuron\n", 3, 10,
                 "quote the value: a value cannot start with '`'", id="backtick-start"),
    pytest.param("milestones.yaml", "  tags: [neuron-models]\n", "  tags: [neuron-models\n", 11, 9,
                 "close the list opened at line 10 with ']'", id="unclosed-list"),
    pytest.param("milestones.yaml", "- id: backprop-nature\n", "---\n- id: backprop-nature\n", 21, 1,
                 "remove this '---'", id="second-document"),
    pytest.param("eras.yaml", "  intro: |\n    Everything after.\n", "  intro: |\n  Everything after.\n", 12, 3,
                 "indent the text of a '|' or '>' block further than its key", id="block-text-not-indented"),
    pytest.param("eras.yaml", "  title: Later days\n", "  title: Later days\n    start: 1970\n", 9, 10,
                 "check the indentation", id="over-indented-key"),
    pytest.param("milestones.yaml", "  tags: [neuron-models]\n", f"  tags: {DEEP}\n", 10, None,
                 "exceeded maximum nesting depth", id="deep-nesting"),
    # ── unknown ids: the closest valid ones ─────────────────────────────────
    pytest.param("milestones.yaml", "  era: early\n", "  era: erly\n", 9, 8,
                 "era: unknown era 'erly' (did you mean 'early'?)", id="unknown-era"),
    pytest.param("glossary.yaml", "  see_also: [backpropagation]\n  milestones: []\n  demos: [toy]",
                 "  see_also: [descent]\n  milestones: []\n  demos: [toy]", 8, 14,
                 "unknown term 'descent' (did you mean 'gradient-descent'?)", id="unknown-term-lower-cutoff"),
    pytest.param("milestones.yaml", "demos: [toy]", "demos: [xor]", 20, 11,
                 "unknown demo (a file in demos/) 'xor' (known: toy)", id="unknown-demo-lists-known"),
    pytest.param("milestones.yaml", "terms: [perceptron]", "terms: [gradient-descnt]", 19, 11,
                 "(did you mean 'gradient-descent'", id="unknown-term-typo"),
    # ── shapes a careless edit produces ─────────────────────────────────────
    pytest.param("eras.yaml", WHOLE, "id: early\ntitle: Early days\n", 1, 1,
                 "the file must be a YAML list of eras", id="top-level-mapping"),
    pytest.param("eras.yaml", WHOLE, "- early\n- later\n", 1, 3,
                 "era 1 must be a mapping of keys to values (an entry is '- id: …'", id="list-of-scalars"),
    pytest.param("eras.yaml", WHOLE, "[]\n", 1, 1, "the list is empty", id="empty-list"),
    pytest.param("eras.yaml", WHOLE, "# only a comment\n\n# and another\n", 1, 1, "file is empty", id="only-comments"),
    pytest.param("eras.yaml", WHOLE, "just a sentence\n", 1, 1, "the file must be a YAML list", id="top-level-scalar"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: Early days\n  1943: x\n", 3, 3,
                 "era 'early': unknown key '1943'", id="numeric-key"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: Early days\n  ~: x\n", 3, 3,
                 "era 'early': unknown key '~'", id="null-key"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: Early days\n  ? [a, b]\n  : x\n", 3, 5,
                 "era 'early': keys must be plain words", id="list-as-key"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: Early days\n  <<: {end: 1969}\n", 3, 3,
                 "merge keys are not supported", id="merge-key"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: ~\n", 2, 10,
                 "era 'early': title is empty (give a value or remove the key)", id="tilde-title"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: yes\n", 2, 10,
                 "title must be text; quote it (\"yes\")", id="boolean-title"),
    pytest.param("glossary.yaml", "aliases: [steepest descent]", "aliases: [steepest descent, on]", 25, 31,
                 "aliases item 2 must be text; quote it (\"on\")", id="boolean-alias"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: {name: Early}\n", 2, 10,
                 "title must be text, not a mapping", id="mapping-title"),
    pytest.param("eras.yaml", "  title: Early days\n", f"  title: {LONG_TITLE}\n", 2, 10,
                 "title is 1,000,001 characters long; keep it under 1,000", id="megabyte-title"),
    pytest.param("eras.yaml", "  intro: |\n    The first", "  intro: |\n    " + "x " * 5000 + "\n    The first", 5, 10,
                 "intro is 10,031 characters long; keep it under 8,000", id="long-markdown-field"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: |\n    Early\n    days\n", 2, 10,
                 "title must be on one line", id="multi-line-title"),
    pytest.param("milestones.yaml", "  tags: [neuron-models]\n", "  tags:\n", 10, 8,
                 "tags must be a list (write [] for none)", id="null-list"),
    pytest.param("milestones.yaml", "  source:\n    authors: [Ada Example]\n",
                 "  source:\n  - authors: [Ada Example]\n",
                 12, 3, "source must be a mapping of keys to values", id="source-as-list"),
    pytest.param("glossary.yaml", "- id: perceptron\n", "- id: p\u0435rceptron\n", 1, 8,
                 "contains 'е' (U+0435), which is not ASCII", id="homoglyph-id"),
    pytest.param("glossary.yaml", "- id: perceptron\n", "- id: Gradient Descent Two\n", 1, 7,
                 "is not kebab-case (use lowercase letters, digits and '-': 'gradient-descent-two')", id="spaced-id"),
    pytest.param("milestones.yaml", "doi: 10.1007/BF02478259", "doi: 10.١٠٠٧/BF02478259", 18, 10,
                 "is not a bare DOI", id="doi-with-arabic-indic-digits"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: Early days\n  \"\\e]0;owned\\a\": x\n", 3, 3,
                 "unknown key '\\x1b]0;owned\\x07'", id="terminal-escape-in-key"),
    # ── YAML features that are refused ──────────────────────────────────────
    pytest.param("eras.yaml", "  title: Early days\n", "  title: *nowhere\n", 2, 10,
                 "YAML aliases (*name) are not allowed here", id="undefined-alias"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: &loop [*loop]\n", 2, 17,
                 "YAML aliases (*name) are not allowed here", id="recursive-alias"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: !!binary aGVsbG8=\n", 2, 10,
                 "YAML tag 'tag:yaml.org,2002:binary' is not allowed", id="binary-tag"),
    pytest.param("eras.yaml", "  title: Early days\n", "  title: !shell rm -rf /\n", 2, 10,
                 "YAML tag '!shell' is not allowed", id="local-tag"),
]


@pytest.mark.parametrize(("file", "old", "new", "line", "col", "fragment"), CATALOGUE)
def test_catalogue(data_copy, file, old, new, line, col, fragment):
    edit(data_copy, file, old, new)
    problem = assert_reported(data_copy, file, line, col, fragment)
    control = re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", str(problem))
    assert not control, "a control character reached the message"


@pytest.mark.parametrize("content", [
    "id: early\ntitle: Early days\n", "- early\n- later\n", "[]\n", "just a sentence\n", "- id: [early]\n",
], ids=["mapping", "scalars", "empty-list", "scalar", "no-usable-id"])
def test_an_unusable_file_causes_no_cascade(data_copy, content):
    # milestones.yaml refers to eras 'early' and 'later'; with no usable era, those references are not reported.
    (data_copy / "eras.yaml").write_text(content, encoding="utf-8")
    assert {Path(p.path).name for p in problems_of(data_copy)} == {"eras.yaml"}


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 40


# ── files that cannot be read ───────────────────────────────────────────────


def test_latin1_byte_is_reported_on_its_own_line(data_copy):
    path = data_copy / "glossary.yaml"  # line 37: "      title: Méthode générale", the second word in Latin-1
    path.write_bytes(path.read_bytes().replace("générale".encode(), "générale".encode("latin-1")))
    problem = assert_reported(data_copy, "glossary.yaml", 37, 23, "byte 0xE9 is not UTF-8")  # 'g' + é
    assert "Latin-1" in problem.message
    assert len([p for p in problems_of(data_copy) if p.path.endswith("glossary.yaml")]) == 1  # one per line


def test_latin1_bytes_far_down_the_file(data_copy):
    path = data_copy / "glossary.yaml"
    path.write_bytes(path.read_bytes() + b"# filler\n" * 1589 + b"# caf\xe9\n")
    assert_reported(data_copy, "glossary.yaml", 1630, 6, "byte 0xE9 is not UTF-8")


def test_utf16_file(data_copy):
    path = data_copy / "eras.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert_reported(data_copy, "eras.yaml", 1, 1, "is UTF-16 text; save it as UTF-8")


def test_byte_order_mark_is_accepted_and_columns_ignore_it(data_copy):
    path = data_copy / "eras.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    knowledge, problems = load_knowledge(data_copy, today=TODAY)
    assert problems == [] and knowledge.era_by_id["early"].title == "Early days"
    replace_in(path, "- id: early", "- id: Early")
    assert_reported(data_copy, "eras.yaml", 1, 7, "is not kebab-case")


def test_crlf_line_endings_are_accepted_and_lines_still_count(data_copy):
    for name in ("eras.yaml", "milestones.yaml", "glossary.yaml"):
        path = data_copy / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    knowledge, problems = load_knowledge(data_copy, today=TODAY)
    assert problems == []
    body = knowledge.term_by_id["perceptron"].body
    assert body.endswith("x$.\n") and "\r" not in body
    path = data_copy / "glossary.yaml"
    path.write_bytes(path.read_bytes().replace(b"with **gradient descent**", b"with <b>gradient descent</b>"))
    assert_reported(data_copy, "glossary.yaml", 18, 75, "body: raw HTML is not allowed")


def test_a_directory_instead_of_a_file(data_copy):
    (data_copy / "glossary.yaml").unlink()
    (data_copy / "glossary.yaml").mkdir()
    assert_reported(data_copy, "glossary.yaml", 1, 1, "is a directory; it must be a YAML file")


def test_a_loop_of_symbolic_links(data_copy):
    (data_copy / "glossary.yaml").unlink()
    (data_copy / "glossary.yaml").symlink_to("glossary.yaml")
    assert_reported(data_copy, "glossary.yaml", 1, 1, "is a loop of symbolic links")


def test_a_dangling_symbolic_link(data_copy):
    (data_copy / "eras.yaml").unlink()
    (data_copy / "eras.yaml").symlink_to("nowhere.yaml")
    assert_reported(data_copy, "eras.yaml", 1, 1, "is a symbolic link to a file that does not exist")


def _must_not_open(monkeypatch, name: str) -> None:
    real_open = Path.open

    def guarded_open(self, *args, **kwargs):
        if self.name == name:
            pytest.fail(f"{name} was opened")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)


def test_a_link_to_a_device_is_not_read(data_copy, monkeypatch):
    (data_copy / "eras.yaml").unlink()
    (data_copy / "eras.yaml").symlink_to("/dev/zero")  # reading it would never end
    _must_not_open(monkeypatch, "eras.yaml")
    assert_reported(data_copy, "eras.yaml", 1, 1, "is not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_not_read(data_copy):
    (data_copy / "eras.yaml").unlink()
    os.mkfifo(data_copy / "eras.yaml")  # opening it for reading would block until a writer came
    assert_reported(data_copy, "eras.yaml", 1, 1, "is not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_among_the_demos_is_not_read(data_copy):
    os.mkfifo(data_copy.parent / "demos" / "pipe.py")  # the loader reads each demo's title
    problem = assert_reported(data_copy, "pipe.py", 1, 1, "is not a regular file (a directory, pipe or device)")
    assert problem.path.endswith("demos/pipe.py")


@pytest.mark.parametrize(("error", "fragment"), [
    (PermissionError(errno.EACCES, "Permission denied"), "cannot be read: permission denied"),
    (OSError(errno.EIO, "Input/output error"), "cannot be read (Input/output error)"),
])
def test_a_file_that_cannot_be_read(data_copy, monkeypatch, error, fragment):
    # Tests run as root, who may read anything: the failing read is simulated.
    real_open = Path.open

    def failing_open(self, *args, **kwargs):
        if self.name == "milestones.yaml":
            raise error
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", failing_open)
    assert_reported(data_copy, "milestones.yaml", 1, 1, fragment)


# ── size and node bounds: refused before the parser runs ───────────────────


def _parser_must_not_run_on_large_text(monkeypatch, *names: str) -> None:
    """The fixture's other files (a few hundred bytes each) are parsed as usual."""
    for name in names:
        real = getattr(yaml_source, name)

        def guarded(text, real=real, name=name):
            if len(text) > 10_000:
                pytest.fail(f"{name} ran on the large file")
            return real(text)

        monkeypatch.setattr(yaml_source, name, guarded)


def test_real_files_are_far_below_the_bounds():
    root = Path(__file__).resolve().parents[1] / "data"
    for path in root.glob("*.yaml"):
        assert path.stat().st_size * 10 < MAX_FILE_BYTES, path
        assert yaml_source.node_bound(path.read_text(encoding="utf-8")) < MAX_NODES, path  # the fast path


def test_a_31_mb_file_is_refused_without_reading_or_parsing_it(data_copy, monkeypatch):
    with open(data_copy / "glossary.yaml", "ab") as stream:
        stream.truncate(31 * 2**20)  # sparse: no time spent writing it
    _parser_must_not_run_on_large_text(monkeypatch, "_compose", "_mark_past_node_limit")
    _must_not_open(monkeypatch, "glossary.yaml")
    problem = assert_reported(data_copy, "glossary.yaml", 1, 1, "is 31.0 MiB; a data file may be at most 4 MiB")
    assert "not parsed" in problem.message


def test_a_file_that_grows_after_stat_is_still_bounded(data_copy, monkeypatch):
    with open(data_copy / "glossary.yaml", "ab") as stream:
        stream.write(b"#" * (MAX_FILE_BYTES + 10))
    real_stat = Path.stat

    def stale_stat(self, **kwargs):  # what stat said before the file grew
        info = real_stat(self, **kwargs)
        return SimpleNamespace(st_mode=info.st_mode, st_size=100) if self.name == "glossary.yaml" else info

    monkeypatch.setattr(Path, "stat", stale_stat)
    _parser_must_not_run_on_large_text(monkeypatch, "_compose", "_mark_past_node_limit")
    assert_reported(data_copy, "glossary.yaml", 1, 1, "a data file may be at most 4 MiB")


def test_too_many_nodes_are_refused_before_composing(data_copy, monkeypatch):
    items = "a," * (MAX_NODES + 10)
    (data_copy / "glossary.yaml").write_text(f"- id: x\n  aliases: [{items}]\n", encoding="utf-8")
    assert len(items) < MAX_FILE_BYTES
    _parser_must_not_run_on_large_text(monkeypatch, "_compose")
    problem = assert_reported(data_copy, "glossary.yaml", 2, None, f"more than {MAX_NODES:,} YAML nodes")
    assert problem.col > 2 * MAX_NODES  # at the node past the limit, not at the start of the file


def test_a_bound_that_overestimates_only_costs_a_count(data_copy):
    # Prose full of commas and colons passes the cheap bound's limit, but the event count clears it.
    (data_copy / "eras.yaml").write_text(
        "- id: early\n  title: Early days\n  start: 1940\n  end: 1969\n  intro: |\n"
        + "    a, b: c, d - e, f: g, h - i\n" * 150 + "- id: later\n  title: Later days\n  start: 1970\n"
        "  end: 2015\n  intro: |\n    Everything after.\n", encoding="utf-8")
    assert yaml_source.node_bound((data_copy / "eras.yaml").read_text(encoding="utf-8")) > 2_000
    knowledge, problems = load_knowledge(data_copy, today=TODAY)
    assert problems == []


def test_a_file_wrong_throughout_is_summed_up(data_copy):
    (data_copy / "glossary.yaml").write_text("- word\n" * 5000, encoding="utf-8")
    found = [p for p in problems_of(data_copy) if p.path.endswith("glossary.yaml")]
    assert len(found) == 201
    assert (found[-1].line, found[-1].message) == (201, "4,800 more problems in this file from here on (fix the ones "
                                                        "above first)")


# ── positions of policy findings ───────────────────────────────────────────


def test_findings_in_a_literal_block_point_at_each_character(data_copy):
    replace_in(data_copy / "glossary.yaml", "    The chain rule, applied from the output layer back to the input",
               "    The <em>chain</em> rule,\n\n      applied {x} from ![the](y) output layer back to the input")
    found = [(p.line, p.col, p.message.split(": ", 2)[-1][:10]) for p in problems_of(data_copy)]
    assert found == [
        (18, 9, "raw HTML i"), (18, 18, "raw HTML i"), (20, 15, "curly brac"), (20, 17, "curly brac"),
        (20, 24, "images are"),
    ]


def test_many_findings_in_one_value_are_summed_up(data_copy):
    replace_in(data_copy / "glossary.yaml", "A linear classifier", "{ " * 500 + "A linear classifier")
    found = [p for p in problems_of(data_copy) if "body" in p.message]
    assert len(found) == 11
    summary = [p for p in found if "more problems" in p.message]
    assert [(p.line, p.col) for p in summary] == [(6, 9)]  # at the value's start
    assert summary[0].message.endswith("body: 490 more problems like the ones listed for this value")


def test_finding_offsets_ignore_leading_whitespace_stripped_later(data_copy):
    replace_in(data_copy / "eras.yaml", "  intro: |\n    The first", "  intro: |2\n\n\n     <p> The first")
    assert_reported(data_copy, "eras.yaml", 8, 6, "raw HTML is not allowed")


# ── today, and the real date ───────────────────────────────────────────────


def test_today_is_allowed_and_the_default_is_the_system_date(data_copy):
    path = data_copy / "milestones.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("1986", "2015").replace('"2015-10"', '"2015-03-09"'),
                    encoding="utf-8")
    assert load_knowledge(data_copy, today=datetime.date(2015, 3, 9))[1] == []
    assert_reported(data_copy, "milestones.yaml", 23, 9, "date '2015-03-09' is in the future (today is 2015-03-08)",
                    today=datetime.date(2015, 3, 8))
    next_year = datetime.date.today().year + 1
    replace_in(data_copy / "eras.yaml", "  end: 2015\n", f"  end: {next_year}\n")
    found = load_knowledge(data_copy)[1]
    assert any(p.line == 10 and f"end {next_year} is in the future" in p.message for p in found), found


# ── the command line: located lines, exit 1, never a traceback ─────────────


@pytest.mark.parametrize(("file", "content"), [
    ("glossary.yaml", b"- id: caf\xe9\n"),
    ("eras.yaml", b"- id: early\n  title: Early\0days\n"),
    ("milestones.yaml", b"- id: x\n  year: 0x797\n"),
    ("eras.yaml", b"- id: early\n  title: 'it's'\n"),
    ("eras.yaml", None),  # a directory
])
def test_check_command_never_shows_a_traceback(data_copy, file, content):
    path = data_copy / file
    path.unlink()
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "nutshell.cli", "check", "--data", str(data_copy)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    *lines, summary = result.stderr.strip().splitlines()
    assert lines and summary.endswith("problem(s)")
    assert all(re.match(r"^\S+\.yaml:\d+:\d+: ", line) for line in lines), result.stderr
    assert any(Path(line.split(":")[0]).name == file for line in lines), result.stderr



def test_check_command_reports_a_malformed_demo_at_its_file(data_copy):
    demos = data_copy.parent / "demos"
    (demos / "broken.py").write_text("print('no prose')\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "nutshell.cli", "check", "--data", str(data_copy)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"{demos / 'broken.py'}:1:1: no '# %% [markdown]' cell; a demo starts "
                                          "with one holding its '# Title'", "1 problem(s)"]
