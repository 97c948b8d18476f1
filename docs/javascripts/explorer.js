// The explorer: draws one explorable figure (nutshell/explorables.py) with Vega-Lite and keeps it in
// step with the page's own controls. Loaded by explorables.js, after Vega and Vega-Lite, only on pages
// that have an explorable. It computes nothing: every setting's results come with the page, and a
// control only picks the row of the grid that the chart shows (the Vega signal `row`, and a signal per
// control holding that row's value) and the sentence that describes it.
window.nutshellExplorer = (() => {
  const drawn = new WeakMap(); // figure element → {view, render}

  // {x: [1, 2], y: [3, 4]} → [{x: 1, y: 3}, {x: 2, y: 4}]
  function records(columns) {
    const names = Object.keys(columns);
    const n = names.length ? columns[names[0]].length : 0;
    return Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((name) => [name, columns[name][i]])));
  }

  // Axes, labels and titles in the page's own text colours: readable on the light and the dark palette.
  function theme() {
    const style = getComputedStyle(document.body);
    const colour = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    const ink = colour("--md-default-fg-color", "#222");
    const soft = colour("--md-default-fg-color--light", ink);
    const faint = colour("--md-default-fg-color--lightest", "#ddd");
    const font = style.fontFamily;
    const guide = { labelColor: soft, titleColor: ink, labelFont: font, titleFont: font, labelFontSize: 12,
                    titleFontSize: 13, aria: false };
    return {
      background: null,
      font,
      view: { stroke: null },
      axis: { ...guide, domainColor: soft, tickColor: soft, gridColor: faint },
      legend: guide,
      header: guide,
      title: { color: ink, subtitleColor: soft, font, subtitleFont: font, fontSize: 14 },
      text: { color: ink },
      mark: { aria: false }, // the sentence under the figure says what it shows
    };
  }

  function draw(figure) {
    if (drawn.has(figure)) return drawn.get(figure).ready;
    const data = JSON.parse(figure.querySelector("template.nutshell-explorer__data").content.textContent);
    const panel = figure.querySelector(".nutshell-explorer__controls");
    const chart = figure.querySelector(".nutshell-explorer__chart");
    const state = figure.querySelector(".nutshell-explorer__state");
    const controls = [...panel.querySelectorAll("[data-control]")];
    const datasets = Object.fromEntries(Object.entries(data.data).map(([name, columns]) => [name, records(columns)]));
    const target = Object.assign(document.createElement("div"), { className: "nutshell-explorer__view" });
    chart.append(target);
    const entry = { view: null, row: data.default };
    drawn.set(figure, entry);

    const position = (element) => Number(element.tagName === "FIELDSET"
      ? element.querySelector("input:checked").value : element.querySelector("input").value);
    const applies = (control, positions) => Object.entries(control.applies).every(
      ([other, allowed]) => allowed.includes(positions[data.controls.findIndex((c) => c.name === other)]));

    // The row, and each control's value in it (null where the control does not apply).
    function signals(view, row) {
      view.signal("row", row);
      for (const control of data.controls) view.signal(control.name, data.data.rows[control.name][row]);
      return view;
    }

    function show(row) {
      entry.row = row;
      figure.dataset.row = String(row);
      state.textContent = data.descriptions[row];
    }

    // The controls' positions → the grid's row; controls that do not apply to it are disabled.
    function choose() {
      const positions = controls.map(position);
      const key = data.controls.map((control, i) => {
        const on = applies(control, positions);
        const element = controls[i];
        const input = element.tagName === "FIELDSET" ? element : element.querySelector("input");
        input.disabled = !on;
        if (element.tagName !== "FIELDSET") {
          const text = control.labels[positions[i]];
          input.setAttribute("aria-valuetext", text);
          element.querySelector("output").textContent = text;
        }
        return on ? String(positions[i]) : "-";
      }).join(",");
      const row = data.keys[key];
      if (row === undefined || row === entry.row) return;
      signals(entry.view, row).runAsync(); // the signal listener updates the words
    }

    function render() {
      const spec = { ...data.spec, datasets, description: figure.querySelector("figcaption").textContent };
      const compiled = vegaLite.compile(spec, { config: theme() }).spec;
      if (entry.view) entry.view.finalize();
      target.replaceChildren();
      entry.view = new vega.View(vega.parse(compiled), { renderer: "svg", container: target, hover: true });
      signals(entry.view, entry.row);
      entry.view.addSignalListener("row", (_, row) => show(row));
      return entry.view.runAsync().then(() => {
        // Wider than the column (a phone): let it scroll sideways, and reach it by keyboard.
        if (chart.scrollWidth > chart.clientWidth + 1) chart.tabIndex = 0;
      });
    }

    panel.addEventListener("input", choose);
    panel.addEventListener("change", choose);
    entry.render = render;
    entry.ready = render().then(() => {
      chart.querySelector("img").hidden = true; // the static figure, for readers without JavaScript
      panel.hidden = false;
      choose();
      figure.dataset.ready = "true";
    });
    return entry.ready;
  }

  // Material's palette switch changes this attribute: redraw in the new colours.
  new MutationObserver(() => {
    document.querySelectorAll(".nutshell-explorer").forEach((figure) => {
      const entry = drawn.get(figure);
      if (entry && entry.view) entry.render();
    });
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  return { draw, view: (figure) => (drawn.get(figure) || {}).view };
})();
