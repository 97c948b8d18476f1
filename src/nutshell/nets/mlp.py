"""A two-layer network trained with backpropagation, in numpy — enough to learn XOR.

The network is ``input → hidden sigmoid units → one sigmoid output``. Each hidden unit is a perceptron
with a smooth step, so it still draws one line across the input plane; the output unit combines the
hidden units' answers, which is how two lines can fence off XOR's diagonal. Training is full-batch
gradient descent on the cross-entropy loss, with every gradient written out by hand (the chain rule,
layer by layer, as in Rumelhart, Hinton & Williams, 1986).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    def init(cls, n_inputs: int = 2, n_hidden: int = 2, seed: int = 0, scale: float = 1.0) -> "TwoLayerNet":
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
