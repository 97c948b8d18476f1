"""The claims demos/regularisation.py makes, checked with the page's own code and settings.

Everything is computed once (module fixture) exactly as the page computes it: the strength sweeps on
the first seed's validation images, the four ways of training on every seed, the proximal L1 run,
and the measurements on the trained nets. Measured values (CPU, numpy 2.4, float32, one BLAS thread)
are quoted next to each bound.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nutshell.nets.regularisation import REGULARISATION_DEMO as S
from nutshell.nets.regularisation import (
    Regulariser,
    accuracy_with_units_removed,
    best_strength,
    confidence_when_wrong,
    dropout_scaling_check,
    outcome,
    split_for,
    strength_sweep,
    thinned_ensemble_probabilities,
    train,
    train_over_seeds,
    unit_ablation,
    weight_census,
)


@pytest.fixture(scope="module")
def page():
    with threadpool_limits(limits=1, user_api="blas"):
        sweeps = {"L2": strength_sweep("l2", S), "L1": strength_sweep("l1", S)}
        chosen = {name: best_strength(points) for name, points in sweeps.items()}
        runs = train_over_seeds(S.compared(l2=chosen["L2"], l1=chosen["L1"]), S)
        tests = [split_for(seed, S) for seed in S.seeds]
        first = tests[0]
        proximal = train(first, Regulariser("L1, proximal", l1=chosen["L1"], l1_proximal=True), S, S.seeds[0])
        dropout_net = runs["dropout"][0].net
        ensemble = thinned_ensemble_probabilities(dropout_net, first.X_test, S.dropout, S.ensemble_samples)
        return SimpleNamespace(
            sweeps=sweeps,
            chosen=chosen,
            runs=runs,
            outcomes={name: [outcome(r) for r in seed_runs] for name, seed_runs in runs.items()},
            sure_when_wrong={
                name: [confidence_when_wrong(r.net, t.X_test, t.y_test) for r, t in zip(seed_runs, tests)]
                for name, seed_runs in runs.items()
            },
            census={
                **{name: weight_census(seed_runs[0].net.weights, S.small_weight)
                   for name, seed_runs in runs.items()},
                "L1, proximal": weight_census(proximal.net.weights, S.small_weight),
            },
            l1_weights=runs["L1"][0].net.weights,
            check=dropout_scaling_check(
                dropout_net, first.X_test[:S.check_images], S.drop_hidden, S.dropout_masks),
            full_prediction=dropout_net.predict(first.X_test),
            ensemble_prediction=ensemble.argmax(axis=1),
            y_first=first.y_test,
            ablation={name: [unit_ablation(r.net, t.X_test, t.y_test) for r, t in zip(seed_runs, tests)]
                      for name, seed_runs in runs.items()},
            removal={
                name: np.mean([[accuracy_with_units_removed(r.net, t.X_test, t.y_test, f, S.removal_draws)
                                for f in S.removed_fractions] for r, t in zip(seed_runs, tests)], axis=0)
                for name, seed_runs in runs.items()
            },
        )


def mean_of(page, name, field):
    return float(np.mean([getattr(o, field) for o in page.outcomes[name]]))


# ── the plain network memorises ──────────────────────────────────────────────────────


def test_every_net_fits_its_training_images_perfectly(page):
    for name, results in page.outcomes.items():
        assert all(o.train_error == 0.0 for o in results), name  # measured: 0 for all 20 runs


def test_unregularised_net_overfits(page):
    errors = [o.test_error for o in page.outcomes["none"]]
    assert min(errors) > 0.10  # measured: 12.0 % to 12.5 % (training error 0)
    assert mean_of(page, "none", "train_loss") < 0.002  # measured: 0.0005


def test_plain_test_loss_turns_upward_early(page):
    run = page.runs["none"][0]  # the page's `plain` run: same split, same seed
    best = int(np.argmin(run.test_loss))
    assert run.curve_steps[best] <= S.steps // 5  # measured: step 100 of 1500
    assert run.test_loss[-1] > 1.04 * run.test_loss[best]  # measured: 0.591 vs 0.546 (×1.08)


# ── how strong a penalty ─────────────────────────────────────────────────────────────


def test_validation_picks_these_strengths(page):
    assert page.chosen == {"L2": 3e-3, "L1": 3e-4}  # measured: validation error 9.3 % and 9.7 %


def test_strong_l1_empties_the_weights_and_hurts(page):
    l1 = page.sweeps["L1"]
    fractions = [p.census.fraction_small for p in l1]
    assert fractions == sorted(fractions)  # measured: 0.06, 0.20, 0.53, 0.94, 0.98
    assert fractions[-1] > 0.9
    assert l1[-1].val_error > max(p.val_error for p in l1[:-1]) + 0.01  # measured: 13.3 % vs at most 11.0 %


def test_l2_leaves_far_fewer_weights_near_zero(page):
    l2_most = max(p.census.fraction_small for p in page.sweeps["L2"])
    assert l2_most < 0.25  # measured: 0.19 at the strongest L2
    assert l2_most < 0.5 * max(p.census.fraction_small for p in page.sweeps["L1"])  # measured: 0.98


# ── four ways of training ────────────────────────────────────────────────────────────


def improvements(page, name):
    return [base.test_error - o.test_error for o, base in zip(page.outcomes[name], page.outcomes["none"])]


def test_l2_and_dropout_lower_test_error_on_every_training_set(page):
    assert min(improvements(page, "L2")) > 0.005  # measured: 1.2 to 2.9 points
    assert min(improvements(page, "dropout")) > 0.005  # measured: 1.4 to 3.2 points


def test_l1_helps_least_and_not_on_every_training_set(page):
    l1 = improvements(page, "L1")
    assert sum(d > 0 for d in l1) == len(l1) - 1  # measured: 4 of 5 (worse by 0.5 points on seed 4)
    assert 0 < np.mean(l1) < min(np.mean(improvements(page, "L2")), np.mean(improvements(page, "dropout")))
    # measured: L1 0.7 points, L2 1.8, dropout 2.1


def test_dropout_has_the_lowest_mean_test_error(page):
    errors = {name: mean_of(page, name, "test_error") for name in page.outcomes}
    assert min(errors, key=errors.get) == "dropout"  # measured: 10.1 % vs L2 10.4 %, L1 11.5 %, none 12.3 %


def test_penalties_lower_test_loss_but_dropout_raises_it(page):
    none = mean_of(page, "none", "test_loss")
    assert mean_of(page, "L2", "test_loss") < 0.85 * none  # measured: 0.352 vs 0.476
    assert mean_of(page, "L1", "test_loss") < 0.9 * none  # measured: 0.387
    assert mean_of(page, "dropout", "test_loss") > 1.1 * none  # measured: 0.574


def test_dropout_is_the_most_confident_when_wrong(page):
    sure = {name: float(np.mean(values)) for name, values in page.sure_when_wrong.items()}
    assert sure["dropout"] > sure["none"] + 0.03  # measured: 81 % vs 74 %
    assert max(sure["L2"], sure["L1"]) < sure["none"] - 0.03  # measured: 63 %, 66 %


# ── weights ──────────────────────────────────────────────────────────────────────────


def test_l1_puts_most_weights_near_zero_and_l2_almost_none(page):
    c = page.census
    assert c["L1"].fraction_small > 0.5  # measured: 0.531
    assert c["L2"].fraction_small < 0.03  # measured: 0.011
    assert c["none"].fraction_small < 0.01  # measured: 0.005


def test_plain_l1_hovers_next_to_zero_proximal_l1_reaches_it(page):
    assert page.census["L1"].fraction_zero == 0.0  # measured: not one exact zero
    assert page.census["L1, proximal"].fraction_zero > 0.5  # measured: 0.526
    one_step = S.lr * page.chosen["L1"]
    near = np.abs(page.l1_weights)[np.abs(page.l1_weights) < S.small_weight]
    assert np.quantile(near, 0.9) < 1.5 * one_step  # measured: 0.9-quantile 8.9e-5, with ηλ₁ = 9e-5


def test_l1_keeps_larger_weights_than_l2(page):
    top = {name: c.top_percent_mean for name, c in page.census.items()}
    assert top["L1"] > 1.5 * top["L2"]  # measured: 0.425 vs 0.232 (mean of the largest 1 %)
    assert page.census["L2"].median_abs < 0.5 * page.census["none"].median_abs  # measured: 0.040 vs 0.114


# ── dropout at test time ─────────────────────────────────────────────────────────────


def test_inverted_dropout_matches_test_time_activity(page):
    check = page.check
    assert check.inverted_mean / check.test_mean == pytest.approx(1.0, abs=0.005)  # measured: 0.9999
    plain_ratio = check.plain_mean / check.test_mean
    assert plain_ratio == pytest.approx(1 - S.drop_hidden, abs=0.005)  # measured: 0.4999
    noise = np.sqrt(2 / np.pi * S.drop_hidden / (1 - S.drop_hidden) / S.dropout_masks)
    assert check.typical_relative_error < 1.2 * noise  # measured: 1.8 % vs 1.8 %


def test_full_network_stands_in_for_the_thinned_ensemble(page):
    full_error = np.mean(page.full_prediction != page.y_first)
    ensemble_error = np.mean(page.ensemble_prediction != page.y_first)
    assert abs(full_error - ensemble_error) < 0.01  # measured: 9.2 % vs 9.4 %
    assert np.mean(page.full_prediction == page.ensemble_prediction) > 0.97  # measured: 99.2 %


# ── co-adaptation ────────────────────────────────────────────────────────────────────


def ablation_mean(page, name, field, reduce):
    return float(np.mean([reduce(getattr(a, field)) for a in page.ablation[name]]))


def test_one_unit_matters_little_on_average(page):
    for name in page.ablation:
        assert abs(ablation_mean(page, name, "accuracy_drop", np.mean)) < 0.001, name
        # measured: none 0.02 %, L2 0.03 %, L1 0.05 %, dropout −0.02 %


def test_dropout_units_depend_less_on_each_other(page):
    for plain, dropout in zip(page.ablation["none"], page.ablation["dropout"]):
        assert dropout.changed.mean() < 0.6 * plain.changed.mean()  # measured ratio: 0.35 to 0.51
        assert dropout.changed.max() < plain.changed.max()  # measured: 0.74 % vs 1.69 % (means)
    assert ablation_mean(page, "dropout", "accuracy_drop", np.max) < 0.5 * ablation_mean(
        page, "none", "accuracy_drop", np.max)  # measured: 0.30 % vs 0.84 %


def test_l1_leans_hardest_on_its_most_important_units_and_l2_sits_in_between(page):
    largest = {name: ablation_mean(page, name, "accuracy_drop", np.max) for name in page.ablation}
    changed = {name: ablation_mean(page, name, "changed", np.max) for name in page.ablation}
    assert max(largest, key=largest.get) == "L1"  # measured: 1.22 % vs none 0.84 %
    assert max(changed, key=changed.get) == "L1"  # measured: 2.53 % vs none 1.69 %
    assert largest["dropout"] < largest["L2"] < largest["none"]  # measured: 0.30 % < 0.56 % < 0.84 %


def test_dropout_net_degrades_most_gracefully_when_many_units_go(page):
    fractions = list(S.removed_fractions)
    half, most = fractions.index(0.5), fractions.index(0.75)
    none, l2, dropout = page.removal["none"], page.removal["L2"], page.removal["dropout"]
    assert dropout[half] > none[half] + 0.04  # measured: 87.9 % vs 81.8 %
    assert dropout[0] - dropout[most] < 0.5 * (none[0] - none[most])  # measured: 7.2 vs 17.8 points lost
    assert none[most] < l2[most] < dropout[most]  # measured: 69.9 % < 79.6 % < 82.7 %
    lost = {name: acc[0] - acc[1:] for name, acc in page.removal.items()}
    for name in ("none", "L2", "L1"):
        assert np.all(lost["dropout"] < lost[name]), name
        # measured, points lost at 10/25/50/75 % off: dropout 0.1/0.6/2.0/7.2, L2 0.4/1.1/3.1/10.0,
        # none 0.5/2.0/5.9/17.9, L1 0.9/2.6/7.3/20.3
