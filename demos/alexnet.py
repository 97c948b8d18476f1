# %% [markdown]
# # AlexNet: the 2012 network, counted, shrunk and trained
#
# The network that won ImageNet in 2012, built layer by layer from the paper: its parameter and compute budget measured from the code, a quarter-size copy trained on handwritten digits while the page builds, and the training speed of the two GTX 580s of 2012 set against the CPU that builds this page.
#
# In the 2012 ImageNet challenge (ILSVRC-2012), a deep convolutional network entered by Alex
# Krizhevsky, Ilya Sutskever and Geoffrey Hinton reached a top-5 test error of 15.3 %; the next
# best entry, built on hand-designed features, had 26.2 %. The paper that describes it, *ImageNet
# Classification with Deep Convolutional Neural Networks* (NIPS 2012), is short, and most of its
# ingredients were known: convolutions and pooling went back to the 1980s, backpropagation to 1986.
# What was new was the combination at scale: rectified linear units that train several times faster
# than saturating ones, dropout against overfitting, heavy data augmentation, and a GPU
# implementation fast enough to push 1.2 million images through the network ninety times in under
# a week.
#
# Everything below comes from `nutshell.nets.alexnet` (the models) and `nutshell.alexnet` (data,
# training loop, benchmark); this page only tells the story around them. The same code trains the
# full-size network on a GPU with `nutshell alexnet train --model paper`.

# %%
import dataclasses
import textwrap
import time

import altair as alt
import matplotlib.pyplot as plt
import numpy as np
import torch

from nutshell import explorables, figures
from nutshell.alexnet import DEMO_CONFIG, DEMO_MIN_ACCURACY, BenchConfig
from nutshell.alexnet.bench import arithmetic_2012, count_flops, rate_2012, run_bench
from nutshell.alexnet.config import resolve
from nutshell.alexnet.data import digits_splits, make_transform
from nutshell.alexnet.evaluation import predict
from nutshell.alexnet.records import load_records, recorded_runs_markdown, runs_dir
from nutshell.alexnet.report import deviations, format_table, recipe_deviations
from nutshell.alexnet.snapshots import EpochSnapshots, describe_snapshot, snapshot_grid
from nutshell.alexnet.train import train
from nutshell.nets.alexnet import (
    PAPER_CONVS,
    ResponseNorm,
    count_parameters,
    layer_table,
    meta_model,
    paper_config,
    paper_lrn_reference,
    scaled_config,
    torch_lrn_alpha,
)

figures.apply_style()
torch.manual_seed(0)
PAGE_STARTED = time.perf_counter()


def show_markdown(text: str) -> None:
    """A table as rendered Markdown on the page, as plain text when run as a script."""
    try:
        get_ipython  # noqa: B018 - defined only inside IPython
    except NameError:
        print(text)
        return
    from IPython.display import Markdown, display

    display(Markdown(text))


# %% [markdown]
# ## The network as published
#
# Five convolutional layers extract features, three fully connected layers classify them. The first
# convolution slides 96 filters of 11×11 pixels over the image in steps of 4 pixels; the second uses
# 256 filters of 5×5, the last three 384, 384 and 256 filters of 3×3. After the first two, a
# *local response normalisation* rescales each activation by the activity of its neighbouring
# channels; after the first, second and fifth, a 3×3 max-pool with stride 2 halves the maps (the
# windows overlap, which the authors found slightly better than disjoint ones). Two hidden layers of
# 4096 units, each followed by dropout, lead to a 1000-way softmax. Every layer uses ReLU.
#
# The table below is not typed in: the model is built on PyTorch's `meta` device (shapes only, no
# memory) and one image is pushed through it with hooks that read each layer's output shape,
# parameter count and multiply-adds.

# %%
paper = meta_model(paper_config())
show_markdown(format_table(layer_table(paper), (3, 227, 227)))

# %% [markdown]
# Nearly all of the weights sit in the fully connected layers (fc6 alone holds 38 million of the
# 61 million), while nearly all of the arithmetic happens in the convolutions. That split is why
# the authors used dropout only in the fully connected part: that is where the network could
# memorise its training set.
#
# ### 224 or 227?
#
# The paper says the network sees 224×224 crops, but with an 11×11 filter and stride 4 the first
# layer's 55×55 output needs an input of (55 − 1) × 4 + 11 = 227 pixels. We build the network for
# 227×227 inputs by default. A 224×224 input works too if the first convolution pads its input by
# two pixels (as torchvision does): the maps, and the parameter count, stay the same. Without that
# padding the maps shrink to 54×54 and the last pooled map to 5×5, and fc6 loses a third of its
# weights:

# %%
variants = {
    "227×227 input (default)": paper_config(),
    "224×224, conv1 padded by 2": paper_config(input_size=224),
    "224×224, no padding": paper_config(input_size=224).replace(convs=PAPER_CONVS),
    "227×227, one tower (no grouped convolutions)": paper_config(two_tower=False),
}
for name, config in variants.items():
    print(f"{name:<46} {count_parameters(meta_model(config)):>12,} parameters")

# %% [markdown]
# ### Two towers
#
# A GTX 580 had 3 GB of memory, too little for the whole network during training, so the authors
# split every layer in half across two GPUs. The halves talk to each other only in conv3 and in
# the fully connected layers; conv2, conv4 and conv5 see only the maps of their own GPU. On a
# single device this is a *grouped* convolution with two groups, which is how `nets.alexnet` builds
# it (response normalisation is also applied within each half). The split saves 1.4 million
# weights and a third of the multiply-adds compared with the one-tower network above; the paper
# reports that the two-GPU network was slightly more accurate than a one-GPU network with half the
# kernels per layer.

# %% [markdown]
# ## Local response normalisation, and a factor of n
#
# The paper normalises activity `a` in channel `i` by the squared activity of the `n` channels
# around it:
#
# ```
# b[i] = a[i] / (k + α · Σ a[j]²) ^ β        over j from i − n/2 to i + n/2,
#        with k = 2, n = 5, α = 1e-4, β = 0.75
# ```
#
# PyTorch's `LocalResponseNorm` has the same shape of formula but averages the squares instead of
# adding them: it divides α by `n`. Copying the paper's α = 1e-4 into PyTorch therefore gives a
# normalisation five times weaker than the paper's. Passing α · n = 5e-4 restores it. The check
# below compares both against a loop that spells out the paper's formula, on activations large
# enough for the sum to matter.

# %%
a = torch.randn(4, 16, 6, 6) * 30
reference = paper_lrn_reference(a, n=5, k=2.0, alpha=1e-4, beta=0.75)
converted = torch.nn.LocalResponseNorm(5, alpha=torch_lrn_alpha(1e-4, 5), beta=0.75, k=2.0)(a)
verbatim = torch.nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)(a)
ours = ResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)(a)
print(f"alpha handed to PyTorch: {torch_lrn_alpha(1e-4, 5):g}")
print(
    f"largest difference from the paper's formula, converted alpha: {(converted - reference).abs().max():.1e}"
)
print(
    f"largest difference from the paper's formula, alpha copied:    {(verbatim - reference).abs().max():.1e}"
)
print(f"largest difference, nets.alexnet.ResponseNorm:              {(ours - reference).abs().max():.1e}")

# %% [markdown]
# The authors credit the normalisation with 1.4 points of top-1 error. Later networks dropped it:
# batch normalisation (2015) does the job of keeping activations in range far better.
#
# ## A quarter-size AlexNet for a CPU
#
# The full network needs about 0.7 billion multiply-adds per 227×227 image, and a training step
# roughly three times that. A CPU can afford a few images per second of that, so the demo trains
# a scaled copy instead: the same sequence of layers (five convolutions with ReLU, normalisation
# after the first two, overlapping max-pools, two towers, two dropout layers of 4096 → here 256
# units), with a quarter of the channels and small kernels, on 28×28 images.

# %%
scaled = meta_model(scaled_config())
show_markdown(format_table(layer_table(scaled), (1, 28, 28)))

# %% [markdown]
# Every difference from the paper, for the network and for the training run below, comes out of
# the code as data: the model's list is computed by comparing its configuration field by field
# with the paper's.

# %%
rows = [*deviations(scaled_config()), *recipe_deviations(DEMO_CONFIG)]
show_markdown(
    "\n".join(
        ["| what | paper | here | why |", "|---|---|---|---|"]
        + [f"| {d.aspect} | {d.paper} | {d.here} | {d.why} |" for d in rows]
    )
)

# %% [markdown]
# ## The data: handwritten digits that ship with scikit-learn
#
# scikit-learn includes 1,797 handwritten digits of 8×8 pixels with 17 grey levels, so this page
# needs no download. They are split once, by class proportions, into 1,257 training, 180
# validation and 360 test images. The training loop enlarges them to 32×32 and, like the paper
# (which cut 224×224 patches out of 256×256 images), trains on random 28×28 crops; evaluation uses
# the centre crop. The paper also trained on mirror images; for digits that would be wrong, since a
# mirrored 3 is no 3, so flips are off here.

# %%
settings = resolve(DEMO_CONFIG)
splits = digits_splits(seed=DEMO_CONFIG.seed)
transform = make_transform(settings, splits, scaled_config())
x, y = splits.train[:8]
crops = transform(x, train=True, generator=torch.Generator().manual_seed(0))
fig, axes = plt.subplots(3, 8, figsize=(8, 3.3))
big = torch.nn.functional.interpolate(x, size=32, mode="bilinear", align_corners=False)
for i in range(8):
    for row, image in enumerate((x[i, 0], big[i, 0], crops[i, 0])):
        axes[row, i].imshow(image, cmap="gray_r")
        axes[row, i].set_xticks([])
        axes[row, i].set_yticks([])
    axes[0, i].set_title(str(int(y[i])))
for row, label in enumerate(("8×8", "32×32", "crop 28")):
    axes[row, 0].set_ylabel(label)
fig.suptitle("training images as stored, enlarged, and as the network sees them")
fig.tight_layout()
figures.show(fig, "alexnet-digits", description=(
    "Eight handwritten training digits (" + ", ".join(str(int(d)) for d in y[:8]) + "), in three rows: as"
    " stored, 8 by 8 blocky pixels; enlarged to 32 by 32, smooth but blurry; and the random 28 by 28 crop"
    " the network trains on, each shifted a little differently."))

# %% [markdown]
# ## Training with the paper's recipe
#
# The loop is the paper's: stochastic gradient descent with momentum 0.9 and weight decay 5e-4,
# learning rate 0.01, divided by ten when the validation error stops improving, and dropout of 0.5
# in the two hidden layers. Two changes suit the small data set: batches of 32 rather than 128 (with
# 1,257 images, 128 would give only ten updates per epoch) and twelve epochs rather than ninety.
# The paper's initialisation (weights drawn with standard deviation 0.01, some biases set to 1)
# keeps this small network at chance level for many epochs, so it starts from He initialisation.
# Everything is seeded, and the run uses a single CPU thread so that the arithmetic is done in the
# same order whatever the machine: the page trains the same network every time it is built.
# After every epoch the run also keeps a copy of the first layer's filters and of the network's answers
# on the test digits, for the figure further down; that draws no random numbers, so it changes nothing.

# %%
settings_text = ", ".join(f"{field.name}={getattr(DEMO_CONFIG, field.name)!r}"
                          for field in dataclasses.fields(DEMO_CONFIG))
print(textwrap.fill(f"TrainConfig({settings_text})", width=88, subsequent_indent="    ",
                    break_long_words=False, break_on_hyphens=False))  # whole settings on each line
snapshots = EpochSnapshots()
started = time.perf_counter()
result = train(DEMO_CONFIG, on_epoch=snapshots)
train_seconds = time.perf_counter() - started - snapshots.seconds
print(
    f"trained {len(result.history)} epochs in {train_seconds:.0f} s "
    f"({result.images_per_s:,.0f} images/s on this CPU)"
)
print(f"validation accuracy {result.val_accuracy:.1%}, test accuracy {result.test_accuracy:.1%}")
assert result.test_accuracy >= DEMO_MIN_ACCURACY, "the text below promises this"

# %% [markdown]
# The scaled network gets at least 95 % of the 360 held-out test digits right (the numbers above
# are measured as the page builds). The curves show how fast it learns:
# training accuracy is measured on augmented crops with dropout active, so it trails the
# validation accuracy for most of the run.

# %%
history = result.history
epochs = [h["epoch"] for h in history]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.plot(epochs, [h["train_loss"] for h in history], marker="o", label="training")
left.plot(epochs, [h["val_loss"] for h in history], marker="o", label="validation")
left.set_xlabel("epoch")
left.set_ylabel("cross-entropy")
left.legend()
right.plot(epochs, [h["train_accuracy"] for h in history], marker="o", label="training (augmented, dropout)")
right.plot(epochs, [h["val_accuracy"] for h in history], marker="o", label="validation")
right.set_xlabel("epoch")
right.set_ylabel("accuracy")
right.set_ylim(0, 1)
right.legend(loc="lower right")
for ax in (left, right):
    ax.grid(True)
fig.tight_layout()
figures.show(fig, "alexnet-curves", description=(
    f"Two panels against the epoch, 1 to {len(history)}, for the training and the validation images. Left, the"
    f" cross-entropy: both fall, validation from {history[0]['val_loss']:.2f} to {history[-1]['val_loss']:.2f}."
    f" Right, the accuracy: validation rises from {history[0]['val_accuracy']:.0%} to"
    f" {history[-1]['val_accuracy']:.0%}, and the training accuracy (on augmented crops, with dropout) trails"
    f" it, ending at {history[-1]['train_accuracy']:.0%}."))

# %% [markdown]
# ## Which digits it confuses
#
# Rows are the true digits of the test set, columns the network's answers; everything off the
# diagonal is a mistake.

# %%
predicted, true = predict(result.model, splits.test, transform)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (true, predicted), 1)
print(f"test accuracy from the confusion matrix: {np.trace(confusion) / confusion.sum():.1%}")
fig, ax = plt.subplots(figsize=(4.6, 4.2))
ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(
                j,
                i,
                confusion[i, j],
                ha="center",
                va="center",
                fontsize=9,
                color="white" if confusion[i, j] > confusion.max() / 2 else figures.INK,
            )
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
fig.tight_layout()
mistakes = [(confusion[i, j], i, j) for i in range(10) for j in range(10) if i != j and confusion[i, j]]
worst = max(mistakes, default=None)
figures.show(fig, "alexnet-confusion", description=(
    "Confusion matrix of the 360 test digits: true digit down, the network's answer across, each cell"
    f" shaded and labelled with its count. {np.trace(confusion)} of {confusion.sum()} lie on the diagonal"
    f" (right answers); {confusion.sum() - np.trace(confusion)} mistakes are scattered off it"
    + (f", the most frequent {worst[1]} answered as {worst[2]} ({worst[0]} time{'s' if worst[0] > 1 else ''})."
       if worst else ".")))

# %% [markdown]
# ## What the first layer learned
#
# Figure 3 of the paper shows the 96 first-layer filters: oriented edges, gratings and colour
# blobs, and a curious split, since the filters on one GPU came out mostly colourless and those on
# the other mostly coloured. Our first layer has 24 filters of 5×5 on grey images; the top row
# feeds the first tower, the bottom row the second. Do not expect the paper's clean picture: these
# filters have seen about 15,000 blurry crops, not 108 million photographs, and at 5×5 pixels most
# of them still look close to the random noise they started from, with a light-to-dark edge showing
# through here and there. A digit this size is recognised mostly by the deeper layers.

# %%
weights = result.model.features.conv1.weight.detach()[:, 0]  # 24 filters, 5×5
fig, axes = plt.subplots(2, 12, figsize=(9, 1.9))
for i, ax in enumerate(axes.flat):
    w = weights[i]
    ax.imshow((w - w.min()) / (w.max() - w.min() + 1e-12), cmap="gray")
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("tower 1")
axes[1, 0].set_ylabel("tower 2")
fig.suptitle("first-layer filters of the trained scaled network")
fig.tight_layout()
figures.show(fig, "alexnet-filters", description=(
    f"The {len(weights)} first-layer filters of the trained network as 5 by 5 grey squares, tower 1 in the top"
    " row and tower 2 in the bottom one. Most look like speckled noise; a few show a light-to-dark edge."))

# %% [markdown]
# ## Explore: the network as it learned
#
# The same two pictures after each epoch of the run above, from the copies kept while it trained:
# move the slider to see the filters drift away from their random start (most of them only a little)
# while the confusion matrix empties out everywhere but the diagonal.

# %%
grid = snapshot_grid(snapshots, result.history)
n_filters, size = snapshots.snapshots[0].filters.shape[:2]
per_row = n_filters // 2  # one row per tower
cells = size * size
filters = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED).transform_flatten(
    ["pixels"]).transform_window(i="row_number()").transform_calculate(
    filter=f"floor((datum.i - 1) / {cells})", pixel=f"(datum.i - 1) % {cells}").transform_calculate(
    left=f"(datum.filter % {per_row}) * {size + 1} + datum.pixel % {size}",
    top=f"floor(datum.filter / {per_row}) * {size + 1} + floor(datum.pixel / {size})").transform_calculate(
    right="datum.left + 1", bottom="datum.top + 1").mark_rect().encode(
    x=alt.X("left:Q", axis=None, scale=alt.Scale(domain=[0, per_row * (size + 1) - 1], nice=False)),
    x2="right:Q",
    y=alt.Y("top:Q", axis=None, scale=alt.Scale(domain=[0, 2 * (size + 1) - 1], nice=False, reverse=True)),
    y2="bottom:Q",
    color=alt.Color("pixels:Q", scale=alt.Scale(domain=[0, 1], range=["#000000", "#ffffff"]), legend=None),
).properties(width=per_row * (size + 1) * 6, height=2 * (size + 1) * 6,
             title=f"the {n_filters} first-layer filters (top row: tower 1)")
confusion = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED).transform_flatten(
    ["confusion"], as_=["count"]).transform_window(i="row_number()").transform_calculate(
    true="floor((datum.i - 1) / 10)", answer="(datum.i - 1) % 10")
heat = confusion.mark_rect().encode(
    x=alt.X("answer:O", title="the network's answer", axis=alt.Axis(labelAngle=0)),
    y=alt.Y("true:O", title="true digit"),
    color=alt.Color("count:Q", scale=alt.Scale(scheme="blues", type="sqrt", domain=[0, 40]), legend=None),
)
counts = confusion.transform_filter("datum.count > 0").mark_text(fontSize=10).encode(
    x="answer:O", y="true:O", text="count:Q",
    color=alt.condition("datum.count > 20", alt.value("white"), alt.value("black")))
chart = alt.vconcat(filters, (heat + counts).properties(width=260, height=260, title="test digits: answers")
                    ).resolve_scale(color="independent")


def draw_snapshot(row):
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1.6, 1]})
    pixels = np.array(row["pixels"]).reshape(n_filters, size, size)
    mosaic = np.ones((2 * (size + 1), per_row * (size + 1))) * np.nan
    for f in range(n_filters):
        top, left_edge = (f // per_row) * (size + 1), (f % per_row) * (size + 1)
        mosaic[top:top + size, left_edge:left_edge + size] = pixels[f]
    left.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
    left.set(xticks=[], yticks=[], title=f"the {n_filters} first-layer filters")
    matrix = np.array(row["confusion"]).reshape(10, 10)
    right.imshow(np.sqrt(matrix), cmap="Blues", vmin=0, vmax=np.sqrt(40))
    right.set(xticks=range(10), yticks=range(10), xlabel="the network's answer", ylabel="true digit")
    fig.suptitle(describe_snapshot(row).split(":")[0], color=figures.INK)
    return fig


explorables.show(grid, chart, title="AlexNet on digits, epoch by epoch: first-layer filters and test answers",
                 describe=describe_snapshot, fallback=draw_snapshot)

# %% [markdown]
# ## 2012 vs. now
#
# The paper gives enough to work out how fast its training ran: about ninety passes over 1.2
# million images took five to six days on two GTX 580 cards.

# %%
for line in arithmetic_2012():
    print(line)
flops = count_flops(paper_config())
then = rate_2012()["middle"]
print(
    f"\nFLOPs per image (counted by FlopCounterMode): {flops['forward'] / 1e9:.2f} G forward, "
    f"{flops['train_step'] / 1e9:.2f} G per training step"
)
print(
    f"2012 sustained: {flops['train_step']:.3g} × {then:.0f} images/s "
    f"≈ {flops['train_step'] * then / 1e12:.2f} TFLOP/s "
    f"on two cards with about 1.6 TFLOP/s of fp32 peak each"
)

# %% [markdown]
# So the 2012 code kept roughly 30 % of its GPUs' peak arithmetic busy, which is respectable even
# by today's standards. (The count uses PyTorch's FLOP counter with one correction: it charges the
# weight gradient of a grouped convolution as if the convolution were not grouped.)
#
# For contrast, here is the full-size network training on the CPU that builds this page: a few
# steps on synthetic images, timed after one warm-up step.

# %%
(cpu,) = run_bench(
    BenchConfig(batch_size=4, warmup=1, steps=2, device="cpu", record_dir=None, quiet=True),
    command="(this page)",
)
print(
    f"{cpu['device']}: {cpu['images_per_s']:.1f} images/s, {cpu['achieved_tflops'] * 1000:.0f} GFLOP/s, "
    f"{cpu['ratio_to_2012']:.3f}× the 2012 rate; ninety ImageNet epochs would take "
    f"{cpu['paper_schedule_hours'] / 24 / 365:.1f} years"
)

# %% [markdown]
# ### Recorded runs
#
# A modern GPU appears on this page only through a recorded run, never an estimate:
# `nutshell alexnet bench` and `nutshell alexnet train` write a JSON record of each run with
# the device, software versions, date, exact command and git commit, and
# `benchmarks/alexnet_gpu.sh` produces the whole set on one GPU. Records copied into `data/runs/`
# are listed below.

# %%
records, problems = load_records(runs_dir())
for problem in problems:
    print("skipped:", problem)
show_markdown(recorded_runs_markdown(records, then))

# %%
print(f"this page ran in {time.perf_counter() - PAGE_STARTED:.0f} s")
