# %% [markdown]
# # Regularisation: dropout, L1 and L2
#
# A network trained on a handful of digits per class memorises them; weight decay, an L1 penalty and dropout each win back some test accuracy, and each leaves its own mark on the weights.
#
# Which of the three classic regularisers helps a small network that has too little data, by how
# much, and do they work the way they are usually explained? The usual story goes like this. A
# penalty on the squared weights (L2, or weight decay; Krogh and Hertz explained its benefit in
# 1992) keeps every weight small, so the answer rests on many weights at once. A penalty on the
# absolute weights (L1, the lasso of Tibshirani, 1996) sends most weights to zero and keeps a few
# large ones. Dropout (Hinton and colleagues, 2012; Srivastava and colleagues, 2014) switches
# units off at random during training, so no unit can count on a particular partner and each must
# be useful on its own. AlexNet used both weight decay and dropout in 2012. Below we test each part
# of that story on scikit-learn's 8×8 digit images, with a one-hidden-layer network written in
# numpy, on a CPU.

# %%
import altair as alt
import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from nutshell import explorables, figures
from nutshell.nets.regularisation import REGULARISATION_DEMO as S
from nutshell.nets.regularisation import (
    Regulariser,
    accuracy_with_units_removed,
    best_strength,
    confidence_when_wrong,
    describe_regularisation,
    dropout_scaling_check,
    outcome,
    regularisation_grid,
    split_for,
    sweep_points,
    thinned_ensemble_probabilities,
    train,
    train_over_seeds,
    unit_ablation,
    weight_census,
)

figures.apply_style()
# Small matrices: one BLAS thread is fastest here, and gives the same sums on every machine.
threadpool_limits(limits=1, user_api="blas")
COLOURS = dict(zip(("none", "L2", "L1", "dropout"), figures.PALETTE))

# %% [markdown]
# ## Too little data
#
# The digits come with scikit-learn, so nothing is downloaded. We train on a few images of each
# digit, keep some more aside as validation images for choosing penalty strengths, and test on all
# the rest. Each seed draws a different training set.

# %%
data = split_for(S.seeds[0])
print(f"{len(data.y_train)} training images ({S.train_per_class} per digit), "
      f"{len(data.y_val)} validation images, {len(data.y_test)} test images, "
      f"{data.X_train.shape[1]} pixels each")

# %% [markdown]
# ## The network and the training loop
#
# One hidden layer of ReLU units, **h** = max(0, **x** **W**₁ + **b**₁), then ten class scores
# **h** **W**₂ + **b**₂ and the softmax cross-entropy loss L. Training is plain gradient descent on
# all training images at once, with the gradients written out by hand in
# `nutshell.nets.regularisation`. Each regulariser is one small change to that loop, for every
# weight w (the biases are left alone); η is the step size:
#
# - **L2** adds λ₂ w²/2 to the loss, so each step is w ← w − η (∂L/∂w + λ₂ w): the weight also
#   shrinks by a fixed fraction of itself, hence "weight decay".
# - **L1** adds λ₁ |w|, so each step is w ← w − η (∂L/∂w + λ₁ sign(w)): a pull of the same size
#   towards zero for every weight, large or small.
# - **Dropout** multiplies each input pixel and each hidden unit by a random mask during training:
#   0 with probability p, otherwise 1/(1 − p). At test time the mask is gone.

# %%
print(f"{S.hidden} hidden units, {S.steps} steps of size η = {S.lr}, from He-initialised weights")
print(f"dropout: p = {S.drop_input} on the input pixels, p = {S.drop_hidden} on the hidden units")

# %% [markdown]
# ## Without regularisation the network memorises
#
# The plain network gets every training image right early on and drives its training loss towards
# zero. On the test images the error stalls far above zero, and the test loss bottoms out early
# and then creeps up: beyond that point the network grows more confident on the training images
# without getting better on new ones.

# %%
plain = train(data, Regulariser("none"), S, seed=S.seeds[0])
best = int(np.argmin(plain.test_loss))
print(f"after {S.steps} steps: training error {plain.train_error[-1]:.1%}, "
      f"test error {plain.test_error[-1]:.1%}")
print(f"test loss: lowest {plain.test_loss[best]:.3f} at step {plain.curve_steps[best]}, "
      f"{plain.test_loss[-1]:.3f} at the end (training loss {plain.train_loss[-1]:.4f})")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, train_curve, test_curve, label in (
    (left, plain.train_error, plain.test_error, "error"),
    (right, plain.train_loss, plain.test_loss, "cross-entropy"),
):
    ax.plot(plain.curve_steps, train_curve, label="training images")
    ax.plot(plain.curve_steps, test_curve, label="test images")
    ax.set(xlabel="gradient-descent step", ylabel=label, title=f"no regularisation: {label}")
    ax.grid(True)
left.set_ylim(-0.01, 0.3)
right.set_ylim(-0.02, 1.0)
right.plot(plain.curve_steps[best], plain.test_loss[best], "o", color=figures.PALETTE[1])
right.annotate("lowest test loss", (plain.curve_steps[best], plain.test_loss[best]),
               xytext=(plain.curve_steps[best] + 100, plain.test_loss[best] - 0.25),
               arrowprops={"arrowstyle": "->", "color": figures.INK}, color=figures.INK)
left.legend()
fig.tight_layout()
figures.show(fig, "overfitting", description=(
    "Two panels against the gradient-descent step, for the training and the test images, without"
    f" regularisation. Left, the error: on the training images it reaches {plain.train_error[-1]:.0%}"
    f" early on, on the test images it stalls near {plain.test_error[-1]:.0%}. Right, the cross-entropy:"
    f" the training loss falls towards zero while the test loss is lowest ({plain.test_loss[best]:.2f}, a"
    f" circled point) at step {plain.curve_steps[best]} and then creeps up to {plain.test_loss[-1]:.2f}."))

# %% [markdown]
# ## How strong a penalty?
#
# Too weak a penalty changes little; too strong a penalty holds the weights back so far that the
# error on new images rises again. We try a few strengths of each on the first seed's training set and pick the
# one with the lowest error on the validation images (never the test images). The right panel
# counts the weights that end up within a hair of zero (the threshold is printed below).
# The validation set is small, so neighbouring strengths differ by only a few images; the choice
# is a reasonable one, not a precise optimum. (These nets, and a few dropout nets, are also what the
# explorable figure further down shows.)

# %%
grid = regularisation_grid(S)  # every strength of both penalties, and dropout at a few rates
sweeps = {"L2": sweep_points(grid, "l2"), "L1": sweep_points(grid, "l1")}
chosen = {name: best_strength(points) for name, points in sweeps.items()}
for name, points in sweeps.items():
    print(name + ":  " + "   ".join(f"λ={p.strength:g}: {p.val_error:.1%}" for p in points))
    print(f"    chosen λ = {chosen[name]:g}")
print(f"'near zero' means |w| < {S.small_weight:g}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for name, points in sweeps.items():
    strengths = [p.strength for p in points]
    left.semilogx(strengths, [p.val_error for p in points], marker="o", color=COLOURS[name], label=name)
    right.semilogx(strengths, [p.census.fraction_small for p in points], marker="o",
                   color=COLOURS[name], label=name)
    pick = next(p for p in points if p.strength == chosen[name])
    left.plot(pick.strength, pick.val_error, "o", markersize=12, fillstyle="none", color=COLOURS[name])
left.set(xlabel="penalty strength λ", ylabel="validation error",
         title="validation error (circled: chosen)")
right.set(xlabel="penalty strength λ", ylabel="fraction of weights",
          title="weights near zero", ylim=(-0.02, 1.02))
for ax in (left, right):
    ax.grid(True)
    ax.legend()
fig.tight_layout()


def sweep_words(name):
    points = sweeps[name]
    return (f"{name} from λ = {points[0].strength:g} to {points[-1].strength:g}: validation error from"
            f" {points[0].val_error:.0%} to {points[-1].val_error:.0%}, weights near zero from"
            f" {points[0].census.fraction_small:.0%} to {points[-1].census.fraction_small:.0%};"
            f" chosen λ = {chosen[name]:g}")


figures.show(fig, "strength-sweep", description=(
    "Two panels against the penalty strength λ on a logarithmic scale, one line each for L2 and L1: left"
    " the validation error, with the chosen strength circled, right the fraction of weights near zero. "
    + ". ".join(sweep_words(name) for name in sweeps) + "."))

# %% [markdown]
# Raising the L1 strength empties the weight matrices quickly, and past a point the validation
# error climbs steeply. At every strength tried, L2 leaves far fewer weights near zero than L1
# does at its stronger settings.
#
# ## Four ways to train, on several training sets
#
# Now each way of training runs on every seed's training set, from the same initial weights for the
# same seed, and is scored on that seed's test images.

# %%
regularisers = S.compared(l2=chosen["L2"], l1=chosen["L1"])
runs = train_over_seeds(regularisers, S)
outcomes = {name: [outcome(run) for run in seed_runs] for name, seed_runs in runs.items()}
tests = [split_for(seed, S) for seed in S.seeds]
sure_when_wrong = {name: [confidence_when_wrong(run.net, split.X_test, split.y_test)
                          for run, split in zip(seed_runs, tests)]
                   for name, seed_runs in runs.items()}

print(f"mean over {len(S.seeds)} training sets   train error   test error   train loss   test loss"
      "   confidence when wrong")
for name, results in outcomes.items():
    print(f"{name:>26}   {np.mean([o.train_error for o in results]):>11.1%}"
          f"   {np.mean([o.test_error for o in results]):>10.1%}"
          f"   {np.mean([o.train_loss for o in results]):>10.4f}"
          f"   {np.mean([o.test_loss for o in results]):>9.3f}"
          f"   {np.mean(sure_when_wrong[name]):>21.0%}")
print()
print("test error on each training set:")
for name, results in outcomes.items():
    better = sum(o.test_error < base.test_error for o, base in zip(results, outcomes["none"]))
    note = "" if name == "none" else f"   (below 'none' on {better} of {len(results)})"
    print(f"{name:>8}: " + "  ".join(f"{o.test_error:.1%}" for o in results) + note)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [3, 2]})
for name, seed_runs in runs.items():
    left.plot(seed_runs[0].curve_steps, seed_runs[0].test_error, color=COLOURS[name], label=name)
left.set(xlabel="gradient-descent step", ylabel="test error", ylim=(0.05, 0.2),
         title="test error while training (first seed)")
left.grid(True)
left.legend(ncol=2)
names = list(outcomes)
for i, name in enumerate(names):
    errors = [o.test_error for o in outcomes[name]]
    right.bar(i, np.mean(errors), color=COLOURS[name], alpha=0.5, width=0.6)
    right.plot(np.full(len(errors), i), errors, "o", color=COLOURS[name], markersize=4)
right.set(xticks=range(len(names)), xticklabels=names, ylabel="test error", ylim=(0, 0.15),
          title="test error (bar: mean, dots: training sets)")
right.grid(True, axis="y")
fig.tight_layout()
mean_test = {name: np.mean([o.test_error for o in results]) for name, results in outcomes.items()}
figures.show(fig, "test-error", description=(
    "Left: test error against the gradient-descent step on the first seed's training set, one line per way"
    f" of training ({', '.join(names)}). Right: the mean test error over {len(S.seeds)} training sets as"
    " bars, with one dot per training set: "
    + ", ".join(f"{name} {error:.1%}" for name, error in mean_test.items()) + "."))

# %% [markdown]
# Every net still gets all its training images right, so the gap between training and test error
# is simply the test error. L2 and dropout narrow it on every training set; L1, at the strength the
# validation images chose, narrows it less and not on every set. The cross-entropy tells a
# different story for dropout: its test loss ends higher than the plain network's. The last column
# shows why: on the test images it gets wrong, the dropout network gives its (wrong) answer a higher
# probability than any of the others, and the cross-entropy punishes confident mistakes hard. The
# two penalties lower the test loss as well as the test error, and make the network less sure of
# its mistakes.
#
# ## What the penalties do to the weights
#
# The histograms show the size of every weight on a logarithmic axis. Plain gradient descent with an
# L1 penalty does not produce exact zeros: a small weight gets pushed across zero by the penalty's
# step, then pushed back, and it hovers in a narrow band around zero, of the size of one step
# (η λ₁). A *proximal* step gets real zeros: take the ordinary gradient step on the
# loss alone, then move every weight η λ₁ towards zero and set it to exactly zero if it
# would cross (soft-thresholding). We train that variant once as well, on the first seed.

# %%
proximal = Regulariser("L1, proximal", l1=chosen["L1"], l1_proximal=True)
nets = {name: seed_runs[0].net for name, seed_runs in runs.items() if name != "dropout"}
nets[proximal.name] = train(data, proximal, S, seed=S.seeds[0]).net
census = {name: weight_census(net.weights, S.small_weight) for name, net in nets.items()}

print(f"{'':>13}  |w| < {S.small_weight:g}   exactly 0   median |w|   mean of largest 1 %")
for name, c in census.items():
    print(f"{name:>13}  {c.fraction_small:>10.1%}   {c.fraction_zero:>9.1%}"
          f"   {c.median_abs:>10.2g}   {c.top_percent_mean:>19.3f}")
print(f"one L1 step moves a weight by η·λ1 = {S.lr * chosen['L1']:.1g}")

# %%
fig, axes = plt.subplots(1, len(nets), figsize=(12, 3.2), sharey=True)
bins = np.linspace(-7, 0.5, 61)  # log₁₀ |w|; exact zeros get their own bar at the left edge
ZERO_AT = -7.8
for ax, (name, net) in zip(axes, nets.items()):
    magnitude = np.abs(net.weights)
    zero = magnitude == 0
    ax.hist(np.log10(magnitude[~zero]), bins=bins, color=COLOURS.get(name, COLOURS["L1"]), alpha=0.8)
    ax.bar(ZERO_AT, zero.sum(), width=0.5, color=figures.INK)
    ax.axvline(np.log10(S.small_weight), color=figures.INK, linestyle=":", linewidth=1)
    ax.set(title=name, xlabel="|w|", xlim=(-8.3, 0.7), xticks=[ZERO_AT, -6, -4, -2, 0],
           xticklabels=["0", "10⁻⁶", "10⁻⁴", "10⁻²", "1"])
    ax.grid(True)
axes[0].set(ylabel="number of weights", ylim=(0, len(nets["none"].weights) * 0.6))
fig.suptitle(f"all weights after training (dotted: |w| = {S.small_weight:g})", color=figures.INK)
fig.tight_layout()
figures.show(fig, "weight-histograms", description=(
    "Histograms of the size of every weight on a logarithmic axis, one panel per way of training ("
    + ", ".join(nets) + "), with a separate bar at the left edge for weights that are exactly zero and a"
    f" dotted line at |w| = {S.small_weight:g}. "
    + "; ".join(f"{name}: {c.fraction_small:.0%} of the weights below the line, {c.fraction_zero:.0%}"
                f" exactly zero" for name, c in census.items())
    + ". Plain L1 piles the small weights up in a band just below the line; only the proximal step"
    " gives a tall bar of exact zeros."))

# %% [markdown]
# For the penalties, the story holds up here, with one correction. L1 does put most weights at (or, with plain
# gradient steps, next to) zero, and the largest weights it keeps are bigger than L2's largest. L2
# shrinks the whole distribution, leaving almost no weight near zero. The correction: "set to zero"
# needs the proximal step; plain gradient descent only gets the weights to hover.
#
# ## Explore: how strong, and what it does
#
# Every strength tried in the sweeps above, and dropout of the hidden units at three rates, each
# trained on the first seed's training set while this page was built: choose a regulariser and its
# strength (or none), and see where the weights end up and how the error on the training and test
# images moves during training.

# %%
grid = explorables.with_defaults(grid, l2=chosen["L2"], l1=chosen["L1"])
low, high = S.histogram_range
ticks = {low - 0.75: "0", -6: "10⁻⁶", -4: "10⁻⁴", -2: "10⁻²", 0: "1"}
n_weights = sum(b["count"] for b in grid.tables["histogram"] if b["row"] == 0)
histogram = alt.Chart(explorables.data("histogram")).transform_filter(explorables.SELECTED).mark_bar().encode(
    x=alt.X("lo:Q", title="|w| (log scale; the bar at 0 counts exact zeros)",
            scale=alt.Scale(domain=[low - 1.1, high + 0.1], nice=False, zero=False),
            axis=alt.Axis(values=list(ticks), labelExpr=" : ".join(
                f"datum.value == {v} ? '{label}'" for v, label in ticks.items()) + " : ''")),
    x2="hi:Q",
    y=alt.Y("count:Q", title="number of weights", scale=alt.Scale(domain=[0, 0.6 * n_weights], clamp=True)),
    y2=alt.Y2(datum=0),
    color=alt.condition("datum.zero", alt.value(figures.INK), alt.value(COLOURS["L2"])),
).properties(width=440, height=170, title="all weights after training")
curves = alt.Chart(explorables.data("curves")).transform_filter(explorables.SELECTED).mark_line().encode(
    x=alt.X("step:Q", title="gradient-descent step"),
    y=alt.Y("error:Q", title="error", scale=alt.Scale(domain=[0, 0.3], clamp=True),
            axis=alt.Axis(format="%")),
    color=alt.Color("images:N", title=None, scale=alt.Scale(domain=["training", "test"],
                                                            range=[figures.INK, COLOURS["L1"]]),
                    legend=alt.Legend(orient="bottom")),
).properties(width=440, height=150, title="error while training")
chart = alt.vconcat(histogram, curves)


def draw_regularised(row):
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    number = grid.rows.index(row)
    bins = [b for b in grid.tables["histogram"] if b["row"] == number]
    left.bar([b["lo"] for b in bins], [b["count"] for b in bins], width=[b["hi"] - b["lo"] for b in bins],
             align="edge", color=[figures.INK if b["zero"] else COLOURS["L2"] for b in bins])
    left.set(xlabel="log₁₀ |w| (left bar: exactly 0)", ylabel="number of weights", ylim=(0, 0.6 * n_weights),
             title="all weights after training")
    for images, colour in (("training", figures.INK), ("test", COLOURS["L1"])):
        points = [c for c in grid.tables["curves"] if c["row"] == number and c["images"] == images]
        right.plot([c["step"] for c in points], [c["error"] for c in points], color=colour, label=images)
    right.set(xlabel="gradient-descent step", ylabel="error", ylim=(0, 0.3), title="error while training")
    right.legend()
    fig.suptitle(describe_regularisation(row).split(":")[0], color=figures.INK)
    fig.tight_layout()
    return fig


explorables.show(grid, chart, title="Regularisers and their strength: the weights and the error",
                 describe=describe_regularisation, fallback=draw_regularised)

# %% [markdown]
# ## Dropout at test time: why there is nothing to rescale
#
# A unit that is kept with probability 1 − p and then multiplied by 1/(1 − p) has, on average over
# the random masks, exactly its undropped value. So the network at test time, with every unit on
# and no mask, sees the same average activity as during training. We check this on the trained
# dropout net by averaging its hidden layer over many random masks, and contrast it with dropout
# that forgets the 1/(1 − p).

# %%
dropout_net = runs["dropout"][0].net
check = dropout_scaling_check(dropout_net, data.X_test[:S.check_images], S.drop_hidden, S.dropout_masks)
print(f"mean hidden activity over {S.check_images} test images:")
print(f"  test time, no dropout:                 {check.test_mean:.4f}")
print(f"  dropout with 1/(1−p), {S.dropout_masks} masks:    {check.inverted_mean:.4f}"
      f"   (ratio {check.inverted_mean / check.test_mean:.4f})")
print(f"  dropout without it:                    {check.plain_mean:.4f}"
      f"   (ratio {check.plain_mean / check.test_mean:.4f}, 1 − p = {1 - S.drop_hidden})")
# a mask average of K masks scatters around its expectation by about sqrt(2/π · p/(1−p) / K)
noise = np.sqrt(2 / np.pi * S.drop_hidden / (1 - S.drop_hidden) / S.dropout_masks)
print(f"  unit by unit and image by image, the mask average differs from the test-time value by "
      f"{check.typical_relative_error:.1%} on average: the sampling noise of {S.dropout_masks} masks "
      f"({noise:.1%})")

# %% [markdown]
# The second view is the ensemble one: every mask defines a thinned network, and training with
# dropout trains all of them at once with shared weights. Averaging the predictions of many thinned
# networks is expensive; the single full network is the cheap stand-in. How close is it?

# %%
ensemble = thinned_ensemble_probabilities(dropout_net, data.X_test, S.dropout, S.ensemble_samples)
full = dropout_net.predict(data.X_test)
print(f"test error of the full network:                     {np.mean(full != data.y_test):.1%}")
print(f"test error of {S.ensemble_samples} thinned networks, averaged:        "
      f"{np.mean(ensemble.argmax(axis=1) != data.y_test):.1%}")
print(f"test images on which the two agree:                 {np.mean(ensemble.argmax(axis=1) == full):.1%}")

# %% [markdown]
# ## Co-adaptation: switch units off after training
#
# The argument for dropout is that without it, units come to depend on each other, and a few units
# carry the answer. That can be measured: after training, switch off one hidden unit at a time and
# see how much the test accuracy falls and how many test predictions change. Then switch off a
# random share of all hidden units at once (scaling the survivors up, as inverted dropout does).

# %%
ablation = {name: [] for name in runs}
removal = {name: [] for name in runs}
for i, split in enumerate(tests):
    for name, seed_runs in runs.items():
        net = seed_runs[i].net
        ablation[name].append(unit_ablation(net, split.X_test, split.y_test))
        removal[name].append([accuracy_with_units_removed(net, split.X_test, split.y_test, f, S.removal_draws)
                              for f in S.removed_fractions])

print(f"one hidden unit off (of {S.hidden}), averaged over {len(S.seeds)} training sets:")
print(f"{'':>8}  mean accuracy drop   largest drop   predictions changed (mean / largest)")
for name, results in ablation.items():
    print(f"{name:>8}  {np.mean([a.accuracy_drop.mean() for a in results]):>18.2%}"
          f"   {np.mean([a.accuracy_drop.max() for a in results]):>12.2%}"
          f"   {np.mean([a.changed.mean() for a in results]):>8.2%} / "
          f"{np.mean([a.changed.max() for a in results]):.2%}")
print()
print("test accuracy with a random share of hidden units off: "
      + "  ".join(f"{f:.0%}" for f in S.removed_fractions))
for name, rows in removal.items():
    print(f"{name:>8}: " + "  ".join(f"{v:.1%}" for v in np.mean(rows, axis=0)))
print()
changed_share = {name: np.mean([a.changed.mean() for a in results]) for name, results in ablation.items()}
ratio = changed_share["dropout"] / changed_share["none"]
print(f"switching off one unit changes {ratio:.2f} times as many predictions in the dropout network "
      f"as in the plain one")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
for name in runs:
    changed = np.sort(ablation[name][0].changed)[::-1]
    left.plot(np.arange(1, len(changed) + 1), changed, color=COLOURS[name], label=name)
    right.plot(S.removed_fractions, np.mean(removal[name], axis=0), marker="o", color=COLOURS[name],
               label=name)
left.set(xlabel="hidden unit (sorted, most important first)", ylabel="test predictions changed",
         xscale="log", title="switching off one unit (first seed)")
right.set(xlabel="share of hidden units switched off", ylabel="test accuracy",
          title="switching off many (mean of training sets)")
for ax in (left, right):
    ax.grid(True)
    ax.legend()
fig.tight_layout()
figures.show(fig, "co-adaptation", description=(
    "Left: for each hidden unit of the first seed's networks, sorted from most to least important on a"
    " logarithmic axis, the share of test predictions that change when that one unit is switched off."
    " Right: test accuracy against the share of hidden units switched off at random ("
    + ", ".join(f"{f:.0%}" for f in S.removed_fractions) + "), averaged over the training sets: "
    + "; ".join(f"{name} from {np.mean(rows, axis=0)[0]:.0%} to {np.mean(rows, axis=0)[-1]:.0%}"
                for name, rows in removal.items()) + "."))

# %% [markdown]
# On average, switching off a single unit changes almost nothing in any of these networks; the
# mean accuracy drops are so small that their signs are noise. The differences show at the top
# of the ranking and under heavier damage. The most important unit of the plain network changes
# more predictions, and costs more accuracy, than the most important unit of the dropout network,
# and across all units the dropout network's predictions change much less often. With many units
# off at once, the dropout network degrades far more gracefully. That is the measurable form of
# "units that do not depend on particular partners". L2 sits in between; L1, which leaves fewer
# active weights, leans hardest on its most important units.
#
# ## What to take away
#
# - With few training images, a network of this size fits them perfectly and generalises worse than
#   it could; its test loss turns upward long before training ends.
# - The strength of a penalty is a setting to choose on held-out data: too little does nothing, too
#   much (above all for L1) wrecks the fit.
# - L2 (weight decay) shrinks all weights and helped on every training set here. L1 makes the
#   weights sparse, but plain gradient steps only bring them next to zero; exact zeros need a
#   proximal (soft-thresholding) step. At the strength chosen here, L1 helped least.
# - Inverted dropout keeps each unit's average activity equal to its test-time value, so the full
#   network can be used as is; it behaves almost exactly like an average of many thinned networks.
# - Dropout gave the lowest test error here, and its hidden units depend least on each other: removing
#   one, or many, hurts least. Its test cross-entropy, though, was the worst of the four: lower error
#   does not mean better-calibrated probabilities.
