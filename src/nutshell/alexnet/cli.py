"""``nutshell alexnet train|bench``: the command line for AlexNet.

Parsing needs no torch, so ``--help`` answers at once; torch is imported only when a command runs.
Mistakes (an unknown option, a missing data directory, a tree without train/ and val/) end with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys

from nutshell.alexnet import BENCH_VARIANTS, BenchConfig, ConfigError, TrainConfig
from nutshell.terminal import folder_problem, printable, quiet_when_the_reader_leaves

DEFAULT_PROG = "nutshell alexnet"


class UsageError(Exception):
    """Bad command-line input; the message is the whole line to print."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message} (see --help)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number ≥ 0")
    return value


def _thread_count(text: str) -> int:
    value = _positive_int(text)
    cpus = os.cpu_count() or 1
    if value > cpus:  # more only slows PyTorch down; far more (say 100000) crashes OpenBLAS
        raise argparse.ArgumentTypeError(f"{text} is more than the {cpus} CPUs this machine has")
    return value


# float() accepts 'nan' and 'inf'; a run with either trains to nothing, or never stops, without complaint.
def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def _non_negative(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def _fraction(text: str) -> float:
    value = _finite(text)
    if not 0 < value < 1:  # a factor of 1 or more would never lower the rate (PyTorch refuses it)
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1, both excluded")
    return value


def _seed(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or not 0 <= value < 2**32:  # what NumPy's seeding takes
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to {2**32 - 1}")
    return value


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    model = p.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=("scaled", "paper"),
        default=d.model,
        help="scaled: AlexNet's topology for small images (default); paper: the 2012 network",
    )
    model.add_argument(
        "--one-tower",
        dest="two_tower",
        action="store_false",
        help="no grouped convolutions: every layer sees all maps below it",
    )
    model.add_argument(
        "--init",
        choices=("paper", "kaiming"),
        default=None,
        help="weight initialisation (default: paper for --model paper, kaiming for scaled)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="image tree DIR/train/<class>/*.png and DIR/val/<class>/*.png (DIR/test optional); "
        "default: the handwritten digits that ship with scikit-learn",
    )
    data.add_argument(
        "--image-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="side images are scaled to before cropping (default: 32 scaled, 256 paper)",
    )
    data.add_argument(
        "--crop",
        type=_positive_int,
        default=None,
        metavar="N",
        help="side of the crops the network sees (default: 28 scaled, 227 paper)",
    )
    data.add_argument(
        "--flip",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random mirror images (default: off for digits, on for image folders)",
    )
    data.add_argument(
        "--pca-noise",
        type=_non_negative,
        default=None,
        metavar="STD",
        help="std of the paper's PCA colour noise (default: 0.1 for colour, 0 for grey)",
    )
    recipe = p.add_argument_group("recipe (defaults: the paper's)")
    recipe.add_argument("--epochs", type=_positive_int, default=d.epochs, help=f"(default: {d.epochs})")
    recipe.add_argument(
        "--batch-size",
        type=_positive_int,
        default=d.batch_size,
        help=f"global batch, split across processes (default: {d.batch_size})",
    )
    recipe.add_argument("--lr", type=_positive, default=d.lr, help=f"(default: {d.lr})")
    recipe.add_argument("--momentum", type=_non_negative, default=d.momentum, help=f"(default: {d.momentum})")
    recipe.add_argument(
        "--weight-decay", type=_non_negative, default=d.weight_decay, help=f"(default: {d.weight_decay})"
    )
    recipe.add_argument(
        "--lr-factor",
        type=_fraction,
        default=d.lr_factor,
        help=f"lr multiplier when validation error stops improving (default: {d.lr_factor})",
    )
    recipe.add_argument(
        "--patience",
        type=_non_negative_int,
        default=d.patience,
        help=f"epochs without improvement before the lr drops (default: {d.patience})",
    )
    recipe.add_argument("--seed", type=_seed, default=d.seed, help=f"(default: {d.seed})")
    machine = p.add_argument_group("machine")
    machine.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default=d.device,
        help="auto: CUDA when present (default)",
    )
    machine.add_argument(
        "--amp",
        choices=("auto", "bf16", "off"),
        default=d.amp,
        help="bf16 autocast; auto: on for CUDA (default)",
    )
    machine.add_argument(
        "--channels-last",
        choices=("auto", "on", "off"),
        default=d.channels_last,
        help="NHWC tensors; auto: on for CUDA (default)",
    )
    machine.add_argument("--compile", action="store_true", help="torch.compile the model")
    machine.add_argument(
        "--threads",
        type=_thread_count,
        default=None,
        metavar="N",
        help="CPU threads for PyTorch (default: PyTorch's choice)",
    )
    machine.add_argument(
        "--workers",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help="DataLoader workers (default: 0 for digits, up to 8 for image folders)",
    )
    files = p.add_argument_group("files")
    files.add_argument(
        "--out", metavar="DIR", default=d.out, help=f"checkpoint and record directory (default: {d.out})"
    )
    files.add_argument("--record-dir", metavar="DIR", default=None, help="write the JSON record here instead")
    files.add_argument(
        "--no-checkpoint",
        dest="checkpoint",
        action="store_false",
        help="write no checkpoints (benchmark runs)",
    )
    files.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    files.add_argument("--overwrite", action="store_true", help="start again over an existing checkpoint")
    limits = p.add_argument_group("limits and output")
    limits.add_argument(
        "--time-budget",
        type=_positive,
        default=None,
        metavar="SECONDS",
        help="stop at the end of the epoch that passes this many seconds",
    )
    limits.add_argument(
        "--max-train-batches",
        type=_positive_int,
        default=None,
        metavar="N",
        help="batches per epoch (smoke tests)",
    )
    limits.add_argument(
        "--max-eval-batches",
        type=_positive_int,
        default=None,
        metavar="N",
        help="batches per evaluation (smoke tests)",
    )
    limits.add_argument("--quiet", action="store_true", help="no progress bar: one line per epoch, for logs")


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    d = BenchConfig()
    p.add_argument(
        "--variants",
        default=",".join(d.variants),
        metavar="LIST",
        help=f"comma-separated, from {', '.join(BENCH_VARIANTS)}, or 'all' (default: {','.join(d.variants)})",
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=None, help="(default: 128 on CUDA, 4 on the CPU)"
    )
    p.add_argument(
        "--warmup", type=_non_negative_int, default=None, help="untimed steps (default: 10 CUDA, 1 CPU)"
    )
    p.add_argument("--steps", type=_positive_int, default=None, help="timed steps (default: 50 CUDA, 3 CPU)")
    p.add_argument(
        "--input-size",
        type=int,
        choices=(224, 227),
        default=d.input_size,
        help="227 (default; what the layer arithmetic needs) or 224 with conv1 padded by 2",
    )
    p.add_argument("--one-tower", dest="two_tower", action="store_false", help="no grouped convolutions")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=d.device)
    p.add_argument("--channels-last", choices=("auto", "on", "off"), default=d.channels_last)
    p.add_argument(
        "--no-matmul", dest="matmul", action="store_false", help="skip the bf16 matmul peak (CUDA)"
    )
    p.add_argument("--record-dir", metavar="DIR", default=d.record_dir, help=f"(default: {d.record_dir})")
    p.add_argument("--quiet", action="store_true")


def build_parser(prog: str = DEFAULT_PROG) -> Parser:
    parser = Parser(
        prog=prog, description="Train or benchmark AlexNet (Krizhevsky, Sutskever & Hinton, 2012)."
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,bench}", parser_class=Parser)
    sub.required = True
    add_train_arguments(
        sub.add_parser(
            "train",
            help="train with the 2012 recipe (digits by default)",
            description="Train AlexNet with the 2012 recipe. "
            "Under torchrun, every process trains a replica (DDP).",
        )
    )
    add_bench_arguments(
        sub.add_parser(
            "bench",
            help="training images/s of the full-size model, 2012 vs. now",
            description="Time training steps of the full-size AlexNet on synthetic "
            "data; count FLOPs; compare with 2012.",
        )
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
            (add_train_arguments if argv[0] == "train" else add_bench_arguments)(parser)
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
    names = (
        BENCH_VARIANTS
        if args.variants == "all"
        else tuple(v.strip() for v in args.variants.split(",") if v.strip())
    )
    unknown = [v for v in names if v not in BENCH_VARIANTS]
    if unknown or not names:
        raise ConfigError(
            f"--variants: unknown {', '.join(unknown) or '(empty)'}; choose from {', '.join(BENCH_VARIANTS)}"
        )
    fields = {k: v for k, v in vars(args).items() if k not in ("command", "variants")}
    cfg = BenchConfig(variants=names, **fields)
    _check_output_folders({"--record-dir": cfg.record_dir})
    from nutshell.alexnet.bench import run_bench

    run_bench(cfg, command=command)
    return 0


if __name__ == "__main__":
    sys.exit(quiet_when_the_reader_leaves(main)(prog="python -m nutshell.alexnet.cli"))
