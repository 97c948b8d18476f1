"""A data set that `nutshell check` accepts but an attacker wrote: every plain field carries script and
attribute-list payloads, every Markdown field carries the legal look-alikes (entities, code, math with '<').

The build must turn all of it into inert text. Every payload calls ``PWNED()`` or sets ``window.PWNED``, so a
test can look for the word in the built HTML and a browser test can watch for it running.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

MARKER = "PWNED"

# For plain fields: shown literally, so anything goes (except control characters, which are refused).
PLAIN = (
    '<script>PWNED()</script><img src=x onerror=PWNED()>"><svg onload=PWNED()>'
    " {#x onmouseover=PWNED() tabindex=0 onfocus=PWNED() [a](javascript:PWNED()) } *e* $m$ | # `c` &amp;"
)
# `short` must also be plain text without Markdown marks (it stands alone in tooltips): attribute breakers.
SHORT = "\" onmouseover=PWNED() x=' {#x onfocus=PWNED()} &quot;> PWNED ends here"
# URLs and DOIs pass their patterns but try to leave the link destination.
URL = 'https://example.org/a)"><script>PWNED()</script>'
DOI = '10.1234/x)"><img_src=x_onerror=PWNED()>'
# Markdown fields: what the policy allows, written to look like an attack.
MARKDOWN = (
    "Entities &lt;script&gt;PWNED()&lt;/script&gt; stay text, as backprop would; so does `<script>PWNED()</script>` in code, "
    "and math $a < b$ with a link [to the paper](https://example.org/paper).\n"
)


def _source(year: int) -> dict:
    return {"authors": [PLAIN, "B. Example"], "title": PLAIN, "venue": PLAIN, "year": year, "volume": PLAIN,
            "issue": PLAIN, "pages": PLAIN, "doi": DOI, "url": URL, "note": MARKDOWN}


def hostile_data() -> dict[str, list[dict]]:
    eras = [{"id": "early", "title": PLAIN, "start": 1940, "end": 1969, "intro": MARKDOWN},
            {"id": "later", "title": PLAIN + " 2", "start": 1970, "end": 2015, "intro": MARKDOWN}]
    milestones = [
        {"id": "first-neuron", "year": 1943, "date": "1943-12", "title": PLAIN, "people": [PLAIN, "Ada Example"],
         "summary": MARKDOWN, "significance": MARKDOWN, "era": "early", "tags": ["neuron-models"],
         "source": _source(1943), "other_sources": [_source(1944)], "terms": ["perceptron"], "demos": ["toy"]},
        {"id": "backprop-nature", "year": 1986, "title": PLAIN + " again", "people": ["Bo Example"],
         "summary": MARKDOWN, "significance": MARKDOWN, "era": "later", "tags": ["backpropagation"],
         "source": _source(1986), "terms": ["backpropagation"], "demos": []},
    ]
    terms = [
        {"id": "perceptron", "term": "Perceptron " + PLAIN, "aliases": [], "category": "architecture",
         "short": "A threshold unit that learns a line.", "body": MARKDOWN, "see_also": ["backpropagation"], "milestones": [], "demos": ["toy"],
         "sources": [_source(1958)]},
        {"id": "backpropagation", "term": "Backpropagation", "aliases": [PLAIN, "backprop"], "category": "training",
         "short": SHORT, "body": MARKDOWN, "see_also": [],
         "milestones": [], "demos": [], "sources": []},
    ]
    disputes = [
        {"id": "who-was-first", "question": PLAIN, "summary": MARKDOWN,
         "claims": [{"claim": MARKDOWN, "credits": ["first-neuron"], "by": [PLAIN], "source": _source(1990)},
                    {"claim": MARKDOWN, "credits": ["backprop-nature"], "by": ["B. Example"], "source": _source(1991)}]},
    ]
    return {"eras.yaml": eras, "milestones.yaml": milestones, "glossary.yaml": terms, "disputes.yaml": disputes}


def write_hostile_project(folder: Path, fixtures: Path) -> Path:
    """Write data/ (hostile) and demos/ (the fixture toy demo) into ``folder``; returns the data directory."""
    data = folder / "data"
    data.mkdir(parents=True)
    for name, entries in hostile_data().items():
        (data / name).write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True), encoding="utf-8")
    shutil.copytree(fixtures / "demos", folder / "demos")
    return data
