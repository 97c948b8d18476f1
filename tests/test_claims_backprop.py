"""The claims of demos/backprop-by-the-rules.py, checked with the page's own code and settings.

Measured values (CPU, numpy 2.4, torch 2.13) are quoted next to each bound. Wall times are printed on the
page but not asserted: they depend on the machine and its load. Operation counts are exact.
"""

import numpy as np
import pytest

from nutshell.nets.backprop_rules import (
    BACKPROP_DEMO as S,
    autograd_gradients,
    backward,
    count_operations,
    finite_difference_gradients,
    forward,
    loglog_slope,
    make_batch,
    make_network,
    measure_costs,
    parameters,
    relative_error,
)


@pytest.fixture(scope="module")
def page():
    layers = make_network(S.sizes, S.hidden, S.output, seed=S.seed)
    X, Y = make_batch(layers, S.batch, seed=S.seed)
    passed = forward(layers, X, Y, record=True)
    return layers, X, Y, passed, backward(layers, passed, Y, record=True)


def test_the_page_starts_from_a_128_by_3_batch_through_a_3_by_5_matrix(page):
    layers, X, _, passed, _ = page
    assert passed.steps[0].operands == ((128, 3), (3, 5)) and passed.steps[0].result == (128, 5)


def test_every_gradient_has_its_parameters_shape_and_every_error_signal_its_inputs(page):
    layers, _, _, passed, back = page
    assert all(back.gradients[n].shape == p.shape for n, p in parameters(layers).items())
    deltas = [s for s in back.steps if s.kind == "matmul" and s.formula.startswith("δ")]
    # δ(i-1) = G(i) W(i)ᵀ has the shape of layer i's input, the output of layer i-1
    assert [s.result for s in deltas] == [passed.inputs[i].shape for i in range(len(layers) - 1, 0, -1)]


def test_the_rules_agree_with_autograd_to_rounding(page):
    layers, X, Y, _, back = page
    torch_grads = autograd_gradients(layers, X, Y)
    worst = max(relative_error(back.gradients[n], torch_grads[n]) for n in back.gradients)
    assert worst < 1e-10  # measured: 5.7e-15 (W1)


def test_the_rules_agree_with_central_differences(page):
    layers, X, Y, _, back = page
    fd = finite_difference_gradients(layers, X, Y, step=S.fd_step)
    worst = max(relative_error(back.gradients[n], fd.gradients[n]) for n in back.gradients)
    assert worst < 1e-6  # measured: 1.8e-8 (W1)


def test_finite_differences_are_best_at_an_intermediate_step(page):
    layers, X, Y, _, back = page
    worst = []
    for h in S.fd_steps_to_try:
        estimate = finite_difference_gradients(layers, X, Y, step=h).gradients
        worst.append(max(relative_error(back.gradients[n], estimate[n]) for n in back.gradients))
    best = int(np.argmin(worst))
    assert 0 < best < len(worst) - 1  # measured: best at h = 1e-5, the 5th of 10
    assert S.fd_steps_to_try[best] == S.fd_step  # the page says it uses the best h it tried
    assert worst[0] > 1e3 * worst[best]  # measured: 0.27 at h = 0.1 (truncation)
    assert worst[-1] > 1e3 * worst[best]  # measured: 7e-4 at h = 1e-10 (rounding)


@pytest.fixture(scope="module")
def costs():
    return measure_costs(S, timed=False)


def test_backward_costs_between_one_and_two_forward_passes(costs):
    ratios = [r.backward_over_forward for r in costs]
    assert all(1.0 < ratio < 2.0 for ratio in ratios)  # measured: 1.33 (width 2) to 1.93 (width 64)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
@pytest.mark.parametrize("width", [4, 32, 128])
def test_the_band_holds_at_other_depths_too(depth, width):
    layers = make_network((S.cost_inputs, *[width] * depth, S.cost_outputs), seed=0)
    X, Y = make_batch(layers, S.cost_batch)
    passed = forward(layers, X, Y, record=True)
    ratio = count_operations(backward(layers, passed, Y, record=True).steps).total / \
        count_operations(passed.steps).total
    assert 1.0 < ratio < 2.0  # measured: 1.24 (depth 1, width 4) to 1.98 (depth 8, width 128)


def test_finite_differences_need_two_forward_passes_per_weight(costs):
    for r in costs:
        assert r.fd_forward_passes == 2 * r.weights
        assert r.fd_ops == 2 * r.weights * r.forward_ops.total


def test_finite_differences_fall_behind_in_proportion_to_the_number_of_weights(costs):
    weights = [r.weights for r in costs]
    backprop = [r.forward_ops.total + r.backward_ops.total for r in costs]
    assert 0.9 < loglog_slope(weights, backprop) < 1.1  # measured: 0.99
    assert 1.8 < loglog_slope(weights, [r.fd_ops for r in costs]) < 2.1  # measured: 1.95
    ratio = [r.fd_over_backprop for r in costs]
    assert 0.9 < loglog_slope(weights, ratio) < 1.1  # measured: 0.96
    assert all(b > a for a, b in zip(ratio, ratio[1:]))  # measured: 22 (26 weights) to 5,933 (8,706)
