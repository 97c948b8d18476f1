"""Backpropagation as a handful of matrix rules, in numpy, with every shape on record.

A network is a list of layers. Going forward, a layer takes the matrix ``X`` of its inputs (one row per
example), computes ``Z = X W + b`` and then ``A = f(Z)``, and ``A`` is the next layer's ``X``. The loss
turns the last ``A`` into one number and, differentiated, into the first error signal ``δ``. Going
backward, a layer multiplies ``δ`` element-wise by ``f′(Z)`` (``G = δ ⊙ f′(Z)``), reads off its gradients
``∂L/∂W = Xᵀ G`` and ``∂L/∂b = Σ_rows G``, and hands ``δ = G Wᵀ`` to the layer before it: the same weight
matrix, transposed.

``forward`` and ``backward`` can record each of these steps with the shapes of the arrays they actually
multiplied (:class:`Step`), which is what the demo prints and what :func:`count_operations` counts.
:func:`autograd_gradients` (PyTorch, float64) and :func:`finite_difference_gradients` (central
differences) compute the same gradients two other ways, to check them. :func:`measure_costs` counts
and times all three as the network grows. Settings of the demo page: :data:`BACKPROP_DEMO`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np


# ── settings of demos/backprop-by-the-rules.py ───────────────────────────────────────────────────


@dataclass(frozen=True)
class BackpropSettings:
    sizes: tuple[int, ...] = (3, 5, 4, 2)  # inputs, two hidden layers, outputs: a 3×5, a 5×4 and a 4×2 matrix
    batch: int = 128                       # examples per forward pass: X is 128×3
    hidden: str = "tanh"
    output: str = "sigmoid"
    seed: int = 0
    fd_step: float = 1e-5                  # h in (L(w + h) − L(w − h)) / 2h
    fd_steps_to_try: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
    # The cost sweep: the same depth, growing width, so the number of weights grows about as width².
    cost_inputs: int = 3
    cost_outputs: int = 2
    cost_depth: int = 3                    # hidden layers
    cost_widths: tuple[int, ...] = (2, 4, 8, 16, 32, 64)
    cost_batch: int = 32
    timing_repeats: int = 15               # medians of this many runs for a forward or backward pass
    fd_timing_repeats: int = 3             # … and of this many full finite-difference gradients
    # The explorable: depth (hidden layers) × the widths above, operations counted (not timed).
    cost_depths: tuple[int, ...] = (1, 2, 3, 4, 6)
    explore_width: int = 16                # where the page's explorable starts (with cost_depth)


BACKPROP_DEMO = BackpropSettings()


# ── the network ──────────────────────────────────────────────────────────────────────────────────


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# name → (f, f′), both of Z
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "identity": (lambda z: z, np.ones_like),
}


@dataclass
class Layer:
    W: np.ndarray  # (inputs, outputs): X W with one example per row of X
    b: np.ndarray  # (outputs,)
    activation: str


def make_network(
    sizes: tuple[int, ...], hidden: str = "tanh", output: str = "sigmoid", seed: int = 0
) -> list[Layer]:
    """Layers ``sizes[0] → sizes[1] → … → sizes[-1]``; weights with variance 1/fan-in, small random biases.

    The biases are random (not zero) so that the gradient checks test them with non-trivial values.
    """
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError("need at least an input and an output size, all ≥ 1")
    for name in (hidden, output):
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})")
    rng = np.random.default_rng(seed)
    layers = []
    for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        layers.append(Layer(
            W=rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out)),
            b=rng.normal(0.0, 0.1, size=fan_out),
            activation=output if position == len(sizes) - 1 else hidden,
        ))
    return layers


def make_batch(layers: list[Layer], batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs (standard normal) and targets in (0, 1), shaped for ``layers``."""
    rng = np.random.default_rng(seed + 1)  # not the weights' stream
    X = rng.normal(size=(batch, layers[0].W.shape[0]))
    Y = rng.uniform(0.05, 0.95, size=(batch, layers[-1].W.shape[1]))
    return X, Y


def parameter_names(layers: list[Layer]) -> list[str]:
    return [f"{kind}{i}" for i in range(1, len(layers) + 1) for kind in ("W", "b")]


def parameters(layers: list[Layer]) -> dict[str, np.ndarray]:
    """The arrays themselves (not copies), by name: ``W1``, ``b1``, ``W2``, …"""
    return {name: getattr(layers[int(name[1:]) - 1], name[0]) for name in parameter_names(layers)}


def count_weights(layers: list[Layer]) -> int:
    """Every trainable number: weights and biases."""
    return sum(p.size for p in parameters(layers).values())


# ── the rules, with a record of each step ────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Step:
    """One step of a pass: what was computed, from which shapes, into which shape.

    ``kind`` is ``matmul`` (a matrix product: ``operands`` are its two shapes), ``elementwise`` (one
    operation per entry of ``result``), ``sum`` (adding up the rows of ``operands[0]``) or ``loss``.
    """

    direction: str  # "forward" or "backward"
    layer: int      # 1-based; len(layers) + 1 for the loss
    formula: str
    kind: str
    operands: tuple[tuple[int, ...], ...]
    result: tuple[int, ...]

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of a matrix product (m×k)·(k×n): m·k·n; one per entry for element-wise steps."""
        if self.kind == "matmul":
            (m, k), (_, n) = self.operands
            return m * k * n
        if self.kind == "sum":
            return int(np.prod(self.operands[0]))
        return int(np.prod(self.result)) if self.result else int(np.prod(self.operands[0]))


def input_name(i: int) -> str:
    """What layer ``i`` multiplies by its weights: the network's inputs ``X``, then ``A1``, ``A2``, …"""
    return "X" if i == 1 else f"A{i - 1}"


@dataclass
class ForwardPass:
    inputs: list[np.ndarray]  # what each layer multiplies by its weights: X, then A1, A2, …
    Z: list[np.ndarray]
    output: np.ndarray
    loss: float
    steps: list[Step] = field(default_factory=list)


def mse_loss(output: np.ndarray, Y: np.ndarray) -> float:
    """Half the squared error, summed over outputs and averaged over examples."""
    return float(0.5 * np.sum((output - Y) ** 2) / len(Y))


def forward(layers: list[Layer], X: np.ndarray, Y: np.ndarray, record: bool = False) -> ForwardPass:
    """``Z = X W + b``, ``A = f(Z)`` layer after layer, then the loss; ``record`` keeps the steps."""
    steps: list[Step] = []
    inputs, Zs = [], []
    A = X
    for i, layer in enumerate(layers, start=1):
        inputs.append(A)
        Z = A @ layer.W + layer.b
        if record:
            x = input_name(i)
            steps += [
                Step("forward", i, f"{x} W{i}", "matmul", (A.shape, layer.W.shape), Z.shape),
                Step("forward", i, f"Z{i} = {x} W{i} + b{i}", "elementwise", (Z.shape, layer.b.shape),
                     Z.shape),
            ]
        A = ACTIVATIONS[layer.activation][0](Z)
        Zs.append(Z)
        if record:
            steps.append(Step("forward", i, f"A{i} = {layer.activation}(Z{i})", "elementwise", (Z.shape,),
                              A.shape))
    loss = mse_loss(A, Y)
    if record:
        steps.append(Step("forward", len(layers) + 1, f"L = ½ Σ (A{len(layers)} − Y)² / N", "loss",
                          (A.shape, Y.shape), ()))
    return ForwardPass(inputs=inputs, Z=Zs, output=A, loss=loss, steps=steps)


@dataclass
class BackwardPass:
    gradients: dict[str, np.ndarray]
    steps: list[Step] = field(default_factory=list)


def backward(layers: list[Layer], passed: ForwardPass, Y: np.ndarray, record: bool = False) -> BackwardPass:
    """The rules, last layer first.

    ``G = δ ⊙ f′(Z)``, ``∂L/∂W = Xᵀ G``, ``∂L/∂b = Σ_rows G``, and ``δ = G Wᵀ`` for the layer below.
    """
    steps: list[Step] = []
    gradients: dict[str, np.ndarray] = {}
    n = len(layers)
    delta = (passed.output - Y) / len(Y)  # ∂L/∂A of the last layer
    if record:
        steps.append(Step("backward", n + 1, f"δ{n} = (A{n} − Y) / N", "loss",
                          (passed.output.shape, Y.shape), delta.shape))
    for i in range(n, 0, -1):
        layer, X, Z = layers[i - 1], passed.inputs[i - 1], passed.Z[i - 1]
        G = delta * ACTIVATIONS[layer.activation][1](Z)
        gradients[f"W{i}"] = X.T @ G
        gradients[f"b{i}"] = G.sum(axis=0)
        if record:
            steps += [
                Step("backward", i, f"G{i} = δ{i} ⊙ {layer.activation}′(Z{i})", "elementwise",
                     (delta.shape, Z.shape), G.shape),
                Step("backward", i, f"∂L/∂W{i} = {input_name(i)}ᵀ G{i}", "matmul", (X.T.shape, G.shape),
                     gradients[f"W{i}"].shape),
                Step("backward", i, f"∂L/∂b{i} = Σ_rows G{i}", "sum", (G.shape,), gradients[f"b{i}"].shape),
            ]
        if i > 1:  # the inputs to the network need no error signal
            delta = G @ layer.W.T
            if record:
                steps.append(Step("backward", i, f"δ{i - 1} = G{i} W{i}ᵀ", "matmul",
                                  (G.shape, layer.W.T.shape), delta.shape))
    gradients = {name: gradients[name] for name in parameter_names(layers)}
    return BackwardPass(gradients=gradients, steps=steps)


def gradients(layers: list[Layer], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """Backpropagation: one forward pass, one backward pass."""
    return backward(layers, forward(layers, X, Y), Y).gradients


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "scalar"


def step_table(steps: list[Step]) -> list[tuple[str, str, str]]:
    """``(formula, shapes in, shape out)`` for each step, as the demo prints them."""
    rows = []
    for step in steps:
        joiner = " · " if step.kind == "matmul" else ", "
        shapes_in = joiner.join(shape_text(s) for s in step.operands)
        rows.append((step.formula, shapes_in, shape_text(step.result)))
    return rows


# ── two other ways to the same gradients ─────────────────────────────────────────────────────────


def autograd_gradients(layers: list[Layer], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The same network and loss in PyTorch (float64), differentiated by ``torch.autograd``."""
    import torch

    torch_fn = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "identity": lambda z: z}
    params = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
              for name, value in parameters(layers).items()}
    A = torch.tensor(X, dtype=torch.float64)
    for i, layer in enumerate(layers, start=1):
        A = torch_fn[layer.activation](A @ params[f"W{i}"] + params[f"b{i}"])
    loss = 0.5 * ((A - torch.tensor(Y, dtype=torch.float64)) ** 2).sum() / len(Y)
    loss.backward()
    return {name: p.grad.numpy() for name, p in params.items()}


@dataclass
class FiniteDifferences:
    gradients: dict[str, np.ndarray]
    forward_passes: int


def finite_difference_gradients(
    layers: list[Layer], X: np.ndarray, Y: np.ndarray, step: float = 1e-6
) -> FiniteDifferences:
    """Nudge every weight up and down by ``step`` in turn: two forward passes per weight."""
    grads = {}
    passes = 0
    for name, p in parameters(layers).items():
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            kept = p[index]
            p[index] = kept + step
            up = forward(layers, X, Y).loss
            p[index] = kept - step
            down = forward(layers, X, Y).loss
            p[index] = kept
            g[index] = (up - down) / (2 * step)
            passes += 2
        grads[name] = g
    return FiniteDifferences(gradients=grads, forward_passes=passes)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a − b| / max(|a|, |b|)`` over the entries (0 where both are exactly 0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(a), np.abs(b))
    safe = np.where(scale > 0, scale, 1.0)
    return float(np.max(np.abs(a - b) / safe))


# ── what each method costs ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class OperationCount:
    matmul: int       # multiply-adds in matrix products
    elementwise: int  # one per entry: bias additions, activations and their derivatives, sums, the loss

    @property
    def total(self) -> int:
        return self.matmul + self.elementwise


def count_operations(steps: list[Step]) -> OperationCount:
    """Add up the multiply-adds of the recorded steps (shapes only; nothing is timed)."""
    matmul = sum(s.multiply_adds for s in steps if s.kind == "matmul")
    elementwise = sum(s.multiply_adds for s in steps if s.kind != "matmul")
    return OperationCount(matmul=matmul, elementwise=elementwise)


def sweep_sizes(settings: BackpropSettings, width: int) -> tuple[int, ...]:
    return (settings.cost_inputs, *[width] * settings.cost_depth, settings.cost_outputs)


@dataclass(frozen=True)
class CostRow:
    width: int
    weights: int
    forward_ops: OperationCount
    backward_ops: OperationCount
    fd_forward_passes: int  # forward passes one finite-difference gradient needs (counted, not computed)
    forward_s: float | None = None   # median wall time of one forward pass
    backward_s: float | None = None  # … of one backward pass (after its forward pass)
    fd_s: float | None = None        # … of one complete finite-difference gradient

    @property
    def backward_over_forward(self) -> float:
        return self.backward_ops.total / self.forward_ops.total

    @property
    def fd_ops(self) -> int:
        return self.fd_forward_passes * self.forward_ops.total

    @property
    def fd_over_backprop(self) -> float:
        """Finite differences' operations over backpropagation's (one forward plus one backward pass)."""
        return self.fd_ops / (self.forward_ops.total + self.backward_ops.total)


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_costs(settings: BackpropSettings = BACKPROP_DEMO, timed: bool = True) -> list[CostRow]:
    """Per width of the sweep: operations counted from the recorded shapes and, if ``timed``, wall times."""
    rows = []
    for width in settings.cost_widths:
        layers = make_network(sweep_sizes(settings, width), settings.hidden, settings.output, settings.seed)
        X, Y = make_batch(layers, settings.cost_batch, settings.seed)
        passed = forward(layers, X, Y, record=True)
        back = backward(layers, passed, Y, record=True)
        row = CostRow(
            width=width,
            weights=count_weights(layers),
            forward_ops=count_operations(passed.steps),
            backward_ops=count_operations(back.steps),
            fd_forward_passes=2 * count_weights(layers),
        )
        if timed:
            passed = forward(layers, X, Y)
            row = replace(
                row,
                forward_s=_median_seconds(lambda: forward(layers, X, Y), settings.timing_repeats),
                backward_s=_median_seconds(lambda: backward(layers, passed, Y), settings.timing_repeats),
                fd_s=_median_seconds(lambda: finite_difference_gradients(layers, X, Y, settings.fd_step),
                                     settings.fd_timing_repeats),
            )
        rows.append(row)
    return rows


def loglog_slope(x: list[float], y: list[float]) -> float:
    """Slope of the least-squares line through (log x, log y): 1 means y ∝ x, 2 means y ∝ x²."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


# ── explorable: the cost of each method, over depth and width ────────────────────────────────────


def counted_costs(settings: BackpropSettings, depth: int, width: int) -> dict:
    """Weights and counted multiply-adds of one network of the sweep's kind, with ``depth`` hidden layers."""
    layers = make_network((settings.cost_inputs, *[width] * depth, settings.cost_outputs),
                          settings.hidden, settings.output, settings.seed)
    X, Y = make_batch(layers, settings.cost_batch, settings.seed)
    passed = forward(layers, X, Y, record=True)
    back = backward(layers, passed, Y, record=True)
    forward_ops, backward_ops = count_operations(passed.steps).total, count_operations(back.steps).total
    weights = count_weights(layers)
    return {
        "weights": weights,
        "forward": forward_ops,
        "backward": backward_ops,
        "backprop": forward_ops + backward_ops,
        "finite_differences": 2 * weights * forward_ops,  # two forward passes per weight
    }


COST_METHODS = (("forward", "forward pass"), ("backward", "backward pass"),
                ("backprop", "backpropagation: both passes"), ("finite_differences", "finite differences"))


def cost_grid(settings: BackpropSettings = BACKPROP_DEMO):
    """Counted costs for every depth of ``cost_depths`` and width of ``cost_widths``: an explorable grid."""
    from nutshell import explorables

    controls = (
        explorables.slider("depth", "Hidden layers", settings.cost_depths, default=settings.cost_depth),
        explorables.slider("units", "Units per hidden layer", settings.cost_widths,
                           default=settings.explore_width),
    )

    def measure(depth: int, units: int) -> dict:
        costs = counted_costs(settings, depth, units)
        bars = [{"method": label, "ops": costs[key]} for key, label in COST_METHODS]
        return {**costs, "tables": {"costs": bars}}

    return explorables.evaluate(controls, measure)


def describe_costs(row: dict, settings: BackpropSettings = BACKPROP_DEMO) -> str:
    layers = "hidden layer" if row["depth"] == 1 else "hidden layers"
    return (f"{row['depth']} {layers} of {row['units']} units ({row['weights']:,} weights), batch of"
            f" {settings.cost_batch}: forward pass {row['forward']:,} multiply-adds, backward pass"
            f" {row['backward']:,} ({row['backward'] / row['forward']:.2f} × forward); finite differences"
            f" {row['finite_differences']:,}"
            f" ({row['finite_differences'] / row['backprop']:,.0f} × backpropagation)")
