"""LaTeX → Unicode text for the terminal: every formula in data/ reads without a backslash command."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nutshell.load import load_knowledge
from nutshell.math_text import latex_to_text
from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH
from tests.conftest import ROOT

_MATH = re.compile(f"{DISPLAY_MATH}|{INLINE_MATH}", re.S)


def formulas_in_the_data() -> list[str]:
    knowledge, problems = load_knowledge(ROOT / "data")
    assert not problems, problems
    texts = [text for t in knowledge.terms for text in (t.short, t.body)]
    texts += [text for m in knowledge.milestones for text in (m.summary, m.significance)]
    texts += [e.intro for e in knowledge.eras]
    found = {m.group(1) if m.group(1) is not None else m.group(2) for text in texts for m in _MATH.finditer(text)}
    return sorted(found)


FORMULAS = formulas_in_the_data()


def test_the_data_has_formulas_to_check():
    assert len(FORMULAS) > 200


def test_no_backslash_command_survives_in_any_formula_of_the_data():
    assert [(tex, latex_to_text(tex)) for tex in FORMULAS if re.search(r"[\\$]", latex_to_text(tex))] == []


def test_braces_are_left_only_around_scripts_unicode_cannot_write():
    for tex in FORMULAS:
        text = latex_to_text(tex)
        unwrapped = re.sub(r"[_^]\{[^{}]*\}", "", re.sub(r"[_^]\{[^{}]*\}", "", text))
        assert "{" not in unwrapped and "}" not in unwrapped, (tex, text)


@pytest.mark.parametrize("tex, text", [
    # the issue's own example, from the dropout entry
    (r"\tilde{\mathbf{h}} = \frac{\mathbf{m} \odot \mathbf{h}}{p}", "𝐡̃ = (𝐦 ⊙ 𝐡)/p"),
    (r"\tilde{\mathbf{h}} = \mathbf{m} \odot \mathbf{h}, \qquad m_i \sim \mathrm{Bernoulli}(p)",
     "𝐡̃ = 𝐦 ⊙ 𝐡,    mᵢ ∼ Bernoulli(p)"),
    # bold, Greek, blackboard and script letters
    (r"\boldsymbol{\delta} = \partial L / \partial \mathbf{Z}", "𝛅 = ∂L / ∂𝐙"),
    (r"\mathbf{W} \in \mathbb{R}^{n_{\text{in}} \times n_{\text{out}}}", "𝐖 ∈ ℝ^{nᵢₙ × nₒᵤₜ}"),
    (r"\sum_{i \in \mathcal{B}}", "Σ_{i ∈ ℬ}"),
    # sub- and superscripts where Unicode has the characters, readable where it has not
    (r"\sum_{i=1}^{N} w_i x_i", "Σᵢ₌₁ᴺ wᵢ xᵢ"),
    (r"\epsilon = 10^{-8}", "ε = 10⁻⁸"),
    (r"\mathbf{a}^{(l-1)\top}", "𝐚⁽ˡ⁻¹⁾ᵀ"),
    (r"\mathbf{W}_{hh}^\top", "𝐖ₕₕᵀ"),
    (r"\lambda^\ast", "λ*"),
    (r"p_{\text{data}}", "p_{data}"),
    (r"\sigma_B^2", "σ_B²"),
    # fractions: parentheses only where a part needs them; roots likewise
    (r"\frac{1}{N}", "1/N"),
    (r"\frac{\partial L}{\partial w_i}", "∂L/∂wᵢ"),
    (r"\frac{\eta}{\sqrt{\hat{\mathbf{v}}} + \epsilon}", "η/(√𝐯̂ + ε)"),
    (r"\frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}", "(xᵢ - μ_B)/√(σ_B² + ε)"),
    (r"\frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}", "e^{zₖ}/(Σⱼ₌₁ᴷ e^{zⱼ})"),
    (r"\frac{e^{-E(\mathbf{s})}}{Z}", "e^{-E(𝐬)}/Z"),
    (r"1/\sqrt{B}", "1/√B"),
    # operators, arrows, relations, delimiters; \left and \right disappear
    (r"\theta \leftarrow \theta - \eta \nabla_\theta L(\theta)", "θ ← θ - η ∇_θ L(θ)"),
    (r"\sigma'(z) \le \frac{1}{4}", "σ′(z) ≤ 1/4"),
    (r"\tanh'(z) = 1 - \tanh^2(z) \le 1", "tanh′(z) = 1 - tanh²(z) ≤ 1"),
    (r"\left\lVert \mathbf{g} \right\rVert^2", "‖𝐠‖²"),
    (r"O = \left\lfloor \frac{W - z}{s} \right\rfloor + 1", "O = ⌊(W - z)/s⌋ + 1"),
    (r"\langle s_i s_j \rangle_{\text{data}}", "⟨sᵢ sⱼ⟩_{data}"),
    (r"\left( r + \gamma \max_{a'} Q(s', a') \right)^2", "(r + γ max_{a′} Q(s′, a′))²"),
    (r"\sum_{t=1}^{\infty} \eta_t = \infty", "Σₜ₌₁^∞ ηₜ = ∞"),
    (r"\lambda^\ast = \arg\min_{\lambda} L_{\text{val}}", "λ* = arg min_λ Lᵥₐₗ"),
    (r"\mathbf{g} \leftarrow \frac{c}{\lVert \mathbf{g} \rVert} \mathbf{g} \quad "
     r"\text{if } \lVert \mathbf{g} \rVert > c",
     "𝐠 ← c/‖𝐠‖ 𝐠  if ‖𝐠‖ > c"),
    (r"\mathbf{1}\left[y_i \notin \mathrm{top5}(\hat{\mathbf{p}}_i)\right]", "𝟏[yᵢ ∉ top5(𝐩̂ᵢ)]"),
    (r"96 \times (363 + 1) = 34{,}944", "96 × (363 + 1) = 34,944"),
    (r"\mathbf{v} \, \nabla^2 L(\theta^\ast) \, \mathbf{v}^\top \ge 0", "𝐯 ∇² L(θ*) 𝐯ᵀ ≥ 0"),
    (r"w \leftarrow w + \eta (y - \hat y) x", "w ← w + η (y - ŷ) x"),
])
def test_formulas_read_as_unicode(tex, text):
    assert latex_to_text(tex) == text


@pytest.mark.parametrize("tex, text", [
    (r"\unknowncommand{x}", "unknowncommandx"),  # its name, never a backslash
    ("\\", ""),
    (r"a \\ b", "a b"),
    (r"\frac{a}", "a/"),
    (r"x^", "x"),
    ("}{", ""),
    (r"\left. x \right|", "x|"),
    ("", ""),
])
def test_broken_or_unknown_latex_still_prints_something_readable(tex, text):
    assert latex_to_text(tex) == text


def test_standard_library_only():
    code = "import sys, nutshell.math_text; print([m for m in ('yaml', 'numpy', 'latex2mathml') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
