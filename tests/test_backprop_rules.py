"""nutshell.nets.backprop_rules: the matrix rules, their record of shapes, the checks and the cost counts."""

from dataclasses import replace

import numpy as np
import pytest

from nutshell.nets.backprop_rules import (
    BACKPROP_DEMO,
    Layer,
    autograd_gradients,
    backward,
    count_operations,
    count_weights,
    finite_difference_gradients,
    forward,
    gradients,
    loglog_slope,
    make_batch,
    make_network,
    measure_costs,
    mse_loss,
    parameters,
    relative_error,
    shape_text,
    step_table,
)


def small(sizes=(3, 5, 4, 2), hidden="tanh", output="sigmoid", batch=7, seed=0):
    layers = make_network(sizes, hidden, output, seed=seed)
    return (layers, *make_batch(layers, batch, seed=seed))


def test_network_has_one_layer_per_pair_of_sizes():
    layers = make_network((3, 5, 4, 2), "tanh", "sigmoid", seed=0)
    assert [layer.W.shape for layer in layers] == [(3, 5), (5, 4), (4, 2)]
    assert [layer.b.shape for layer in layers] == [(5,), (4,), (2,)]
    assert [layer.activation for layer in layers] == ["tanh", "tanh", "sigmoid"]
    assert count_weights(layers) == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    assert list(parameters(layers)) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert np.all(layers[0].b != 0)  # random biases, so the gradient checks exercise them


def test_same_seed_same_network_and_batch():
    a, b = small(seed=4), small(seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(parameters(a[0]).values(), parameters(b[0]).values()))
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    assert not np.array_equal(small(seed=5)[0][0].W, a[0][0].W)


@pytest.mark.parametrize("kwargs, message", [
    ({"sizes": (3,)}, "at least"),
    ({"sizes": (3, 0, 1)}, "≥ 1"),
    ({"hidden": "relu"}, "unknown activation 'relu'"),
])
def test_bad_networks_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_network(**{"sizes": (2, 3, 1), **kwargs})


def test_forward_is_matrix_product_then_function():
    layers, X, Y = small()
    passed = forward(layers, X, Y)
    A = X
    for layer in layers:
        f = np.tanh if layer.activation == "tanh" else (lambda z: 1 / (1 + np.exp(-z)))
        A = f(A @ layer.W + layer.b)
    np.testing.assert_allclose(passed.output, A, rtol=1e-14)
    assert passed.loss == pytest.approx(0.5 * np.sum((A - Y) ** 2) / len(Y))
    assert passed.steps == []  # nothing recorded unless asked


def test_recorded_shapes_are_those_of_the_arrays():
    layers, X, Y = small(batch=128)
    passed = forward(layers, X, Y, record=True)
    assert step_table(passed.steps)[0] == ("X W1", "128×3 · 3×5", "128×5")
    assert step_table(passed.steps)[-1][2] == "scalar"
    back = backward(layers, passed, Y, record=True)
    deltas = [s for s in back.steps if s.formula.startswith("δ") and s.kind == "matmul"]
    # each error signal goes back through the transpose of the weights it came through
    assert [(s.operands, s.result) for s in deltas] == [
        (((128, 2), (2, 4)), (128, 4)),
        (((128, 4), (4, 5)), (128, 5)),
    ]
    weight_grads = [s for s in back.steps if s.formula.startswith("∂L/∂W")]
    assert [s.result for s in weight_grads] == [(4, 2), (5, 4), (3, 5)]


def test_backward_matches_the_closed_form_of_linear_regression():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    layer = Layer(W=rng.normal(size=(3, 2)), b=rng.normal(size=2), activation="identity")
    grads = gradients([layer], X, Y)
    residual = X @ layer.W + layer.b - Y
    np.testing.assert_allclose(grads["W1"], X.T @ residual / len(X), rtol=1e-12)
    np.testing.assert_allclose(grads["b1"], residual.sum(axis=0) / len(X), rtol=1e-12)
    assert mse_loss(X @ layer.W + layer.b, Y) == pytest.approx(0.5 * np.sum(residual**2) / 20)


@pytest.mark.parametrize("hidden, output",
                         [("tanh", "sigmoid"), ("sigmoid", "identity"), ("identity", "tanh")])
def test_backward_agrees_with_autograd(hidden, output):
    pytest.importorskip("torch")
    layers, X, Y = small((4, 6, 3, 5, 2), hidden, output, batch=9, seed=2)
    ours, theirs = gradients(layers, X, Y), autograd_gradients(layers, X, Y)
    assert list(ours) == list(theirs)
    for name in ours:
        assert relative_error(ours[name], theirs[name]) < 1e-10, name


def test_finite_differences_take_two_passes_per_weight_and_restore_the_weights():
    layers, X, Y = small()
    before = {name: value.copy() for name, value in parameters(layers).items()}
    fd = finite_difference_gradients(layers, X, Y, step=1e-5)
    assert fd.forward_passes == 2 * count_weights(layers)
    assert all(np.array_equal(before[name], value) for name, value in parameters(layers).items())
    ours = gradients(layers, X, Y)
    assert max(relative_error(ours[n], fd.gradients[n]) for n in ours) < 1e-6


def test_a_wrong_backward_pass_is_caught():
    """The checks can fail: drop the derivative of one layer's function and the gradients disagree."""
    layers, X, Y = small()
    passed = forward(layers, X, Y)
    good = backward(layers, passed, Y).gradients
    broken = [replace(layers[0], activation="identity"), *layers[1:]]  # f′ = 1 in layer 1 only
    bad = backward(broken, passed, Y).gradients
    assert relative_error(bad["W1"], good["W1"]) > 0.01
    assert relative_error(bad["W3"], good["W3"]) == 0.0


def test_relative_error():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.1, 0.0])) == pytest.approx(0.1 / 1.1)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1e-20]), np.array([-1e-20])) == pytest.approx(2.0)


def test_operation_counts_follow_the_shapes():
    sizes, batch = (3, 7, 5, 2), 11
    layers, X, Y = small(sizes, batch=batch)
    passed = forward(layers, X, Y, record=True)
    back = backward(layers, passed, Y, record=True)
    products = [batch * i * o for i, o in zip(sizes[:-1], sizes[1:])]
    assert count_operations(passed.steps).matmul == sum(products)
    # two products per layer going back (Xᵀ G and G Wᵀ), but no error signal for the network's inputs
    assert count_operations(back.steps).matmul == 2 * sum(products) - products[0]
    units = batch * sum(sizes[1:])
    assert count_operations(passed.steps).elementwise == 2 * units + batch * sizes[-1]  # bias, f, loss
    assert count_operations(back.steps).elementwise == 2 * units + batch * sizes[-1]  # ⊙ f′, bias sum, δ


def test_cost_rows_count_without_timing_and_time_when_asked():
    settings = replace(BACKPROP_DEMO, cost_widths=(2, 3), cost_batch=4, timing_repeats=1, fd_timing_repeats=1)
    counted = measure_costs(settings, timed=False)
    assert [r.width for r in counted] == [2, 3]
    assert all(r.forward_s is None and r.fd_s is None for r in counted)
    for r in counted:
        assert r.fd_forward_passes == 2 * r.weights
        assert r.fd_ops == r.fd_forward_passes * r.forward_ops.total
    timed = measure_costs(settings)
    assert all(r.forward_s > 0 and r.backward_s > 0 and r.fd_s > 0 for r in timed)
    assert [r.forward_ops for r in timed] == [r.forward_ops for r in counted]


def test_loglog_slope_and_shape_text():
    x = [1.0, 10.0, 100.0]
    assert loglog_slope(x, [v**2 for v in x]) == pytest.approx(2.0)
    assert loglog_slope(x, [3 * v for v in x]) == pytest.approx(1.0)
    assert shape_text((128, 3)) == "128×3" and shape_text((5,)) == "5" and shape_text(()) == "scalar"
