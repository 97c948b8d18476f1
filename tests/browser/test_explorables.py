"""Explorable figures on the built site: every control moves the figure and the words to what the library
computes for that setting, by mouse and by keyboard, in both palettes, with nothing fetched from elsewhere;
pages without one load no visualisation script.

Each check recomputes its settings with the library (the same functions the demo calls) and compares them
with what the chart draws (the data of the Vega view's marks) and what the sentence under it says.
"""

from __future__ import annotations

import dataclasses
import gzip
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import ROOT, Tab, record
from .test_accessibility import BLOCKING, axe_violations, describe

pytestmark = pytest.mark.browser

VISUALISATION = re.compile(r"/assets/vendor/vega/|/javascripts/explorer\.js")
BUDGET_BYTES = 300 * 1024  # compressed script an explorable may add to its page
# Demo pages whose explorable another change adds; strict xfail, so that this list is emptied the day
# they get one.
PENDING: set[str] = set()

# Every mark's data, by mark name, from the Vega view of a figure (its scenegraph, as drawn).
_MARK_DATA = """(figure) => {
  const view = window.nutshellExplorer.view(figure);
  const out = {};
  const keep = (datum) => Object.fromEntries(Object.entries(datum).filter(([k]) => !k.startsWith('Symbol')));
  const walk = (mark) => {
    const name = mark.name || mark.role;
    for (const item of mark.items || []) {
      if (mark.marktype === 'group') (item.items || []).forEach(walk);
      else if (item.datum) (out[name] = out[name] || []).push(keep(item.datum));
    }
  };
  walk(view.scenegraph().root);
  return out;
}"""


def figure_on(tab: Tab, demo_id: str, index: int = 0):
    tab.goto(f"demos/{demo_id}/")
    figure = tab.page.locator("figure.nutshell-explorer").nth(index)
    expect(figure).to_have_attribute("data-ready", "true", timeout=30_000)
    return figure


def state(figure) -> dict:
    """The chosen row, the sentence under the figure, and every datum the chart draws."""
    return {"row": int(figure.get_attribute("data-row")),
            "words": figure.locator(".nutshell-explorer__state").inner_text(),
            "marks": figure.evaluate(_MARK_DATA)}


def drawn(marks: dict, *fields: str, mark: str | None = None) -> list[dict]:
    """The data of every mark (or of the one the chart names ``mark``) that has all these fields."""
    chosen = marks.values() if mark is None else [marks.get(f"{mark}_marks", [])]
    return [d for data in chosen for d in data if all(f in d for f in fields)]


def only_row(marks: dict, row: int) -> None:
    rows = {d["row"] for data in marks.values() for d in data if "row" in d}
    assert rows == {row}, f"the figure draws rows {rows}, the chosen one is {row}"


def wait_for_row_change(figure, before: int) -> dict:
    expect(figure).not_to_have_attribute("data-row", str(before))
    return state(figure)


def slider(figure, label: str):
    return figure.get_by_label(label, exact=True)


def keyboard(figure, control, key: str) -> dict:
    before = int(figure.get_attribute("data-row"))
    control.focus()
    control.press(key)
    return wait_for_row_change(figure, before)


def mouse_to_end(figure, control, end: str) -> dict:
    """Click a slider at its left or right end."""
    before = int(figure.get_attribute("data-row"))
    control.scroll_into_view_if_needed()
    box = control.bounding_box()
    x = box["x"] + (2 if end == "left" else box["width"] - 2)
    control.page.mouse.click(x, box["y"] + box["height"] / 2)
    return wait_for_row_change(figure, before)


def click_option(figure, text: str) -> dict:
    before = int(figure.get_attribute("data-row"))
    figure.locator("fieldset label", has_text=text).click()
    return wait_for_row_change(figure, before)


# ── the site ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("demo_id", [
    pytest.param(d, marks=pytest.mark.xfail(strict=True, reason="its explorable is still to come"))
    if d in PENDING else d
    for d in ("xor", "vanishing-gradients", "alexnet", "descending-the-landscape", "backprop-by-the-rules",
              "relu", "regularisation")])
def test_every_demo_page_has_a_working_explorable(tab, demo_id):
    tab.goto(f"demos/{demo_id}/")
    figures = tab.page.locator("figure.nutshell-explorer")
    assert figures.count() >= 1, f"demos/{demo_id}/ has no explorable figure"
    for i in range(figures.count()):
        expect(figures.nth(i)).to_have_attribute("data-ready", "true", timeout=30_000)
        expect(figures.nth(i).locator(".nutshell-explorer__controls")).to_be_visible()
        expect(figures.nth(i).locator(".nutshell-explorer__chart svg")).to_be_visible()
        expect(figures.nth(i).locator(".nutshell-explorer__chart img")).to_be_hidden()
    assert not tab.problems(), "\n".join(tab.problems())


def test_pages_without_an_explorable_load_no_visualisation_script_and_weigh_what_they_did(tab, built_site):
    for path in ("", "timeline/", "glossary/", "demos/"):
        before = len(tab.requests)
        tab.goto(path)
        tab.page.wait_for_load_state("networkidle")
        loaded = [url for url in tab.requests[before:] if VISUALISATION.search(url)]
        assert not loaded, f"/{path} loaded {loaded}"
        assert tab.page.locator("figure.nutshell-explorer").count() == 0
    # What every page gains: the loader alone.
    loader = (ROOT / "docs/javascripts/explorables.js").read_bytes()
    record("explorable loader on every page (bytes, gzip)",
           {"raw": len(loader), "gzip": len(gzip.compress(loader, 9))})
    assert len(gzip.compress(loader, 9)) < 1024


def test_the_added_script_stays_within_its_budget_and_comes_from_the_site(tab, built_site):
    files = {name: built_site / "assets/vendor/vega" / name for name in ("vega.min.js", "vega-lite.min.js")}
    files["explorer.js"] = built_site / "javascripts/explorer.js"
    files["explorables.js"] = built_site / "javascripts/explorables.js"
    sizes = {name: len(gzip.compress(path.read_bytes(), 9)) for name, path in files.items()}
    record("explorable script (bytes, gzip -9)", {**sizes, "total": sum(sizes.values())})
    assert sum(sizes.values()) <= BUDGET_BYTES

    figure_on(tab, "relu")
    scripts = [url for url in tab.requests if VISUALISATION.search(url)]
    assert len(scripts) == 3 and all(url.startswith(tab.base) for url in scripts), scripts
    assert not tab.external and not tab.problems(), "\n".join(tab.problems())


def test_instant_navigation_draws_the_explorable_and_leaves_other_pages_alone(tab):
    tab.goto("")
    tab.page.locator("nav.md-tabs a.md-tabs__link", has_text="Training").click()  # instant navigation
    expect(tab.page).to_have_url(re.compile(r"/demos/descending-the-landscape/$"))
    figure = tab.page.locator("figure.nutshell-explorer").first
    expect(figure).to_have_attribute("data-ready", "true", timeout=30_000)
    assert not tab.problems(), "\n".join(tab.problems())


def test_without_javascript_the_static_figure_and_the_numbers_show(browse):
    tab = browse(java_script_enabled=False)
    tab.page.goto(tab.url("demos/relu/"))
    figure = tab.page.locator("figure.nutshell-explorer").first
    expect(figure.locator(".nutshell-explorer__chart img")).to_be_visible()
    expect(figure.locator(".nutshell-explorer__controls")).to_be_hidden()
    expect(figure.locator(".nutshell-explorer__state")).to_contain_text("learning rate 0.12, seed 0")
    assert figure.locator(".nutshell-explorer__chart img").evaluate("img => img.naturalWidth") > 0


# ── accessibility ────────────────────────────────────────────────────────────────────


EXPLORER_PAGES = ["xor", "vanishing-gradients", "alexnet", "descending-the-landscape",
                  "backprop-by-the-rules", "relu", "regularisation"]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_explorable_pages(browse, axe_source, color_scheme):
    tab = browse(color_scheme=color_scheme)
    blocking = []
    for demo_id in EXPLORER_PAGES:
        figure = figure_on(tab, demo_id)
        # after a move, with the figure redrawn
        figure.locator("input").first.focus()
        tab.page.keyboard.press("End")
        blocking += [describe(f"demos/{demo_id}/", v) for v in axe_violations(tab, axe_source)
                     if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)


def test_every_control_is_labelled_and_reachable_by_tab(tab):
    for demo_id in EXPLORER_PAGES:
        figure = figure_on(tab, demo_id)
        controls = figure.locator("input")
        for i in range(controls.count()):
            name = controls.nth(i).evaluate("i => i.labels.length ? i.labels[0].textContent.trim() : ''")
            assert name, f"{demo_id}: input {i} has no label"
        for fieldset in figure.locator("fieldset").all():
            assert fieldset.locator("legend").inner_text().strip()
        # Tab from just before the controls: every enabled slider and each radio group's chosen option
        expected = figure.evaluate("""f => [...f.querySelectorAll('input')].filter(i => !i.disabled
            && !i.closest('fieldset:disabled') && (i.type !== 'radio' || i.checked))
            .map(i => i.id || i.name + i.value)""")
        figure.locator("figcaption").evaluate("e => { e.tabIndex = -1; e.focus(); }")
        reached = []
        for _ in range(len(expected)):
            tab.page.keyboard.press("Tab")
            reached.append(tab.page.evaluate(
                "() => { const a = document.activeElement; return a.id || a.name + a.value; }"))
        assert reached == expected, f"{demo_id}: Tab reaches {reached}, expected {expected}"


def test_the_figure_follows_the_palette_and_its_text_reads_on_both(browse):
    tab = browse(color_scheme="light")
    figure = figure_on(tab, "backprop-by-the-rules")
    ink = "() => getComputedStyle(document.querySelector('.nutshell-explorer svg text')).fill"
    light_ink = figure.evaluate(f"f => ({ink})()")
    tab.page.locator("form[data-md-component='palette'] label:visible").click()
    expect(tab.page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    tab.page.wait_for_function(f"() => ({ink})() !== {light_ink!r}")
    dark_ink = figure.evaluate(f"f => ({ink})()")

    def luminance(css: str) -> float:
        r, g, b = (float(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert luminance(dark_ink) > 0.5 > luminance(light_ink), (light_ink, dark_ink)
    assert not tab.problems(), "\n".join(tab.problems())


# ── each figure against the library ────────────────────────────────────────────────────


def test_xor_perceptron_line_and_mistakes_by_gate_and_epoch(tab):
    from nutshell.nets.mlp import XOR_DEMO
    from nutshell.nets.perceptron import describe_perceptron, gate_runs, perceptron_row

    S = XOR_DEMO.perceptron
    runs = gate_runs(S)
    figure = figure_on(tab, "xor", 0)

    def check(now: dict, gate: str, epoch: int):
        row = {"gate": gate, "epoch": epoch, **perceptron_row(runs[gate], epoch, gate)}
        assert now["words"] == describe_perceptron(row)
        corners = drawn(now["marks"], "target", "output", mark="corners_0")  # named in the demo, layer 0
        line = drawn(now["marks"], "x", "y", mark="line_0")
        only_row({"corners": corners, "line": line}, now["row"])
        assert sorted((d["x"], d["y"], d["target"], d["output"]) for d in corners) == sorted(
            zip(row["x1s"], row["x2s"], row["targets"], row["outputs"]))
        ends = sorted(zip(row["line_x"], row["line_y"]))
        assert np.ravel(sorted((d["x"], d["y"]) for d in line)) == pytest.approx(np.ravel(ends), rel=1e-3)
        bars = drawn(now["marks"], "epoch", "mistakes", mark="mistakes")
        assert {d["gate"] for d in bars} == {gate}
        assert [d["mistakes"] for d in sorted(bars, key=lambda d: d["epoch"])] == runs[gate].mistakes

    epoch = slider(figure, "Epoch")
    check(state(figure), S.explore_gate, S.epochs)
    check(click_option(figure, "XOR"), "xor", S.epochs)
    check(keyboard(figure, epoch, "Home"), "xor", 0)
    check(keyboard(figure, epoch, "ArrowRight"), "xor", 1)
    check(keyboard(figure, figure.get_by_label("XOR", exact=True), "ArrowLeft"), "or", 1)
    check(mouse_to_end(figure, epoch, "right"), "or", S.epochs)


def test_xor_hidden_units_every_runs_loss_curve(tab):
    from nutshell.nets.mlp import XOR_DEMO, describe_solving, solving_row, train_mlp
    from nutshell.nets.perceptron import logic_gate

    S = XOR_DEMO.hidden_layer
    X, y = logic_gate("xor")
    figure = figure_on(tab, "xor", 1)

    def check(now: dict, hidden: int):
        runs = {seed: train_mlp(X, y, n_hidden=hidden, epochs=S.epochs, lr=S.lr, seed=seed)
                for seed in S.seeds}
        row = {"hidden": hidden, **solving_row(runs, S)}
        assert now["words"] == describe_solving(row, S)
        points = drawn(now["marks"], "seed", "step", "loss")
        only_row({"curves": points}, now["row"])
        for curve in row["tables"]["curves"]:
            shown = sorted((d["step"], d["loss"]) for d in points if d["seed"] == curve["seed"])
            assert [step for step, _ in shown] == curve["steps"]
            assert [loss for _, loss in shown] == pytest.approx(curve["losses"], rel=1e-3)
            assert {d["outcome"] for d in points if d["seed"] == curve["seed"]} == {curve["outcome"]}

    units = slider(figure, "Hidden units")
    check(state(figure), S.n_hidden)
    check(keyboard(figure, units, "ArrowLeft"), S.hidden_unit_counts[0])
    check(keyboard(figure, units, "End"), S.hidden_unit_counts[-1])
    check(mouse_to_end(figure, units, "left"), S.hidden_unit_counts[0])


def test_vanishing_gradients_by_activation_initialisation_and_depth(tab):
    torch = pytest.importorskip("torch")
    from nutshell.nets.deep import (
        VANISHING_DEMO as S,
        describe_gradients,
        gradient_norms_at_init,
        gradient_row,
        make_task,
    )

    figure = figure_on(tab, "vanishing-gradients")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    def check(now: dict, activation: str, init: str, depth: int):
        norms = gradient_norms_at_init(activation, init, depth, S, task)
        row = {"activation": activation, "init": init, "depth": depth, **gradient_row(norms)}
        assert now["words"] == describe_gradients(row)
        points = drawn(now["marks"], "layer", "norm")
        only_row({"layers": points}, now["row"])
        shown = sorted({(d["layer"], d["norm"]) for d in points})  # the line and its points
        assert [layer for layer, _ in shown] == list(range(1, depth + 2))
        assert [norm for _, norm in shown] == pytest.approx(norms, rel=1e-3)

    try:
        task = make_task(n=S.examples, in_features=S.in_features, seed=S.task_seed, waves=S.waves)
        depth = slider(figure, "Hidden layers")
        check(state(figure), "sigmoid", "xavier", S.depth)
        check(keyboard(figure, depth, "End"), "sigmoid", "xavier", S.explore_depths[-1])
        check(click_option(figure, "ReLU"), "relu", "xavier", S.explore_depths[-1])
        check(click_option(figure, "He's"), "relu", "he", S.explore_depths[-1])
        check(mouse_to_end(figure, depth, "left"), "relu", "he", S.explore_depths[0])
        check(keyboard(figure, figure.get_by_label("ReLU", exact=True), "ArrowLeft"), "tanh", "he",
              S.explore_depths[0])
    finally:
        torch.set_num_threads(threads)


def test_backprop_sizes_by_keyboard_and_mouse(tab):
    from nutshell.nets.backprop_rules import BACKPROP_DEMO as S, COST_METHODS, counted_costs, describe_costs

    figure = figure_on(tab, "backprop-by-the-rules")

    def check(now: dict, depth: int, units: int):
        row = {"depth": depth, "units": units, **counted_costs(S, depth, units)}
        assert now["words"] == describe_costs(row)
        only_row({"bars": drawn(now["marks"], "method", "ops", mark="costs")}, now["row"])
        bars = {d["method"]: d["ops"] for d in drawn(now["marks"], "method", "ops", mark="costs")}
        assert bars == {label: row[key] for key, label in COST_METHODS}

    check(state(figure), S.cost_depth, S.explore_width)
    depth, units = slider(figure, "Hidden layers"), slider(figure, "Units per hidden layer")
    deeper = S.cost_depths[S.cost_depths.index(S.cost_depth) + 1]
    check(keyboard(figure, depth, "ArrowRight"), deeper, S.explore_width)
    check(keyboard(figure, units, "End"), deeper, S.cost_widths[-1])
    check(mouse_to_end(figure, depth, "left"), S.cost_depths[0], S.cost_widths[-1])
    check(mouse_to_end(figure, units, "left"), S.cost_depths[0], S.cost_widths[0])


def test_landscape_every_control_redraws_the_path_the_optimiser_takes(tab):
    from nutshell.nets.landscapes import LANDSCAPE_DEMO as S, descent_grid, describe_descent

    grid = descent_grid(S)  # the library's own, computed here
    figure = figure_on(tab, "descending-the-landscape")

    def check(now: dict, **setting):
        row = grid.row(**setting)
        assert now["words"] == describe_descent(row)
        path = [d for d in drawn(now["marks"], "x", "y") if "row" in d]
        only_row({"path": path}, now["row"])
        assert now["row"] == grid.index(**setting)
        xs = sorted({(d["x"], d["y"]) for d in path})
        assert xs == sorted(set(zip(row["xs"], row["ys"])))

    at = {"surface": "valley", "optimizer": "momentum", "lr_scale": 1.0, "mu": S.valley_race.mu}
    check(state(figure), **at)
    check(keyboard(figure, slider(figure, "Momentum μ"), "End"),
          **(at := {**at, "mu": S.explore_momenta[-1]}))
    check(keyboard(figure, slider(figure, "Learning rate, × the race's"), "Home"),
          **(at := {**at, "lr_scale": S.explore_lr_scales[0]}))
    check(click_option(figure, "saddle point"), **(at := {**at, "surface": "saddle"}))
    check(click_option(figure, "Nesterov"), **(at := {**at, "optimizer": "Nesterov"}))
    # the optimiser's radio buttons by keyboard: Nesterov → RMSprop, which has no μ
    now = keyboard(figure, figure.get_by_label("Nesterov", exact=True), "ArrowRight")
    check(now, **(at := {**at, "optimizer": "RMSprop", "mu": None}))
    assert slider(figure, "Momentum μ").is_disabled()
    check(mouse_to_end(figure, slider(figure, "Learning rate, × the race's"), "right"),
          **(at := {**at, "lr_scale": S.explore_lr_scales[-1]}))
    check(keyboard(figure, figure.get_by_label("saddle point", exact=True), "ArrowRight"),
          **(at := {**at, "surface": "plateau"}))


def test_relu_dead_units_by_learning_rate_and_seed(tab):
    torch = pytest.importorskip("torch")
    from nutshell.nets.relu import RELU_DEMO as S, dead_unit_row, describe_dead_units, train_and_count_dead

    figure = figure_on(tab, "relu")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    def check(now: dict, lr: float, seed: int):
        run = train_and_count_dead(lr, seed, S)
        row = {"lr": lr, "seed": seed, **dead_unit_row(run)}
        assert now["words"] == describe_dead_units(row)
        bars = [d for d in drawn(now["marks"], "layer", "when", "dead")]
        only_row({"bars": bars}, now["row"])
        assert sorted((d["when"], d["layer"], d["dead"]) for d in bars) == sorted(
            (r["when"], r["layer"], pytest.approx(r["dead"], abs=1e-4)) for r in row["tables"]["layers"])

    try:
        lr_slider = slider(figure, "Learning rate")
        seed_slider = slider(figure, "Seed (initial weights and batches)")
        smaller = S.dead_lrs[S.dead_lrs.index(S.too_large_lr) - 1]
        check(state(figure), S.too_large_lr, S.dead_seeds[0])
        check(keyboard(figure, lr_slider, "ArrowLeft"), smaller, 0)
        check(keyboard(figure, seed_slider, "ArrowRight"), smaller, 1)
        check(mouse_to_end(figure, lr_slider, "right"), S.dead_lrs[-1], 1)
        check(mouse_to_end(figure, lr_slider, "left"), S.dead_lrs[0], 1)
    finally:
        torch.set_num_threads(threads)


def test_regularisation_each_regulariser_and_strength(tab):
    from threadpoolctl import threadpool_limits

    from nutshell.nets.regularisation import (
        REGULARISATION_DEMO as S,
        describe_regularisation,
        grid_regulariser,
        split_for,
        train,
        weight_census,
        weight_histogram,
    )

    figure = figure_on(tab, "regularisation")
    data = split_for(S.sweep_seed, S)

    def check(now: dict, **setting):
        setting = {"l2": None, "l1": None, "dropout": None, **setting}
        with threadpool_limits(limits=1, user_api="blas"):
            run = train(data, grid_regulariser(**setting), S, S.sweep_seed)
        row = {**setting, "train_error": run.train_error[-1], "test_error": run.test_error[-1],
               "val_error": run.net.error(data.X_val, data.y_val),
               "census": weight_census(run.net.weights, S.small_weight).__dict__}
        assert now["words"] == describe_regularisation(row)
        bins = drawn(now["marks"], "lo", "count")
        only_row({"bins": bins}, now["row"])
        shown = sorted((b["lo"], b["count"]) for b in bins)
        expected = sorted((b["lo"], b["count"]) for b in weight_histogram(run.net.weights, S))
        assert [c for _, c in shown] == [c for _, c in expected]
        assert [lo for lo, _ in shown] == pytest.approx([lo for lo, _ in expected], abs=1e-3)
        test_curve = sorted((d["step"], d["error"]) for d in drawn(now["marks"], "step", "error")
                            if d["images"] == "test")
        assert [e for _, e in test_curve] == pytest.approx(run.test_error, abs=1e-4)

    start = state(figure)
    chosen_l2 = float(figure.locator("output[for$='-l2']").inner_text())
    check(start, regulariser="L2", l2=chosen_l2)
    check(keyboard(figure, slider(figure, "L2 strength λ₂"), "Home"), regulariser="L2", l2=0.0)
    now = click_option(figure, "L1")
    chosen_l1 = S.l1_strengths[int(slider(figure, "L1 strength λ₁").input_value()) - 1]
    check(now, regulariser="L1", l1=chosen_l1)
    assert slider(figure, "L2 strength λ₂").is_disabled()
    check(keyboard(figure, figure.get_by_label("L1", exact=True), "ArrowRight"),
          regulariser="dropout", dropout=0.0)  # the page's none: the same net as L2's and L1's
    check(mouse_to_end(figure, slider(figure, "Dropout rate of the hidden units"), "right"),
          regulariser="dropout", dropout=S.explore_dropout[-1])


def test_alexnet_epoch_by_epoch_matches_a_rerun_of_its_first_epochs(tab):
    pytest.importorskip("torch")
    from nutshell.alexnet import DEMO_CONFIG
    from nutshell.alexnet.snapshots import EpochSnapshots, describe_snapshot, scaled_filters, snapshot_row
    from nutshell.alexnet.train import train

    figure = figure_on(tab, "alexnet")
    # The page trains DEMO_CONFIG; its first two epochs do not depend on how many follow.
    snapshots = EpochSnapshots()
    result = train(dataclasses.replace(DEMO_CONFIG, epochs=2), on_epoch=snapshots)

    def check(now: dict, epoch: int):
        snapshot = snapshots.snapshots[epoch]
        row = {"epoch": epoch, **snapshot_row(snapshot, result.history)}
        assert now["words"] == describe_snapshot(row)
        counts = drawn(now["marks"], "true", "answer", "count")
        only_row({"cells": counts}, now["row"])
        matrix = np.zeros((10, 10), dtype=int)
        for d in counts:
            matrix[int(d["true"]), int(d["answer"])] = d["count"]
        assert np.array_equal(matrix, snapshot.confusion)
        pixels = sorted((d["filter"], d["pixel"], d["pixels"])
                        for d in drawn(now["marks"], "filter", "pixel", "pixels"))
        assert [p for _, _, p in pixels] == pytest.approx(scaled_filters(snapshot.filters).ravel(), abs=1e-3)

    epoch = slider(figure, "Epoch")
    check(mouse_to_end(figure, epoch, "left"), 0)
    check(keyboard(figure, epoch, "ArrowRight"), 1)
    check(keyboard(figure, epoch, "ArrowRight"), 2)
    last = keyboard(figure, epoch, "End")
    assert last["words"].startswith(f"after epoch {DEMO_CONFIG.epochs}: test accuracy")
