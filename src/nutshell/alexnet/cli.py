"""``nutshell alexnet train|bench``: the command line for AlexNet.

Parsing needs no torch, so ``--help`` answers at once; torch is imported only when a command runs.
Mistakes (an unknown option, a missing data directory, a tree without train/ and val/) end with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys

from nutshell.alexnet.config import BENCH_VARIANTS, BenchConfig, ConfigError, TrainConfig
from nutshell.terminal import folder_problem, printable, quiet_when_the_reader_leaves

DEFAULT_PROG = "nutshell alexnet"


class UsageError(Exception):
    """Bad command-line input; the message is the whole line to print."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message} (see --help)")


def add_options(parser: argparse.ArgumentParser, config_class: type) -> None:
    """One option for every field of ``config_class`` whose metadata holds one (see config.option),
    in the order of the fields, under the group each names."""
    groups = {}
    for f in dataclasses.fields(config_class):
        if "option" not in f.metadata:
            continue
        how = dict(f.metadata["option"])
        group, flag = how.pop("group"), how.pop("flag") or "--" + f.name.replace("_", "-")
        if group is not None and group not in groups:
            groups[group] = parser.add_argument_group(group)
        (groups[group] if group else parser).add_argument(flag, dest=f.name, default=f.default, **how)


def build_parser(prog: str = DEFAULT_PROG) -> Parser:
    parser = Parser(
        prog=prog, description="Train or benchmark AlexNet (Krizhevsky, Sutskever & Hinton, 2012)."
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,bench}", parser_class=Parser)
    sub.required = True
    add_options(
        sub.add_parser(
            "train",
            help="train with the 2012 recipe (digits by default)",
            description="Train AlexNet with the 2012 recipe. "
            "Under torchrun, every process trains a replica (DDP).",
        ),
        TrainConfig,
    )
    add_options(
        sub.add_parser(
            "bench",
            help="training images/s of the full-size model, 2012 vs. now",
            description="Time training steps of the full-size AlexNet on synthetic "
            "data; count FLOPs; compare with 2012.",
        ),
        BenchConfig,
    )
    return parser


def _command_text(prog: str, argv: list[str]) -> str:
    world = os.environ.get("LOCAL_WORLD_SIZE") or os.environ.get("WORLD_SIZE")
    if world and int(world) > 1 and prog.startswith("python -m "):
        prog = f"torchrun --nproc_per_node={world} -m {prog.removeprefix('python -m ')}"
    return f"{prog} {shlex.join(argv)}".strip()


def main(argv: list[str] | None = None, prog: str | None = None, direct: bool = False) -> int:
    """Run ``train`` or ``bench``; returns the exit status (0 ok, 2 bad input, 128+n after signal n).

    ``direct=True`` (from ``python -m nutshell.alexnet.train``): ``argv[0]`` names the command and
    ``prog`` is shown for it, without a sub-command.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    direct = direct and prog is not None and argv[:1] in (["train"], ["bench"])
    try:
        if direct:  # python -m nutshell.alexnet.train …: the module is the command
            parser = Parser(prog=prog)
            add_options(parser, TrainConfig if argv[0] == "train" else BenchConfig)
            args = parser.parse_args(argv[1:])
            args.command = argv[0]
            shown = argv[1:]
        else:
            prog = prog or DEFAULT_PROG
            parser = build_parser(prog)
            args = parser.parse_args(argv)
            shown = argv
    except UsageError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    command = _command_text(prog, shown)
    label = prog if direct else f"{prog} {args.command}"
    # Runs take minutes: `… | tee run.log` should show each line when it is printed, not at the end.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        if args.command == "train":
            return _train(args, command)
        return _bench(args, command)
    except KeyboardInterrupt:
        print(f"{label}: interrupted", file=sys.stderr)
        return 130
    except ConfigError as exc:  # DataError too
        print(printable(f"{label}: error: {exc}"), file=sys.stderr)
        return 2


def _check_output_folders(folders: dict[str, str | None]) -> None:
    """Refuse, before torch is even imported, a folder that a run would fail to write into at its end."""
    for option, folder in folders.items():
        if folder is not None and (problem := folder_problem(folder)):
            raise ConfigError(f"{option} {shlex.quote(folder)}: {problem}")


def _train(args, command: str) -> int:
    fields = {k: v for k, v in vars(args).items() if k != "command"}
    cfg = TrainConfig(**fields)
    # --out holds the checkpoint, and the record unless --record-dir says elsewhere.
    out_is_written = cfg.checkpoint or cfg.record_dir is None
    _check_output_folders({"--out": cfg.out if out_is_written else None, "--record-dir": cfg.record_dir})
    from nutshell.alexnet.train import train

    result = train(cfg, command=command)
    return result.exit_code


def _bench(args, command: str) -> int:
    cfg = BenchConfig(**{k: v for k, v in vars(args).items() if k != "command"})
    unknown = [v for v in cfg.variants if v not in BENCH_VARIANTS]
    if unknown or not cfg.variants:
        raise ConfigError(
            f"--variants: unknown {', '.join(unknown) or '(empty)'}; choose from {', '.join(BENCH_VARIANTS)}"
        )
    _check_output_folders({"--record-dir": cfg.record_dir})
    from nutshell.alexnet.bench import run_bench

    run_bench(cfg, command=command)
    return 0


if __name__ == "__main__":
    sys.exit(quiet_when_the_reader_leaves(main)(prog="python -m nutshell.alexnet.cli"))
