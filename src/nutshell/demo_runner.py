"""``nutshell demo list`` and ``nutshell demo run NAME [--out DIR]``: the demos, outside the site.

``run`` executes the demo script top to bottom in a fresh Python on the CPU, with matplotlib's
non-interactive Agg backend. The script prints its key numbers as it goes, and every figure it hands
to :func:`nutshell.figures.show` is saved as a PNG in ``--out`` (default ``demo-out/<id>``).

:func:`add_demo_commands` fills in ``demo`` in the ``nutshell`` parser tree (:mod:`nutshell.cli`).
Nothing here imports the notebook machinery. ``python -m nutshell.demo_runner list`` is
``nutshell demo list``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from nutshell.demos import Demo, DemoError, discover_demos
from nutshell.figures import FIGURE_DIR_ENV
from nutshell.files import shown_path
from nutshell.terminal import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, folder_problem, printable

PROG = "nutshell demo"


def default_demos_dir() -> Path:
    """``demos/`` of the checkout the package is installed from, else ``./demos``."""
    checkout = Path(__file__).resolve().parents[2] / "demos"  # src/nutshell/demo_runner.py → repository root
    return checkout if checkout.is_dir() else Path.cwd() / "demos"


def add_demo_commands(demo: argparse.ArgumentParser) -> None:
    """``list`` and ``run``, and their options, on ``demo``: the parser of ``nutshell demo``."""
    demo.description = "List the demos, or run one: it prints its numbers and saves its figures as PNGs."
    demo.add_argument(
        "--demos-dir", type=Path, default=None, metavar="DIR",
        help="where the demo scripts are (default: demos/ of this checkout)",
    )
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="COMMAND", required=True)
    listing = demo_commands.add_parser("list", help="show every demo with its one-line description")
    listing.set_defaults(run=_list_command)
    run = demo_commands.add_parser("run", help="run one demo on the CPU and save its figures")
    run.add_argument("name", help="demo id, as shown by 'nutshell demo list' (e.g. xor)")
    run.add_argument(
        "--out", default=None, metavar="DIR",  # a string, not a Path: Path("") would quietly mean "here"
        help="folder for the PNG figures (default: demo-out/NAME)",
    )
    run.set_defaults(run=_run_command)


def _list_command(args) -> int:
    demos = _demos(args.demos_dir)
    return EXIT_FAILED if demos is None else list_demos(demos)


def _run_command(args) -> int:
    demos = _demos(args.demos_dir)
    return EXIT_FAILED if demos is None else run_demo(demos, args.name, args.out)


def _demos(demos_dir: Path | None) -> list[Demo] | None:
    """The demos in ``demos_dir`` (default: default_demos_dir()), or None once their problems are printed.

    A --demos-dir that is not a folder is a mistake in what was typed (UsageError, exit status 2); a
    demo that cannot be read is a problem found in the demos (exit status 1).
    """
    if demos_dir is not None and not demos_dir.is_dir():
        raise UsageError(f"{demos_dir}: demo directory not found")
    try:
        return discover_demos(demos_dir or default_demos_dir())
    except DemoError as error:
        _fail(str(error))
        return None


def list_demos(demos: list[Demo]) -> int:
    if not demos:
        print("no demos found")
        return EXIT_OK
    width = max(len(demo.id) for demo in demos)
    for demo in demos:
        print(printable(f"{demo.id:<{width}}  {demo.title} — {demo.description}"))
    print(f"\nrun one with: {PROG} run ID   (prints its numbers, saves its figures as PNGs)")
    return EXIT_OK


def find_demo(demos: list[Demo], name: str) -> Demo:
    """The demo called ``name`` (``xor``, ``xor.py`` and ``demos/xor.py`` all work); a UsageError that
    names the closest, and every demo, when there is none."""
    wanted = Path(name).name.removesuffix(".py").lower()
    for demo in demos:
        if demo.id == wanted:
            return demo
    ids = [demo.id for demo in demos]
    close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UsageError(f"no demo named '{name}'{hint}; known demos: {', '.join(ids) or 'none'}")


def run_demo(demos: list[Demo], name: str, out: str | Path | None) -> int:
    demo = find_demo(demos, name)
    if out is not None and (problem := folder_problem(out)):  # before the demo runs, not after its work
        raise UsageError(f"--out {shlex.quote(str(out))}: {problem}")
    out = (Path("demo-out") / demo.id if out is None else Path(out)).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # the default demo-out/ in a folder we may not write to
        return _fail(f"cannot create {out}: {error.strerror or error} (pass --out DIR)")
    before = {p: p.stat().st_mtime_ns for p in out.glob("*.png")}

    env = dict(os.environ)
    env.update({
        "MPLBACKEND": "Agg",  # no windows: figures go to files
        FIGURE_DIR_ENV: str(out),
        "CUDA_VISIBLE_DEVICES": "",  # the demos are sized for a CPU; same numbers everywhere
        "PYTHONUNBUFFERED": "1",  # print lines as they come
    })
    project_root = demo.path.resolve().parent.parent
    print(printable(f"running {demo.id}: {demo.title}\n"), flush=True)
    started = time.perf_counter()
    try:
        status = _run_passing_stdout_on([sys.executable, str(demo.path.resolve())], cwd=project_root, env=env)
    except KeyboardInterrupt:
        _fail(f"demo '{demo.id}' interrupted")
        return EXIT_INTERRUPTED
    seconds = time.perf_counter() - started
    if status != 0:
        return _fail(f"demo '{demo.id}' failed (exit status {status}) after {seconds:.1f} s;"
                     " its error is above")
    figures = sorted(p for p in out.glob("*.png") if before.get(p) != p.stat().st_mtime_ns)
    print(f"\n{demo.id}: done in {seconds:.1f} s; {len(figures)} figure(s) in {shown_path(out)}")
    for figure in figures:
        print(f"  {figure.name}")
    return EXIT_OK


def _run_passing_stdout_on(command: list[str], **popen_args) -> int:
    """Run ``command``, passing its stdout on through ours as it comes; returns its exit status.

    The demo does not inherit our stdout because a reader that leaves early (``nutshell demo run xor |
    head``) would then kill it with a BrokenPipeError traceback of its own. Here the closed pipe raises
    in this process, where the front end ends quietly. Its stderr is inherited: errors show as they are.
    """
    with subprocess.Popen(command, stdout=subprocess.PIPE, **popen_args) as demo:
        try:
            while chunk := os.read(demo.stdout.fileno(), 1 << 16):
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
        except BaseException:  # the reader left, or Ctrl-C: nothing the demo prints can be shown now
            demo.kill()
            raise
    return demo.returncode


def _fail(message: str) -> int:
    print(printable(f"{PROG}: {message}"), file=sys.stderr)  # messages quote demo titles and what was typed
    return EXIT_FAILED


if __name__ == "__main__":  # `python -m nutshell.demo_runner ARGS` is `nutshell demo ARGS`
    from nutshell.cli import main

    sys.exit(main(["demo", *sys.argv[1:]]))
