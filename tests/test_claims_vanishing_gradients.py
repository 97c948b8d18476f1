"""The claims of demos/vanishing-gradients.py, checked with the page's own code and settings.

Everything comes from ``VANISHING_DEMO``; measured values (CPU, torch 2.13) are quoted next to each bound,
so a change in them shows up here before it shows up on the site.
"""

from itertools import pairwise

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from nutshell.nets.deep import VANISHING_DEMO as S
from nutshell.nets.deep import layer_gradient_norms, make_net, make_task, train

INIT = dict(S.configs)


@pytest.fixture(scope="module")
def task():
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield make_task(n=S.examples, in_features=S.in_features, seed=S.task_seed, waves=S.waves)
    torch.set_num_threads(threads)


def gradient_norms(task, activation, seed):
    X, y = task
    net = make_net(S.depth, S.width, activation, INIT[activation], in_features=S.in_features, seed=seed)
    return layer_gradient_norms(net, X, y)


def ratio_first_to_last(task, activation, seed):
    norms = gradient_norms(task, activation, seed)
    return norms[0] / norms[-1]


# ── gradient norms at initialisation ─────────────────────────────────────────────────


def test_as_the_prose_says_glorot_for_sigmoid_and_tanh_he_for_relu():
    assert INIT == {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}
    assert S.net_seed in S.seeds


@pytest.mark.parametrize("seed", S.seeds)
def test_sigmoid_first_layer_gradient_is_orders_of_magnitude_smaller(task, seed):
    assert ratio_first_to_last(task, "sigmoid", seed) < 1e-10  # measured: 2.1e-14 to 1.3e-12


@pytest.mark.parametrize("seed", S.seeds)
def test_sigmoid_gradient_shrinks_at_every_layer(task, seed):
    norms = gradient_norms(task, "sigmoid", seed)
    assert all(earlier < later for earlier, later in pairwise(norms))  # measured: by 1.8× or more
    per_layer = (norms[-1] / norms[0]) ** (1 / (len(norms) - 1))
    assert 3 < per_layer < 6  # measured: 3.9 to 4.8


@pytest.mark.parametrize("seed", S.seeds)
def test_relu_with_he_init_keeps_the_ratio_in_band(task, seed):
    assert 0.05 < ratio_first_to_last(task, "relu", seed) < 2.0  # measured: 0.09 to 0.73


@pytest.mark.parametrize("seed", S.seeds)
def test_tanh_with_glorot_init_keeps_the_ratio_in_band(task, seed):
    assert 0.1 < ratio_first_to_last(task, "tanh", seed) < 10.0  # measured: 0.36 to 1.2


# ── training ─────────────────────────────────────────────────────────────────────────


def final_loss(task, depth, activation):
    X, y = task
    net = make_net(depth, S.width, activation, INIT[activation], in_features=S.in_features, seed=S.net_seed)
    run = train(net, X, y, steps=S.steps, lr=S.lr, batch_size=S.batch_size, seed=S.train_seed)
    return float(np.mean(run.losses[-S.final_window:]))


def test_deep_relu_and_tanh_train_where_deep_sigmoid_stalls(task):
    assert final_loss(task, S.depth, "relu") < 0.15  # measured: 0.032
    assert final_loss(task, S.depth, "tanh") < 0.15  # measured: 0.033
    assert final_loss(task, S.depth, "sigmoid") > 0.9  # measured: 1.010 (predicting the mean gives 1.0)


def test_shallow_sigmoid_trains(task):
    assert final_loss(task, S.shallow_depth, "sigmoid") < 0.15  # measured: 0.066
