"""MkDocs plugin `nutshell`: a thin adapter from MkDocs events to `load` and `render`.

- on_pre_build: load and check data/ and the demos' titles (before MkDocs cleans site/, so bad data leaves
  the old site intact).
  `mkdocs build` stops with every problem listed; `mkdocs serve` keeps running and shows them on every page.
- on_files: add the generated pages and the JSON export as virtual files (nothing is written to docs/).
- on_page_content: definition cards on every page (notebook pages never pass through Markdown, so this
  works on the rendered HTML), and links from each demo page back to the terms and milestones that cite it.
- on_post_page: ``search_later.js`` inlined in every page's head, so that the search index is fetched once the
  page has painted and loaded (or when the reader reaches for search), not before.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import logging
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from nutshell import render, untrusted
from nutshell.definition_cards import CARDS_START, DefinitionCards
from nutshell.load import Problem, load_knowledge
from nutshell.schema import Knowledge

log = logging.getLogger("mkdocs.plugins.nutshell")
SEARCH_LATER = Path(__file__).with_name("search_later.js")
# Material's search parses every page's HTML into sections at every build, ~0.5 s of a rebuild here; after an
# edit under `mkdocs serve` most pages come back unchanged. Sections by the page HTML they came from.
_SEARCH_SECTIONS: dict[bytes, list] = {}
_SEARCH_SECTIONS_MAX = 256


class NutshellConfig(Config):
    data_dir = config_options.Type(str, default="data")
    demos_dir = config_options.Type(str, default="demos")


class NutshellPlugin(BasePlugin[NutshellConfig]):
    def __init__(self) -> None:
        self.serving = False
        self.knowledge: Knowledge | None = None
        self.problems: list[Problem] = []
        self.annotator: DefinitionCards | None = None
        self.generated: set[str] = set()  # pages made from data/: checked by the active-content net

    def on_startup(self, *, command, dirty) -> None:
        self.serving = command == "serve"

    def _path(self, config, value: str) -> Path:
        return (Path(config.config_file_path).parent / value).resolve()

    @event_priority(-100)  # after Material's search plugin has made this build's index
    def on_config(self, config):
        keep_search_sections(config.plugins.get("material/search"))
        data_dir = self._path(config, self.config.data_dir)
        if str(data_dir) not in config.watch:
            config.watch.append(str(data_dir))  # `mkdocs serve` rebuilds when the data changes
        return config

    def on_pre_build(self, *, config) -> None:
        data_dir = self._path(config, self.config.data_dir)
        demos_dir = self._path(config, self.config.demos_dir)
        self.knowledge, self.problems = load_knowledge(data_dir, demos_dir)
        if not self.problems:
            self.annotator = DefinitionCards(self.knowledge)
            return
        report = "\n".join(str(p) for p in self.problems)
        summary = f"{len(self.problems)} problem(s) in {data_dir.name}/ — fix them and the site rebuilds:\n{report}"
        if not self.serving:
            raise PluginError(summary)
        log.error(summary)  # keep serving; every page shows the problems until the data is fixed
        self.annotator = None

    def on_files(self, files: Files, *, config) -> Files:
        pages: dict[str, str] = {}
        if self.knowledge is not None:
            try:
                pages = render.generated_pages(self.knowledge)
            except untrusted.UntrustedContentError as err:  # only data that bypassed the loader gets here
                raise PluginError(f"refusing to build a page from data/: {err}") from err
        else:  # `mkdocs serve` with bad data: the generated pages stand in for themselves (banner below)
            pages = render.placeholder_pages()
        self.generated = set(pages)
        for src_uri, content in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(f"docs/{src_uri} is generated from data/ at build time; delete the file in docs/")
            files.append(File.generated(config, src_uri, content=content))
        return files

    @staticmethod
    def _refuse_active_content(html_text: str, src: str) -> None:
        # The last line of defence: whatever path a data string took, a page made from data/ never ships
        # anything that runs. `nutshell check` refuses such data first; reaching this is a bug in nutshell.
        findings = untrusted.active_content(html_text)
        if findings:
            raise PluginError(f"{src}: the page made from data/ would contain active content: "
                              + "; ".join(findings[:5]))

    def on_page_content(self, html_text: str, *, page, config, files) -> str:
        if self.problems:
            items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in self.problems)
            banner = (
                '<div class="admonition failure"><p class="admonition-title">'
                f"The data has {len(self.problems)} problem(s); this page updates when they are fixed"
                f"</p><ul>{items}</ul></div>"
            )
            return banner + html_text
        src = page.file.src_uri
        if src.startswith("demos/") and src.endswith(".ipynb") and self.knowledge is not None:
            demo_id = Path(src).stem

            def url_for(target_page: str, anchor: str | None) -> str:
                url = get_relative_url(render.site_path(target_page), page.url)
                return f"{url}#{anchor}" if anchor else url

            links = render.demo_links_html(self.knowledge, demo_id, url_for)
            self._refuse_active_content(links, src)
            html_text += links
        if self.annotator is not None and not src.startswith(render.API_DIR + "/"):
            glossary_url = get_relative_url(render.site_path(render.GLOSSARY_PAGE), page.url)
            html_text = self.annotator.annotate(html_text, glossary_url)
        if src in self.generated:
            self._refuse_active_content(html_text, src)
        return html_text

    def on_post_page(self, output: str, *, page, config) -> str:
        if "</head>" not in output:
            return output
        return output.replace("</head>", f"<script>{_search_later()}</script>\n</head>", 1)


@functools.cache
def _search_later() -> str:
    return SEARCH_LATER.read_text(encoding="utf-8")


def keep_search_sections(search_plugin) -> None:
    """Let this build's Material search index reuse the sections of a page whose HTML it has parsed before
    (see _SEARCH_SECTIONS); the entries are the same, only the parsing is saved. Does nothing without
    Material's search plugin or its index."""
    index = getattr(search_plugin, "search_index", None)
    if index is None or not hasattr(index, "create_entry_for_section"):
        return
    from material.plugins.search.plugin import Parser

    def add_entry_from_context(page) -> None:  # as SearchIndex.add_entry_from_context (Material 9.x) does
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        # Keyed without the definition cards, which search skips: an edited definition changes the cards of
        # every page that mentions the term, and none of their sections.
        key = hashlib.blake2b(page.content.split(CARDS_START, 1)[0].encode("utf-8"), digest_size=20).digest()
        sections = _SEARCH_SECTIONS.get(key)
        if sections is None:
            parser = Parser()
            parser.feed(page.content)
            parser.close()
            if len(_SEARCH_SECTIONS) >= _SEARCH_SECTIONS_MAX:
                _SEARCH_SECTIONS.clear()
            sections = _SEARCH_SECTIONS[key] = parser.data
        for section in sections:
            if not section.is_excluded():
                # a copy: create_entry_for_section gives a section without a heading the page's title
                index.create_entry_for_section(copy.copy(section), page.toc, page.url, page)

    index.add_entry_from_context = add_entry_from_context
