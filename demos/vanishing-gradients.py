# %% [markdown]
# # Vanishing gradients: why deep sigmoid networks would not train
#
# In a 20-layer sigmoid network the first layer's gradient is 10¹³ times smaller than the output layer's and the network learns nothing; with tanh and Glorot's initialisation, or ReLU and He's, the same depth trains in a few hundred steps.
#
# Backpropagation multiplies one factor per layer on its way from the loss back to the first
# weights. Sepp Hochreiter's 1991 diploma thesis worked out what long chains of such factors do in
# recurrent networks, which are deep in time: the product shrinks (or blows up) exponentially with
# the length of the chain. Bengio, Simard and Frasconi reached the same conclusion in 1994 for
# learning long-range dependencies, and the arithmetic is no different for a deep stack of
# feedforward layers. In 2010 Xavier
# Glorot and Yoshua Bengio traced much of the trouble in deep feedforward networks to saturating
# sigmoid units and to the scale of the initial weights, and proposed the initialisation now named
# after Glorot. Rectified linear units (ReLU), taken up for deep networks around 2010–2011, and the
# initialisation He and colleagues derived for them in 2015 removed most of the problem. This page
# measures the effect on a small regression task, on a CPU, in a few seconds.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from nutshell import figures
from nutshell.nets.deep import layer_gradient_norms, make_net, make_task, train

figures.apply_style()
torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
# Tiny matrices: one thread is fastest, and gives the same sums on every machine.
torch.set_num_threads(1)

# %% [markdown]
# ## One factor per layer
#
# Going backwards through a layer multiplies the gradient by that layer's weights and by the
# derivative of its activation function. The sigmoid's derivative is at most 0.25, reached only at
# an input of exactly 0; tanh's is at most 1, and ReLU's is exactly 1 wherever the unit is active.
# Twenty factors of at most 0.25 leave at most 0.25 to the power 20 of the signal:

# %%
print(f"0.25 ** 20 = {0.25 ** 20:.1e}")

z = np.linspace(-6, 6, 601)
sigmoid = 1 / (1 + np.exp(-z))
derivatives = {
    "sigmoid  (max 0.25)": sigmoid * (1 - sigmoid),
    "tanh  (max 1)": 1 - np.tanh(z) ** 2,
    "ReLU  (0 or 1)": (z > 0).astype(float),
}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
for label, values in derivatives.items():
    left.plot(z, values, label=label)
left.set(xlabel="input to the unit", ylabel="derivative",
         title="activation derivatives")
left.legend(loc="upper left")
layers = np.arange(0, 21)
for label, factor in (("sigmoid: 0.25 per layer", 0.25),
                      ("tanh, ReLU: 1 per layer", 1.0)):
    right.semilogy(layers, factor**layers, marker="o", markersize=3, label=label)
right.set(xlabel="layers passed", ylabel="largest possible product",
          xticks=range(0, 21, 5), title="product of the derivatives, at best")
right.legend(loc="lower left")
for ax in (left, right):
    ax.grid(True)
fig.tight_layout()
figures.show(fig, "activation-derivatives")

# %% [markdown]
# ## The task and the networks
#
# 512 random points in 8 dimensions; the target is a sum of four sine waves along random
# directions, scaled to mean 0 and variance 1. Predicting the mean everywhere therefore gives a mean
# squared error of exactly 1 — a loss stuck near 1 means the network has learned nothing.
#
# Each network has 20 hidden layers of 32 units and a linear output. Sigmoid and tanh layers start
# from Glorot's initialisation (weight variance 2 / (fan-in + fan-out)), ReLU layers from He's
# (variance 2 / fan-in, twice as much, to make up for the half of the units that output 0).

# %%
X, y = make_task(n=512, in_features=8, seed=0)
DEPTH, WIDTH = 20, 32
CONFIGS = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}
print(f"{len(X)} examples; target mean {y.mean():.2f}, variance {y.var():.2f}")

# %% [markdown]
# ## Gradient norms at initialisation
#
# One backward pass through each untrained network, on all 512 examples. For every layer we measure
# the size (Euclidean norm) of its weight gradient, from the first layer (next to the input) to the
# output layer.

# %%
norms = {}
for act, init in CONFIGS.items():
    net = make_net(DEPTH, WIDTH, act, init, seed=0)
    norms[act] = values = layer_gradient_norms(net, X, y)
    print(f"{act:>7} + {init:<6}: first layer {values[0]:.1e},"
          f" last layer {values[-1]:.1e}, ratio {values[0] / values[-1]:.1e}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for act, values in norms.items():
    ax.semilogy(range(1, len(values) + 1), values, marker="o", markersize=3,
                label=f"{act} + {CONFIGS[act]}")
ax.set(xlabel="layer (1 = next to the input, 21 = output)",
       ylabel="weight-gradient norm", xticks=[1, 5, 10, 15, 21],
       title=f"gradients at initialisation, {DEPTH} hidden layers")
ax.grid(True)
ax.legend()
figures.show(fig, "gradient-norms")

# %% [markdown]
# For the sigmoid network the gradient shrinks by a factor of four to five per layer, and the first
# layer gets about 10⁻¹³ of what the output layer gets: at any learning rate that keeps the output
# layer stable, the early layers do not move. With tanh and Glorot's initialisation, or ReLU and
# He's, the first layer's gradient stays within a factor of ten of the output layer's.
#
# ## Training
#
# Same data, same plain stochastic gradient descent (learning rate 0.05, batches of 64, 500 steps,
# no momentum and no adaptive step sizes, which would partly hide the effect). A fourth network
# checks that sigmoid units as such are not the problem: the same recipe with only 2 hidden layers.

# %%
nets = {f"{act}, {DEPTH} layers": make_net(DEPTH, WIDTH, act, init, seed=0)
        for act, init in CONFIGS.items()}
nets["sigmoid, 2 layers"] = make_net(2, WIDTH, "sigmoid", "xavier", seed=0)

runs = {}
for name, net in nets.items():
    runs[name] = run = train(net, X, y, steps=500, lr=0.05, batch_size=64, seed=0)
    print(f"{name:>18}: loss {run.losses[0]:.3f} at the start,"
          f" {np.mean(run.losses[-50:]):.3f} over the last 50 steps")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
for name, run in runs.items():
    ax.plot(run.losses, label=name, linestyle="--" if "2 layers" in name else "-")
ax.axhline(1.0, color=figures.INK, linewidth=0.8, linestyle=":")
ax.set(xlabel="SGD step", ylabel="mean squared error", ylim=(0, 1.6),
       title="training loss (1 = predicting the mean)")
ax.grid(True)
ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.55))  # clear of the line at 1
figures.show(fig, "training-loss")

# %% [markdown]
# The deep sigmoid network hovers at a loss of 1 for the whole run: only its last layers receive a
# usable gradient, and they sit on top of nineteen layers of frozen random features. The shallow
# sigmoid network, the deep tanh network and the deep ReLU network all bring the loss down to a small
# fraction of that.
#
# ## What to take away
#
# - The backward pass multiplies one factor per layer; when the factors are below one, the gradient
#   reaching the first layers shrinks exponentially with depth (Hochreiter, 1991; Bengio, Simard and
#   Frasconi, 1994).
# - Sigmoid units make those factors small twice over: their derivative never exceeds 0.25, and it is
#   far smaller when a unit saturates (Glorot and Bengio, 2010).
# - Depth is the issue, not the sigmoid as such: two sigmoid layers train fine with the same recipe.
# - Scaling the initial weights to the activation (Glorot for tanh, He for ReLU) keeps the gradient
#   about the same size in every layer, and ReLU's derivative of exactly 1 on its active side keeps
#   the products from shrinking.
