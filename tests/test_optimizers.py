"""The numpy optimisers in nutshell.nets.optimizers, step for step against torch.optim, and their helpers.

The comparisons run in float64 with the gradient computed by the same numpy function on both sides,
so any difference beyond rounding is a difference in the update rule.
"""

import numpy as np
import pytest

from nutshell.nets.landscapes import (
    LANDSCAPE_DEMO,
    DigitsMLP,
    PlateauCliff,
    Saddle,
    Valley,
    load_digits_task,
    lookahead_path,
    pytorch_nesterov_path,
)
from nutshell.nets.optimizers import (
    GradientDescent,
    Momentum,
    Nesterov,
    RMSprop,
    descend,
    path_length,
    rising_momentum,
    rmsprop_update,
    sign_changes,
    steps_within,
)

torch = pytest.importorskip("torch")

TOLERANCE = dict(rtol=1e-12, atol=1e-12)
# Stable, non-trivial settings on each surface: (surface, start, learning rate).
VALLEY = Valley(along=0.01, across=1.0)
PLATEAU = PlateauCliff(height=1.0, steepness=5.0, wall_at=1.0, wall=1.0, across=0.05)
CASES = [
    (VALLEY, (-10.0, 1.5), 0.9),
    (Saddle(), (-2.0, 1e-3), 0.1),
    (PLATEAU, (-2.0, 1.0), 1.0),
]
IDS = ["valley", "saddle", "plateau"]


def torch_path(surface_grad, start, make_optimizer, steps):
    """Parameters after every step of a torch optimiser that is fed ``surface_grad``."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(np.asarray(surface_grad(p.detach().numpy()), dtype=np.float64))
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def our_path(optimizer, surface_grad, start, steps):
    theta = np.array(start, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = optimizer.step(theta, surface_grad)
        path.append(theta)
    return np.array(path)


@pytest.fixture(scope="module")
def digits_batch():
    """The digits network's gradient on one fixed minibatch, and a starting point: a 2,410-parameter case."""
    X, labels = load_digits_task()
    net = DigitsMLP(X, labels, hidden=32)
    rows = np.random.default_rng(0).choice(len(X), 64, replace=False)
    return (lambda theta: net.grad(theta, rows)), net.init(seed=0)


# ── torch.optim, step for step ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("surface", "start", "lr"), CASES, ids=IDS)
def test_plain_gradient_descent_matches_torch_sgd(surface, start, lr):
    ours = our_path(GradientDescent(lr), surface.grad, start, 100)
    theirs = torch_path(surface.grad, start, lambda p: torch.optim.SGD(p, lr=lr), 100)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)


@pytest.mark.parametrize(("surface", "start", "lr"), CASES, ids=IDS)
@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_momentum_matches_torch_sgd_with_momentum(surface, start, lr, mu):
    ours = our_path(Momentum(lr, mu), surface.grad, start, 100)
    theirs = torch_path(surface.grad, start, lambda p: torch.optim.SGD(p, lr=lr, momentum=mu), 100)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # it did move


@pytest.mark.parametrize(("surface", "start", "lr"), CASES, ids=IDS)
@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_nesterov_lookahead_point_is_what_torch_stores(surface, start, lr, mu):
    """PyTorch's p is our θ + μv: the look-ahead form in other coordinates."""
    lr = min(lr, 0.9 * 2 * (1 + mu) / (1 + 2 * mu))  # inside Nesterov's stable range on every surface
    ours = lookahead_path(surface, start, lr, mu, 100)
    make = lambda p: torch.optim.SGD(p, lr=lr, momentum=mu, nesterov=True)  # noqa: E731
    theirs = torch_path(surface.grad, start, make, 100)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)


@pytest.mark.parametrize(("surface", "start", "lr"), CASES, ids=IDS)
def test_torch_does_not_store_our_theta(surface, start, lr):
    """The change of variables is real: PyTorch's parameters are not the look-ahead form's θ."""
    ours = our_path(Nesterov(lr, 0.9), surface.grad, start, 20)
    theirs = pytorch_nesterov_path(surface, start, lr, 0.9, 20)
    assert np.abs(ours[1:] - theirs[1:]).max() > 1e-3


def test_the_change_of_variables_written_out():
    """φ = θ + μv turns v ← μv − η g(θ + μv), θ ← θ + v into PyTorch's b ← μb + g(φ), φ ← φ − η(g(φ) + μb)."""
    surface, lr, mu = Saddle(), 0.1, 0.9
    theta, velocity = np.array([-2.0, 1e-3]), np.zeros(2)
    phi, buffer = theta.copy(), np.zeros(2)
    for _ in range(60):
        velocity = mu * velocity - lr * surface.grad(theta + mu * velocity)
        theta = theta + velocity
        g = surface.grad(phi)
        buffer = mu * buffer + g
        phi = phi - lr * (g + mu * buffer)
        np.testing.assert_allclose(phi, theta + mu * velocity, **TOLERANCE)
        np.testing.assert_allclose(buffer, -velocity / lr, **TOLERANCE)


@pytest.mark.parametrize(("surface", "start", "lr"), CASES, ids=IDS)
@pytest.mark.parametrize(("decay", "eps"), [(0.9, 1e-8), (0.99, 1e-6)])
def test_rmsprop_matches_torch_rmsprop(surface, start, lr, decay, eps):
    lr = lr / 20  # RMSprop's steps are about lr long whatever the gradient
    ours = our_path(RMSprop(lr, decay, eps), surface.grad, start, 100)
    theirs = torch_path(
        surface.grad, start,
        lambda p: torch.optim.RMSprop(p, lr=lr, alpha=decay, eps=eps, momentum=0, centered=False), 100,
    )
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def test_all_three_match_torch_on_the_digits_network(digits_batch):
    grad, start = digits_batch
    pairs = [
        (Momentum(0.5, 0.9), lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9)),
        (RMSprop(0.001, 0.9, 1e-8), lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, eps=1e-8)),
    ]
    for ours, make in pairs:
        theirs = torch_path(grad, start, make, 30)
        np.testing.assert_allclose(our_path(ours, grad, start, 30), theirs, **TOLERANCE)
    optimizer, theta, looked = Nesterov(0.5, 0.9), start.copy(), [start]
    for _ in range(30):
        theta = optimizer.step(theta, grad)
        looked.append(optimizer.lookahead(theta))
    theirs = torch_path(grad, start, lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9, nesterov=True), 30)
    np.testing.assert_allclose(np.array(looked), theirs, **TOLERANCE)


def test_the_page_uses_the_same_torch_check():
    """The page's PyTorch path helper agrees with the generic one here."""
    S = LANDSCAPE_DEMO
    args = (S.valley, S.valley_race.start, S.torch_check_lr, S.valley_race.mu, S.torch_check_steps)
    generic = torch_path(
        S.valley.grad, S.valley_race.start,
        lambda p: torch.optim.SGD(p, lr=S.torch_check_lr, momentum=S.valley_race.mu, nesterov=True),
        S.torch_check_steps,
    )
    np.testing.assert_array_equal(pytorch_nesterov_path(*args), generic)


# ── the update rules themselves ──────────────────────────────────────────────────────────────────────────


def test_one_step_of_each_by_hand():
    grad = lambda theta: np.array([2.0, -4.0])  # noqa: E731 - a constant slope
    theta = np.array([1.0, 1.0])
    np.testing.assert_allclose(GradientDescent(0.1).step(theta, grad), [0.8, 1.4])
    momentum = Momentum(0.1, 0.5)
    second = momentum.step(momentum.step(theta, grad), grad)
    np.testing.assert_allclose(second, theta - 0.1 * np.array([2.0, -4.0]) * (1 + 1.5))  # v: −ηg, then −1.5ηg
    rms = RMSprop(0.1, decay=0.9, eps=0.0)
    # s = 0.1 g², so the first step is η g / (√0.1 |g|) = η / √0.1 per coordinate, whatever the slope
    np.testing.assert_allclose(rms.step(theta, grad), theta - 0.1 / np.sqrt(0.1) * np.array([1.0, -1.0]))


def test_nesterov_measures_the_gradient_ahead():
    seen = []

    def grad(theta):
        seen.append(theta.copy())
        return np.ones(1)

    optimizer = Nesterov(0.1, 0.9)
    first = optimizer.step(np.zeros(1), grad)  # v₁ = −0.1, θ₁ = −0.1
    optimizer.step(first, grad)
    np.testing.assert_allclose(seen, [[0.0], first + 0.9 * np.array([-0.1])])  # at θ₀, then at θ₁ + μ v₁


def test_rmsprop_update_is_gradient_over_root_mean_square():
    np.testing.assert_allclose(rmsprop_update(np.array([3.0]), np.array([4.0]), lr=0.5), [-0.75])
    np.testing.assert_allclose(rmsprop_update(np.array([3.0]), np.array([4.0]), lr=1.0, eps=1.0), [-1.0])


def test_rising_momentum_schedule():
    mu = rising_momentum(0.5, 0.99, 10)
    assert mu(0) == 0.5
    assert mu(5) == pytest.approx(0.745)
    assert mu(10) == mu(1000) == pytest.approx(0.99)
    with pytest.raises(ValueError):
        rising_momentum(0.5, 0.9, 0)


def test_momentum_follows_its_schedule():
    used = []
    optimizer = Momentum(0.1, lambda t: used.append(t) or 0.5)
    theta = np.zeros(1)
    for _ in range(3):
        theta = optimizer.step(theta, lambda th: np.ones(1))
    assert used == [0, 1, 2]


# ── the surfaces' gradients ──────────────────────────────────────────────────────────────────────────────


def numerical_gradient(f, theta, h=1e-6):
    theta = np.asarray(theta, dtype=float)
    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(len(theta))])


@pytest.mark.parametrize("surface", [VALLEY, Saddle(), PLATEAU], ids=IDS)
def test_surface_gradients_match_finite_differences(surface):
    for point in np.random.default_rng(0).uniform(-2, 2, size=(20, 2)):
        numerical = numerical_gradient(surface.loss, point)
        np.testing.assert_allclose(surface.grad(point), numerical, rtol=1e-6, atol=1e-8)


def test_surface_minima():
    for surface in (VALLEY, Saddle(), PLATEAU):
        np.testing.assert_allclose(surface.grad(surface.minimum), 0.0, atol=1e-12)
    saddle = Saddle()
    assert saddle.loss(saddle.saddle) > saddle.loss(saddle.minimum)
    assert np.allclose(saddle.grad(saddle.saddle), 0.0)


def test_digits_network_gradient_matches_finite_differences(digits_batch):
    X, labels = load_digits_task()
    net = DigitsMLP(X[:40], labels[:40], hidden=5)
    theta = net.init(seed=1) + 0.1
    np.testing.assert_allclose(net.grad(theta), numerical_gradient(net.loss, theta), rtol=1e-5, atol=1e-8)
    assert net.n_params == 64 * 5 + 5 + 5 * 10 + 10


# ── descend and the path measurements ────────────────────────────────────────────────────────────────────


def test_descend_records_every_step_and_stops_early():
    valley = VALLEY
    run = descend(GradientDescent(1.0), valley.loss, valley.grad, (-10.0, 1.5), 50)
    assert run.points.shape == (51, 2) and run.losses.shape == (51,) and not run.diverged
    assert run.points[1, 1] == 0.0  # η·h = 1 across: one step reaches the floor
    stopped = descend(GradientDescent(1.0), valley.loss, valley.grad, (-10.0, 1.5), 500, stop_below=0.1)
    assert stopped.losses[-1] <= 0.1 < stopped.losses[-2]
    assert stopped.steps_to(0.1) == stopped.steps


def test_descend_marks_divergence():
    valley = VALLEY
    run = descend(GradientDescent(2.5), valley.loss, valley.grad, (-10.0, 1.5), 10_000, blowup=1e6)
    assert run.diverged and run.steps < 10_000 and run.losses[-1] > 1e6


def test_trajectory_measurements():
    valley = VALLEY
    run = descend(GradientDescent(1.8), valley.loss, valley.grad, (-10.0, 1.5), 3)
    np.testing.assert_allclose(run.step_lengths(), np.linalg.norm(np.diff(run.points, axis=0), axis=1))
    assert run.steps_to(1e-9) is None
    assert run.steps_to(run.losses[0]) == 0


def test_sign_changes_path_length_and_steps_within():
    assert sign_changes(np.array([1.0, -1.0, 2.0, 3.0, -0.5])) == 3
    assert sign_changes(np.array([1.0, 0.0, 2.0])) == 0  # touching zero is not crossing
    assert path_length(np.array([0.0, 1.0, -1.0])) == 3.0
    assert path_length(np.array([[0.0, 0.0], [3.0, 4.0]])) == 5.0
    assert steps_within(np.array([[0.0, 0.1], [1.0, 1.0], [0.2, 0.0]]), (0.0, 0.0), 0.5) == 2
