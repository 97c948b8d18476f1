"""Unit tests for nutshell.nets.regularisation: data split, gradients, penalties, dropout, measurements."""

import dataclasses

import numpy as np
import pytest

from nutshell.nets.regularisation import (
    DTYPE,
    REGULARISATION_DEMO,
    DigitNet,
    Regulariser,
    SweepPoint,
    accuracy_with_units_removed,
    best_strength,
    confidence_when_wrong,
    cross_entropy,
    digit_split,
    dropout_mask,
    dropout_scaling_check,
    gradients,
    inverted_dropout,
    soft_threshold,
    softmax,
    step,
    strength_sweep,
    thinned_ensemble_probabilities,
    train,
    unit_ablation,
    weight_census,
)

SMALL = dataclasses.replace(REGULARISATION_DEMO, hidden=16, steps=40, record_every=10)


@pytest.fixture(scope="module")
def split():
    return digit_split(train_per_class=5, val_per_class=5, seed=0)


def float64(net: DigitNet) -> DigitNet:
    return DigitNet(*(a.astype(np.float64) for a in (net.W1, net.b1, net.W2, net.b2)))


# ── settings ─────────────────────────────────────────────────────────────────────────


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        REGULARISATION_DEMO.lr = 1.0


def test_compared_regularisers_carry_the_chosen_strengths():
    none, l2, l1, dropout = REGULARISATION_DEMO.compared(l2=0.5, l1=0.25)
    assert (none.l1, none.l2, none.drop_hidden) == (0, 0, 0)
    assert l2.l2 == 0.5 and l2.l1 == 0
    assert l1.l1 == 0.25 and l1.l2 == 0
    assert dropout.drop_hidden == REGULARISATION_DEMO.drop_hidden
    assert dropout.drop_input == REGULARISATION_DEMO.drop_input


@pytest.mark.parametrize(
    "kwargs", [{"l2": -1.0}, {"l1": -0.1}, {"drop_input": 1.0}, {"drop_hidden": -0.1}, {"l1_proximal": True}]
)
def test_regulariser_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        Regulariser("bad", **kwargs)


# ── data ─────────────────────────────────────────────────────────────────────────────


def test_split_sizes_and_balance(split):
    assert split.X_train.shape == (50, 64) and split.X_val.shape == (50, 64)
    assert len(split.y_test) == 1797 - 100
    assert np.bincount(split.y_train).tolist() == [5] * 10
    assert np.bincount(split.y_val).tolist() == [5] * 10
    assert split.X_train.dtype == DTYPE


def test_split_sets_are_disjoint(split):
    # no two images in the data set are identical, so shared rows would mean shared images
    train, val, test = ({row.tobytes() for row in X} for X in (split.X_train, split.X_val, split.X_test))
    assert len(train) + len(val) + len(test) == 1797
    assert not (train & val) and not (train & test) and not (val & test)


def test_split_is_standardised_on_the_training_images(split):
    assert np.allclose(split.X_train.mean(axis=0), 0.0, atol=1e-5)
    spread = split.X_train.std(axis=0)
    assert np.all((np.abs(spread - 1.0) < 1e-4) | (spread == 0))


def test_split_depends_on_the_seed_only():
    a, b, c = (digit_split(5, 5, seed) for seed in (3, 3, 4))
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("train_per_class, val_per_class", [(0, 5), (5, -1), (150, 50)])
def test_split_rejects_impossible_sizes(train_per_class, val_per_class):
    with pytest.raises(ValueError):
        digit_split(train_per_class, val_per_class, seed=0)


# ── network and gradients ────────────────────────────────────────────────────────────


def test_he_initialisation():
    net = DigitNet.init(hidden=512, seed=0)
    assert net.W1.shape == (64, 512) and net.W2.shape == (512, 10)
    assert net.W1.std() == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    assert net.W2.std() == pytest.approx(np.sqrt(2 / 512), rel=0.05)
    assert not net.b1.any() and not net.b2.any()


def test_cross_entropy_and_softmax():
    scores = np.array([[0.0, 0.0], [1000.0, 0.0]])
    assert np.allclose(softmax(scores), [[0.5, 0.5], [1.0, 0.0]])
    assert cross_entropy(scores, np.array([0, 0])) == pytest.approx(np.log(2) / 2)


@pytest.mark.parametrize(
    "reg", [Regulariser("none"), Regulariser("dropout", drop_input=0.2, drop_hidden=0.5)]
)
def test_gradients_match_finite_differences(split, reg):
    X = split.X_train[:20].astype(np.float64)
    y = split.y_train[:20]
    net = float64(DigitNet.init(hidden=8, seed=1))
    net.b1 += 0.1  # keep ReLU inputs away from the kink
    # the same seed gives the same dropout masks, so the loss is a fixed function of the weights
    _, grads = gradients(net, X, y, reg, np.random.default_rng(5))
    rng = np.random.default_rng(0)
    eps = 1e-6
    for name in ("W1", "b1", "W2", "b2"):
        param = getattr(net, name)
        for index in [tuple(rng.integers(0, s) for s in param.shape) for _ in range(5)]:
            original = param[index]
            param[index] = original + eps
            up, _ = gradients(net, X, y, reg, np.random.default_rng(5))
            param[index] = original - eps
            down, _ = gradients(net, X, y, reg, np.random.default_rng(5))
            param[index] = original
            numerical = (up - down) / (2 * eps)
            assert grads[name][index] == pytest.approx(numerical, rel=1e-4, abs=1e-8), (name, index)


def zero_grads(net):
    return {name: np.zeros_like(getattr(net, name)) for name in ("W1", "b1", "W2", "b2")}


def test_l2_step_is_weight_decay():
    net = float64(DigitNet.init(hidden=4, seed=0))
    net.b1 += 1.0
    before = net.copy()
    step(net, zero_grads(net), Regulariser("L2", l2=0.1), lr=0.5)
    assert np.allclose(net.W1, before.W1 * (1 - 0.5 * 0.1))
    assert np.allclose(net.W2, before.W2 * (1 - 0.5 * 0.1))
    assert np.array_equal(net.b1, before.b1)  # biases are not penalised


def test_l1_step_moves_every_weight_by_the_same_amount():
    net = float64(DigitNet.init(hidden=4, seed=0))
    before = net.copy()
    step(net, zero_grads(net), Regulariser("L1", l1=0.01), lr=0.5)
    assert np.allclose(np.abs(before.W1 - net.W1), 0.005)
    assert np.all(np.sign(net.W1 - before.W1) == -np.sign(before.W1))


def test_plain_l1_crosses_zero_where_the_proximal_step_stops_at_it():
    net = float64(DigitNet.init(hidden=4, seed=0))
    net.W1[:] = 0.001
    plain, proximal = net.copy(), net.copy()
    step(plain, zero_grads(net), Regulariser("L1", l1=0.01), lr=0.5)
    step(proximal, zero_grads(net), Regulariser("L1", l1=0.01, l1_proximal=True), lr=0.5)
    assert np.allclose(plain.W1, -0.004)
    assert np.all(proximal.W1 == 0.0)


def test_soft_threshold():
    assert soft_threshold(np.array([-2.0, -0.5, 0.0, 0.3, 1.5]), 1.0).tolist() == [-1.0, 0.0, 0.0, 0.0, 0.5]


def test_training_keeps_single_precision_and_is_deterministic(split):
    reg = Regulariser("dropout", drop_input=0.2, drop_hidden=0.5)
    a = train(split, reg, SMALL, seed=2)
    b = train(split, reg, SMALL, seed=2)
    assert a.net.W1.dtype == DTYPE and a.net.b2.dtype == DTYPE
    assert np.array_equal(a.net.W1, b.net.W1)
    assert a.curve_steps == [0, 10, 20, 30, 40]
    assert a.train_loss[-1] < a.train_loss[0] / 2


# ── dropout ──────────────────────────────────────────────────────────────────────────


def test_inverted_dropout_keeps_the_mean_and_drops_the_right_share():
    rng = np.random.default_rng(0)
    a = np.full((400, 500), 3.0, dtype=DTYPE)
    out = inverted_dropout(a, 0.3, rng)
    assert out.dtype == DTYPE
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.01)
    assert np.allclose(np.unique(out), [0.0, 3.0 / 0.7])
    assert out.mean() == pytest.approx(3.0, rel=0.01)
    assert inverted_dropout(a, 0.0, rng) is a
    assert dropout_mask((2, 2), 0.0, rng) is None
    with pytest.raises(ValueError):
        inverted_dropout(a, 1.0, rng)


def test_scaling_check_separates_inverted_from_plain_dropout(split):
    net = DigitNet.init(hidden=32, seed=0)
    check = dropout_scaling_check(net, split.X_test[:50], p=0.25, masks=400)
    assert check.inverted_mean == pytest.approx(check.test_mean, rel=0.01)
    assert check.plain_mean == pytest.approx(0.75 * check.test_mean, rel=0.01)
    assert 0 < check.typical_relative_error < 0.05


def test_thinned_ensemble_without_dropout_is_the_full_net(split):
    net = DigitNet.init(hidden=16, seed=0)
    probabilities = thinned_ensemble_probabilities(net, split.X_test[:30], Regulariser("none"), samples=3)
    assert np.allclose(probabilities, softmax(net.scores(split.X_test[:30])), atol=1e-6)


# ── measurements ─────────────────────────────────────────────────────────────────────


def test_weight_census():
    census = weight_census(np.array([0.0, 0.0, 1e-5, -2e-4, 0.5, -1.0, 0.1, 0.2]), threshold=1e-3)
    assert census.fraction_small == 0.5
    assert census.fraction_zero == 0.25
    assert census.largest_abs == 1.0
    assert census.top_percent_mean == 1.0  # fewer than 100 weights: the single largest
    with pytest.raises(ValueError):
        weight_census(np.array([]), 1e-3)


def test_best_strength_prefers_the_weaker_on_a_tie():
    census = weight_census(np.ones(3), 1e-3)
    points = [SweepPoint(0.1, 0.2, census), SweepPoint(0.01, 0.1, census), SweepPoint(0.001, 0.1, census)]
    assert best_strength(points) == 0.001
    with pytest.raises(ValueError):
        best_strength([])


def test_strength_sweep_rejects_unknown_penalties():
    with pytest.raises(ValueError):
        strength_sweep("l3", SMALL)


def test_unit_ablation_matches_removing_the_unit_by_hand(split):
    net = train(split, Regulariser("none"), SMALL, seed=0).net
    X, y = split.X_test, split.y_test
    ablation = unit_ablation(net, X, y)
    base = net.predict(X)
    for unit in (0, 7, 15):
        pruned = net.copy()
        pruned.W2[unit] = 0.0
        by_hand = np.mean(base == y) - np.mean(pruned.predict(X) == y)
        assert ablation.accuracy_drop[unit] == pytest.approx(by_hand)
        assert ablation.changed[unit] == pytest.approx(np.mean(pruned.predict(X) != base))


def test_a_unit_without_outgoing_weights_changes_nothing(split):
    net = DigitNet.init(hidden=8, seed=0)
    net.W2[3] = 0.0
    ablation = unit_ablation(net, split.X_test, split.y_test)
    assert ablation.accuracy_drop[3] == 0.0 and ablation.changed[3] == 0.0


def test_removing_no_units_gives_the_plain_accuracy(split):
    net = DigitNet.init(hidden=16, seed=0)
    accuracy = accuracy_with_units_removed(net, split.X_test, split.y_test, fraction=0.0, draws=2)
    assert accuracy == pytest.approx(1 - net.error(split.X_test, split.y_test))
    with pytest.raises(ValueError):
        accuracy_with_units_removed(net, split.X_test, split.y_test, fraction=1.0, draws=2)


def test_confidence_when_wrong(split):
    net = DigitNet.init(hidden=16, seed=0)
    confidence = confidence_when_wrong(net, split.X_test, split.y_test)
    assert 0.1 <= confidence <= 1.0
    with pytest.raises(ValueError):
        confidence_when_wrong(net, split.X_test[:5], net.predict(split.X_test[:5]))
