"""Regularisation on a small real data set, in numpy: weight decay (L2), L1, and dropout.

The network is ``X → ReLU(X W1 + b1) → h W2 + b2 → softmax`` over the ten digit classes, trained by
full-batch gradient descent on the cross-entropy, with every gradient written out by hand. Each
regulariser is one small change to that loop:

- **L2** adds ``λ₂/2 · Σ w²`` to the loss, so every step also shrinks each weight by ``η λ₂ w``
  (weight decay);
- **L1** adds ``λ₁ · Σ |w|``, so every step moves each weight ``η λ₁`` towards zero (the sign of
  the weight picks the direction); the *proximal* variant does the data step first and then
  soft-thresholds, setting any weight within ``η λ₁`` of zero to exactly zero;
- **dropout** zeroes inputs and hidden units at random during training and divides the survivors
  by the keep probability (inverted dropout), so nothing is rescaled at test time.

Penalties apply to the weight matrices only, not to the biases. The settings of the demo page live
in :data:`REGULARISATION_DEMO`; the page and its claims test both import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

N_CLASSES = 10
N_PIXELS = 64
DTYPE = np.float32  # single precision: ample for these nets, and several times faster on a CPU


@dataclass(frozen=True)
class Regulariser:
    """One way of training: which penalties and dropout rates to use (all zero means none)."""

    name: str
    l2: float = 0.0  # λ₂ of the penalty λ₂/2 · Σ w²
    l1: float = 0.0  # λ₁ of the penalty λ₁ · Σ |w|
    l1_proximal: bool = False  # soft-threshold after each step instead of adding λ₁·sign(w) to the gradient
    drop_input: float = 0.0  # probability of zeroing each input pixel during training
    drop_hidden: float = 0.0  # probability of zeroing each hidden unit during training

    def __post_init__(self) -> None:
        if self.l2 < 0 or self.l1 < 0:
            raise ValueError("penalty strengths must be ≥ 0")
        if not (0.0 <= self.drop_input < 1.0 and 0.0 <= self.drop_hidden < 1.0):
            raise ValueError("dropout probabilities must be in [0, 1)")
        if self.l1_proximal and self.l1 == 0:
            raise ValueError("l1_proximal needs l1 > 0")


@dataclass(frozen=True)
class RegularisationSettings:
    """Every constant behind a number on the regularisation page."""

    train_per_class: int  # training images per digit
    val_per_class: int  # validation images per digit, for choosing penalty strengths; the rest are test images
    hidden: int  # hidden ReLU units
    lr: float  # gradient-descent step size η
    steps: int  # full-batch steps
    record_every: int  # steps between points of the learning curves
    seeds: tuple[int, ...]  # one training subset, initialisation and mask sequence per seed
    l2_strengths: tuple[float, ...]  # λ₂ values tried on the validation images
    l1_strengths: tuple[float, ...]  # λ₁ values tried on the validation images
    drop_input: float  # dropout probability for the input pixels
    drop_hidden: float  # dropout probability for the hidden units
    small_weight: float  # |w| below this counts as "(near) zero" in the weight census
    dropout_masks: int  # random masks averaged in the check of inverted dropout's scaling
    check_images: int  # test images used in that check
    ensemble_samples: int  # thinned networks averaged to compare with the full network
    removed_fractions: tuple[float, ...]  # fractions of hidden units switched off at random at test time
    removal_draws: int  # random sets of units per fraction
    # The explorable, on the first seed's split: every strength of both sweeps above (whose nets they are)
    # and dropout of the hidden units alone at these rates; weights histogrammed by log₁₀ |w| in these bins.
    explore_dropout: tuple[float, ...] = (0.25, 0.5, 0.75)
    histogram_range: tuple[float, float] = (-7.0, 0.5)
    histogram_bins: int = 30

    @property
    def sweep_seed(self) -> int:
        """The strengths are chosen on the first seed's validation images."""
        return self.seeds[0]

    @property
    def dropout(self) -> Regulariser:
        return Regulariser("dropout", drop_input=self.drop_input, drop_hidden=self.drop_hidden)

    def compared(self, l2: float, l1: float) -> tuple[Regulariser, ...]:
        """The four ways of training the page compares, with the chosen penalty strengths."""
        return (Regulariser("none"), Regulariser("L2", l2=l2), Regulariser("L1", l1=l1), self.dropout)


REGULARISATION_DEMO = RegularisationSettings(
    train_per_class=10,
    val_per_class=30,
    hidden=256,
    lr=0.3,
    steps=1500,
    record_every=50,
    seeds=(0, 1, 2, 3, 4),
    l2_strengths=(1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
    l1_strengths=(3e-5, 1e-4, 3e-4, 1e-3, 3e-3),
    drop_input=0.2,  # the recipe of Srivastava et al. (2014): keep 80 % of the inputs, half the hidden units
    drop_hidden=0.5,
    small_weight=1e-3,
    dropout_masks=2000,
    check_images=200,
    ensemble_samples=200,
    removed_fractions=(0.0, 0.1, 0.25, 0.5, 0.75),
    removal_draws=20,
)


# ── data ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DigitSplit:
    """scikit-learn's 8×8 handwritten digits: a small training set, a validation set, a test set.

    Pixels are standardised with the *training* images' mean and spread (pixels that are constant in
    the training images are only centred).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digit_split(train_per_class: int, val_per_class: int, seed: int) -> DigitSplit:
    """Random images of each digit for training and for validation; all the others for testing."""
    from sklearn.datasets import load_digits  # ships with scikit-learn: nothing is downloaded

    if train_per_class < 1 or val_per_class < 0:
        raise ValueError("need train_per_class ≥ 1 and val_per_class ≥ 0")
    X, y = load_digits(return_X_y=True)
    if train_per_class + val_per_class >= np.bincount(y).min():
        raise ValueError("the split must leave test images of every digit")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    by_digit = [order[y[order] == digit] for digit in range(N_CLASSES)]
    train = np.sort(np.concatenate([images[:train_per_class] for images in by_digit]))
    end = train_per_class + val_per_class
    val = np.sort(np.concatenate([images[train_per_class:end] for images in by_digit]))
    test = np.setdiff1d(np.arange(len(X)), np.concatenate([train, val]))
    mean = X[train].mean(axis=0)
    spread = X[train].std(axis=0)
    spread[spread == 0] = 1.0
    X = ((X - mean) / spread).astype(DTYPE)
    return DigitSplit(X[train], y[train], X[val], y[val], X[test], y[test])


# ── the network ──────────────────────────────────────────────────────────────────────


@dataclass
class DigitNet:
    """``X → ReLU(X W1 + b1) → h W2 + b2``: 64 pixels, one hidden layer, ten class scores."""

    W1: np.ndarray  # (64, hidden)
    b1: np.ndarray  # (hidden,)
    W2: np.ndarray  # (hidden, 10)
    b2: np.ndarray  # (10,)

    @classmethod
    def init(cls, hidden: int, seed: int, n_inputs: int = N_PIXELS) -> DigitNet:
        """He initialisation (weight variance 2 / fan-in), zero biases."""
        if hidden < 1 or n_inputs < 1:
            raise ValueError("hidden and n_inputs must be ≥ 1")
        rng = np.random.default_rng(seed)
        return cls(
            W1=rng.normal(0.0, np.sqrt(2.0 / n_inputs), size=(n_inputs, hidden)).astype(DTYPE),
            b1=np.zeros(hidden, dtype=DTYPE),
            W2=rng.normal(0.0, np.sqrt(2.0 / hidden), size=(hidden, N_CLASSES)).astype(DTYPE),
            b2=np.zeros(N_CLASSES, dtype=DTYPE),
        )

    def copy(self) -> DigitNet:
        return DigitNet(self.W1.copy(), self.b1.copy(), self.W2.copy(), self.b2.copy())

    def hidden(self, X: np.ndarray) -> np.ndarray:
        return np.maximum(X @ self.W1 + self.b1, 0.0)

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Class scores (logits) at test time: every unit present, nothing rescaled."""
        return self.hidden(X) @ self.W2 + self.b2

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.scores(X).argmax(axis=1)

    def error(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of images classified wrongly."""
        return float(np.mean(self.predict(X) != y))

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean cross-entropy (without any penalty)."""
        return cross_entropy(self.scores(X), y)

    @property
    def weights(self) -> np.ndarray:
        """All weights that the penalties act on (not the biases), flattened."""
        return np.concatenate([self.W1.ravel(), self.W2.ravel()])


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray | None:
    """Inverted dropout's multiplier: 0 with probability ``p``, else ``1 / (1 − p)``; None when ``p`` is 0.

    Multiplying by it keeps the expected value of every entry unchanged, which is why nothing needs
    rescaling when dropout is switched off at test time.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if p == 0.0:
        return None
    return (rng.random(shape, dtype=DTYPE) >= p) * DTYPE(1.0 / (1.0 - p))


def inverted_dropout(a: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """``a`` with each entry zeroed with probability ``p`` and the survivors divided by ``1 − p``."""
    mask = dropout_mask(a.shape, p, rng)
    return a if mask is None else a * mask


def gradients(
    net: DigitNet, X: np.ndarray, y: np.ndarray, reg: Regulariser, rng: np.random.Generator
) -> tuple[float, dict[str, np.ndarray]]:
    """One training forward pass (with dropout, if any) and its backward pass; data loss only."""
    n = len(X)
    input_mask = dropout_mask(X.shape, reg.drop_input, rng)
    X_in = X if input_mask is None else X * input_mask
    z = X_in @ net.W1 + net.b1
    h = np.maximum(z, 0.0)
    hidden_mask = dropout_mask(h.shape, reg.drop_hidden, rng)
    h_out = h if hidden_mask is None else h * hidden_mask
    scores = h_out @ net.W2 + net.b2
    loss = cross_entropy(scores, y)
    # backward: softmax + cross-entropy sends back (p − onehot) / n
    delta = softmax(scores)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    grad_W2 = h_out.T @ delta
    grad_b2 = delta.sum(axis=0)
    # δ W2ᵀ, then back through the same dropout mask (a dropped unit passes no gradient) and the ReLU
    back = delta @ net.W2.T
    if hidden_mask is not None:
        back *= hidden_mask
    back *= z > 0
    grad_W1 = X_in.T @ back
    grad_b1 = back.sum(axis=0)
    return loss, {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


def soft_threshold(w: np.ndarray, amount: float) -> np.ndarray:
    """Move every entry ``amount`` towards zero, and set those within ``amount`` of zero to exactly 0."""
    return np.sign(w) * np.maximum(np.abs(w) - amount, 0.0)


def step(net: DigitNet, grads: dict[str, np.ndarray], reg: Regulariser, lr: float) -> None:
    """One gradient-descent step on the data loss plus the penalty, in place."""
    for name in ("W1", "W2"):
        w = getattr(net, name)
        g = grads[name]
        if reg.l2:
            g = g + reg.l2 * w  # gradient of λ₂/2 · w²: weight decay
        if reg.l1 and not reg.l1_proximal:
            g = g + reg.l1 * np.sign(w)  # (sub)gradient of λ₁ · |w|
        w = w - lr * g
        if reg.l1_proximal:
            w = soft_threshold(w, lr * reg.l1)
        setattr(net, name, w)
    net.b1 = net.b1 - lr * grads["b1"]
    net.b2 = net.b2 - lr * grads["b2"]


@dataclass
class TrainingRun:
    """A trained net and its learning curves (recorded at ``curve_steps``, in test mode)."""

    net: DigitNet
    regulariser: Regulariser
    curve_steps: list[int] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)


def train(
    data: DigitSplit,
    reg: Regulariser,
    settings: RegularisationSettings = REGULARISATION_DEMO,
    seed: int = 0,
) -> TrainingRun:
    """Full-batch gradient descent; ``seed`` picks the initial weights and the dropout masks.

    With the same seed, every regulariser starts from the same weights, so runs differ only in
    the regulariser.
    """
    net = DigitNet.init(settings.hidden, seed, n_inputs=data.X_train.shape[1])
    rng = np.random.default_rng([seed, 1])  # the masks: a stream separate from the initial weights
    run = TrainingRun(net=net, regulariser=reg)
    for t in range(settings.steps + 1):
        if t % settings.record_every == 0 or t == settings.steps:
            run.curve_steps.append(t)
            for X, y, errors, losses in (
                (data.X_train, data.y_train, run.train_error, run.train_loss),
                (data.X_test, data.y_test, run.test_error, run.test_loss),
            ):
                scores = net.scores(X)
                errors.append(float(np.mean(scores.argmax(axis=1) != y)))
                losses.append(cross_entropy(scores, y))
        if t == settings.steps:
            break
        _, grads = gradients(net, data.X_train, data.y_train, reg, rng)
        step(net, grads, reg, settings.lr)
    return run


@dataclass(frozen=True)
class Outcome:
    """Final train and test error and cross-entropy of one trained net."""

    train_error: float
    test_error: float
    train_loss: float
    test_loss: float


def outcome(run: TrainingRun) -> Outcome:
    return Outcome(run.train_error[-1], run.test_error[-1], run.train_loss[-1], run.test_loss[-1])


def confidence_when_wrong(net: DigitNet, X: np.ndarray, y: np.ndarray) -> float:
    """Mean probability the net gives its predicted class, over the images it gets wrong."""
    probabilities = softmax(net.scores(X))
    wrong = probabilities.argmax(axis=1) != y
    if not wrong.any():
        raise ValueError("the net makes no mistakes on these images")
    return float(probabilities.max(axis=1)[wrong].mean())


def split_for(seed: int, settings: RegularisationSettings = REGULARISATION_DEMO) -> DigitSplit:
    return digit_split(settings.train_per_class, settings.val_per_class, seed)


def train_over_seeds(
    regularisers: tuple[Regulariser, ...], settings: RegularisationSettings = REGULARISATION_DEMO
) -> dict[str, list[TrainingRun]]:
    """Train every regulariser on every seed's split; runs per regulariser name, in seed order."""
    runs: dict[str, list[TrainingRun]] = {reg.name: [] for reg in regularisers}
    for seed in settings.seeds:
        data = split_for(seed, settings)
        for reg in regularisers:
            runs[reg.name].append(train(data, reg, settings, seed=seed))
    return runs


# ── what the regularisers do to the weights ──────────────────────────────────────────


@dataclass(frozen=True)
class WeightCensus:
    """How a net's weights are spread: near zero, exactly zero, and how big the big ones are."""

    fraction_small: float  # |w| < threshold
    fraction_zero: float  # w == 0 exactly
    median_abs: float
    top_percent_mean: float  # mean |w| of the largest 1 %
    largest_abs: float


def weight_census(weights: np.ndarray, threshold: float) -> WeightCensus:
    magnitude = np.sort(np.abs(np.ravel(weights)))
    if magnitude.size == 0:
        raise ValueError("no weights to count")
    top = magnitude[-max(1, magnitude.size // 100):]
    return WeightCensus(
        fraction_small=float(np.mean(magnitude < threshold)),
        fraction_zero=float(np.mean(magnitude == 0.0)),
        median_abs=float(np.median(magnitude)),
        top_percent_mean=float(top.mean()),
        largest_abs=float(magnitude[-1]),
    )


# ── how strong? ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SweepPoint:
    strength: float
    val_error: float
    census: WeightCensus


def strength_sweep(
    kind: str, settings: RegularisationSettings = REGULARISATION_DEMO
) -> list[SweepPoint]:
    """Train with each strength of one penalty (``"l2"`` or ``"l1"``) and score it on validation images."""
    strengths = {"l2": settings.l2_strengths, "l1": settings.l1_strengths}.get(kind)
    if strengths is None:
        raise ValueError(f"unknown penalty {kind!r} (known: l2, l1)")
    data = split_for(settings.sweep_seed, settings)
    points = []
    for strength in strengths:
        net = train(data, Regulariser(kind.upper(), **{kind: strength}), settings, settings.sweep_seed).net
        points.append(SweepPoint(strength, net.error(data.X_val, data.y_val),
                                 weight_census(net.weights, settings.small_weight)))
    return points


def best_strength(points: list[SweepPoint]) -> float:
    """The strength with the lowest validation error (the weaker one on a tie)."""
    if not points:
        raise ValueError("no sweep points")
    return min(points, key=lambda point: (point.val_error, point.strength)).strength


# ── dropout at test time ─────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ScalingCheck:
    """Mean hidden activity over many dropout masks, compared with the test-time activity."""

    test_mean: float  # mean hidden activity at test time (no dropout)
    inverted_mean: float  # mean over masks with inverted dropout (survivors divided by 1 − p)
    plain_mean: float  # mean over masks with dropout but without the division
    typical_relative_error: float  # mean over active units and images, inverted dropout vs test time


def dropout_scaling_check(
    net: DigitNet, X: np.ndarray, p: float, masks: int, seed: int = 0
) -> ScalingCheck:
    """Average the hidden layer's output over ``masks`` random dropout masks, with and without 1/(1−p)."""
    if masks < 1:
        raise ValueError("masks must be ≥ 1")
    rng = np.random.default_rng(seed)
    h = net.hidden(X).astype(np.float64)
    kept = np.zeros_like(h)
    for _ in range(masks):
        kept += rng.random(h.shape) >= p
    kept /= masks  # fraction of masks that kept each unit, for each image
    inverted = h * kept / (1.0 - p)
    plain = h * kept
    active = h > 0
    relative = np.abs(inverted[active] - h[active]) / h[active]
    return ScalingCheck(
        test_mean=float(h.mean()),
        inverted_mean=float(inverted.mean()),
        plain_mean=float(plain.mean()),
        typical_relative_error=float(relative.mean()) if relative.size else 0.0,
    )


def thinned_ensemble_probabilities(
    net: DigitNet, X: np.ndarray, reg: Regulariser, samples: int, seed: int = 0
) -> np.ndarray:
    """Class probabilities averaged over ``samples`` randomly thinned copies of the net (dropout on)."""
    if samples < 1:
        raise ValueError("samples must be ≥ 1")
    rng = np.random.default_rng(seed)
    total = np.zeros((len(X), net.W2.shape[1]))
    for _ in range(samples):
        h = inverted_dropout(net.hidden(inverted_dropout(X, reg.drop_input, rng)), reg.drop_hidden, rng)
        total += softmax(h @ net.W2 + net.b2)
    return total / samples


# ── co-adaptation: switch hidden units off after training ────────────────────────────


@dataclass(frozen=True)
class UnitAblation:
    """What switching off each hidden unit alone does on a test set (one entry per unit)."""

    accuracy_drop: np.ndarray  # accuracy of the full net minus accuracy without the unit
    changed: np.ndarray  # fraction of images whose predicted class changes


def unit_ablation(net: DigitNet, X: np.ndarray, y: np.ndarray) -> UnitAblation:
    """Remove each hidden unit in turn: its contribution ``h_j · W2[j]`` leaves every class score."""
    h = net.hidden(X)  # (n, H)
    scores = h @ net.W2 + net.b2  # (n, 10)
    prediction = scores.argmax(axis=1)
    accuracy = np.mean(prediction == y)
    drops = np.empty(h.shape[1])
    changed = np.empty(h.shape[1])
    for j in range(h.shape[1]):
        ablated = (scores - np.outer(h[:, j], net.W2[j])).argmax(axis=1)
        drops[j] = accuracy - np.mean(ablated == y)
        changed[j] = np.mean(ablated != prediction)
    return UnitAblation(drops, changed)


def accuracy_with_units_removed(
    net: DigitNet, X: np.ndarray, y: np.ndarray, fraction: float, draws: int, seed: int = 0
) -> float:
    """Mean test accuracy when a random ``fraction`` of the hidden units is switched off.

    The same units are off for every image, and the survivors are scaled by ``1 / (1 − fraction)`` so
    the output layer receives the same total on average (what inverted dropout does in training).
    """
    if not 0.0 <= fraction < 1.0 or draws < 1:
        raise ValueError("fraction must be in [0, 1) and draws ≥ 1")
    rng = np.random.default_rng(seed)
    h = net.hidden(X)
    accuracies = []
    for _ in range(draws):
        keep = (rng.random(h.shape[1]) >= fraction) / (1.0 - fraction)
        accuracies.append(np.mean(((h * keep.astype(DTYPE)) @ net.W2 + net.b2).argmax(axis=1) == y))
    return float(np.mean(accuracies))


# ── explorable: each regulariser at each strength ────────────────────────────────────


def grid_regulariser(
    regulariser: str, l2: float | None, l1: float | None, dropout: float | None
) -> Regulariser:
    """The regulariser a setting of the explorable names (strength 0: none at all).

    Named as :func:`strength_sweep` names its own, so that the sweeps' nets and the grid's are one."""
    strength = {"L2": l2, "L1": l1, "dropout": dropout}[regulariser]
    if not strength:
        return Regulariser("none")
    if regulariser == "dropout":
        return Regulariser("dropout", drop_hidden=strength)
    return Regulariser(regulariser, **{regulariser.lower(): strength})


def weight_histogram(
    weights: np.ndarray, settings: RegularisationSettings = REGULARISATION_DEMO
) -> list[dict]:
    """Counts of log₁₀ |w| per bin of the settings' range; exact zeros (and smaller) in a bin of their own."""
    magnitude = np.abs(np.ravel(weights)).astype(np.float64)
    low, high = settings.histogram_range
    edges = np.linspace(low, high, settings.histogram_bins + 1)
    nonzero = magnitude[magnitude > 0]
    counts, _ = np.histogram(np.clip(np.log10(nonzero), low, high), bins=edges)
    bins = [{"lo": float(a), "hi": float(b), "count": int(c)}
            for a, b, c in zip(edges[:-1], edges[1:], counts)]
    return [{"lo": low - 1.0, "hi": low - 0.5, "count": int(np.sum(magnitude == 0)), "zero": True},
            *({**b, "zero": False} for b in bins)]


def regularisation_grid(settings: RegularisationSettings = REGULARISATION_DEMO):
    """Train the explorable's settings on the first seed's split (each distinct net once): errors on the
    training, validation and test images, learning curves, the weight census and histogram."""
    from nutshell import explorables

    strengths = {"L2": settings.l2_strengths, "L1": settings.l1_strengths,
                 "dropout": settings.explore_dropout}
    controls = (
        explorables.choice("regulariser", "Regulariser", ("L2", "L1", "dropout"),
                           labels=("L2 (weight decay)", "L1", "dropout")),
        *(explorables.slider(name.lower(), label, (0.0, *strengths[name]),
                             labels=["none", *(f"{v:g}" for v in strengths[name])],
                             applies={"regulariser": (name,)})
          for name, label in (("L2", "L2 strength λ₂"), ("L1", "L1 strength λ₁"),
                              ("dropout", "Dropout rate of the hidden units"))),
    )
    data = split_for(settings.sweep_seed, settings)
    trained: dict[Regulariser, dict] = {}

    def measure(regulariser: str, l2, l1, dropout) -> dict:
        reg = grid_regulariser(regulariser, l2, l1, dropout)
        if reg not in trained:
            run = train(data, reg, settings, settings.sweep_seed)
            census = weight_census(run.net.weights, settings.small_weight)
            trained[reg] = {
                "train_error": run.train_error[-1], "test_error": run.test_error[-1],
                "val_error": run.net.error(data.X_val, data.y_val), "census": census.__dict__,
                "tables": {"histogram": weight_histogram(run.net.weights, settings),
                           "curves": [{"step": s, "images": images, "error": e}
                                      for images, errors in (("training", run.train_error),
                                                             ("test", run.test_error))
                                      for s, e in zip(run.curve_steps, errors)]},
            }
        return trained[reg]

    return explorables.evaluate(controls, measure)


def sweep_points(grid, kind: str) -> list[SweepPoint]:
    """The points :func:`strength_sweep` returns, read off the explorable's grid (same nets, same numbers)."""
    rows = [row for row in grid.rows if row["regulariser"] == kind.upper() and row[kind]]
    return [SweepPoint(row[kind], row["val_error"], WeightCensus(**row["census"])) for row in rows]


def describe_regularisation(row: dict, settings: RegularisationSettings = REGULARISATION_DEMO) -> str:
    reg = grid_regulariser(row["regulariser"], row["l2"], row["l1"], row["dropout"])
    what = {"none": "no regularisation", "L2": f"L2, λ₂ = {reg.l2:g}", "L1": f"L1, λ₁ = {reg.l1:g}",
            "dropout": f"dropout of the hidden units, p = {reg.drop_hidden:g}"}[reg.name]
    census = row["census"]
    return (f"{what}: training error {row['train_error']:.1%}, test error {row['test_error']:.1%}"
            f" (validation {row['val_error']:.1%}); {census['fraction_small']:.0%} of the weights are within"
            f" {settings.small_weight:g} of zero, {census['fraction_zero']:.0%} exactly zero,"
            f" the largest {census['largest_abs']:.2f}")

