"""The settings of a training run and of a benchmark, and what each one accepts. No torch here.

:class:`TrainConfig` and :class:`BenchConfig` are plain dataclasses. A field that is also a command-line
option says so in its metadata (see :func:`option`): its help text, flag, group and value check, so
:mod:`nutshell.alexnet.cli` builds its parsers from these classes instead of listing every option again.
:func:`resolve` fills in the settings left to ``None``/``auto`` that do not need torch to decide.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from dataclasses import dataclass, field


class ConfigError(ValueError):
    """A setting that cannot work; the message says which and why (the CLI prints it and exits 2)."""


# The paper's training recipe (section 5): what TrainConfig defaults to, and what deviations compare with.
PAPER_RECIPE = {
    "optimizer": "SGD",
    "batch_size": 128,
    "lr": 0.01,
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "lr_factor": 0.1,
    "epochs": 90,
}


# -- what a setting accepts on the command line ---------------------------------------------------------
# Each turns the text after a flag into a value or says, in argparse's words, why it cannot.


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number ≥ 0")
    return value


def thread_count(text: str) -> int:
    value = positive_int(text)
    cpus = os.cpu_count() or 1
    if value > cpus:  # more only slows PyTorch down; far more (say 100000) crashes OpenBLAS
        raise argparse.ArgumentTypeError(f"{text} is more than the {cpus} CPUs this machine has")
    return value


# float() accepts 'nan' and 'inf'; a run with either trains to nothing, or never stops, without complaint.
def finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive(text: str) -> float:
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def non_negative(text: str) -> float:
    value = finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def fraction(text: str) -> float:
    value = finite(text)
    if not 0 < value < 1:  # a factor of 1 or more would never lower the rate (PyTorch refuses it)
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1, both excluded")
    return value


def seed_value(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or not 0 <= value < 2**32:  # what NumPy's seeding takes
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to {2**32 - 1}")
    return value


def variant_names(text: str) -> tuple[str, ...]:
    """'eager-fp32, compiled-bf16' → its names; 'all' → every variant. Unknown names are the caller's to
    refuse (with a message that lists the known ones)."""
    if text == "all":
        return BENCH_VARIANTS
    return tuple(v.strip() for v in text.split(",") if v.strip())


def option(default, help: str | None = None, *, group: str | None = None, flag: str | None = None, **how):
    """A dataclass field that is also a command-line option.

    ``help`` may use argparse's ``%(default)s``; ``flag`` is the option's name when it is not the field's
    (``--one-tower`` for ``two_tower``); ``group`` is the heading it is listed under in ``--help``; ``how``
    goes to ``add_argument`` as it is (``type``, ``choices``, ``metavar``, ``action``)."""
    return field(default=default, metadata={"option": {"help": help, "group": group, "flag": flag, **how}})


# -- a training run --------------------------------------------------------------------------------------

MODEL, DATA, RECIPE, MACHINE, FILES, LIMITS = (
    "model",
    "data",
    "recipe (defaults: the paper's)",
    "machine",
    "files",
    "limits and output",
)


@dataclass
class TrainConfig:
    """One training run. ``None`` means "pick the sensible value for the data and device"."""

    model: str = option(
        "scaled",
        "scaled: AlexNet's topology for small images (default); paper: the 2012 network",
        group=MODEL,
        choices=("scaled", "paper"),
    )
    two_tower: bool = option(
        True,
        "no grouped convolutions: every layer sees all maps below it",
        group=MODEL,
        flag="--one-tower",
        action="store_false",
    )
    init: str | None = option(  # None: the model's default
        None,
        "weight initialisation (default: paper for --model paper, kaiming for scaled)",
        group=MODEL,
        choices=("paper", "kaiming"),
    )
    data: str | None = option(  # None: the embedded digits
        None,
        "image tree DIR/train/<class>/*.png and DIR/val/<class>/*.png (DIR/test optional); "
        "default: the handwritten digits that ship with scikit-learn",
        group=DATA,
        metavar="DIR",
    )
    image_size: int | None = option(
        None,
        "side images are scaled to before cropping (default: 32 scaled, 256 paper)",
        group=DATA,
        type=positive_int,
        metavar="N",
    )
    crop: int | None = option(
        None,
        "side of the crops the network sees (default: 28 scaled, 227 paper)",
        group=DATA,
        type=positive_int,
        metavar="N",
    )
    flip: bool | None = option(  # None: off for digits (a mirrored 7 is no 7), on for images
        None,
        "random mirror images (default: off for digits, on for image folders)",
        group=DATA,
        action=argparse.BooleanOptionalAction,
    )
    pca_noise: float | None = option(
        None,
        "std of the paper's PCA colour noise (default: 0.1 for colour, 0 for grey)",
        group=DATA,
        type=non_negative,
        metavar="STD",
    )
    epochs: int = option(PAPER_RECIPE["epochs"], "(default: %(default)s)", group=RECIPE, type=positive_int)
    batch_size: int = option(
        PAPER_RECIPE["batch_size"],
        "global batch, split across processes (default: %(default)s)",
        group=RECIPE,
        type=positive_int,
    )
    lr: float = option(PAPER_RECIPE["lr"], "(default: %(default)s)", group=RECIPE, type=positive)
    momentum: float = option(
        PAPER_RECIPE["momentum"], "(default: %(default)s)", group=RECIPE, type=non_negative
    )
    weight_decay: float = option(
        PAPER_RECIPE["weight_decay"], "(default: %(default)s)", group=RECIPE, type=non_negative
    )
    lr_factor: float = option(
        PAPER_RECIPE["lr_factor"],
        "lr multiplier when validation error stops improving (default: %(default)s)",
        group=RECIPE,
        type=fraction,
    )
    patience: int = option(  # the paper does not say
        4,
        "epochs without improvement before the lr drops (default: %(default)s)",
        group=RECIPE,
        type=non_negative_int,
    )
    seed: int = option(0, "(default: %(default)s)", group=RECIPE, type=seed_value)
    device: str = option(
        "auto", "auto: CUDA when present (default)", group=MACHINE, choices=("auto", "cpu", "cuda")
    )
    amp: str = option(
        "auto", "bf16 autocast; auto: on for CUDA (default)", group=MACHINE, choices=("auto", "bf16", "off")
    )
    channels_last: str = option(
        "auto", "NHWC tensors; auto: on for CUDA (default)", group=MACHINE, choices=("auto", "on", "off")
    )
    compile: bool = option(False, "torch.compile the model", group=MACHINE, action="store_true")
    threads: int | None = option(  # None: all cores
        None,
        "CPU threads for PyTorch (default: PyTorch's choice)",
        group=MACHINE,
        type=thread_count,
        metavar="N",
    )
    workers: int | None = option(
        None,
        "DataLoader workers (default: 0 for digits, up to 8 for image folders)",
        group=MACHINE,
        type=non_negative_int,
        metavar="N",
    )
    out: str | None = option(  # None: write nothing
        "runs-out/alexnet",
        "checkpoint and record directory (default: %(default)s)",
        group=FILES,
        metavar="DIR",
    )
    record_dir: str | None = option(  # None: ``out``
        None, "write the JSON record here instead", group=FILES, metavar="DIR"
    )
    checkpoint: bool = option(
        True,
        "write no checkpoints (benchmark runs)",
        group=FILES,
        flag="--no-checkpoint",
        action="store_false",
    )
    resume: bool = option(False, "continue from DIR/checkpoint.pt", group=FILES, action="store_true")
    overwrite: bool = option(
        False, "start again over an existing checkpoint", group=FILES, action="store_true"
    )
    time_budget: float | None = option(
        None,
        "stop at the end of the epoch that passes this many seconds",
        group=LIMITS,
        type=positive,
        metavar="SECONDS",
    )
    max_train_batches: int | None = option(
        None, "batches per epoch (smoke tests)", group=LIMITS, type=positive_int, metavar="N"
    )
    max_eval_batches: int | None = option(
        None, "batches per evaluation (smoke tests)", group=LIMITS, type=positive_int, metavar="N"
    )
    quiet: bool = option(
        False, "no progress bar: one line per epoch, for logs", group=LIMITS, action="store_true"
    )
    stop_after_steps: int | None = None  # tests: behave as if SIGINT arrived after this many steps

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Settings:
    """A TrainConfig's ``None``/``auto`` values for the model and the data, filled in."""

    digits: bool
    image_size: int
    crop: int
    flip: bool
    pca_noise: float
    init: str


def resolve(cfg: TrainConfig) -> Settings:
    if cfg.model not in ("scaled", "paper"):
        raise ConfigError(f"--model {cfg.model!r}: use 'scaled' or 'paper'")
    paper = cfg.model == "paper"
    digits = cfg.data is None
    image_size = cfg.image_size or (256 if paper else 32)
    crop = cfg.crop or (227 if paper else 28)
    if crop > image_size:
        raise ConfigError(f"--crop {crop} is larger than --image-size {image_size}")
    init = cfg.init or ("paper" if paper else "kaiming")
    if init not in ("paper", "kaiming"):
        raise ConfigError(f"--init {init!r}: use 'paper' or 'kaiming'")
    flip = (not digits) if cfg.flip is None else cfg.flip
    pca_noise = (0.0 if digits else 0.1) if cfg.pca_noise is None else cfg.pca_noise
    return Settings(digits, image_size, crop, flip, pca_noise, init)


def check_config(cfg: TrainConfig) -> None:
    """What the command line refuses while parsing, refused for a TrainConfig made in Python too."""
    for name in ("epochs", "batch_size"):
        if getattr(cfg, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(cfg, name)})")
    if cfg.lr <= 0:
        raise ConfigError(f"--lr must be positive (got {cfg.lr})")
    for name, allowed in (
        ("device", ("auto", "cpu", "cuda")),
        ("amp", ("auto", "bf16", "off")),
        ("channels_last", ("auto", "on", "off")),
    ):
        if getattr(cfg, name) not in allowed:
            raise ConfigError(
                f"--{name.replace('_', '-')} {getattr(cfg, name)!r}: use one of {', '.join(allowed)}"
            )
    for name in ("max_train_batches", "max_eval_batches", "workers", "threads"):
        value = getattr(cfg, name)
        if value is not None and value < (0 if name == "workers" else 1):
            raise ConfigError(f"--{name.replace('_', '-')} must be positive (got {value})")


# -- a benchmark -----------------------------------------------------------------------------------------

BENCH_VARIANTS = ("eager-fp32", "eager-bf16", "compiled-fp32", "compiled-bf16")
DEFAULT_VARIANTS = ("eager-fp32",)


@dataclass
class BenchConfig:
    """One benchmark invocation: the full-size model on synthetic data, one record per variant."""

    variants: tuple[str, ...] = option(
        DEFAULT_VARIANTS,
        f"comma-separated, from {', '.join(BENCH_VARIANTS)}, or 'all' "
        f"(default: {','.join(DEFAULT_VARIANTS)})",
        type=variant_names,
        metavar="LIST",
    )
    batch_size: int | None = option(None, "(default: 128 on CUDA, 4 on the CPU)", type=positive_int)
    warmup: int | None = option(None, "untimed steps (default: 10 CUDA, 1 CPU)", type=non_negative_int)
    steps: int | None = option(None, "timed steps (default: 50 CUDA, 3 CPU)", type=positive_int)
    input_size: int = option(
        227,
        "227 (default; what the layer arithmetic needs) or 224 with conv1 padded by 2",
        type=int,
        choices=(224, 227),
    )
    two_tower: bool = option(True, "no grouped convolutions", flag="--one-tower", action="store_false")
    device: str = option("auto", choices=("auto", "cpu", "cuda"))
    channels_last: str = option("auto", choices=("auto", "on", "off"))
    matmul: bool = option(  # on CUDA: time a large bf16 matmul as the practical peak for MFU
        True, "skip the bf16 matmul peak (CUDA)", flag="--no-matmul", action="store_false"
    )
    record_dir: str | None = option("runs-out", "(default: %(default)s)", metavar="DIR")
    quiet: bool = option(False, action="store_true")
    seed: int = 0

    def replace(self, **changes) -> BenchConfig:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# The run on the demo page (and in its test): the scaled network on the embedded digits. Batches of
# 32 instead of 128 give ~40 updates per epoch on 1,257 training images instead of ~10. One CPU
# thread: the result does not depend on how many cores the build machine has, and a thread that
# loses its core to another process cannot stall the other one at every step (two threads on two
# shared cores swing between ~1,200 and ~100 images/s; one thread stays near 600).
DEMO_CONFIG = TrainConfig(
    model="scaled", batch_size=32, epochs=12, out=None, quiet=True, device="cpu", threads=1, seed=0
)
DEMO_MIN_ACCURACY = 0.95  # what the page promises on the held-out test digits
