"""Rosenblatt's perceptron (1958) in numpy: one threshold unit and its error-correction rule.

A perceptron computes ``step(w · x + b)``. Rosenblatt's rule nudges ``w`` and ``b`` towards every
example it gets wrong and leaves them alone otherwise. If some line separates the two classes, the
rule finds one after finitely many mistakes (the perceptron convergence theorem); if none does, as for
XOR, it keeps cycling for ever. The helpers at the bottom draw lines and decision regions in 2-D, and
:func:`perceptron_grid` turns training runs into the XOR demo's explorable: the line and its mistakes,
gate by gate and epoch by epoch.

:class:`PerceptronSettings` holds the perceptron half of the XOR demo's settings; the whole of them is
:data:`nutshell.nets.mlp.XOR_DEMO`.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    initial_weights: np.ndarray | None = None  # before the first example
    initial_bias: float | None = None

    def at_epoch(self, epoch: int) -> Perceptron:
        """The unit as it was after ``epoch`` epochs (0: before training)."""
        if not 0 <= epoch <= len(self.weights):
            raise ValueError(f"epoch {epoch} is not between 0 and {len(self.weights)}")
        if epoch == 0:
            return Perceptron(self.initial_weights.copy(), self.initial_bias)
        return Perceptron(self.weights[epoch - 1].copy(), self.biases[epoch - 1])

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
    run = PerceptronRun(perceptron=unit, initial_weights=unit.weights.copy(), initial_bias=unit.bias)
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


# -- the XOR demo's settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PerceptronSettings:
    """What the XOR demo gives Rosenblatt's rule: every number the perceptron half of the page prints."""

    gates: tuple[str, ...]  # the gates the page trains on, in the order it shows them
    epochs: int  # the training run the page draws
    seed: int
    long_epochs: int  # longer runs, over several seeds, looking for any XOR accuracy above 3 of 4
    long_seeds: tuple[int, ...]
    line_directions: int  # the brute-force search over straight lines: directions × offsets
    line_offsets: int
    explore_gate: str  # where the explorable opens (at the last epoch of the run the page draws)

    def __post_init__(self) -> None:
        if self.explore_gate not in self.gates:
            raise ValueError("explore_gate must be among gates")


def gate_runs(settings: PerceptronSettings) -> dict[str, PerceptronRun]:
    """The run the page draws for each gate: ``settings.epochs`` epochs from ``settings.seed``."""
    return {gate: train_perceptron(*logic_gate(gate), epochs=settings.epochs, seed=settings.seed)
            for gate in settings.gates}


# -- explorable: gate × epoch → the perceptron's line and its mistakes -----------------------------------

VIEW = (-0.5, 1.5)  # the square around the four corners that the page draws
CORNERS = ("00", "01", "10", "11")  # how the page names the rows of LOGIC_INPUTS


def line_across(weights: np.ndarray, bias: float, lo: float = VIEW[0], hi: float = VIEW[1]) -> dict:
    """The line ``w · x + b = 0`` across the view, for drawing, and where the unit answers 1.

    ``line_x``, ``line_y``: its end points (from :func:`line_points`). Inside the view, the unit answers 1
    between the line and the edge at ``edge``: a horizontal edge where the line is closer to horizontal
    (``steep`` false), a vertical one where it is closer to vertical. (A line beyond that edge leaves
    nothing of the view between them: the unit answers 0 all over it.)
    """
    xs, ys = line_points(weights, bias, lo, hi)
    w1, w2 = (float(v) for v in weights)
    steep = not abs(w2) > abs(w1)  # line_points solved for x
    edge = (hi if w1 > 0 else lo) if steep else (hi if w2 > 0 else lo)
    return {"line_x": xs.tolist(), "line_y": ys.tolist(), "steep": steep, "edge": edge}


def perceptron_row(run: PerceptronRun, epoch: int, gate: str) -> dict:
    """One gate's run after ``epoch`` epochs as an explorable's row: the line, the corners and their
    answers, the updates made during that epoch (None before training)."""
    X, y = logic_gate(gate)
    unit = run.at_epoch(epoch)
    outputs = unit.predict(X)
    return {
        "mistakes": None if epoch == 0 else run.mistakes[epoch - 1],
        "right": int(np.sum(outputs == y)),
        "wrong": [CORNERS[i] for i in np.flatnonzero(outputs != y)],
        "weights": unit.weights.tolist(), "bias": float(unit.bias), "converged": run.converged_epoch,
        "x1s": X[:, 0].tolist(), "x2s": X[:, 1].tolist(), "targets": y.tolist(), "outputs": outputs.tolist(),
        **line_across(unit.weights, unit.bias),
    }


def perceptron_grid(runs: Mapping[str, PerceptronRun], seconds: float, settings: PerceptronSettings):
    """The runs of :func:`gate_runs` as an explorable grid over gate and epoch (it cost what they cost);
    the table ``epochs`` holds every gate's mistakes per epoch, for every setting."""
    from nutshell import explorables

    epochs = tuple(range(settings.epochs + 1))
    controls = (
        explorables.choice("gate", "Gate", settings.gates, default=settings.explore_gate,
                           labels=[gate.upper() for gate in settings.gates]),
        explorables.slider("epoch", "Epoch", epochs, default=settings.epochs,
                           labels=["before training", *(f"{e} of {settings.epochs}" for e in epochs[1:])]),
    )
    grid = explorables.tabulate(controls, lambda gate, epoch: perceptron_row(runs[gate], epoch, gate),
                                seconds)
    grid.tables["epochs"] = [{"gate": gate, "epoch": epoch, "mistakes": count}
                             for gate in settings.gates
                             for epoch, count in enumerate(runs[gate].mistakes, start=1)]
    return grid


def describe_perceptron(row: dict) -> str:
    """The row in words, as the page says it under the figure."""
    gate = row["gate"].upper()
    if row["right"] == 4:
        verdict = "all 4 corners right"
    else:
        verdict = f"{row['right']} of 4 corners right, wrong on {_and(row['wrong'])}"
    if len(set(row["outputs"])) == 1:
        verdict += f": the unit answers {row['outputs'][0]} at every corner"
    if row["epoch"] == 0:
        return f"{gate}, before training: the random starting line gets {verdict}"
    mistakes = row["mistakes"]
    plural = "s" if mistakes > 1 else ""
    during = "no mistakes" if mistakes == 0 else f"{mistakes} mistake{plural}, so {mistakes} update{plural},"
    return f"{gate}, epoch {row['epoch']}: {during} during the epoch; the line after it gets {verdict}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
