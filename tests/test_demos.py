"""nutshell.demos: finding the demos and reading their id, title and description."""

import pytest

from demo_projects import TINY, tiny_project, write
from nutshell.demos import DemoError, discover_demos


def test_discovery_reads_id_title_and_description(tmp_path):
    project = tiny_project(tmp_path)
    write(project / "demos" / "_helpers.py", "x = 1\n")  # private: not a demo
    (demo,) = discover_demos(project / "demos")
    assert demo.id == "tiny"
    assert demo.title == "Tiny demo"
    assert demo.description == "Adds two numbers and leaves a mark."


def test_discovery_reports_every_bad_demo_at_once(tmp_path):
    write(tmp_path / "demos" / "Bad_Name.py", TINY)
    write(tmp_path / "demos" / "no-title.py", "# %% [markdown]\n# Just prose.\n")
    write(tmp_path / "demos" / "no-prose.py", "# %%\nx = 1\n")
    with pytest.raises(DemoError) as error:
        discover_demos(tmp_path / "demos")
    message = str(error.value)
    assert "Bad_Name.py: demo file names must be lowercase kebab-case" in message
    assert "no-title.py: its first Markdown cell has no '# Title' heading" in message
    assert "no-prose.py:1: no '# %% [markdown]' cell" in message


def test_missing_demo_directory(tmp_path):
    with pytest.raises(DemoError, match="demo directory not found"):
        discover_demos(tmp_path / "nowhere")
