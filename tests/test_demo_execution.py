"""nutshell.demo_execution: the fingerprint, executing a demo, the cache and the error messages.

Uses tiny throw-away demos in a temporary project; each execution starts one kernel (about a second).
"""

import json
from pathlib import Path

import pytest

from demo_projects import FAILING, TINY, executions, stand_in_package, tiny_project, write
from nutshell import demo_execution
from nutshell.demo_execution import build_demo, fingerprint
from nutshell.demos import DemoExecutionError, read_demo
from tests.conftest import ROOT


@pytest.fixture
def project(tmp_path):
    return tiny_project(tmp_path)


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    return stand_in_package(tmp_path, monkeypatch)


def build(project: Path, name: str = "tiny"):
    demo = read_demo(project / "demos" / f"{name}.py")
    return build_demo(demo, project_root=project, cache_dir=project / ".cache" / "demos")


# ── fingerprint ─────────────────────────────────────────────────────────────────────


USES_MLP = """\
# %% [markdown]
# # Uses mlp

# %%
from nutshell.nets.mlp import LR
print(LR)
"""


def test_fingerprint_is_stable_and_covers_demo_source_and_versions(project, stand_in, monkeypatch):
    demo = write(project / "demos" / "uses-mlp.py", USES_MLP)
    base = fingerprint(demo)
    assert base == fingerprint(demo)
    assert fingerprint(demo, extra="other links") != base

    write(demo, USES_MLP + "\n")
    assert fingerprint(demo) != base
    edited_demo = fingerprint(demo)

    write(stand_in / "nets" / "mlp.py", "LR = 1.0\n")
    assert fingerprint(demo) != edited_demo
    edited_source = fingerprint(demo)

    versions = demo_execution.environment_versions()
    monkeypatch.setattr(demo_execution, "environment_versions", lambda: {**versions, "torch": "99.0"})
    assert fingerprint(demo) != edited_source


def test_fingerprint_covers_what_the_demo_imports_and_nothing_else(project, stand_in):
    demo = write(project / "demos" / "uses-mlp.py", USES_MLP)
    write(stand_in / "nets" / "mlp.py", "LR = 2.0\n\ndef helper():\n    from nutshell.nets import shared\n")
    write(stand_in / "nets" / "shared.py", "X = 1\n")
    write(stand_in / "nets" / "unrelated.py", "Y = 1\n")
    base = fingerprint(demo)
    write(stand_in / "nets" / "unrelated.py", "Y = 2\n")  # imported by nothing the demo runs
    assert fingerprint(demo) == base
    write(stand_in / "nets" / "shared.py", "X = 2\n")  # imported inside a function of what it imports
    assert fingerprint(demo) != base
    sources, _ = demo_execution.imported_sources(demo)
    assert {p.relative_to(stand_in).as_posix() for p in sources} == {"nets/mlp.py", "nets/shared.py"}


def test_fingerprint_covers_the_input_files_a_module_declares(project, stand_in):
    demo = write(project / "demos" / "uses-mlp.py", USES_MLP)
    write(stand_in / "nets" / "mlp.py", 'LR = 2.0\nDEMO_INPUTS = ("data/runs/*.json",)\n')
    base = fingerprint(demo)
    write(project / "data" / "runs" / "README.md", "how to add a run\n")  # not an input
    assert fingerprint(demo) == base
    record = write(project / "data" / "runs" / "run-1.json", "{}\n")
    with_record = fingerprint(demo)
    assert with_record != base
    record.write_text('{"images_per_s": 1}\n')
    assert fingerprint(demo) != with_record


def test_the_real_demos_depend_on_their_own_modules_and_the_alexnet_page_on_its_records():
    def names(demo_id: str) -> set[str]:
        sources, _ = demo_execution.imported_sources(ROOT / "demos" / f"{demo_id}.py")
        return {p.relative_to(demo_execution.package_root()).as_posix() for p in sources}

    xor = names("xor")
    assert {"__init__.py", "demo_execution.py", "demos.py", "nets/perceptron.py", "nets/mlp.py"} <= xor
    assert not any(name.startswith("alexnet/") for name in xor)
    assert not {"demo_pages.py", "cli.py", "render.py", "nets/landscapes.py"} & xor
    assert {"alexnet/records.py", "alexnet/train/__init__.py", "nets/alexnet.py"} <= names("alexnet")
    assert demo_execution.imported_sources(ROOT / "demos" / "alexnet.py")[1] == ["data/runs/*.json"]


# ── execution and cache ─────────────────────────────────────────────────────────────


def test_cache_hit_miss_and_invalidation(project, stand_in):
    first = build(project)
    assert not first.from_cache and executions(project) == 1
    notebook = json.loads(first.notebook_path.read_text())
    assert first.notebook_path == project / ".cache" / "demos" / "tiny.ipynb"
    printed = "".join("".join(o.get("text", [])) for c in notebook["cells"] for o in c.get("outputs", []))
    assert "answer 42" in printed

    again = build(project)  # nothing changed: reuse, do not run
    assert again.from_cache and executions(project) == 1

    write(project / "demos" / "tiny.py", TINY + "\n# %%\nprint('one more cell')\n")
    assert not build(project).from_cache and executions(project) == 2  # demo bytes changed
    assert build(project).from_cache and executions(project) == 2

    # a module the demo does not import (tiny imports none) leaves it be; a change to the runner re-executes
    write(stand_in / "nets" / "mlp.py", "LR = 1.0\n")
    write(stand_in / "nets" / "new_module.py", "")
    assert build(project).from_cache and executions(project) == 2
    write(stand_in / "demos.py", "# how a script becomes a notebook\n")
    assert not build(project).from_cache and executions(project) == 3
    assert build(project).from_cache and executions(project) == 3


def test_executed_notebook_says_what_it_ran_on_and_how_to_run_it(project, stand_in):
    result = build(project)
    notebook = json.loads(result.notebook_path.read_text())
    info = notebook["metadata"]["nutshell"]
    assert info["demo"] == "tiny" and info["fingerprint"] == fingerprint(
        project / "demos" / "tiny.py", extra="download_prefix=../../downloads/"
    )
    assert info["versions"]["numpy"] and info["machine"]["cpu"]
    assert 0 <= info["wall_seconds"] == result.seconds
    footer = "".join(notebook["cells"][-1]["source"])
    assert notebook["cells"][-1]["cell_type"] == "markdown"
    for expected in ("## About this run", info["executed_at"][:10], "numpy", "torch", "Python",
                     "nutshell demo run tiny", "python demos/tiny.py",
                     "(../../downloads/tiny.py)", "(../../downloads/tiny.ipynb)"):
        assert expected in footer
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_failing_demo_names_file_line_and_cell_and_caches_nothing(tmp_path):
    write(tmp_path / "demos" / "failing.py", FAILING)
    with pytest.raises(DemoExecutionError) as error:
        build(tmp_path, "failing")
    message = str(error.value)
    first_line = message.splitlines()[0]
    assert "failing.py:11: cell 3 raised ZeroDivisionError: division by zero" in first_line
    assert "ratio = numerator / denominator" in message
    assert "Traceback" not in message and "\x1b[" not in message
    assert error.value.cell_number == 3 and error.value.line == 11
    assert not (tmp_path / ".cache" / "demos" / "failing.ipynb").exists()
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".ipynb", ".tmp")]


def test_a_cell_that_runs_too_long_is_stopped(tmp_path):
    write(tmp_path / "demos" / "slow.py",
          "# %% [markdown]\n# # Slow\n#\n# Sleeps.\n\n# %%\nimport time\ntime.sleep(30)\n")
    demo = read_demo(tmp_path / "demos" / "slow.py")
    with pytest.raises(DemoExecutionError, match=r"slow.py:6: cell 2 did not finish within 2 s"):
        build_demo(demo, project_root=tmp_path, cache_dir=tmp_path / ".cache" / "demos", cell_timeout=2)


# ── nothing but the demo's own output reaches the page ───────────────────────────────


WARNS = """\
# %% [markdown]
# # Warns
#
# Prints, then lets a library warn.

# %%
print("fine so far")

# %%
import warnings

warnings.warn("IProgress not found")
"""

PRINTS_A_PATH = """\
# %% [markdown]
# # Path
#
# Shows where it runs.

# %%
from pathlib import Path

print("working in", Path.cwd())
"""


def test_a_demo_that_writes_to_stderr_fails_naming_demo_and_cell_and_caches_nothing(tmp_path):
    write(tmp_path / "demos" / "warns.py", WARNS)
    with pytest.raises(DemoExecutionError) as error:
        build(tmp_path, "warns")
    first_line = str(error.value).splitlines()[0]
    assert "warns.py:9: cell 3 wrote to stderr" in first_line and "IProgress not found" in first_line
    assert error.value.cell_number == 3
    assert not (tmp_path / ".cache" / "demos" / "warns.ipynb").exists()


def test_a_demo_that_prints_a_local_path_fails(tmp_path):
    write(tmp_path / "demos" / "path.py", PRINTS_A_PATH)
    with pytest.raises(DemoExecutionError, match=r"path.py:6: cell 2 printed a path of this machine"):
        build(tmp_path, "path")


def test_local_paths_cover_project_environment_and_home(tmp_path):
    import sys

    paths = demo_execution.local_paths(tmp_path)
    assert str(tmp_path.resolve()) in paths and sys.prefix in paths and str(Path.home()) in paths
    assert "/" not in paths and all(len(p) > 1 for p in paths)


# ── several demos at once ───────────────────────────────────────────────────────────


def test_demos_run_side_by_side_in_one_thread_each_with_results_in_order(tmp_path, stand_in):
    threads = """\
# %% [markdown]
# # Threads {n}
#
# Reports its thread settings.

# %%
import os, time
time.sleep(1.5)
print("threads", os.environ["OMP_NUM_THREADS"], "demo {n}")
"""
    for n in (1, 2, 3):
        write(tmp_path / "demos" / f"threads-{n}.py", threads.format(n=n))
    write(tmp_path / "demos" / "failing.py", FAILING)
    demos = [read_demo(tmp_path / "demos" / f"{name}.py")
             for name in ("threads-3", "failing", "threads-1", "threads-2")]
    started = []
    outcomes = demo_execution.build_demos(demos, project_root=tmp_path, cache_dir=tmp_path / ".cache" / "demos",
                                          workers=2, on_start=started.append)
    assert [d.id for d in started[0]] == ["threads-3", "failing", "threads-1", "threads-2"]
    assert [type(o).__name__ for o in outcomes] == ["BuildResult", "DemoExecutionError", "BuildResult",
                                                    "BuildResult"]
    assert "failing.py:11: cell 3 raised ZeroDivisionError" in str(outcomes[1])
    for demo, outcome in zip(demos, outcomes):
        if demo.id.startswith("threads"):
            notebook = json.loads(outcome.notebook_path.read_text())
            printed = "".join("".join(o.get("text", [])) for c in notebook["cells"] for o in c.get("outputs", []))
            assert f"threads 1 demo {demo.id[-1]}" in printed  # its own output, one BLAS/OpenMP thread
    # all from the cache the second time, nothing started
    started.clear()
    again = demo_execution.build_demos(demos[:1] + demos[2:], project_root=tmp_path,
                                       cache_dir=tmp_path / ".cache" / "demos", workers=2, on_start=started.append)
    assert all(o.from_cache for o in again) and not started
