"""How a run differs from the 2012 paper, and the tables the demo page shows: prose and Markdown kept
out of the model (:mod:`nutshell.nets.alexnet`) and out of the training loop.

Nothing here is typed in by hand that the code can work out: :func:`deviations` compares a network's
configuration with the paper's field by field, :func:`recipe_deviations` a run's settings with the
paper's recipe, and :func:`format_table` lays out the rows :func:`nutshell.nets.alexnet.layer_table`
measured by running the model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nutshell.alexnet.config import PAPER_RECIPE, TrainConfig, resolve
from nutshell.nets.alexnet import AlexNetConfig, ConvLayer, LayerRow, paper_config

# -- the network -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    """One way a run differs from the 2012 paper."""

    aspect: str
    paper: str
    here: str
    why: str


def _conv_text(layer: ConvLayer) -> str:
    return f"{layer.out_channels}@{layer.kernel}×{layer.kernel}/{layer.stride}, pad {layer.padding}"


# Why a scaled network changes each field. Keys are AlexNetConfig field names.
_WHY = {
    "in_channels": "the digits are greyscale; colour images use 3 channels",
    "input_size": "sklearn's digits are 8×8; upscaled to 32×32 and cropped to 28×28 (the paper: 256 → 224)",
    "convs": "an 11×11 stride-4 filter would swallow a 28×28 image in three steps; a quarter of the "
    "channels is plenty for ten classes and trains in seconds on a CPU",
    "hidden": "4096-wide layers would hold 99% of the weights and memorise 1,300 training images",
    "num_classes": "ten digits instead of 1000 ImageNet classes",
    "init": "with N(0, 0.01) a small net at lr 0.01 stays stuck near chance for many epochs; He "
    "initialisation starts it learning at once (pass init='paper' to see)",
    "two_tower": "one tower: every layer sees all maps of the layer below",
    "dropout": "changed dropout rate",
    "lrn_size": "changed normalisation constants",
    "lrn_k": "changed normalisation constants",
    "lrn_alpha": "changed normalisation constants",
    "lrn_beta": "changed normalisation constants",
    "pool_kernel": "changed pooling",
    "pool_stride": "changed pooling",
}


def _why(config: AlexNetConfig, name: str) -> str:
    if name == "input_size" and config.input_size == 224:
        return "the size the paper's text gives; conv1 is zero-padded by 2 so the maps are still 55×55"
    if name == "input_size" and config.in_channels == 3:
        return "the size of the crops fed to the network"
    return _WHY.get(name, "changed")


def _field_text(config: AlexNetConfig, name: str) -> str:
    value = getattr(config, name)
    if name == "convs":
        return "; ".join(f"conv{i} {_conv_text(c)}" for i, c in enumerate(value, 1))
    if name == "hidden":
        return " → ".join(str(v) for v in value)
    if name == "input_size":
        return f"{value}×{value}"
    if name == "init":
        return {"paper": "N(0, 0.01); biases 1 in conv2/4/5, fc6/7", "kaiming": "He normal, biases 0"}[value]
    if name == "two_tower":
        return "two towers (grouped conv2, conv4, conv5)" if value else "one tower"
    return str(value)


def deviations(config: AlexNetConfig, paper: AlexNetConfig | None = None) -> list[Deviation]:
    """Every field in which ``config`` differs from the paper's network, with the reason."""
    paper = paper or paper_config()
    found = []
    for f in dataclasses.fields(AlexNetConfig):
        if f.name == "name" or getattr(config, f.name) == getattr(paper, f.name):
            continue
        if f.name == "convs" and _same_convs_but_conv1_padding(config, paper):
            continue
        found.append(
            Deviation(
                aspect=f.name.replace("_", " "),
                paper=_field_text(paper, f.name),
                here=_field_text(config, f.name),
                why=_why(config, f.name),
            )
        )
    return found


def _same_convs_but_conv1_padding(config: AlexNetConfig, paper: AlexNetConfig) -> bool:
    # 224 input with conv1 padded by 2 is how we keep the paper's 55×55 maps: not a deviation in itself.
    a, b = config.convs, paper.convs
    return (
        len(a) == len(b)
        and a[1:] == b[1:]
        and dataclasses.replace(a[0], padding=b[0].padding) == b[0]
        and config.input_size == 224
    )


# -- the training run --------------------------------------------------------------------------------------


def recipe_deviations(cfg: TrainConfig) -> list[Deviation]:
    """How a training run differs from the paper's recipe (the network's own list: :func:`deviations`)."""
    s = resolve(cfg)
    found = []
    for name, paper_value in PAPER_RECIPE.items():
        value = getattr(cfg, name, paper_value)
        if value != paper_value:
            why = {
                "epochs": "a short run: the digits need a few epochs, ImageNet needed about 90",
                "batch_size": "smaller batches give more updates per epoch on a small data set",
            }.get(name, "changed on the command line")
            found.append(Deviation(name.replace("_", " "), str(paper_value), str(value), why))
    if s.digits:
        found.append(
            Deviation(
                "data",
                "ImageNet (ILSVRC-2010/2012): 1.2 M colour images, 1000 classes",
                "scikit-learn's 1,797 handwritten digits, 10 classes",
                "ships with the package: runs anywhere, no download",
            )
        )
    if s.digits and not s.flip:
        found.append(
            Deviation(
                "mirror images",
                "random horizontal flips",
                "no flips",
                "a mirrored 2, 3, 4, 5, 7 or 9 is not the same digit",
            )
        )
    if s.pca_noise == 0:
        found.append(
            Deviation(
                "colour noise",
                "PCA colour noise, N(0, 0.1)",
                "none",
                "greyscale images have no colour to shift" if s.digits else "switched off",
            )
        )
    found += [
        Deviation(
            "input normalisation",
            "mean image of the training set subtracted",
            "per-channel mean and std",
            "one statistic per channel works with any crop size",
        ),
        Deviation(
            "test-time crops",
            "average over 10 crops (corners, centre, mirrored)",
            "the centre crop only",
            "keeps evaluation one forward pass per image",
        ),
        Deviation(
            "learning-rate drops",
            "by hand, when validation error stopped improving (3 times)",
            f"ReduceLROnPlateau, ×{cfg.lr_factor} after {cfg.patience} epochs without improvement",
            "the paper does not say how long it waited",
        ),
        Deviation(
            "momentum",
            "v ← 0.9v − 0.0005·ε·w − ε·∂L/∂w; w ← w + v",
            "torch.optim.SGD: v ← 0.9v + ∂L/∂w + 0.0005·w; w ← w − ε·v",
            "the same steps while ε is constant; after a drop, PyTorch's velocity shrinks at once",
        ),
        Deviation(
            "hardware",
            "two GTX 580 GPUs, each holding one tower",
            "one device; the towers are grouped convolutions",
            "today one device holds the whole net",
        ),
    ]
    return found


# -- the architecture table --------------------------------------------------------------------------------


def format_table(rows: list[LayerRow], input_shape: tuple[int, ...] | None = None) -> str:
    """The rows as a Markdown table with a total line."""
    lines = ["| layer | what | output | parameters | multiply-adds |", "|---|---|---|--:|--:|"]
    if input_shape:
        lines.append(f"| input | image | {'×'.join(map(str, input_shape))} | | |")
    for r in rows:
        macs = f"{r.macs:,}" if r.macs else "—"
        params = f"{r.params:,}" if r.params else "—"
        lines.append(f"| {r.name} | {r.what} | {'×'.join(map(str, r.shape))} | {params} | {macs} |")
    total_p, total_m = sum(r.params for r in rows), sum(r.macs for r in rows)
    lines.append(f"| **total** | | | **{total_p:,}** | **{total_m:,}** |")
    return "\n".join(lines)

