# %% [markdown]
# # Rectified linear units
#
# A ReLU's slope is exactly 1 wherever it is switched on, a sigmoid's never more than 1/4: what that does to how fast deep networks train, and how too large a learning rate switches ReLUs off for good.
#
# Why did deep networks give up the smooth sigmoid for the rectified linear unit, max(0, z), a function
# with a corner in it, and what does the switch cost? Nair and Hinton used rectified units in restricted
# Boltzmann machines in 2010; a year later Glorot, Bordes and Bengio showed that deep networks of them
# trained well without any unsupervised pretraining, and AlexNet's 2012 win made them the default.
# This page measures the case for them on a small regression task, and one known way they fail.

# %%
import altair as alt
import matplotlib.pyplot as plt
import numpy as np
import torch

from nutshell import explorables, figures
from nutshell.nets.deep import make_net
from nutshell.nets.relu import (
    INIT_FOR,
    RELU_DEMO,
    activation_derivatives,
    dead_unit_grid,
    dead_unit_sweep,
    describe_dead_units,
    mean_dead_per_layer,
    slopes_in_network,
    split_task,
    training_speed,
)

figures.apply_style()
torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
# Tiny matrices: one thread is fastest, and gives the same sums on every machine.
torch.set_num_threads(1)
S = RELU_DEMO  # every setting on this page; the claims test imports the same object
BLUE, ORANGE, GREEN = figures.PALETTE[:3]

# %% [markdown]
# ## Two slopes
#
# The backward pass multiplies the error signal by the derivative of each unit's function (see the
# [backpropagation demo](../backprop-by-the-rules/)). The sigmoid's derivative is a bump that peaks at
# a quarter and falls towards zero on both sides; the rectifier's is a step: 0 for negative inputs,
# 1 for positive ones. Both curves below come from PyTorch's autograd applied to the activation modules
# the networks on this page are built from.

# %%
z = np.linspace(-6, 6, 1201)
slopes = activation_derivatives(z)
for name in ("sigmoid", "tanh"):
    print(f"{name:>7}: largest slope {slopes[name].max():.4f}, at z = {z[slopes[name].argmax()]:+.2f}")
below, above = np.unique(slopes["relu"][z <= 0]), np.unique(slopes["relu"][z > 0])
print(f"   relu: the only slope at z ≤ 0 is {', '.join(f'{v:g}' for v in below)},"
      f" the only slope at z > 0 is {', '.join(f'{v:g}' for v in above)}")

fig, ax = plt.subplots(figsize=(6.4, 3.2))
ax.plot(z, slopes["sigmoid"], label="sigmoid", color=BLUE)
ax.plot(z, slopes["tanh"], label="tanh", color=figures.INK, linestyle="--", linewidth=1)
ax.plot(z, slopes["relu"], label="ReLU", color=ORANGE)
ax.axhline(0.25, color=BLUE, linestyle=":", linewidth=1)
ax.text(6, 0.27, "1/4", color=BLUE, ha="right")
ax.set(xlabel="input z to the unit", ylabel="derivative f′(z)", title="slope of each activation, by autograd")
ax.grid(True)
ax.legend(loc="upper left")
figures.show(fig, "activation-slopes", description=(
    "The derivative of each activation for inputs z from −6 to 6. The sigmoid's is a low bump that peaks"
    f" at {slopes['sigmoid'].max():.2f} at z = 0; tanh's is a narrower bump that peaks at"
    f" {slopes['tanh'].max():.0f}; the ReLU's is a step: 0 for every z up to 0, 1 for every z above."))

# %% [markdown]
# ## The slopes a network actually sees
#
# The curves give the slope for any one input. Inside a freshly initialised network (each activation
# with its usual initialisation: Glorot's for the sigmoid, He's for the ReLU) the inputs to the units
# are spread out, so we measure the slope at every hidden unit for every training example, layer by
# layer, in the deepest network trained below.

# %%
X, y, X_heldout, _ = split_task(S)
deepest = max(S.depths)
for activation in ("sigmoid", "relu"):
    net = make_net(deepest, S.width, activation, INIT_FOR[activation], in_features=S.in_features, seed=S.seed)
    per_layer = slopes_in_network(net, X)
    means = " ".join(f"{s.mean():.2f}" for s in per_layer)
    print(f"{activation:>7}: mean slope per layer  {means}")
    if activation == "relu":
        ones = np.mean([np.mean(s == 1.0) for s in per_layer])
        zeros = np.mean([np.mean(s == 0.0) for s in per_layer])
        print(f"         slopes exactly 1: {ones:.0%}, exactly 0: {zeros:.0%}, anything else:"
              f" {1 - ones - zeros:.0%}")

# %% [markdown]
# A sigmoid layer multiplies the error signal by a quarter or less at every unit, every time. A ReLU
# layer passes it through untouched at the units that are on, about half of them, and blocks it at the
# rest; He's initialisation doubles the weights' variance to make up for the half that is blocked.
# Through many layers, factors of a quarter compound; the
# [vanishing-gradients demo](../vanishing-gradients/) measures how the gradient reaching the first
# layer shrinks with depth. Here we look at what that does to training time.
#
# ## Training speed, layer by layer
#
# The task: random points, the target a sum of sine waves along random directions, scaled so that
# predicting the mean gives a loss (mean squared error) of exactly 1. The networks are trained with
# plain stochastic gradient descent: the same batches, the same number of steps and the same learning
# rate for both activations. A third network per depth multiplies the sigmoid's learning rate by the
# inverse of its largest slope, to see whether a bigger step simply makes up for the smaller slope. We
# count the steps until the training loss first falls below a threshold.

# %%
print(f"{len(X)} training points in {S.in_features} dimensions; {S.width} units per hidden layer;"
      f" depths {', '.join(map(str, S.depths))}")
print(f"learning rate {S.lr:g} for both; the sigmoid again at {S.lr:g} × {S.sigmoid_lr_boost:g}"
      f" = {S.boosted_sigmoid_lr:g}")

# %%
runs = training_speed(S)
print(f"{S.steps} steps, batches of {S.batch_size}; steps to a loss below {S.loss_threshold}"
      f" (— = not within {S.steps}), and the loss over the last 50 steps\n")
variants = [("sigmoid", S.lr), ("sigmoid", S.boosted_sigmoid_lr), ("relu", S.lr)]
header = "".join(f"{f'{a}, lr {lr:g}':>22}" for a, lr in variants)
print(f"{'depth':>5}{header}")
for depth in S.depths:
    cells = []
    for activation, lr in variants:
        run = next(r for r in runs if (r.depth, r.activation, r.lr) == (depth, activation, lr))
        reached = "—" if run.steps_to_threshold is None else f"{run.steps_to_threshold} steps"
        cells.append(f"{reached:>10}, {np.mean(run.losses[-50:]):.3f}")
    print(f"{depth:>5}" + "".join(f"{c:>22}" for c in cells))

# %%
colours = {("sigmoid", S.lr): BLUE, ("sigmoid", S.boosted_sigmoid_lr): GREEN, ("relu", S.lr): ORANGE}
fig, axes = plt.subplots(2, 3, figsize=(10.5, 5.2), sharex=True, sharey=True)
for ax, depth in zip(axes.flat, S.depths):
    for run in (r for r in runs if r.depth == depth):
        style = "--" if run.lr == S.boosted_sigmoid_lr else "-"
        ax.plot(run.losses, color=colours[(run.activation, run.lr)], linestyle=style, linewidth=1.2,
                label=run.label)
    ax.axhline(S.loss_threshold, color=figures.INK, linestyle=":", linewidth=0.8)
    ax.set(title=f"{depth} hidden layer{'s' if depth > 1 else ''}", ylim=(0, 1.5))
    ax.grid(True)
for ax in axes[-1]:
    ax.set_xlabel("SGD step")
for ax in axes[:, 0]:
    ax.set_ylabel("training loss")
axes[0, 0].legend(loc="upper right", fontsize="small")
fig.suptitle("training loss by depth (dotted: the threshold; 1 = predicting the mean)", color=figures.INK)
fig.tight_layout()


def depths_where(activation, lr, reached=True):
    chosen = [r.depth for r in runs if (r.activation, r.lr) == (activation, lr)
              and (r.steps_to_threshold is not None) == reached]
    return ", ".join(map(str, chosen)) or "none"


figures.show(fig, "loss-by-depth", description=(
    f"Training loss against SGD step, one panel per depth ({', '.join(map(str, S.depths))} hidden layers),"
    f" for the sigmoid at learning rate {S.lr:g}, the sigmoid at {S.boosted_sigmoid_lr:g} and the ReLU at"
    f" {S.lr:g}; a dotted line marks the threshold {S.loss_threshold}. The ReLU networks fall below it"
    f" at depths {depths_where('relu', S.lr)}; the sigmoid networks at {S.lr:g} only at depths"
    f" {depths_where('sigmoid', S.lr)}, and at {S.boosted_sigmoid_lr:g} at depths"
    f" {depths_where('sigmoid', S.boosted_sigmoid_lr)}. Where a sigmoid network does not learn, its loss"
    " stays flat at about 1, the loss of predicting the mean."))

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
ceiling = S.steps * 1.6  # where "not reached" is drawn
for (activation, lr), colour in colours.items():
    chosen = [r for r in runs if (r.activation, r.lr) == (activation, lr)]
    reached = [(r.depth, r.steps_to_threshold) for r in chosen if r.steps_to_threshold is not None]
    missed = [r.depth for r in chosen if r.steps_to_threshold is None]
    ax.semilogy(*zip(*reached), marker="o", markersize=4, color=colour, label=f"{activation}, lr {lr:g}",
                linestyle="--" if lr == S.boosted_sigmoid_lr else "-")
    if missed:  # side by side, so that one cross does not hide another
        offset = 0.08 if lr == S.boosted_sigmoid_lr else -0.08
        ax.scatter(np.add(missed, offset), [ceiling] * len(missed), marker="x", color=colour, zorder=3)
ax.axhline(S.steps, color=figures.INK, linestyle=":", linewidth=0.8)
ax.text(max(S.depths), S.steps * 0.9, "step budget", ha="right", va="top", fontsize="small")
ax.text(min(S.depths), ceiling, "× not reached within the budget", va="center", fontsize="small")
ax.set(xlabel="hidden layers", ylabel=f"steps to loss < {S.loss_threshold}", xticks=list(S.depths),
       ylim=(10, ceiling * 1.4), title="how long each network takes to learn the task")
ax.grid(True)
ax.legend(loc="center right", fontsize="small")
relu_steps = [r.steps_to_threshold for r in runs if r.activation == "relu" and r.steps_to_threshold]
figures.show(fig, "steps-to-threshold", description=(
    f"Steps until the training loss first falls below {S.loss_threshold}, on a logarithmic scale, against"
    " the number of hidden layers, one line per kind of network; a cross at the top marks a network that"
    f" did not get there within the budget of {S.steps} steps. The ReLU networks need between"
    f" {min(relu_steps)} and {max(relu_steps)} steps at every depth. The sigmoid networks at"
    f" {S.lr:g} miss the budget at depths {depths_where('sigmoid', S.lr, reached=False)}, and at"
    f" {S.boosted_sigmoid_lr:g} at depths {depths_where('sigmoid', S.boosted_sigmoid_lr, reached=False)}."))

# %% [markdown]
# With one hidden layer both activations learn the task quickly and end at about the same loss. Every
# layer added makes the sigmoid network markedly slower, and from some depth on it does not learn the
# task at all within the budget: its loss stays parked at 1, the loss of predicting the mean. The ReLU
# networks reach the threshold in a similar number of steps at every depth tried, and end lower the
# deeper they are.
#
# Scaling the sigmoid's learning rate up by the inverse of its slope does not buy the ReLU's speed. The
# slope of a quarter is paid once per layer, so the shortfall is a product over the layers, not one
# factor a single learning rate could cancel; and the larger rate is not even reliably better: compare
# the dashed green lines with the solid blue ones.

# %%
by_key = {(r.depth, r.activation, r.lr): r for r in runs}
for depth in S.depths:
    plain = by_key[(depth, "sigmoid", S.lr)].steps_to_threshold
    boosted = by_key[(depth, "sigmoid", S.boosted_sigmoid_lr)].steps_to_threshold
    if plain is None and boosted is None:
        verdict = "neither reaches the threshold"
    elif boosted is None:
        verdict = "the larger rate never reaches it, the smaller one does"
    elif plain is None or boosted < plain:
        verdict = "the larger rate is faster"
    else:
        verdict = "the larger rate is slower"
    print(f"sigmoid, {depth} hidden layer{'s' if depth > 1 else ''}: {verdict}")

# %% [markdown]
# ## Dead units
#
# The flat side of the rectifier has a price. A ReLU whose input is negative for every example outputs 0
# for every example and has slope 0 for every example, so no gradient reaches its incoming weights and
# gradient descent has no reason to change them: the unit is dead. Only changes in the layers below it
# can bring it back. One way to kill units is a large update: a single big step can push a unit's
# weights and bias to where its input is negative everywhere.
#
# We train one ReLU network at several learning rates, several seeds each, and count a unit as dead if
# it outputs 0 for every input of a held-out set of points the network never trained on. Runs whose
# weights overflow to infinity or NaN are counted separately as diverged: their units are not dead,
# just broken.

# %%
with explorables.Stopwatch() as sweep_time:
    sweep = dead_unit_sweep(S)
at_init = max(max(run.dead_at_init) for run in sweep)
print(f"{S.dead_depth} hidden layers of {S.width} ReLUs, {S.dead_steps} steps, {len(S.dead_seeds)} seeds per"
      f" learning rate, {len(X_heldout)} held-out points; before training, at most"
      f" {at_init:.0%} of a layer's units were dead in any run\n")
print(f"{'lr':>5}  {'diverged':>8}  {'dead, per layer (mean)':>24}  {'dead overall':>12}  {'final loss':>10}")
for lr in S.dead_lrs:
    chosen = [run for run in sweep if run.lr == lr]
    finite = [run for run in chosen if not run.diverged]
    diverged = len(chosen) - len(finite)
    if finite:
        layers = "  ".join(f"{v:.0%}" for v in mean_dead_per_layer(chosen))
        overall = np.mean([run.dead_overall for run in finite])
        loss = np.mean([run.final_loss for run in finite])
        print(f"{lr:>5g}  {diverged:>4} of {len(chosen)}  {layers:>24}  {overall:>12.1%}  {loss:>10.3f}")
    else:
        print(f"{lr:>5g}  {diverged:>4} of {len(chosen)}  (every run diverged)")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
jitter = np.linspace(-0.002, 0.002, len(S.dead_seeds))
for lr in S.dead_lrs:
    chosen = [run for run in sweep if run.lr == lr]
    finite = [(lr + jitter[i], run.dead_overall) for i, run in enumerate(chosen) if not run.diverged]
    if finite:
        ax.scatter(*zip(*finite), s=14, color=ORANGE, alpha=0.7)
    diverged = sum(run.diverged for run in chosen)
    if diverged:
        ax.annotate(f"{diverged} of {len(chosen)}\ndiverged", (lr, 0.5), ha="center", fontsize="small")
means = [np.mean([r.dead_overall for r in sweep if r.lr == lr and not r.diverged]) for lr in S.dead_lrs]
ax.plot(S.dead_lrs, means, color=ORANGE, label="mean of the runs that did not diverge")
for lr, text in ((S.sensible_lr, "sensible"), (S.too_large_lr, "too large")):
    ax.axvline(lr, color=figures.INK, linestyle=":", linewidth=0.8)
    ax.text(lr, 0.62, text, ha="center", fontsize="small")
ax.set(xlabel="learning rate", ylabel="dead hidden units (share)", ylim=(-0.02, 0.68),
       title=f"ReLUs that never fire on held-out data, after {S.dead_steps} steps")
ax.grid(True)
ax.legend(loc="upper left", bbox_to_anchor=(0, 0.88), fontsize="small")
mean_at = dict(zip(S.dead_lrs, means))
diverged_runs = sum(run.diverged for run in sweep)
figures.show(fig, "dead-units", description=(
    f"Share of hidden ReLUs that are dead after {S.dead_steps} steps against the learning rate, one dot per"
    f" seed and a line through the means: {mean_at[S.sensible_lr]:.0%} on average at the sensible rate"
    f" {S.sensible_lr:g}, {mean_at[S.too_large_lr]:.0%} at {S.too_large_lr:g}"
    + (f"; {diverged_runs} of the {len(sweep)} runs diverged." if diverged_runs else "; no run diverged.")))

# %%
sensible = [run for run in sweep if run.lr == S.sensible_lr]
too_large = [run for run in sweep if run.lr == S.too_large_lr]
for label, chosen in (("sensible", sensible), ("too large", too_large)):
    per_layer = ", ".join(f"layer {i}: {v:.1%}" for i, v in enumerate(mean_dead_per_layer(chosen), start=1))
    print(f"lr {chosen[0].lr:g} ({label}): dead {per_layer}")

# %% [markdown]
# At the sensible learning rate almost no unit dies. As the rate approaches the point where runs start
# to diverge, a large share of the units in the deeper layers end up dead, more in some seeds than in
# others; a little further, some runs blow up instead. The first layer hardly ever
# loses a unit: its inputs are the raw data, which points in every direction, so for almost any weights
# some input lands on the unit's active side. Deeper layers see only the outputs of ReLUs, which are
# never negative, and a unit whose weights have all turned negative stays off for every input.
#
# In this experiment the dead units did not show up as a worse training loss at the too-large rate than
# at the sensible one, presumably because the larger steps make faster progress otherwise and these
# layers have units to spare. A dead unit is still capacity the network pays for and does not use.
#
# ## Explore: one run at a time
#
# The averages hide how much the runs differ. Below is every run of the sweep, one at a time: choose a
# learning rate and a seed, and the bars show the share of each layer's units that were dead before
# training and after it. Nothing is trained in your browser; the page carries the results of the runs
# above.

# %%
grid = dead_unit_grid(sweep, sweep_time.seconds, S)
order = ["before training", "after training"]
bars = alt.Chart(explorables.data("layers")).transform_filter(explorables.SELECTED).mark_bar().encode(
    x=alt.X("layer:O", title="hidden layer", axis=alt.Axis(labelAngle=0)),
    xOffset=alt.XOffset("when:N", sort=order),
    y=alt.Y("dead:Q", title="dead ReLUs (share of the layer)", scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%")),
    color=alt.Color("when:N", sort=order, scale=alt.Scale(range=[figures.INK, ORANGE]),
                    legend=alt.Legend(title=None, orient="top")),
)
diverged = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED).transform_filter(
    "datum.diverged").mark_text(text="diverged: every weight overflowed", fontSize=14).encode(
    x=alt.value(180), y=alt.value(60))
chart = (bars + diverged).properties(width="container", height=220)  # as wide as the column


def draw_dead_units(row):
    fig, ax = plt.subplots(figsize=(5, 3))
    layers = np.arange(1, len(row["dead_at_init"]) + 1)
    ax.bar(layers - 0.2, row["dead_at_init"], width=0.4, color=figures.INK, label="before training")
    if not row["diverged"]:
        ax.bar(layers + 0.2, row["dead"], width=0.4, color=ORANGE, label="after training")
    ax.set(xlabel="hidden layer", ylabel="dead ReLUs (share)", ylim=(0, 1), xticks=layers,
           title=f"learning rate {row['lr']:g}, seed {row['seed']}")
    ax.legend(loc="upper left", fontsize="small")
    return fig


explorables.show(grid, chart, title="Dead ReLUs per layer, run by run", describe=describe_dead_units,
                 fallback=draw_dead_units)

# %% [markdown]
# ## What to take away
#
# - A ReLU's slope is 1 where the unit is on and 0 where it is off; a sigmoid's is at most a quarter and
#   close to that in a freshly initialised network. Backpropagation multiplies by one such slope per
#   layer, so the sigmoid's handicap compounds with depth.
# - On this task sigmoid networks take much longer to train with every layer added, and the deeper ones
#   do not train at all in the budget; ReLU networks train in about the same number of steps at every
#   depth tried. A larger learning rate is no substitute, because the shortfall is a product over the
#   layers.
# - The zero slope has a cost: a unit pushed to where its input is always negative gets no gradient
#   and stays dead. Learning rates just below the point where training diverges leave a sizeable share
#   of the deeper layers dead; a sensible learning rate leaves almost none.
