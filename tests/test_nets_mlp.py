"""nutshell.nets.mlp: the hand-written backward pass and the training loop."""

from dataclasses import replace

import numpy as np
import pytest

from nutshell.nets.mlp import (
    XOR_DEMO,
    TwoLayerNet,
    failing_seeds,
    loss_and_gradients,
    sigmoid,
    success_rate,
    train_mlp,
)
from nutshell.nets.perceptron import logic_gate


def test_sigmoid_basics():
    assert sigmoid(np.array(0.0)) == 0.5
    assert np.allclose(sigmoid(np.array([-50.0, 50.0])), [0.0, 1.0])


def test_backpropagated_gradients_match_finite_differences():
    X, y = logic_gate("xor")
    net = TwoLayerNet.init(n_inputs=2, n_hidden=3, seed=4)
    net.b1 = np.array([0.1, -0.2, 0.3])
    net.b2 = np.array(0.05)
    _, grads = loss_and_gradients(net, X, y)
    step = 1e-6
    for name in ("W1", "b1", "W2", "b2"):
        values = getattr(net, name)
        numeric = np.zeros_like(values, dtype=float)
        for index in np.ndindex(values.shape):
            original = values[index]
            values[index] = original + step
            plus, _ = loss_and_gradients(net, X, y)
            values[index] = original - step
            minus, _ = loss_and_gradients(net, X, y)
            values[index] = original
            numeric[index] = (plus - minus) / (2 * step)
        assert np.allclose(grads[name], numeric, atol=1e-7), name


def test_training_solves_xor_for_seed_0():
    X, y = logic_gate("xor")
    run = train_mlp(X, y, n_hidden=2, seed=0)
    assert run.accuracy == 1.0
    assert run.net.predict(X).tolist() == [0, 1, 1, 0]
    assert run.losses[-1] < 0.01 < run.losses[0]
    assert len(run.losses) == 2000


def test_training_is_deterministic_for_a_seed():
    X, y = logic_gate("xor")
    assert train_mlp(X, y, seed=7, epochs=200).losses == train_mlp(X, y, seed=7, epochs=200).losses


def test_hidden_lines_are_one_per_hidden_unit():
    net = TwoLayerNet.init(n_hidden=3, seed=1)
    lines = net.hidden_lines()
    assert len(lines) == 3
    weights, bias = lines[1]
    assert np.array_equal(weights, net.W1[:, 1]) and bias == net.b1[1]


def test_success_rate_counts_solved_seeds():
    X, y = logic_gate("and")  # separable: every seed solves it
    assert success_rate(X, y, range(3), epochs=300) == 1.0


def test_failing_seeds_are_the_ones_success_rate_does_not_count():
    X, y = logic_gate("xor")
    seeds = range(8)
    failing = failing_seeds(X, y, seeds, epochs=300)
    assert failing == sorted(failing) and set(failing) <= set(seeds)
    assert success_rate(X, y, seeds, epochs=300) == 1 - len(failing) / len(seeds)
    assert failing_seeds(*logic_gate("and"), range(3), epochs=300) == []


def test_xor_settings_revisit_the_failures_of_the_network_they_draw():
    with pytest.raises(ValueError, match="n_hidden must be among hidden_unit_counts"):
        replace(XOR_DEMO.hidden_layer, n_hidden=5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: TwoLayerNet.init(n_hidden=0), "n_hidden"),
        (lambda: train_mlp(np.zeros((4, 2)), np.zeros(5)), "shape"),
        (lambda: train_mlp(*logic_gate("xor"), lr=0), "lr"),
        (lambda: success_rate(*logic_gate("xor"), []), "at least one seed"),
    ],
)
def test_bad_arguments_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
