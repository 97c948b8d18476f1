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
import matplotlib.pyplot as plt
import numpy as np

from nutshell import figures
from nutshell.nets.mlp import success_rate, train_mlp
from nutshell.nets.perceptron import (
    Perceptron,
    best_line_accuracy,
    decision_grid,
    line_points,
    logic_gate,
    train_perceptron,
)

figures.apply_style()
BLUE, ORANGE = figures.PALETTE[0], figures.PALETTE[1]

# %% [markdown]
# ## Four points, three labellings
#
# A gate with two binary inputs sees only the four corners of the unit square. AND, OR and XOR
# differ only in which corners they label 1.

# %%
for gate in ("and", "or", "xor"):
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
EPOCHS = 30
runs = {}
for gate in ("and", "or", "xor"):
    runs[gate] = run = train_perceptron(*logic_gate(gate), epochs=EPOCHS, seed=0)
    if run.converged_epoch is not None:
        print(f"{gate.upper():>3}: no mistakes from epoch {run.converged_epoch} on,"
              f" accuracy {run.accuracy[-1]:.0%}")
    else:
        print(f"{gate.upper():>3}: {min(run.mistakes)} to {max(run.mistakes)} mistakes"
              f" in every one of {EPOCHS} epochs, accuracy between"
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
    right.plot(range(1, EPOCHS + 1), run.mistakes, marker="o", markersize=3)
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
# ## No line gets XOR right
#
# That is not bad luck. Suppose a line did separate XOR, with output 1 exactly where
# `w1·x1 + w2·x2 + b > 0`. Corner 00 must give 0, so `b ≤ 0`. Corners 10 and 01 must give 1, so
# `w1 + b > 0` and `w2 + b > 0`; adding these, `w1 + w2 + b > -b ≥ 0`, so corner 11 would give 1 as
# well — but XOR says 0. Three corners out of four is the best any line can do. A brute-force check
# agrees: try lines in 720 directions at 401 offsets each and keep the best.

# %%
for gate in ("and", "or", "xor"):
    best, _ = best_line_accuracy(*logic_gate(gate))
    print(f"best accuracy of any line on {gate.upper():>3}: {best:.0%}")

X, y = logic_gate("xor")
highest = max(
    max(train_perceptron(X, y, epochs=200, seed=seed).step_accuracy)
    for seed in range(10)
)
print(f"highest XOR accuracy the perceptron reached in 10 runs of 200 epochs:"
      f" {highest:.0%}")

# %% [markdown]
# ## One hidden layer, trained by backpropagation
#
# Now put two units between the inputs and the output. Each hidden unit is again a weighted sum
# squashed by a sigmoid (a smooth threshold), so each one still draws a single line across the
# square; the output unit then combines their two answers. Backpropagation gives the gradient of the
# loss with respect to every weight by applying the chain rule from the output back to the inputs,
# and plain gradient descent does the rest: 2,000 steps, each using all four examples.

# %%
mlp = train_mlp(X, y, n_hidden=2, epochs=2000, lr=2.0, seed=0)
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
_, (weights, bias) = best_line_accuracy(X, y)
best_line = Perceptron(weights, bias)
ink = {"color": figures.INK, "linewidth": 1.5}

fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6))
draw_regions(axes[0], best_line, "best single line")
axes[0].plot(*line_points(weights, bias), **ink)

draw_regions(axes[1], mlp.net, "two hidden units")
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
# Not with only two hidden units. Gradient descent follows the slope down from wherever the random
# initial weights put it, and from some starting points it arrives at a local minimum: two corners
# right and the output stuck at 0.5, undecided, on the other two (ten times more steps do not move
# it). Rumelhart, Hinton and Williams named local minima as the obvious weakness of their method in
# 1986, while noting that they rarely hurt in practice. Counting over 20 seeds, then giving the
# network a spare hidden unit or two:

# %%
SEEDS = range(20)
for n_hidden in (2, 3, 4):
    rate = success_rate(X, y, SEEDS, n_hidden=n_hidden, epochs=2000, lr=2.0)
    print(f"{n_hidden} hidden units: all four corners right"
          f" for {rate:.0%} of {len(SEEDS)} seeds")

# %% [markdown]
# ## What to take away
#
# - A single threshold unit separates its inputs with one line (a plane, in more dimensions). AND
#   and OR are separable and Rosenblatt's rule finds a separating line quickly; XOR is not, and
#   no amount of training changes that (Minsky and Papert, 1969).
# - One hidden layer is enough for XOR, and backpropagation (Rumelhart, Hinton and Williams, 1986)
#   trains it: the hidden units re-describe the inputs so that the output unit's single line works.
# - Training such a network is an optimisation problem with local minima; a little more width than
#   strictly needed makes it far more reliable.
