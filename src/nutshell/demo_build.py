"""Find, execute and cache the demos in ``demos/*.py`` — a plain library, no MkDocs in sight.

A demo is a Jupyter "percent" script: ``# %% [markdown]`` cells hold prose, ``# %%`` cells hold code.
Its id is the file name without ``.py``; its title is the first ``# Heading`` of its first Markdown cell
and its description the paragraph under that heading.

``build_demo`` turns the script into a notebook (jupytext), runs it in a fresh kernel of *this*
Python (nbclient) from the project root, appends a cell saying what it ran on and how to run it, and
caches the result as ``<cache_dir>/<id>.ipynb``. The cache is reused only while :func:`fingerprint`
is unchanged: it covers the demo's bytes, every ``.py`` file of the installed ``nutshell`` package,
and the Python, numpy, torch and matplotlib versions — so editing ``nutshell.nets`` or upgrading torch
re-executes the demos, which mkdocs-jupyter's own cache (notebook bytes only) would not notice.
A demo that fails is never cached; it raises :class:`DemoExecutionError` naming the file, the line and
the cell.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from nutshell.demos import Demo, DemoError, DemoExecutionError, discover_demos, read_demo  # noqa: F401 (re-exported)

#: Bump when the executed notebook's layout changes (footer, metadata), to invalidate old caches.
CACHE_FORMAT = "2"
FINGERPRINT_PACKAGES = ("numpy", "torch", "matplotlib")
DEFAULT_CELL_TIMEOUT = 300  # seconds; a demo cell should take a few
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class BuildResult:
    demo: Demo
    notebook_path: Path
    from_cache: bool
    seconds: float  # wall time of the demo's cells (as measured when it was executed)


# ── fingerprint ────────────────────────────────────────────────────────────────────


def environment_versions() -> dict[str, str]:
    """Versions that change a demo's output: Python and the numeric libraries (without importing them)."""
    versions = {"python": platform.python_version()}
    for name in FINGERPRINT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def package_root() -> Path:
    """Folder of the installed ``nutshell`` package (``src/nutshell`` in an editable install)."""
    import nutshell

    return Path(nutshell.__file__).resolve().parent


def package_source_files() -> list[Path]:
    """Every ``.py`` file of the installed ``nutshell`` package, in a stable order."""
    return sorted(p for p in package_root().rglob("*.py") if "__pycache__" not in p.parts)


def fingerprint(demo_path: str | Path, *, extra: str = "") -> str:
    """Hex digest that changes whenever re-running the demo could change its notebook.

    It hashes the demo file's bytes, the path and bytes of every ``nutshell`` source file, the versions
    from :func:`environment_versions`, the cache format, and ``extra`` (build options that show up in
    the notebook, such as where the download links point).
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:  # length-prefixed, so fields cannot run into each other
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)

    add("format", CACHE_FORMAT.encode())
    add("demo", Path(demo_path).read_bytes())
    root = package_root()
    for source in package_source_files():
        add(f"src:{source.relative_to(root).as_posix()}", source.read_bytes())
    add("versions", json.dumps(environment_versions(), sort_keys=True).encode())
    add("extra", extra.encode())
    return digest.hexdigest()


# ── execution ──────────────────────────────────────────────────────────────────────


def cached_notebook_path(demo: Demo, cache_dir: str | Path) -> Path:
    # The file name must stay ``<id>.ipynb`` inside a folder named ``demos``: mkdocs-jupyter's
    # ``include: demos/*.ipynb`` matches the real path, and its "download" copy keeps the base name.
    return Path(cache_dir) / f"{demo.id}.ipynb"


def build_demo(
    demo: Demo,
    *,
    project_root: str | Path,
    cache_dir: str | Path,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    download_prefix: str = "../../downloads/",
) -> BuildResult:
    """Executed notebook for ``demo``: from the cache when its fingerprint matches, else run it now.

    ``download_prefix`` is the URL of the downloads folder relative to the demo's page; it goes into
    the appended "run it yourself" cell. Raises :class:`DemoExecutionError` when a cell fails.
    """
    target = cached_notebook_path(demo, cache_dir)
    key = fingerprint(demo.path, extra=f"download_prefix={download_prefix}")
    cached = _read_cached(target)
    if cached is not None and cached.get("fingerprint") == key:
        return BuildResult(demo, target, from_cache=True, seconds=float(cached.get("wall_seconds", 0.0)))

    notebook = execute_demo(demo, project_root=project_root, cell_timeout=cell_timeout)
    info = notebook.metadata["nutshell"]
    info["fingerprint"] = key
    notebook.cells.append(_footer_cell(demo, info, download_prefix))
    _write_atomically(target, notebook)
    return BuildResult(demo, target, from_cache=False, seconds=info["wall_seconds"])


def _read_cached(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"]["nutshell"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_atomically(path: Path, notebook) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        nbformat.write(notebook, str(temporary))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def to_notebook(demo_path: str | Path):
    """The demo script as an (unexecuted) nbformat notebook with a Python 3 kernelspec."""
    import jupytext

    notebook = jupytext.read(str(demo_path), fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


_PROBE = r"""
import json as _json, os as _os, platform as _platform, sys as _sys
_cpu = _platform.processor() or _platform.machine()
try:
    with open("/proc/cpuinfo") as _f:
        _cpu = next(l.split(":", 1)[1].strip() for l in _f if l.startswith("model name"))
except (OSError, StopIteration):
    pass
_gpu = None
if "torch" in _sys.modules and _sys.modules["torch"].cuda.is_available():
    _gpu = _sys.modules["torch"].cuda.get_device_name(0)
print(_json.dumps({"cpu": _cpu, "cores": _os.cpu_count(), "gpu": _gpu}))
"""


def execute_demo(demo: Demo, *, project_root: str | Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT):
    """Run every cell of ``demo`` in a fresh kernel; returns the executed notebook.

    The notebook's ``metadata.nutshell`` records when and where it ran and how long its cells took.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = to_notebook(demo.path)
    manager, socket_dir = _kernel_manager()
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=cell_timeout,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(project_root)}},
    )
    env = dict(os.environ)
    env.pop("NUTSHELL_FIGURE_DIR", None)  # the page shows figures inline; don't also write PNGs
    env.pop("MPLBACKEND", None)  # let ipykernel pick its inline backend
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silence the debugger's frozen-modules warning

    index = -1
    try:
        with client.setup_kernel(cleanup_kc=True, env=env, cwd=str(project_root)):
            started = time.perf_counter()
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            wall_seconds = time.perf_counter() - started
            machine = _probe_machine(client, notebook)
    except CellTimeoutError:
        raise _execution_error(demo, notebook, index, f"did not finish within {cell_timeout} s") from None
    except CellExecutionError as error:
        message = f"raised {error.ename}: {error.evalue}"
        raise _execution_error(demo, notebook, index, message, traceback=error.traceback) from None
    except DeadKernelError as error:
        raise _execution_error(demo, notebook, index, f"killed the kernel ({error})") from None
    except RuntimeError as error:  # kernel failed to start, among others
        raise DemoExecutionError(
            f"{_display_path(demo.path)}: could not run the demo: {error}",
            demo_path=demo.path, cell_number=None, line=None,
        ) from None
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)

    _drop_background_hints(notebook)
    notebook.metadata["nutshell"] = {
        "demo": demo.id,
        "executed_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 2),
        "machine": machine,
        "versions": environment_versions(),
    }
    return notebook


def _probe_machine(client, notebook) -> dict:
    """CPU name, core count and GPU (if torch sees one) of the kernel that ran the demo."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    probe = nbformat.v4.new_code_cell(_PROBE)
    notebook.cells.append(probe)  # nbclient writes results back by index
    try:
        client.execute_cell(probe, len(notebook.cells) - 1)
        return json.loads("".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout"))
    except (CellExecutionError, ValueError):
        return {"cpu": platform.machine(), "cores": os.cpu_count(), "gpu": None}
    finally:
        notebook.cells.pop()


def _drop_background_hints(notebook) -> None:
    """Remove matplotlib-inline's ``needs_background`` hints from figure outputs.

    nutshell.figures draws mid-grey ink on a transparent background, readable on light and dark
    pages alike. matplotlib-inline sees "light-ish ink" and tags the PNG as needing a dark
    background, which JupyterLab's CSS then paints behind it even on the light theme.
    """
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("needs_background", None)


def _kernel_manager():
    """A kernel manager whose "python3" kernel is always *this* interpreter (the project's venv).

    A user-wide "python3" kernelspec could point at some other Python, without torch or nutshell.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisPythonKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {platform.python_version()}",
                language="python",
            )

    # IPC sockets in a private folder rather than TCP on localhost: nothing listens on the network
    # (and ipykernel does not print its warning about unencrypted TCP).
    socket_dir = tempfile.mkdtemp(prefix="nutshell-kernel-")
    return AsyncKernelManager(
        kernel_spec_manager=ThisPythonKernelSpecs(),
        kernel_name="python3",
        transport="ipc",
        ip=os.path.join(socket_dir, "kernel"),
    ), socket_dir


def _execution_error(demo: Demo, notebook, index: int, what: str, traceback: str = "") -> DemoExecutionError:
    """One readable message: ``demos/x.py:12: cell 4 raised ValueError: …`` plus the offending line."""
    cell = notebook.cells[index] if 0 <= index < len(notebook.cells) else None
    cell_number = index + 1 if cell is not None else None
    file_lines = demo.path.read_text(encoding="utf-8").splitlines()
    cell_line = _cell_start_line(file_lines, len(notebook.cells), index)
    line, code = cell_line, None
    plain = ANSI_ESCAPE.sub("", traceback)
    if cell is not None and cell.get("execution_count") is not None:
        in_cell = re.findall(rf"Cell In\[{cell.execution_count}\], line (\d+)", plain)
        source_lines = cell.source.splitlines()
        if in_cell and 0 < int(in_cell[-1]) <= len(source_lines):
            code = source_lines[int(in_cell[-1]) - 1]
            line = _find_line(file_lines, code, start=cell_line or 1) or cell_line
    where = f"{_display_path(demo.path)}:{line}" if line else _display_path(demo.path)
    message = f"{where}: cell {cell_number} {what}" if cell_number else f"{where}: {what}"
    if code is not None:
        message += f"\n    {line} | {code.strip()}"
    frames = re.findall(r"File (\S+?):(\d+), in ", plain)
    if frames:
        path, frame_line = frames[-1]
        message += f"\n    (raised at {path}:{frame_line})"
    return DemoExecutionError(message, demo_path=demo.path, cell_number=cell_number, line=line)


def _cell_start_line(file_lines: list[str], n_cells: int, index: int) -> int | None:
    """1-based line of the ``# %%`` marker that opens cell ``index``, when the count adds up."""
    markers = [number for number, text in enumerate(file_lines, start=1) if text.startswith("# %%")]
    if len(markers) == n_cells:
        return markers[index] if 0 <= index < n_cells else None
    if len(markers) + 1 == n_cells:  # jupytext made a cell of the text before the first marker
        return 1 if index == 0 else markers[index - 1]
    return None


def _find_line(file_lines: list[str], code: str, start: int) -> int | None:
    for number in range(start, len(file_lines) + 1):
        if file_lines[number - 1].rstrip() == code.rstrip():
            return number
    return None


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ── the appended "what it ran on" cell ───────────────────────────────────────────────


def _footer_cell(demo: Demo, info: dict, download_prefix: str):
    import nbformat

    versions = info["versions"]
    machine = info["machine"]
    date = info["executed_at"][:10]
    device = f"{machine.get('cpu') or 'unknown CPU'} ({machine.get('cores') or '?'} cores)"
    if machine.get("gpu"):
        device += f"; GPU present: {machine['gpu']}"
    stack = f"Python {versions['python']}, numpy {versions['numpy']}, torch {versions['torch']}, " \
            f"matplotlib {versions['matplotlib']}"
    text = f"""## About this run

Everything above was computed when this page was built, on {date}: CPU, {device}; {stack}.
All cells together took {info['wall_seconds']:.1f} s of wall time.

To run it yourself, from a checkout of the project (after `make` has set up `.venv`):

```
nutshell demo run {demo.id}   # prints the numbers; figures go to demo-out/{demo.id}/
python demos/{demo.id}.py     # the same script, plain Python
```

Or download it: [{demo.id}.py]({download_prefix}{demo.id}.py) (script) or
[{demo.id}.ipynb]({download_prefix}{demo.id}.ipynb) (this notebook, with its outputs)."""
    return nbformat.v4.new_markdown_cell(text)


# ── rendered notebook pages ─────────────────────────────────────────────────────────

_NOTEBOOK_START = '<div class="jupyter-wrapper">'
_NOTEBOOK_END = "<!-- jupyter-wrapper -->"
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.DOTALL)
_SCRIPT_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script>\s*", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


def shared_css_path(css: str) -> str:
    """Site path of the shared notebook stylesheet; the content hash makes browsers refetch on change."""
    return f"assets/stylesheets/jupyter-{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"


def slim_notebook_html(html: str) -> tuple[str, str] | None:
    """Split mkdocs-jupyter's page HTML into (notebook HTML without inline CSS, the CSS), or None.

    mkdocs-jupyter puts the same ~600 KB of JupyterLab and Pygments CSS into every notebook page,
    plus a MathJax loader (``<script src="">`` when no URL is configured) and a mermaid loader that
    would import from cdnjs.cloudflare.com. Here the CSS is taken out, to be served once as a shared
    file, and both loaders are dropped: the demos use neither math nor mermaid, and the site must
    not contact other hosts. Styles inside the notebook (cell outputs) are left alone. Returns None
    when the HTML does not have the expected layout (a newer mkdocs-jupyter, say).
    """
    start, end = html.find(_NOTEBOOK_START), html.find(_NOTEBOOK_END)
    if start < 0 or end < start:
        return None
    head, body, tail = html[:start], html[start:end + len(_NOTEBOOK_END)], html[end + len(_NOTEBOOK_END):]
    css = [block.strip() for block in _STYLE_BLOCK.findall(head)]
    head = _STYLE_BLOCK.sub("", head)

    def keep_script(match: re.Match) -> str:
        attributes, code = match.group(1), match.group(2)
        if 'src=""' in attributes or "x-mathjax-config" in attributes or "mermaid" in code:
            return ""
        return match.group(0)

    head = _SCRIPT_BLOCK.sub(keep_script, head)
    head = _HTML_COMMENT.sub("", head)  # "Load mathjax", "End of mermaid configuration", …
    # After the notebook, mkdocs-jupyter appends its Pygments CSS once more, as a Python list's repr.
    tail = _STYLE_BLOCK.sub(lambda m: "" if m.group(1).lstrip().startswith("['") else m.group(0), tail)
    return head + body + tail, "\n".join(css) + "\n"
