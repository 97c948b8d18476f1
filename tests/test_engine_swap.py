"""The site engine can be swapped: ProperDocs builds the same site, and every generated page is plain Python.

MkDocs 1.x is no longer developed and Material for MkDocs reaches end of life in May 2027. ProperDocs is the
maintained drop-in fork of MkDocs 1.x: it runs the same plugins (ours, Material, mkdocs-jupyter) because it
answers every ``import mkdocs.*`` with its own modules. These tests fail the day it stops building this site
exactly as MkDocs does, and they keep the way out open: the timeline, glossary, category, JSON and demo pages
are all made by functions that run with no site engine imported at all.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nutshell import render
from nutshell.schema import CATEGORIES
from tests.conftest import ROOT, fixture_site_config, last_good_site, replace_in, write_site_config

# Material writes the engine's name and version here; it is the one line allowed to differ.
GENERATOR_META = re.compile(rb'<meta name="generator" content="[^"]*">')


@pytest.fixture(scope="module")
def properdocs() -> None:
    if importlib.util.find_spec("properdocs") is None:
        pytest.fail("ProperDocs is not installed in this environment; it comes with the dev extra:"
                    " run `make setup`, or `pip install -e '.[dev]'`", pytrace=False)


def run_properdocs_build(config: Path, site_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`properdocs build --strict` in a subprocess (its own process: once real mkdocs modules are imported,
    ProperDocs cannot put its own in their place)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    return subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=cwd, capture_output=True, text=True, env=env, check=False,
    )


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site by its path, with the generator line taken out and gzip unpacked
    (a gzip header may carry the time it was written)."""
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        files[path.relative_to(site).as_posix()] = GENERATOR_META.sub(b"", data)
    return files


def test_properdocs_builds_the_same_site_as_mkdocs(
        properdocs, built_site: Path, site_port: int, tmp_path: Path):
    # Same config, same demo cache (so no demo runs again): any difference is the engine's.
    config = write_site_config(tmp_path, site_url=f"http://127.0.0.1:{site_port}/")
    site = tmp_path / "site"
    result = run_properdocs_build(config, site)
    assert result.returncode == 0, f"properdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    generator = GENERATOR_META.search((site / "index.html").read_bytes())
    assert generator is not None and b"ProperDocs" in generator.group(), "ProperDocs did not build this site"

    with_mkdocs, with_properdocs = site_files(built_site), site_files(site)
    assert sorted(with_properdocs) == sorted(with_mkdocs), (
        f"only MkDocs built {sorted(set(with_mkdocs) - set(with_properdocs))};"
        f" only ProperDocs built {sorted(set(with_properdocs) - set(with_mkdocs))}")
    differing = [name for name in with_mkdocs if with_mkdocs[name] != with_properdocs[name]]
    assert not differing, f"ProperDocs builds these files differently from MkDocs: {differing}"


def test_properdocs_stops_on_bad_data_with_file_and_line(properdocs, tmp_path: Path):
    config = fixture_site_config(tmp_path)
    replace_in(tmp_path / "data" / "milestones.yaml", "terms: [perceptron]", "terms: [perceptorn]")
    site = last_good_site(tmp_path)

    result = run_properdocs_build(config, site, cwd=tmp_path)

    assert result.returncode != 0
    problem = "milestones.yaml:19:11: terms: unknown term 'perceptorn' (did you mean 'perceptron'?)"
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in site.iterdir()] == ["previous.html"]


# Runs in a fresh interpreter in which importing any site engine or theme fails.
MAKE_PAGES_WITHOUT_AN_ENGINE = """
import json, sys
from pathlib import Path

ENGINES = ("mkdocs", "properdocs", "material", "mkdocs_jupyter")
for name in ENGINES:
    sys.modules[name] = None  # `import mkdocs...` now raises ImportError

from nutshell import render
from nutshell.demo_execution import build_demo
from nutshell.demo_pages import demos_index_markdown
from nutshell.demos import discover_demos
from nutshell.load import load_knowledge_or_raise

root, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
knowledge = load_knowledge_or_raise(root / "data", root / "demos")
demos = discover_demos(root / "demos")
pages = {**render.generated_pages(knowledge), "demos/index.md": demos_index_markdown(demos)}
notebooks = {}
for demo in demos:  # the site's build has just run them: each one must come from the cache
    result = build_demo(demo, project_root=root, cache_dir=cache_dir)
    notebooks[render.demo_page(demo.id)] = {"title": demo.title, "from_cache": result.from_cache,
                                            "notebook": result.notebook_path.read_text(encoding="utf-8")}
imported = sorted(name for name, module in sys.modules.items()
                  if module is not None and name.split(".")[0] in ENGINES)
json.dump({"pages": pages, "notebooks": notebooks, "imported": imported}, sys.stdout)
"""


@pytest.fixture(scope="module")
def pages_without_an_engine(built_site: Path) -> dict:
    """What the plain functions make from the project's data/ and demos/, with no site engine importable."""
    result = subprocess.run(
        [sys.executable, "-c", MAKE_PAGES_WITHOUT_AN_ENGINE, str(ROOT), str(ROOT / ".cache" / "demos")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"making the pages without MkDocs failed:\n{result.stderr}"
    return json.loads(result.stdout)


def test_generated_pages_are_made_without_any_site_engine(pages_without_an_engine: dict):
    assert pages_without_an_engine["imported"] == []
    expected = {render.TIMELINE_PAGE, render.GLOSSARY_PAGE, render.DISPUTES_PAGE, *map(render.category_page, CATEGORIES),
                f"{render.API_DIR}/glossary.json", f"{render.API_DIR}/milestones.json",
                f"{render.API_DIR}/disputes.json", "demos/index.md"}
    assert set(pages_without_an_engine["pages"]) == expected


def test_json_export_is_the_plain_functions_output_byte_for_byte(
        pages_without_an_engine: dict, built_site: Path):
    for name in (f"{render.API_DIR}/glossary.json", f"{render.API_DIR}/milestones.json"):
        assert (built_site / name).read_text(encoding="utf-8") == pages_without_an_engine["pages"][name], name


def test_each_markdown_page_is_the_page_the_site_shows(pages_without_an_engine: dict, built_site: Path):
    for name, markdown in pages_without_an_engine["pages"].items():
        if not name.endswith(".md"):
            continue
        page = (built_site / render.site_path(name) / "index.html").read_text(encoding="utf-8")
        heading = re.search(r"^# (.+)$", markdown, re.MULTILINE)
        assert heading, f"{name} has no heading"
        assert f">{heading.group(1)}<" in page, f"{name}: heading {heading.group(1)!r}"
        for anchor in re.findall(r"\{#([\w-]+)", markdown):  # every heading's id from data/
            assert f'id="{anchor}"' in page, f"{name}: #{anchor}"
        for target in re.findall(r"\]\(([^)\s]+)\)", markdown):  # every link reaches the page
            fragment = target.partition("#")[2]
            assert not fragment or f'#{fragment}"' in page, f"{name}: link to {target}"


def test_demo_pages_come_from_the_executed_notebooks_the_plain_functions_return(
        pages_without_an_engine: dict, built_site: Path):
    index = (built_site / "demos" / "index.html").read_text(encoding="utf-8")
    notebooks = pages_without_an_engine["notebooks"]
    assert notebooks, "no demos found"
    for name, notebook in notebooks.items():
        assert notebook["from_cache"], f"{name}: the plain build_demo would run it again; the plugin did not"
        cells = json.loads(notebook["notebook"])["cells"]
        page = (built_site / render.site_path(name) / "index.html").read_text(encoding="utf-8")
        for cell in cells:  # the cell ids of the executed notebook are the ids of the page's cells
            if cell.get("id"):
                assert f'id="cell-id={cell["id"]}"' in page, f"{name}: cell {cell['id']}"
        title = html.escape(notebook["title"], quote=False)
        assert title in index, f"the demo index does not list {notebook['title']!r}"
