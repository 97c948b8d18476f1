"""LaTeX formulas as plain Unicode text, for the terminal: ``\\tilde{\\mathbf{h}} = \\frac{\\mathbf{m} \\odot
\\mathbf{h}}{p}`` prints as ``𝐡̃ = (𝐦 ⊙ 𝐡)/p``.

The site shows formulas as MathML; a terminal can only show characters. This covers the LaTeX that
data/*.yaml uses (and a little more): letters and symbols become their Unicode characters, bold and
blackboard letters their mathematical alphanumerics, sub- and superscripts the small digits and letters
Unicode has (``x_i`` → ``xᵢ``, ``10^{-8}`` → ``10⁻⁸``) and stay readable where it has none
(``p_{data}``), fractions become ``a/b`` with parentheses where a part needs them. An unknown command
prints as its name, so no backslash reaches the reader.

Standard library only: ``nutshell define`` imports it and must start at once.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["latex_to_text"]

# ── Characters ────────────────────────────────────────────────────────────────

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}

_QUAD = "\ue000"  # a wide space from \quad, kept apart from ordinary spaces until the end

SYMBOLS = {
    # operators and relations
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "ast": "∗", "star": "⋆", "circ": "∘", "bullet": "•", "setminus": "∖",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼",
    "simeq": "≃", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫", "mid": "|", "parallel": "∥",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "cup": "∪",
    "cap": "∩", "emptyset": "∅", "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨",
    # arrows
    "leftarrow": "←", "gets": "←", "rightarrow": "→", "to": "→", "leftrightarrow": "↔", "Leftarrow": "⇐",
    "Rightarrow": "⇒", "implies": "⇒", "Leftrightarrow": "⇔", "iff": "⇔", "mapsto": "↦", "uparrow": "↑",
    "downarrow": "↓",
    # big operators and calculus
    "sum": "Σ", "prod": "∏", "int": "∫", "oint": "∮", "partial": "∂", "nabla": "∇", "infty": "∞",
    # letters and marks
    "ell": "ℓ", "hbar": "ℏ", "top": "ᵀ", "intercal": "ᵀ", "prime": "′", "dagger": "†", "degree": "°",
    # dots
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    # delimiters
    "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖", "Vert": "‖", "lvert": "|", "rvert": "|",
    "vert": "|", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "lbrace": "{", "rbrace": "}",
    "|": "‖", "{": "{", "}": "}",
    # spacing (what LaTeX would leave as space)
    ",": " ", ";": " ", ":": " ", ">": " ", "!": "", " ": " ", "quad": _QUAD * 2, "qquad": _QUAD * 4,
    # escaped characters
    "%": "%", "$": "$", "&": "&", "#": "#", "_": "_",
}

# Written as words, like sin and log on the page: a space keeps them apart from a letter before them.
FUNCTIONS = {
    "log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arg", "max", "min", "sup", "inf",
    "lim", "det", "dim", "ker", "Pr", "gcd", "deg", "argmax", "argmin",
}

# Prefix operators whose operand follows without a space: ∂L, ∇L.
_TIGHT_PREFIX = {"\\partial", "\\nabla", "\\neg"}
_OPENING = {"(", "[", "\\{", "\\langle", "\\lVert", "\\lvert", "\\lceil", "\\lfloor", "\\lbrace"}
_CLOSING = {")", "]", "\\}", "\\rangle", "\\rVert", "\\rvert", "\\rceil", "\\rfloor", "\\rbrace", "\\right"}

# Commands whose argument is kept as it is written (a font or upright text): no letter changes.
_KEEP_ARGUMENT = {"mathrm", "text", "textrm", "textit", "textbf", "mathit", "operatorname", "mbox", "textsf",
                  "mathsf", "mathtt", "texttt", "emph"}

_COMBINING = {"tilde": "\u0303", "hat": "\u0302", "widehat": "\u0302", "widetilde": "\u0303", "bar": "\u0304",
              "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c",
              "breve": "\u0306", "acute": "\u0301", "grave": "\u0300", "underline": "\u0332"}

# Commands that only size or space what follows in print; dropped here.
_DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
            "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "middle"}


def _alphabet(capital_a: int, small_a: int, exceptions: dict[str, str] | None = None,
              digit_0: int | None = None) -> dict[str, str]:
    table = {chr(65 + i): chr(capital_a + i) for i in range(26)}
    table.update({chr(97 + i): chr(small_a + i) for i in range(26)})
    if digit_0 is not None:
        table.update({chr(48 + i): chr(digit_0 + i) for i in range(10)})
    table.update(exceptions or {})
    return table


_BOLD = _alphabet(0x1D400, 0x1D41A, digit_0=0x1D7CE)
_BOLD.update({GREEK[name]: chr(0x1D6C2 + i) for i, name in enumerate(
    ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
     "nu", "xi", "omicron", "pi", "rho", "varsigma", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"])
    if name in GREEK})
_BOLD.update({GREEK[name]: chr(0x1D6A8 + i) for i, name in enumerate(
    ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu",
     "Nu", "Xi", "Omicron", "Pi", "Rho", "varTheta", "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega"])
    if name in GREEK})
_DOUBLE_STRUCK = _alphabet(0x1D538, 0x1D552, {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ",
                                               "Z": "ℤ"}, digit_0=0x1D7D8)
_SCRIPT = _alphabet(0x1D49C, 0x1D4B6, {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ",
                                        "R": "ℛ", "e": "ℯ", "g": "ℊ", "o": "ℴ"})
_FRAKTUR = _alphabet(0x1D504, 0x1D51E, {"C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"})
_ALPHABETS = {"mathbf": _BOLD, "boldsymbol": _BOLD, "bm": _BOLD, "mathbb": _DOUBLE_STRUCK,
              "mathcal": _SCRIPT, "mathscr": _SCRIPT, "mathfrak": _FRAKTUR}

SUPERSCRIPT = dict(zip(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθιφχ'′ᵀ*∗",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᶥᵠᵡ′′ᵀ**", strict=True))
SUBSCRIPT = dict(zip(
    "0123456789+-=()aehijklmnoprstuvxβγρφχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))

# ── Reading LaTeX ─────────────────────────────────────────────────────────────

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\s+)|(.)", re.S)


def _tokens(tex: str) -> list[str]:
    """Commands as '\\name', a run of whitespace as ' ', every other character as itself."""
    out = []
    for match in _TOKEN.finditer(tex):
        if match.group(1) is not None:
            out.append("\\" + match.group(1))
        elif match.group(2) is not None:
            out.append(" ")
        else:
            out.append(match.group(3))
    return out


class _Reader:
    def __init__(self, tex: str):
        self.tokens = _tokens(tex)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        self.at += token is not None
        return token

    def skip_space(self) -> None:
        while self.peek() == " ":
            self.at += 1

    def sequence(self, until: str | None = None) -> str:
        """Text up to ``until`` (a closing brace) or the end."""
        out = ""
        while (token := self.peek()) is not None and token != until:
            self.at += 1
            out = self.after(out, token)
        if token == until and until is not None:
            self.at += 1
        return out

    def argument(self) -> str:
        """A command's argument: a {group}, else the next single token."""
        self.skip_space()
        token = self.take()
        if token is None or token == "}":
            return ""
        if token == "{":
            return self.sequence("}")
        return self.after("", token)

    def raw_argument(self) -> str:
        """An argument as written, for \\text{…}: braces nest, commands become their characters."""
        self.skip_space()
        if self.peek() != "{":
            return self.argument()
        self.at += 1
        out, depth = "", 1
        while (token := self.take()) is not None:
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    break
            else:
                out += self.command(token) if token.startswith("\\") else token
        return out

    def after(self, out: str, token: str) -> str:
        """``out`` followed by what ``token`` (with its arguments, read from here on) stands for."""
        if token in ("^", "_"):
            return out + _script(self.argument(), superscript=token == "^")
        if token == "{":
            return out + self.sequence("}")
        if token == "}":  # an unmatched brace: nothing to show
            return out
        if token == " ":
            return out + " "
        if token in _CLOSING:  # LaTeX ignores space inside brackets; "( a )" reads worse than "(a)"
            out = out.rstrip(" ")
        if token in ("~", "\\\\"):  # a tie, a line break
            text = " "
        elif token == "\\":  # a lone backslash at the end
            text = ""
        elif token == "'":
            text = "′"
        elif token.startswith("\\"):
            name = token[1:]
            text = self.command(token)
            if name in FUNCTIONS and out[-1:].isalnum():
                out += " "
        else:
            text = token
        if token in _OPENING or token == "\\left" or token in _TIGHT_PREFIX:
            self.skip_space()
        return out + text

    def command(self, token: str) -> str:
        name = token[1:]
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in FUNCTIONS:
            return name
        if name in _DROPPED:
            if name in ("left", "right", "middle"):
                self.skip_space()
                if self.peek() == ".":  # \left. is an invisible delimiter
                    self.at += 1
                elif name == "left" and self.peek() is not None:  # the delimiter, then no space inside it
                    return self.after("", self.take() or "")
            return ""
        if name in _ALPHABETS:
            table = _ALPHABETS[name]
            return "".join(table.get(char, char) for char in self.argument())
        if name in _KEEP_ARGUMENT:
            return self.raw_argument()
        if name in _COMBINING:
            return _with_mark(self.argument(), _COMBINING[name])
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_operand(top)}/{_operand(bottom)}"
        if name == "sqrt":
            self.skip_space()
            degree = ""
            if self.peek() == "[":
                self.at += 1
                degree = self.sequence("]")
            root = {"3": "∛", "4": "∜"}.get(degree.strip())
            if root is None:
                root = (_script(degree, superscript=True) if degree else "") + "√"
            return root + _operand(self.argument())
        if name in ("operatorname*", "mathop"):
            return self.argument()
        return name  # unknown: its name reads better than a backslash


def _operand(text: str) -> str:
    """``text`` as a part of a fraction or root: parenthesised unless it is one unbroken term."""
    text = text.strip()
    if _one_term(text) or text.startswith("(") and _closes_at_end(text):
        return text
    return f"({text})"


_OPENS, _CLOSES, _TOGGLES = "([{⟨⌈⌊", ")]}⟩⌉⌋", "‖|"
_BREAKS_A_TERM = set(" +-−=<>/,;·×±∓⊙≤≥≠≈∼∈←→") | {_QUAD}


def _one_term(text: str) -> bool:
    """No space or operator outside brackets: 'f(x; θ)', 'aⁱ_{x,y}' and '‖g‖' are one term, 'a + b' is not."""
    depth, inside = 0, set()
    for char in text:
        if char in _OPENS:
            depth += 1
        elif char in _CLOSES:
            depth -= 1
        elif char in _TOGGLES:
            if char in inside:
                inside.discard(char)
                depth -= 1
            else:
                inside.add(char)
                depth += 1
        elif depth == 0 and char in _BREAKS_A_TERM:
            return False
    return True


def _closes_at_end(text: str) -> bool:
    """Whether the bracket that opens ``text`` is the one that closes it: '(a + b)' but not '(a)(b)'."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(text) - 1
    return False


def _script(text: str, superscript: bool) -> str:
    """A sub- or superscript in the small characters Unicode has, else written out: ``_{data}``."""
    table = SUPERSCRIPT if superscript else SUBSCRIPT
    compact = text.strip()
    if not compact:
        return ""
    if all(char in table or char == " " for char in compact):
        return "".join(table[char] for char in compact if char != " ")
    mark = "^" if superscript else "_"
    if len(compact) == 1 or re.fullmatch(r"[A-Za-z0-9]", compact):
        return mark + compact
    return mark + "{" + compact + "}"


def _with_mark(text: str, mark: str) -> str:
    """A combining accent over every character of ``text`` (one character, in practice)."""
    return "".join(char + mark for char in text.strip() if not char.isspace())


# ── The entry point ───────────────────────────────────────────────────────────


def latex_to_text(tex: str) -> str:
    """One formula (without its $ delimiters) as readable Unicode text on one line."""
    text = re.sub(r" {2,}", " ", _Reader(tex).sequence())
    text = re.sub(f" *({_QUAD}+) *", lambda m: " " * len(m.group(1)), text)
    return unicodedata.normalize("NFC", text.strip())  # y + circumflex → ŷ, which every font has
