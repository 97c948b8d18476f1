// Explorable figures (nutshell/explorables.py). On a page that has one, load Vega, Vega-Lite and the
// explorer from this site (once), then draw every explorable; other pages load nothing more. Without
// JavaScript, or if loading fails, each keeps its static figure. `document$` re-runs it after instant
// navigation.
(() => {
  const here = document.currentScript.src;
  const SCRIPTS = ["../assets/vendor/vega/vega.min.js", "../assets/vendor/vega/vega-lite.min.js", "explorer.js"];
  let loading = null;

  function load() {
    // Inserted with async = false: they download in parallel and run in this order.
    const done = SCRIPTS.map((path) => new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: new URL(path, here).href, async: false });
      script.onload = resolve;
      script.onerror = () => reject(new Error(`explorable figures: could not load ${script.src}`));
      document.head.append(script);
    }));
    return Promise.all(done);
  }

  function drawExplorables() {
    const figures = document.querySelectorAll(".nutshell-explorer");
    if (!figures.length) return;
    loading = loading || load();
    loading.then(() => figures.forEach((figure) => window.nutshellExplorer.draw(figure)),
                 (error) => console.warn(error.message));
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(drawExplorables);
  } else {
    document.addEventListener("DOMContentLoaded", drawExplorables);
  }
})();
