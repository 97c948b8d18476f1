# %% [markdown]
# # XOR: the function one perceptron cannot learn
#
# Rosenblatt's learning rule masters AND and OR in a handful of passes, cycles for ever on XOR, and a hidden layer trained by backpropagation settles the matter.
#
# In 1958 Frank Rosenblatt proposed the perceptron: a weighted sum of the inputs followed by a
# threshold, together with a rule for learning the weights from examples. In their 1969 book
# *Perceptrons*, Marvin Minsky and Seymour Papert analysed exactly what such a single unit can
# compute, and exclusive-or became the textbook counterexample. Networks with a hidden layer could
# represent XOR even then; what was missing was a practical way to train them. In 1986 Rumelhart,
# Hinton and Williams showed that backpropagation does the job; the method had earlier roots, but
# their papers made it the standard. Below, all three steps run in a few seconds on four points.

# %%
import altair as alt
import matplotlib.pyplot as plt
import numpy as np

from nutshell import explorables, figures
from nutshell.nets.mlp import XOR_DEMO, describe_solving, hidden_unit_sweep, solving_grid, train_mlp
from nutshell.nets.perceptron import (
    VIEW,
    Perceptron,
    best_line_accuracy,
    decision_grid,
    describe_perceptron,
    gate_runs,
    line_points,
    logic_gate,
    perceptron_grid,
    train_perceptron,
)

figures.apply_style()
BLUE, ORANGE, RED = figures.PALETTE[0], figures.PALETTE[1], figures.PALETTE[4]
RULE, NET = XOR_DEMO.perceptron, XOR_DEMO.hidden_layer  # every setting below comes from these two

# %% [markdown]
# ## Four points, three labellings
#
# A gate with two binary inputs sees only the four corners of the unit square. AND, OR and XOR
# differ only in which corners they label 1.

# %%
for gate in RULE.gates:
    X, y = logic_gate(gate)
    table = "  ".join(f"{a:.0f}{b:.0f}→{t}" for (a, b), t in zip(X, y))
    print(f"{gate.upper():>3}: {table}")

# %% [markdown]
# ## Rosenblatt's rule
#
# The perceptron outputs 1 when `w·x + b > 0`. The rule visits the examples one at a time; after a
# wrong answer it adds the input to the weights (when the answer should have been 1) or subtracts
# it (when it should have been 0), and after a right answer it changes nothing. Rosenblatt's
# convergence theorem promises that this stops making mistakes whenever some line separates the
# two classes. One epoch is one pass over the four examples, in a random order.

# %%
with explorables.Stopwatch() as rule_time:
    runs = gate_runs(RULE)
for gate, run in runs.items():
    if run.converged_epoch is not None:
        print(f"{gate.upper():>3}: no mistakes from epoch {run.converged_epoch} on,"
              f" accuracy {run.accuracy[-1]:.0%}")
    else:
        print(f"{gate.upper():>3}: {min(run.mistakes)} to {max(run.mistakes)} mistakes"
              f" in every one of {RULE.epochs} epochs, accuracy between"
              f" {min(run.step_accuracy):.0%} and {max(run.step_accuracy):.0%}")

# %% [markdown]
# AND and OR settle after a few epochs and stay put. On XOR the weights are pushed back and forth:
# each correction that fixes one corner breaks another, so the accuracy, measured after every
# single update, jumps around and never reaches 100 %, and no epoch passes without mistakes.

# %%
fig, (left, right) = plt.subplots(
    1, 2, figsize=(10, 3), gridspec_kw={"width_ratios": [2, 1]})
for gate, run in runs.items():
    updates = np.arange(1, len(run.step_accuracy) + 1)
    left.plot(updates / 4, run.step_accuracy, linewidth=1.2, label=gate.upper())
    right.plot(range(1, RULE.epochs + 1), run.mistakes, marker="o", markersize=3)
left.set(xlabel="epoch (4 updates each)", ylabel="accuracy on the 4 examples",
         ylim=(0, 1.05), yticks=[0, 0.25, 0.5, 0.75, 1],
         title="accuracy after every update")
right.set(xlabel="epoch", ylabel="mistakes", title="mistakes per epoch")
for ax in (left, right):
    ax.grid(True)
left.legend(loc="lower right", ncol=3)
fig.tight_layout()
figures.show(fig, "perceptron-training")

# %% [markdown]
# ## Explore: the line, epoch by epoch
#
# The same runs, one epoch at a time. Choose a gate and an epoch: the left panel shows the
# perceptron's line after that epoch, with the side where it answers 1 shaded, and rings the corners
# it gets wrong; the right panel shows the mistakes it made in every epoch, the chosen one
# highlighted. On AND and OR the line soon settles where it separates the corners; on XOR it keeps
# jumping, sometimes clean off the corners, so that the unit gives every corner the same answer. The
# page carries the weights the runs above recorded; nothing is trained in your browser.

# %%
rule_grid = perceptron_grid(runs, rule_time.seconds, RULE)
lo, hi = VIEW
x_axis = alt.X("x:Q", title="x1", scale=alt.Scale(domain=[lo, hi], nice=False))
y_axis = alt.Y("y:Q", title="x2", scale=alt.Scale(domain=[lo, hi], nice=False))
chosen = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED)
line = chosen.transform_flatten(["line_x", "line_y"], as_=["x", "y"])
answers_one = {"clip": True, "opacity": 0.2, "color": ORANGE}  # the side where the unit answers 1
across = line.transform_filter("!datum.steep").mark_area(**answers_one).encode(
    x=x_axis, y=y_axis, y2="edge:Q")
upright = line.transform_filter("datum.steep").mark_area(orient="horizontal", **answers_one).encode(
    x=x_axis, x2="edge:Q", y=y_axis)
drawn_line = line.mark_line(clip=True, strokeWidth=2, color=figures.INK).encode(
    x=x_axis, y=y_axis).properties(name="line")
corners = chosen.transform_flatten(["x1s", "x2s", "targets", "outputs"], as_=["x", "y", "target", "output"])
target_legend = alt.Legend(title="target", orient="top")  # one legend for the shape and the colour
points = corners.mark_point(filled=True, size=140, opacity=1).encode(
    x=x_axis, y=y_axis,
    shape=alt.Shape("target:N", scale=alt.Scale(domain=[0, 1], range=["circle", "square"]),
                    legend=target_legend),
    color=alt.Color("target:N", scale=alt.Scale(domain=[0, 1], range=[BLUE, ORANGE]), legend=target_legend),
).properties(name="corners")
rings = corners.transform_filter("datum.target != datum.output").mark_point(
    size=520, strokeWidth=2.5, color=RED, opacity=1).encode(x=x_axis, y=y_axis)
square = (across + upright + drawn_line + points + rings).properties(
    width=230, height=230, title="the line after this epoch (shaded: answers 1)")
mistakes = alt.Chart(explorables.data("epochs")).transform_filter("datum.gate == gate").mark_bar().encode(
    x=alt.X("epoch:O", title="epoch", axis=alt.Axis(values=[1, *range(5, RULE.epochs + 1, 5)], labelAngle=0)),
    y=alt.Y("mistakes:Q", title="mistakes in the epoch", scale=alt.Scale(domain=[0, 4]),
            axis=alt.Axis(values=[0, 1, 2, 3, 4])),
    color=alt.condition("datum.epoch == epoch", alt.value(ORANGE), alt.value(figures.INK)),
).properties(width=260, height=230, title="mistakes per epoch", name="mistakes")
rule_chart = alt.hconcat(square, mistakes)


def draw_line_and_mistakes(row):
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4), gridspec_kw={"width_ratios": [1, 1.2]})
    fill = left.fill_betweenx if row["steep"] else left.fill_between  # the side that answers 1, as above
    ends = (row["line_y"], row["line_x"]) if row["steep"] else (row["line_x"], row["line_y"])
    fill(*ends, row["edge"], color=ORANGE, alpha=0.2, linewidth=0)
    left.plot(row["line_x"], row["line_y"], color=figures.INK, linewidth=2)
    for target, colour, marker in ((0, BLUE, "o"), (1, ORANGE, "s")):
        at = [(a, b) for a, b, t in zip(row["x1s"], row["x2s"], row["targets"]) if t == target]
        left.scatter(*zip(*at), s=70, c=colour, marker=marker, zorder=3, label=f"target {target}")
    wrong = [(a, b) for a, b, t, o in zip(row["x1s"], row["x2s"], row["targets"], row["outputs"]) if t != o]
    if wrong:
        left.scatter(*zip(*wrong), s=300, facecolors="none", edgecolors=RED, linewidths=2, zorder=4)
    left.set(xlim=(lo, hi), ylim=(lo, hi), aspect="equal", xlabel="x1", ylabel="x2",
             title=f"{row['gate'].upper()}, after epoch {row['epoch']}")
    counts = runs[row["gate"]].mistakes
    right.bar(range(1, len(counts) + 1), counts,
              color=[ORANGE if e == row["epoch"] else figures.INK for e in range(1, len(counts) + 1)])
    right.set(xlabel="epoch", ylabel="mistakes in the epoch", ylim=(0, 4), yticks=range(5),
              title="mistakes per epoch")
    fig.tight_layout()
    return fig


explorables.show(rule_grid, rule_chart, title="Rosenblatt's rule, epoch by epoch: the line and its mistakes",
                 describe=describe_perceptron, fallback=draw_line_and_mistakes, name="perceptron-by-epoch")

# %% [markdown]
# ## No line gets XOR right
#
# That is not bad luck. Suppose a line did separate XOR, with output 1 exactly where
# `w1·x1 + w2·x2 + b > 0`. Corner 00 must give 0, so `b ≤ 0`. Corners 10 and 01 must give 1, so
# `w1 + b > 0` and `w2 + b > 0`; adding these, `w1 + w2 + b > -b ≥ 0`, so corner 11 would give 1 as
# well — but XOR says 0. Three corners out of four is the best any line can do. A brute-force check
# agrees: try lines in many directions, at many offsets each, and keep the best. Training for
# longer, from other random starting weights, does no better either.

# %%
LINES = {"n_angles": RULE.line_directions, "n_offsets": RULE.line_offsets}
print(f"lines tried: {RULE.line_directions} directions × {RULE.line_offsets} offsets")
for gate in RULE.gates:
    best, _ = best_line_accuracy(*logic_gate(gate), **LINES)
    print(f"best accuracy of any line on {gate.upper():>3}: {best:.0%}")

X, y = logic_gate("xor")
highest = max(
    max(train_perceptron(X, y, epochs=RULE.long_epochs, seed=seed).step_accuracy)
    for seed in RULE.long_seeds
)
print(f"highest XOR accuracy the perceptron reached in {len(RULE.long_seeds)} runs"
      f" of {RULE.long_epochs} epochs: {highest:.0%}")

# %% [markdown]
# ## One hidden layer, trained by backpropagation
#
# Now put two units between the inputs and the output. Each hidden unit is again a weighted sum
# squashed by a sigmoid (a smooth threshold), so each one still draws a single line across the
# square; the output unit then combines their two answers. Backpropagation gives the gradient of the
# loss with respect to every weight by applying the chain rule from the output back to the inputs,
# and plain gradient descent does the rest, each step using all four examples.

# %%
mlp = train_mlp(X, y, n_hidden=NET.n_hidden, epochs=NET.epochs, lr=NET.lr, seed=NET.seed)
print(f"{NET.n_hidden} hidden units, {NET.epochs:,} steps of gradient descent at learning rate {NET.lr}")
print(f"loss: {mlp.losses[0]:.3f} at the start, {mlp.losses[-1]:.4f} at the end")
print("outputs on 00, 01, 10, 11:", np.round(mlp.net.forward(X), 3))
print("thresholded at 0.5:       ", mlp.net.predict(X))
print(f"accuracy: {mlp.accuracy:.0%}")

# %% [markdown]
# ## Two lines instead of one
#
# Left: the best a single line can do on XOR, three corners right. Middle: the trained network's
# decision regions with its two hidden units' lines (dashed); it answers 1 outside the band between
# them. Right: the same four points as the hidden units see them. In those coordinates one line
# (the output unit's, solid) does separate the classes, and that is all the output unit needs.

# %%
def draw_points(ax, points, labels):
    for value, colour, marker in ((0, BLUE, "o"), (1, ORANGE, "s")):
        chosen = labels == value
        ax.scatter(*points[chosen].T, s=70, c=colour, marker=marker,
                   edgecolors="white", zorder=3, label=f"XOR = {value}")


def draw_regions(ax, model, title):
    xx, yy, grid = decision_grid(-0.5, 1.5, 200)
    regions = model.predict(grid).reshape(xx.shape)
    ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5],
                colors=[BLUE, ORANGE], alpha=0.18)
    draw_points(ax, X, y)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), aspect="equal",
           xlabel="x1", ylabel="x2",
           title=f"{title}: {model.accuracy(X, y):.0%}")

# %%
_, (weights, bias) = best_line_accuracy(X, y, **LINES)
best_line = Perceptron(weights, bias)
ink = {"color": figures.INK, "linewidth": 1.5}

fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6))
draw_regions(axes[0], best_line, "best single line")
axes[0].plot(*line_points(weights, bias), **ink)

draw_regions(axes[1], mlp.net, f"{NET.n_hidden} hidden units")
for w, b in mlp.net.hidden_lines():
    axes[1].plot(*line_points(w, b), linestyle="--", **ink)

draw_points(axes[2], mlp.net.hidden(X), y)
axes[2].plot(*line_points(mlp.net.W2, float(mlp.net.b2), -0.1, 1.1), **ink)
axes[2].set(xlim=(-0.1, 1.1), ylim=(-0.1, 1.1), aspect="equal",
            xlabel="hidden unit 1", ylabel="hidden unit 2",
            title="what the output unit sees")
axes[2].legend(loc="upper left", fontsize=8)
fig.tight_layout()
figures.show(fig, "xor-decision-regions")

# %% [markdown]
# ## Does it always work?
#
# Not with the bare minimum of hidden units. Gradient descent follows the slope down from wherever
# the random initial weights put it, and from some starting points it arrives at a local minimum
# instead of a solution. Rumelhart, Hinton and Williams named local minima as the obvious weakness
# of their method in 1986, while noting that they rarely hurt in practice. Counting over many seeds,
# from a single hidden unit, which can never be enough (the output then depends on the inputs only
# through that unit's one line, so the network still answers with a single line), to a spare unit
# or two:

# %%
with explorables.Stopwatch() as sweep_time:
    sweep = hidden_unit_sweep(X, y, NET)
stuck = {n_hidden: [seed for seed, run in by_seed.items() if run.accuracy < 1.0]
         for n_hidden, by_seed in sweep.items()}
for n_hidden, seeds in stuck.items():
    rate = 1 - len(seeds) / len(NET.seeds)
    units = "hidden unit" if n_hidden == 1 else "hidden units"
    print(f"{n_hidden} {units}: all four corners right for {rate:.0%} of {len(NET.seeds)} seeds")

# %% [markdown]
# ## Explore: every run, by the number of hidden units
#
# Choose the number of hidden units to see the training loss of every one of those runs. Runs that
# solve XOR drive the loss down towards zero; the ones that get stuck level off and stay there. The
# page carries the loss curves of the runs just counted.

# %%
solving = solving_grid(sweep, sweep_time.seconds, NET)
all_losses = [loss for curve in solving.tables["curves"] for loss in curve["losses"]]
loss_range = [10 ** np.floor(np.log10(min(all_losses))), float(np.ceil(max(all_losses)))]
decades = [10.0 ** k for k in range(int(np.log10(loss_range[0])), 1)]  # the axis's ticks: 0.001, 0.01, …, 1
outcome = alt.Color("outcome:N", scale=alt.Scale(domain=["solved", "stuck"], range=[BLUE, ORANGE]),
                    legend=alt.Legend(title=None, orient="top"))
curves = alt.Chart(explorables.data("curves")).transform_filter(explorables.SELECTED).transform_flatten(
    ["steps", "losses"], as_=["step", "loss"]).mark_line(strokeWidth=1.2, opacity=0.75, clip=True).encode(
    x=alt.X("step:Q", title="step of gradient descent", scale=alt.Scale(domain=[0, NET.epochs])),
    y=alt.Y("loss:Q", title="training loss (cross-entropy)", scale=alt.Scale(type="log", domain=loss_range),
            axis=alt.Axis(values=decades, format="~g")),
    detail="seed:N", color=outcome,
).properties(width="container", height=240)  # as wide as the column


def draw_runs(row):
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for seed, run in sweep[row["hidden"]].items():
        solved = run.accuracy == 1.0
        ax.semilogy(run.losses, linewidth=1, alpha=0.75, color=BLUE if solved else ORANGE,
                    zorder=2 if solved else 3)  # the stuck runs on top
    ax.set(xlabel="step of gradient descent", ylabel="training loss (cross-entropy)", ylim=loss_range,
           title=f"{row['hidden']} hidden units: {row['solved']} of {row['runs']} runs solve XOR"
           if row["hidden"] > 1 else f"1 hidden unit: {row['solved']} of {row['runs']} runs solve XOR")
    ax.grid(True)
    return fig


explorables.show(solving, curves, title="How often backpropagation solves XOR, by the number of hidden units",
                 describe=describe_solving, fallback=draw_runs, name="hidden-units")

# %% [markdown]
# What the failing runs of the network drawn above look like, and whether they were merely slow:
# each is trained once more, for many times as long.

# %%
print(f"{NET.n_hidden} hidden units, outputs on 00, 01, 10, 11 after"
      f" {NET.epochs:,} and after {NET.longer * NET.epochs:,} steps:")
for seed in stuck[NET.n_hidden]:
    short = sweep[NET.n_hidden][seed]
    long = train_mlp(X, y, n_hidden=NET.n_hidden, epochs=NET.longer * NET.epochs, lr=NET.lr, seed=seed)
    print(f"  seed {seed:>2}: {np.round(short.net.forward(X), 3)}"
          f" → {np.round(long.net.forward(X), 3)}, accuracy {long.accuracy:.0%}")

# %% [markdown]
# Each one gets two corners right and sits undecided, halfway between the two answers, on the other
# two, and the longer training leaves it there: a local minimum, not a slow start.

# %% [markdown]
# ## What to take away
#
# - A single threshold unit separates its inputs with one line (a plane, in more dimensions). AND
#   and OR are separable and Rosenblatt's rule finds a separating line quickly; XOR is not, and
#   no amount of training changes that (Minsky and Papert, 1969).
# - One hidden layer is enough for XOR, and backpropagation (Rumelhart, Hinton and Williams, 1986)
#   trains it: the hidden units re-describe the inputs so that the output unit's single line works.
# - Training such a network is an optimisation problem with local minima; a little more width than
#   strictly needed makes it far more reliable. One hidden unit is never enough: the network then
#   still answers with a single line.
