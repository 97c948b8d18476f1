"""AlexNet as Krizhevsky, Sutskever and Hinton published it in 2012, and a scaled copy for small images.

Everything about a network lives in one frozen :class:`AlexNetConfig`; :class:`AlexNet` builds the
layers from it. :func:`paper_config` is the published network, :func:`scaled_config` keeps its
topology (five convolutions, two with response normalisation, three overlapping max-pools, three
fully connected layers, ReLU, dropout, two towers) with fewer channels and smaller kernels, so it
trains on 28×28 digits on a laptop CPU. :func:`layer_table` measures shapes, parameters and
multiply-adds by running the model. How a config differs from the paper, and the tables the demo
page shows, are in :mod:`nutshell.alexnet.report`.

Two details the paper leaves to the reader:

* **Input size.** The paper says 224×224 crops, but an 11×11 filter with stride 4 only produces the
  55×55 maps of its Figure 2 from a 227×227 input (``(227 - 11) / 4 + 1 = 55``). We use 227 by
  default. With ``input_size=224`` conv1 is zero-padded by 2 pixels (as torchvision does), which
  gives the same 55×55 maps and the same parameter count; 224 without padding would give 54×54 maps,
  a 5×5×256 input to fc6 and about 11.5 M fewer weights.
* **Response normalisation.** The paper divides by ``(k + α Σ a²)^β``; ``torch.nn.LocalResponseNorm``
  divides by ``(k + α/n Σ a²)^β`` (α is averaged over the window of n channels). To get the paper's
  numbers we hand PyTorch ``α·n`` — see :func:`torch_lrn_alpha`. In the two-tower net the sum runs
  over the channels of one tower only, because each tower lived on its own GPU.

Dropout follows the paper's wording: it zeroes the *outputs* of the two hidden fully connected layers
(fc6, fc7), i.e. it sits in front of fc7 and fc8. torchvision's AlexNet places it in front of fc6 and
fc7 instead.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# -- configuration -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of the feature extractor and what follows it before the next convolution."""

    out_channels: int
    kernel: int
    stride: int
    padding: int
    per_tower: bool  # True: sees only the maps of its own tower (groups=2 when two_tower)
    norm: bool  # local response normalisation after the ReLU
    pool: bool  # overlapping max-pool after that


@dataclass(frozen=True)
class AlexNetConfig:
    """Everything that defines a network of the AlexNet family."""

    name: str
    in_channels: int
    input_size: int
    convs: tuple[ConvLayer, ...]
    hidden: tuple[int, ...]
    num_classes: int
    two_tower: bool = True
    pool_kernel: int = 3
    pool_stride: int = 2
    lrn_size: int = 5  # n: channels in the normalisation window
    lrn_k: float = 2.0
    lrn_alpha: float = 1e-4  # the paper's α (not PyTorch's, see torch_lrn_alpha)
    lrn_beta: float = 0.75
    dropout: float = 0.5
    init: str = "paper"  # "paper": N(0, 0.01) and biases 0/1 as published; "kaiming": He et al. 2015

    def replace(self, **changes) -> AlexNetConfig:
        return dataclasses.replace(self, **changes)

    @property
    def towers(self) -> int:
        return 2 if self.two_tower else 1


PAPER_CONVS = (
    ConvLayer(96, 11, 4, 0, per_tower=False, norm=True, pool=True),
    ConvLayer(256, 5, 1, 2, per_tower=True, norm=True, pool=True),
    ConvLayer(384, 3, 1, 1, per_tower=False, norm=False, pool=False),
    ConvLayer(384, 3, 1, 1, per_tower=True, norm=False, pool=False),
    ConvLayer(256, 3, 1, 1, per_tower=True, norm=False, pool=True),
)


def paper_config(num_classes: int = 1000, input_size: int = 227, two_tower: bool = True) -> AlexNetConfig:
    """The network of the 2012 paper. ``input_size=224`` pads conv1 by 2 so the maps stay 55×55."""
    convs = PAPER_CONVS
    if input_size == 224:
        convs = (dataclasses.replace(convs[0], padding=2),) + convs[1:]
    return AlexNetConfig(
        name="AlexNet (2012)",
        in_channels=3,
        input_size=input_size,
        convs=convs,
        hidden=(4096, 4096),
        num_classes=num_classes,
        two_tower=two_tower,
    )


SCALED_CONVS = (
    ConvLayer(24, 5, 1, 2, per_tower=False, norm=True, pool=True),
    ConvLayer(64, 3, 1, 1, per_tower=True, norm=True, pool=True),
    ConvLayer(96, 3, 1, 1, per_tower=False, norm=False, pool=False),
    ConvLayer(96, 3, 1, 1, per_tower=True, norm=False, pool=False),
    ConvLayer(64, 3, 1, 1, per_tower=True, norm=False, pool=True),
)


def scaled_config(
    num_classes: int = 10,
    in_channels: int = 1,
    input_size: int = 28,
    two_tower: bool = True,
    init: str = "kaiming",
) -> AlexNetConfig:
    """AlexNet's topology at a quarter of the channels, with 5×5/1 and 3×3 kernels, for small images."""
    return AlexNetConfig(
        name="scaled AlexNet",
        in_channels=in_channels,
        input_size=input_size,
        convs=SCALED_CONVS,
        hidden=(256, 256),
        num_classes=num_classes,
        two_tower=two_tower,
        init=init,
    )


# -- layers ------------------------------------------------------------------------------------------------


def torch_lrn_alpha(alpha_paper: float, size: int) -> float:
    """The ``alpha`` to give ``torch.nn.LocalResponseNorm`` so it computes the paper's formula.

    Paper:   b = a / (k + α  · Σ a²)^β
    PyTorch: b = a / (k + α' · Σ a² / n)^β     → α' = α · n
    """
    return alpha_paper * size


class ResponseNorm(nn.Module):
    """Local response normalisation across channels, with the paper's constants, within each tower."""

    def __init__(self, size: int, alpha: float, beta: float, k: float, towers: int = 1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k, self.towers = size, alpha, beta, k, towers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = torch_lrn_alpha(self.alpha, self.size)
        if self.towers == 1:
            return F.local_response_norm(x, self.size, alpha=alpha, beta=self.beta, k=self.k)
        parts = x.chunk(self.towers, dim=1)
        return torch.cat(
            [F.local_response_norm(p, self.size, alpha=alpha, beta=self.beta, k=self.k) for p in parts], dim=1
        )

    def extra_repr(self) -> str:
        return f"size={self.size}, alpha={self.alpha} (paper's), beta={self.beta}, k={self.k}, towers={self.towers}"


def paper_lrn_reference(a: torch.Tensor, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75):
    """The paper's formula written out with loops over channels: slow, for checking only.

    b[i] = a[i] / (k + α Σ_{j=max(0, i-n/2)}^{min(N-1, i+n/2)} a[j]²)^β
    """
    channels = a.shape[1]
    out = torch.empty_like(a)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + n // 2)
        total = (a[:, lo : hi + 1] ** 2).sum(dim=1)
        out[:, i] = a[:, i] / (k + alpha * total) ** beta
    return out


def feature_map_sizes(config: AlexNetConfig) -> list[int]:
    """Side length after each conv (and its pool) for the configured input, by the usual arithmetic."""
    side, sides = config.input_size, []
    for layer in config.convs:
        side = (side + 2 * layer.padding - layer.kernel) // layer.stride + 1
        if layer.pool:
            side = (side - config.pool_kernel) // config.pool_stride + 1
        if side < 1:
            raise ValueError(f"{config.name}: input {config.input_size}×{config.input_size} is too small")
        sides.append(side)
    return sides


class AlexNet(nn.Module):
    """The AlexNet family: conv → ReLU [→ LRN] [→ max-pool] ×5, then FC → ReLU → dropout ×2, then FC."""

    def __init__(self, config: AlexNetConfig):
        super().__init__()
        self.config = config
        towers = config.towers
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        channels = config.in_channels
        for i, c in enumerate(config.convs, 1):
            groups = towers if c.per_tower else 1
            layers[f"conv{i}"] = nn.Conv2d(
                channels, c.out_channels, c.kernel, c.stride, c.padding, groups=groups
            )
            layers[f"relu{i}"] = nn.ReLU(inplace=True)
            if c.norm:
                layers[f"norm{i}"] = ResponseNorm(
                    config.lrn_size, config.lrn_alpha, config.lrn_beta, config.lrn_k, towers
                )
            if c.pool:
                layers[f"pool{i}"] = nn.MaxPool2d(config.pool_kernel, config.pool_stride)
            channels = c.out_channels
        self.features = nn.Sequential(layers)

        side = feature_map_sizes(config)[-1]
        head: OrderedDict[str, nn.Module] = OrderedDict()
        width = channels * side * side
        n_conv = len(config.convs)
        for j, h in enumerate(config.hidden, n_conv + 1):
            head[f"fc{j}"] = nn.Linear(width, h)
            head[f"relu{j}"] = nn.ReLU(inplace=True)
            head[f"drop{j}"] = nn.Dropout(config.dropout)
            width = h
        head[f"fc{n_conv + len(config.hidden) + 1}"] = nn.Linear(width, config.num_classes)
        self.classifier = nn.Sequential(head)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_weights(self, self.config.init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.config.in_channels, self.config.input_size, self.config.input_size)
        if tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"{self.config.name} expects input (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


def init_weights(model: AlexNet, scheme: str) -> None:
    """The paper's initialisation, or He (Kaiming) normal.

    Paper: every weight from N(0, 0.01); biases 1 in conv2, conv4, conv5 and the hidden fully
    connected layers (so their ReLUs start in the active region), 0 in conv1, conv3 and the output.
    """
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    fcs = [m for m in model.classifier if isinstance(m, nn.Linear)]
    bias_one = {convs[1], convs[3], convs[4], *fcs[:-1]} if len(convs) == 5 else set(fcs[:-1])
    for layer in convs + fcs:
        if scheme == "paper":
            nn.init.normal_(layer.weight, mean=0.0, std=0.01)
            nn.init.constant_(layer.bias, 1.0 if layer in bias_one else 0.0)
        elif scheme == "kaiming":
            if layer is fcs[-1]:
                nn.init.normal_(layer.weight, mean=0.0, std=0.01)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
        else:
            raise ValueError(f"unknown init {scheme!r} (use 'paper' or 'kaiming')")


def scaled_alexnet(**kwargs) -> AlexNet:
    return AlexNet(scaled_config(**kwargs))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# -- the architecture table, measured ------------------------------------------------------------------


@dataclass
class LayerRow:
    name: str
    what: str
    shape: tuple[int, ...]  # output shape of one image
    params: int
    macs: int  # multiply-adds for one image (convolutions and fully connected layers only)


def _describe(name: str, module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        k, s, p = module.kernel_size[0], module.stride[0], module.padding[0]
        text = f"{module.out_channels}@{k}×{k}, stride {s}, pad {p}, ReLU"
        return text + (f", {module.groups} towers" if module.groups > 1 else "")
    if isinstance(module, ResponseNorm):
        return f"response norm, n={module.size}, k={module.k:g}, α={module.alpha:g}, β={module.beta:g}"
    if isinstance(module, nn.MaxPool2d):
        return f"max-pool {module.kernel_size}×{module.kernel_size}, stride {module.stride}"
    if isinstance(module, nn.Linear):
        return f"{module.out_features} units" + (", ReLU, dropout" if not name.endswith("8") else ", softmax")
    return type(module).__name__


@torch.no_grad()
def layer_table(model: AlexNet) -> list[LayerRow]:
    """Run one image through ``model`` (any device, ``meta`` included) and measure every layer."""
    rows: list[LayerRow] = []
    hooks = []
    named = list(model.features.named_children()) + list(model.classifier.named_children())
    for name, module in named:
        if not isinstance(module, (nn.Conv2d, ResponseNorm, nn.MaxPool2d, nn.Linear)):
            continue

        def record(mod, inputs, output, name=name):
            params = sum(p.numel() for p in mod.parameters())
            shape = tuple(output.shape[1:])
            if isinstance(mod, nn.Conv2d):
                macs = (
                    output[0].numel()
                    * (mod.in_channels // mod.groups)
                    * mod.kernel_size[0]
                    * mod.kernel_size[1]
                )
            elif isinstance(mod, nn.Linear):
                macs = mod.in_features * mod.out_features
            else:
                macs = 0
            rows.append(LayerRow(name, _describe(name, mod), shape, params, macs))

        hooks.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        c, s = model.config.in_channels, model.config.input_size
        model(torch.zeros(1, c, s, s, device=device))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return rows


def meta_model(config: AlexNetConfig) -> AlexNet:
    """Build ``config`` on the ``meta`` device: shapes and counts without allocating or initialising."""
    with torch.device("meta"):
        return AlexNet(config)
