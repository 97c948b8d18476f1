# %% [markdown]
# # Backpropagation by the rules
#
# A small network written out as matrix products, its gradients worked out by four mechanical rules, checked against PyTorch and finite differences, and costed as the network grows.
#
# How does a network find out, for every one of its weights at once, which way to nudge it, and why is
# that affordable when there are millions of weights? Reverse-mode differentiation, the idea underneath,
# appeared in Seppo Linnainmaa's 1970 master's thesis; Paul Werbos used it to fit models in his 1974
# thesis and wrote out how it trains a multi-layer network in 1982; and the work of Rumelhart, Hinton
# and Williams in 1985 and 1986 made it the standard way to train networks. This page writes the method
# as a few rules about matrices, follows them on a network small enough to print, checks every gradient
# two independent ways, and then counts what it costs.

# %%
import altair as alt
import matplotlib.pyplot as plt
import numpy as np

from nutshell import explorables, figures
from nutshell.nets.backprop_rules import (
    BACKPROP_DEMO,
    COST_METHODS,
    autograd_gradients,
    backward,
    cost_grid,
    count_weights,
    describe_costs,
    finite_difference_gradients,
    forward,
    loglog_slope,
    make_batch,
    make_network,
    measure_costs,
    parameters,
    relative_error,
    shape_text,
    step_table,
)

figures.apply_style()
S = BACKPROP_DEMO  # every setting on this page; the claims test imports the same object

# %% [markdown]
# ## The network as a chain of matrices
#
# A batch of examples is a matrix **X** with one row per example and one column per input. A layer
# holds a weight matrix **W** with one row per input and one column per unit, and a bias vector **b**.
# The network below is printed layer by layer; the targets **Y** are random numbers between 0 and 1,
# since only the gradients matter here.

# %%
layers = make_network(S.sizes, S.hidden, S.output, seed=S.seed)
X, Y = make_batch(layers, S.batch, seed=S.seed)
print(f"X: {shape_text(X.shape)} (examples × inputs),  Y: {shape_text(Y.shape)} (examples × outputs)")
for i, layer in enumerate(layers, start=1):
    print(f"layer {i}: W{i} {shape_text(layer.W.shape):>4}, b{i} {shape_text(layer.b.shape):>2},"
          f" then {layer.activation}")
print(f"{count_weights(layers)} trainable numbers in all")

# %% [markdown]
# ## Forward: multiply by the weights, then apply the function
#
# Going forward, each layer follows two rules. Meeting a weight matrix, multiply by it:
# **Z** = **X** **W** + **b**. Meeting a function, apply it to every entry: **A** = f(**Z**). The output
# **A** of one layer is the input of the next, and at the end the loss (half the squared error, averaged
# over the batch) turns the last **A** into a single number. The table is printed from the arrays the
# code actually multiplied.

# %%
passed = forward(layers, X, Y, record=True)


def print_steps(steps):
    print(f"{'layer':>5}  {'step':<26}{'shapes in':<18}{'shape out':>9}")
    for step, (formula, shapes_in, shape_out) in zip(steps, step_table(steps)):
        layer = "loss" if step.layer > len(layers) else step.layer
        print(f"{layer:>5}  {formula:<26}{shapes_in:<18}{shape_out:>9}")


print_steps(passed.steps)
print(f"\nloss L = {passed.loss:.6f}")

# %% [markdown]
# ## Backward: the same matrices, transposed
#
# The backward pass starts from the derivative of the loss with respect to the network's output: the
# error signal **δ**, a matrix the shape of that output. Then it walks the layers in reverse, again
# with two rules. Meeting a function, multiply the error signal entry by entry by the function's
# derivative, evaluated at the **Z** the forward pass stored: **G** = **δ** ⊙ f′(**Z**). Meeting a
# weight matrix, multiply by its transpose: **δ** **W**ᵀ, which here means **G** **W**ᵀ, becomes the
# error signal of the layer below. Along the way every layer reads off its gradients from numbers it
# already has: ∂L/∂**W** = **X**ᵀ **G** (its input from the forward pass, transposed, times **G**) and
# ∂L/∂**b** = the column sums of **G**.
#
# Every shape fits without being arranged to: **X**ᵀ **G** has the shape of **W**, and **G** **W**ᵀ has
# the shape of the layer's input, which is the next layer down's output.

# %%
back = backward(layers, passed, Y, record=True)
print_steps(back.steps)
print("\ngradient shapes equal parameter shapes:",
      all(back.gradients[name].shape == value.shape for name, value in parameters(layers).items()))

# %% [markdown]
# ## Two independent checks
#
# PyTorch's automatic differentiation builds the same network from the same weights (in 64-bit floats)
# and differentiates it without any of our code. Finite differences use nothing but the loss: nudge one
# weight up by a small step h and down by h, and divide the change in the loss by 2h. For each parameter
# the table shows the largest relative difference between our gradient and the other method's, over
# all of that parameter's entries.

# %%
torch_grads = autograd_gradients(layers, X, Y)
fd = finite_difference_gradients(layers, X, Y, step=S.fd_step)
print(f"finite differences with h = {S.fd_step:g}: {fd.forward_passes} forward passes\n")
print(f"{'parameter':<10}{'shape':>6}  {'vs autograd':>12}  {'vs finite differences':>22}")
for name, grad in back.gradients.items():
    print(f"{name:<10}{shape_text(grad.shape):>6}  {relative_error(grad, torch_grads[name]):>12.1e}"
          f"  {relative_error(grad, fd.gradients[name]):>22.1e}")

# %% [markdown]
# Against autograd the rules agree to within a few units of floating-point rounding: the two compute
# the same products, perhaps in a different order. Finite differences agree less closely, and that is a
# property of finite differences. A large h measures the slope over too wide an interval (the error
# shrinks with h²); a tiny h subtracts two nearly equal losses and is left with rounding noise (the
# error grows like 1/h). The best h sits in between:

# %%
worst = []
for h in S.fd_steps_to_try:
    estimate = finite_difference_gradients(layers, X, Y, step=h).gradients
    worst.append(max(relative_error(back.gradients[n], estimate[n]) for n in back.gradients))
best = S.fd_steps_to_try[int(np.argmin(worst))]
print(f"smallest error {min(worst):.1e} at h = {best:g}; the page uses h = {S.fd_step:g}")

fig, ax = plt.subplots(figsize=(5.6, 3.2))
ax.loglog(S.fd_steps_to_try, worst, marker="o", markersize=4)
ax.axvline(S.fd_step, color=figures.INK, linestyle=":", linewidth=1, label="h used above")
ax.text(0.04, 0.9, "rounding noise", transform=ax.transAxes)
ax.text(0.96, 0.9, "slope over too wide\nan interval", transform=ax.transAxes, ha="right", va="top")
ax.set(xlabel="finite-difference step h", ylabel="largest relative error",
       title="finite differences against backpropagation")
ax.legend(loc="lower left")
ax.grid(True)
figures.show(fig, "finite-difference-step", description=(
    "Largest relative error of finite differences against backpropagation, against the step h, both on"
    f" logarithmic scales, for h from {min(S.fd_steps_to_try):g} to {max(S.fd_steps_to_try):g}: a V shape."
    f" The error falls as h shrinks, reaches its lowest, {min(worst):.0e}, at h = {best:g}, and rises again"
    f" for smaller h, where rounding noise takes over; a dotted line marks the h used above, {S.fd_step:g}."))

# %% [markdown]
# ## What each method costs
#
# Backpropagation gives all the gradients for one forward and one backward pass. The backward pass has
# two matrix products per layer (**X**ᵀ **G** and **G** **W**ᵀ) where the forward pass had one, and the
# first layer skips the second, so its cost is a bit under twice the forward pass's however big the
# network is. Finite differences need two forward passes for every weight, so their total cost is the
# forward pass's cost times twice the number of weights.
#
# Below, the network keeps the depth of the cost sweep and grows in width, so the number of weights
# grows about as the square of the width. Multiply-adds are counted from the recorded shapes (an
# (m×k)·(k×n) product costs m·k·n; element-wise steps one per entry) and are exact; wall times are
# medians of repeated runs on this machine and wobble from run to run.

# %%
rows = measure_costs(S)
print(f"{S.cost_depth} hidden layers, batch of {S.cost_batch}\n")
print(f"{'width':>5} {'weights':>8} {'forward':>9} {'backward':>9} {'ratio':>6}"
      f" {'finite-diff':>12} {'fd ÷ backprop':>14}")
for r in rows:
    print(f"{r.width:>5} {r.weights:>8,} {r.forward_ops.total:>9,} {r.backward_ops.total:>9,}"
          f" {r.backward_over_forward:>6.2f} {r.fd_ops:>12.2e} {r.fd_over_backprop:>14,.0f}")

# %%
weights = [r.weights for r in rows]
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.loglog(weights, [r.forward_ops.total for r in rows], marker="o", markersize=4, label="forward pass")
left.loglog(weights, [r.backward_ops.total for r in rows], marker="s", markersize=4, label="backward pass")
left.loglog(weights, [r.fd_ops for r in rows], marker="^", markersize=4, label="finite differences")
left.set(xlabel="number of weights", ylabel="multiply-adds (counted)", title="counted from the shapes")
right.loglog(weights, [r.forward_s for r in rows], marker="o", markersize=4, label="forward pass")
right.loglog(weights, [r.backward_s for r in rows], marker="s", markersize=4, label="backward pass")
right.loglog(weights, [r.fd_s for r in rows], marker="^", markersize=4, label="finite differences")
right.set(xlabel="number of weights", ylabel="seconds (median)", title="timed on this machine")
for ax in (left, right):
    ax.grid(True, which="major")
    ax.legend(loc="upper left")
fig.tight_layout()
figures.show(fig, "cost-against-weights", description=(
    "Two panels against the number of weights, from"
    f" {weights[0]:,} to {weights[-1]:,}, all on logarithmic scales, with one line each for the forward pass,"
    " the backward pass and finite differences. Left, multiply-adds counted from the shapes: forward and"
    " backward rise side by side, the backward pass a bit under twice the forward pass, while finite"
    f" differences rise far more steeply, to {rows[-1].fd_ops:.1e} for the largest network. Right, the"
    f" median seconds timed on this machine, with the same order: {rows[-1].fd_s:.2g} s for finite"
    f" differences on the largest network, {1e3 * rows[-1].backward_s:.2g} ms for its backward pass."))

# %%
operations_slope = loglog_slope(weights, [r.forward_ops.total + r.backward_ops.total for r in rows])
fd_slope = loglog_slope(weights, [r.fd_ops for r in rows])
ratios = [r.backward_over_forward for r in rows]
print(f"backward ÷ forward, counted: between {min(ratios):.2f} and {max(ratios):.2f} at every width")
print(f"log-log slope against the number of weights: backpropagation {operations_slope:.2f},"
      f" finite differences {fd_slope:.2f}")
timed = [r.backward_s / r.forward_s for r in rows]
print(f"backward ÷ forward, timed: between {min(timed):.1f} and {max(timed):.1f}")
largest = rows[-1]
print(f"largest network ({largest.weights:,} weights): backpropagation"
      f" {1e3 * (largest.forward_s + largest.backward_s):.2f} ms, finite differences {largest.fd_s:.2f} s,"
      f" {largest.fd_s / (largest.forward_s + largest.backward_s):,.0f} times longer")

# %% [markdown]
# Counted in multiply-adds, backpropagation grows about in proportion to the number of weights and
# finite differences about with its square: each of the extra weights needs its own pair of forward
# passes, and each forward pass is itself bigger. The ratio of the two therefore grows in step with the
# number of weights. The wall times tell the same story less tidily: for the smallest networks numpy
# spends most of its time on the overhead of each call rather than on arithmetic, so the forward and
# backward passes barely get slower at first, and a finite-difference gradient, being thousands of
# forward passes, pays that overhead thousands of times.
#
# ## Explore: deeper or wider
#
# The sweep above kept the depth fixed. Here the same counts cover five depths as well as the six
# widths, thirty networks in all: choose a size, and the left panel shows what one gradient costs each
# way; the right one shows, for every width at the chosen depth, how the two ways grow with the number
# of weights. The counts come from the recorded shapes of real forward and backward passes, run while
# this page was built.

# %%
grid = cost_grid(S)
methods = [label for _, label in COST_METHODS]
colours = alt.Scale(domain=methods, range=figures.PALETTE[:4])
bars = alt.Chart(explorables.data("costs")).transform_filter(explorables.SELECTED).mark_bar().encode(
    y=alt.Y("method:N", sort=methods, title=None),
    x=alt.X("ops:Q", scale=alt.Scale(type="log", domain=[1e2, 1e12]), title="multiply-adds (counted)",
            axis=alt.Axis(format="~s", values=[1e2, 1e4, 1e6, 1e8, 1e10, 1e12])),
    x2=alt.X2(datum=1e2),  # a bar on a log scale needs a start other than zero
    color=alt.Color("method:N", scale=colours, legend=None),
).properties(width=400, height=120, title="one gradient, this network", name="costs")
growth = alt.Chart(explorables.data("rows")).transform_filter("datum.depth == depth").transform_fold(
    ["backprop", "finite_differences"], as_=["key", "ops"]).transform_calculate(
    method="datum.key == 'backprop' ? 'backpropagation: both passes' : 'finite differences'")
lines = growth.mark_line(point=True).encode(
    x=alt.X("weights:Q", scale=alt.Scale(type="log"), title="number of weights"),
    y=alt.Y("ops:Q", scale=alt.Scale(type="log", domain=[1e2, 1e12]), title="multiply-adds",
            axis=alt.Axis(format="~s", values=[1e2, 1e4, 1e6, 1e8, 1e10, 1e12])),
    color=alt.Color("method:N", scale=colours, legend=None),
)
chosen = lines.transform_filter(explorables.SELECTED).mark_point(size=180, filled=False, strokeWidth=2.5)
growth_title = "every width at this depth (circled: this network)"
chart = alt.vconcat(bars, (lines + chosen).properties(width=400, height=180, title=growth_title))


def draw_costs(row):
    fig, ax = plt.subplots(figsize=(6, 2.4))
    keys = [key for key, _ in COST_METHODS]
    ax.barh(methods[::-1], [row[key] for key in keys][::-1], color=figures.PALETTE[:4][::-1])
    ax.set(xscale="log", xlim=(1e2, 1e12), xlabel="multiply-adds (counted)",
           title=f"{row['depth']} hidden layers of {row['units']} units: one gradient")
    return fig


explorables.show(grid, chart, title="What one gradient costs, by network size", describe=describe_costs,
                 fallback=draw_costs)

# %% [markdown]
# ## What to take away
#
# - Backpropagation is two rules each way. Forward: multiply by the weight matrix, apply the function.
#   Backward: multiply the error signal by the derivative of the function, entry by entry, then by the
#   transpose of the same weight matrix. A layer's weight gradient is its transposed input times the
#   error signal after the derivative.
# - The shapes check themselves: the transpose of the forward product sends each error signal back to
#   the shape of the layer below, and **X**ᵀ **G** comes out the shape of **W**.
# - The rules agree with automatic differentiation to rounding error and with finite differences to
#   the accuracy finite differences can reach; a gradient check like this one is the standard test for
#   hand-written backward passes.
# - One backward pass costs less than two forward passes, whatever the size; finite differences cost two
#   forward passes per weight. That difference, growing with every weight added, is why backpropagation
#   and not weight-by-weight probing trains networks.
