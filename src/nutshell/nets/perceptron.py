"""Rosenblatt's perceptron (1958) in numpy: one threshold unit and its error-correction rule.

A perceptron computes ``step(w · x + b)``. Rosenblatt's rule nudges ``w`` and ``b`` towards every
example it gets wrong and leaves them alone otherwise. If some line separates the two classes, the
rule finds one after finitely many mistakes (the perceptron convergence theorem); if none does, as for
XOR, it keeps cycling for ever. The helpers at the bottom draw lines and decision regions in 2-D.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The four corners of the unit square, the inputs of every two-input logic gate.
LOGIC_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

#: Truth tables, in the row order of :data:`LOGIC_INPUTS`.
GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``X`` (4×2) and 0/1 targets ``y`` (4,) of a logic gate: ``and``, ``or``, ``nand``, ``xor``."""
    key = name.lower()
    if key not in GATES:
        raise ValueError(f"unknown logic gate {name!r} (known: {', '.join(GATES)})")
    return LOGIC_INPUTS.copy(), np.array(GATES[key], dtype=int)


@dataclass
class Perceptron:
    """A single threshold unit: outputs 1 where ``w · x + b > 0``, else 0."""

    weights: np.ndarray
    bias: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X) @ self.weights + self.bias > 0).astype(int)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


@dataclass
class PerceptronRun:
    """What happened while training: per-epoch lists are measured at the end of each epoch."""

    perceptron: Perceptron
    accuracy: list[float] = field(default_factory=list)
    step_accuracy: list[float] = field(default_factory=list)  # after every single example
    mistakes: list[int] = field(default_factory=list)  # updates made during the epoch
    weights: list[np.ndarray] = field(default_factory=list)
    biases: list[float] = field(default_factory=list)

    @property
    def converged_epoch(self) -> int | None:
        """First epoch (1-based) without a single mistake, or None if every epoch had one."""
        for epoch, count in enumerate(self.mistakes, start=1):
            if count == 0:
                return epoch
        return None


def train_perceptron(
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 20,
    lr: float = 1.0,
    seed: int = 0,
    shuffle: bool = True,
) -> PerceptronRun:
    """Rosenblatt's rule: for each example, ``w += lr · (target − output) · x`` (and the same for ``b``).

    Weights start small and random (``seed``); with ``shuffle`` the examples are visited in a fresh
    random order each epoch. Training runs all ``epochs`` (a converged perceptron simply stops changing).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"expected X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}")
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError("targets must be 0 or 1")
    if epochs < 1 or lr <= 0:
        raise ValueError("epochs must be ≥ 1 and lr > 0")

    rng = np.random.default_rng(seed)
    unit = Perceptron(weights=rng.normal(0.0, 0.1, size=X.shape[1]), bias=float(rng.normal(0.0, 0.1)))
    run = PerceptronRun(perceptron=unit)
    for _ in range(epochs):
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        mistakes = 0
        for i in order:
            error = y[i] - int(X[i] @ unit.weights + unit.bias > 0)  # −1, 0 or +1
            if error:
                unit.weights = unit.weights + lr * error * X[i]
                unit.bias = unit.bias + lr * error
                mistakes += 1
            run.step_accuracy.append(unit.accuracy(X, y))
        run.mistakes.append(mistakes)
        run.accuracy.append(unit.accuracy(X, y))
        run.weights.append(unit.weights.copy())
        run.biases.append(unit.bias)
    return run


def best_line_accuracy(
    X: np.ndarray, y: np.ndarray, n_angles: int = 720, n_offsets: int = 401
) -> tuple[float, tuple[np.ndarray, float]]:
    """Best accuracy any straight line reaches on ``(X, y)``, found by trying a dense grid of lines.

    A line is ``cos(θ)·x₁ + sin(θ)·x₂ = c``; the grid covers every direction θ (so both sides of
    each line) and offsets c spanning the data. Returns the accuracy and, among the lines that reach
    it, the one farthest from its nearest point, as ``(weights, bias)`` for :class:`Perceptron`.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"best_line_accuracy works on 2-D inputs, got shape {X.shape}")
    if n_angles < 4 or n_offsets < 3:
        raise ValueError("use at least 4 directions and 3 offsets")
    angles = np.linspace(0.0, 2.0 * np.pi, n_angles, endpoint=False)
    normals = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (A, 2), unit length
    radius = float(np.abs(X).max()) * 1.5 + 1.0
    offsets = np.linspace(-radius, radius, n_offsets)  # (C,)
    distance = (X @ normals.T)[:, :, None] - offsets[None, None, :]  # signed, (n, A, C)
    accuracy = ((distance > 0) == y[:, None, None].astype(bool)).mean(axis=0)  # (A, C)
    margin = np.abs(distance).min(axis=0)
    best = accuracy.max()
    a, c = np.unravel_index(np.argmax(np.where(accuracy == best, margin, -1.0)), accuracy.shape)
    return float(best), (normals[a].copy(), float(-offsets[c]))


def decision_grid(
    lo: float = -0.5, hi: float = 1.5, n: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A square grid for drawing decision regions: ``xx``, ``yy`` (n×n) and the points as (n², 2)."""
    axis = np.linspace(lo, hi, n)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def line_points(
    weights: np.ndarray, bias: float, lo: float = -0.5, hi: float = 1.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two end points of the line ``w₁x + w₂y + b = 0`` across ``[lo, hi]``, ready for ``plt.plot``."""
    w1, w2 = (float(v) for v in weights)
    if abs(w2) > abs(w1):  # closer to horizontal: solve for y
        xs = np.array([lo, hi])
        return xs, -(w1 * xs + bias) / w2
    if w1 == 0.0:
        raise ValueError("weights (0, 0) do not define a line")
    ys = np.array([lo, hi])
    return -(w2 * ys + bias) / w1, ys
