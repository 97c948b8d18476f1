"""MkDocs plugin ``nutshell-demos``: executed demo notebooks, their pages, downloads and the demo index.

A thin adapter: :mod:`nutshell.demos` finds the demos, :mod:`nutshell.demo_execution` runs and caches
them, :mod:`nutshell.demo_pages` writes the index and shapes the pages. On every build it

1. executes the demos whose cached run is out of date, ``workers`` at a time (the others come from
   ``.cache/demos/`` when their fingerprint is unchanged);
2. adds each page's notebook as ``demos/<id>.ipynb`` — a real file in ``.cache/demo-pages/demos/``
   that the ``mkdocs-jupyter`` plugin, listed after this one, renders without executing it again. It is
   the executed notebook with its figures taken out as files (``demos/<id>/figures/<name>.<hash>.svg``
   or ``.png``), each shown with its description as alt text;
3. adds ``downloads/<id>.py`` and ``downloads/<id>.ipynb`` (the executed notebook, figures inside);
4. generates the page ``demos/index.md`` listing every demo, and lists the demo pages in the nav
   section of that page (after any the nav names itself), in the configured ``order``;
5. slims and tidies the rendered notebook pages: mkdocs-jupyter's ~600 KB of inline JupyterLab CSS and
   its MathJax/mermaid loaders (CDN) go, a small shared stylesheet (``demo_pages.css``) styles the cells,
   code and outputs stay out of the search index (see :func:`nutshell.demo_pages.tidy_notebook_html`);
   a tidied page is kept in ``.cache/demo-pages/tidied/`` until its HTML or the code changes;
6. when a page has an explorable figure (:mod:`nutshell.explorables`), copies the pinned Vega and
   Vega-Lite scripts it loads into the site (``assets/vendor/vega/``), so the site serves them itself.

A demo that raises, writes to stderr or prints a local path fails the build with the demo's file, line
and cell (every failing demo is named); so does a figure without a description.
"""

from __future__ import annotations

import json
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

from nutshell.demo_execution import DEFAULT_CELL_TIMEOUT, DEFAULT_WORKERS, BuildResult, build_demos
from nutshell.demo_pages import (
    STYLESHEET,
    TidiedPages,
    demos_index_markdown,
    failed_demo_markdown,
    page_notebook,
    slim_notebook_html,
    stylesheet_path,
)
from nutshell.demos import Demo, DemoError, discover_demos
from nutshell.files import PerFileVersion, write_atomically
from nutshell.explorables import MARKER as EXPLORER_MARKER
from nutshell.explorables import VendorError, copy_vendored

log = logging.getLogger("mkdocs.plugins.nutshell-demos")
# Each demo's page notebook, figures and problems while its executed notebook is unchanged. At module level:
# `mkdocs serve` makes new plugin objects for every rebuild, and a page takes ~50 ms to prepare.
_PAGE_FILES: PerFileVersion[tuple[bytes, list, list[str]]] = PerFileVersion()


class DemosConfig(Config):
    demos_dir = config_options.Type(str, default="demos")
    cache_dir = config_options.Type(str, default=".cache/demos")
    cell_timeout = config_options.Type(int, default=DEFAULT_CELL_TIMEOUT)
    # Demos executed at once (each in its own kernel, on one CPU thread); 1 runs them one after another.
    workers = config_options.Type(int, default=DEFAULT_WORKERS)
    # Demo ids in the order the nav and the index list them; demos not named here follow, A to Z.
    # Ids without a file are skipped, so a checkout with fewer demos still builds.
    order = config_options.ListOfItems(config_options.Type(str), default=[])


class DemosPlugin(BasePlugin[DemosConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.serving = False
        self.results: list[BuildResult] = []
        self.generated_index: File | None = None
        self.stylesheet: str | None = None  # site path of the demo pages' stylesheet
        self.tidied: TidiedPages | None = None  # tidied notebook pages, kept in .cache/demo-pages/tidied/

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
        if self.tidied is None or self.tidied.folder != cache_dir.parent / "demo-pages" / "tidied":
            self.tidied = TidiedPages(cache_dir.parent / "demo-pages" / "tidied")
        self.tidied.used.clear()
        outcomes = build_demos(
            demos, project_root=root, cache_dir=cache_dir, cell_timeout=self.config.cell_timeout,
            download_prefix=download_prefix, workers=max(1, self.config.workers),
            on_start=lambda to_run: log.info(
                f"executing {len(to_run)} demo(s), up to {max(1, self.config.workers)} at a time: "
                + ", ".join(demo.id for demo in to_run)),
        )
        failures = []
        for demo, outcome in zip(demos, outcomes):  # in nav order, whatever order they finished in
            if isinstance(outcome, DemoError):
                message = f"nutshell-demos: demo '{demo.id}' failed:\n{outcome}"
                failures.append(message)
                # `mkdocs serve` keeps running: the demo's page shows the error until the demo is fixed.
                stand_in = failed_demo_markdown(demo, outcome)
                files.append(File.generated(config, f"demos/{demo.id}.md", content=stand_in,
                                            inclusion=InclusionLevel.NOT_IN_NAV))
                continue
            how = "taken from cache" if outcome.from_cache else f"executed in {outcome.seconds:.1f} s"
            log.info(f"demo {demo.id}: {how}")
            self.results.append(outcome)
            self._add_page_files(outcome, files, config=config, pages_dir=cache_dir.parent / "demo-pages")
            files.append(File.generated(config, f"downloads/{demo.id}.py", abs_src_path=str(demo.path)))
            # In-memory copy: a path ending in demos/<id>.ipynb would also match mkdocs-jupyter's include.
            copy = outcome.notebook_path.read_bytes()
            files.append(File.generated(config, f"downloads/{demo.id}.ipynb", content=copy))
        if failures:
            if not self.serving:
                raise PluginError("\n".join(failures))
            for message in failures:
                log.error(message)

        css = STYLESHEET.read_text(encoding="utf-8")
        self.stylesheet = stylesheet_path(css)
        files.append(File.generated(config, self.stylesheet, content=css))

        self.generated_index = None
        if files.get_file_from_path("demos/index.md") is None:
            self.generated_index = File.generated(
                config, "demos/index.md", content=demos_index_markdown([r.demo for r in self.results]))
            files.append(self.generated_index)
        return files

    def _add_page_files(self, result: BuildResult, files: Files, *, config, pages_dir: Path) -> None:
        """The page's notebook (figures taken out) as demos/<id>.ipynb, and its figure files."""
        demo: Demo = result.demo
        # Figures live in demos/<id>/figures/, beside the page (demos/<id>/index.html or demos/<id>.html).
        figures_url = "figures/" if config.use_directory_urls else f"{demo.id}/figures/"

        def prepare() -> tuple[bytes, list, list[str]]:
            notebook = json.loads(result.notebook_path.read_text(encoding="utf-8"))
            page, figures, problems = page_notebook(notebook, title=demo.title, figures_url=figures_url)
            text = (json.dumps(page, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            return text, figures, problems

        text, figures, problems = _PAGE_FILES.get(result.notebook_path, prepare, extra=(demo.title, figures_url))
        for problem in problems:  # a warning: `mkdocs build --strict` fails on it
            log.warning(f"nutshell-demos: {demo.path.name}: {problem}")
        target = pages_dir / "demos" / f"{demo.id}.ipynb"
        if not target.is_file() or target.read_bytes() != text:  # unchanged: mkdocs-jupyter's cache hits
            write_atomically(target, text)
        # A plain File rooted at the pages folder, not File.generated: mkdocs-jupyter wraps the page's file
        # in a proxy that recomputes abs_src_path from src_dir, which generated files lack.
        files.append(File(
            f"demos/{demo.id}.ipynb", src_dir=str(pages_dir),
            dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls,
        ))
        for figure in figures:
            files.append(File.generated(config, f"demos/{demo.id}/figures/{figure.name}", content=figure.content))

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
            self.generated_index.content_string = demos_index_markdown([r.demo for r in ordered])
        return nav

    # Before the nutshell plugin adds definition cards: the tidied page is kept by its HTML, which must not
    # change when a definition does (an edited glossary entry would tidy every page that mentions it again).
    @event_priority(10)
    def on_page_content(self, html: str, *, page, config, files) -> str:
        if not page.file.src_uri.endswith(".ipynb"):
            return html
        slimmed = slim_notebook_html(html)
        if slimmed is None:
            log.warning(f"{page.file.src_uri}: unexpected mkdocs-jupyter HTML layout;"
                        " the page keeps its inline CSS and CDN script loaders")
            return html
        body = self.tidied.tidy(slimmed)
        href = posixpath.relpath(self.stylesheet, posixpath.dirname(page.file.dest_uri))
        return f'<link rel="stylesheet" href="{href}">\n{body}'

    def on_startup(self, *, command, dirty) -> None:
        self.serving = command == "serve"

    def on_pre_build(self, *, config) -> None:
        self.explorer_pages: set[str] = set()  # pages with an explorable figure (see the end of the class)

    def on_post_build(self, *, config) -> None:
        self._copy_vega_for_explorers(config)
        if self.tidied is not None:  # every demo page was rendered: what none asked for is out of date
            self.tidied.forget_unused()

    def on_serve(self, server, *, config, builder):
        root = Path(config.config_file_path).resolve().parent
        server.watch(os.fspath(root / self.config.demos_dir))
        return server

    # ── explorable figures: the site serves the Vega scripts they load ─────────────────────
    # Pages with an explorable are noted as they are written; after the build the pinned copies from
    # .venv/vega (installed by make) go into assets/vendor/vega/. Missing ones fail the build, naming the fix.

    @event_priority(-100)  # after mkdocs-jupyter and anything else that rewrites the page
    def on_post_page(self, output: str, *, page, config) -> str:
        if EXPLORER_MARKER in output:
            self.explorer_pages.add(page.file.src_uri)
        return output

    def _copy_vega_for_explorers(self, config) -> None:
        if not self.explorer_pages:
            return
        root = Path(config.config_file_path).resolve().parent
        try:
            copy_vendored(root, config.site_dir)
        except VendorError as error:
            message = (f"nutshell-demos: {len(self.explorer_pages)} page(s) with explorable figures"
                       f" ({', '.join(sorted(self.explorer_pages))}) need Vega: {error}")
            if not self.serving:
                raise PluginError(message) from None
            log.error(message)  # `mkdocs serve` keeps running; the pages keep their static figures


def _pages_in(items):
    for item in items:
        if isinstance(item, Page):
            yield item
        elif isinstance(item, Section):
            yield from _pages_in(item.children)
