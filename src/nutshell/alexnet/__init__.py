"""Train and benchmark AlexNet: the 2012 recipe, on the digits that ship with scikit-learn or on your images.

The models themselves live in :mod:`nutshell.nets.alexnet`. Around them, each module does one thing:

- :mod:`~nutshell.alexnet.config` — the settings of a run and of a benchmark (no torch: ``--help`` is fast).
- :mod:`~nutshell.alexnet.cli` — ``nutshell alexnet train|bench``, its options derived from the settings.
- :mod:`~nutshell.alexnet.data` — the embedded digits, an ImageFolder reader, crops, flips, colour noise.
- :mod:`~nutshell.alexnet.train` — the training loop, top to bottom; ``python -m nutshell.alexnet.train``.
- :mod:`~nutshell.alexnet.run` — a training run's parts, set up from its settings (and a checkpoint).
- :mod:`~nutshell.alexnet.bench` — the full-size model on synthetic data: images/s, FLOPs, 2012 vs. now.
- :mod:`~nutshell.alexnet.machine` — device, bf16 autocast, channels-last, ``torch.compile``.
- :mod:`~nutshell.alexnet.recipe` — the paper's SGD, its learning-rate schedule, one training step.
- :mod:`~nutshell.alexnet.evaluation` — loss and accuracy over a data set; a model's answers.
- :mod:`~nutshell.alexnet.distributed` — joining and leaving torchrun's processes, what they share.
- :mod:`~nutshell.alexnet.signals` — SIGINT and SIGTERM as a request to stop after the current step.
- :mod:`~nutshell.alexnet.state` — :class:`~nutshell.alexnet.state.TrainState`, saved and restored whole.
- :mod:`~nutshell.alexnet.checkpoint` — checkpoint files: atomic, checksummed, checked before resuming.
- :mod:`~nutshell.alexnet.progress` — what a run prints while it trains.
- :mod:`~nutshell.alexnet.records` — the JSON record every run writes.
- :mod:`~nutshell.alexnet.report` — how a run differs from the paper, and tables for the demo page.

Imports run one way: ``cli`` imports ``train`` and ``bench`` (when a command runs), never the reverse.
"""

from nutshell.alexnet.config import (
    BENCH_VARIANTS,
    DEMO_CONFIG,
    DEMO_MIN_ACCURACY,
    PAPER_RECIPE,
    BenchConfig,
    ConfigError,
    TrainConfig,
)

__all__ = [
    "BENCH_VARIANTS",
    "DEMO_CONFIG",
    "DEMO_MIN_ACCURACY",
    "PAPER_RECIPE",
    "BenchConfig",
    "ConfigError",
    "TrainConfig",
]
