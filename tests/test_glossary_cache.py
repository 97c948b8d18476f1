"""nutshell.glossary_cache: `define` answers from a compiled glossary that is never stale, and lean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nutshell import glossary_cache, render
from nutshell.cli import main
from nutshell.load import DATA_FILES, OPTIONAL_FILES, load_knowledge_or_raise
from tests.conftest import ROOT, replace_in


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(glossary_cache.CACHE_ENV, str(folder))
    return folder


def define(capsys, data: Path, *words: str) -> tuple[int, str, str]:
    code = main(["define", *words, "--data", str(data)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_key_covers_every_file_the_loader_reads():
    assert set(glossary_cache.DATA_FILE_NAMES) == set(DATA_FILES.values()) | set(OPTIONAL_FILES.values())


def test_an_edit_to_the_data_is_seen_by_the_next_lookup(capsys, cache_dir, data_copy):
    code, out, _ = define(capsys, data_copy, "perceptron")
    assert code == 0 and "Perceptron" in out
    assert len(list(cache_dir.iterdir())) == 1  # compiled and kept
    replace_in(data_copy / "glossary.yaml", "short: A single artificial neuron", "short: Freshly edited, a neuron")
    code, out, _ = define(capsys, data_copy, "perceptron")
    assert code == 0 and "Freshly edited, a neuron" in out, out
    assert len(list(cache_dir.iterdir())) == 1  # one file per data folder, replaced


def test_an_edit_to_a_demo_changes_the_key(cache_dir, data_copy):
    before = glossary_cache.cache_key(data_copy)
    demo = next((data_copy.parent / "demos").glob("*.py"))
    demo.write_text(demo.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert glossary_cache.cache_key(data_copy) not in (None, before)


def test_the_same_answer_with_and_without_the_cache(capsys, cache_dir):
    data = ROOT / "data"
    cached = Path(glossary_cache.cache_file(data))
    answers = []
    for flags in (["dropout"], ["nesterov"], ["boltzmann"], ["transformer"], ["--list"], ["dropout", "--json"],
                  ["--list", "--json"]):
        cached.unlink(missing_ok=True)
        compiled_now = define(capsys, data, *flags)
        assert cached.is_file()
        from_cache = define(capsys, data, *flags)
        assert compiled_now == from_cache, flags
        answers.append(from_cache)
    assert json.loads(answers[5][1])["id"] == "dropout"
    assert json.loads(answers[6][1]) == json.loads(render.glossary_json(load_knowledge_or_raise(data)))
    assert answers[0][0] == 0 and answers[2][0] == 1 and "could mean" in answers[2][2]


def test_data_with_problems_is_reported_by_every_call_and_never_kept(capsys, cache_dir, data_copy):
    replace_in(data_copy / "glossary.yaml", "see_also: [", "see_also: [no-such-term, ")
    for _ in range(2):
        code, out, err = define(capsys, data_copy, "perceptron")
        assert code == 1 and out == "" and "no-such-term" in err and "problem(s) in the data" in err
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


@pytest.mark.parametrize("damage", [b"", b"garbage\n", b"truncated"])
def test_a_damaged_cache_file_is_compiled_again(capsys, cache_dir, data_copy, damage):
    expected = define(capsys, data_copy, "perceptron")
    path = Path(glossary_cache.cache_file(data_copy))
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2] if damage == b"truncated" else damage)
    assert define(capsys, data_copy, "perceptron") == expected
    assert glossary_cache.read(data_copy)[0] is not None  # written whole again
    assert abs(len(path.read_bytes()) - len(content)) < 16  # the same but for the time it was written


def test_a_cache_folder_that_cannot_be_written_changes_nothing_but_speed(capsys, tmp_path, monkeypatch,
                                                                        data_copy):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(glossary_cache.CACHE_ENV, str(blocker / "cache"))
    code, out, err = define(capsys, data_copy, "perceptron")
    assert code == 0 and "Perceptron" in out and err == ""


def test_a_pipe_in_place_of_a_data_file_gives_no_key_and_does_not_block(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.mkfifo(data / "glossary.yaml")
    assert glossary_cache.cache_key(data) is None


def test_a_lookup_from_the_cache_imports_nothing_heavy(cache_dir):
    """What keeps `define` near the interpreter's own start-up (benchmarks/bench.py measures it): with the
    glossary compiled, no YAML parser, loader, renderer, math converter, pathlib, shutil or dataclasses."""
    program = ("import sys; from nutshell.cli import main; code = main(['define', 'dropout']); "
               "print(sorted(sys.modules), file=sys.stderr); sys.exit(code)")
    env = dict(os.environ, NUTSHELL_DATA=str(ROOT / "data"))
    first = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
    assert "yaml" in first.stderr  # the first call compiles
    second = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
    assert second.stdout == first.stdout and "Dropout" in second.stdout
    loaded = set(eval(second.stderr.strip().splitlines()[-1]))  # noqa: S307 - our own list of names
    heavy = {"yaml", "nutshell.load", "nutshell.render", "nutshell.schema", "nutshell.math_text", "markdown",
             "pathlib", "shutil", "dataclasses", "typing", "json", "hashlib", "numpy", "torch"}
    assert not heavy & loaded, sorted(heavy & loaded)


def test_a_same_size_edit_in_the_same_second_is_still_seen(capsys, cache_dir, data_copy):
    """Times that did not move (a coarse clock, or set back) never hide an edit made soon after the cache
    was written: within 2 s of it the bytes decide, as git does for racily clean files."""
    define(capsys, data_copy, "perceptron")
    glossary = data_copy / "glossary.yaml"
    before = glossary.stat()
    replace_in(glossary, "short: A single artificial neuron", "short: A single artificial NEURON")
    os.utime(glossary, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same size and modification time
    code, out, _ = define(capsys, data_copy, "perceptron")
    assert code == 0 and "A single artificial NEURON" in out


def test_a_settled_cache_is_trusted_on_what_stat_says_a_fresh_one_on_the_bytes(capsys, cache_dir, data_copy,
                                                                             monkeypatch):
    define(capsys, data_copy, "perceptron")  # compiled now, from files copied just before: not settled yet
    read_bytes = []
    original_key = glossary_cache.cache_key
    monkeypatch.setattr(glossary_cache, "cache_key", lambda data_dir: read_bytes.append(1) or original_key(data_dir))
    assert define(capsys, data_copy, "perceptron")[0] == 0
    assert read_bytes  # within 2 s of the files' last write, the bytes decide

    monkeypatch.setattr(glossary_cache, "_RACY_NS", 0)  # as if the files had been written long before

    def must_not_read(data_dir):
        raise AssertionError("read the bytes although stat says nothing changed")

    monkeypatch.setattr(glossary_cache, "cache_key", must_not_read)
    code, out, _ = define(capsys, data_copy, "perceptron")
    assert code == 0 and "Perceptron" in out
