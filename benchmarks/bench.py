"""`make bench`: every figure the project promises about speed and weight, measured side by side in one run.

Prints one table (what, median, goal, verdict), then where a warm build spends its time. Each figure is a
median of several runs on this machine, and each goal is a ratio or a budget, so that a slow or busy machine
does not decide the verdict on its own (README, "Reading `make bench`"):

- lookup: `nutshell define dropout` as a user starts it (the console script, a new process each time),
  against `python -c pass` of the same interpreter; and the first lookup after a data change, which compiles
  the glossary cache (nutshell.glossary_cache);
- builds: a cold `mkdocs build --strict` (every demo executed, in a scratch demo cache) and a warm one (the
  same again: demos and tidied pages from the cache), and where the warm one spends its time;
- an author's edit under `mkdocs serve`: one glossary entry changed in a scratch copy of data/, until the
  served page has the change, and whether any demo ran again;
- page weight: each demo page before its figures, and the text pages, as sent compressed;
- the search index: its size, and when a browser asks for it (after the page has painted and loaded).

Nothing of yours is touched: the builds use a scratch folder and a scratch demo cache. BENCH_REPEATS
(default 5) sets the number of runs of the quick measurements, BENCH_COLD (default 1) of cold builds.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
COLD_REPEATS = int(os.environ.get("BENCH_COLD", "1"))
BIN = Path(sys.executable).parent
# Users' Pythons write bytecode; a lookup measured without it would time the compiler, not the lookup.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
ENV["NO_MKDOCS_2_WARNING"] = "1"

rows: list[tuple[str, str, str, str]] = []  # (what, measured, goal, verdict)


def row(what: str, measured: str, goal: str, met: bool | None) -> None:
    rows.append((what, measured, goal, {True: "met", False: "NOT met", None: "-"}[met]))
    print(f"  {what}: {measured}", flush=True)


def median_seconds(command: list[str], *, repeats: int, env: dict | None = None, before=None) -> float:
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env or ENV, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ── lookup ────────────────────────────────────────────────────────────────────


def lookups() -> None:
    print("lookup …", flush=True)
    nutshell = str(BIN / "nutshell")
    with tempfile.TemporaryDirectory() as cache:
        env = {**ENV, "NUTSHELL_CACHE_DIR": cache, "NUTSHELL_DATA": str(ROOT / "data")}
        subprocess.run([nutshell, "define", "dropout"], env=env, capture_output=True, check=True)  # bytecode, cache
        repeats = max(REPEATS, 21)
        floor = median_seconds([sys.executable, "-c", "pass"], repeats=repeats, env=env)
        define = median_seconds([nutshell, "define", "dropout"], repeats=repeats, env=env)
        floor_again = median_seconds([sys.executable, "-c", "pass"], repeats=repeats, env=env)
        floor = statistics.median([floor, floor_again])
        cold = median_seconds([nutshell, "define", "dropout"], repeats=REPEATS, env=env,
                              before=lambda: shutil.rmtree(cache, ignore_errors=True))
    row("`python -c pass` (the floor)", f"{floor * 1000:.1f} ms", "", None)
    row("`nutshell define dropout`", f"{define * 1000:.1f} ms = {define / floor:.1f}x the floor", "<= 3x the floor",
        define / floor <= 3)
    row("  the first lookup after a data change", f"{cold * 1000:.0f} ms = {cold / floor:.1f}x the floor",
        "", None)


# ── builds ────────────────────────────────────────────────────────────────────


def site_config(scratch: Path) -> Path:
    """The real mkdocs.yml with a scratch copy of data/ and a scratch demo cache."""
    from tests.conftest import write_site_config

    if not (scratch / "data").exists():
        shutil.copytree(ROOT / "data", scratch / "data")
    return write_site_config(scratch, data_dir=scratch / "data", demo_cache=scratch / "cache" / "demos")


def build(config: Path, site: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
                   cwd=ROOT, env=ENV, check=True)
    return time.perf_counter() - start


def builds(scratch: Path) -> Path:
    print("builds (a cold build executes every demo: minutes) …", flush=True)
    config, site = site_config(scratch), scratch / "site"
    cold = []
    for _ in range(COLD_REPEATS):
        shutil.rmtree(scratch / "cache", ignore_errors=True)
        cold.append(build(config, site))
        print(f"    cold build {cold[-1]:.1f} s", flush=True)
    warm = [build(config, site) for _ in range(REPEATS)]
    row("cold build, every demo executed", f"{statistics.median(cold):.0f} s ({COLD_REPEATS} run(s))",
        "<= 180 s", statistics.median(cold) <= 180)
    row("warm build, nothing changed", f"{statistics.median(warm):.2f} s", "<= 1.5 s",
        statistics.median(warm) <= 1.5)
    return site


BREAKDOWN = r'''
import sys, time, collections, logging
import mkdocs.config, mkdocs.commands.build as build_module, markdown, jinja2
started = time.perf_counter()
spent = collections.defaultdict(float)

def timed(label, function):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start
    return run

config = mkdocs.config.load_config(sys.argv[1], site_dir=sys.argv[2], strict=True)
spent["load mkdocs.yml and import the plugins"] = time.perf_counter() - started
for event, methods in config.plugins.events.items():
    config.plugins.events[event] = [
        timed(f"plugin {getattr(m, '__self__', m).__class__.__module__.split('.')[0]}"
              f"{'/' + m.__self__.__class__.__name__ if hasattr(m, '__self__') else ''}: {event}", m)
        for m in methods]
markdown.Markdown.convert = timed("Markdown to HTML", markdown.Markdown.convert)
jinja2.Template.render = timed("page templates (Jinja)", jinja2.Template.render)
logging.disable(logging.WARNING)
start = time.perf_counter()
build_module.build(config)
total = time.perf_counter() - start
for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
    print(f"{seconds:.3f}\t{label}")
print(f"{total:.3f}\tbuild() in all")
'''


def breakdown(scratch: Path) -> list[str]:
    """Where a warm build's time goes: process start-up and imports, then MkDocs's own steps and each
    plugin's events (nested times: a plugin's on_page_content includes nothing of Markdown)."""
    print("where a warm build's time goes …", flush=True)
    config = site_config(scratch)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", BREAKDOWN, str(config), str(scratch / "site-breakdown")],
                                cwd=ROOT, env=ENV, capture_output=True, text=True, check=True)
        runs.append((time.perf_counter() - start, result.stdout))
    wall, output = sorted(runs)[1]  # the median run
    lines = [line.split("\t", 1) for line in output.strip().splitlines()]
    in_build = float(lines[-1][0])
    report = [f"Where a warm build's time goes (the run of median length of three: {wall:.2f} s as a process):",
              f"  {wall - in_build:6.2f} s  Python start-up and imports of MkDocs and Material"]
    report += [f"  {float(seconds):6.2f} s  {label}" for seconds, label in lines if float(seconds) >= 0.02]
    return report


# ── an author's edit under mkdocs serve ───────────────────────────────────────


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def serve_edits(scratch: Path) -> None:
    print("an author's edit under mkdocs serve …", flush=True)
    config = site_config(scratch)
    glossary = scratch / "data" / "glossary.yaml"
    original = glossary.read_text(encoding="utf-8")
    port = free_port()
    log = open(scratch / "serve.log", "w")
    server = subprocess.Popen([str(BIN / "mkdocs"), "serve", "--livereload", "-f", str(config),
                               "-a", f"127.0.0.1:{port}"], cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/glossary/"
    try:
        deadline = time.monotonic() + 600
        while fetch(url) is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"mkdocs serve did not start; see {scratch / 'serve.log'}")
            time.sleep(0.2)
        times = []
        for number in range(max(REPEATS, 9)):  # MkDocs looks for changes every 0.5 s: a spread to take the median of
            marker = f"Edited{number}x{os.getpid()}"
            glossary.write_text(original.replace("  short: Randomly switching off", f"  short: {marker} randomly"
                                                 " switching off", 1), encoding="utf-8")
            start = time.perf_counter()
            while marker not in (fetch(url) or ""):
                if time.perf_counter() - start > 120:
                    raise SystemExit("the edit did not reach the served page within 120 s")
                time.sleep(0.05)
            times.append(time.perf_counter() - start)
            time.sleep(1.0)  # let the server settle before the next edit
    finally:
        glossary.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait(timeout=30)
        log.close()
    executed = "executing" in (scratch / "serve.log").read_text(encoding="utf-8").split("Serving on")[-1]
    median = statistics.median(times)
    row("an edited glossary entry, until `mkdocs serve` serves it", f"{median:.2f} s"
        + ("; a demo ran again" if executed else "; no demo ran"), "<= 2 s, no demo run",
        median <= 2 and not executed)


# ── what a reader downloads ───────────────────────────────────────────────────


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def page_weight(site: Path, page: Path) -> tuple[int, int]:
    """(bytes, bytes gzipped) of a page and every stylesheet and script it loads from the site: what a
    first visit downloads before images and figures."""
    html = page.read_bytes()
    total, compressed = len(html), gzipped(html)
    for reference in re.findall(rb'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"', html):
        target = (page.parent / reference.decode()).resolve()
        if target.is_file() and site.resolve() in target.parents:
            data = target.read_bytes()
            total, compressed = total + len(data), compressed + gzipped(data)
    return total, compressed


def weights(site: Path) -> None:
    demo_pages = sorted(p for p in (site / "demos").glob("*/index.html"))
    heaviest = max((page_weight(site, p) + (p.parent.name,) for p in demo_pages), key=lambda w: w[1])
    row("heaviest demo page before figures, first visit", f"{heaviest[1] / 1024:.0f} KB gzipped "
        f"({heaviest[0] / 1024:.0f} KB raw; {heaviest[2]})", "<= 400 KB", heaviest[1] <= 400 * 1024)
    for name in ("timeline", "glossary"):
        raw, compressed = page_weight(site, site / name / "index.html")
        row(f"{name} page, first visit", f"{compressed / 1024:.0f} KB gzipped ({raw / 1024:.0f} KB raw)", "", None)


def search_index(site: Path) -> None:
    index = (site / "search" / "search_index.json").read_bytes()
    row("search index", f"{gzipped(index) / 1024:.0f} KB gzipped ({len(index) / 1024:.0f} KB raw)", "", None)
    chromium = os.environ.get("NUTSHELL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        row("search index requested after first paint", "not measured (no Playwright)", "yes", None)
        return
    if not Path(chromium).is_file():
        row("search index requested after first paint", "not measured (no Chromium)", "yes", None)
        return
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    gaps = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=[
                "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
            for _ in range(REPEATS):
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/timeline/", wait_until="load")
                page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
                page.wait_for_function(
                    "performance.getEntriesByType('resource').some(e => e.name.includes('search_index.json'))",
                    timeout=20_000)
                gaps.append(page.evaluate("""() => {
                    const paint = performance.getEntriesByName('first-contentful-paint')[0].startTime;
                    const index = performance.getEntriesByType('resource')
                        .find(e => e.name.includes('search_index.json')).startTime;
                    return index - paint; }"""))
                page.close()
            browser.close()
    finally:
        server.shutdown()
    gap = statistics.median(gaps)
    row("search index requested after first paint", f"{gap:+.0f} ms after first contentful paint",
        "after first paint", gap > 0)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="nutshell-bench-") as folder:
        scratch = Path(folder)
        lookups()
        site = builds(scratch)
        weights(site)
        search_index(site)
        serve_edits(scratch)
        report = breakdown(scratch)
    widths = [max(len(r[i]) for r in rows + [("what", "median", "goal", "verdict")]) for i in range(4)]
    print()
    for cells in [("what", "median", "goal", "verdict"), tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |")
    print()
    print("\n".join(report))


if __name__ == "__main__":
    main()
