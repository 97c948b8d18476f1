"""The claims of demos/relu.py, checked with the page's own code and settings (RELU_DEMO).

Measured values (CPU, one thread, torch 2.13) are quoted next to each bound. The training runs are the
page's: same depths, steps, learning rates and seeds.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nutshell.nets.deep import make_net  # noqa: E402
from nutshell.nets.relu import (  # noqa: E402
    INIT_FOR,
    RELU_DEMO as S,
    activation_derivatives,
    dead_unit_sweep,
    mean_dead_per_layer,
    slopes_in_network,
    split_task,
    training_speed,
)


@pytest.fixture(scope="module", autouse=True)
def one_deterministic_thread():
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ── slopes ────────────────────────────────────────────────────────────────────────────


def test_sigmoid_slope_peaks_at_a_quarter_and_relu_slope_is_zero_or_one():
    z = np.linspace(-6, 6, 1201)
    slopes = activation_derivatives(z)
    assert slopes["sigmoid"].max() == pytest.approx(0.25, abs=1e-12)
    assert z[slopes["sigmoid"].argmax()] == pytest.approx(0.0, abs=1e-12)
    assert np.all(slopes["relu"][z > 0] == 1.0) and np.all(slopes["relu"][z <= 0] == 0.0)


def test_slopes_inside_fresh_networks():
    X = split_task(S)[0]
    deepest = max(S.depths)
    sigmoid = slopes_in_network(make_net(deepest, S.width, "sigmoid", INIT_FOR["sigmoid"],
                                         in_features=S.in_features, seed=S.seed), X)
    relu = slopes_in_network(make_net(deepest, S.width, "relu", INIT_FOR["relu"],
                                      in_features=S.in_features, seed=S.seed), X)
    assert all(0.2 < s.mean() <= 0.25 for s in sigmoid)  # measured: 0.23 to 0.24 per layer
    assert all(np.isin(s, (0.0, 1.0)).all() for s in relu)
    assert all(0.35 < s.mean() < 0.65 for s in relu)  # measured: 0.39 to 0.54 per layer (48% overall)


# ── training speed ────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def speed():
    return {(r.depth, r.activation, r.lr): r for r in training_speed(S)}


def steps(speed, activation, lr):
    return [speed[(d, activation, lr)].steps_to_threshold for d in S.depths]


def final(speed, depth, activation, lr):
    return float(np.mean(speed[(depth, activation, lr)].losses[-50:]))


def test_relu_reaches_the_threshold_quickly_at_every_depth(speed):
    relu = steps(speed, "relu", S.lr)
    assert all(s is not None and s <= 100 for s in relu)  # measured: 25, 33, 39, 44, 45, 63
    assert max(relu) / min(relu) < 4  # measured: 2.5


def test_sigmoid_slows_with_every_layer_then_stops_learning(speed):
    sigmoid = steps(speed, "sigmoid", S.lr)
    reached = [s for s in sigmoid if s is not None]
    assert sigmoid[: len(reached)] == reached  # reached at the shallow depths, then never
    assert all(b > 2 * a for a, b in zip(reached, reached[1:]))  # measured: 49, 153, 429, 1269
    assert len(reached) < len(S.depths)  # measured: not reached at 6 and 8 hidden layers
    for depth in S.depths[len(reached):]:
        assert final(speed, depth, "sigmoid", S.lr) > 0.95  # measured: 1.032, 1.033 (mean: 1)


def test_relu_is_faster_than_sigmoid_at_every_depth(speed):
    for sigmoid, relu in zip(steps(speed, "sigmoid", S.lr), steps(speed, "relu", S.lr)):
        assert sigmoid is None or relu < sigmoid  # measured: 25 v 49 at one layer, the gap widening


def test_one_hidden_layer_ends_at_about_the_same_loss(speed):
    depth = min(S.depths)
    gap = abs(final(speed, depth, "sigmoid", S.lr) - final(speed, depth, "relu", S.lr))
    assert gap < 0.02  # measured: 0.076 v 0.075


def test_deeper_relu_networks_end_lower(speed):
    losses = [final(speed, d, "relu", S.lr) for d in S.depths]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # measured: 0.075, 0.019, 0.008, …, 0.005


def test_a_larger_sigmoid_learning_rate_is_not_reliably_better(speed):
    plain, boosted = steps(speed, "sigmoid", S.lr), steps(speed, "sigmoid", S.boosted_sigmoid_lr)
    slower = [p is not None and (b is None or b > p) for p, b in zip(plain, boosted)]
    assert sum(slower) >= 2  # measured: slower at 1 layer (185 v 49), never at 4 (v 1269)
    assert boosted[-1] is None and boosted[-2] is None  # the deepest two: never, like the plain rate
    assert any(p is not None and b is not None and b < p for p, b in zip(plain, boosted))  # 2, 3 layers


# ── dead units ────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def dead():
    largest = max(S.dead_lrs)
    sweep = dead_unit_sweep(S, lrs=(S.sensible_lr, S.too_large_lr, largest))
    return {lr: [r for r in sweep if r.lr == lr] for lr in (S.sensible_lr, S.too_large_lr, largest)}


def overall(runs):
    return float(np.mean([r.dead_overall for r in runs if not r.diverged]))


def test_almost_no_unit_is_dead_before_training(dead):
    assert max(max(r.dead_at_init) for runs in dead.values() for r in runs) <= 0.05  # measured: 0.031


def test_a_sensible_rate_leaves_almost_no_dead_units(dead):
    runs = dead[S.sensible_lr]
    assert not any(r.diverged for r in runs)
    assert overall(runs) < 0.02  # measured: 0.001


def test_a_too_large_rate_leaves_many_more_dead_units(dead):
    runs = dead[S.too_large_lr]
    assert not any(r.diverged for r in runs)  # measured: 0 of 8 diverged
    assert overall(runs) > 0.1  # measured: 0.211
    assert overall(runs) > 10 * overall(dead[S.sensible_lr])  # measured: 0.211 v 0.001


def test_units_die_in_the_deeper_layers_not_the_first(dead):
    sensible, too_large = mean_dead_per_layer(dead[S.sensible_lr]), mean_dead_per_layer(dead[S.too_large_lr])
    assert too_large[0] < 0.02 and sensible[0] < 0.02  # measured: 0.004 and 0.0
    assert all(v > 0.2 for v in too_large[1:])  # measured: 0.285, 0.344


def test_the_dead_units_do_not_cost_training_loss_here(dead):
    def loss(runs):
        return np.mean([r.final_loss for r in runs])
    assert loss(dead[S.too_large_lr]) <= loss(dead[S.sensible_lr])  # measured: 0.068 v 0.081


def test_a_little_further_some_runs_diverge(dead):
    runs = dead[max(S.dead_lrs)]
    assert any(r.diverged for r in runs)  # measured: 3 of 8 at lr 0.15
    assert not all(r.diverged for r in runs)
