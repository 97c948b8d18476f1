"""nutshell.demo_runner: `nutshell demo list` and `nutshell demo run NAME [--out DIR]`."""

import subprocess
import sys
import textwrap

import pytest

from nutshell.cli import main as nutshell_main
from nutshell.demo_runner import default_demos_dir

PLOTTING_DEMO = """\
# %% [markdown]
# # Line plot
#
# Draws a line and prints its slope.

# %%
import matplotlib.pyplot as plt
from nutshell import figures

figures.apply_style()
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 2])
print("slope:", 2.0)
figures.show(fig, "line")
"""

FAILING_DEMO = """\
# %% [markdown]
# # Broken
#
# Raises.

# %%
raise RuntimeError("boom")
"""


def main(argv: list[str]) -> int:
    """``nutshell demo ARGV``'s exit status."""
    return nutshell_main(["demo", *argv])


@pytest.fixture
def demos_dir(tmp_path):
    folder = tmp_path / "demos"
    folder.mkdir()
    (folder / "line-plot.py").write_text(textwrap.dedent(PLOTTING_DEMO))
    (folder / "broken.py").write_text(textwrap.dedent(FAILING_DEMO))
    return folder


def test_list_shows_ids_titles_and_descriptions(demos_dir, capsys):
    assert main(["--demos-dir", str(demos_dir), "list"]) == 0
    out = capsys.readouterr().out
    assert "line-plot  Line plot — Draws a line and prints its slope." in out
    assert "broken" in out


def test_list_finds_the_projects_own_demos(capsys):
    assert default_demos_dir().name == "demos"
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "xor" in out and "vanishing-gradients" in out


def test_run_prints_numbers_and_saves_pngs(demos_dir, tmp_path, capfd):
    out_dir = tmp_path / "figures"
    assert main(["--demos-dir", str(demos_dir), "run", "line-plot", "--out", str(out_dir)]) == 0
    printed = capfd.readouterr().out
    assert "slope: 2.0" in printed
    assert "1 figure(s)" in printed and "line.png" in printed
    assert (out_dir / "line.png").read_bytes().startswith(b"\x89PNG")


def test_run_accepts_a_file_name(demos_dir, tmp_path, capfd):
    out_dir = str(tmp_path / "o")
    assert main(["--demos-dir", str(demos_dir), "run", "demos/line-plot.py", "--out", out_dir]) == 0


def test_run_the_xor_demo(tmp_path, capfd):
    out_dir = tmp_path / "xor"
    assert main(["run", "xor", "--out", str(out_dir)]) == 0
    printed = capfd.readouterr().out
    assert "best accuracy of any line on XOR: 75%" in printed
    assert "2 hidden units: all four corners right for 85% of 20 seeds" in printed
    assert {p.name for p in out_dir.glob("*.png")} == {
        "perceptron-training.png", "xor-decision-regions.png",  # the page's figures
        "explore-perceptron-by-epoch.png", "explore-hidden-units.png",  # its explorables' static defaults
    }


def test_unknown_demo_suggests_the_closest_and_is_a_usage_error(demos_dir, capsys):
    assert main(["--demos-dir", str(demos_dir), "run", "line-plto"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "nutshell demo run: error: no demo named 'line-plto' (did you mean 'line-plot'?); known demos: ")
    assert "Traceback" not in captured.err and captured.out == ""


def test_failing_demo_exits_1_with_a_summary(demos_dir, tmp_path, capfd):
    assert main(["--demos-dir", str(demos_dir), "run", "broken", "--out", str(tmp_path / "b")]) == 1
    err = capfd.readouterr().err
    assert "RuntimeError: boom" in err  # the demo's own error, printed by Python
    assert "demo 'broken' failed (exit status 1)" in err


def test_out_must_be_a_folder(demos_dir, tmp_path, capsys):
    file = tmp_path / "taken"
    file.write_text("")
    assert main(["--demos-dir", str(demos_dir), "run", "line-plot", "--out", str(file)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_missing_demos_dir_and_usage_errors(tmp_path, capsys):
    assert main(["--demos-dir", str(tmp_path / "nowhere"), "list"]) == 2  # a folder typed that is not there
    assert "demo directory not found" in capsys.readouterr().err
    assert main([]) == 2  # argparse: a command is required
    assert main(["frobnicate"]) == 2


def test_unreadable_demos_are_problems_found(tmp_path, capsys):
    (tmp_path / "Bad_Name.py").write_text("print(1)\n")
    assert main(["--demos-dir", str(tmp_path), "list"]) == 1
    assert capsys.readouterr().err.startswith("nutshell demo: ")


def test_runs_as_a_module(demos_dir):
    done = subprocess.run(
        [sys.executable, "-m", "nutshell.demo_runner", "--demos-dir", str(demos_dir), "list"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0 and "line-plot" in done.stdout


def test_nothing_here_is_imported_by_the_lookup_path():
    """`nutshell define` must stay fast: importing the runner pulls in no torch, numpy or nbclient."""
    heavy = ("torch", "numpy", "nbclient", "jupytext", "matplotlib")
    code = f"import sys, nutshell.demo_runner, nutshell.nets; print([m for m in {heavy} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"
