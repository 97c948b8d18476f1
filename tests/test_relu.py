"""nutshell.nets.relu: slopes, steps to a threshold, dead-unit counting and the sweeps, on small settings."""

from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nutshell.nets.deep import linear_layers, make_net, make_task  # noqa: E402
from nutshell.nets.relu import (  # noqa: E402
    RELU_DEMO,
    ReluSettings,
    activation_derivatives,
    dead_fractions,
    dead_unit_sweep,
    mean_dead_per_layer,
    slopes_in_network,
    split_task,
    steps_to_reach,
    train_and_count_dead,
    training_speed,
)

TINY = replace(RELU_DEMO, n_train=64, n_heldout=32, width=4, depths=(1, 2), steps=5, dead_steps=5,
               dead_lrs=(0.01, 0.02), sensible_lr=0.01, too_large_lr=0.02, dead_seeds=(0, 1))


def test_derivatives_at_known_points():
    slopes = activation_derivatives(np.array([-2.0, 0.0, 3.0]))
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))
    expected = [sigmoid(v) * (1 - sigmoid(v)) for v in (-2.0, 0.0, 3.0)]
    np.testing.assert_allclose(slopes["sigmoid"], expected)
    assert slopes["sigmoid"][1] == 0.25
    np.testing.assert_allclose(slopes["tanh"][1], 1.0)
    np.testing.assert_array_equal(slopes["relu"], [0.0, 0.0, 1.0])
    with torch.no_grad():  # works inside no_grad too, as slopes_in_network needs
        assert activation_derivatives(np.array([0.0]))["sigmoid"][0] == 0.25


def test_slopes_in_network_have_one_array_per_hidden_layer():
    X = torch.randn(10, 8, generator=torch.Generator().manual_seed(0))
    relu = slopes_in_network(make_net(3, 6, "relu", "he", seed=0), X)
    assert [s.shape for s in relu] == [(10, 6)] * 3
    assert all(np.isin(s, (0.0, 1.0)).all() for s in relu)
    net = make_net(1, 6, "sigmoid", "xavier", seed=0)
    (sigmoid,) = slopes_in_network(net, X)
    with torch.no_grad():
        a = net[1](net[0](X)).double().numpy()
    np.testing.assert_allclose(sigmoid, a * (1 - a), rtol=1e-6)


def test_steps_to_reach():
    assert steps_to_reach([1.0, 0.5, 0.1, 0.05], 0.2) == 2
    assert steps_to_reach([0.1, 1.0], 0.2) == 0
    assert steps_to_reach([1.0, 0.9], 0.2) is None
    assert steps_to_reach([1.0, float("nan")], 0.2) is None


def test_split_task_is_one_draw_in_two_halves():
    X, y, X_held, y_held = split_task(TINY)
    assert X.shape == (64, 8) and X_held.shape == (32, 8) and y_held.shape == (32, 1)
    X_all, y_all = make_task(n=96, in_features=8, seed=TINY.task_seed)
    assert torch.equal(torch.cat([X, X_held]), X_all) and torch.equal(torch.cat([y, y_held]), y_all)


def test_a_unit_with_a_hugely_negative_bias_is_dead():
    net = make_net(2, 4, "relu", "he", seed=0)
    X = torch.randn(50, 8, generator=torch.Generator().manual_seed(1))
    assert dead_fractions(net, X) == [0.0, 0.0]
    with torch.no_grad():
        linear_layers(net)[1].bias[0] = -1e6
    assert dead_fractions(net, X) == [0.0, 0.25]


def test_settings_insist_the_two_rates_are_in_the_sweep():
    with pytest.raises(ValueError, match="among dead_lrs"):
        ReluSettings(dead_lrs=(0.01,), sensible_lr=0.01, too_large_lr=0.5)
    assert RELU_DEMO.boosted_sigmoid_lr == pytest.approx(RELU_DEMO.lr * RELU_DEMO.sigmoid_lr_boost)


def test_training_speed_runs_three_networks_per_depth():
    runs = training_speed(TINY)
    assert [(r.depth, r.activation, r.lr) for r in runs] == [
        (d, a, lr) for d in (1, 2) for a, lr in (("sigmoid", TINY.lr), ("sigmoid", TINY.boosted_sigmoid_lr),
                                                  ("relu", TINY.lr))]
    assert all(len(r.losses) == TINY.steps + 1 for r in runs)
    assert runs[0].label == f"sigmoid, lr {TINY.lr:g}"


def test_dead_unit_sweep_and_divergence():
    sweep = dead_unit_sweep(TINY)
    assert [(r.lr, r.seed) for r in sweep] == [(0.01, 0), (0.01, 1), (0.02, 0), (0.02, 1)]
    assert all(len(r.dead) == TINY.dead_depth and len(r.dead_at_init) == TINY.dead_depth for r in sweep)
    blown = train_and_count_dead(1e3, 0, replace(TINY, dead_steps=20))
    assert blown.diverged and blown.dead is None and blown.dead_overall is None
    assert len(mean_dead_per_layer([blown, sweep[0]])) == TINY.dead_depth  # the diverged run is left out
    with pytest.raises(ValueError, match="every run diverged"):
        mean_dead_per_layer([blown])
