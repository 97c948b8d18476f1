"""Train and benchmark AlexNet: the 2012 recipe, on the digits that ship with scikit-learn or on your images.

- :mod:`nutshell.alexnet.data` — the embedded digits, an ImageFolder reader, crops, flips, colour noise.
- :mod:`nutshell.alexnet.train` — the training loop: checkpoints, resume, signals, DDP under torchrun.
- :mod:`nutshell.alexnet.bench` — the full-size model on synthetic data: images/s, FLOPs, 2012 vs. now.
- :mod:`nutshell.alexnet.records` — the JSON record every run writes.
- :mod:`nutshell.alexnet.cli` — ``nutshell alexnet train|bench``.

The models themselves live in :mod:`nutshell.nets.alexnet`. This module holds only the two run
configurations, as plain dataclasses, so the command line can show its defaults without importing torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


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


@dataclass
class TrainConfig:
    """One training run. ``None`` means "pick the sensible value for the data and device"."""

    # model
    model: str = "scaled"  # "scaled" (small images, CPU) or "paper" (the 2012 network)
    two_tower: bool = True
    init: str | None = (
        None  # "paper" | "kaiming"; None: the model's default (paper: "paper", scaled: "kaiming")
    )
    # data
    data: str | None = (
        None  # an ImageFolder tree with train/ and val/ (test/ optional); None: embedded digits
    )
    image_size: int | None = (
        None  # side images are brought to before cropping; None: 32 (scaled), 256 (paper)
    )
    crop: int | None = None  # side of the crops the network sees; None: 28 (scaled), 227 (paper)
    flip: bool | None = (
        None  # random horizontal flips; None: off for digits (a mirrored 7 is no 7), on for images
    )
    pca_noise: float | None = (
        None  # std of the paper's PCA colour noise; None: 0.1 for colour images, 0 for grey
    )
    # recipe (the paper's values)
    epochs: int = PAPER_RECIPE["epochs"]
    batch_size: int = PAPER_RECIPE["batch_size"]  # global: split across DDP processes
    lr: float = PAPER_RECIPE["lr"]
    momentum: float = PAPER_RECIPE["momentum"]
    weight_decay: float = PAPER_RECIPE["weight_decay"]
    lr_factor: float = PAPER_RECIPE["lr_factor"]  # lr multiplier when validation error stops improving
    patience: int = 4  # epochs without improvement before the lr drops (the paper does not say)
    seed: int = 0
    # machine
    device: str = "auto"  # "auto" (CUDA when present), "cuda", "cpu"
    amp: str = "auto"  # "auto" (bf16 on CUDA), "bf16", "off"
    channels_last: str = "auto"  # "auto" (on for CUDA), "on", "off"
    compile: bool = False
    threads: int | None = None  # CPU threads for PyTorch's kernels; None: PyTorch's choice (all cores)
    workers: int | None = None  # DataLoader workers; None: 0 for in-memory digits, up to 8 for image files
    # files
    out: str | None = "runs-out/alexnet"  # checkpoint and record; None: write nothing
    record_dir: str | None = None  # where the JSON record goes; None: ``out``
    checkpoint: bool = True
    resume: bool = False
    overwrite: bool = False
    # limits and output
    time_budget: float | None = None  # seconds; training stops at the end of the epoch that passes it
    max_train_batches: int | None = None  # per epoch, for smoke tests
    max_eval_batches: int | None = None
    quiet: bool = False
    stop_after_steps: int | None = None  # tests: behave as if SIGINT arrived after this many steps

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


BENCH_VARIANTS = ("eager-fp32", "eager-bf16", "compiled-fp32", "compiled-bf16")


@dataclass
class BenchConfig:
    """One benchmark invocation: the full-size model on synthetic data, one record per variant."""

    variants: tuple[str, ...] = ("eager-fp32",)
    batch_size: int | None = None  # None: 128 on CUDA (the paper's), 4 on the CPU
    warmup: int | None = None  # steps not timed; None: 10 on CUDA, 1 on the CPU
    steps: int | None = None  # timed steps; None: 50 on CUDA, 3 on the CPU
    input_size: int = 227
    two_tower: bool = True
    device: str = "auto"
    channels_last: str = "auto"
    matmul: bool = True  # on CUDA: time a large bf16 matmul as the practical peak for MFU
    record_dir: str | None = "runs-out"
    quiet: bool = False
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
