"""nutshell.nets.perceptron: Rosenblatt's rule, the line search and the plotting helpers."""

import numpy as np
import pytest

from nutshell.nets.perceptron import (
    LOGIC_INPUTS,
    Perceptron,
    best_line_accuracy,
    decision_grid,
    line_points,
    logic_gate,
    train_perceptron,
)


def test_logic_gates_label_the_four_corners():
    X, y = logic_gate("XOR")
    assert X.shape == (4, 2) and np.array_equal(X, LOGIC_INPUTS)
    assert y.tolist() == [0, 1, 1, 0]
    assert logic_gate("and")[1].tolist() == [0, 0, 0, 1]


def test_unknown_gate_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown logic gate 'nor'.*and, or"):
        logic_gate("nor")


def test_perceptron_predicts_with_a_strict_threshold():
    unit = Perceptron(weights=np.array([1.0, 1.0]), bias=-1.5)  # AND
    assert unit.predict(LOGIC_INPUTS).tolist() == [0, 0, 0, 1]
    assert unit.accuracy(*logic_gate("and")) == 1.0


def test_training_records_one_entry_per_epoch_and_one_per_update():
    run = train_perceptron(*logic_gate("or"), epochs=7, seed=3)
    assert len(run.accuracy) == len(run.mistakes) == len(run.weights) == len(run.biases) == 7
    assert len(run.step_accuracy) == 7 * 4


def test_training_is_deterministic_for_a_seed():
    first = train_perceptron(*logic_gate("xor"), epochs=20, seed=5)
    second = train_perceptron(*logic_gate("xor"), epochs=20, seed=5)
    assert first.step_accuracy == second.step_accuracy
    assert np.array_equal(first.perceptron.weights, second.perceptron.weights)


def test_a_converged_perceptron_stops_changing():
    run = train_perceptron(*logic_gate("and"), epochs=30, seed=0)
    settled = run.converged_epoch
    assert settled is not None
    assert all(m == 0 for m in run.mistakes[settled - 1 :])
    assert all(np.array_equal(w, run.weights[-1]) for w in run.weights[settled - 1 :])


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 2)), np.zeros(3), "shape"),
        (np.zeros((4, 2)), np.array([0, 1, 2, 1]), "0 or 1"),
    ],
)
def test_bad_training_data_is_rejected(X, y, message):
    with pytest.raises(ValueError, match=message):
        train_perceptron(X, y)


def test_bad_hyperparameters_are_rejected():
    with pytest.raises(ValueError, match="epochs"):
        train_perceptron(*logic_gate("and"), epochs=0)


@pytest.mark.parametrize("gate, expected", [("and", 1.0), ("or", 1.0), ("nand", 1.0), ("xor", 0.75)])
def test_best_line_accuracy(gate, expected):
    X, y = logic_gate(gate)
    accuracy, (weights, bias) = best_line_accuracy(X, y)
    assert accuracy == expected
    assert Perceptron(weights, bias).accuracy(X, y) == expected


def test_best_line_keeps_its_distance_from_the_points():
    X, y = logic_gate("and")
    _, (weights, bias) = best_line_accuracy(X, y)
    distances = np.abs(X @ weights + bias)  # weights have unit length
    assert distances.min() > 0.2


def test_best_line_needs_two_dimensional_inputs():
    with pytest.raises(ValueError, match="2-D"):
        best_line_accuracy(np.zeros((4, 3)), np.zeros(4))


def test_decision_grid_shapes():
    xx, yy, points = decision_grid(0, 1, 5)
    assert xx.shape == yy.shape == (5, 5)
    assert points.shape == (25, 2)
    assert points.min() == 0 and points.max() == 1


@pytest.mark.parametrize("weights, bias", [((1.0, 2.0), -1.0), ((3.0, 0.5), 0.2), ((1.0, 0.0), -0.5)])
def test_line_points_lie_on_the_line(weights, bias):
    xs, ys = line_points(np.array(weights), bias)
    assert np.allclose(weights[0] * xs + weights[1] * ys + bias, 0.0)


def test_line_points_rejects_zero_weights():
    with pytest.raises(ValueError, match="do not define a line"):
        line_points(np.zeros(2), 1.0)
