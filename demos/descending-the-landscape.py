# %% [markdown]
# # Descending the landscape: SGD, momentum, Nesterov, RMSprop
#
# Gradient descent, momentum, Nesterov's look-ahead and RMSprop raced down a narrow valley, a plateau that ends in a cliff, a saddle point and a small digits network, with each piece of textbook advice measured rather than assumed.
#
# Which way down, and how fast? Gradient descent answers the first question with the slope under
# its feet: Cauchy proposed stepping against the gradient in 1847. Robbins and Monro (1951) showed
# that noisy estimates of the slope will do, which is the idea behind stochastic gradient descent
# (SGD) on minibatches. Polyak's heavy ball (1964) adds momentum, Nesterov (1983) a look-ahead, and
# Tieleman and Hinton's RMSprop (2012) a step size for every weight. Sutskever, Martens, Dahl and
# Hinton (2013) rewrote Nesterov's method as a kind of momentum and advised starting the momentum
# low and raising it. Each of these comes with a story about what it fixes. This page builds three
# small surfaces on which the stories can be checked, sends the optimisers down them, and counts:
# do momentum, the look-ahead and RMSprop do what they are said to do, and where do they not?

# %%
import inspect

import altair as alt
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import LinearSegmentedColormap, to_rgb

from nutshell import explorables, figures
from nutshell.nets.landscapes import (
    LANDSCAPE_DEMO as S,
    OPTIMIZER_NAMES,
    arrival_grid,
    before_arrival,
    bounce_factor,
    compare_batches,
    contenders,
    contour_lines,
    describe_descent,
    descent_grid,
    lingering,
    lookahead_path,
    min_loss,
    momentum_lr_limit,
    momentum_sweep,
    nesterov_lr_limit,
    overshoot,
    pytorch_nesterov_path,
    race_all,
    rmsprop_history,
    run,
    schedule_runs,
    step_sizes,
    steps_to_arrive,
    surfaces,
)
from nutshell.nets.optimizers import Momentum, Nesterov, RMSprop, rmsprop_update

figures.apply_style()
torch.set_num_threads(1)  # two numbers at a time: one thread is plenty
COLOURS = dict(zip(["gradient descent", "momentum", "Nesterov", "RMSprop"], figures.PALETTE))
# Height as shade: from clear to translucent grey, so it reads on light and dark pages alike.
HEIGHT = LinearSegmentedColormap.from_list("height", [(*to_rgb(figures.INK), alpha) for alpha in (0.0, 0.5)])
LEVELS = {  # the heights each surface's contour lines are drawn at
    "valley": np.geomspace(1e-3, 5, 12),
    "plateau": [0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 1.0, 1.02, 1.05],
    "saddle": np.linspace(-0.24, 2.5, 16),
}

# %% [markdown]
# ## Four update rules
#
# Write $\theta$ for the parameters, $g(\theta)$ for the gradient of the loss there, $\eta$ for the
# learning rate.
#
# - Gradient descent: $\theta \leftarrow \theta - \eta\, g(\theta)$. Fed the gradient of a random
#   minibatch instead of the whole training set, the same line is SGD.
# - Momentum keeps a velocity $v$ that remembers past steps, fading by a factor $\mu$ each time:
#   $v \leftarrow \mu v - \eta\, g(\theta)$, then $\theta \leftarrow \theta + v$.
# - Nesterov's accelerated gradient first lets the velocity carry the parameters, then measures the
#   slope where they land: $v \leftarrow \mu v - \eta\, g(\theta + \mu v)$, then
#   $\theta \leftarrow \theta + v$.
# - RMSprop keeps, for every parameter separately, a running mean $s$ of its squared gradients and
#   divides by its root: $s \leftarrow \rho s + (1-\rho)\, g^2$, then
#   $\theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)$.
#
# Each rule is a few lines of numpy in `nutshell.nets.optimizers`, and each evaluates the gradient
# once per step, so counting steps compares like with like. Here is one of them in full:

# %%
print(inspect.getsource(Nesterov.step))

# %% [markdown]
# ## A long, narrow valley
#
# The first surface is a quadratic bowl stretched into a valley: gentle along its floor ($x$) and
# steep across it ($y$). The minimum is at the origin. Along a direction of curvature $h$, gradient
# descent is stable only while the learning rate stays below $2/h$; beyond that each step throws it
# further up the opposite wall. So the steep walls set the learning rate, and the gentle floor then
# takes many steps.
# All four optimisers start from the same point; gradient descent, momentum and Nesterov share the
# learning rate, and momentum and Nesterov share $\mu$. "Arrived" means the loss is within a small
# tolerance of the minimum.

# %%
valley, vrace = S.valley, S.valley_race
print(f"loss ½({valley.along}·x² + {valley.across}·y²): the walls curve {valley.condition_number:.0f} times"
      f" more sharply than the floor")
print(f"start {vrace.start}, learning rate {vrace.lr} (gradient descent's limit is"
      f" {2 / valley.across:.1f}), μ = {vrace.mu}")
print(f"RMSprop: η = {vrace.rmsprop_lr}, ρ = {vrace.rmsprop_decay}")
print(f"arrived: loss within {vrace.tolerance:g} of the minimum, at most {vrace.steps} steps\n")

valley_runs = race_all(valley, vrace)
for name, trajectory in valley_runs.items():
    arrived = steps_to_arrive(trajectory, valley, vrace.tolerance)
    if arrived is not None:
        verdict = f"arrives after {arrived} steps"
    elif trajectory.diverged:
        verdict = f"diverges: the loss is {trajectory.losses[-1]:.0e} after {trajectory.steps} steps"
    else:
        verdict = f"has not arrived after {trajectory.steps} steps (loss {trajectory.losses[-1]:.1e})"
    print(f"{name:>16}: {verdict}")

# %%
def in_view(points, view):
    """The points up to the first one outside the plot, and that one (so a path is seen leaving)."""
    x0, x1, y0, y1 = view
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    leaves = np.flatnonzero(~inside)
    return points if leaves.size == 0 else points[: leaves[0] + 1]


def race_outcomes(surface, race, runs):
    """How each optimiser's race ended, in words: "momentum arrives after 86 steps, …"."""
    words = []
    for label, trajectory in runs.items():
        arrived = steps_to_arrive(trajectory, surface, race.tolerance)
        if arrived is not None:
            words.append(f"{label} arrives after {arrived} steps")
        else:
            words.append(f"{label} {'diverges' if trajectory.diverged else 'does not arrive'}")
    return "; ".join(words)


def draw_race(surface, race, runs, title, levels, name, description,
              clip=None, equal_axes=True, last_step=None, mark=None):
    """Contour plot with every optimiser's path on the left, loss above the minimum on the right."""
    x0, x1, y0, y1 = race.view
    xx, yy = np.meshgrid(np.linspace(x0, x1, 400), np.linspace(y0, y1, 200))
    heights = surface.loss(np.stack([xx, yy]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    left.contourf(xx, yy, heights, levels=levels, cmap=HEIGHT, extend="both")
    left.contour(xx, yy, heights, levels=levels, colors=figures.INK, linewidths=0.5, alpha=0.6,
                 negative_linestyles="solid")
    for label, trajectory in runs.items():
        points = in_view(trajectory.points if clip is None else trajectory.points[:clip], race.view)
        left.plot(*points.T, marker=".", markersize=3, linewidth=1, color=COLOURS[label], label=label)
        gap = trajectory.losses - min_loss(surface)
        right.semilogy(np.maximum(gap, 1e-16), color=COLOURS[label], label=label)
    left.plot(*race.start, "o", color=figures.INK, markersize=7)
    if mark is not None:
        left.plot(*mark, "x", color=figures.INK, markersize=9, markeredgewidth=2)
    left.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=title)
    if equal_axes:
        left.set_aspect("equal")
    right.axhline(race.tolerance, color=figures.INK, linestyle=":", linewidth=0.8)
    right.set(xlabel="step", ylabel="loss above the minimum", ylim=(1e-8, 1e3),
              xlim=(0, last_step or race.steps),
              title="loss (dotted: arrived)")
    right.grid(True)
    right.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    figures.show(fig, name, description=(
        f"Left: {description}, as contour lines, with the path of each optimiser from the starting dot."
        " Right: each optimiser's loss above the minimum against the step, on a logarithmic scale, with a"
        f" dotted line where it counts as arrived. {race_outcomes(surface, race, runs).capitalize()}."))


draw_race(valley, vrace, valley_runs, "a narrow valley (y stretched): paths from the dot",
          LEVELS["valley"], "valley-race", "a long narrow valley along x with its minimum at the origin",
          clip=200, equal_axes=False,
          last_step=3 * max(steps_to_arrive(t, valley, vrace.tolerance) or 0 for t in valley_runs.values()))

# %% [markdown]
# Gradient descent bounces from wall to wall while it creeps along the floor. Momentum's velocity
# adds up the steps along the floor, which all point the same way, while successive steps across
# the valley point in opposite directions and partly cancel. Nesterov's method leaves the picture
# at once — more on that below. RMSprop divides each coordinate by its own typical gradient, so
# it moves as fast along the gentle floor as across the steep walls and heads for the minimum on a
# diagonal; with a fixed learning rate, though, its steps never shrink much below the learning rate,
# and it ends hopping back and forth across the floor instead of settling.
#
# ## Does momentum damp the zig-zag?
#
# The heavy-ball story says two things: momentum arrives sooner, and it smooths out the bouncing.
# We measure both on the valley for several values of $\mu$ at the same learning rate ($\mu = 0$ is
# plain gradient descent): steps to arrive, and the total distance travelled across the valley
# (in $y$) before arriving. Straight down the middle would cover only the starting offset.

# %%
sweep = momentum_sweep(S)
plain = sweep[0]
print(f"starting offset across the valley: {abs(vrace.start[1])}\n")
print("    μ   steps to arrive   distance across   bounce shrinks per step by")
for row in sweep:
    shrink = bounce_factor(vrace.lr, row.mu, valley.across)
    print(f"{row.mu:>5}   {row.steps:>15}   {row.across:>15.1f}   {shrink:>26.3f}")
faster = [row.mu for row in sweep[1:] if row.steps < plain.steps]
calmer = [row.mu for row in sweep[1:] if row.across < plain.across]
print(f"\nfewer steps than gradient descent: μ in {faster}")
print(f"less zig-zag than gradient descent: μ in {calmer}")

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.2))
zigzag_colours = (COLOURS["gradient descent"], COLOURS["momentum"], figures.PALETTE[4])
for mu, colour in zip(S.zigzag_momenta, zigzag_colours):
    trajectory = run(valley, vrace, Momentum(vrace.lr, mu), steps=S.zigzag_steps)
    ax.plot(trajectory.points[:, 1], marker=".", markersize=3, linewidth=1, color=colour,
            label="gradient descent" if mu == 0 else f"momentum, μ = {mu}")
ax.axhline(0, color=figures.INK, linewidth=0.8)
ax.set(xlabel="step", ylabel="y (across the valley)",
       title=f"the across-valley coordinate, first {S.zigzag_steps} steps")
ax.grid(True)
ax.legend(loc="upper right", fontsize="small")
figures.show(fig, "valley-zigzag", description=(
    f"The coordinate across the valley, y, against the step for the first {S.zigzag_steps} steps of gradient"
    f" descent and of momentum with μ = {' and μ = '.join(f'{mu}' for mu in S.zigzag_momenta if mu)}. All"
    " start at the same offset and swing from wall to wall around y = 0; the swings of moderate momentum"
    " die out soonest, those of the largest momentum last longest."))

# %% [markdown]
# Moderate momentum does both things the story promises. Large momentum still arrives sooner than
# gradient descent, but it does not damp the zig-zag: the velocity keeps the bounce going too, and
# it dies away more slowly than gradient descent's. The last column says why. Across the valley
# gradient descent's bounce shrinks by a factor $|1 - \eta h|$ per step ($h$ the curvature across);
# the heavy ball's swing shrinks by $\sqrt{\mu}$ once $\mu$ is large enough to make it swing at all.
# Below $\mu = (1 - \eta h)^2$ momentum's bounce dies faster; a little above it, its smaller early
# swings can still keep the total distance shorter; well above it the bounce outlasts gradient
# descent's by far.

# %%
threshold = (1 - vrace.lr * valley.across) ** 2
print(f"(1 − ηh)² = (1 − {vrace.lr}·{valley.across})² = {threshold:.2f}")
print(f"bounce dies faster than gradient descent's for μ in"
      f" {[row.mu for row in sweep[1:] if row.mu < threshold]}; less zig-zag in total for μ in {calmer}")

# %% [markdown]
# ## Nesterov: looking ahead
#
# The look-ahead form is the one Sutskever and colleagues wrote down. PyTorch's
# `torch.optim.SGD(nesterov=True)` looks different: it keeps a buffer $b$ and measures the gradient
# only at the parameters $p$ it stores,
#
# $b \leftarrow \mu b + g(p)$, then $p \leftarrow p - \eta\,(g(p) + \mu b)$.
#
# It is the same method in other coordinates. PyTorch's $p$ is the look-ahead point
# $\theta + \mu v$ and its buffer is $b = -v/\eta$: substitute both into the look-ahead form and
# PyTorch's two lines come out. So the two should agree step for step; we run both in float64 on
# the valley, with the same settings, at a learning rate where Nesterov's method is stable:

# %%
print(inspect.getsource(pytorch_nesterov_path))
setting = (valley, vrace.start, S.torch_check_lr, vrace.mu, S.torch_check_steps)
ours, theirs = lookahead_path(*setting), pytorch_nesterov_path(*setting)
print(f"{S.torch_check_steps} steps at η = {S.torch_check_lr}, μ = {vrace.mu}: largest difference between"
      f" our θ + μv and PyTorch's p: {np.abs(ours - theirs).max():.1e}")

# %% [markdown]
# The claim to test: Nesterov's method arrives no later than classical momentum at the same
# settings. On the valley at the race's settings it did not arrive at all. The reason is a
# stability limit. Along a direction of curvature $h$ classical momentum stays stable while
# $\eta h < 2(1+\mu)$, which grows with $\mu$; Nesterov's look-ahead gradient pulls back harder,
# and the same analysis gives the tighter limit $\eta h < 2(1+\mu)/(1+2\mu)$:

# %%
print("    μ   momentum stable for ηh <   Nesterov stable for ηh <")
for mu in S.grid_momenta:
    print(f"{mu:>5}   {momentum_lr_limit(mu, 1.0):>24.2f}   {nesterov_lr_limit(mu, 1.0):>24.2f}")
print(f"\nthe race used ηh = {vrace.lr * valley.across}")

# %% [markdown]
# So compare the two over a grid of learning rates and momenta on the valley, counting steps to
# arrive. Each cell below shows Nesterov's steps divided by momentum's: below 1 Nesterov arrives
# first; a cross marks a Nesterov run that never arrives.

# %%
grid = arrival_grid(valley, vrace, S.grid_lrs, S.grid_momenta)
mom, nag = grid["momentum"], grid["Nesterov"]
both = (mom > 0) & (nag > 0)
ratio = np.where(both, nag / np.where(mom > 0, mom, 1), np.nan)
print(f"{both.sum()} of {mom.size} settings where both arrive; Nesterov no later in"
      f" {np.sum(both & (nag <= mom))}, later in {np.sum(both & (nag > mom))};"
      f" Nesterov never arrives in {np.sum(nag < 0)}, momentum in {np.sum(mom < 0)}")
late = both & (nag > mom)
print(f"where Nesterov is later, it is later by at most {np.max(nag[late] - mom[late])} steps"
      f" (μ ≤ {max(np.array(S.grid_momenta)[late.any(axis=0)])});"
      f" where it is earlier, it saves up to {np.max((mom - nag)[both & (nag < mom)])} steps")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
image = ax.imshow(np.log2(ratio).T, origin="lower", cmap="coolwarm", vmin=-3, vmax=3, aspect="auto")
for i, j in zip(*np.nonzero(nag < 0)):
    ax.text(i, j, "×", ha="center", va="center", color=figures.INK, fontsize=12)
for i, j in zip(*np.nonzero(both)):
    ax.text(i, j, f"{ratio[i, j]:.2f}", ha="center", va="center", fontsize=8, color="black")
ax.set(xticks=range(len(S.grid_lrs)), xticklabels=[f"{lr:g}" for lr in S.grid_lrs],
       yticks=range(len(S.grid_momenta)), yticklabels=[f"{mu:g}" for mu in S.grid_momenta],
       xlabel="learning rate × curvature across the valley (ηh)", ylabel="μ",
       title="Nesterov's steps ÷ momentum's (× = Nesterov never arrives)")
colourbar = fig.colorbar(image, ax=ax, ticks=[-3, -2, -1, 0, 1, 2, 3])
colourbar.ax.set_yticklabels(["⅛", "¼", "½", "1", "2", "4", "8"])
colourbar.set_label("ratio (blue: Nesterov first)")
figures.show(fig, "nesterov-grid", description=(
    "A grid of coloured cells, learning rate times curvature across the valley (ηh, from"
    f" {S.grid_lrs[0]:g} to {S.grid_lrs[-1]:g}) across and μ (from {S.grid_momenta[0]:g} to"
    f" {S.grid_momenta[-1]:g}) up, each holding Nesterov's steps to arrive divided by momentum's: blue"
    f" where Nesterov is first, red where it is later. Of {mom.size} settings, Nesterov arrives no later in"
    f" {np.sum(both & (nag <= mom))} and later in {np.sum(both & (nag > mom))}, by ratios close to 1 at"
    " small μ and as low as"
    f" {np.nanmin(ratio):.2f} at the largest; crosses mark the {np.sum(nag < 0)} settings, at the larger"
    " learning rates, where Nesterov never arrives."))

# %% [markdown]
# Where both are stable and $\mu$ is large, the look-ahead pays off handsomely: it brakes before
# the velocity overshoots. Where $\mu$ is small it costs a step or a few (the look-ahead point lies
# further down the floor, where the slope is a little gentler), and more next to its own stability
# limit, where it rings. At the larger learning rates that momentum handles well, Nesterov's method
# is unstable. The two other surfaces below add their own verdicts.
#
# ## Starting the momentum low
#
# A common recipe raises $\mu$ during training: low at the start, when the velocity has no
# settled direction yet and would mostly accumulate the first zig-zags, high later. We test it on
# the valley at the race's learning rate, comparing the rising schedule with the final high value
# from the first step, and measure the worst loss on the way (as a multiple of the starting loss)
# and how far each runs past the minimum along the floor.

# %%
def report_schedules(lr):
    print(f"learning rate {lr} (ηh = {lr * valley.across}):")
    for label, trajectory in schedule_runs(lr, S).items():
        o = overshoot(trajectory, S)
        arrived = "never" if o.steps is None else f"{o.steps} steps"
        print(f"  {label:>24}: arrives {arrived:>9}, worst loss {o.worst_loss:9.3g} × start,"
              f" runs {o.past_minimum:.2f} past the minimum")


print(f"rising schedule: μ from {S.schedule_start} to {S.schedule_end}"
      f" over the first {S.schedule_ramp} steps\n")
report_schedules(vrace.lr)
print(f"  (the fastest constant μ in the sweep above took {min(row.steps for row in sweep)} steps)\n")
report_schedules(S.large_lr)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for ax, lr in zip(axes, (vrace.lr, S.large_lr)):
    for (label, trajectory), colour in zip(schedule_runs(lr, S).items(), figures.PALETTE[4:]):
        ax.semilogy(trajectory.losses / trajectory.losses[0], color=colour, label=label)
    ax.axhline(1, color=figures.INK, linestyle=":", linewidth=0.8)
    ax.set(xlabel="step", xlim=(0, 700), title=f"learning rate {lr}")
    ax.grid(True)
axes[0].set(ylabel="loss ÷ starting loss", ylim=(1e-7, 1e10))
axes[0].legend(loc="upper right", fontsize="small")
fig.tight_layout()
figures.show(fig, "momentum-schedule", description=(
    "Loss divided by the starting loss, on a logarithmic scale, against the step, for the rising momentum"
    f" schedule and for constant high momentum; left at the race's learning rate {vrace.lr}, right at the"
    f" larger {S.large_lr}. On the left the constant high momentum first climbs far above the starting"
    " loss and settles late, the schedule does not; on the right it is the schedule's low start whose"
    " loss explodes."))

# %% [markdown]
# At the race's learning rate the advice holds: high momentum from the first step carries the
# parameters far past the minimum, pushes the loss above where it started, and takes many times
# longer to settle, while the rising schedule arrives sooner than any constant $\mu$ did. At the
# larger learning rate the measurement disagrees with the advice. On a quadratic, more momentum
# widens the range of stable learning rates (the limit $2(1+\mu)/h$ above), so there it is the low
# start that is unstable: the loss explodes until $\mu$ has risen far enough to contain it. The
# advice is about the direction not being established yet, which a quadratic bowl does not model;
# what this surface shows is that "low momentum first" is not automatically the safe choice.
#
# ## A plateau that ends in a cliff
#
# The second surface is a sigmoid step seen from the top: a wide plateau whose slope shrinks
# exponentially with the distance from the edge, a steep cliff, and a flat floor closed by a wall,
# with a gentle bowl across. It is what a network sees when its units are saturated.

# %%
plateau, prace = S.plateau, S.plateau_race
print(f"plateau height {plateau.height}, steepest slope of the cliff {plateau.height * plateau.steepness / 4}"
      f" at x = 0, minimum at x = {plateau.minimum[0]:.2f}")
print(f"slope at the start (x = {prace.start[0]}): {abs(plateau.grad(prace.start)[0]):.1e}")
print(f"η = {prace.lr}, μ = {prace.mu}; RMSprop: η = {prace.rmsprop_lr}, ρ = {prace.rmsprop_decay};"
      f" arrived: within {prace.tolerance:g} of the minimum\n")
plateau_runs = race_all(plateau, prace)
for name, trajectory in plateau_runs.items():
    print(f"{name:>16}: arrives after {steps_to_arrive(trajectory, plateau, prace.tolerance)} steps")

# %%
draw_race(plateau, prace, plateau_runs, "plateau (left), cliff, floor and wall (right)",
          LEVELS["plateau"], "plateau-race",
          "a wide plateau on the left that drops down a cliff at x = 0 to a floor closed by a wall")

# %% [markdown]
# RMSprop's claim is that it takes large steps where the surface is flat and small ones where it is
# steep, relative to the gradient. Two worked examples often used to explain it take a tiny
# gradient on a plateau and a huge one at a cliff, and divide each by the root of the running mean
# of squared gradients. Computed with the library's update:

# %%
print("learning rate 1, ε = 0:")
for gradient, rms in S.article_rmsprop:
    step = rmsprop_update(np.array([gradient]), np.array([rms**2]), lr=1.0, eps=0.0)[0]
    print(f"gradient {gradient:g}, root mean square {rms:g}: step {abs(step):g}"
          f" ({abs(step) / gradient:g} times the gradient)")

# %% [markdown]
# A running average that has just taken in the current gradient can only be that root mean square
# if the earlier gradients were of a certain size. Working backwards with decay $\rho$, and then
# running one real RMSprop step from that history:

# %%
for gradient, rms in S.article_rmsprop:
    before = rmsprop_history(gradient, rms, S.article_decay)
    optimizer = RMSprop(lr=1.0, decay=S.article_decay, eps=0.0)
    optimizer.mean_square = np.array([before])
    step = optimizer.step(np.zeros(1), lambda _: np.array([gradient]))[0]
    print(f"ρ = {S.article_decay}: earlier gradients of about {np.sqrt(before):.3g}, then {gradient:g}:"
          f" the running root mean square becomes {np.sqrt(optimizer.mean_square[0]):g},"
          f" step {abs(step):.6g}")
for gradient, rms in S.article_rmsprop:
    if rmsprop_history(gradient, rms, S.other_decay) < 0:
        print(f"with ρ = {S.other_decay} no history gives {rms:g} after a gradient of {gradient:g}:"
              f" that gradient alone adds {(1 - S.other_decay) * gradient**2:g} > {rms**2:g}"
              " to the mean square")

# %% [markdown]
# On the surface: how long is each step along $x$ when it starts on the plateau, and when it starts
# on the cliff? For gradient descent the step is the learning rate times the gradient, so it grows
# with the slope. RMSprop's hardly changes:

# %%
print(f"plateau: x < {S.plateau_below}; cliff: |x| < {S.cliff_within}\n")
sizes = {name: step_sizes(plateau_runs[name], S) for name in ("gradient descent", "RMSprop")}
for name, size in sizes.items():
    print(f"{name:>16}: {size.plateau_steps:>4} steps on the plateau, typically {size.plateau_step:.1e} long"
          f" (slope {size.plateau_gradient:.1e});")
    print(f"{'':>16}  {size.cliff_steps:>4} steps on the cliff, the longest {size.cliff_step:.2f}"
          f" (slope up to {size.cliff_gradient:.2f})")
    print(f"{'':>16}  cliff ÷ plateau: steps {size.step_ratio:.3g}, slopes {size.gradient_ratio:.3g}")

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.2))
for name in ("gradient descent", "RMSprop"):
    points = before_arrival(plateau_runs[name], plateau, prace.tolerance)
    ax.semilogy(points[:-1, 0], np.abs(np.diff(points[:, 0])), ".", markersize=4,
                color=COLOURS[name], label=name)
ax.axvspan(-S.cliff_within, S.cliff_within, color=figures.INK, alpha=0.12, label="cliff")
ax.axvspan(prace.view[0], S.plateau_below, color=figures.PALETTE[5], alpha=0.08, label="plateau")
ax.set(xlabel="x where the step starts", ylabel="step length along x", xlim=(prace.view[0], prace.view[1]),
       ylim=(1e-5, 5), title="step length along the way, until arrival")
ax.grid(True)
ax.legend(loc="upper right", fontsize="small", ncol=2)
figures.show(fig, "plateau-steps", description=(
    "Length of each step along x, on a logarithmic scale, against the x where the step starts, for gradient"
    " descent and RMSprop, with the plateau and the cliff shaded. Gradient descent's steps are about"
    f" {sizes['gradient descent'].plateau_step:.0e} long on the plateau and up to"
    f" {sizes['gradient descent'].cliff_step:.2f} on the cliff; RMSprop's stay within a factor of"
    f" {sizes['RMSprop'].step_ratio:.2g} of each other all the way."))

# %% [markdown]
# Gradient descent crawls across the plateau and takes its longest strides on the cliff. RMSprop
# walks at an almost even pace: its steps on the plateau are enormous compared with the gradient,
# and its steps on the cliff are tiny compared with the gradient. Momentum crosses the plateau
# quickly too, in a different way: by accumulating the tiny slope into a velocity.
#
# ## A saddle point
#
# The third surface slopes down towards the origin along $x$ and away from it along $y$: a saddle,
# with minima on either side. Starting almost exactly on the line that leads into the saddle, the
# only push away from it is the tiny offset in $y$, which the slope amplifies a little every step.

# %%
saddle, srace = S.saddle, S.saddle_race
print(f"start {srace.start}, η = {srace.lr}, μ = {srace.mu}; RMSprop: η = {srace.rmsprop_lr},"
      f" ρ = {srace.rmsprop_decay}; near the saddle: within {S.saddle_radius} of it\n")
saddle_runs = race_all(saddle, srace)
near = {name: lingering(trajectory, S) for name, trajectory in saddle_runs.items()}
for name, trajectory in saddle_runs.items():
    print(f"{name:>16}: {near[name]:>3} steps near the saddle,"
          f" arrives at a minimum after {steps_to_arrive(trajectory, saddle, srace.tolerance)} steps")

# %%
draw_race(saddle, srace, saddle_runs, "a saddle (×) at the origin, minima above and below",
          LEVELS["saddle"], "saddle-race",
          "a saddle at the origin, marked by a cross, with minima above and below it", mark=saddle.saddle)

# %% [markdown]
# Near the saddle the gradient is close to zero in every direction, so gradient descent slows to
# a crawl exactly where it has the furthest still to go. Momentum arrives with speed and carries
# through; Nesterov's look-ahead brakes a little earlier and stays a little longer. RMSprop never
# comes near: dividing by the running size of each coordinate's gradient turns the tiny push in $y$
# into a full-sized step from the start, so it heads for the minimum on a diagonal.

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.2))
for name, trajectory in saddle_runs.items():
    ax.plot(np.linalg.norm(before_arrival(trajectory, saddle, srace.tolerance) - saddle.saddle, axis=1),
            color=COLOURS[name], label=name)
ax.axhline(S.saddle_radius, color=figures.INK, linestyle=":", linewidth=0.8)
ax.set(xlabel="step", ylabel="distance from the saddle",
       title="how long each one lingers, until arrival (dotted: near)")
ax.grid(True)
ax.legend(loc="upper right", fontsize="small")
figures.show(fig, "saddle-distance", description=(
    "Distance from the saddle against the step, until arrival, for each optimiser, with a dotted line at"
    f" {S.saddle_radius} below which a point counts as near. Steps spent near the saddle: "
    + ", ".join(f"{name} {count}" for name, count in near.items()) + "."))

# %% [markdown]
# ## Nesterov against momentum, surface by surface
#
# Each surface at its own settings, the same for both methods:

# %%
for surface, race in surfaces(S).values():
    verdicts = []
    for name in ("momentum", "Nesterov"):
        arrived = steps_to_arrive(run(surface, race, contenders(race)[name]), surface, race.tolerance)
        verdict = "never arrives" if arrived is None else f"arrives after {arrived} steps"
        verdicts.append(f"{name} {verdict}")
    print(f"{surface.name:>17} (η = {race.lr}, μ = {race.mu}): " + ", ".join(verdicts))

# %% [markdown]
# So the look-ahead wins on the saddle by a wide margin and on the plateau by a whisker, and loses
# the valley race outright: whether it arrives sooner depends on the settings more than on the
# method.
#
# ## Explore: your own race
#
# Choose a surface, an optimiser, a learning rate and (for momentum and Nesterov) a momentum
# coefficient, and see the path it takes from the race's starting point and how many steps it needs
# to arrive. The learning rate is a multiple of the one each surface's race used (RMSprop's of its
# own), so that one slider suits all three surfaces. Every combination was run with the same code as
# the races above while this page was built; the figure only shows the one chosen. Paths longer than
# the figure can show are thinned after their first steps, and a path that leaves the figure stops
# where it leaves.

# %%
grid = descent_grid(S)
grid.tables["contours"] = [{"surface": name, "line": number, **line} for name, (surface, race)
                           in surfaces(S).items()
                           for number, line in enumerate(contour_lines(surface, race.view, LEVELS[name]))]


def view_of(side):
    """A Vega expression: one end of the chosen surface's view (side 0–3: x min, x max, y min, y max)."""
    return {"expr": " : ".join(f"surface == '{name}' ? {race.view[side]}" for name, (_, race)
                               in surfaces(S).items()) + " : 0"}


x = alt.X("x:Q", scale=alt.Scale(domainMin=view_of(0), domainMax=view_of(1), nice=False, zero=False))
y = alt.Y("y:Q", scale=alt.Scale(domainMin=view_of(2), domainMax=view_of(3), nice=False, zero=False))
contours = alt.Chart(explorables.data("contours")).transform_filter("datum.surface == surface")
contours = contours.transform_flatten(["xs", "ys"], as_=["x", "y"]).transform_window(
    order="row_number()", groupby=["line"]).mark_line(
    strokeWidth=0.7, opacity=0.45, clip=True).encode(x=x, y=y, detail="line:N", order="order:Q",
                                                    color=alt.value(figures.INK))
path = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED).transform_flatten(
    ["xs", "ys"], as_=["x", "y"]).transform_window(step="row_number()")
colour = alt.Color("optimizer:N", scale=alt.Scale(domain=list(OPTIMIZER_NAMES), range=figures.PALETTE[:4]),
                   legend=None)
line = path.mark_line(point=alt.OverlayMarkDef(size=14), strokeWidth=1.5, clip=True).encode(
    x=x, y=y, order="step:Q", color=colour)
start = path.transform_filter("datum.step == 1").mark_point(size=90, filled=True, clip=True).encode(
    x=x, y=y, color=alt.value(figures.INK))
chart = (contours + line + start).properties(width="container", height=260)  # as wide as the column


def draw_path(row):
    surface, race = surfaces(S)[row["surface"]]
    x0, x1, y0, y1 = race.view
    xx, yy = np.meshgrid(np.linspace(x0, x1, 400), np.linspace(y0, y1, 200))
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.contourf(xx, yy, surface.loss(np.stack([xx, yy])), levels=LEVELS[row["surface"]], cmap=HEIGHT,
                extend="both")
    ax.plot(row["xs"], row["ys"], marker=".", markersize=3, linewidth=1, color=COLOURS[row["optimizer"]])
    ax.plot(*race.start, "o", color=figures.INK, markersize=7)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=describe_descent(row).split(":")[0])
    return fig


explorables.show(grid, chart, title="Your own race: surface, optimiser, learning rate and momentum",
                 describe=describe_descent, fallback=draw_path)

# %% [markdown]
# ## A real network: the whole data set or a minibatch?
#
# Finally the first choice anyone training a network makes. The network has one hidden layer of
# tanh units and a softmax output, trained on scikit-learn's handwritten digits with the
# cross-entropy loss. Full-batch gradient descent computes the exact gradient over every example
# at every step; minibatch SGD estimates it from a small random batch. Same starting weights, same
# learning rate; the minibatch runs are repeated with several shuffling orders. We record the loss
# on the whole training set after every step, and time only the steps themselves.

# %%
net = S.net
full, mini = compare_batches(net)
print(f"{full.n_examples} examples, {net.hidden} hidden units, η = {net.lr}, minibatches of {net.batch_size},"
      f" {len(net.seeds)} shuffling orders\n")
target = net.target_loss
print(f"to reach a training loss of {target} (minibatches: median over the shuffling orders):")
runs = {"full batch": [full], f"minibatch of {net.batch_size}": mini}
for label, group in runs.items():
    steps = [r.steps_to(target) for r in group]
    epochs = [r.epochs(s) for r, s in zip(group, steps)]
    seconds = [r.seconds[s] for r, s in zip(group, steps)]
    print(f"  {label:>16}: {np.median(steps):6.0f} steps, {np.median(epochs):7.2f} passes over the data,"
          f" {1000 * np.median(seconds):7.1f} ms")
print(f"\nover the last {net.noise_window} steps (median over the shuffling orders):")
for label, group in runs.items():
    wobble = np.median([r.wobble(net.noise_window) for r in group])
    rising = np.median([r.rising_fraction(net.noise_window) for r in group])
    print(f"  {label:>16}: loss wobbles by {wobble:.1e} around its trend,"
          f" goes up after {rising:.0%} of steps")

# %% [markdown]
# Per step, the exact gradient is worth a little more: full-batch descent needs somewhat fewer
# steps. But each of its steps looks at the whole data set, so per pass over the data, which is
# what the computation costs, minibatch SGD is far ahead. The wall-clock times (which vary from run
# to run) side with the passes, not the steps. The price is noise: the minibatch gradient is only an
# estimate, and towards the end the training loss goes up after many of SGD's steps, while
# full-batch descent on this smooth loss keeps going down.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for label, group, colour in (("full batch", [full], COLOURS["gradient descent"]),
                             (f"minibatch of {net.batch_size}", mini[:1], COLOURS["momentum"])):
    for r in group:
        steps = np.arange(len(r.losses))
        left.semilogy(steps, r.losses, color=colour, label=label)
        right.semilogx(r.epochs(steps[1:]), r.losses[1:], color=colour, label=label)
for ax in (left, right):
    ax.axhline(target, color=figures.INK, linestyle=":", linewidth=0.8)
    ax.grid(True)
left.set(xlabel="step", ylabel="training loss (whole set)", title="per step")
right.set(xlabel="passes over the training set", title="per pass over the data")
left.legend(loc="upper right", fontsize="small")
fig.tight_layout()
full_steps, mini_steps = full.steps_to(target), mini[0].steps_to(target)
figures.show(fig, "batch-versus-minibatch", description=(
    "Training loss on the whole set, on a logarithmic scale, for full-batch gradient descent and for"
    f" minibatches of {net.batch_size}, with the target {target} dotted; left against the step, right against"
    f" passes over the training set. Per step the two are close (full batch reaches the target after"
    f" {full_steps} steps, the minibatch run after {mini_steps}); per pass over the data the minibatch"
    f" run gets there after {mini[0].epochs(mini_steps):.2g} passes, full batch after"
    f" {full.epochs(full_steps):.3g}. The minibatch curve is visibly noisy."))

# %% [markdown]
# ## What to take away
#
# - Full-batch gradient descent makes slightly better use of each step; minibatch SGD makes far
#   better use of each pass over the data, at the price of a noisy loss.
# - In a narrow valley the steep walls cap the learning rate and the gentle floor then takes many
#   steps. Momentum arrives sooner; it also damps the zig-zag only while $\mu$ is moderate, and
#   very high momentum is slower than none.
# - Nesterov's look-ahead is a large win at high momentum and a small loss at low momentum, and it
#   becomes unstable at learning rates that classical momentum tolerates. PyTorch's formulation is
#   the same method, storing the look-ahead point as the parameters.
# - Raising momentum gradually avoided the overshoot of starting high at the valley race's learning
#   rate; at a much larger one it was the low start that blew up. Measure before trusting the recipe.
# - RMSprop's step length barely depends on the size of the gradient: long strides on a plateau,
#   short ones down a cliff, and no crawl around a saddle. With a fixed learning rate it does not
#   settle at the bottom of a narrow valley either.
# - Near a saddle plain gradient descent lingers; momentum and RMSprop get away much sooner.
