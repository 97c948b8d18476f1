"""The `nutshell` command line: output, exit codes, did-you-mean, JSON, and no heavy imports on lookups."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nutshell.cli import main, markdown_to_text
from tests.conftest import FIXTURES, replace_in

DATA = ["--data", str(FIXTURES / "data")]


def run(capsys, *argv):
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_define_prints_the_entry(capsys):
    code, out, err = run(capsys, "define", "Back-Propagation", *DATA)
    assert code == 0 and err == ""
    assert out.startswith("Backpropagation  [training]\nalso: backprop, back-propagation, BP\n")
    assert "See also: Gradient descent, Perceptron" in out
    assert "  1986  Backprop in Nature" in out
    assert out.rstrip().endswith("Page: http://127.0.0.1:8000/glossary/#backpropagation")


def test_define_plain_text_has_no_markdown(capsys):
    code, out, _ = run(capsys, "define", "gradient descent", *DATA)
    assert code == 0
    assert "\\theta \\leftarrow \\theta - \\eta \\nabla_\\theta L" in out and "$" not in out
    assert "Cauchy (1847). Méthode générale. Comptes rendus. https://example.org/cauchy" in out


def test_define_unknown_suggests_and_exits_1(capsys):
    code, out, err = run(capsys, "define", "perceptorn", *DATA)
    assert code == 1 and out == ""
    assert err.strip() == "nutshell: no glossary term matches 'perceptorn'; did you mean: 'Perceptron'?"


def test_define_json_uses_the_export_fields(capsys):
    code, out, _ = run(capsys, "define", "bp", "--json", *DATA)
    entry = json.loads(out)
    assert code == 0 and entry["id"] == "backpropagation" and entry["milestones"] == ["backprop-nature"]
    assert entry["page"] == "http://127.0.0.1:8000/glossary/#backpropagation"


def test_define_list(capsys):
    code, out, _ = run(capsys, "define", "--list", *DATA)
    assert code == 0 and len(out.splitlines()) == 3


def test_timeline_filters(capsys):
    code, out, _ = run(capsys, "timeline", "--from", "1950", *DATA)
    assert code == 0 and out.splitlines() == ["1986  Backprop in Nature — Bo Example, Cy Example"]
    code, out, _ = run(capsys, "timeline", "--era", "early", *DATA)
    assert out.startswith("1943  A logical neuron")
    code, out, _ = run(capsys, "timeline", "--tag", "backpropagation", "--json", *DATA)
    assert [m["id"] for m in json.loads(out)] == ["backprop-nature"]


def test_timeline_unknown_era_is_a_usage_error(capsys):
    code, _, err = run(capsys, "timeline", "--era", "latr", *DATA)
    assert code == 2 and "unknown era 'latr' (did you mean 'later'?)" in err


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


def test_help_on_every_command():
    for command in ([], ["define"], ["timeline"], ["check"]):
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0


def test_markdown_to_text():
    assert markdown_to_text("See [the **rule**](x.md) and `code` with $x^2$.", 80) == "See the rule and code with x^2."


def test_lookups_import_neither_numpy_nor_torch():
    code = (
        "import sys; from nutshell.cli import main; "
        f"rc = main(['define', 'dropout', '--data', {str(FIXTURES / 'data')!r}]); "
        "heavy = sorted(m for m in ('numpy', 'torch', 'matplotlib', 'mkdocs') if m in sys.modules); "
        "print('HEAVY', heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "nutshell.cli", "define", "backprop", *DATA],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("Backpropagation  [training]")


def test_demo_and_alexnet_help_reach_their_own_parsers(capsys):
    for command in ("demo", "alexnet"):
        try:
            code = main([command, "--help"])
        except SystemExit as done:  # argparse's own exit
            code = done.code
        assert code == 0
        assert f"usage: nutshell {command}" in capsys.readouterr().out
