"""Explorable figures: a demo's result over a small grid of settings, shipped as data with its page.

A demo evaluates its own library code over a few values of each setting while the page builds, and
:func:`show` puts the results on the page with a Vega-Lite chart (written with Altair) and native HTML
controls (radio buttons, sliders). In the browser, ``docs/javascripts/explorables.js`` loads Vega from
the site itself, only on pages that have an explorable, and redraws the chart when a control moves:
it only *chooses* among the precomputed results, it never computes one. Without JavaScript the page
shows a static figure of the default setting and its numbers in words.

How a demo uses it::

    controls = (explorables.choice("activation", "Activation", ("sigmoid", "relu")),
                explorables.slider("depth", "Hidden layers", (1, 2, 4, 8), default=4))
    grid = explorables.evaluate(controls, measure)        # measure(activation=…, depth=…) → dict
    chart = alt.Chart(explorables.data("rows")).transform_filter(explorables.SELECTED).mark_bar()…
    explorables.show(grid, chart, title=…, describe=lambda row: f"…", fallback=draw_default)

``measure`` returns the numbers of one setting (a dict) and, under the key ``"tables"``, long tables
for drawing (``{"points": [{"x": …, "y": …}, …]}``); every record is tagged with its setting's ``row``,
so a chart keeps the chosen setting's records with ``transform_filter(explorables.SELECTED)``. When the
numbers come out of a run the demo makes anyway (every epoch of a training run, a sweep it tabulates),
build the :class:`Grid` directly from them with the time that run took.

The grid is computed inside the demo, so it is cached with the demo's notebook (same fingerprint) and
its cost is printed on the page. Everything here but :func:`show`, :func:`render` and :func:`html` is
plain data.
"""

from __future__ import annotations

import base64
import dataclasses
import html as _html
import io
import itertools
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The Vega signal that holds the chosen setting's row number, and the filter that keeps its records.
#: Each control is a signal too, named like the control, holding its value (null where it does not apply).
ROW = "row"
SELECTED = "datum.row == row"
# Names Vega or Vega-Lite use for signals of their own, or that expressions reserve.
RESERVED = frozenset({"row", "width", "height", "padding", "autosize", "background", "cursor", "datum",
                      "item", "event", "parent", "group", "data", "signal", "this"})

# The browser side: pinned, installed from the npm registry by `make` into .venv/vega (tools/setup-system),
# copied into every built site at VENDOR_SITE_DIR by the nutshell-demos plugin. vega-lite matches the
# Vega-Lite version Altair writes specs for (altair.SCHEMA_VERSION); the Makefile names the same versions.
VEGA_VERSION = "6.4.0"
VEGA_LITE_VERSION = "6.4.1"
VENDOR_ENV = "NUTSHELL_VEGA_DIR"  # where npm installed them (default: .venv/vega in the project root)
VENDOR_FILES = {  # name on the site → path inside the npm prefix
    "vega.min.js": "node_modules/vega/build/vega.min.js",
    "vega-lite.min.js": "node_modules/vega-lite/build/vega-lite.min.js",
}
VENDOR_PACKAGES = {"vega": VEGA_VERSION, "vega-lite": VEGA_LITE_VERSION}
VENDOR_SITE_DIR = "assets/vendor/vega"
MARKER = 'class="nutshell-explorer"'  # what a page with an explorable contains

SIGNIFICANT_DIGITS = 4  # numbers shipped to the browser: enough for any axis, a quarter of the bytes
_SLUG = re.compile(r"[^a-z0-9]+")


# ── controls and the grid ───────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Control:
    """One setting the reader can change: the values the grid holds, and how each reads."""

    name: str  # the key in every row of the grid
    label: str  # what the control is called on the page
    values: tuple
    kind: str = "slider"  # "slider" (an ordered range) or "radio" (one of a few named options)
    labels: tuple[str, ...] = ()  # how each value reads; default: f"{value:g}" or str(value)
    default: object = None  # one of values; None: the first
    # Only meaningful while other controls have one of these values ({"optimizer": ("momentum",)});
    # elsewhere the grid holds None for it and the page disables it.
    applies: Mapping[str, tuple] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("slider", "radio"):
            raise ValueError(f"control {self.name!r}: kind must be 'slider' or 'radio', not {self.kind!r}")
        if not self.values:
            raise ValueError(f"control {self.name!r} has no values")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"control {self.name!r}: values repeat")
        if self.labels and len(self.labels) != len(self.values):
            raise ValueError(
                f"control {self.name!r}: {len(self.labels)} labels for {len(self.values)} values")
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"control {self.name!r}: default {self.default!r} is not one of its values")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.name) or self.name in RESERVED:
            raise ValueError(f"control name {self.name!r}: use a Python identifier other than"
                             f" {', '.join(sorted(RESERVED))}")

    @property
    def value_labels(self) -> tuple[str, ...]:
        return self.labels or tuple(_value_text(v) for v in self.values)

    @property
    def default_value(self):
        return self.values[0] if self.default is None else self.default

    def label_of(self, value) -> str:
        return self.value_labels[self.values.index(value)]

    def applies_to(self, setting: Mapping) -> bool:
        return all(setting.get(other) in allowed for other, allowed in self.applies.items())


def slider(name: str, label: str, values: Sequence, **options) -> Control:
    return Control(name, label, tuple(values), "slider", **_tupled(options))


def choice(name: str, label: str, values: Sequence, **options) -> Control:
    return Control(name, label, tuple(values), "radio", **_tupled(options))


def _tupled(options: dict) -> dict:
    if "labels" in options:
        options["labels"] = tuple(options["labels"])
    if "applies" in options:
        options["applies"] = {k: tuple(v) for k, v in options["applies"].items()}
    return options


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings(controls: Sequence[Control]) -> list[dict]:
    """Every combination of the controls' values, a control that does not apply held at None."""
    seen, out = set(), []
    for values in itertools.product(*(c.values for c in controls)):
        setting = dict(zip((c.name for c in controls), values))
        for control in controls:  # in order: a control's `applies` may only name earlier ones
            if not control.applies_to(setting):
                setting[control.name] = None
        key = tuple(setting.values())
        if key not in seen:
            seen.add(key)
            out.append(setting)
    return out


@dataclass
class Grid:
    """A result for every setting the controls allow: what the page ships and draws."""

    controls: tuple[Control, ...]
    rows: list[dict]  # one per setting: each control's value (None: does not apply), then the numbers
    # records for drawing: with a "row", they belong to that setting; without, to all (filter them by
    # the controls' signals, e.g. "datum.surface == surface")
    tables: dict[str, list[dict]] = field(default_factory=dict)
    seconds: float = 0.0  # what computing it took

    def __post_init__(self) -> None:
        self.controls = tuple(self.controls)
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names repeat: {names}")
        for c in self.controls:
            unknown = set(c.applies) - set(names[: names.index(c.name)])
            if unknown:
                raise ValueError(f"control {c.name!r}: applies names {sorted(unknown)}, not earlier controls")
        expected = {self._key(s) for s in settings(self.controls)}
        have = [self._key(row) for row in self.rows]
        if len(set(have)) != len(have):
            raise ValueError("two rows of the grid hold the same setting")
        if set(have) != expected:
            missing = len(expected - set(have))
            raise ValueError(f"the grid's rows do not match its controls ({missing} settings missing,"
                             f" {len(set(have) - expected)} not allowed by the controls)")
        for name, records in self.tables.items():  # records without a row belong to every setting
            for record in records:
                if ROW in record and not 0 <= record[ROW] < len(self.rows):
                    raise ValueError(f"table {name!r}: a record with no such {ROW!r}: {record}")

    def _key(self, setting: Mapping) -> tuple:
        return tuple(setting.get(c.name) for c in self.controls)

    @property
    def size(self) -> int:
        return len(self.rows)

    def index(self, **setting) -> int:
        """The row of a setting (controls left out take their defaults; those that do not apply, None)."""
        chosen = {c.name: setting.get(c.name, c.default_value) for c in self.controls}
        for c in self.controls:
            if not c.applies_to(chosen):
                chosen[c.name] = None
        key = self._key(chosen)
        for number, row in enumerate(self.rows):
            if self._key(row) == key:
                return number
        raise KeyError(f"no setting {chosen} in the grid")

    @property
    def default_index(self) -> int:
        return self.index()

    def row(self, **setting) -> dict:
        return self.rows[self.index(**setting)]


def evaluate(controls: Sequence[Control], measure: Callable[..., Mapping]) -> Grid:
    """``measure(**setting)`` for every setting the controls allow, timed as a whole.

    ``measure`` returns the setting's numbers; under the key ``"tables"`` it may return records for
    drawing, by table name. Rows hold the setting, then the numbers.
    """
    started = time.perf_counter()
    grid = tabulate(controls, measure, seconds=0.0)
    grid.seconds = time.perf_counter() - started
    return grid


def tabulate(controls: Sequence[Control], lookup: Callable[..., Mapping], seconds: float) -> Grid:
    """Like :func:`evaluate`, for results the demo has computed already (a sweep it shows anyway, every
    epoch of a training run): ``lookup(**setting)`` finds them, ``seconds`` is what computing them took."""
    rows: list[dict] = []
    tables: dict[str, list[dict]] = {}
    for number, setting in enumerate(settings(controls)):
        result = dict(lookup(**setting))
        for name, records in result.pop("tables", {}).items():
            tables.setdefault(name, []).extend({ROW: number, **record} for record in records)
        clash = set(result) & set(setting)
        if clash or ROW in result:
            names = sorted(clash | ({ROW} & set(result)))
            raise ValueError(f"results may not use the names of controls: {names}")
        rows.append({**setting, **result})
    return Grid(tuple(controls), rows, tables, seconds)


def with_defaults(grid: Grid, **defaults) -> Grid:
    """The same grid, its controls starting at other values (known only once the grid is computed)."""
    unknown = set(defaults) - {c.name for c in grid.controls}
    if unknown:
        raise ValueError(f"no control named {', '.join(sorted(unknown))}")
    controls = tuple(dataclasses.replace(c, default=defaults[c.name]) if c.name in defaults else c
                     for c in grid.controls)
    return Grid(controls, grid.rows, grid.tables, grid.seconds)


class Stopwatch:
    """``with Stopwatch() as watch: …`` then ``watch.seconds``: the cost of a grid a demo builds itself."""

    def __enter__(self) -> Stopwatch:
        self.started, self.seconds = time.perf_counter(), 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def data(name: str) -> dict:
    """A chart's data source: ``"rows"`` (one record per setting) or one of the grid's tables."""
    import altair as alt

    return alt.NamedData(name=name)


# ── what goes on the page ─────────────────────────────────────────────────────────────


def spec_of(chart, grid: Grid) -> dict:
    """The chart as a Vega-Lite spec (a dict) with a parameter for the row and for each control, set to
    the default setting; the data come with the page."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else json.loads(json.dumps(chart))
    spec.pop("$schema", None)  # a URL that nothing needs to fetch
    spec.pop("datasets", None)
    ours = {ROW, *(c.name for c in grid.controls)}
    default = grid.rows[grid.default_index]
    params = [{"name": ROW, "value": grid.default_index},
              *({"name": c.name, "value": compact(default[c.name])} for c in grid.controls)]
    spec["params"] = params + [p for p in spec.get("params", []) if p.get("name") not in ours]
    return spec


def compact(value, digits: int = SIGNIFICANT_DIGITS):
    """A JSON-safe copy with floats cut to ``digits`` significant digits (NaN and ±inf become None)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value, "ndim", 0) == 0):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, (bool, int)):
            return number
        if not math.isfinite(number):
            return None
        return float(f"{number:.{digits}g}")
    if isinstance(value, Mapping):
        return {str(k): compact(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [compact(v, digits) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    raise TypeError(f"cannot ship {type(value).__name__} to the page: {value!r}")


def columns(records: list[dict]) -> dict[str, list]:
    """Records as columns (``{"x": [...], "y": [...]}``): the same data in a fraction of the bytes."""
    names: list[str] = []
    for record in records:
        names += [k for k in record if k not in names]
    return {name: [compact(r.get(name)) for r in records] for name in names}


def payload(grid: Grid, spec: dict, descriptions: list[str]) -> dict:
    """Everything the browser needs, as one JSON object (see docs/javascripts/explorer.js)."""
    return {
        "spec": spec,
        "controls": [
            {"name": c.name, "values": [compact(v) for v in c.values], "labels": list(c.value_labels),
             "applies": {other: [_index_of(grid, other, v) for v in allowed]
                         for other, allowed in c.applies.items()}}
            for c in grid.controls
        ],
        # the row for every combination of control positions ("-" where a control does not apply)
        "keys": {_row_key(grid, row): number for number, row in enumerate(grid.rows)},
        "data": {"rows": columns([{ROW: n, **row} for n, row in enumerate(grid.rows)]),
                 **{name: columns(records) for name, records in grid.tables.items()}},
        "descriptions": descriptions,
        "default": grid.default_index,
    }


def _index_of(grid: Grid, name: str, value) -> int:
    control = next(c for c in grid.controls if c.name == name)
    return control.values.index(value)


def _row_key(grid: Grid, row: Mapping) -> str:
    return ",".join("-" if row[c.name] is None else str(c.values.index(row[c.name])) for c in grid.controls)


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:40] or "explorer"


def html(grid: Grid, spec: dict, *, title: str, descriptions: list[str], fallback_png: bytes,
         name: str, note: str = "") -> str:
    """The ``<figure>`` a page shows: controls (revealed by the script), the static figure of the default
    setting, the current state in words (a live region), the cost, and the data as JSON in a template."""
    e = _html.escape
    base = f"explore-{slug(name)}"
    default = grid.rows[grid.default_index]
    described = descriptions[grid.default_index]
    parts = [f'<figure class="nutshell-explorer" id="{base}" aria-labelledby="{base}-title">',
             f'<figcaption id="{base}-title" class="nutshell-explorer__title">{e(title)}</figcaption>',
             '<div class="nutshell-explorer__controls" hidden>']
    for number, control in enumerate(grid.controls):
        chosen = default[control.name]
        position = control.values.index(chosen if chosen is not None else control.default_value)
        off = " disabled" if chosen is None else ""
        field_id = f"{base}-{control.name}"
        if control.kind == "radio":
            parts.append(f'<fieldset class="nutshell-explorer__control" data-control="{number}"{off}>'
                         f"<legend>{e(control.label)}</legend>")
            for i, text in enumerate(control.value_labels):
                checked = " checked" if i == position else ""
                parts.append(f'<label><input type="radio" name="{field_id}" value="{i}"{checked}>'
                             f" {e(text)}</label>")
            parts.append("</fieldset>")
        else:
            text = control.value_labels[position]
            parts.append(
                f'<div class="nutshell-explorer__control" data-control="{number}">'
                f'<label for="{field_id}">{e(control.label)}</label>'
                f'<input type="range" id="{field_id}" min="0" max="{len(control.values) - 1}" step="1"'
                f' value="{position}" aria-valuetext="{e(text)}"{off}>'
                f'<output for="{field_id}">{e(text)}</output></div>')
    parts += [
        "</div>",
        f'<div class="nutshell-explorer__chart" aria-describedby="{base}-state">',
        f'<img src="data:image/png;base64,{base64.b64encode(fallback_png).decode()}"'
        f' alt="{e(title)}, at the default setting: {e(described)}">',
        "</div>",
        f'<p class="nutshell-explorer__state" id="{base}-state" aria-live="polite">{e(described)}</p>',
        f'<p class="nutshell-explorer__cost">{e(cost_text(grid))}{" " + e(note) if note else ""}</p>',
        # Inert data: a <template> (Material's instant navigation re-runs every <script> in the page as
        # JavaScript, whatever its type), left out of the search index.
        f'<template class="nutshell-explorer__data" data-search-exclude>'
        f"{_json_for_html(payload(grid, spec, descriptions))}</template>",
        "</figure>",
    ]
    return "\n".join(parts)


def _json_for_html(value) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # As HTML text, with nothing the parser would read as markup or a character reference.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def cost_text(grid: Grid) -> str:
    settings_word = "setting" if grid.size == 1 else "settings"
    return (f"{grid.size} {settings_word}, computed with the library's own code while this page was built,"
            f" in {grid.seconds:.1f} s; the page only chooses among them and draws.")


def render(grid: Grid, chart, *, title: str, describe: Callable[[dict], str],
           fallback: Callable[[dict], object], name: str | None = None, note: str = "") -> tuple[str, bytes]:
    """The explorable's HTML (see :func:`html`) and its static figure as PNG bytes."""
    import matplotlib.pyplot as plt

    descriptions = [describe(row) for row in grid.rows]
    fig = fallback(grid.rows[grid.default_index])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)  # drawn once, here; the inline backend must not show it again
    png = buffer.getvalue()
    page = html(grid, spec_of(chart, grid), title=title, descriptions=descriptions, fallback_png=png,
                name=name or title, note=note)
    return page, png


def show(grid: Grid, chart, *, title: str, describe: Callable[[dict], str],
         fallback: Callable[[dict], object], name: str | None = None, note: str = "") -> None:
    """Put the explorable on the page: in a notebook as HTML (with a PNG for other front ends); as a
    script, by printing the default setting's numbers and saving the static figure as
    :func:`nutshell.figures.show` does. Prints the grid's size and cost either way.

    ``chart`` is an Altair chart (or a Vega-Lite dict) over :func:`data`; ``describe(row)`` says a
    setting's result in words; ``fallback(row)`` draws the default setting with matplotlib.
    """
    from nutshell.figures import FIGURE_DIR_ENV, in_notebook

    page, png = render(grid, chart, title=title, describe=describe, fallback=fallback, name=name, note=note)
    described = describe(grid.rows[grid.default_index])
    data_kb = (len(page.encode()) - len(base64.b64encode(png))) / 1024
    print(f"explorable: {grid.size} settings, computed in {grid.seconds:.1f} s;"
          f" {data_kb:.0f} KB of chart and data on the page")
    target = os.environ.get(FIGURE_DIR_ENV)
    if target:
        path = Path(target) / f"explore-{slug(name or title)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    if in_notebook():
        from IPython.display import display

        display({"text/html": page, "image/png": base64.b64encode(png).decode(), "text/plain": described},
                raw=True)
    else:
        print(f"{title} (default setting): {described}")


# ── the browser's copy of Vega, for the site builder ──────────────────────────────────


class VendorError(RuntimeError):
    pass


def vendor_dir(project_root: str | Path) -> Path:
    """Where npm put Vega: $NUTSHELL_VEGA_DIR, else ``vega/`` in the virtual environment running this
    (``.venv/vega``, where `make` installs it), else ``.venv/vega`` in the project root."""
    if os.environ.get(VENDOR_ENV):
        return Path(os.environ[VENDOR_ENV])
    candidates = [Path(sys.prefix) / "vega", Path(project_root) / ".venv" / "vega"]
    return next((c for c in candidates if (c / "node_modules").is_dir()), candidates[0])


def install_command() -> str:
    packages = " ".join(f"{name}@{version}" for name, version in VENDOR_PACKAGES.items())
    return f"npm install --no-save --prefix .venv/vega {packages}"


def vendored_files(project_root: str | Path) -> dict[str, Path]:
    """Site name → installed file of each vendored script; raises VendorError naming the fix."""
    folder = vendor_dir(project_root)
    problems = []
    for package, version in VENDOR_PACKAGES.items():
        manifest = folder / "node_modules" / package / "package.json"
        try:
            found = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            problems.append(f"{package} is not installed in {folder}")
            continue
        if found != version:
            problems.append(f"{package} {found} is installed in {folder}, the site pins {version}")
    files = {name: folder / relative for name, relative in VENDOR_FILES.items()}
    problems += [f"{path} is missing" for path in files.values() if not problems and not path.is_file()]
    if problems:
        raise VendorError("; ".join(problems) + ". `make build` (or `make serve`, `make test`) installs them;"
                          f" by hand: rm -rf .venv/vega && {install_command()}")
    return files


def copy_vendored(project_root: str | Path, site_dir: str | Path) -> list[Path]:
    """Copy the pinned Vega scripts into the built site; returns the copies."""
    target = Path(site_dir) / VENDOR_SITE_DIR
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, source in vendored_files(project_root).items():
        shutil.copyfile(source, target / name)
        copied.append(target / name)
    return copied
