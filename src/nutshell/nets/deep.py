"""Deep fully connected networks in PyTorch, for watching gradients vanish (or not).

``make_net`` stacks ``depth`` hidden layers of one activation (sigmoid, tanh or ReLU) with one
initialisation: ``xavier`` (Glorot & Bengio, 2010: weight variance 2 / (fan_in + fan_out)) or
``he`` (He et al., 2015: variance 2 / fan_in, which makes up for ReLU zeroing half its inputs).
``layer_gradient_norms`` measures how large each layer's weight gradient is, and ``train`` runs plain
mini-batch SGD — no momentum, no adaptive step sizes, which would hide the effect we want to see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
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
    n: int = 512, in_features: int = 8, seed: int = 0, frequency: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth regression task: a sum of waves along random directions, scaled to mean 0 and variance 1.

    Predicting the mean gives a mean squared error of exactly 1, so "loss stuck near 1" means
    "learned nothing".
    """
    if n < 2 or in_features < 1:
        raise ValueError("need n ≥ 2 examples and in_features ≥ 1")
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, in_features, generator=generator)
    directions = torch.randn(in_features, 4, generator=generator) / math.sqrt(in_features)
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
