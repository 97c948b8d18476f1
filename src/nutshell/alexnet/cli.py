"""``nutshell alexnet train|bench``: the command line for AlexNet.

:func:`add_alexnet_commands` fills in ``alexnet`` in the ``nutshell`` parser tree (:mod:`nutshell.cli`);
:func:`run_as_module` is ``python -m nutshell.alexnet.train`` (and ``bench``, and this module), which
torchrun starts once per process. The options are not listed here: they come from the fields of
TrainConfig and BenchConfig (see config.option), so parsing needs no torch and ``--help`` answers at
once; torch is imported only when a command runs. Mistakes (an unknown option, a missing data
directory, a tree without train/ and val/) end with one line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys

from nutshell.alexnet.config import BENCH_VARIANTS, BenchConfig, ConfigError, TrainConfig
from nutshell.terminal import (
    EXIT_OK,
    EXIT_STATUS_HELP,
    CommandParser,
    UsageError,
    folder_problem,
    quiet_when_the_reader_leaves,
    run_command_line,
)

DESCRIPTION = "Train or benchmark AlexNet (Krizhevsky, Sutskever & Hinton, 2012)."
COMMANDS = {
    "train": {
        "help": "train with the 2012 recipe (digits by default)",
        "description": "Train AlexNet with the 2012 recipe. Under torchrun, every process trains a replica "
        "(DDP).",
    },
    "bench": {
        "help": "training images/s of the full-size model, 2012 vs. now",
        "description": "Time training steps of the full-size AlexNet on synthetic data; count FLOPs; "
        "compare with 2012.",
    },
}


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


def _add_command(parser: argparse.ArgumentParser, command: str) -> None:
    """``command``'s options and the function that runs it, on ``parser``."""
    add_options(parser, TrainConfig if command == "train" else BenchConfig)
    parser.set_defaults(run=_train if command == "train" else _bench)


def _add_train_and_bench(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="alexnet_command", metavar="COMMAND", required=True)
    for command, how in COMMANDS.items():
        _add_command(commands.add_parser(command, **how), command)


def add_alexnet_commands(alexnet: argparse.ArgumentParser) -> None:
    """``train`` and ``bench``, and their options, on ``alexnet``: the parser of ``nutshell alexnet``."""
    alexnet.description = DESCRIPTION
    _add_train_and_bench(alexnet)


def run_as_module(prog: str, command: str | None = None) -> int:
    """``python -m nutshell.alexnet.train ARGS`` (``command`` "train"; "bench" likewise) or ``python -m
    nutshell.alexnet.cli train|bench ARGS`` (no ``command``): the same commands as ``nutshell alexnet …``,
    named for the module, as the run's record says (torchrun's command when under torchrun)."""
    parser = CommandParser(
        prog=prog, description=COMMANDS[command]["description"] if command else DESCRIPTION,
        epilog=EXIT_STATUS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps its lines
    )
    if command:
        _add_command(parser, command)
    else:
        _add_train_and_bench(parser)
    return quiet_when_the_reader_leaves(run_command_line)(parser, sys.argv[1:])


def _command_text(argv: list[str]) -> str:
    """What was typed (program first), as the record shows it: ``torchrun …`` for each of its processes."""
    prog, typed = argv[0], argv[1:]
    world = os.environ.get("LOCAL_WORLD_SIZE") or os.environ.get("WORLD_SIZE")
    if world and int(world) > 1 and prog.startswith("python -m "):
        prog = f"torchrun --nproc_per_node={world} -m {prog.removeprefix('python -m ')}"
    return f"{prog} {shlex.join(typed)}".strip()


def _settings(config_class: type, args: argparse.Namespace):
    """``config_class`` with the options' values (the fields that are no option keep their defaults)."""
    names = [f.name for f in dataclasses.fields(config_class) if "option" in f.metadata]
    return config_class(**{name: getattr(args, name) for name in names})


def _check_output_folders(folders: dict[str, str | None]) -> None:
    """Refuse, before torch is even imported, a folder that a run would fail to write into at its end."""
    for option, folder in folders.items():
        if folder is not None and (problem := folder_problem(folder)):
            raise ConfigError(f"{option} {shlex.quote(folder)}: {problem}")


def _line_buffered_stdout() -> None:
    # Runs take minutes: `… | tee run.log` should show each line when it is printed, not at the end.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)


def _train(args: argparse.Namespace) -> int:
    _line_buffered_stdout()
    try:
        cfg = _settings(TrainConfig, args)
        # --out holds the checkpoint, and the record unless --record-dir says elsewhere.
        out_is_written = cfg.checkpoint or cfg.record_dir is None
        _check_output_folders({"--out": cfg.out if out_is_written else None, "--record-dir": cfg.record_dir})
        from nutshell.alexnet.train import train

        return train(cfg, command=_command_text(args.argv)).exit_code
    except ConfigError as error:  # DataError too: a setting, folder or checkpoint that cannot be used
        raise UsageError(str(error)) from None


def _bench(args: argparse.Namespace) -> int:
    _line_buffered_stdout()
    try:
        cfg = _settings(BenchConfig, args)
        unknown = [v for v in cfg.variants if v not in BENCH_VARIANTS]
        if unknown or not cfg.variants:
            raise ConfigError(f"--variants: unknown {', '.join(unknown) or '(empty)'}; "
                              f"choose from {', '.join(BENCH_VARIANTS)}")
        _check_output_folders({"--record-dir": cfg.record_dir})
        from nutshell.alexnet.bench import run_bench

        run_bench(cfg, command=_command_text(args.argv))
        return EXIT_OK
    except ConfigError as error:
        raise UsageError(str(error)) from None


if __name__ == "__main__":
    sys.exit(run_as_module(prog="python -m nutshell.alexnet.cli"))
