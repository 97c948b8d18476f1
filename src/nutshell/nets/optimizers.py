"""Gradient descent and three refinements of it, written out in numpy: momentum, Nesterov, RMSprop.

Every optimiser moves a flat parameter vector ``θ`` one step at a time. ``step(θ, grad)`` receives a
function that returns the gradient at any point, not a gradient, because Nesterov's method needs the
gradient somewhere other than at ``θ``. Each optimiser evaluates that function exactly once per step,
so "steps" is a fair count of the work done by all four. An optimiser keeps its own state (a velocity,
a running average), so use a fresh one for each run; :func:`descend` does that bookkeeping and records
the path.

The updates, with learning rate ``η`` and gradient ``g``:

* gradient descent:  ``θ ← θ − η g(θ)``
* momentum (Polyak's heavy ball, written as by Sutskever et al., 2013):
  ``v ← μ v − η g(θ)``, ``θ ← θ + v``
* Nesterov's accelerated gradient, look-ahead form (Sutskever et al., 2013):
  ``v ← μ v − η g(θ + μ v)``, ``θ ← θ + v`` — the gradient is measured where the velocity is about
  to carry the parameters, not where they are.
* RMSprop (Tieleman & Hinton, 2012): ``s ← ρ s + (1 − ρ) g²``, ``θ ← θ − η g / (√s + ε)``, each
  coordinate divided by the root of its own running mean of squared gradients.

PyTorch's ``torch.optim.SGD`` keeps ``b = −v / η`` instead of ``v`` (``b ← μ b + g``, ``θ ← θ − η b``),
which is the same update. Its ``nesterov=True`` looks different again::

    b ← μ b + g(p)
    p ← p − η (g(p) + μ b)

It never evaluates a gradient away from the stored parameters. The two are one method in different
coordinates: PyTorch's ``p`` *is* the look-ahead point ``φ = θ + μ v``. Substituting ``θ = φ − μ v``
into the look-ahead form gives ``v ← μ v − η g(φ)`` and ``φ ← φ + μ² v_old − (1 + μ) η g(φ)``; with
``b = −v/η`` that is PyTorch's pair of lines. :meth:`Nesterov.lookahead` returns ``φ``, and the tests
check the mapping step for step against ``torch.optim.SGD(nesterov=True)``. The mapping is exact for
a constant ``μ``; with a schedule the two forms use ``μ`` at slightly different moments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GradFn = Callable[[np.ndarray], np.ndarray]
LossFn = Callable[[np.ndarray], float]
# A momentum coefficient: a constant, or a function of the step number (0, 1, 2, …).
Schedule = float | Callable[[int], float]


def _coefficient(mu: Schedule, t: int) -> float:
    return float(mu(t)) if callable(mu) else float(mu)


def rising_momentum(start: float, end: float, ramp_steps: int) -> Callable[[int], float]:
    """A momentum schedule that climbs linearly from ``start`` to ``end`` over ``ramp_steps`` steps."""
    if ramp_steps < 1:
        raise ValueError("ramp_steps must be ≥ 1")

    def mu(t: int) -> float:
        return start + (end - start) * min(t, ramp_steps) / ramp_steps

    return mu


class GradientDescent:
    """Plain gradient descent: ``θ ← θ − η g(θ)``. Fed a minibatch gradient, this is SGD."""

    name = "gradient descent"

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta: np.ndarray, grad: GradFn) -> np.ndarray:
        return theta - self.lr * grad(theta)


class Momentum:
    """Classical momentum: ``v ← μ v − η g(θ)``, then ``θ ← θ + v``."""

    name = "momentum"

    def __init__(self, lr: float, mu: Schedule = 0.9):
        self.lr, self.mu = lr, mu
        self.velocity: np.ndarray | None = None
        self.t = 0

    def step(self, theta: np.ndarray, grad: GradFn) -> np.ndarray:
        if self.velocity is None:
            self.velocity = np.zeros_like(theta)
        mu = _coefficient(self.mu, self.t)
        self.velocity = mu * self.velocity - self.lr * grad(theta)
        self.t += 1
        return theta + self.velocity


class Nesterov(Momentum):
    """Nesterov's accelerated gradient: ``v ← μ v − η g(θ + μ v)``, then ``θ ← θ + v``."""

    name = "Nesterov"

    def step(self, theta: np.ndarray, grad: GradFn) -> np.ndarray:
        if self.velocity is None:
            self.velocity = np.zeros_like(theta)
        mu = _coefficient(self.mu, self.t)
        # Jump along the velocity first, measure the slope there, then correct.
        self.velocity = mu * self.velocity - self.lr * grad(theta + mu * self.velocity)
        self.t += 1
        return theta + self.velocity

    def lookahead(self, theta: np.ndarray) -> np.ndarray:
        """``θ + μ v``: the point PyTorch's ``SGD(nesterov=True)`` stores as its parameters."""
        if self.velocity is None:
            return np.array(theta, dtype=float)
        return theta + _coefficient(self.mu, max(self.t - 1, 0)) * self.velocity


def rmsprop_update(
    grad: np.ndarray, mean_square: np.ndarray, lr: float = 1.0, eps: float = 0.0
) -> np.ndarray:
    """RMSprop's change to the parameters: ``−η g / (√s + ε)``, where ``s`` is the running mean of g²."""
    return -lr * np.asarray(grad, dtype=float) / (np.sqrt(mean_square) + eps)


class RMSprop:
    """RMSprop: ``s ← ρ s + (1 − ρ) g²``, then ``θ ← θ − η g / (√s + ε)`` (PyTorch's ``alpha`` is ρ)."""

    name = "RMSprop"

    def __init__(self, lr: float, decay: float = 0.9, eps: float = 1e-8):
        self.lr, self.decay, self.eps = lr, decay, eps
        self.mean_square: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: GradFn) -> np.ndarray:
        g = grad(theta)
        if self.mean_square is None:
            self.mean_square = np.zeros_like(g)
        self.mean_square = self.decay * self.mean_square + (1 - self.decay) * g * g
        return theta + rmsprop_update(g, self.mean_square, self.lr, self.eps)


Optimizer = GradientDescent | Momentum | Nesterov | RMSprop


@dataclass
class Trajectory:
    """Where an optimiser went: ``points[t]`` and ``losses[t]`` after ``t`` steps (``t = 0`` is the start)."""

    points: np.ndarray  # (steps + 1, dimensions)
    losses: np.ndarray  # (steps + 1,)
    diverged: bool = False  # stopped early: the loss became non-finite or exceeded the blow-up bound

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    def steps_to(self, tolerance: float) -> int | None:
        """The first step after which the loss is at most ``tolerance`` (``None``: never)."""
        reached = np.flatnonzero(self.losses <= tolerance)
        return int(reached[0]) if reached.size else None

    def step_lengths(self) -> np.ndarray:
        """Euclidean length of every step, ``‖θ[t+1] − θ[t]‖``."""
        return np.linalg.norm(np.diff(self.points, axis=0), axis=1)


def descend(
    optimizer: Optimizer,
    loss: LossFn,
    grad: GradFn,
    start,
    steps: int,
    blowup: float = 1e12,
    stop_below: float | None = None,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` steps from ``start``.

    Stops early when the loss exceeds ``blowup`` (marked ``diverged``) or, if given, once it is at
    most ``stop_below``.
    """
    theta = np.array(start, dtype=float)
    points, losses = [theta], [float(loss(theta))]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            theta = optimizer.step(theta, grad)
            value = float(loss(theta))
            points.append(theta)
            losses.append(value)
            if not np.isfinite(value) or value > blowup or not np.all(np.isfinite(theta)):
                diverged = True
                break
            if stop_below is not None and value <= stop_below:
                break
    return Trajectory(np.array(points), np.array(losses), diverged)


# -- measurements on a path --------------------------------------------------------------------------------


def sign_changes(values: np.ndarray) -> int:
    """How often ``values`` crosses zero: each zig-zag across a valley floor counts once."""
    signs = np.sign(np.asarray(values, dtype=float))
    signs = signs[signs != 0]
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def path_length(values: np.ndarray) -> float:
    """Total distance travelled: the sum of step lengths (a 1-D array counts as one coordinate)."""
    values = np.asarray(values, dtype=float)
    steps = np.diff(values, axis=0)
    return float(np.abs(steps).sum() if values.ndim == 1 else np.linalg.norm(steps, axis=1).sum())


def steps_within(points: np.ndarray, centre, radius: float) -> int:
    """How many of the recorded points lie within ``radius`` of ``centre``."""
    distances = np.linalg.norm(np.asarray(points) - np.asarray(centre, dtype=float), axis=1)
    return int(np.count_nonzero(distances < radius))
