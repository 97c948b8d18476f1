"""Rectified linear units against sigmoids: derivatives, training speed with depth, and dead units.

Everything trains the networks of :mod:`nutshell.nets.deep` (``make_net``, ``train``, ``make_task``) with
plain SGD; this module only adds what the ReLU demo measures on top of them:

- :func:`activation_derivatives` — f′(z) of deep's own activation modules, by autograd, and
  :func:`slopes_in_network` — the same, at every hidden unit of a network for a batch of inputs;
- :func:`training_speed` — loss curves and steps to a loss threshold, sigmoid against ReLU, by depth;
- :func:`dead_fractions` — per hidden layer, the share of ReLUs that output 0 for every input of a set;
- :func:`dead_unit_sweep` — those shares after training at a range of learning rates and seeds.

Settings of the demo page: :data:`RELU_DEMO`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nutshell.nets.deep import ACTIVATIONS, make_net, make_task, train

INIT_FOR = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}  # each activation with its customary scale


@dataclass(frozen=True)
class ReluSettings:
    # the task: one draw of deep.make_task, split into a training set and a held-out set
    n_train: int = 512
    n_heldout: int = 512
    in_features: int = 8
    task_seed: int = 0
    width: int = 32
    batch_size: int = 64
    # training speed, sigmoid against ReLU
    depths: tuple[int, ...] = (1, 2, 3, 4, 6, 8)
    steps: int = 1500
    lr: float = 0.05
    sigmoid_lr_boost: float = 4.0    # 1 / (the sigmoid's largest slope): does a bigger step make up for it?
    loss_threshold: float = 0.2      # "trained": a fifth of the target's variance left unexplained
    seed: int = 0
    # dead units: one ReLU architecture trained at several learning rates, several seeds each
    dead_depth: int = 3
    dead_steps: int = 300
    dead_lrs: tuple[float, ...] = (0.01, 0.03, 0.06, 0.09, 0.12, 0.15)
    sensible_lr: float = 0.03
    too_large_lr: float = 0.12
    dead_seeds: tuple[int, ...] = tuple(range(8))

    @property
    def boosted_sigmoid_lr(self) -> float:
        return self.lr * self.sigmoid_lr_boost

    def __post_init__(self) -> None:
        if self.sensible_lr not in self.dead_lrs or self.too_large_lr not in self.dead_lrs:
            raise ValueError("sensible_lr and too_large_lr must be among dead_lrs")


RELU_DEMO = ReluSettings()


def split_task(
    settings: ReluSettings = RELU_DEMO,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``X_train, y_train, X_heldout, y_heldout``: one draw of the task, so both halves share the target."""
    X, y = make_task(n=settings.n_train + settings.n_heldout, in_features=settings.in_features,
                     seed=settings.task_seed)
    n = settings.n_train
    return X[:n], y[:n], X[n:], y[n:]


def activation_derivatives(z: np.ndarray) -> dict[str, np.ndarray]:
    """f′(z) for each of deep's activations, by autograd through the very modules the networks use."""
    out = {}
    for name, module in ACTIVATIONS.items():
        t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        with torch.enable_grad():  # also when called under no_grad
            module()(t).sum().backward()
        out[name] = t.grad.numpy().copy()
    return out


def slopes_in_network(net: nn.Sequential, X: torch.Tensor) -> list[np.ndarray]:
    """f′ at every hidden unit for every input of ``X``: one (examples × units) array per hidden layer."""
    slopes = []
    h = X
    with torch.no_grad():
        for module in net:
            if isinstance(module, tuple(ACTIVATIONS.values())):
                name = next(k for k, v in ACTIVATIONS.items() if isinstance(module, v))
                slopes.append(activation_derivatives(h.double().numpy())[name])
            h = module(h)
    return slopes


def steps_to_reach(losses: list[float], threshold: float) -> int | None:
    """The first step at which the loss is below ``threshold``; ``None`` if it never gets there."""
    for step, loss in enumerate(losses):
        if loss < threshold:
            return step
    return None


@dataclass
class SpeedRun:
    activation: str
    depth: int
    lr: float
    losses: list[float]
    steps_to_threshold: int | None

    @property
    def label(self) -> str:
        return f"{self.activation}, lr {self.lr:g}"


def training_speed(settings: ReluSettings = RELU_DEMO) -> list[SpeedRun]:
    """At every depth: sigmoid at ``lr``, sigmoid at ``boosted_sigmoid_lr``, ReLU at ``lr``; same seed."""
    X, y, _, _ = split_task(settings)
    runs = []
    for depth in settings.depths:
        for activation, lr in (("sigmoid", settings.lr), ("sigmoid", settings.boosted_sigmoid_lr),
                               ("relu", settings.lr)):
            net = make_net(depth, settings.width, activation, INIT_FOR[activation],
                           in_features=settings.in_features, seed=settings.seed)
            losses = train(net, X, y, steps=settings.steps, lr=lr, batch_size=settings.batch_size,
                           seed=settings.seed).losses
            reached = steps_to_reach(losses, settings.loss_threshold)
            runs.append(SpeedRun(activation, depth, lr, losses, reached))
    return runs


def relu_outputs(net: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """The output of every ReLU layer of ``net`` for the inputs ``X``, first hidden layer first."""
    outputs = []
    h = X
    with torch.no_grad():
        for module in net:
            h = module(h)
            if isinstance(module, nn.ReLU):
                outputs.append(h)
    return outputs


def dead_fractions(net: nn.Sequential, X: torch.Tensor) -> list[float]:
    """Per hidden layer, the fraction of ReLUs whose output is 0 for every row of ``X``."""
    return [float((out.amax(dim=0) <= 0).float().mean()) for out in relu_outputs(net, X)]


@dataclass
class DeadRun:
    lr: float
    seed: int
    dead_at_init: list[float]
    dead: list[float] | None  # None when the run diverged (the weights hold inf or NaN)
    final_loss: float

    @property
    def diverged(self) -> bool:
        return self.dead is None

    @property
    def dead_overall(self) -> float | None:
        return None if self.dead is None else float(np.mean(self.dead))


def train_and_count_dead(lr: float, seed: int, settings: ReluSettings = RELU_DEMO) -> DeadRun:
    X, y, X_heldout, _ = split_task(settings)
    net = make_net(settings.dead_depth, settings.width, "relu", INIT_FOR["relu"],
                   in_features=settings.in_features, seed=seed)
    at_init = dead_fractions(net, X_heldout)
    run = train(net, X, y, steps=settings.dead_steps, lr=lr, batch_size=settings.batch_size, seed=seed)
    finite = np.isfinite(run.losses).all() and all(bool(torch.isfinite(p).all()) for p in net.parameters())
    return DeadRun(lr=lr, seed=seed, dead_at_init=at_init,
                   dead=dead_fractions(net, X_heldout) if finite else None, final_loss=run.losses[-1])


def dead_unit_sweep(
    settings: ReluSettings = RELU_DEMO, lrs: tuple[float, ...] | None = None
) -> list[DeadRun]:
    """Every learning rate of ``lrs`` (default: the page's) with every seed of ``settings.dead_seeds``."""
    return [train_and_count_dead(lr, seed, settings)
            for lr in (settings.dead_lrs if lrs is None else lrs) for seed in settings.dead_seeds]


def mean_dead_per_layer(runs: list[DeadRun]) -> list[float]:
    """Average over the runs that did not diverge, per hidden layer."""
    kept = [run.dead for run in runs if run.dead is not None]
    if not kept:
        raise ValueError("every run diverged")
    return [float(v) for v in np.mean(kept, axis=0)]


# ── explorable: the dead-unit sweep, one learning rate and seed at a time ─────────────────────────


def dead_unit_controls(settings: ReluSettings = RELU_DEMO):
    from nutshell import explorables

    return (
        explorables.slider("lr", "Learning rate", settings.dead_lrs, default=settings.too_large_lr),
        explorables.slider("seed", "Seed (initial weights and batches)", settings.dead_seeds,
                           labels=[str(seed) for seed in settings.dead_seeds]),
    )


def dead_unit_row(run: DeadRun) -> dict:
    """One run of the sweep as an explorable's row: dead shares per layer, before and after training."""
    layers = [{"layer": i, "when": "before training", "dead": v} for i, v in enumerate(run.dead_at_init, 1)]
    if run.dead is not None:
        layers += [{"layer": i, "when": "after training", "dead": v} for i, v in enumerate(run.dead, 1)]
    return {"diverged": run.diverged, "final_loss": run.final_loss, "dead": run.dead,
            "dead_at_init": run.dead_at_init, "tables": {"layers": layers}}


def dead_unit_grid(runs: list[DeadRun], seconds: float, settings: ReluSettings = RELU_DEMO):
    """The sweep of :func:`dead_unit_sweep` as an explorable grid (it costs what the sweep cost)."""
    from nutshell import explorables

    by_setting = {(run.lr, run.seed): run for run in runs}
    return explorables.tabulate(dead_unit_controls(settings),
                                lambda lr, seed: dead_unit_row(by_setting[(lr, seed)]), seconds)


def describe_dead_units(row: dict, settings: ReluSettings = RELU_DEMO) -> str:
    """The row in words, as the page says it under the figure."""
    start = f"learning rate {row['lr']:g}, seed {row['seed']}: "
    before = ", ".join(f"{v:.0%}" for v in row["dead_at_init"])
    if row["diverged"]:
        return (start + f"training diverged within {settings.dead_steps} steps (the weights overflowed),"
                f" so no unit counts as dead; before training, dead per layer {before}")
    after = ", ".join(f"{v:.0%}" for v in row["dead"])
    return (start + f"after {settings.dead_steps} steps, dead ReLUs per layer {after} (before training"
            f" {before}); final training loss {row['final_loss']:.3f}")
