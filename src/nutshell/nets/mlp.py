"""A two-layer network trained with backpropagation, in numpy — enough to learn XOR.

The network is ``input → hidden sigmoid units → one sigmoid output``. Each hidden unit is a perceptron
with a smooth step, so it still draws one line across the input plane; the output unit combines the
hidden units' answers, which is how two lines can fence off XOR's diagonal. Training is full-batch
gradient descent on the cross-entropy loss, with every gradient written out by hand (the chain rule,
layer by layer, as in Rumelhart, Hinton & Williams, 1986).

:data:`XOR_DEMO` holds every setting of the XOR demo (``demos/xor.py``), the perceptron half included,
since the page ends with this network; the page and its claims test import it, so what the test asserts
is what the page shows. :func:`hidden_unit_sweep` trains the page's network at every width over every
seed, and :func:`solving_grid` makes those runs the page's second explorable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nutshell.nets.perceptron import PerceptronSettings


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class TwoLayerNet:
    """Weights of ``X → sigmoid(X W1 + b1) → sigmoid(h W2 + b2)``; ``W1`` is (inputs, hidden)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    @classmethod
    def init(cls, n_inputs: int = 2, n_hidden: int = 2, seed: int = 0, scale: float = 1.0) -> TwoLayerNet:
        """Small random weights (normal, std ``scale``), zero biases."""
        if n_inputs < 1 or n_hidden < 1:
            raise ValueError("n_inputs and n_hidden must be ≥ 1")
        rng = np.random.default_rng(seed)
        return cls(
            W1=rng.normal(0.0, scale, size=(n_inputs, n_hidden)),
            b1=np.zeros(n_hidden),
            W2=rng.normal(0.0, scale, size=n_hidden),
            b2=np.zeros(()),
        )

    def hidden(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(np.asarray(X, dtype=float) @ self.W1 + self.b1)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Probability of class 1 for each row of ``X``."""
        return sigmoid(self.hidden(X) @ self.W2 + self.b2)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.forward(X) > 0.5).astype(int)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def hidden_lines(self) -> list[tuple[np.ndarray, float]]:
        """The line each hidden unit draws, as ``(weights, bias)``: where its input is exactly 0."""
        return [(self.W1[:, j].copy(), float(self.b1[j])) for j in range(self.W1.shape[1])]


def loss_and_gradients(net: TwoLayerNet, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy and its gradient with respect to every weight, by backpropagation."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(X)
    # forward pass, keeping what the backward pass needs
    h = net.hidden(X)  # (n, H)
    p = sigmoid(h @ net.W2 + net.b2)  # (n,)
    eps = 1e-12
    loss = float(-np.mean(y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps)))
    # backward pass: sigmoid + cross-entropy makes the output error simply p − y
    d_out = (p - y) / n  # (n,)
    grad_W2 = h.T @ d_out
    grad_b2 = d_out.sum()
    d_h = np.outer(d_out, net.W2) * h * (1.0 - h)  # error sent back through W2 and the sigmoid
    grad_W1 = X.T @ d_h
    grad_b1 = d_h.sum(axis=0)
    return loss, {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


@dataclass
class MLPRun:
    net: TwoLayerNet
    losses: list[float] = field(default_factory=list)  # one per epoch, before that epoch's update
    accuracy: float = 0.0  # on the training examples, after the last update


def train_mlp(
    X: np.ndarray,
    y: np.ndarray,
    n_hidden: int = 2,
    epochs: int = 2000,
    lr: float = 2.0,
    seed: int = 0,
) -> MLPRun:
    """Full-batch gradient descent with backpropagated gradients; returns the net and its loss curve."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"expected X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}")
    if epochs < 1 or lr <= 0:
        raise ValueError("epochs must be ≥ 1 and lr > 0")
    net = TwoLayerNet.init(n_inputs=X.shape[1], n_hidden=n_hidden, seed=seed)
    run = MLPRun(net=net)
    for _ in range(epochs):
        loss, grads = loss_and_gradients(net, X, y)
        run.losses.append(loss)
        net.W1 -= lr * grads["W1"]
        net.b1 -= lr * grads["b1"]
        net.W2 -= lr * grads["W2"]
        net.b2 = net.b2 - lr * grads["b2"]
    run.accuracy = net.accuracy(X, y)
    return run


def success_rate(X: np.ndarray, y: np.ndarray, seeds: range | list[int], **train_kwargs) -> float:
    """Fraction of seeds whose trained network classifies every example correctly."""
    seeds = list(seeds)
    if not seeds:
        raise ValueError("need at least one seed")
    return sum(train_mlp(X, y, seed=s, **train_kwargs).accuracy == 1.0 for s in seeds) / len(seeds)


def failing_seeds(X: np.ndarray, y: np.ndarray, seeds: range | list[int], **train_kwargs) -> list[int]:
    """The seeds whose trained network gets at least one example wrong, in the order given."""
    return [s for s in seeds if train_mlp(X, y, seed=s, **train_kwargs).accuracy < 1.0]


# -- the XOR demo's settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenLayerSettings:
    """What the XOR demo gives the network with a hidden layer."""

    n_hidden: int  # the network the page trains and draws; its picture of the hidden layer is 2-D
    epochs: int  # full-batch steps, for every network on the page
    lr: float
    seed: int
    seeds: tuple[int, ...]  # the seeds counted for how often training gets all four corners right
    hidden_unit_counts: tuple[int, ...]  # the widths compared over those seeds
    longer: int  # the failing runs are trained again, this many times as long
    curve_every: int  # the explorable's loss curves: the loss every this many steps, and the last

    def __post_init__(self) -> None:
        if self.n_hidden not in self.hidden_unit_counts:
            raise ValueError("n_hidden must be among hidden_unit_counts: the page revisits its failures")


@dataclass(frozen=True)
class XorSettings:
    perceptron: PerceptronSettings
    hidden_layer: HiddenLayerSettings


XOR_DEMO = XorSettings(
    perceptron=PerceptronSettings(
        gates=("and", "or", "xor"), epochs=30, seed=0, long_epochs=200, long_seeds=tuple(range(10)),
        line_directions=720, line_offsets=401, explore_gate="and",
    ),
    hidden_layer=HiddenLayerSettings(
        n_hidden=2, epochs=2000, lr=2.0, seed=0, seeds=tuple(range(20)), hidden_unit_counts=(1, 2, 3, 4),
        longer=10, curve_every=50,
    ),
)


def hidden_unit_sweep(
    X: np.ndarray, y: np.ndarray, settings: HiddenLayerSettings = XOR_DEMO.hidden_layer
) -> dict[int, dict[int, MLPRun]]:
    """``{n_hidden: {seed: run}}``: the page's training at every width of ``hidden_unit_counts``, from
    every seed of ``seeds`` (what :func:`failing_seeds` trains, kept whole)."""
    return {n_hidden: {seed: train_mlp(X, y, n_hidden=n_hidden, epochs=settings.epochs, lr=settings.lr,
                                       seed=seed)
                       for seed in settings.seeds}
            for n_hidden in settings.hidden_unit_counts}


# -- explorable: hidden units → how often backpropagation solves XOR ------------------------------------


def curve_steps(settings: HiddenLayerSettings = XOR_DEMO.hidden_layer) -> list[int]:
    """The steps at which the explorable shows each run's loss: every ``curve_every``, and the last."""
    return sorted({*range(0, settings.epochs, settings.curve_every), settings.epochs - 1})


def solving_row(runs: dict[int, MLPRun], settings: HiddenLayerSettings = XOR_DEMO.hidden_layer) -> dict:
    """One width's runs (``{seed: run}``) as an explorable's row: which seeds solve XOR, the final losses,
    and each run's loss curve (table ``curves``)."""
    steps = curve_steps(settings)
    solved = [seed for seed, run in runs.items() if run.accuracy == 1.0]
    stuck = [seed for seed, run in runs.items() if run.accuracy < 1.0]
    return {
        "solved": len(solved), "runs": len(runs), "stuck": stuck,
        "stuck_losses": [runs[seed].losses[-1] for seed in stuck],
        "stuck_right": [round(runs[seed].accuracy * 4) for seed in stuck],  # corners right, of 4
        "solved_losses": [runs[seed].losses[-1] for seed in solved],
        "tables": {"curves": [{"seed": seed, "outcome": "solved" if run.accuracy == 1.0 else "stuck",
                               "steps": steps, "losses": [run.losses[k] for k in steps]}
                              for seed, run in runs.items()]},
    }


def solving_grid(sweep: dict[int, dict[int, MLPRun]], seconds: float,
                 settings: HiddenLayerSettings = XOR_DEMO.hidden_layer):
    """The sweep of :func:`hidden_unit_sweep` as an explorable grid over the number of hidden units (it
    cost what the sweep cost)."""
    from nutshell import explorables

    control = explorables.slider("hidden", "Hidden units", settings.hidden_unit_counts,
                                 default=settings.n_hidden)
    return explorables.tabulate((control,), lambda hidden: solving_row(sweep[hidden], settings), seconds)


def describe_solving(row: dict, settings: HiddenLayerSettings = XOR_DEMO.hidden_layer) -> str:
    """The row in words, as the page says it under the figure."""
    units = f"{row['hidden']} hidden unit{'s' if row['hidden'] > 1 else ''}"
    text = (f"{units}: {row['solved']} of {row['runs']} seeds ({row['solved'] / row['runs']:.0%}) get all"
            f" four corners right after {settings.epochs:,} steps")
    if not row["stuck"]:
        return text + f", every one with a final loss below {max(row['solved_losses']):.2g}"
    losses = _span([f"{v:.2f}" for v in row["stuck_losses"]])
    right = _span([str(v) for v in sorted(row["stuck_right"])])
    if not row["solved"]:
        return text + f"; every run stops at a loss of {losses}, with {right} of 4 right"
    seeds = ", ".join(map(str, row["stuck"]))
    which = f"seed {seeds} stops" if len(row["stuck"]) == 1 else f"seeds {seeds} stop"
    return text + f"; {which} at a loss of {losses}, with {right} of 4 right"


def _span(texts: list[str]) -> str:
    """"0.35" when they agree, "0.35 to 0.48" when they do not (``texts`` in the order to name them)."""
    ordered = sorted(set(texts), key=float)
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]} to {ordered[-1]}"
