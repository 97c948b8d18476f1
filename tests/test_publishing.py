"""Publishing: the site's address and source link are build settings; the reader is told where things are.

The address the site is published at (``NUTSHELL_SITE_URL``, `make build SITE_URL=…`) goes into canonical
links and sitemap.xml, and the CLI's "Page:" lines follow the same setting; unset, it is `make serve`'s
local address. These builds use the small fixture data with the project's own ``site_url`` and ``repo_url``
lines from mkdocs.yml, so that MkDocs itself reads the environment, as `make build` has it do.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
import yaml

from nutshell import cli, render
from tests.conftest import ROOT, fixture_site_config, free_port

PUBLISHED = "https://example.org/nutshell/"
REPOSITORY = "https://codeberg.org/example/nutshell"
SETTINGS = ("NUTSHELL_SITE_URL", "NUTSHELL_REPO_URL")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def config_line(key: str) -> str:
    """The line of the project's mkdocs.yml that sets ``key``, exactly as written there."""
    match = re.search(rf"^{key}:.*$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert match, f"mkdocs.yml sets no {key}"
    return match.group()


def fixture_project(folder: Path) -> Path:
    """The fixture project with a site config that keeps mkdocs.yml's own site_url/repo_url lines."""
    config = fixture_site_config(folder, demo_cache=folder / "cache" / "demos")
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    del settings["nav"]  # it names the real demos; the fixture has one, and MkDocs lists the pages itself
    text = yaml.safe_dump(settings, sort_keys=False)
    for key in ("site_url", "repo_url"):  # write_site_config resolved the !ENV tags: put them back
        text = re.sub(rf"^{key}:.*$", lambda _, key=key: config_line(key), text, count=1, flags=re.M)
    config.write_text(text, encoding="utf-8")
    return config


def settings_environment(environment: dict[str, str]) -> dict[str, str]:
    """This process's environment with exactly the given publishing settings."""
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    return env | environment | {"NO_MKDOCS_2_WARNING": "1"}


def build_fixture_site(folder: Path, environment: dict[str, str]) -> Path:
    """Strict build of :func:`fixture_project` with the given settings in the environment; returns site/."""
    config = fixture_project(folder)
    env = settings_environment(environment)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(folder / "site")],
        cwd=folder, capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, f"strict build failed:\n{result.stdout}\n{result.stderr}"
    return folder / "site"


@pytest.fixture(scope="module")
def published_site(tmp_path_factory) -> Path:
    """Built as `make build SITE_URL=https://example.org/nutshell/ NUTSHELL_REPO_URL=…` builds it."""
    return build_fixture_site(tmp_path_factory.mktemp("published"),
                              {"NUTSHELL_SITE_URL": PUBLISHED, "NUTSHELL_REPO_URL": REPOSITORY})


@pytest.fixture(scope="module")
def local_site(tmp_path_factory) -> Path:
    """Built with neither setting, as a plain `make build` in a clean environment."""
    return build_fixture_site(tmp_path_factory.mktemp("local"), {})


def pages(site: Path) -> dict[str, Path]:
    """Every page of a built site by the path it is published under ("" for the home page)."""
    found = {}
    for page in site.rglob("index.html"):
        folder = page.parent.relative_to(site).as_posix()
        found["" if folder == "." else folder + "/"] = page
    return found


def canonical(page: Path) -> str:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', page.read_text(encoding="utf-8"))
    assert match, f"{page} has no canonical link"
    return match.group(1)


def sitemap_locations(site: Path) -> list[str]:
    tree = ElementTree.parse(site / "sitemap.xml")
    return [loc.text for loc in tree.iter(f"{SITEMAP}loc")]


# ── The address ───────────────────────────────────────────────────────────────


def test_mkdocs_yml_reads_the_address_from_the_environment_with_the_clis_default():
    assert config_line("site_url") == f'site_url: !ENV [{cli.SITE_URL_ENV}, "{cli.DEFAULT_SITE_URL}"]'
    assert config_line("repo_url") == "repo_url: !ENV NUTSHELL_REPO_URL"


@pytest.mark.parametrize("which, address", [("published_site", PUBLISHED),
                                            ("local_site", cli.DEFAULT_SITE_URL)])
def test_canonical_links_and_the_sitemap_name_the_address_of_the_build(request, which, address):
    site = request.getfixturevalue(which)
    published = pages(site)
    assert len(published) >= 8  # home, about, api, contributing, timeline, glossary (+ categories), demos
    for path, page in published.items():
        assert canonical(page) == address + path, path
    locations = sitemap_locations(site)
    assert sorted(locations) == sorted(address + path for path in published)
    other = PUBLISHED if address != PUBLISHED else cli.DEFAULT_SITE_URL
    for page in published.values():
        assert f'href="{other}' not in page.read_text(encoding="utf-8"), page


def test_the_cli_page_line_is_an_address_the_same_build_publishes(published_site, monkeypatch):
    monkeypatch.setenv("NUTSHELL_SITE_URL", PUBLISHED)
    project = published_site.parent  # its mkdocs.yml holds the same !ENV line as the project's
    url = cli.site_url(project / "data") + render.site_path(render.GLOSSARY_PAGE) + "#backpropagation"
    assert url == f"{PUBLISHED}glossary/#backpropagation"
    path, anchor = urldefrag(url[len(PUBLISHED):])
    page = pages(published_site)[path]
    assert canonical(page) + "#" + anchor == url
    assert f'id="{anchor}"' in page.read_text(encoding="utf-8")


def test_links_between_pages_are_relative_so_the_files_work_at_any_path(published_site):
    prefix = urlsplit(PUBLISHED).path
    for path, page in pages(published_site).items():
        for target in LinkCollector.of(page).hrefs:
            assert not target.startswith((prefix, PUBLISHED)), f"{path}: {target} only works at {PUBLISHED}"


@pytest.mark.parametrize("environment, mount", [({}, "/"), ({"NUTSHELL_SITE_URL": PUBLISHED}, "/nutshell/")])
def test_serve_gives_the_pages_the_address_it_serves_them_at_on_any_port(tmp_path, environment, mount):
    """`make serve PORT=…`: canonical links and sitemap.xml name the served port, as instant navigation needs;
    a published address under a sub-path is served under that path."""
    config = fixture_project(tmp_path)
    port = free_port()
    served = f"http://127.0.0.1:{port}{mount}"
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-f", str(config),
         "-a", f"127.0.0.1:{port}"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=settings_environment(environment),
    )
    try:
        about = fetch(served + "about/", seconds=90)
        sitemap = fetch(served + "sitemap.xml", seconds=10)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert f'<link rel="canonical" href="{served}about/">' in about
    locations = [loc.text for loc in ElementTree.fromstring(sitemap).iter(f"{SITEMAP}loc")]
    assert locations and all(loc.startswith(served) for loc in locations), locations[:3]


def fetch(url: str, seconds: float) -> str:
    """The body at ``url``, retried until the server answers or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


# ── The source link ───────────────────────────────────────────────────────────


def test_the_header_links_the_source_when_the_build_names_it(published_site, local_site):
    for page in pages(published_site).values():
        assert f'<a href="{REPOSITORY}" title="Go to repository" class="md-source"' in page.read_text("utf-8")
    for page in pages(local_site).values():
        assert 'class="md-source"' not in page.read_text(encoding="utf-8"), page


# ── What the reader is told ───────────────────────────────────────────────────


class LinkCollector(HTMLParser):
    """href of every <a> inside the page's article (the header, navigation and footer are Material's)."""

    def __init__(self):
        super().__init__()
        self.articles, self.hrefs = 0, []

    @classmethod
    def of(cls, page: Path) -> LinkCollector:
        collector = cls()
        collector.feed(page.read_text(encoding="utf-8"))
        return collector

    def handle_starttag(self, tag, attrs):
        self.articles += tag == "article"
        href = dict(attrs).get("href")
        if self.articles and tag == "a" and href:
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        self.articles -= tag == "article"


def resolves(site: Path, page_path: str, href: str) -> bool:
    """Whether a relative link from the page at ``page_path`` reaches a file of the site (and its anchor)."""
    target, anchor = urldefrag(urljoin("http://site/" + page_path, href))
    relative = urlsplit(target).path.lstrip("/")
    file = site / relative / "index.html" if relative.endswith("/") or not relative else site / relative
    if not file.is_file():
        return False
    return not anchor or f'id="{anchor}"' in file.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("page_path, at_least", [("", 5), ("about/", 5)])
def test_every_link_of_the_home_and_about_pages_resolves(local_site, page_path, at_least):
    page = pages(local_site)[page_path]
    links = [href for href in LinkCollector.of(page).hrefs if not urlsplit(href).scheme]
    assert len(links) >= at_least, links
    broken = [href for href in links if not resolves(local_site, page_path, href)]
    assert not broken, f"{page_path or 'home'}: {broken}"


def test_the_home_page_says_how_to_run_it_and_where_the_rest_is(local_site):
    page = pages(local_site)[""].read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for needed in ("make serve", "make test", ".venv/bin/nutshell", "README", "for download"):
        assert needed in text, needed
    for link in ('href="demos/"', 'href="api/"', 'href="contributing/"'):
        assert link in page, link
    assert "See the project's README for installation" not in text  # a pointer with nowhere to go


def test_the_about_page_names_and_links_the_article_the_project_grew_from(local_site):
    text = pages(local_site)["about/"].read_text(encoding="utf-8")
    assert "Tim Dettmers" in text
    assert "<em>Deep Learning in a Nutshell</em> (part 2): <em>History and Training</em>" in text
    assert 'href="https://developer.nvidia.com/blog/deep-learning-nutshell-history-training/"' in text
    assert "16 December 2015" in text


def test_the_readme_documents_publishing_and_every_setting_it_names():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "## Publishing the site" in readme
    assert "make build SITE_URL=https://example.org/nutshell/" in readme
    assert "make serve PORT=8001" in readme
    for setting in ("NUTSHELL_SITE_URL", "NUTSHELL_REPO_URL"):
        assert setting in readme and setting in (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), setting
    assert re.search(r"^SITE_URL \?=", makefile, re.M) and re.search(r"^PORT \?= 8000$", makefile, re.M)
    assert "--dev-addr 127.0.0.1:$(PORT)" in makefile
    assert "export NUTSHELL_SITE_URL := $(SITE_URL)" in makefile


def test_make_passes_the_address_to_the_build_and_the_port_to_the_server(tmp_path):
    """The Makefile's settings as its recipes see them (a probe target beside it: nothing is built)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    probe = tmp_path / "probe.mk"
    probe.write_text(f"include {ROOT / 'Makefile'}\nprobe:\n\t@echo \"[$$NUTSHELL_SITE_URL] $(PORT)\"\n",
                     encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if name not in (*SETTINGS, "SITE_URL", "PORT")}

    def make(*argv):
        return subprocess.run(["make", "--no-print-directory", "-f", str(probe), *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False).stdout

    assert make("probe").strip() == "[] 8000"
    assert make("probe", f"SITE_URL={PUBLISHED}", "PORT=8123").strip() == f"[{PUBLISHED}] 8123"


# ── Recorded runs: what exists, and how to add one ────────────────────────────


def test_data_runs_exists_and_says_how_a_run_is_added():
    from nutshell.alexnet.records import REQUIRED_FIELDS, load_records

    readme = (ROOT / "data" / "runs" / "README.md").read_text(encoding="utf-8")
    for field in REQUIRED_FIELDS:
        assert f"`{field}`" in readme, field
    for step in ("benchmarks/alexnet_gpu.sh", "--record-dir data/runs", "cp runs-out/*.json data/runs/"):
        assert step in readme, step
    records, problems = load_records(ROOT / "data" / "runs")
    assert not problems
    if not records:  # the README must not promise runs that are not there
        assert "None has been recorded yet" in readme


def test_the_alexnet_page_says_what_exists_without_records_and_shows_them_when_there_are():
    from nutshell.alexnet.records import recorded_runs_markdown

    none = recorded_runs_markdown([], 400.0)
    assert none.startswith("**No GPU run has been recorded for this site yet**")
    for step in ("benchmarks/alexnet_gpu.sh", "`data/runs/`", "`data/runs/README.md`"):
        assert step in none, step
    record = {"kind": "bench", "variant": "eager-bf16", "batch_size": 128, "date": "2026-03-01T12:00:00Z",
              "device": "NVIDIA H100", "images_per_s": 8000.0, "accuracy": None,
              "command": "nutshell alexnet bench", "git_commit": "0123456789abcdef", "git_dirty": False}
    table = recorded_runs_markdown([record], 400.0)
    assert "| 2026-03-01 | bench eager-bf16, batch 128 | NVIDIA H100 | 8,000 | 20.0 |" in table


def test_the_built_alexnet_page_and_demo_index_promise_only_what_exists(built_site):
    """Without records the page says so in the helper's words, and no page promises runs that are not there."""
    from nutshell.alexnet.records import load_records

    records, _ = load_records(ROOT / "data" / "runs")
    alexnet = html.unescape(re.sub(r"<[^>]+>", "", (built_site / "demos" / "alexnet" / "index.html")
                                   .read_text(encoding="utf-8")))
    index = html.unescape(re.sub(r"<[^>]+>", "", (built_site / "demos" / "index.html").read_text(encoding="utf-8")))
    for text in (alexnet, index):
        assert "today's hardware" not in text
        assert "No recorded runs yet" not in text
    if not records:
        assert "No GPU run has been recorded for this site yet" in alexnet
        assert "benchmarks/alexnet_gpu.sh" in alexnet
    assert "the CPU that builds this page" in index
