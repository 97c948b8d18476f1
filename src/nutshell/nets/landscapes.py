"""Loss landscapes to descend, and every setting of the "Descending the landscape" demo.

Three 2-D surfaces with their gradients written out, each built to show one difficulty:

* :class:`Valley` — a long, narrow valley: ``½ (a x² + b y²)`` with ``b ≫ a``. The floor runs along
  ``x``; ``y`` is the across-valley coordinate, where steps that are too long bounce from wall to wall.
* :class:`Saddle` — ``½ x² − ½ y² + ¼ y⁴``: a saddle point at the origin, downhill along ``x`` towards
  it and away from it along ``y``, with two minima at ``(0, ±1)``.
* :class:`PlateauCliff` — a sigmoid step: an almost flat plateau that ends in a steep cliff, a flat
  floor below it closed off by a wall, and a gentle bowl across.

and one small real network, :class:`DigitsMLP`: a 64-32-10 tanh network on scikit-learn's 8×8
handwritten digits (which ship with scikit-learn, so nothing is downloaded), for comparing full-batch
gradient descent with minibatch SGD (:func:`train_digits`).

:data:`LANDSCAPE_DEMO` holds every setting the demo page uses; the page and its claims test import it,
so what the test asserts is what the page shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nutshell.nets.optimizers import (
    GradientDescent,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    Trajectory,
    descend,
    path_length,
    rising_momentum,
    steps_within,
)

# -- the surfaces --------------------------------------------------------------------------------------
# ``loss`` takes a point ``p = (x, y)``, or two same-shaped grids stacked as ``p`` (for contour plots).


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow warnings


@dataclass(frozen=True)
class Valley:
    """``½ (along·x² + across·y²)``: walls ``across / along`` times steeper than the floor."""

    name: ClassVar[str] = "narrow valley"
    along: float
    across: float

    def loss(self, p):
        x, y = p[0], p[1]
        return 0.5 * (self.along * x**2 + self.across * y**2)

    def grad(self, p) -> np.ndarray:
        x, y = p
        return np.array([self.along * x, self.across * y])

    @property
    def minimum(self) -> np.ndarray:
        return np.zeros(2)

    @property
    def condition_number(self) -> float:
        return self.across / self.along


@dataclass(frozen=True)
class Saddle:
    """``½ x² − ½ y² + ¼ y⁴``: a saddle point at the origin, minima at ``(0, ±1)``."""

    name: ClassVar[str] = "saddle point"

    def loss(self, p):
        x, y = p[0], p[1]
        return 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4

    def grad(self, p) -> np.ndarray:
        x, y = p
        return np.array([x, -y + y**3])

    @property
    def saddle(self) -> np.ndarray:
        return np.zeros(2)

    @property
    def minimum(self) -> np.ndarray:
        return np.array([0.0, 1.0])


@dataclass(frozen=True)
class PlateauCliff:
    """``height·σ(−steepness·x) + ½ wall·max(0, x − wall_at)² + ½ across·y²``.

    For ``x`` well below 0 the sigmoid is saturated: a plateau whose slope shrinks like
    ``e^(steepness·x)``. Around ``x = 0`` it drops by ``height`` with a slope of up to
    ``height·steepness/4``: the cliff. Below it a flat floor runs to a wall at ``wall_at``.
    """

    name: ClassVar[str] = "plateau and cliff"
    height: float
    steepness: float
    wall_at: float
    wall: float
    across: float

    def loss(self, p):
        x, y = p[0], p[1]
        beyond = np.maximum(0.0, x - self.wall_at)
        step = self.height * _sigmoid(-self.steepness * x)
        return step + 0.5 * self.wall * beyond**2 + 0.5 * self.across * y**2

    def grad(self, p) -> np.ndarray:
        x, y = p
        s = _sigmoid(-self.steepness * x)
        slope = -self.height * self.steepness * s * (1 - s) + self.wall * max(0.0, x - self.wall_at)
        return np.array([slope, self.across * y])

    @property
    def minimum(self) -> np.ndarray:
        """Where the floor's last, tiny downhill slope meets the wall (found by bisection)."""
        lo, hi = self.wall_at, self.wall_at + 1.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.grad((mid, 0.0))[0] < 0 else (lo, mid)
        return np.array([0.5 * (lo + hi), 0.0])


Surface = Valley | Saddle | PlateauCliff


def min_loss(surface: Surface) -> float:
    return float(surface.loss(surface.minimum))


# -- the settings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Race:
    """One surface and what every optimiser gets on it."""

    start: tuple[float, float]
    steps: int
    lr: float  # shared by gradient descent, momentum and Nesterov
    mu: float  # shared by momentum and Nesterov
    rmsprop_lr: float
    rmsprop_decay: float
    tolerance: float  # "arrived": the loss is at most this far above the minimum
    view: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max of the contour plot


@dataclass(frozen=True)
class NetSettings:
    """Full-batch gradient descent against minibatch SGD on the digits network."""

    hidden: int
    init_seed: int
    lr: float  # the same for both: only the batch differs
    batch_size: int
    steps: int
    target_loss: float
    noise_window: int  # the last steps, over which the wobble of the loss is measured
    seeds: tuple[int, ...]  # minibatch orders


@dataclass(frozen=True)
class LandscapeSettings:
    valley: Valley
    saddle: Saddle
    plateau: PlateauCliff
    valley_race: Race
    saddle_race: Race
    plateau_race: Race
    # claim 2: momentum coefficients tried on the valley at the valley race's learning rate, and the
    # three whose across-valley coordinate the page draws for the first zigzag_steps steps
    momenta: tuple[float, ...]
    zigzag_momenta: tuple[float, ...]
    zigzag_steps: int
    # claim 3: PyTorch's Nesterov against ours, on the valley at a learning rate where both are stable
    torch_check_lr: float
    torch_check_steps: int
    # claim 3: the grid of learning rates (times the wall curvature) and momenta for Nesterov vs momentum
    grid_lrs: tuple[float, ...]
    grid_momenta: tuple[float, ...]
    # claim 4: a momentum that rises from schedule_start to schedule_end over schedule_ramp steps,
    # against schedule_end from the first step, at the valley race's learning rate and at large_lr
    schedule_start: float
    schedule_end: float
    schedule_ramp: int
    large_lr: float
    # claim 5: where the plateau and the cliff are, along x
    plateau_below: float  # x < plateau_below is the plateau
    cliff_within: float  # |x| < cliff_within is the cliff
    # the article's worked RMSprop numbers: (gradient, root of the running mean of squared gradients)
    article_rmsprop: tuple[tuple[float, float], ...]
    article_decay: float  # a decay under which both examples can arise from a running average
    other_decay: float  # a common decay under which one of them cannot
    # claim 6: a point counts as lingering at the saddle when it is this close to it
    saddle_radius: float
    net: NetSettings
    # the explorable: every optimiser on every surface, at learning rates that are these multiples of the
    # race's (RMSprop's of its own), and, for momentum and Nesterov, at each of these μ
    explore_lr_scales: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0)
    explore_momenta: tuple[float, ...] = (0.3, 0.5, 0.7, 0.9, 0.95)
    explore_points: int = 32  # points of each path shipped with the page: the first two thirds, then thinned


LANDSCAPE_DEMO = LandscapeSettings(
    valley=Valley(along=0.01, across=1.0),
    saddle=Saddle(),
    plateau=PlateauCliff(height=1.0, steepness=5.0, wall_at=1.0, wall=1.0, across=0.05),
    valley_race=Race(
        start=(-10.0, 1.5), steps=2000, lr=1.8, mu=0.5, rmsprop_lr=0.05, rmsprop_decay=0.9,
        tolerance=1e-4, view=(-11.0, 3.0, -2.0, 2.0),
    ),
    saddle_race=Race(
        start=(-2.0, 1e-3), steps=400, lr=0.1, mu=0.9, rmsprop_lr=0.05, rmsprop_decay=0.9,
        tolerance=1e-3, view=(-2.3, 1.3, -1.5, 1.5),
    ),
    plateau_race=Race(
        start=(-2.0, 1.0), steps=1500, lr=1.0, mu=0.9, rmsprop_lr=0.05, rmsprop_decay=0.9,
        tolerance=1e-2, view=(-2.5, 2.0, -1.5, 1.5),
    ),
    momenta=(0.0, 0.3, 0.5, 0.7, 0.9, 0.99),
    zigzag_momenta=(0.0, 0.5, 0.9),
    zigzag_steps=60,
    torch_check_lr=0.9,
    torch_check_steps=50,
    grid_lrs=(0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8),
    grid_momenta=(0.3, 0.5, 0.7, 0.8, 0.9, 0.95),
    schedule_start=0.5,
    schedule_end=0.99,
    schedule_ramp=50,
    large_lr=3.5,
    plateau_below=-1.0,
    cliff_within=0.5,
    article_rmsprop=((1e-5, 5e-5), (100.0, 25.0)),
    article_decay=0.99,
    other_decay=0.9,
    saddle_radius=0.5,
    net=NetSettings(
        hidden=32, init_seed=0, lr=1.0, batch_size=16, steps=600, target_loss=0.1, noise_window=100,
        seeds=(0, 1, 2, 3, 4),
    ),
)


# -- racing optimisers on a surface -------------------------------------------------------------------


def contenders(race: Race) -> dict[str, Optimizer]:
    """Fresh optimisers with the race's settings, in the order the page draws them."""
    return {
        "gradient descent": GradientDescent(race.lr),
        "momentum": Momentum(race.lr, race.mu),
        "Nesterov": Nesterov(race.lr, race.mu),
        "RMSprop": RMSprop(race.rmsprop_lr, race.rmsprop_decay),
    }


def run(surface: Surface, race: Race, optimizer: Optimizer, steps: int | None = None) -> Trajectory:
    return descend(optimizer, surface.loss, surface.grad, race.start, race.steps if steps is None else steps)


def race_all(surface: Surface, race: Race) -> dict[str, Trajectory]:
    return {name: run(surface, race, optimizer) for name, optimizer in contenders(race).items()}


def steps_to_arrive(trajectory: Trajectory, surface: Surface, tolerance: float) -> int | None:
    """Steps until the loss is within ``tolerance`` of the minimum (``None``: not within the run)."""
    if trajectory.diverged:
        return None
    return trajectory.steps_to(min_loss(surface) + tolerance)


def before_arrival(trajectory: Trajectory, surface: Surface, tolerance: float) -> np.ndarray:
    """The points up to arrival (all of them if it never arrives)."""
    arrived = steps_to_arrive(trajectory, surface, tolerance)
    return trajectory.points if arrived is None else trajectory.points[: arrived + 1]


def momentum_schedule(settings: LandscapeSettings = LANDSCAPE_DEMO):
    return rising_momentum(settings.schedule_start, settings.schedule_end, settings.schedule_ramp)


def nesterov_lr_limit(mu: float, curvature: float) -> float:
    """Largest stable learning rate of Nesterov's method on ``½ h y²`` (``h = curvature``).

    Along that direction the look-ahead form is the linear recursion
    ``y' = (1 + μ)(1 − ηh) y − μ(1 − ηh) y_prev``, stable while ``ηh < 2(1 + μ) / (1 + 2μ)``.
    """
    return 2 * (1 + mu) / ((1 + 2 * mu) * curvature)


def bounce_factor(lr: float, mu: float, curvature: float) -> float:
    """How much momentum's motion along a direction of curvature ``h`` shrinks per step, in the long run.

    Along that direction classical momentum is ``y' = (1 + μ − ηh) y − μ y_prev``; the factor is the
    larger magnitude of the roots of ``z² − (1 + μ − ηh) z + μ``. With ``μ = 0`` it is gradient
    descent's ``|1 − ηh|``; when the roots are complex it is ``√μ``.
    """
    return float(np.max(np.abs(np.roots([1.0, -(1 + mu - lr * curvature), mu]))))


def momentum_lr_limit(mu: float, curvature: float) -> float:
    """Largest stable learning rate of classical momentum on ``½ h y²``: ``ηh < 2(1 + μ)``."""
    return 2 * (1 + mu) / curvature


def rmsprop_history(gradient: float, root_mean_square: float, decay: float) -> float:
    """The previous running mean ``s`` after which one more gradient gives the root mean square asked for.

    ``s_new = decay·s + (1 − decay)·g²`` so ``s = (rms² − (1 − decay)·g²) / decay``; negative means no
    history can produce it (the new gradient alone already contributes too much).
    """
    return (root_mean_square**2 - (1 - decay) * gradient**2) / decay


# -- the digits network ----------------------------------------------------------------------------------


def load_digits_task() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten 8×8 digits: pixels scaled to [0, 1] and centred, labels 0–9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data / 16.0
    return X - X.mean(axis=0), digits.target


class DigitsMLP:
    """``softmax(tanh(X W1 + b1) W2 + b2)`` with cross-entropy loss; parameters as one flat vector."""

    def __init__(self, X: np.ndarray, labels: np.ndarray, hidden: int = 32):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.eye(int(labels.max()) + 1)[labels]
        n_in, n_out = self.X.shape[1], self.Y.shape[1]
        self.shapes = [(n_in, hidden), (hidden,), (hidden, n_out), (n_out,)]
        self.sizes = [int(np.prod(s)) for s in self.shapes]

    @property
    def n_params(self) -> int:
        return sum(self.sizes)

    def init(self, seed: int = 0) -> np.ndarray:
        """Weights from N(0, 1/fan-in), biases 0."""
        rng = np.random.default_rng(seed)
        parts = []
        for shape in self.shapes:
            if len(shape) == 2:  # a weight matrix, (fan-in, fan-out)
                parts.append(rng.normal(0.0, 1 / np.sqrt(shape[0]), shape).ravel())
            else:
                parts.append(np.zeros(shape))
        return np.concatenate(parts)

    def unpack(self, theta: np.ndarray) -> list[np.ndarray]:
        ends = np.cumsum(self.sizes)
        return [part.reshape(shape) for part, shape in zip(np.split(theta, ends[:-1]), self.shapes)]

    def loss_and_grad(self, theta: np.ndarray, rows=None, need_grad: bool = True):
        """Mean cross-entropy over ``rows`` (all examples when ``None``) and, if asked, its gradient."""
        W1, b1, W2, b2 = self.unpack(theta)
        X = self.X if rows is None else self.X[rows]
        Y = self.Y if rows is None else self.Y[rows]
        H = np.tanh(X @ W1 + b1)
        Z = H @ W2 + b2
        Z = Z - Z.max(axis=1, keepdims=True)
        log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        loss = float(-(Y * log_p).sum() / len(X))
        if not need_grad:
            return loss
        delta2 = (np.exp(log_p) - Y) / len(X)  # δ at the output, through softmax and cross-entropy
        delta1 = (delta2 @ W2.T) * (1 - H**2)  # δ Wᵀ, times tanh's derivative
        grad = [X.T @ delta1, delta1.sum(axis=0), H.T @ delta2, delta2.sum(axis=0)]
        return loss, np.concatenate([g.ravel() for g in grad])

    def loss(self, theta: np.ndarray, rows=None) -> float:
        return self.loss_and_grad(theta, rows, need_grad=False)

    def grad(self, theta: np.ndarray, rows=None) -> np.ndarray:
        return self.loss_and_grad(theta, rows)[1]


@dataclass
class NetRun:
    """Full training-set loss after every step, and what the steps cost."""

    losses: np.ndarray  # (steps + 1,)
    seconds: np.ndarray  # (steps + 1,) cumulative time spent in optimiser steps (evaluation not counted)
    batch_size: int  # examples per step
    n_examples: int

    def steps_to(self, loss: float) -> int | None:
        reached = np.flatnonzero(self.losses <= loss)
        return int(reached[0]) if reached.size else None

    def epochs(self, steps: int) -> float:
        """Passes over the training set that ``steps`` steps amount to."""
        return steps * self.batch_size / self.n_examples

    def wobble(self, last: int) -> float:
        """Standard deviation of the loss around a straight-line trend over the last ``last`` steps."""
        tail = self.losses[-last:]
        t = np.arange(len(tail))
        trend = np.polyval(np.polyfit(t, tail, 1), t)
        return float(np.std(tail - trend))

    def rising_fraction(self, last: int) -> float:
        """Fraction of the last ``last`` steps after which the training-set loss went up."""
        return float(np.mean(np.diff(self.losses[-last - 1 :]) > 0))


def train_digits(
    net: DigitsMLP,
    optimizer: Optimizer,
    theta: np.ndarray,
    steps: int,
    batch_size: int | None,
    seed: int = 0,
) -> NetRun:
    """Train ``theta`` on minibatches of ``batch_size`` (``None``: the whole set, full-batch)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    n = len(net.X)
    queue = np.array([], dtype=int)  # the rest of the current shuffled pass
    losses, seconds, spent = [net.loss(theta)], [0.0], 0.0
    # Small matrices: one BLAS thread is fastest, and the timings do not depend on the machine's load.
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(steps):
            rows = None
            if batch_size is not None:
                if len(queue) < batch_size:
                    queue = np.concatenate([queue, rng.permutation(n)])
                rows, queue = queue[:batch_size], queue[batch_size:]
            started = time.perf_counter()
            theta = optimizer.step(theta, lambda th, rows=rows: net.grad(th, rows))
            spent += time.perf_counter() - started
            losses.append(net.loss(theta))
            seconds.append(spent)
    return NetRun(np.array(losses), np.array(seconds), n if batch_size is None else batch_size, n)


def compare_batches(settings: NetSettings = LANDSCAPE_DEMO.net) -> tuple[NetRun, list[NetRun]]:
    """Full-batch gradient descent (one run) and minibatch SGD (one run per seed), same start and rate."""
    X, labels = load_digits_task()
    net = DigitsMLP(X, labels, settings.hidden)
    theta = net.init(settings.init_seed)
    full = train_digits(net, GradientDescent(settings.lr), theta, settings.steps, None)
    mini = [
        train_digits(net, GradientDescent(settings.lr), theta, settings.steps, settings.batch_size, seed)
        for seed in settings.seeds
    ]
    return full, mini


# -- the measurements behind each claim ------------------------------------------------------------------


@dataclass(frozen=True)
class ValleyCrossing:
    """How one momentum coefficient fares on the valley: steps to arrive and distance travelled across."""

    mu: float
    steps: int | None
    across: float  # total distance travelled in y (across the valley) before arriving


def momentum_sweep(settings: LandscapeSettings = LANDSCAPE_DEMO) -> list[ValleyCrossing]:
    """Momentum with each of ``settings.momenta`` (0 is plain gradient descent) on the valley."""
    valley, race = settings.valley, settings.valley_race
    rows = []
    for mu in settings.momenta:
        trajectory = run(valley, race, Momentum(race.lr, mu))
        path = before_arrival(trajectory, valley, race.tolerance)
        steps = steps_to_arrive(trajectory, valley, race.tolerance)
        rows.append(ValleyCrossing(mu, steps, path_length(path[:, 1])))
    return rows


def arrival_grid(
    surface: Surface, race: Race, lrs, momenta, max_steps: int | None = None
) -> dict[str, np.ndarray]:
    """Steps to arrive for momentum and for Nesterov at every (learning rate, μ); -1: never (or diverged)."""
    max_steps = race.steps if max_steps is None else max_steps
    target = min_loss(surface) + race.tolerance
    grids = {}
    for name, method in (("momentum", Momentum), ("Nesterov", Nesterov)):
        grid = np.full((len(lrs), len(momenta)), -1, dtype=int)
        for i, lr in enumerate(lrs):
            for j, mu in enumerate(momenta):
                trajectory = descend(
                    method(lr, mu), surface.loss, surface.grad, race.start, max_steps, stop_below=target
                )
                arrived = steps_to_arrive(trajectory, surface, race.tolerance)
                grid[i, j] = -1 if arrived is None else arrived
        grids[name] = grid
    return grids


def schedule_runs(lr: float, settings: LandscapeSettings = LANDSCAPE_DEMO) -> dict[str, Trajectory]:
    """Momentum on the valley at ``lr``: high from the first step, and rising from low to high."""
    valley, race = settings.valley, settings.valley_race
    return {
        f"μ = {settings.schedule_end} from the start": run(valley, race, Momentum(lr, settings.schedule_end)),
        f"μ rising {settings.schedule_start} → {settings.schedule_end}": run(
            valley, race, Momentum(lr, momentum_schedule(settings))
        ),
    }


@dataclass(frozen=True)
class Overshoot:
    steps: int | None  # to arrive; None: never, or diverged
    worst_loss: float  # the highest loss on the way, as a multiple of the starting loss
    past_minimum: float  # how far beyond the minimum it ran along the valley floor (0: never passed it)
    diverged: bool


def overshoot(trajectory: Trajectory, settings: LandscapeSettings = LANDSCAPE_DEMO) -> Overshoot:
    valley, race = settings.valley, settings.valley_race
    x = trajectory.points[:, 0]
    direction = -np.sign(race.start[0])  # the start is on one side of the minimum; "past" is the other
    return Overshoot(
        steps=steps_to_arrive(trajectory, valley, race.tolerance),
        worst_loss=float(np.max(trajectory.losses) / trajectory.losses[0]),
        past_minimum=float(max(0.0, np.max(direction * x))),
        diverged=trajectory.diverged,
    )


@dataclass(frozen=True)
class StepSizes:
    """Step lengths along the plateau direction (x), on the plateau and on the cliff."""

    plateau_steps: int  # steps taken from points on the plateau
    plateau_step: float  # median |Δx| there
    plateau_gradient: float  # median |∂f/∂x| there
    cliff_steps: int
    cliff_step: float  # largest |Δx| taken from a point on the cliff
    cliff_gradient: float  # largest |∂f/∂x| met there

    @property
    def step_ratio(self) -> float:
        """Largest cliff step over typical plateau step."""
        return self.cliff_step / self.plateau_step

    @property
    def gradient_ratio(self) -> float:
        return self.cliff_gradient / self.plateau_gradient


def step_sizes(trajectory: Trajectory, settings: LandscapeSettings = LANDSCAPE_DEMO) -> StepSizes:
    surface = settings.plateau
    x = trajectory.points[:-1, 0]  # where each step starts
    dx = np.abs(np.diff(trajectory.points[:, 0]))
    slope = np.abs([surface.grad(p)[0] for p in trajectory.points[:-1]])
    on_plateau = x < settings.plateau_below
    on_cliff = np.abs(x) < settings.cliff_within

    def summary(values, where, statistic):  # NaN when the path never stepped from there
        return float(statistic(values[where])) if where.any() else float("nan")

    return StepSizes(
        plateau_steps=int(on_plateau.sum()),
        plateau_step=summary(dx, on_plateau, np.median),
        plateau_gradient=summary(slope, on_plateau, np.median),
        cliff_steps=int(on_cliff.sum()),
        cliff_step=summary(dx, on_cliff, np.max),
        cliff_gradient=summary(slope, on_cliff, np.max),
    )


def lingering(trajectory: Trajectory, settings: LandscapeSettings = LANDSCAPE_DEMO) -> int:
    """Steps spent within ``settings.saddle_radius`` of the saddle point."""
    return steps_within(trajectory.points, settings.saddle.saddle, settings.saddle_radius)


def surfaces(settings: LandscapeSettings = LANDSCAPE_DEMO) -> dict[str, tuple[Surface, Race]]:
    return {
        "valley": (settings.valley, settings.valley_race),
        "saddle": (settings.saddle, settings.saddle_race),
        "plateau": (settings.plateau, settings.plateau_race),
    }


def lookahead_path(surface: Surface, start, lr: float, mu: float, steps: int) -> np.ndarray:
    """The look-ahead points ``θ + μv`` of our Nesterov run, start included."""
    optimizer, theta = Nesterov(lr, mu), np.array(start, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = optimizer.step(theta, surface.grad)
        path.append(optimizer.lookahead(theta))
    return np.array(path)


def pytorch_nesterov_path(surface: Surface, start, lr: float, mu: float, steps: int) -> np.ndarray:
    """The parameters ``torch.optim.SGD(nesterov=True)`` stores, in float64, fed our gradient."""
    import torch

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr, momentum=mu, nesterov=True)
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(np.asarray(surface.grad(p.detach().numpy()), dtype=np.float64))
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


# -- explorable: any optimiser, learning rate and momentum, on any surface ----------------------------------

OPTIMIZER_NAMES = ("gradient descent", "momentum", "Nesterov", "RMSprop")


def make_optimizer(name: str, lr: float, mu: float | None, race: Race) -> Optimizer:
    """A fresh optimiser by name; RMSprop takes the race's decay, μ only momentum and Nesterov."""
    if name == "gradient descent":
        return GradientDescent(lr)
    if name == "RMSprop":
        return RMSprop(lr, race.rmsprop_decay)
    return {"momentum": Momentum, "Nesterov": Nesterov}[name](lr, mu)


def shipped_path(points: np.ndarray, view, keep: int) -> tuple[list[float], list[float]]:
    """A path as the page draws it: up to and including its first point outside the view, at most
    ``keep`` points (the first two thirds as they are, then evenly spaced ones and the last), each
    coordinate rounded to a thousandth of the view's width or height."""
    x0, x1, y0, y1 = view
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    leaves = np.flatnonzero(~inside)
    points = points if leaves.size == 0 else points[: leaves[0] + 1]
    if len(points) > keep:
        head = 2 * keep // 3
        tail = np.unique(np.linspace(head, len(points) - 1, keep - head).round().astype(int))
        points = np.concatenate([points[:head], points[tail]])
    digits = [max(0, int(np.ceil(-np.log10((hi - lo) / 1000)))) for lo, hi in ((x0, x1), (y0, y1))]
    return ([round(float(v), digits[0]) for v in points[:, 0]],
            [round(float(v), digits[1]) for v in points[:, 1]])


def descent_grid(settings: LandscapeSettings = LANDSCAPE_DEMO):
    """Every optimiser on every surface over the explorable's learning rates and momenta: steps to
    arrive and the path, from :func:`~nutshell.nets.optimizers.descend` as in the races."""
    from nutshell import explorables

    races = surfaces(settings)
    controls = (
        explorables.choice("surface", "Surface", tuple(races),
                           labels=[surface.name for surface, _ in races.values()]),
        explorables.choice("optimizer", "Optimiser", OPTIMIZER_NAMES, default="momentum"),
        explorables.slider("lr_scale", "Learning rate, × the race's", settings.explore_lr_scales,
                           default=1.0, labels=[f"{s:g} ×" for s in settings.explore_lr_scales]),
        explorables.slider("mu", "Momentum μ", settings.explore_momenta, default=settings.valley_race.mu,
                           applies={"optimizer": ("momentum", "Nesterov")}),
    )

    def measure(surface: str, optimizer: str, lr_scale: float, mu: float | None) -> dict:
        landscape, race = races[surface]
        lr = lr_scale * (race.rmsprop_lr if optimizer == "RMSprop" else race.lr)
        floor = min_loss(landscape)
        trajectory = descend(make_optimizer(optimizer, lr, mu, race), landscape.loss, landscape.grad,
                             race.start, race.steps, stop_below=floor + race.tolerance)
        xs, ys = shipped_path(trajectory.points, race.view, settings.explore_points)
        return {"lr": lr, "arrived": steps_to_arrive(trajectory, landscape, race.tolerance),
                "diverged": trajectory.diverged, "steps": trajectory.steps,
                "gap": float(trajectory.losses[-1] - floor), "xs": xs, "ys": ys}

    return explorables.evaluate(controls, measure)


def describe_descent(row: dict, settings: LandscapeSettings = LANDSCAPE_DEMO) -> str:
    surface = surfaces(settings)[row["surface"]][0].name
    what = f"{surface}, {row['optimizer']}, η = {row['lr']:.3g}" + (
        "" if row["mu"] is None else f", μ = {row['mu']:g}")
    if row["arrived"] is not None:
        return f"{what}: arrives after {row['arrived']} steps"
    if row["diverged"]:
        return f"{what}: diverges (loss {row['gap']:.0e} after {row['steps']} steps)"
    return f"{what}: not there after {row['steps']} steps (loss {row['gap']:.1e} above the minimum)"


def contour_lines(surface: Surface, view, levels, resolution: int = 80) -> list[dict]:
    """Contours of ``surface`` over ``view``, for drawing: one record per line, its vertices as ``xs``
    and ``ys`` (rounded to a thousandth of the view)."""
    import contourpy

    x0, x1, y0, y1 = view
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution // 2))
    generator = contourpy.contour_generator(xx, yy, surface.loss(np.stack([xx, yy])))
    digits = [max(0, int(np.ceil(-np.log10((hi - lo) / 1000)))) for lo, hi in ((x0, x1), (y0, y1))]
    lines = [np.concatenate([vertices[:-1:2], vertices[-1:]])  # every other vertex is plenty at this size
             for level in levels for vertices in generator.lines(level)]
    return [{"xs": [round(float(v), digits[0]) for v in line[:, 0]],
             "ys": [round(float(v), digits[1]) for v in line[:, 1]]} for line in lines]
