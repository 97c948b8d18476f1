"""The command line under hostile conditions: readers that hang up, unusable --out folders, data that tries to
drive the terminal, and bad input. The cases run the installed `nutshell` console script in a subprocess.

What every case asks: one clear line for a mistake, a non-zero status, and never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nutshell.terminal import folder_problem, json_text, printable, printable_copy
from tests.conftest import FIXTURES, ROOT

NUTSHELL = Path(sys.executable).with_name("nutshell")  # the console script pip installed beside this Python
DATA = ["--data", str(FIXTURES / "data")]
TRACEBACK_SIGNS = ("Traceback", "BrokenPipe", "Exception ignored")

# A window title, a screen clear, their 8-bit (C1) forms, and characters that overwrite what is shown.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b2J\x9d0;pwned\x9c\r\x08\x7f\x85"


@pytest.fixture(autouse=True)
def console_script():
    if not NUTSHELL.is_file():
        pytest.fail(f"no console script at {NUTSHELL}: install the project (pip install -e .)")


def environment(buffered: bool = True) -> dict:
    """os.environ with stdout block-buffered (as in most shells) or unbuffered (PYTHONUNBUFFERED=1)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


def nutshell(*argv: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    return subprocess.run([str(NUTSHELL), *argv], capture_output=True, text=True, cwd=cwd,
                          env=env or environment(), timeout=timeout, check=False)


def assert_no_traceback(stderr: str) -> None:
    assert not any(sign in stderr for sign in TRACEBACK_SIGNS), stderr


# ── 1. A reader that hangs up ─────────────────────────────────────────────────


def hang_up_after(lines: int, argv: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    """Run `nutshell ARGV | head -LINES`: read LINES lines, close the pipe; returns (status, stderr).

    With LINES=0 the pipe is closed before the command has started up, so its first write already fails:
    that way the case does not depend on how much of the output fits in the pipe's buffer.
    """
    proc = subprocess.Popen([str(NUTSHELL), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=cwd, env=env)
    try:
        for _ in range(lines):
            assert proc.stdout.readline(), "the command ended before printing the lines to read"
        proc.stdout.close()
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, stderr.decode("utf-8", "replace")


QUICK_COMMANDS = [
    ["define", "--list", *DATA],
    ["define", "perceptron", *DATA],
    ["define", "perceptron", "--json", *DATA],
    ["timeline", *DATA],
    ["timeline", "--json", *DATA],
    ["check", *DATA],
    ["demo", "list"],
    ["--help"],
    ["--version"],
    ["define", "--help"],
    ["timeline", "--help"],
    ["check", "--help"],
    ["demo", "--help"],
    ["demo", "run", "--help"],
    ["alexnet", "--help"],
    ["alexnet", "train", "--help"],
    ["alexnet", "bench", "--help"],
]


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", QUICK_COMMANDS, ids=" ".join)
def test_a_reader_that_hangs_up_ends_the_command_quietly(argv, buffered, tmp_path):
    status, stderr = hang_up_after(0, argv, tmp_path, environment(buffered))
    assert status == 0 and stderr == "", stderr


def test_demo_run_into_head(tmp_path):
    """`nutshell demo run xor | head -1`: the demo prints in a process of its own, which must stop too."""
    status, stderr = hang_up_after(1, ["demo", "run", "xor", "--out", str(tmp_path / "xor")], tmp_path,
                                   environment())
    assert status == 0, stderr
    assert_no_traceback(stderr)
    assert "failed" not in stderr


def test_demo_run_into_a_real_shell_pipe(tmp_path):
    """The case from the issue, through bash: pipefail makes the status nutshell's own."""
    done = subprocess.run(["bash", "-c", 'set -o pipefail; "$0" demo run xor --out "$1" | head -3',
                           str(NUTSHELL), str(tmp_path / "xor")],
                          capture_output=True, text=True, cwd=tmp_path, env=environment(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("running xor") and len(done.stdout.splitlines()) == 3
    assert_no_traceback(done.stderr)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_alexnet_bench_into_head(buffered, tmp_path):
    """`nutshell alexnet bench … | head -1`, as small as it goes: one step of batch 1 on the CPU."""
    records = tmp_path / "records"
    argv = ["alexnet", "bench", "--device", "cpu", "--batch-size", "1", "--warmup", "0", "--steps", "1",
            "--record-dir", str(records)]
    status, stderr = hang_up_after(1, argv, tmp_path, environment(buffered))
    assert status == 0
    assert_no_traceback(stderr)
    # Lines go out as they are printed even into a pipe, so the hang-up is noticed at the second line
    # and the run stops there, before it writes a record.
    assert not records.exists() or not any(records.iterdir())


# ── 2. Folders that cannot be written into ────────────────────────────────────


@pytest.fixture
def regular_file(tmp_path) -> Path:
    path = tmp_path / "taken"
    path.write_text("not a folder\n")
    return path


def unusable_folders(regular_file: Path) -> dict[str, str]:
    """Folder → (what the message must say) for each way a folder can be unusable, root included."""
    folders = {
        str(regular_file / "sub"): f"{regular_file} is a file, not a folder",
        str(regular_file): "exists and is not a folder",
        "": "no folder named",
    }
    if Path("/proc/self").is_dir():  # Linux: nothing can be created in /proc, not even by root
        folders["/proc/nutshell-test/sub"] = "cannot write in /proc"
    return folders


def assert_refused_at_once(done, option: str, folder: str, message: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == "", "the refusal must come before any work"
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith("nutshell "), line
    assert f"{option} {shlex.quote(folder)}: " in line, line
    assert message in line and line.endswith(")"), line  # what is wrong (how to fix it)
    assert_no_traceback(done.stderr)


def test_demo_run_refuses_an_unusable_out(regular_file, tmp_path):
    for folder, message in unusable_folders(regular_file).items():
        done = nutshell("demo", "run", "xor", "--out", folder, cwd=tmp_path)
        assert_refused_at_once(done, "--out", folder, message)
        assert done.stderr.startswith("nutshell demo run: error: --out ")
    assert regular_file.read_text() == "not a folder\n"


@pytest.mark.parametrize("command, option", [
    (["alexnet", "train"], "--out"),
    (["alexnet", "train", "--no-checkpoint"], "--record-dir"),
    (["alexnet", "bench"], "--record-dir"),
])
def test_alexnet_refuses_an_unusable_output_folder(command, option, regular_file, tmp_path):
    for folder, message in unusable_folders(regular_file).items():
        done = nutshell(*command, option, folder, cwd=tmp_path)
        assert_refused_at_once(done, option, folder, message)
        assert done.stderr.startswith(f"nutshell {' '.join(command[:2])}: error: {option} ")


def test_folder_problem_creates_nothing(tmp_path):
    assert folder_problem(tmp_path / "new" / "deeper") is None
    assert folder_problem(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


# ── 3. Data that tries to drive the terminal ──────────────────────────────────


def test_printable_removes_whole_escape_sequences():
    assert printable("a\x1b]0;pwned\x07b\x1b[2Jc\x1b[1;31md\x1bce") == "abcde"
    assert printable("link: \x1b]8;;https://x\x1b\\text\x1b]8;;\x1b\\") == "link: text"
    assert printable("\x9b2J\x9d0;pwned\x9cok") == "ok"  # the 8-bit forms
    assert printable("a\rb\x08c\x7fd\x85e\x00f") == "abcdef"
    assert printable("keeps\ttabs\nnewlines, Méthode, θ ← θ − η∇L, “quotes”") == (
        "keeps\ttabs\nnewlines, Méthode, θ ← θ − η∇L, “quotes”")


def test_printable_copy_cleans_every_string_in_loaded_data():
    from nutshell.load import load_knowledge

    knowledge, problems = load_knowledge(FIXTURES / "data")
    assert problems == []
    cleaned = printable_copy(poisoned(knowledge))
    assert cleaned.terms == knowledge.terms and cleaned.milestones == knowledge.milestones
    assert cleaned.term_by_id["perceptron"] == knowledge.term_by_id["perceptron"]  # derived indexes rebuilt


def test_json_text_escapes_every_control_character():
    value = {"name": "Méthode" + HOSTILE}
    text = json_text(value)
    assert json.loads(text) == value  # the same data, written safely
    assert not any(0x00 <= ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in text)
    assert "Méthode" in text


def poisoned(knowledge):
    """``knowledge`` with HOSTILE in every text the command line prints (ids stay: they are looked up)."""
    from nutshell.schema import Knowledge

    def dirty(text):
        return text and f"{text}{HOSTILE}"

    def source(s):
        return dataclasses.replace(s, authors=tuple(map(dirty, s.authors)), title=dirty(s.title),
                                   venue=dirty(s.venue), pages=dirty(s.pages))

    terms = [dataclasses.replace(t, term=dirty(t.term), aliases=tuple(map(dirty, t.aliases)),
                                 category=dirty(t.category), short=dirty(t.short), body=dirty(t.body),
                                 sources=tuple(map(source, t.sources)))
             for t in knowledge.terms]
    milestones = [dataclasses.replace(m, title=dirty(m.title), people=tuple(map(dirty, m.people)),
                                      summary=dirty(m.summary), significance=dirty(m.significance),
                                      source=source(m.source))
                  for m in knowledge.milestones]
    return Knowledge(eras=knowledge.eras, milestones=milestones, terms=terms, demos=knowledge.demos)


# The loader refuses control characters, so hostile data cannot come from a file: this runs the real
# `nutshell` main with the loader wrapped to poison what it read (or to report a problem quoting it).
POISONING_RUNNER = textwrap.dedent("""\
    import sys
    sys.path.insert(0, sys.argv.pop(1))
    import nutshell.load
    from tests.test_cli_hostile import HOSTILE, poisoned

    read = nutshell.load.load_knowledge

    def load_knowledge(*args, **kwargs):
        knowledge, problems = read(*args, **kwargs)
        if sys.argv[1] == "check":
            return None, [f"glossary.yaml:3:9: term: bad value 'x{HOSTILE}'"]
        return poisoned(knowledge), problems

    nutshell.load.load_knowledge = load_knowledge
    from nutshell.cli import main
    sys.exit(main())
""")


def run_on_poisoned_data(*argv: str, cwd: Path):
    return subprocess.run([sys.executable, "-c", POISONING_RUNNER, str(ROOT), *argv], capture_output=True,
                          cwd=cwd, env=environment(), timeout=120, check=False)


def assert_terminal_safe(output: bytes) -> None:
    text = output.decode("utf-8")
    unsafe = sorted({f"U+{ord(c):04X}" for c in text
                     if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f})
    assert not unsafe, f"control characters reach the terminal: {unsafe}\n{text!r}"
    assert "pwned" not in text


@pytest.mark.parametrize("argv, expected", [
    (["define", "gradient-descent"], ["Gradient descent  [optimization]", "Cauchy (1847). Méthode générale"]),
    (["define", "backpropagation"], ["Backpropagation  [training]", "See also: Gradient descent", "1986"]),
    (["define", "--list"], ["perceptron", "Perceptron"]),
    (["timeline"], ["1943  A logical neuron — Ada Example", "1986  Backprop in Nature — Bo Example, Cy"]),
])
def test_hostile_data_cannot_drive_the_terminal(argv, expected, tmp_path):
    done = run_on_poisoned_data(*argv, *DATA, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert_terminal_safe(done.stdout)
    for text in expected:
        assert text in done.stdout.decode(), done.stdout.decode()


@pytest.mark.parametrize("argv", [["define", "perceptron", "--json"], ["timeline", "--json"]])
def test_hostile_data_in_json_is_cleaned_too(argv, tmp_path):
    done = run_on_poisoned_data(*argv, *DATA, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert_terminal_safe(done.stdout)
    exported = json.loads(done.stdout)
    names = [exported["term"]] if "term" in exported else [m["title"] for m in exported["milestones"]]
    assert names in (["Perceptron"], ["A logical neuron", "Backprop in Nature"])


def test_problems_quoting_hostile_data_are_cleaned(tmp_path):
    done = run_on_poisoned_data("check", *DATA, cwd=tmp_path)
    assert done.returncode == 1
    assert_terminal_safe(done.stderr)
    assert "glossary.yaml:3:9: term: bad value 'x'" in done.stderr.decode()


def test_hostile_demo_titles_cannot_drive_the_terminal(tmp_path):
    hostile = HOSTILE.replace("\r", "")  # a carriage return would end the comment line in the demo's source
    demos = tmp_path / "demos"
    demos.mkdir()
    (demos / "evil.py").write_text(
        f"# %% [markdown]\n# # Evil{hostile} demo\n#\n# Says hello.{hostile}\n\n# %%\nprint('hello')\n",
        encoding="utf-8")
    for argv, status in [(["list"], 0), (["run", "evil", "--out", str(tmp_path / "out")], 0),
                         (["run", f"ev{HOSTILE}"], 2)]:
        done = subprocess.run([str(NUTSHELL), "demo", "--demos-dir", str(demos), *argv], capture_output=True,
                              cwd=tmp_path, env=environment(), timeout=120, check=False)
        assert done.returncode == status, done.stderr.decode()
        assert_terminal_safe(done.stdout)
        assert_terminal_safe(done.stderr)


def test_hostile_input_is_not_echoed_raw(tmp_path):
    done = nutshell("define", f"perc{HOSTILE}", *DATA, cwd=tmp_path)
    assert done.returncode == 1
    assert_terminal_safe(done.stderr.encode())


# ── 4. Bad input ──────────────────────────────────────────────────────────────


@pytest.fixture
def odd_places(tmp_path) -> dict[str, str]:
    """Paths that are the wrong kind of thing, for --data and --demos-dir."""
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "empty").mkdir()
    shutil.copytree(FIXTURES / "data", tmp_path / "folder-for-a-file")
    (tmp_path / "folder-for-a-file" / "glossary.yaml").unlink()
    (tmp_path / "folder-for-a-file" / "glossary.yaml").mkdir()
    (tmp_path / "demos-with-a-folder" / "odd.py").mkdir(parents=True)
    return {name: str(tmp_path / name) for name in
            ("a-file", "empty", "folder-for-a-file", "demos-with-a-folder", "nowhere")}


BAD_INPUT = [
    # argv (with {place} filled from odd_places), exit status, what stderr's last line must say
    ([], 2, "the following arguments are required: COMMAND"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    (["define", ""], 2, "give a TERM"),
    (["define", "perceptron", "extra", *DATA], 2, "unrecognized arguments: extra"),
    (["define", "nosuchthing", *DATA], 1, "no glossary term matches 'nosuchthing'"),
    (["define", "x", "--data", "{a-file}"], 2, "is not a directory"),
    (["define", "x", "--data", "{nowhere}"], 2, "data directory not found"),
    (["check", "--data", "{empty}"], 1, "problem(s)"),
    (["check", "--data", "{folder-for-a-file}"], 1, "problem(s)"),
    (["timeline", "--from", "abc", *DATA], 2, "invalid int value: 'abc'"),
    (["timeline", "--era", "nope", *DATA], 2, "unknown era 'nope'"),
    (["timeline", "--tag", "nope", *DATA], 2, "unknown tag 'nope'"),
    (["demo"], 2, "the following arguments are required: COMMAND"),
    (["demo", "frob"], 2, "invalid choice: 'frob'"),
    (["demo", "run"], 2, "the following arguments are required: name"),
    (["demo", "run", "nope"], 2, "no demo named 'nope'"),
    (["demo", "run", ""], 2, "no demo named ''"),
    (["demo", "--demos-dir", "{a-file}", "list"], 2, "demo directory not found"),
    (["demo", "--demos-dir", "{nowhere}", "list"], 2, "demo directory not found"),
    (["demo", "--demos-dir", "{demos-with-a-folder}", "list"], 1, "cannot read"),
    (["alexnet"], 2, "the following arguments are required"),
    (["alexnet", "frob"], 2, "invalid choice: 'frob'"),
    (["alexnet", "train", "--epochs", "abc"], 2, "'abc' is not a whole number"),
    (["alexnet", "train", "--epochs", "0"], 2, "must be at least 1"),
    (["alexnet", "train", "--lr", "abc"], 2, "'abc' is not a number"),
    (["alexnet", "train", "--lr", "nan"], 2, "'nan' is not a finite number"),
    (["alexnet", "train", "--lr", "inf"], 2, "'inf' is not a finite number"),
    (["alexnet", "train", "--lr", "0"], 2, "--lr: 0 must be more than 0"),
    (["alexnet", "train", "--momentum", "-1"], 2, "--momentum: -1 must be 0 or more"),
    (["alexnet", "train", "--weight-decay", "-1"], 2, "--weight-decay: -1 must be 0 or more"),
    (["alexnet", "train", "--lr-factor", "1"], 2, "--lr-factor: 1 must be between 0 and 1"),
    (["alexnet", "train", "--pca-noise", "nan"], 2, "--pca-noise: 'nan' is not a finite number"),
    (["alexnet", "train", "--time-budget", "-5"], 2, "--time-budget: -5 must be more than 0"),
    (["alexnet", "train", "--seed", "-1"], 2, "--seed: '-1' must be a whole number from 0"),
    (["alexnet", "train", "--seed", str(2**32)], 2, "--seed: '4294967296' must be a whole number from 0"),
    (["alexnet", "train", "--threads", "100000"], 2, "--threads: 100000 is more than the"),
    (["alexnet", "train", "--patience", "-1"], 2, "--patience: '-1' must be a whole number"),
    (["alexnet", "bench", "--variants", ""], 2, "--variants: unknown (empty)"),
    (["alexnet", "bench", "--variants", "eager-fp64"], 2, "--variants: unknown eager-fp64"),
    (["alexnet", "bench", "--input-size", "100"], 2, "invalid choice: 100"),
]


def _case_id(value):
    return " ".join(value) or "(nothing)" if isinstance(value, list) else None


@pytest.mark.parametrize("argv, status, message", BAD_INPUT, ids=_case_id)
def test_bad_input_gets_one_clear_line(argv, status, message, odd_places, tmp_path):
    done = nutshell(*(arg.format_map(odd_places) for arg in argv), cwd=tmp_path)
    assert done.returncode == status, done.stderr
    assert_no_traceback(done.stderr)
    last_line = done.stderr.strip().splitlines()[-1]
    assert message in last_line, done.stderr
    assert last_line.startswith("nutshell") or last_line.endswith("problem(s)"), done.stderr
    if status == 2:  # what was typed: one line, `nutshell COMMAND: error: …`, and nothing else
        assert done.stderr.count("\n") == 1 and ": error: " in last_line, done.stderr
