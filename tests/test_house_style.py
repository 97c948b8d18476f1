"""The checkable house style: variants refused in our prose, quotations and names left as written."""

from __future__ import annotations

import pytest

from nutshell.house_style import style_findings
from nutshell.load import load_knowledge
from tests.conftest import replace_in


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("We regularize the weights.", "regularize"),
        ("Batch normalization helps.", "normalization"),
        ("a pre-trained network", "pre-train"),
        ("a feed-forward network", "feed-forward"),
        ("as Ciresan showed", "Ciresan"),
        ("won ILSVRC-2012", "ILSVRC-"),
        ("its behavior in the center", "behavior"),
        ("a layer computes $\\mathbf{W}\\mathbf{x} + \\mathbf{b}$", "matrices act on row vectors"),
        ("the gradient $\\mathbf{W}^\\top\\boldsymbol{\\delta}$", "matrices act on row vectors"),
    ],
)
def test_variants_are_refused(text, flagged):
    findings = style_findings(text)
    assert findings and (flagged in findings[0].message or text[findings[0].offset:].startswith(flagged))


@pytest.mark.parametrize(
    "text",
    [
        'the "generalized delta rule", as its authors called it',
        "Hebb's *The Organization of Behavior* (1949)",
        "the `optimizer` argument",
        "[the book](https://example.org/regularization)",
        "Labeled Faces in the Wild and the Center for Data Science",
        "regularisation, normalisation, pretraining, feedforward, Cireşan, ILSVRC 2012",
        "a layer computes $\\mathbf{x}\\mathbf{W} + \\mathbf{b}$ and $\\boldsymbol{\\delta}\\mathbf{W}^\\top$",
        "the weight gradient is $\\mathbf{X}^\\top \\boldsymbol{\\delta}$",
    ],
)
def test_quotations_names_code_and_the_house_style_pass(text):
    assert style_findings(text) == []


def test_the_loader_reports_style_at_the_word_and_keeps_the_value(data_copy):
    replace_in(data_copy / "glossary.yaml", "The chain rule, applied", "The chain rule, optimized and applied")
    knowledge, problems = load_knowledge(data_copy)
    assert knowledge is None
    [problem] = problems
    assert "'optimized': house style is British" in problem.message
    lines = (data_copy / "glossary.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1][problem.col - 1:].startswith("optimized")


def test_term_names_are_checked_but_aliases_may_be_american(data_copy):
    replace_in(data_copy / "glossary.yaml", "aliases: [steepest descent]", "aliases: [steepest descent, optimization]")
    assert load_knowledge(data_copy)[1] == []
    replace_in(data_copy / "glossary.yaml", "term: Gradient descent", "term: Gradient descent optimization")
    problems = load_knowledge(data_copy)[1]
    assert [p.message for p in problems] == ["term: 'optimization': house style is British: -ise, -isation"]
