"""nutshell.demo_build (discovery, fingerprint, execution, cache) and the nutshell-demos MkDocs plugin.

Uses tiny throw-away demos in a temporary project; each execution starts one kernel (about a second).
"""

import json
import textwrap
from pathlib import Path

import pytest

from nutshell import demo_build
from nutshell.demo_build import (
    DemoError,
    DemoExecutionError,
    build_demo,
    discover_demos,
    fingerprint,
    read_demo,
    slim_notebook_html,
)

TINY = """\
# %% [markdown]
# # Tiny demo
#
# Adds two numbers and leaves a mark.

# %%
from pathlib import Path

marks = Path("executions.txt")
marks.write_text(marks.read_text() + "x" if marks.exists() else "x")
print("answer", 40 + 2)
"""

FAILING = """\
# %% [markdown]
# # Failing demo
#
# Divides by zero in its third cell.

# %%
numerator = 1

# %%
denominator = 0
ratio = numerator / denominator
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    """A project root with demos/tiny.py; the kernel runs here, so executions.txt counts runs."""
    write(tmp_path / "demos" / "tiny.py", TINY)
    return tmp_path


@pytest.fixture
def stand_in_package(tmp_path, monkeypatch):
    """Fingerprint a small stand-in for the nutshell sources, so edits made to the real package while
    the tests run cannot turn an expected cache hit into a miss. Returns the stand-in's folder."""
    package = write(tmp_path / "stand-in" / "nutshell" / "nets" / "mlp.py", "LR = 2.0\n").parents[1]
    monkeypatch.setattr(demo_build, "package_root", lambda: package)
    return package


def executions(project: Path) -> int:
    marks = project / "executions.txt"
    return len(marks.read_text()) if marks.exists() else 0


def build(project: Path, name: str = "tiny"):
    demo = read_demo(project / "demos" / f"{name}.py")
    return build_demo(demo, project_root=project, cache_dir=project / ".cache" / "demos")


# ── discovery ───────────────────────────────────────────────────────────────────────


def test_discovery_reads_id_title_and_description(project):
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


# ── fingerprint ─────────────────────────────────────────────────────────────────────


def test_fingerprint_is_stable_and_covers_demo_source_and_versions(project, stand_in_package, monkeypatch):
    demo = project / "demos" / "tiny.py"
    base = fingerprint(demo)
    assert base == fingerprint(demo)
    assert fingerprint(demo, extra="other links") != base

    write(demo, TINY + "\n")
    assert fingerprint(demo) != base
    edited_demo = fingerprint(demo)

    write(stand_in_package / "nets" / "mlp.py", "LR = 1.0\n")
    assert fingerprint(demo) != edited_demo
    edited_source = fingerprint(demo)

    versions = demo_build.environment_versions()
    monkeypatch.setattr(demo_build, "environment_versions", lambda: {**versions, "torch": "99.0"})
    assert fingerprint(demo) != edited_source


def test_fingerprint_covers_every_package_source_file():
    files = demo_build.package_source_files()
    names = {f.relative_to(demo_build.package_root()).as_posix() for f in files}
    assert {"__init__.py", "demo_build.py", "nets/perceptron.py", "nets/deep.py"} <= names


# ── execution and cache ─────────────────────────────────────────────────────────────


def test_cache_hit_miss_and_invalidation(project, stand_in_package):
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

    # a change anywhere in the nutshell package source re-executes
    write(stand_in_package / "nets" / "mlp.py", "LR = 1.0\n")
    assert not build(project).from_cache and executions(project) == 3
    write(stand_in_package / "nets" / "new_module.py", "")
    assert not build(project).from_cache and executions(project) == 4
    assert build(project).from_cache and executions(project) == 4


def test_executed_notebook_says_what_it_ran_on_and_how_to_run_it(project, stand_in_package):
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


# ── slimming mkdocs-jupyter's page HTML ─────────────────────────────────────────────

RENDERED = """<script>/* clipboard */</script>
<style type="text/css">.highlight-ipynb { color: red }</style>
<style type="text/css">.jupyter-wrapper { --jp-x: 1 }</style>
<script src=""> </script>
<script type="text/x-mathjax-config">init_mathjax = function() {}</script>
<!-- Load mermaid -->
<script type="module">const m = await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/x.mjs");</script>
<style>.jp-Mermaid { display: none }</style>
<div class="jupyter-wrapper"><div class="jp-Notebook">
<style scoped>.dataframe td { color: blue }</style><p>output</p>
</div> <!-- jupyter-wrapper -->
<style>
        ['pre { line-height: 125%; }']
        </style>
"""


def test_slimming_moves_css_out_and_drops_cdn_loaders():
    html, css = slim_notebook_html(RENDERED)
    assert ".highlight-ipynb { color: red }" in css and "--jp-x" in css and ".jp-Mermaid" in css
    assert "<style type" not in html and "['pre" not in html
    assert "cdnjs" not in html and "mathjax" not in html and 'src=""' not in html and "Load" not in html
    assert "/* clipboard */" in html  # local scripts stay
    assert "<style scoped>.dataframe td { color: blue }</style>" in html  # output styles stay
    assert "<p>output</p>" in html and "dataframe" not in css


def test_slimming_leaves_unknown_layouts_alone():
    assert slim_notebook_html("<p>not a notebook</p>") is None
    assert demo_build.shared_css_path("a") != demo_build.shared_css_path("b")


# ── the MkDocs plugin, in a minimal site ────────────────────────────────────────────

MKDOCS_YML = """\
site_name: demo test
site_url: http://127.0.0.1:8000/
theme:
  name: material
  font: false
plugins:
  - nutshell-demos:
      demos_dir: demos
      order: [missing-demo, another]  # ids without a file are skipped
  - mkdocs-jupyter:
      execute: false
      allow_errors: false
      include: ["demos/*.ipynb"]
      ignore_h1_titles: true
nav:
  - Home: index.md
  - Demos:
      - demos/index.md
      - Tiny: demos/tiny.ipynb
"""


def mkdocs_build(project: Path):
    from mkdocs.commands.build import build as run_build
    from mkdocs.config import load_config

    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(project / "site"), strict=True)
    run_build(config)
    return project / "site"


@pytest.fixture
def site_project(project):
    write(project / "mkdocs.yml", MKDOCS_YML)
    write(project / "docs" / "index.md", "# Home\n")
    return project


def test_plugin_builds_demo_pages_downloads_and_index(site_project, stand_in_package, monkeypatch):
    monkeypatch.chdir(site_project)  # mkdocs-jupyter keeps its own cache relative to the working directory
    # not listed in mkdocs.yml's nav: the plugin appends it under Demos (a strict build would fail otherwise)
    write(site_project / "demos" / "another.py",
          "# %% [markdown]\n# # Another: a second demo\n#\n# Pipe | kept.\n")
    site = mkdocs_build(site_project)
    page = (site / "demos" / "tiny" / "index.html").read_text()
    assert "answer 42" in page and "About this run" in page
    assert len(page.encode()) < 100_000  # the ~600 KB of notebook CSS went to one shared file
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    (stylesheet,) = (site / "assets" / "stylesheets").glob("jupyter-*.css")
    assert f'href="../../assets/stylesheets/{stylesheet.name}"' in page
    assert (site / "downloads" / "tiny.py").read_text() == TINY
    download = json.loads((site / "downloads" / "tiny.ipynb").read_text())
    assert download["metadata"]["nutshell"]["demo"] == "tiny"
    index = (site / "demos" / "index.html").read_text()
    assert 'href="tiny/"' in index and "Adds two numbers and leaves a mark." in index
    assert index.index('href="tiny/"') < index.index('href="another/"')  # nav order: listed first
    assert "Pipe | kept." in index
    another = (site / "demos" / "another" / "index.html").read_text()
    assert "<title>Another - demo test</title>" in another  # nav title: the title up to its colon
    assert 'href="../tiny/"' in another  # in the sidebar, next to the listed demo

    mkdocs_build(site_project)  # second build: from the cache
    assert executions(site_project) == 1


def test_plugin_fails_the_build_when_a_demo_raises(site_project, monkeypatch, caplog):
    from mkdocs.exceptions import Abort

    monkeypatch.chdir(site_project)
    write(site_project / "demos" / "failing.py", FAILING)
    with pytest.raises(Abort):  # what `mkdocs build` turns a PluginError into
        mkdocs_build(site_project)
    assert "nutshell-demos: demo 'failing' failed:" in caplog.text
    assert "failing.py:11: cell 3 raised ZeroDivisionError: division by zero" in caplog.text
