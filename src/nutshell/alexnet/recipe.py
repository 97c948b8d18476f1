"""The paper's optimisation recipe (section 5): SGD with momentum and weight decay, the learning rate
divided when validation error stops improving, and one training step. The training loop and the
benchmark both take their steps from here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nutshell.alexnet.config import PAPER_RECIPE
from nutshell.alexnet.machine import autocast


def sgd(
    parameters,
    lr: float = PAPER_RECIPE["lr"],
    momentum: float = PAPER_RECIPE["momentum"],
    weight_decay: float = PAPER_RECIPE["weight_decay"],
) -> torch.optim.SGD:
    """The paper's optimiser; its defaults are the paper's values."""
    return torch.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)


def plateau_schedule(optimizer: torch.optim.Optimizer, factor: float, patience: int):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without a lower validation
    error (the paper divided by 10, by hand, when the error stopped improving)."""
    return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=factor, patience=patience)


def train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, bf16: bool
):
    """Forward, cross-entropy loss, backward, SGD update; returns the logits and the loss."""
    with autocast(x.device, bf16):
        logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return logits, loss
