"""Explorable figures: the grid and its controls, what goes on the page, the pinned Vega, and that every
demo's grid holds what the library computes for the same setting (small settings, so that it is quick).

The browser tests (tests/browser/test_explorables.py) drive the figures on the built site.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nutshell import explorables
from nutshell.explorables import Grid, choice, slider

ROOT = Path(__file__).resolve().parents[1]


def controls_with_a_dependent_one():
    return (choice("method", "Method", ("plain", "momentum")),
            slider("lr", "Learning rate", (0.1, 0.2, 0.4), default=0.2),
            slider("mu", "Momentum", (0.5, 0.9), applies={"method": ("momentum",)}))


def square(method, lr, mu):
    return {"result": lr * lr + (mu or 0), "tables": {"points": [{"x": i, "y": lr * i} for i in range(3)]}}


# ── the grid ───────────────────────────────────────────────────────────────────────


def test_settings_cover_every_combination_once_and_hold_none_where_a_control_does_not_apply():
    found = explorables.settings(controls_with_a_dependent_one())
    assert len(found) == 3 + 3 * 2
    assert {"method": "plain", "lr": 0.1, "mu": None} in found
    assert {"method": "momentum", "lr": 0.4, "mu": 0.9} in found


def test_evaluate_measures_every_setting_tags_tables_with_their_row_and_times_itself():
    grid = explorables.evaluate(controls_with_a_dependent_one(), square)
    assert grid.size == 9 and grid.seconds >= 0
    row = grid.row(method="momentum", lr=0.4, mu=0.9)
    assert row["result"] == pytest.approx(0.16 + 0.9)
    number = grid.index(method="momentum", lr=0.4, mu=0.9)
    assert [p["y"] for p in grid.tables["points"] if p["row"] == number] == pytest.approx([0, 0.4, 0.8])
    assert grid.rows[grid.default_index] == {"method": "plain", "lr": 0.2, "mu": None, "result": 0.2 * 0.2}
    assert grid.index(method="plain", mu=0.9) == grid.index(method="plain")  # mu does not apply


def test_tabulate_takes_results_computed_already_and_their_cost():
    grid = explorables.tabulate((slider("k", "k", (1, 2)),), lambda k: {"twice": 2 * k}, seconds=3.5)
    assert [row["twice"] for row in grid.rows] == [2, 4] and grid.seconds == 3.5


def test_with_defaults_moves_where_the_controls_start():
    grid = explorables.with_defaults(explorables.evaluate(controls_with_a_dependent_one(), square),
                                     method="momentum", mu=0.9)
    assert grid.rows[grid.default_index] == grid.row(method="momentum", lr=0.2, mu=0.9)
    with pytest.raises(ValueError, match="no control named"):
        explorables.with_defaults(grid, nope=1)


@pytest.mark.parametrize("make, message", [
    (lambda: slider("x", "X", ()), "no values"),
    (lambda: slider("x", "X", (1, 1)), "repeat"),
    (lambda: slider("x", "X", (1, 2), labels=("one",)), "1 labels for 2 values"),
    (lambda: slider("x", "X", (1, 2), default=3), "not one of its values"),
    (lambda: slider("width", "Width", (1, 2)), "use a Python identifier other than"),
    (lambda: slider("row", "Row", (1, 2)), "use a Python identifier other than"),
    (lambda: Grid((slider("x", "X", (1, 2)),), [{"x": 1}]), "1 settings missing"),
    (lambda: Grid((slider("x", "X", (1,)),), [{"x": 1}, {"x": 1}]), "same setting"),
    (lambda: Grid((slider("x", "X", (1,)),), [{"x": 1}], {"t": [{"row": 5}]}), "no such 'row'"),
    (lambda: Grid((slider("y", "Y", (1,), applies={"x": (1,)}), slider("x", "X", (1,))), []), "earlier"),
    (lambda: explorables.evaluate((slider("x", "X", (1,)),), lambda x: {"x": 2}), "names of controls"),
])
def test_mistakes_are_refused_with_a_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ── what goes on the page ────────────────────────────────────────────────────────────


def test_compact_cuts_floats_and_makes_everything_json():
    assert explorables.compact(1 / 3) == 0.3333
    assert explorables.compact(np.float32(12345.678)) == 12350.0
    mixed = [float("nan"), float("inf"), np.int64(3), True, None, "a"]
    assert explorables.compact(mixed) == [None, None, 3, True, None, "a"]
    assert explorables.compact(np.array([[0.5, 2 / 3]])) == [[0.5, 0.6667]]
    assert explorables.columns([{"a": 1, "b": 0.25}, {"a": 2}]) == {"a": [1, 2], "b": [0.25, None]}
    with pytest.raises(TypeError):
        explorables.compact(object())


def page_of(grid: Grid, descriptions=None, chart=None):
    spec = explorables.spec_of(chart or {"mark": "point", "$schema": "https://example.org/schema.json"}, grid)
    descriptions = descriptions or [f"setting {n} </script><b>" for n in range(grid.size)]
    return explorables.html(grid, spec, title="A <title>", descriptions=descriptions,
                            fallback_png=b"\x89PNG fake", name="test figure")


def embedded_payload(page: str) -> dict:
    match = re.search(r'<template class="nutshell-explorer__data" data-search-exclude>(.*?)</template>',
                      page, re.S)
    assert match and not re.search(r"[<>&]", match.group(1)), "the JSON must read as plain text in HTML"
    return json.loads(match.group(1))


def test_the_figure_holds_labelled_controls_the_static_figure_the_words_and_inert_data():
    """No <script>: Material's instant navigation would run it as JavaScript, whatever its type."""
    grid = explorables.evaluate(controls_with_a_dependent_one(), square)
    page = page_of(grid)
    assert explorables.MARKER in page and page.count("<figure") == 1 and "<script" not in page
    assert '<div class="nutshell-explorer__controls" hidden>' in page  # shown by the script only
    assert "<fieldset" in page and "<legend>Method</legend>" in page
    for name in ("lr", "mu"):
        assert f'<label for="explore-test-figure-{name}">' in page
        assert f'id="explore-test-figure-{name}"' in page
    assert 'aria-valuetext="0.2"' in page
    assert re.search(r'id="explore-test-figure-mu"[^>]* disabled', page), "mu does not apply by default"
    assert 'aria-live="polite"' in page and 'src="data:image/png;base64,' in page
    assert "A &lt;title&gt;" in page and "setting 1 &lt;/script&gt;" in page  # escaped, never raw
    assert f"{grid.size} settings" in page
    payload = embedded_payload(page)
    assert payload["default"] == grid.default_index and len(payload["descriptions"]) == grid.size
    assert payload["data"]["rows"]["row"] == list(range(grid.size))
    assert payload["keys"]["0,1,-"] == grid.index(method="plain", lr=0.2)
    assert payload["keys"]["1,2,1"] == grid.index(method="momentum", lr=0.4, mu=0.9)
    assert payload["controls"][2]["applies"] == {"method": [1]}


def test_the_spec_gets_a_signal_for_the_row_and_each_control_and_no_schema_url():
    grid = explorables.evaluate(controls_with_a_dependent_one(), square)
    chart = {"mark": "point", "$schema": "https://x", "params": [{"name": "mine", "value": 1}]}
    spec = explorables.spec_of(chart, grid)
    assert "$schema" not in spec
    assert spec["params"] == [{"name": "row", "value": grid.default_index},
                              {"name": "method", "value": "plain"}, {"name": "lr", "value": 0.2},
                              {"name": "mu", "value": None}, {"name": "mine", "value": 1}]


def test_an_altair_chart_becomes_a_valid_spec_over_named_data():
    alt = pytest.importorskip("altair")
    grid = explorables.evaluate(controls_with_a_dependent_one(), square)
    chart = alt.Chart(explorables.data("points")).transform_filter(explorables.SELECTED).mark_line().encode(
        x="x:Q", y="y:Q")
    spec = explorables.spec_of(chart, grid)
    assert spec["data"] == {"name": "points"} and spec["transform"] == [{"filter": "datum.row == row"}]


def test_show_prints_the_cost_and_saves_the_static_figure_when_run_as_a_script(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nutshell.figures import FIGURE_DIR_ENV

    monkeypatch.setenv(FIGURE_DIR_ENV, str(tmp_path))
    grid = explorables.evaluate(controls_with_a_dependent_one(), square)
    options = {"title": "Squares", "describe": lambda row: f"r={row['result']:.2f}",
               "fallback": lambda row: plt.subplots()[0]}
    assert explorables.show(grid, {"mark": "point"}, **options) is None  # nothing for a notebook to echo
    out = capsys.readouterr().out
    assert "explorable: 9 settings, computed in" in out and "Squares (default setting): r=0.04" in out
    assert (tmp_path / "explore-squares.png").read_bytes().startswith(b"\x89PNG")
    page, png = explorables.render(grid, {"mark": "point"}, **options)
    assert html.escape("r=0.04") in page and png.startswith(b"\x89PNG")


# ── the pinned Vega ──────────────────────────────────────────────────────────────────


def test_one_version_of_vega_everywhere():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"VEGA_VERSION ?= {explorables.VEGA_VERSION}\n" in makefile
    assert f"VEGA_LITE_VERSION ?= {explorables.VEGA_LITE_VERSION}\n" in makefile
    setup = (ROOT / "tools/setup-system").read_text(encoding="utf-8")
    assert f"VEGA_VERSION=${{VEGA_VERSION:-{explorables.VEGA_VERSION}}}" in setup
    assert f"VEGA_LITE_VERSION=${{VEGA_LITE_VERSION:-{explorables.VEGA_LITE_VERSION}}}" in setup
    alt = pytest.importorskip("altair")
    assert alt.SCHEMA_VERSION == f"v{explorables.VEGA_LITE_VERSION}", "Altair writes specs for this Vega-Lite"


def test_missing_or_other_vega_stops_the_build_with_the_command_that_fixes_it(tmp_path, monkeypatch):
    monkeypatch.setenv(explorables.VENDOR_ENV, str(tmp_path / "vega"))
    with pytest.raises(explorables.VendorError, match=r"vega is not installed.*npm install --no-save"):
        explorables.vendored_files(tmp_path)
    for package, version in (("vega", "5.0.0"), ("vega-lite", explorables.VEGA_LITE_VERSION)):
        folder = tmp_path / "vega/node_modules" / package
        folder.mkdir(parents=True)
        (folder / "package.json").write_text(json.dumps({"version": version}))
    with pytest.raises(explorables.VendorError, match="vega 5.0.0 is installed"):
        explorables.vendored_files(tmp_path)


def test_the_vendored_scripts_are_copied_into_the_site(tmp_path, monkeypatch):
    folder = tmp_path / "vega"
    for package, version in explorables.VENDOR_PACKAGES.items():
        (folder / "node_modules" / package / "build").mkdir(parents=True)
        (folder / "node_modules" / package / "package.json").write_text(json.dumps({"version": version}))
    for name, relative in explorables.VENDOR_FILES.items():
        (folder / relative).write_text(f"// {name}")
    monkeypatch.setenv(explorables.VENDOR_ENV, str(folder))
    copied = explorables.copy_vendored(tmp_path, tmp_path / "site")
    assert sorted(p.relative_to(tmp_path / "site").as_posix() for p in copied) == [
        f"{explorables.VENDOR_SITE_DIR}/{name}" for name in sorted(explorables.VENDOR_FILES)]


# ── every demo's grid holds what the library computes ─────────────────────────────────


def test_backprop_grid_counts_what_the_cost_sweep_counts():
    from nutshell.nets.backprop_rules import BACKPROP_DEMO as S, cost_grid, describe_costs, measure_costs

    grid = cost_grid(S)
    assert grid.size == len(S.cost_depths) * len(S.cost_widths)
    for row in measure_costs(S, timed=False):
        cell = grid.row(depth=S.cost_depth, units=row.width)
        assert (cell["weights"], cell["forward"], cell["backward"]) == (
            row.weights, row.forward_ops.total, row.backward_ops.total)
        assert cell["finite_differences"] == row.fd_ops
    default = grid.rows[grid.default_index]
    assert (default["depth"], default["units"]) == (S.cost_depth, S.explore_width)
    assert f"{default['weights']:,} weights" in describe_costs(default)


def test_landscape_grid_at_the_races_settings_is_the_race():
    from nutshell.nets.landscapes import (
        LANDSCAPE_DEMO as S,
        contenders,
        describe_descent,
        descent_grid,
        run,
        steps_to_arrive,
        surfaces,
    )

    grid = descent_grid(S)
    assert grid.size == 3 * len(S.explore_lr_scales) * (2 + 2 * len(S.explore_momenta))
    checked = 0
    for name, (surface, race) in surfaces(S).items():
        for optimizer, contender in contenders(race).items():
            mu = race.mu if optimizer in ("momentum", "Nesterov") else None
            cell = grid.row(surface=name, optimizer=optimizer, lr_scale=1.0, mu=mu)
            trajectory = run(surface, race, contender)
            assert cell["arrived"] == steps_to_arrive(trajectory, surface, race.tolerance), (name, optimizer)
            first = min(10, len(cell["xs"]))  # a path that leaves the view stops there
            assert cell["xs"][:first] == pytest.approx(trajectory.points[:first, 0], abs=0.01)
            assert cell["ys"][:first] == pytest.approx(trajectory.points[:first, 1], abs=0.01)
            checked += 1
    assert checked == 12
    default = grid.rows[grid.default_index]
    assert (default["surface"], default["optimizer"]) == ("valley", "momentum")
    assert default["mu"] == S.valley_race.mu
    assert f"arrives after {default['arrived']} steps" in describe_descent(default)


def test_landscape_paths_are_thinned_and_stop_where_they_leave_the_view():
    from nutshell.nets.landscapes import shipped_path

    points = np.stack([np.linspace(0, 1, 300), np.zeros(300)], axis=1)
    xs, ys = shipped_path(points, (0, 1, -1, 1), keep=45)
    assert len(xs) <= 45 and xs[:30] == pytest.approx(points[:30, 0], abs=1e-3) and xs[-1] == 1.0
    leaving = np.array([[0.5, 0.0], [0.9, 0.0], [2.0, 0.0], [3.0, 0.0]])
    assert shipped_path(leaving, (0, 1, -1, 1), keep=45)[0] == [0.5, 0.9, 2.0]


def test_regularisation_grid_trains_what_train_trains_and_gives_the_sweeps_points():
    from threadpoolctl import threadpool_limits

    from nutshell.nets.regularisation import (
        REGULARISATION_DEMO,
        Regulariser,
        describe_regularisation,
        grid_regulariser,
        regularisation_grid,
        split_for,
        strength_sweep,
        sweep_points,
        train,
    )

    small = dataclasses.replace(REGULARISATION_DEMO, steps=40, record_every=20, hidden=32,
                                l2_strengths=(1e-2,), l1_strengths=(1e-3,), explore_dropout=(0.5,))
    with threadpool_limits(limits=1, user_api="blas"):
        grid = regularisation_grid(small)
        assert grid.size == 3 * 2  # each regulariser: none, or its one strength
        assert sweep_points(grid, "l2") == strength_sweep("l2", small)
        assert sweep_points(grid, "l1") == strength_sweep("l1", small)
        data = split_for(small.sweep_seed, small)
        dropout = train(data, Regulariser("dropout", drop_hidden=0.5), small, small.sweep_seed)
    cell = grid.row(regulariser="dropout", dropout=0.5)
    assert cell["test_error"] == dropout.test_error[-1] and cell["train_error"] == dropout.train_error[-1]
    bins = [b for b in grid.tables["histogram"] if b["row"] == grid.index(regulariser="dropout", dropout=0.5)]
    assert sum(b["count"] for b in bins) == dropout.net.weights.size
    assert grid_regulariser("L1", None, 0.0, None) == Regulariser("none")
    none = [grid.row(regulariser=kind, **{kind.lower(): 0.0}) for kind in ("L2", "L1", "dropout")]
    assert none[0]["test_error"] == none[1]["test_error"] == none[2]["test_error"]
    assert describe_regularisation(none[0]).startswith("no regularisation: training error")


def test_relu_grid_is_the_dead_unit_sweep_run_by_run():
    torch = pytest.importorskip("torch")
    from nutshell.nets.relu import (
        RELU_DEMO,
        dead_unit_grid,
        dead_unit_sweep,
        describe_dead_units,
        train_and_count_dead,
    )

    small = dataclasses.replace(RELU_DEMO, dead_steps=30, dead_lrs=(0.03, 0.12), dead_seeds=(0, 1),
                                sensible_lr=0.03, too_large_lr=0.12)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        grid = dead_unit_grid(dead_unit_sweep(small), 1.0, small)
        again = train_and_count_dead(0.12, 1, small)
    finally:
        torch.set_num_threads(threads)
    cell = grid.row(lr=0.12, seed=1)
    assert cell["dead"] == again.dead and cell["dead_at_init"] == again.dead_at_init
    layers = [r for r in grid.tables["layers"] if r["row"] == grid.index(lr=0.12, seed=1)]
    assert [r["dead"] for r in layers if r["when"] == "after training"] == again.dead
    assert grid.rows[grid.default_index]["lr"] == 0.12 and grid.seconds == 1.0
    assert describe_dead_units(cell).startswith("learning rate 0.12, seed 1: ")


def test_alexnet_snapshots_change_nothing_and_the_last_is_the_final_confusion_matrix(tmp_path):
    pytest.importorskip("torch")
    from nutshell.alexnet import TrainConfig
    from nutshell.alexnet.data import digits_splits
    from nutshell.alexnet.evaluation import predict
    from nutshell.alexnet.snapshots import EpochSnapshots, describe_snapshot, scaled_filters, snapshot_grid
    from nutshell.alexnet.train import train

    config = TrainConfig(batch_size=32, max_train_batches=3, epochs=2, quiet=True, device="cpu", threads=1,
                         out=None, seed=0)
    plain = train(config)
    snapshots = EpochSnapshots()
    watched = train(config, on_epoch=snapshots)
    assert watched.weights_sha256_by_rank == plain.weights_sha256_by_rank, "watching changed the training"
    assert [s.epoch for s in snapshots.snapshots] == [0, 1, 2]
    conv1 = watched.model.features.conv1.weight.detach()[:, 0].numpy()
    assert np.array_equal(snapshots.snapshots[-1].filters, conv1)
    assert not np.array_equal(snapshots.snapshots[0].filters, snapshots.snapshots[-1].filters)
    splits = digits_splits(seed=0)
    from nutshell.alexnet.config import resolve
    from nutshell.alexnet.data import make_transform
    from nutshell.nets.alexnet import scaled_config

    transform = make_transform(resolve(config), splits, scaled_config())
    answers, truth = predict(watched.model, splits.test, transform)
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (truth, answers), 1)
    assert np.array_equal(snapshots.snapshots[-1].confusion, expected)

    grid = snapshot_grid(snapshots, watched.history)
    last = grid.rows[grid.default_index]
    assert last["epoch"] == 2 and last["confusion"] == expected.ravel().tolist()
    assert last["pixels"] == pytest.approx(scaled_filters(snapshots.snapshots[-1].filters).ravel(), abs=1e-3)
    assert last["val_accuracy"] == watched.history[-1]["val_accuracy"]
    assert describe_snapshot(last).startswith(f"after epoch 2: test accuracy {last['accuracy']:.1%}")


def test_xor_perceptron_grid_is_each_gates_run_epoch_by_epoch():
    from nutshell.nets.mlp import XOR_DEMO
    from nutshell.nets.perceptron import (
        VIEW,
        Perceptron,
        decision_grid,
        describe_perceptron,
        gate_runs,
        logic_gate,
        perceptron_grid,
        train_perceptron,
    )

    small = dataclasses.replace(XOR_DEMO.perceptron, epochs=6)
    runs = gate_runs(small)
    grid = perceptron_grid(runs, 0.5, small)
    assert grid.size == len(small.gates) * (small.epochs + 1) and grid.seconds == 0.5
    for gate in small.gates:
        X, y = logic_gate(gate)
        again = train_perceptron(X, y, epochs=small.epochs, seed=small.seed)
        for epoch in range(small.epochs + 1):
            cell = grid.row(gate=gate, epoch=epoch)
            weights = again.weights[epoch - 1] if epoch else again.initial_weights
            bias = again.biases[epoch - 1] if epoch else again.initial_bias
            assert cell["weights"] == weights.tolist() and cell["bias"] == bias
            unit = Perceptron(weights, bias)
            assert cell["outputs"] == unit.predict(X).tolist() and cell["targets"] == y.tolist()
            assert cell["mistakes"] == (again.mistakes[epoch - 1] if epoch else None)
            ends = np.column_stack([cell["line_x"], cell["line_y"]])
            assert ends @ weights + bias == pytest.approx([0, 0], abs=1e-9), "the ends lie on the line"
            # what the page shades (between the line and the edge, inside the view) is where it answers 1
            _, _, points = decision_grid(VIEW[0] + 0.01, VIEW[1] - 0.01, 41)  # inside the view
            along, across = (points[:, 1], points[:, 0]) if cell["steep"] else (points[:, 0], points[:, 1])
            line = np.interp(along, *((cell["line_y"], cell["line_x"]) if cell["steep"]
                                      else (cell["line_x"], cell["line_y"])))
            shaded = (np.minimum(line, cell["edge"]) <= across) & (across <= np.maximum(line, cell["edge"]))
            clear = np.abs(across - line) > 1e-6
            assert np.array_equal(shaded[clear], unit.predict(points)[clear] == 1), (gate, epoch)
        counts = [r["mistakes"] for r in grid.tables["epochs"] if r["gate"] == gate]
        assert counts == again.mistakes
    default = grid.rows[grid.default_index]
    assert (default["gate"], default["epoch"]) == (small.explore_gate, small.epochs)
    assert describe_perceptron(grid.row(gate="xor", epoch=0)).startswith("XOR, before training: ")
    assert describe_perceptron(grid.row(gate="and", epoch=6)) == (
        "AND, epoch 6: no mistakes during the epoch; the line after it gets all 4 corners right")


def test_xor_solving_grid_counts_what_failing_seeds_counts():
    from nutshell.nets.mlp import (
        XOR_DEMO,
        curve_steps,
        describe_solving,
        failing_seeds,
        hidden_unit_sweep,
        solving_grid,
        train_mlp,
    )
    from nutshell.nets.perceptron import logic_gate

    small = dataclasses.replace(XOR_DEMO.hidden_layer, epochs=300, seeds=(0, 1, 2, 3),
                                hidden_unit_counts=(1, 2), curve_every=100)
    X, y = logic_gate("xor")
    grid = solving_grid(hidden_unit_sweep(X, y, small), 2.0, small)
    assert grid.size == 2 and grid.rows[grid.default_index]["hidden"] == small.n_hidden
    assert curve_steps(small) == [0, 100, 200, 299]
    for hidden in small.hidden_unit_counts:
        cell = grid.row(hidden=hidden)
        stuck = failing_seeds(X, y, small.seeds, n_hidden=hidden, epochs=small.epochs, lr=small.lr)
        assert cell["stuck"] == stuck and cell["solved"] == len(small.seeds) - len(stuck)
        curves = [r for r in grid.tables["curves"] if r["row"] == grid.index(hidden=hidden)]
        for curve in curves:
            run = train_mlp(X, y, n_hidden=hidden, epochs=small.epochs, lr=small.lr, seed=curve["seed"])
            assert curve["losses"] == [run.losses[k] for k in curve["steps"]]
            assert curve["outcome"] == ("solved" if run.accuracy == 1.0 else "stuck")
    one = grid.row(hidden=1)
    assert one["solved"] == 0, "one hidden unit still draws a single line"
    assert describe_solving(one, small).startswith("1 hidden unit: 0 of 4 seeds (0%) get all four corners"
                                                   " right after 300 steps; every run stops at a loss of")


def test_vanishing_gradient_grid_holds_each_networks_gradient_norms():
    torch = pytest.importorskip("torch")
    from nutshell.nets.deep import (
        VANISHING_DEMO,
        describe_gradients,
        gradient_grid,
        layer_gradient_norms,
        layer_norms,
        make_net,
        make_task,
    )

    small = dataclasses.replace(VANISHING_DEMO, examples=64, depth=3, explore_depths=(2, 3))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        grid = gradient_grid(small)
        X, y = make_task(n=small.examples, in_features=small.in_features, seed=small.task_seed,
                         waves=small.waves)
        assert grid.size == 3 * 2 * 2
        for row, cell in enumerate(grid.rows):
            net = make_net(cell["depth"], small.width, cell["activation"], cell["init"],
                           in_features=small.in_features, seed=small.net_seed)
            norms = layer_gradient_norms(net, X, y)
            assert layer_norms(grid, row) == norms and len(norms) == cell["depth"] + 1
            assert cell["ratio"] == norms[0] / norms[-1]
    finally:
        torch.set_num_threads(threads)
    default = grid.rows[grid.default_index]
    assert (default["activation"], default["init"], default["depth"]) == ("sigmoid", "xavier", 3)
    assert describe_gradients(default).startswith("depth 3, sigmoid with Glorot's initialisation: first-layer"
                                                  f" gradient {default['ratio']:.2g} of the last layer's")
    with pytest.raises(ValueError, match="depth must be among explore_depths"):
        dataclasses.replace(VANISHING_DEMO, depth=31)
