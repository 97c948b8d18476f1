"""Execute the demos and cache the executed notebooks — a plain library, no MkDocs in sight.

What a demo *is* (a percent-format script, its id, title and description) lives in :mod:`nutshell.demos`;
what its page looks like on the site, in :mod:`nutshell.demo_pages`. This module does the running.

:func:`build_demo` turns the script into a notebook (jupytext), runs it in a fresh kernel of *this*
Python (nbclient) from the project root, appends a cell saying what it ran on and how to run it, and
caches the result as ``<cache_dir>/<id>.ipynb``. The cache is reused only while :func:`fingerprint`
is unchanged: it covers the demo's bytes, the ``nutshell`` modules the demo can run (those it imports,
what they import and so on, read from the source: :func:`imported_sources`), the files those modules
declare that a demo reads (``DEMO_INPUTS``: the AlexNet page lists ``data/runs/*.json``), and the
versions of Python and the libraries that shape the numbers — so editing ``nutshell.nets.mlp`` re-executes
the demos that use it and no other, a new run record re-executes the AlexNet page, and upgrading torch
re-executes them all, none of which mkdocs-jupyter's own cache (notebook bytes only) would notice.
A demo that fails is never cached; it raises :class:`~nutshell.demos.DemoExecutionError` naming the
file, the line and the cell. Failing includes writing to stderr (a library warning, a progress bar) and
printing a path of the machine that built the page (the project folder, the virtual environment, the home
folder): both would be published on the page.

:func:`build_demos` runs the demos that need it side by side, each in its own kernel limited to one CPU
thread (:data:`KERNEL_THREAD_VARIABLES`), so that a demo prints the same numbers however many run at
once and on however many cores; results come back in the order the demos were given.
"""

from __future__ import annotations

import ast
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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from nutshell.demos import Demo, DemoError, DemoExecutionError
from nutshell.files import PerFileVersion, shown_path, write_atomically

#: Bump when the executed notebook's layout changes (footer, metadata), to invalidate old caches.
CACHE_FORMAT = "3"
FINGERPRINT_PACKAGES = ("numpy", "torch", "matplotlib", "scikit-learn", "altair", "pillow", "jupytext")
#: Modules of the package that every demo's notebook depends on: how a script becomes a notebook and how
#: it is run and footed.
RUNNER_MODULES = ("nutshell", "nutshell.demos", "nutshell.demo_execution")
DEFAULT_CELL_TIMEOUT = 300  # seconds; a demo cell should take a few
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: Set to "1" in every demo kernel (unless already set): BLAS and PyTorch use one thread, so sums are done
#: in the same order whether one demo runs or several, and on any number of cores.
KERNEL_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
DEFAULT_WORKERS = 2


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


def _module_file(root: Path, module: str) -> Path | None:
    """The source of ``nutshell[.x.y]`` below ``root`` (the package folder), or None if it has none."""
    parts = module.split(".")[1:]
    for candidate in (root.joinpath(*parts).with_suffix(".py") if parts else None,
                      root.joinpath(*parts, "__init__.py")):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The ``nutshell`` modules a module's source names in any import statement (top level or inside a
    function), each with the packages that contain it; ``from nutshell.x import y`` counts ``y`` when it
    is a module."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "nutshell" or name.startswith("nutshell."):
                parts = name.split(".")
                found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return found


def _declared_inputs(tree: ast.AST) -> list[str]:
    """``DEMO_INPUTS = ("data/runs/*.json", …)`` in a module: files (globs from the project root) that a
    demo using the module reads."""
    patterns = []
    for node in getattr(tree, "body", []):
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEMO_INPUTS"
                                                 for t in node.targets)
                and isinstance(node.value, (ast.Tuple, ast.List))):
            patterns += [item.value for item in node.value.elts
                         if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return patterns


def imported_sources(demo_path: str | Path) -> tuple[list[Path], list[str]]:
    """The ``nutshell`` source files that running the demo can execute, and the input globs they declare.

    Read from the sources (``ast``), never by importing: every import statement counts, also one inside a
    function that this demo may never call, so the set is never too small. The runner's own modules
    (:data:`RUNNER_MODULES`) are always in it.
    """
    root = package_root()
    seen: dict[str, Path] = {}
    inputs: list[str] = []
    pending = set(RUNNER_MODULES) | _imports(ast.parse(Path(demo_path).read_bytes()), "__demo__", False)
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        path = _module_file(root, module)
        if path is None:  # an attribute (from nutshell.nets.mlp import XOR_DEMO), or not there
            continue
        seen[module] = path
        imports, declared = _read_module(path, module)
        inputs += declared
        pending |= imports - seen.keys()
    return sorted(set(seen.values())), sorted(set(inputs))


def _input_base(project_root: Path, pattern: str) -> Path:
    """Where a demo finds ``pattern`` (``data/runs/*.json``), as the modules declaring it look: below the
    folder the kernel runs in when that has the pattern's folder, else in the checkout that holds the
    package (``nutshell.alexnet.records.runs_dir``)."""
    folder = Path(pattern).parent
    if (project_root / folder).is_dir():
        return project_root
    return package_root().parents[1]


_MODULES: PerFileVersion[tuple[set[str], list[str]]] = PerFileVersion()


def _read_module(path: Path, module: str) -> tuple[set[str], list[str]]:
    """A module's nutshell imports and declared inputs, parsed once per version of the file (every demo of a
    build, and every build of `mkdocs serve`, shares the same few modules)."""

    def parse() -> tuple[set[str], list[str]]:
        tree = ast.parse(path.read_bytes())
        return _imports(tree, module, path.name == "__init__.py"), _declared_inputs(tree)

    return _MODULES.get(path, parse, extra=(module,))


def fingerprint(demo_path: str | Path, *, extra: str = "", project_root: str | Path | None = None,
                versions: dict[str, str] | None = None) -> str:
    """Hex digest that changes whenever re-running the demo could change its notebook.

    It hashes the demo file's bytes, the path and bytes of every ``nutshell`` source file the demo can
    run and of every input file they declare (:func:`imported_sources`; globs from ``project_root``,
    by default the folder above the demo's), the versions from :func:`environment_versions`, the cache
    format, and ``extra`` (build options that show up in the notebook, such as where the download links
    point). ``versions``: :func:`environment_versions`, when the caller has them (reading package metadata
    takes ~10 ms a demo).
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:  # length-prefixed, so fields cannot run into each other
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)

    demo_path = Path(demo_path)
    project_root = Path(project_root) if project_root is not None else demo_path.resolve().parent.parent
    add("format", CACHE_FORMAT.encode())
    add("demo", demo_path.read_bytes())
    root = package_root()
    sources, inputs = imported_sources(demo_path)
    for source in sources:
        add(f"src:{source.relative_to(root).as_posix()}", source.read_bytes())
    for pattern in inputs:
        base = _input_base(project_root, pattern)
        for found in sorted(base.glob(pattern)):
            if found.is_file():
                add(f"input:{found.relative_to(base).as_posix()}", found.read_bytes())
    add("versions", json.dumps(versions or environment_versions(), sort_keys=True).encode())
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
    key: str | None = None,
) -> BuildResult:
    """Executed notebook for ``demo``: from the cache when its fingerprint matches, else run it now.

    ``download_prefix`` is the URL of the downloads folder relative to the demo's page; it goes into
    the appended "run it yourself" cell. ``key`` is the fingerprint when the caller has taken it already
    (the cache is then judged by the sources as they were at that moment). Raises
    :class:`DemoExecutionError` when a cell fails.
    """
    target = cached_notebook_path(demo, cache_dir)
    key = key or fingerprint(demo.path, extra=f"download_prefix={download_prefix}", project_root=project_root)
    cached = _read_cached(target)
    if cached is not None and cached.get("fingerprint") == key:
        return BuildResult(demo, target, from_cache=True, seconds=float(cached.get("wall_seconds", 0.0)))

    notebook = execute_demo(demo, project_root=project_root, cell_timeout=cell_timeout)
    info = notebook.metadata["nutshell"]
    info["fingerprint"] = key
    notebook.cells.append(_footer_cell(demo, info, download_prefix))
    _write_notebook(target, notebook)
    return BuildResult(demo, target, from_cache=False, seconds=info["wall_seconds"])


def build_demos(
    demos: Sequence[Demo],
    *,
    project_root: str | Path,
    cache_dir: str | Path,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    download_prefix: str = "../../downloads/",
    workers: int = DEFAULT_WORKERS,
    on_start: Callable[[list[Demo]], None] | None = None,
) -> list[BuildResult | DemoError]:
    """:func:`build_demo` for every demo, up to ``workers`` of them executing at once.

    Returns one entry per demo, in the order given: its BuildResult, or the DemoError it raised (every
    failing demo is reported, not only the first). Demos served from the cache cost nothing; the others
    start longest first (by the time their last run took), which keeps the slowest demo from starting
    last. ``on_start`` is called once with the demos about to be executed, before any starts.
    """
    demos = list(demos)
    # Fingerprints taken once, up front: a source edited while the demos run makes the next build run them
    # again, and does not turn this build's cache hits into executions one after another.
    versions = environment_versions()
    keys = {demo.id: fingerprint(demo.path, extra=f"download_prefix={download_prefix}", project_root=project_root,
                                 versions=versions)
            for demo in demos}
    to_run = [demo for demo in demos
              if (_read_cached(cached_notebook_path(demo, cache_dir)) or {}).get("fingerprint") != keys[demo.id]]
    if on_start is not None and to_run:
        on_start(to_run)
    to_run.sort(key=lambda demo: -_last_wall_seconds(demo, cache_dir))

    def build(demo: Demo) -> BuildResult | DemoError:
        try:
            return build_demo(demo, project_root=project_root, cache_dir=cache_dir, cell_timeout=cell_timeout,
                              download_prefix=download_prefix, key=keys[demo.id])
        except DemoError as error:
            return error

    outcomes: dict[str, BuildResult | DemoError] = {}
    if len(to_run) > 1 and workers > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(to_run)), thread_name_prefix="demo") as pool:
            for demo, outcome in zip(to_run, pool.map(build, to_run)):
                outcomes[demo.id] = outcome
    else:
        outcomes = {demo.id: build(demo) for demo in to_run}
    for demo in demos:  # the cached ones (build_demo checks the fingerprint again: cheap)
        if demo.id not in outcomes:
            outcomes[demo.id] = build(demo)
    return [outcomes[demo.id] for demo in demos]


def _last_wall_seconds(demo: Demo, cache_dir: str | Path) -> float:
    """How long the demo's cached run took, even if it is out of date; 0 when there is none."""
    cached = _read_cached(cached_notebook_path(demo, cache_dir)) or {}
    try:
        return float(cached.get("wall_seconds", 0.0))
    except (TypeError, ValueError):
        return 0.0


_CACHED_INFO: PerFileVersion[dict | None] = PerFileVersion()


def _read_cached(path: Path) -> dict | None:
    """The ``nutshell`` metadata of a cached notebook (fingerprint, wall time, …), or None. Each version of
    the file is parsed once per process: a build asks twice per demo, and `mkdocs serve` at every rebuild."""

    def parse() -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))["metadata"]["nutshell"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    try:
        return _CACHED_INFO.get(path, parse)
    except OSError:
        return None


def _write_notebook(path: Path, notebook) -> None:
    # Whole or not at all: MkDocs may read the cache while another build writes it.
    import nbformat

    text = nbformat.writes(notebook)
    write_atomically(path, (text if text.endswith("\n") else text + "\n").encode("utf-8"))


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
    for variable in KERNEL_THREAD_VARIABLES:
        env.setdefault(variable, "1")

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
            f"{shown_path(demo.path)}: could not run the demo: {error}",
            demo_path=demo.path, cell_number=None, line=None,
        ) from None
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)

    check_outputs(demo, notebook, project_root=project_root)
    _drop_background_hints(notebook)
    notebook.metadata["nutshell"] = {
        "demo": demo.id,
        "executed_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 2),
        "machine": machine,
        "versions": environment_versions(),
    }
    return notebook


# ── what may not reach a page ───────────────────────────────────────────────────────


def local_paths(project_root: str | Path) -> list[str]:
    """Folders of the machine that builds the site, which no page may show: the project, the virtual
    environment and the Python installation, site-packages, and the home folder."""
    import site

    candidates = [Path(project_root).resolve(), Path(sys.prefix), Path(sys.base_prefix), Path.home()]
    try:
        candidates += [Path(p) for p in site.getsitepackages()]
    except AttributeError:  # some virtual environments' site module lacks it
        pass
    paths = []
    for path in candidates:
        text = str(path)
        if len(Path(text).parts) >= 2 and text not in paths and text not in ("/usr", "/usr/local"):
            paths.append(text)  # "/" or a bare "/usr" would match everywhere: never a leak on its own
    return sorted(paths, key=len, reverse=True)


def check_outputs(demo: Demo, notebook, *, project_root: str | Path) -> None:
    """Raise DemoExecutionError, naming the demo and the cell, when an output would publish noise.

    Anything written to stderr fails the build (a warning, a progress bar: on the page it is a red box
    the reader cannot act on), and so does a path of this machine in any output (a warning's file name,
    a repr with a folder in it): it says nothing to the reader and tells everyone where the site was built.
    """
    paths = local_paths(project_root)
    checkout = str(Path(demo.path).resolve().parent.parent)  # the project the demo lives in, wherever run
    if len(Path(checkout).parts) >= 2 and checkout not in paths:
        paths.insert(0, checkout)
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = ANSI_ESCAPE.sub("", "".join(output.get("text", ""))).strip()
                first = text.splitlines()[0] if text else "(blank)"
                raise _execution_error(
                    demo, notebook, index,
                    f"wrote to stderr, which would be published on the page: {first!r}. Fix the cause, "
                    "or silence it in the demo (warnings.filterwarnings, a quiet option, redirecting it)")
            for text in _output_texts(output):
                for path in paths:
                    where = text.find(path)
                    if where >= 0:
                        line = text[text.rfind("\n", 0, where) + 1:].split("\n", 1)[0].strip()
                        raise _execution_error(
                            demo, notebook, index,
                            f"printed a path of this machine ({path}), which would be published on the "
                            f"page: {line[:160]!r}")


def _output_texts(output) -> list[str]:
    """The text of an output: a stream's, or each text-like representation (not base64 images)."""
    if output.get("output_type") == "stream":
        return ["".join(output.get("text", ""))]
    texts = []
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime.endswith(("+xml", "json")):
            texts.append(value if isinstance(value, str) else json.dumps(value) if not isinstance(
                value, list) else "".join(value))
    return texts


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
    where = f"{shown_path(demo.path)}:{line}" if line else shown_path(demo.path)
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
