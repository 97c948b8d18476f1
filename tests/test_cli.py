"""The `nutshell` command line: output, exit codes, did-you-mean, JSON, and no heavy imports on lookups."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from nutshell import render
from nutshell.cli import (
    DEFAULT_SITE_URL,
    MAX_CANDIDATES_SHOWN,
    SITE_URL_ENV,
    _candidates_message,
    build_parser,
    main,
    site_url,
)
from nutshell.load import load_knowledge
from nutshell.plain_text import markdown_to_text
from nutshell.terminal import EXIT_STATUS_HELP, UsageError
from tests.conftest import FIXTURES, ROOT, copy_fixture_project, replace_in

DATA = ["--data", str(FIXTURES / "data")]
REAL_DATA = ["--data", str(ROOT / "data")]


def run(capsys, *argv):
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_define_prints_the_entry(capsys, monkeypatch):
    monkeypatch.delenv(SITE_URL_ENV, raising=False)
    code, out, err = run(capsys, "define", "Back-Propagation", *DATA)
    assert code == 0 and err == ""
    assert out.startswith("Backpropagation  [training]\nalso: backprop, back-propagation, BP\n")
    assert "See also: Gradient descent, Perceptron" in out
    assert "  1986  Backprop in Nature" in out
    assert out.rstrip().endswith("Page: http://127.0.0.1:8000/glossary/#backpropagation")


# ── The "Page:" line: the site's address, the same setting as the build's ─────────────


def _project_with_real_config(tmp_path):
    """The fixture project beside a copy of the project's own mkdocs.yml; returns the data folder."""
    data = copy_fixture_project(tmp_path)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return data


def test_page_line_is_the_local_default_when_no_address_is_set(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv(SITE_URL_ENV, raising=False)
    data = _project_with_real_config(tmp_path)
    code, out, _ = run(capsys, "define", "backprop", "--data", str(data))
    assert code == 0
    assert out.rstrip().endswith("Page: http://127.0.0.1:8000/glossary/#backpropagation")


@pytest.mark.parametrize("address, page", [
    ("https://example.org/nutshell/", "https://example.org/nutshell/glossary/#backpropagation"),
    ("https://example.org/nutshell", "https://example.org/nutshell/glossary/#backpropagation"),  # as MkDocs
    ("http://127.0.0.1:8123/", "http://127.0.0.1:8123/glossary/#backpropagation"),
])
def test_page_line_follows_the_published_address(capsys, monkeypatch, tmp_path, address, page):
    monkeypatch.setenv(SITE_URL_ENV, address)
    data = _project_with_real_config(tmp_path)
    code, out, _ = run(capsys, "define", "backprop", "--data", str(data))
    assert code == 0
    assert out.rstrip().endswith(f"Page: {page}")


def test_an_empty_address_counts_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv(SITE_URL_ENV, "")
    assert site_url(_project_with_real_config(tmp_path)) == DEFAULT_SITE_URL


def test_without_a_mkdocs_yml_the_environment_then_the_default_decide(monkeypatch):
    monkeypatch.delenv(SITE_URL_ENV, raising=False)
    assert site_url(FIXTURES / "data") == DEFAULT_SITE_URL  # tests/fixtures has no mkdocs.yml
    monkeypatch.setenv(SITE_URL_ENV, "https://example.org/kb")
    assert site_url(FIXTURES / "data") == "https://example.org/kb/"


@pytest.mark.parametrize("line, environment, expected", [
    ("site_url: https://plain.example/docs/", {}, "https://plain.example/docs/"),
    ("site_url: 'https://quoted.example/'  # a comment", {}, "https://quoted.example/"),
    ("site_url: !ENV SITE_ADDRESS", {"SITE_ADDRESS": "https://named.example/"}, "https://named.example/"),
    ("site_url: !ENV SITE_ADDRESS", {}, DEFAULT_SITE_URL),
    ('site_url: !ENV [FIRST, SECOND, "https://fallback.example/"]', {"SECOND": "https://second.example/"},
     "https://second.example/"),
    ('site_url: !ENV [FIRST, SECOND, "https://fallback.example/"]', {}, "https://fallback.example/"),
])
def test_site_url_reads_mkdocs_yml_as_mkdocs_does(monkeypatch, tmp_path, line, environment, expected):
    for name in ("FIRST", "SECOND", "SITE_ADDRESS", SITE_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "mkdocs.yml").write_text(f"site_name: x\n{line}\ndocs_dir: docs\n", encoding="utf-8")
    assert site_url(tmp_path / "data") == expected


def test_the_page_line_takes_no_control_characters_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(SITE_URL_ENV, "https://example.org/\x1b[31mred")
    assert "\x1b" not in site_url(_project_with_real_config(tmp_path))


def test_define_plain_text_has_no_markdown(capsys):
    code, out, _ = run(capsys, "define", "gradient descent", *DATA)
    assert code == 0
    assert "\n    θ ← θ - η ∇_θ L\n" in out  # a formula of its own: indented, as Unicode text
    assert "\\" not in out and "$" not in out
    assert "Cauchy (1847). Méthode générale. Comptes rendus. https://example.org/cauchy" in out


def test_define_prints_math_as_unicode_not_latex(capsys):
    code, out, _ = run(capsys, "define", "dropout", *REAL_DATA)
    assert code == 0
    assert "\n    𝐡̃ = (𝐦 ⊙ 𝐡)/p\n" in out and "mask 𝐦 whose" in out
    assert "\\" not in out and "$" not in out


def test_define_unknown_suggests_and_exits_1(capsys):
    code, out, err = run(capsys, "define", "perceptorn", *DATA)
    assert code == 1 and out == ""
    assert err.strip() == "nutshell: no glossary term matches 'perceptorn'; did you mean: 'Perceptron'?"


def test_the_home_page_example_works(capsys):
    """docs/index.md shows `nutshell define nesterov`."""
    assert "$ nutshell define nesterov " in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for query in ("nesterov", "Nesterov's", "NAG", "nesterov momentum"):
        code, out, err = run(capsys, "define", query, *REAL_DATA)
        assert code == 0 and err == "" and out.startswith("Nesterov accelerated gradient  [optimization]\n")


def test_an_ambiguous_term_lists_the_candidates_one_per_line_and_exits_1(capsys):
    code, out, err = run(capsys, "define", "boltzmann", *REAL_DATA)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "nutshell: 'boltzmann' could mean 2 glossary terms; name one:",
        "  boltzmann-machine             Boltzmann machine",
        "  restricted-boltzmann-machine  Restricted Boltzmann machine",
    ]
    code, out, err = run(capsys, "define", "boltzmann", "--json", *REAL_DATA)
    assert code == 1 and out == "" and "could mean 2 glossary terms" in err


def test_a_long_list_of_candidates_is_cut_short(capsys):
    code, _, err = run(capsys, "define", "network", *REAL_DATA)
    lines = err.splitlines()
    assert code == 1 and lines[0] == "nutshell: 'network' could mean 20 glossary terms; name one:"
    assert len(lines) == 21 and "  neural-network " in err
    terms = [(f"term-{n}", f"Term {n}") for n in range(25)]
    lines = _candidates_message("t", terms).splitlines()
    assert len(lines) == 1 + MAX_CANDIDATES_SHOWN + 1
    assert lines[-1] == "  … and 5 more (see `nutshell define --list`)"


@pytest.mark.parametrize("query, message", [
    ("learnig rat", "nutshell: no glossary term matches 'learnig rat'; did you mean: 'Learning rate'?"),
    ("transformer", "nutshell: no glossary term matches 'transformer' (try `nutshell define --list`)"),
])
def test_suggestions_are_plausible_or_absent(capsys, query, message):
    code, out, err = run(capsys, "define", query, *REAL_DATA)
    assert code == 1 and out == "" and err.strip() == message


# ── JSON: one shape per kind of record, the same as api/*.json ──


def test_define_json_prints_the_term_record_of_the_export(capsys):
    code, out, _ = run(capsys, "define", "bp", "--json", *DATA)
    knowledge, _ = load_knowledge(FIXTURES / "data")
    entry = json.loads(out)
    assert code == 0 and entry["id"] == "backpropagation" and entry["milestones"] == ["backprop-nature"]
    exported = {t["id"]: t for t in json.loads(render.glossary_json(knowledge))["terms"]}
    assert entry == exported["backpropagation"]


def test_define_list_json_prints_the_glossary_export(capsys):
    code, out, _ = run(capsys, "define", "--list", "--json", *REAL_DATA)
    knowledge, _ = load_knowledge(ROOT / "data")
    assert code == 0 and out == render.glossary_json(knowledge)  # byte for byte
    document = json.loads(out)
    assert list(document) == ["schema_version", "count", "terms"]
    assert document["count"] == len(knowledge.terms)


def test_define_list(capsys):
    code, out, _ = run(capsys, "define", "--list", *DATA)
    assert code == 0 and len(out.splitlines()) == 3


def test_timeline_json_prints_the_milestones_export(capsys):
    code, out, _ = run(capsys, "timeline", "--json", *REAL_DATA)
    knowledge, _ = load_knowledge(ROOT / "data")
    assert code == 0 and out == render.milestones_json(knowledge)  # byte for byte


def test_filtered_timeline_json_keeps_the_shape_and_the_eras_it_needs(capsys):
    code, out, _ = run(capsys, "timeline", "--from", "1980", "--to", "1989", "--json", *REAL_DATA)
    knowledge, _ = load_knowledge(ROOT / "data")
    document = json.loads(out)
    exported = json.loads(render.milestones_json(knowledge))
    assert code == 0 and list(document) == ["schema_version", "count", "eras", "milestones"]
    assert document["count"] == len(document["milestones"]) > 0
    assert all(1980 <= m["year"] <= 1989 for m in document["milestones"])
    assert {e["id"] for e in document["eras"]} == {m["era"] for m in document["milestones"]}
    by_id = {m["id"]: m for m in exported["milestones"]} | {e["id"]: e for e in exported["eras"]}
    assert all(record == by_id[record["id"]] for record in document["milestones"] + document["eras"])


def test_timeline_filters(capsys):
    code, out, _ = run(capsys, "timeline", "--from", "1950", *DATA)
    assert code == 0 and out.splitlines() == ["1986  Backprop in Nature — Bo Example, Cy Example"]
    code, out, _ = run(capsys, "timeline", "--era", "early", *DATA)
    assert out.startswith("1943  A logical neuron")
    code, out, _ = run(capsys, "timeline", "--tag", "backpropagation", "--json", *DATA)
    assert [m["id"] for m in json.loads(out)["milestones"]] == ["backprop-nature"]


def test_timeline_unknown_era_is_a_usage_error(capsys):
    code, _, err = run(capsys, "timeline", "--era", "latr", *DATA)
    assert code == 2
    assert err.startswith("nutshell timeline: error: unknown era 'latr' (did you mean 'later'?)")


def test_check_ok_and_failing(capsys, data_copy):
    code, out, _ = run(capsys, "check", *DATA)
    assert code == 0 and out.strip() == "ok: 2 eras, 2 milestones, 3 terms, 1 demos"
    replace_in(data_copy / "glossary.yaml", "  category: architecture\n", "  category: architecture\n  category: x\n")
    code, out, err = run(capsys, "check", "--data", str(data_copy))
    assert code == 1
    assert "glossary.yaml:5:3: duplicate key 'category'" in err and "Traceback" not in err


def test_define_with_broken_data_reports_problems(capsys, data_copy):
    replace_in(data_copy / "milestones.yaml", "terms: [perceptron]", "terms: [nope]")
    code, out, err = run(capsys, "define", "bp", "--data", str(data_copy))
    assert code == 1 and "unknown term 'nope'" in err and "nutshell check" in err


def test_missing_data_directory(capsys, tmp_path):
    code, _, err = run(capsys, "check", "--data", str(tmp_path / "nowhere"))
    assert code == 2 and "data directory not found" in err


def test_help_on_every_command(capsys):
    for command in ([], ["define"], ["timeline"], ["check"], ["demo"], ["demo", "run"], ["alexnet"],
                    ["alexnet", "train"], ["alexnet", "bench"]):
        assert main([*command, "--help"]) == 0
        assert capsys.readouterr().out.startswith(f"usage: {' '.join(['nutshell', *command])} ")


def test_help_states_the_exit_status_rule(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert EXIT_STATUS_HELP in out
    assert [line.split()[0] for line in EXIT_STATUS_HELP.splitlines()[1:] if line[2] != " "] == [
        "0", "1", "2", "128+N"]


@pytest.mark.parametrize("argv, line", [
    ([], "nutshell: error: the following arguments are required: COMMAND (try `nutshell --help`)"),
    (["frobnicate"], "nutshell: error: argument COMMAND: invalid choice: 'frobnicate'"),
    (["define"], "nutshell define: error: give a TERM (or --list)"),
    (["define", "x", "extra"], "nutshell define: error: unrecognized arguments: extra (try `nutshell define --help`)"),
    (["timeline", "--from", "abc"], "nutshell timeline: error: argument --from: invalid int value: 'abc'"),
    (["demo", "run"], "nutshell demo run: error: the following arguments are required: name"),
    (["alexnet", "train", "--bogus"], "nutshell alexnet train: error: unrecognized arguments: --bogus"),
])
def test_mistakes_in_what_was_typed_get_one_line_and_status_2(argv, line, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(line) and captured.err.count("\n") == 1, captured.err


def test_one_parser_tree_whose_mistakes_raise_usage_error():
    parser = build_parser()
    assert parser.parse_args(["demo", "run", "xor"]).prog == "nutshell demo run"
    assert parser.parse_args(["alexnet", "bench"]).prog == "nutshell alexnet bench"
    with pytest.raises(UsageError, match="invalid choice: 'frob'") as raised:
        parser.parse_args(["alexnet", "frob"])
    assert raised.value.prog == "nutshell alexnet"


def test_markdown_to_text():
    assert markdown_to_text("See [the **rule**](x.md) and `code` with $x^2$.", 80) == "See the rule and code with x²."


def test_markdown_to_text_keeps_math_apart_from_emphasis():
    """``a_{x,y}`` and ``b_i`` would read as emphasis markers if the formula were not set aside first."""
    text = markdown_to_text("For $a^{i}_{x,y}$ and $b_i$, see _this_:\n\n$$\nb_i = \\frac{a_i}{2}\n$$\n\nEnd.", 80)
    assert text == "For aⁱ_{x,y} and bᵢ, see this:\n\n    bᵢ = aᵢ/2\n\nEnd."


@pytest.mark.parametrize("argv", [["define", "dropout", *DATA], ["alexnet", "train", "--help"]])
def test_lookups_and_help_import_neither_numpy_nor_torch(argv):
    heavy = ("numpy", "torch", "matplotlib", "mkdocs", "nbclient", "jupytext")
    code = (
        f"import sys; from nutshell.cli import main; rc = main({argv!r}); "
        f"heavy = sorted(m for m in {heavy!r} if m in sys.modules); "
        "print('HEAVY', heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_building_the_command_tree_imports_nothing_heavy():
    """Every command builds the whole tree first, `nutshell define` included: the demo and AlexNet parts
    are filled in when they are parsed, and nothing else heavy comes in on the way."""
    heavy = ("numpy", "torch", "matplotlib", "mkdocs", "markdown", "nbclient", "jupytext", "yaml",
             "nutshell.load", "nutshell.render", "nutshell.demo_runner", "nutshell.alexnet")
    code = (
        "import sys; from nutshell.cli import build_parser; build_parser(); "
        f"print('HEAVY', sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "nutshell.cli", "define", "backprop", *DATA],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("Backpropagation  [training]")


@pytest.mark.parametrize("argv, line", [
    (["nutshell.alexnet.train", "--epochs", "0"], "python -m nutshell.alexnet.train: error: argument --epochs: 0"),
    (["nutshell.alexnet.cli", "bench", "--variants", "x"], "python -m nutshell.alexnet.cli bench: error: --variants"),
])
def test_alexnet_runs_as_a_module_with_its_own_name(argv, line):
    """As torchrun and benchmarks/alexnet_gpu.sh start it; the name is what its records say was run."""
    result = subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(line), result.stderr
