"""$…$ and $$…$$ become MathML at build time; prices, code and bad formulas are left readable."""

import markdown
import pytest

from nutshell.markdown_math import latex_to_mathml


def convert(text: str) -> str:
    return markdown.Markdown(extensions=["nutshell.markdown_math"]).convert(text)


def test_inline_and_display_math_become_mathml():
    html = convert("Update $w \\leftarrow w - \\eta g$ here.\n\n$$\n\\sigma(x) = \\frac{1}{1+e^{-x}}\n$$")
    assert '<math data-search-exclude xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert 'display="block"' in html and "<mfrac>" in html
    assert "$" not in html


def test_prices_and_code_are_not_math():
    html = convert("It costs $5 and $6 today; `$x$` stays code.")
    assert "<math" not in html
    assert "<code>$x$</code>" in html


def test_unconvertible_formula_is_an_error_with_the_formula():
    with pytest.raises(ValueError, match="cannot convert formula"):
        latex_to_mathml("\\frac{1}{", display=False)


def test_each_formula_has_a_hidden_plain_text_twin_for_search_and_only_that_is_indexed():
    from nutshell.math_text import latex_to_text

    tex = "\\hat{x}_i = \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}"
    html = convert(f"Normalise: $${tex}$$ then scale; <b> & $a<b$ too.")
    twin = latex_to_text(tex)
    assert "/" in twin and "√" in twin  # the fraction and the root survive as text
    assert f'<span class="nutshell-math-text" hidden>{twin}</span>' in html
    assert html.count("<math data-search-exclude ") == 2
    assert '<span class="nutshell-math-text" hidden>a&lt;b</span>' in html  # the twin is escaped text
