"""Deep fully connected networks in PyTorch, for watching gradients vanish (or not).

``make_net`` stacks ``depth`` hidden layers of one activation (sigmoid, tanh or ReLU) with one
initialisation: ``xavier`` (Glorot & Bengio, 2010: weight variance 2 / (fan_in + fan_out)) or
``he`` (He et al., 2015: variance 2 / fan_in, which makes up for ReLU zeroing half its inputs).
``layer_gradient_norms`` measures how large each layer's weight gradient is, and ``train`` runs plain
mini-batch SGD — no momentum, no adaptive step sizes, which would hide the effect we want to see.
``gradient_grid`` measures the norms for every activation, initialisation and depth the demo's
explorable offers, and ``describe_gradients`` says one of them in words.

:data:`VANISHING_DEMO` holds every setting of ``demos/vanishing-gradients.py``; the page and its claims
test import it, so what the test asserts is what the page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
INITS = ("xavier", "he")


def make_net(
    depth: int,
    width: int = 32,
    activation: str = "sigmoid",
    init: str = "xavier",
    in_features: int = 8,
    out_features: int = 1,
    seed: int = 0,
) -> nn.Sequential:
    """``depth`` hidden layers (Linear + activation) of ``width`` units, then a linear output layer."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r} (known: {', '.join(ACTIVATIONS)})")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r} (known: {', '.join(INITS)})")
    if depth < 1 or width < 1:
        raise ValueError("depth and width must be ≥ 1")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    sizes = [in_features] + [width] * depth
    for fan_in, fan_out in pairwise(sizes):
        layers += [_linear(fan_in, fan_out, init, generator), ACTIVATIONS[activation]()]
    layers.append(_linear(width, out_features, init, generator))
    return nn.Sequential(*layers)


def _linear(fan_in: int, fan_out: int, init: str, generator: torch.Generator) -> nn.Linear:
    layer = nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        if init == "xavier":
            bound = math.sqrt(6.0 / (fan_in + fan_out))  # uniform with variance 2 / (fan_in + fan_out)
            layer.weight.uniform_(-bound, bound, generator=generator)
        else:
            layer.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
        layer.bias.zero_()
    return layer


def linear_layers(net: nn.Module) -> list[nn.Linear]:
    return [m for m in net.modules() if isinstance(m, nn.Linear)]


def layer_gradient_norms(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    """Norm of the mean-squared-error gradient for each Linear layer's weights, input layer first."""
    net.zero_grad()
    loss = nn.functional.mse_loss(net(X), y)
    loss.backward()
    norms = [float(layer.weight.grad.norm()) for layer in linear_layers(net)]
    net.zero_grad()
    return norms


def make_task(
    n: int = 512, in_features: int = 8, seed: int = 0, frequency: float = 1.0, waves: int = 4
) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth regression task: a sum of ``waves`` sine waves along random directions, scaled to mean 0
    and variance 1.

    Predicting the mean gives a mean squared error of exactly 1, so "loss stuck near 1" means
    "learned nothing".
    """
    if n < 2 or in_features < 1 or waves < 1:
        raise ValueError("need n ≥ 2 examples, in_features ≥ 1 and waves ≥ 1")
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, in_features, generator=generator)
    directions = torch.randn(in_features, waves, generator=generator) / math.sqrt(in_features)
    y = torch.sin(frequency * X @ directions).sum(dim=1, keepdim=True)
    y = (y - y.mean()) / y.std()
    return X, y


@dataclass
class TrainingRun:
    losses: list[float]  # mean squared error on the whole training set, before each step and after the last


def train(
    net: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    steps: int = 500,
    lr: float = 0.05,
    batch_size: int = 64,
    seed: int = 0,
) -> TrainingRun:
    """Plain mini-batch SGD on the mean squared error; records the full-data loss every step."""
    if steps < 1 or lr <= 0 or batch_size < 1:
        raise ValueError("steps and batch_size must be ≥ 1 and lr > 0")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        with torch.no_grad():
            losses.append(float(nn.functional.mse_loss(net(X), y)))
        batch = torch.randint(0, len(X), (batch_size,), generator=generator)
        optimizer.zero_grad()
        nn.functional.mse_loss(net(X[batch]), y[batch]).backward()
        optimizer.step()
    with torch.no_grad():
        losses.append(float(nn.functional.mse_loss(net(X), y)))
    return TrainingRun(losses=losses)


# -- the vanishing-gradients demo's settings -------------------------------------------------------------


@dataclass(frozen=True)
class VanishingSettings:
    # the task: random points, and a target that is a sum of sine waves along random directions
    examples: int
    in_features: int
    waves: int
    task_seed: int
    # the networks: depth hidden layers of width units, one per (activation, initialisation) pair
    depth: int
    width: int
    configs: tuple[tuple[str, str], ...]
    shallow_depth: int  # the sigmoid network that checks depth, not the sigmoid, is the problem
    net_seed: int  # the networks the page trains and draws
    seeds: tuple[int, ...]  # initialisations over which the page measures the gradient ratio
    # plain SGD, the same for every network
    lr: float
    batch_size: int
    steps: int
    train_seed: int
    final_window: int  # "final loss": the mean over this many last steps
    # the explorable: gradient norms at initialisation (seed net_seed) for every activation, every
    # initialisation and each of these depths; it opens at `depth` with the first of `configs`
    explore_depths: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.depth not in self.explore_depths:
            raise ValueError("depth must be among explore_depths: the explorable opens at the page's depth")


VANISHING_DEMO = VanishingSettings(
    examples=512, in_features=8, waves=4, task_seed=0,
    depth=20, width=32, configs=(("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he")),
    shallow_depth=2, net_seed=0, seeds=(0, 1, 2, 3, 4),
    lr=0.05, batch_size=64, steps=500, train_seed=0, final_window=50,
    explore_depths=tuple(range(2, 31)),
)


# -- explorable: activation × initialisation × depth → gradient norms, layer by layer ----------------------

ACTIVATION_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}  # how the page names them
INIT_NAMES = {"xavier": "Glorot", "he": "He"}


def gradient_norms_at_init(activation: str, init: str, depth: int,
                           settings: VanishingSettings = VANISHING_DEMO, task=None) -> list[float]:
    """:func:`layer_gradient_norms` of the page's untrained network (seed ``net_seed``) on its task."""
    X, y = task if task is not None else make_task(n=settings.examples, in_features=settings.in_features,
                                                   seed=settings.task_seed, waves=settings.waves)
    net = make_net(depth, settings.width, activation, init, in_features=settings.in_features,
                   seed=settings.net_seed)
    return layer_gradient_norms(net, X, y)


def gradient_row(norms: list[float]) -> dict:
    """One network's gradient norms as an explorable's row: first over last, and (table ``layers``) the
    norm of every layer, 1 next to the input, the last the output layer."""
    ratio = norms[0] / norms[-1]
    return {"first": norms[0], "last": norms[-1], "ratio": ratio,
            "per_layer": ratio ** (1 / (len(norms) - 1)),  # the geometric mean factor between layers
            "tables": {"layers": [{"layer": i, "norm": v} for i, v in enumerate(norms, start=1)]}}


def layer_norms(grid, row: int) -> list[float]:
    """The gradient norms of one row of :func:`gradient_grid`, input layer first."""
    return [r["norm"] for r in sorted((r for r in grid.tables["layers"] if r["row"] == row),
                                      key=lambda r: r["layer"])]


def gradient_grid(settings: VanishingSettings = VANISHING_DEMO):
    """Gradient norms at initialisation for every activation, initialisation and explorable depth."""
    from nutshell import explorables

    first_activation, first_init = settings.configs[0]
    controls = (
        explorables.choice("activation", "Activation", tuple(ACTIVATIONS), default=first_activation,
                           labels=[ACTIVATION_NAMES[a] for a in ACTIVATIONS]),
        explorables.choice("init", "Initialisation", INITS, default=first_init,
                           labels=[f"{INIT_NAMES[i]}'s" for i in INITS]),
        explorables.slider("depth", "Hidden layers", settings.explore_depths, default=settings.depth),
    )
    task = make_task(n=settings.examples, in_features=settings.in_features, seed=settings.task_seed,
                     waves=settings.waves)
    return explorables.evaluate(controls, lambda activation, init, depth: gradient_row(
        gradient_norms_at_init(activation, init, depth, settings, task)))


def describe_gradients(row: dict) -> str:
    """The row in words, as the page says it under the figure."""
    activation, init = ACTIVATION_NAMES[row["activation"]], INIT_NAMES[row["init"]]
    return (f"depth {row['depth']}, {activation} with {init}'s initialisation: first-layer gradient"
            f" {row['ratio']:.2g} of the last layer's ({row['first']:.2g} against"
            f" {row['last']:.2g}), {_factor(row['per_layer'])} per layer on average")


def _factor(per_layer: float) -> str:
    if per_layer < 1:
        return f"shrinking {1 / per_layer:.2f}×"
    return f"growing {per_layer:.2f}×"
