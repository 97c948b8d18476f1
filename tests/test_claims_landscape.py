"""The claims of demos/descending-the-landscape.py, checked with the page's own code and settings.

Everything comes from ``LANDSCAPE_DEMO``; measured values (numpy 2.4, torch 2.13, CPU) are quoted next
to each bound. Where the article's advice did not hold, the test asserts what was measured.
"""

import numpy as np
import pytest

from nutshell.nets.landscapes import LANDSCAPE_DEMO as S
from nutshell.nets.landscapes import (
    arrival_grid,
    bounce_factor,
    compare_batches,
    contenders,
    lingering,
    lookahead_path,
    momentum_lr_limit,
    momentum_sweep,
    nesterov_lr_limit,
    overshoot,
    race_all,
    rmsprop_history,
    run,
    schedule_runs,
    step_sizes,
    steps_to_arrive,
    surfaces,
)
from nutshell.nets.optimizers import Momentum, RMSprop, rmsprop_update

# ── 1. full batch against minibatches on the digits network ──────────────────────────────────────────────


@pytest.fixture(scope="module")
def batches():
    return compare_batches(S.net)


def test_full_batch_needs_fewer_steps(batches):
    full, mini = batches
    full_steps = full.steps_to(S.net.target_loss)
    assert full_steps is not None and full_steps <= 150  # measured: 123
    for run_ in mini:
        assert run_.steps_to(S.net.target_loss) > full_steps  # measured: 154, 154, 154, 166, 154


def test_minibatches_need_far_fewer_passes_over_the_data(batches):
    full, mini = batches
    full_epochs = full.epochs(full.steps_to(S.net.target_loss))
    for run_ in mini:
        epochs = run_.epochs(run_.steps_to(S.net.target_loss))
        assert epochs < 2  # measured: 1.37 to 1.48
        assert epochs < full_epochs / 50  # measured: full batch 123 passes


def test_minibatch_loss_is_noisier(batches):
    full, mini = batches
    window = S.net.noise_window
    assert full.wobble(window) < 2e-4  # measured: 6.9e-05
    assert full.rising_fraction(len(full.losses) - 1) == 0.0  # measured: never goes up, over the whole run
    for run_ in mini:
        assert run_.wobble(window) > 10 * full.wobble(window)  # measured: 2.1e-03 to 3.7e-03
        assert run_.rising_fraction(window) > 0.25  # measured: 0.36 to 0.46


# ── the valley race the page draws ───────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def valley_runs():
    return race_all(S.valley, S.valley_race)


def test_valley_race(valley_runs):
    tolerance = S.valley_race.tolerance
    arrivals = {name: steps_to_arrive(t, S.valley, tolerance) for name, t in valley_runs.items()}
    assert arrivals["gradient descent"] == 235  # measured: 235
    assert arrivals["momentum"] == 113  # measured: 113
    assert arrivals["Nesterov"] is None  # measured: the loss passes 1e12 at step 37
    assert valley_runs["Nesterov"].diverged
    # RMSprop with a fixed learning rate ends hopping across the floor above the tolerance
    assert arrivals["RMSprop"] is None and not valley_runs["RMSprop"].diverged
    assert 1e-4 < valley_runs["RMSprop"].losses[-1] < 1e-3  # measured: 3.2e-04


# ── 2. momentum damps the zig-zag (for moderate μ) and arrives sooner ────────────────────────────────────


@pytest.fixture(scope="module")
def sweep():
    return {row.mu: row for row in momentum_sweep(S)}


def test_momentum_arrives_sooner_except_when_very_high(sweep):
    plain = sweep[0.0]
    assert plain.steps == 235  # measured: 235
    for mu in (0.3, 0.5, 0.7, 0.9):
        assert sweep[mu].steps < 0.75 * plain.steps  # measured: 163, 113, 60, 87
    assert sweep[0.99].steps > 2 * plain.steps  # measured: 501


def test_momentum_damps_the_zigzag_for_moderate_mu_only(sweep):
    plain = sweep[0.0]
    assert plain.across == pytest.approx(13.5)  # 1.5 (1 + 0.8) / (1 − 0.8): a geometric series
    for mu in (0.3, 0.5, 0.7):
        assert sweep[mu].across < 0.85 * plain.across  # measured: 5.0, 6.8, 10.9
    for mu in (0.9, 0.99):
        assert sweep[mu].across > 2 * plain.across  # measured: 33.8, 317.5


def test_the_bounce_factor_explains_the_sweep(sweep):
    lr, h = S.valley_race.lr, S.valley.across
    threshold = (1 - lr * h) ** 2  # 0.64
    assert bounce_factor(lr, 0.0, h) == pytest.approx(abs(1 - lr * h))  # gradient descent: 0.8
    for mu in sweep:
        if mu > 0:
            assert bounce_factor(lr, mu, h) == pytest.approx(np.sqrt(mu))  # complex roots for every μ tried
            assert (bounce_factor(lr, mu, h) < bounce_factor(lr, 0.0, h)) == (mu < threshold)
    # the exception the page points out: μ = 0.7 bounces longer (0.837 > 0.8) yet travels less in total
    assert 0.7 > threshold and sweep[0.7].across < sweep[0.0].across


def test_the_bounce_factor_matches_a_measured_decay():
    lr, h, mu = S.valley_race.lr, S.valley.across, 0.9
    y = run(S.valley, S.valley_race, Momentum(lr, mu), steps=400).points[:, 1]
    peaks = [np.abs(y[i : i + 40]).max() for i in (200, 360)]
    assert (peaks[1] / peaks[0]) ** (1 / 160) == pytest.approx(bounce_factor(lr, mu, h), rel=0.01)


def test_momentum_beats_gradient_descent_on_every_surface():
    for surface, race in surfaces(S).values():
        optimizers = contenders(race)
        plain = steps_to_arrive(run(surface, race, optimizers["gradient descent"]), surface, race.tolerance)
        heavy = steps_to_arrive(run(surface, race, optimizers["momentum"]), surface, race.tolerance)
        assert heavy < 0.75 * plain  # measured: 113 vs 235, 62 vs 85, 123 vs 888


# ── 3. Nesterov against classical momentum ───────────────────────────────────────────────────────────────


def test_nesterov_is_pytorchs_nesterov_on_the_page():
    args = (S.valley, S.valley_race.start, S.torch_check_lr, S.valley_race.mu, S.torch_check_steps)
    pytest.importorskip("torch")
    from nutshell.nets.landscapes import pytorch_nesterov_path

    assert np.abs(lookahead_path(*args) - pytorch_nesterov_path(*args)).max() < 1e-12  # measured: 3.6e-15


def test_nesterov_at_each_surfaces_settings():
    measured = {}
    for key, (surface, race) in surfaces(S).items():
        pair = contenders(race)
        measured[key] = [
            steps_to_arrive(run(surface, race, pair[name]), surface, race.tolerance)
            for name in ("momentum", "Nesterov")
        ]
    assert measured["valley"] == [113, None]  # Nesterov diverges at ηh = 1.8 > its limit 1.5 for μ = 0.5
    assert measured["saddle"][1] < 0.5 * measured["saddle"][0]  # measured: 25 vs 62
    assert measured["plateau"][1] <= measured["plateau"][0]  # measured: 120 vs 123


@pytest.fixture(scope="module")
def grid():
    return arrival_grid(S.valley, S.valley_race, S.grid_lrs, S.grid_momenta)


def test_nesterov_diverges_exactly_beyond_its_stability_limit(grid):
    lrs, momenta = np.array(S.grid_lrs)[:, None], np.array(S.grid_momenta)[None, :]
    unstable = lrs * S.valley.across >= nesterov_lr_limit(momenta, 1.0)
    np.testing.assert_array_equal(grid["Nesterov"] < 0, unstable)  # measured: 14 of 54 settings
    assert (grid["momentum"] > 0).all()  # momentum's limit 2(1 + μ) is above every learning rate tried
    assert (lrs * S.valley.across < momentum_lr_limit(momenta, 1.0)).all()


def test_nesterov_wins_at_high_momentum_and_loses_a_little_at_low(grid):
    mom, nag = grid["momentum"], grid["Nesterov"]
    both = (mom > 0) & (nag > 0)
    assert both.sum() == 40  # measured: 40 of 54
    assert np.sum(both & (nag <= mom)) == 10  # measured: Nesterov no later in 10, later in 30
    for j, mu in enumerate(S.grid_momenta):
        cells = both[:, j]
        if mu <= 0.8:
            assert (nag[cells, j] > mom[cells, j]).all()  # later everywhere it is stable
            # measured: by 1 to 5 steps, except once by 48 (ηh = 1.4, μ = 0.7, next to its stability limit)
            assert (nag[cells, j] - mom[cells, j] <= 5).sum() >= cells.sum() - 1
        if mu >= 0.95:
            assert (nag[cells, j] < 0.5 * mom[cells, j]).all()  # measured: 0.13 to 0.44 of momentum's steps


# ── 4. momentum that starts low and rises ────────────────────────────────────────────────────────────────


def test_rising_momentum_avoids_the_overshoot_at_the_race_learning_rate(sweep):
    runs = {label: overshoot(t, S) for label, t in schedule_runs(S.valley_race.lr, S).items()}
    high, rising = runs.values()
    assert high.worst_loss > 1.2  # measured: 1.28 × the starting loss
    assert rising.worst_loss == pytest.approx(1.0)  # measured: never above the start
    assert high.past_minimum > 8 > 1 > rising.past_minimum  # measured: 8.91 and 0.52
    assert rising.steps < 0.1 * high.steps  # measured: 42 vs 501
    assert rising.steps < min(row.steps for row in sweep.values())  # measured: 42 vs 60 (μ = 0.7)


def test_at_a_large_learning_rate_the_low_start_is_the_unstable_one():
    high, rising = (overshoot(t, S) for t in schedule_runs(S.large_lr, S).values())
    assert S.large_lr > momentum_lr_limit(S.schedule_start, S.valley.across)  # 3.5 > 3.0: μ = 0.5 is unstable
    assert rising.worst_loss > 1e6  # measured: 2.2e8 × the starting loss
    assert high.worst_loss < 10  # measured: 5.6
    assert high.steps < rising.steps  # measured: 593 vs 1875


# ── 5. RMSprop: the article's numbers, and step lengths on the plateau and the cliff ─────────────────────


def test_the_articles_worked_rmsprop_numbers():
    (small_g, small_rms), (large_g, large_rms) = S.article_rmsprop
    small = rmsprop_update(np.array([small_g]), np.array([small_rms**2]), lr=1.0, eps=0.0)[0]
    large = rmsprop_update(np.array([large_g]), np.array([large_rms**2]), lr=1.0, eps=0.0)[0]
    assert abs(small) == pytest.approx(0.2, rel=1e-12)
    assert abs(large) == pytest.approx(4.0, rel=1e-12)


def test_a_real_rmsprop_step_reproduces_them_from_a_history():
    for (gradient, rms), expected in zip(S.article_rmsprop, (0.2, 4.0)):
        optimizer = RMSprop(lr=1.0, decay=S.article_decay, eps=0.0)
        optimizer.mean_square = np.array([rmsprop_history(gradient, rms, S.article_decay)])
        step = optimizer.step(np.zeros(1), lambda _: np.array([gradient]))[0]
        assert np.sqrt(optimizer.mean_square[0]) == pytest.approx(rms, rel=1e-12)
        assert abs(step) == pytest.approx(expected, rel=1e-12)
    assert rmsprop_history(*S.article_rmsprop[1], S.other_decay) < 0  # impossible with ρ = 0.9
    assert rmsprop_history(*S.article_rmsprop[0], S.other_decay) > 0


@pytest.fixture(scope="module")
def plateau_runs():
    return race_all(S.plateau, S.plateau_race)


def test_rmsprop_step_length_hardly_depends_on_the_slope(plateau_runs):
    rms = step_sizes(plateau_runs["RMSprop"], S)
    plain = step_sizes(plateau_runs["gradient descent"], S)
    assert rms.gradient_ratio > 100  # measured: 585: the cliff is far steeper than the plateau
    assert 0.5 < rms.step_ratio < 2  # measured: 0.96
    assert plain.step_ratio > 1000  # measured: 2670
    assert plain.step_ratio == pytest.approx(plain.gradient_ratio)  # η = 1: step = slope
    assert rms.plateau_step > 100 * plain.plateau_step  # measured: 0.14 vs 4.5e-4
    assert rms.cliff_step < plain.cliff_step / 5  # measured: 0.14 vs 1.20


def test_rmsprop_crosses_the_plateau_first(plateau_runs):
    arrivals = {n: steps_to_arrive(t, S.plateau, S.plateau_race.tolerance) for n, t in plateau_runs.items()}
    others = min(steps for name, steps in arrivals.items() if name != "RMSprop")
    assert arrivals["RMSprop"] < others / 2  # measured: 41 vs 120 (Nesterov)
    assert arrivals["gradient descent"] > 5 * arrivals["momentum"]  # measured: 888 vs 123


# ── 6. lingering near the saddle ─────────────────────────────────────────────────────────────────────────


def test_gradient_descent_lingers_at_the_saddle():
    near = {name: lingering(t, S) for name, t in race_all(S.saddle, S.saddle_race).items()}
    assert near["gradient descent"] >= 40  # measured: 53
    assert near["momentum"] < near["gradient descent"] / 4  # measured: 7
    assert near["Nesterov"] < near["gradient descent"] / 3  # measured: 13
    assert near["RMSprop"] == 0  # measured: 0, it never comes within the radius
