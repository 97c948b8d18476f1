"""The nutshell-demos MkDocs plugin, in a minimal site with a tiny demo (one kernel per execution)."""

import json
from pathlib import Path

import pytest

from demo_projects import FAILING, TINY, executions, stand_in_package, tiny_project, write

MKDOCS_YML = """\
site_name: demo test
site_url: http://127.0.0.1:8000/
theme:
  name: material
  font: false
plugins:
  - search
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
def site_project(tmp_path, monkeypatch):
    project = tiny_project(tmp_path)
    stand_in_package(tmp_path, monkeypatch)
    write(project / "mkdocs.yml", MKDOCS_YML)
    write(project / "docs" / "index.md", "# Home\n")
    monkeypatch.chdir(project)  # mkdocs-jupyter keeps its own cache relative to the working directory
    return project


def test_plugin_builds_demo_pages_downloads_and_index(site_project):
    # not listed in mkdocs.yml's nav: the plugin appends it under Demos (a strict build would fail otherwise)
    write(site_project / "demos" / "another.py",
          "# %% [markdown]\n# # Another: a second demo\n#\n# Pipe | kept.\n")
    site = mkdocs_build(site_project)
    page = (site / "demos" / "tiny" / "index.html").read_text()
    assert "answer 42" in page and "About this run" in page
    assert len(page.encode()) < 40_000  # no inline notebook CSS: a small shared stylesheet instead
    assert "cdnjs" not in page and "mathjax" not in page.lower() and "jp-InputPrompt" not in page
    (stylesheet,) = (site / "assets" / "stylesheets").glob("demo-pages-*.css")
    assert f'href="../../assets/stylesheets/{stylesheet.name}"' in page
    assert stylesheet.stat().st_size < 12_000
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


def test_plugin_fails_the_build_when_a_demo_raises(site_project, caplog):
    from mkdocs.exceptions import Abort

    write(site_project / "demos" / "failing.py", FAILING)
    with pytest.raises(Abort):  # what `mkdocs build` turns a PluginError into
        mkdocs_build(site_project)
    assert "nutshell-demos: demo 'failing' failed:" in caplog.text
    assert "failing.py:11: cell 3 raised ZeroDivisionError: division by zero" in caplog.text


# ── figures, formulas, headings and search on a demo page ─────────────────────────────

FIGURES = """\
# %% [markdown]
# # Figures and formulas
#
# Draws two figures.
#
# ## The update
#
# With learning rate $\\eta$ the step is $v \\leftarrow \\mu v - \\eta g$, nothing more.

# %%
import matplotlib.pyplot as plt

from nutshell import figures

figures.apply_style()
fig, ax = plt.subplots(figsize=(4, 2))
ax.plot([0, 1, 2, 3], [9, 4, 1, 0])
ax.set(xlabel="step", ylabel="loss", title="loss falls")
figures.show(fig, "loss", description="The loss falls from 9 to 0 in three steps.")
print("import-free output line")

# %%
fig, ax = plt.subplots(figsize=(3, 3))
ax.imshow([[0, 1] * 20, [1, 0] * 20] * 20)
ax.set(title="a checkerboard")
figures.show(fig, "board")  # no description: one is made from the figure's own words
"""


def test_demo_page_figures_are_files_with_descriptions_and_search_reads_the_prose(site_project):
    import re

    from nutshell.demo_pages import PLACEHOLDER_ALT

    (site_project / "demos" / "tiny.py").unlink()
    write(site_project / "mkdocs.yml", MKDOCS_YML.replace("Tiny: demos/tiny.ipynb", "demos/figures.ipynb"))
    write(site_project / "demos" / "figures.py", FIGURES)
    site = mkdocs_build(site_project)
    page = (site / "demos" / "figures" / "index.html").read_text()

    assert "data:image" not in page and PLACEHOLDER_ALT not in page
    images = [(link, dict(re.findall(r'(\w+)="([^"]*)"', img)))
              for link, img in re.findall(r'<a href="([^"]+)"[^>]*>(<img [^>]*>)</a>', page)]
    assert len(images) == 2, images
    (loss_href, loss), (board_href, board) = images
    loss_src, loss_alt, width, height, board_alt = loss["src"], loss["alt"], loss["width"], loss["height"], \
        board["alt"]
    assert loss["loading"] == "lazy" and board["src"] == board_href
    assert loss_href == loss_src and re.fullmatch(r"figures/loss\.[0-9a-f]{10}\.svg", loss_src)
    assert loss_alt == "The loss falls from 9 to 0 in three steps." and int(width) > 300 and int(height) > 150
    assert "checkerboard" in board_alt.lower() and board_href.startswith("figures/board.")
    for href in (loss_href, board_href):
        assert (site / "demos" / "figures" / href).stat().st_size > 1000
    assert (site / "demos" / "figures" / loss_href).read_bytes().startswith(b"<?xml")

    # headings link to themselves the way the rest of the site does; formulas are MathML
    assert 'class="anchor-link"' not in page and 'class="headerlink" href="#the-update"' in page
    assert re.search(r"<math data-search-exclude[^>]*>", page) and "$" not in page.split("The update")[1][:300]

    index = json.loads((site / "search" / "search_index.json").read_text())
    entries = [d for d in index["docs"] if d["location"].startswith("demos/figures/")]
    assert entries and not [d["title"] for d in entries if "¶" in d["title"]]
    text = " ".join(d["text"] for d in entries)
    assert "v ← μ v − η g" in text or "v ← μ v - η g" in text, text
    assert "import" not in text and "figures.show" not in text and "output line" not in text


def test_a_figure_without_a_description_fails_the_strict_build(site_project, caplog):
    from mkdocs.exceptions import Abort

    write(site_project / "demos" / "tiny.py", TINY + """
# %%
import matplotlib.pyplot as plt

plt.plot([0, 1], [1, 0])
plt.show()
""")
    with pytest.raises(Abort):
        mkdocs_build(site_project)
    assert "tiny.py: cell 3: figure 1 has no description" in caplog.text
