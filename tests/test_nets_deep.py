"""nutshell.nets.deep: construction, initialisation, gradient norms, task and training loop."""

import math

import pytest

torch = pytest.importorskip("torch")

from nutshell.nets.deep import layer_gradient_norms, linear_layers, make_net, make_task, train


def test_net_has_depth_hidden_layers_and_a_linear_output():
    net = make_net(depth=5, width=16, activation="tanh", init="xavier", in_features=3, out_features=2)
    layers = linear_layers(net)
    assert len(layers) == 6
    assert layers[0].in_features == 3 and layers[-1].out_features == 2
    assert sum(isinstance(m, torch.nn.Tanh) for m in net) == 5
    assert isinstance(net[-1], torch.nn.Linear)
    assert all(float(layer.bias.detach().abs().sum()) == 0.0 for layer in layers)


def test_initialisations_have_the_published_variances():
    wide = 400
    xavier = linear_layers(make_net(1, wide, "sigmoid", "xavier", in_features=wide, seed=1))[0]
    he = linear_layers(make_net(1, wide, "relu", "he", in_features=wide, seed=1))[0]
    xavier, he = xavier.weight.detach(), he.weight.detach()
    assert float(xavier.var()) == pytest.approx(2 / (wide + wide), rel=0.05)
    assert float(he.var()) == pytest.approx(2 / wide, rel=0.05)
    assert float(xavier.abs().max()) <= math.sqrt(6 / (2 * wide))


def test_same_seed_same_weights():
    a, b = make_net(3, seed=2), make_net(3, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(linear_layers(make_net(3, seed=3))[0].weight, linear_layers(a)[0].weight)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"activation": "gelu"}, "unknown activation 'gelu'"),
        ({"init": "lecun"}, "unknown init 'lecun'"),
        ({"depth": 0}, "depth"),
    ],
)
def test_bad_settings_are_rejected(kwargs, message):
    settings = {"depth": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_net(**settings)


def test_task_is_standardised_and_reproducible():
    X, y = make_task(n=256, in_features=4, seed=1)
    assert X.shape == (256, 4) and y.shape == (256, 1)
    assert float(y.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(y.std()) == pytest.approx(1.0, abs=1e-5)
    assert torch.equal(make_task(n=256, in_features=4, seed=1)[1], y)
    assert torch.equal(make_task(n=256, in_features=4, seed=1, waves=4)[1], y)  # four waves by default
    assert not torch.equal(make_task(n=256, in_features=4, seed=1, waves=2)[1], y)
    with pytest.raises(ValueError):
        make_task(n=1)
    with pytest.raises(ValueError, match="waves"):
        make_task(waves=0)


def test_gradient_norms_one_per_layer_and_grads_cleared():
    X, y = make_task(n=64, seed=0)
    net = make_net(4, 8, "relu", "he")
    norms = layer_gradient_norms(net, X, y)
    assert len(norms) == 5 and all(n > 0 for n in norms)
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0.0 for p in net.parameters())


def test_training_lowers_the_loss_of_a_shallow_net_and_is_deterministic():
    X, y = make_task(n=128, seed=0)
    first = train(make_net(1, 16, "tanh", "xavier", seed=0), X, y, steps=150, lr=0.05, seed=0)
    second = train(make_net(1, 16, "tanh", "xavier", seed=0), X, y, steps=150, lr=0.05, seed=0)
    assert len(first.losses) == 151
    assert first.losses == second.losses
    assert first.losses[-1] < 0.7 * first.losses[0]


def test_training_rejects_bad_settings():
    X, y = make_task(n=16)
    with pytest.raises(ValueError, match="steps"):
        train(make_net(1), X, y, steps=0)
