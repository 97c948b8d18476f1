"""MkDocs plugin ``nutshell-demos``: executed demo notebooks, their downloads and the demo index.

A thin adapter over :mod:`nutshell.demo_build`. On every build it

1. executes each ``demos/<id>.py`` (or reuses the cached run when its fingerprint is unchanged) and
   adds the executed notebook as ``demos/<id>.ipynb`` — a real file in ``.cache/demos/`` that the
   ``mkdocs-jupyter`` plugin, listed after this one, renders without executing it again;
2. adds ``downloads/<id>.py`` and ``downloads/<id>.ipynb``;
3. generates the page ``demos/index.md`` listing every demo, and lists the demo pages in the nav
   section of that page (after any the nav names itself), in the configured ``order``;
4. slims the rendered notebook pages: mkdocs-jupyter inlines ~600 KB of JupyterLab CSS and a
   MathJax/mermaid loader into each page; the CSS becomes one shared, cacheable file and the
   loaders (which would fetch from a CDN) are dropped, so the site works offline.

A demo that raises fails the build with the demo's file, line and cell.
"""

from __future__ import annotations

import logging
import os
import posixpath
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Section
from mkdocs.structure.pages import Page

from nutshell.demo_build import (
    DEFAULT_CELL_TIMEOUT,
    BuildResult,
    DemoError,
    build_demo,
    discover_demos,
    shared_css_path,
    slim_notebook_html,
)

log = logging.getLogger("mkdocs.plugins.nutshell-demos")


class DemosConfig(Config):
    demos_dir = config_options.Type(str, default="demos")
    cache_dir = config_options.Type(str, default=".cache/demos")
    cell_timeout = config_options.Type(int, default=DEFAULT_CELL_TIMEOUT)
    # Demo ids in the order the nav and the index list them; demos not named here follow, A to Z.
    # Ids without a file are skipped, so a checkout with fewer demos still builds.
    order = config_options.ListOfItems(config_options.Type(str), default=[])


class DemosPlugin(BasePlugin[DemosConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.serving = False
        self.results: list[BuildResult] = []
        self.generated_index: File | None = None
        self.stylesheets: dict[str, str] = {}  # site path → CSS taken out of the notebook pages

    # Before mkdocs-jupyter's on_files, which wraps the notebooks added here in its own File proxy.
    @event_priority(50)
    def _add_demo_files(self, files: Files, *, config) -> Files:
        root = Path(config.config_file_path).resolve().parent
        demos_dir = root / self.config.demos_dir
        cache_dir = root / self.config.cache_dir
        if cache_dir.name != "demos":
            raise PluginError(f"nutshell-demos: cache_dir must be a folder named 'demos', not {cache_dir}")
        # Links in the notebook's closing cell are relative to its page, demos/<id>/ or demos/<id>.html.
        download_prefix = "../../downloads/" if config.use_directory_urls else "../downloads/"
        try:
            demos = discover_demos(demos_dir)
        except DemoError as error:
            raise PluginError(f"nutshell-demos: {error}") from None
        order = {demo_id: position for position, demo_id in enumerate(self.config.order)}
        demos.sort(key=lambda demo: (order.get(demo.id, len(order)), demo.id))

        self.results = []
        for demo in demos:
            try:
                result = build_demo(
                    demo, project_root=root, cache_dir=cache_dir,
                    cell_timeout=self.config.cell_timeout, download_prefix=download_prefix,
                )
            except DemoError as error:
                message = f"nutshell-demos: demo '{demo.id}' failed:\n{error}"
                if not self.serving:
                    raise PluginError(message) from None
                # `mkdocs serve` keeps running: the demo's page shows the error until the demo is fixed.
                log.error(message)
                files.append(File.generated(config, f"demos/{demo.id}.md", content=failed_demo_markdown(demo, error),
                                            inclusion=InclusionLevel.NOT_IN_NAV))
                continue
            how = "taken from cache" if result.from_cache else f"executed in {result.seconds:.1f} s"
            log.info(f"demo {demo.id}: {how}")
            self.results.append(result)

            notebook = str(result.notebook_path)
            # A plain File rooted at the cache's parent, not File.generated: mkdocs-jupyter wraps the
            # page's file in a proxy that recomputes abs_src_path from src_dir, which generated files lack.
            files.append(File(
                f"demos/{demo.id}.ipynb", src_dir=str(cache_dir.parent),
                dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls,
            ))
            files.append(File.generated(config, f"downloads/{demo.id}.py", abs_src_path=str(demo.path)))
            # In-memory copy: a path ending in demos/<id>.ipynb would also match mkdocs-jupyter's include.
            copy = Path(notebook).read_bytes()
            files.append(File.generated(config, f"downloads/{demo.id}.ipynb", content=copy))

        self.generated_index = None
        if files.get_file_from_path("demos/index.md") is None:
            self.generated_index = File.generated(
                config, "demos/index.md", content=demos_index_markdown(self.results))
            files.append(self.generated_index)
        return files

    # After mkdocs-jupyter's on_files: its proxy does not pass `inclusion` through, so set it on the proxy.
    # NOT_IN_NAV silences the "not included in the nav" warning; on_nav files the pages under Demos.
    @event_priority(-50)
    def _keep_demo_pages_out_of_nav_warnings(self, files: Files, *, config) -> Files:
        for result in self.results:
            file = files.get_file_from_path(f"demos/{result.demo.id}.ipynb")
            if file is not None:
                file.inclusion = InclusionLevel.NOT_IN_NAV
        return files

    on_files = CombinedEvent(_add_demo_files, _keep_demo_pages_out_of_nav_warnings)

    def on_nav(self, nav, *, config, files):
        """Title every demo page, and list the ones nav doesn't mention in the section of demos/index.md."""
        index = files.get_file_from_path("demos/index.md")
        section = index.page.parent if index is not None and index.page in nav.pages else None
        for result in self.results:
            file = files.get_file_from_path(f"demos/{result.demo.id}.ipynb")
            if file is None or file.page is None:
                continue
            if file.page not in nav.pages and isinstance(section, Section):
                file.page.parent = section
                section.children.append(file.page)
            if file.page.title is None:  # no title in nav; mkdocs-jupyter sets none (ignore_h1_titles)
                file.page.title = result.demo.nav_title
        nav.pages = list(_pages_in(nav.items))
        for previous, page, following in zip([None, *nav.pages[:-1]], nav.pages, [*nav.pages[1:], None]):
            page.previous_page, page.next_page = previous, following
        if self.generated_index is not None:  # list the demos in the order the nav shows them
            position = {page.file.src_uri: number for number, page in enumerate(nav.pages)}
            ordered = sorted(
                self.results, key=lambda r: position.get(f"demos/{r.demo.id}.ipynb", len(position)))
            self.generated_index.content_string = demos_index_markdown(ordered)
        return nav

    def on_page_content(self, html: str, *, page, config, files) -> str:
        if not page.file.src_uri.endswith(".ipynb"):
            return html
        slimmed = slim_notebook_html(html)
        if slimmed is None:
            log.warning(f"{page.file.src_uri}: unexpected mkdocs-jupyter HTML layout;"
                        " the page keeps its inline CSS and CDN script loaders")
            return html
        body, css = slimmed
        path = shared_css_path(css)
        self.stylesheets[path] = css
        href = posixpath.relpath(path, posixpath.dirname(page.file.dest_uri))
        return f'<link rel="stylesheet" href="{href}">\n{body}'

    def on_startup(self, *, command, dirty) -> None:
        self.serving = command == "serve"

    def on_pre_build(self, *, config) -> None:
        self.stylesheets = {}

    def on_post_build(self, *, config) -> None:
        for path, css in self.stylesheets.items():
            target = Path(config.site_dir) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")

    def on_serve(self, server, *, config, builder):
        root = Path(config.config_file_path).resolve().parent
        server.watch(os.fspath(root / self.config.demos_dir))
        return server


def _pages_in(items):
    for item in items:
        if isinstance(item, Page):
            yield item
        elif isinstance(item, Section):
            yield from _pages_in(item.children)


def failed_demo_markdown(demo, error: Exception) -> str:
    """Stand-in page for a demo that raised while `mkdocs serve` runs (`mkdocs build` stops instead)."""
    fence = "````"  # longer than any fence the error text could contain
    return (
        f"# {demo.title}\n\n"
        '!!! failure "This demo raised an error; the page comes back when the demo runs again"\n\n'
        f"{fence}text\n{error}\n{fence}\n"
    )


def demos_index_markdown(results: list[BuildResult]) -> str:
    """The ``demos/index.md`` page: one row per demo, linking to its page."""
    lines = [
        "# Demos",
        "",
        "Short scripts that re-create a result from the history, small enough to run on a laptop CPU",
        "in seconds. Every page was executed while this site was built, so the numbers and figures",
        "on it are the ones the code printed and drew. Each ends with the date, machine and library",
        "versions it ran on, and with the commands to run it yourself.",
        "",
        "| Demo | What it shows |",
        "| --- | --- |",
    ]
    for result in results:
        demo = result.demo
        title, description = (text.replace("|", "\\|") for text in (demo.title, demo.description))
        lines.append(f"| [{title}]({demo.id}.ipynb) | {description} |")
    lines += [
        "",
        "Run one from a checkout: `nutshell demo list`, then `nutshell demo run ID`",
        "(it prints the numbers and saves the figures as PNG files).",
        "",
    ]
    return "\n".join(lines)
