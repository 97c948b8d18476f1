"""Shared fixtures: the small, valid data set in tests/fixtures and a writable copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _glossary_cache_of_this_session(tmp_path_factory):
    """`nutshell define` keeps a compiled glossary (nutshell.glossary_cache): the tests, and the commands
    they start, keep theirs in a folder of this session, never in the user's ~/.cache."""
    import os

    from nutshell.glossary_cache import CACHE_ENV

    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("glossary-cache"))
    yield
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before


def copy_fixture_project(folder: Path) -> Path:
    """A writable copy of the fixture project (data/ and demos/) in ``folder``; returns its data/ directory."""
    shutil.copytree(FIXTURES / "data", folder / "data")
    shutil.copytree(FIXTURES / "demos", folder / "demos")
    return folder / "data"


def fixture_site_config(folder: Path, **settings) -> Path:
    """:func:`copy_fixture_project` with a site config pointing at it; returns the config's path."""
    data = copy_fixture_project(folder)
    return write_site_config(folder, data_dir=data, demos_dir=folder / "demos", **settings)


def last_good_site(folder: Path) -> Path:
    """folder/site holding one page from a previous build, which a build that fails must leave alone."""
    site = folder / "site"
    site.mkdir()
    (site / "previous.html").write_text("the last good build", encoding="utf-8")
    return site


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture project (data/ and demos/); returns its data/ directory."""
    return copy_fixture_project(tmp_path)


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a fixture file in place; fails loudly if the text to replace is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_mkdocs_build(config: Path, site_dir: Path, cwd: Path = ROOT):
    """`mkdocs build --strict` in a subprocess (as `make build` runs it); returns the CompletedProcess."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=cwd, capture_output=True, text=True, env=env, check=False,
    )


def _nav_without_missing_demos(items: list, demos_dir: Path) -> list:
    """The nav, less the demo pages (and sections left empty) that a test project's demos/ does not have."""
    kept = []
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            value = _nav_without_missing_demos(value, demos_dir)
            if value:
                kept.append({next(iter(item)): value} if isinstance(item, dict) else value)
        elif str(value).startswith("demos/") and str(value).endswith(".ipynb"):
            if (demos_dir / (Path(value).stem + ".py")).is_file():
                kept.append(item)
        else:
            kept.append(item)
    return kept


def write_site_config(folder: Path, *, data_dir: Path = ROOT / "data", demos_dir: Path = ROOT / "demos",
                      site_url: str | None = None, demo_cache: Path = ROOT / ".cache" / "demos") -> Path:
    """mkdocs.yml with every path made absolute, written into ``folder``; returns its path.

    By default the demo cache stays the project's own (.cache/demos), so test builds reuse executed demos.
    """
    import yaml
    from yaml_env_tag import construct_env_tag  # MkDocs' own `!ENV` (site_url, repo_url): resolved here

    class ConfigLoader(yaml.SafeLoader):
        pass

    ConfigLoader.add_constructor("!ENV", construct_env_tag)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=ConfigLoader)  # noqa: S506
    config["docs_dir"] = str(ROOT / "docs")
    if site_url:
        config["site_url"] = site_url
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "nutshell" in plugin:
            plugin["nutshell"].update(data_dir=str(data_dir), demos_dir=str(demos_dir))
        if isinstance(plugin, dict) and "nutshell-demos" in plugin:
            plugin["nutshell-demos"].update(demos_dir=str(demos_dir), cache_dir=str(demo_cache))
    config["nav"] = _nav_without_missing_demos(config["nav"], Path(demos_dir))
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def site_port() -> int:
    """The port the built site is served on; the build's site_url uses it so instant navigation works."""
    return free_port()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, site_port) -> Path:
    """The real site, built once per test session with --strict (demos come from the execution cache)."""
    folder = tmp_path_factory.mktemp("site")
    config = write_site_config(folder, site_url=f"http://127.0.0.1:{site_port}/")
    site_dir = folder / "site"
    result = run_mkdocs_build(config, site_dir)
    assert result.returncode == 0, f"strict build failed:\n{result.stdout}\n{result.stderr}"
    return site_dir


@pytest.fixture(scope="session")
def site_url(built_site, site_port):
    """The built site served by a static file server on 127.0.0.1 (stopped at the end of the session)."""
    stop = serve_folder(built_site, site_port)
    try:
        yield f"http://127.0.0.1:{site_port}/"
    finally:
        stop()


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    """A strict build of tests/hostile_data.py: data that passes `check` but was written by an attacker."""
    from tests.hostile_data import write_hostile_project

    folder = tmp_path_factory.mktemp("hostile")
    data = write_hostile_project(folder, FIXTURES)
    config = write_site_config(folder, data_dir=data, demos_dir=folder / "demos",
                               demo_cache=folder / "cache" / "demos")
    site_dir = folder / "site"
    result = run_mkdocs_build(config, site_dir)
    assert result.returncode == 0, f"strict build of hostile data failed:\n{result.stdout}\n{result.stderr}"
    return site_dir


def serve_folder(folder: Path, port: int):
    """A static file server for ``folder`` on 127.0.0.1:port in a thread; returns a function that stops it."""
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output readable
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return stop


@pytest.fixture(scope="session")
def hostile_site_url(hostile_site):
    port = free_port()
    stop = serve_folder(hostile_site, port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop()
