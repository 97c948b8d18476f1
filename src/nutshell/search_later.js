// Material loads the whole search index (search/search_index.json, ~150 KB compressed) as soon as its
// script runs, which on a fast load is before the page has painted. This holds that one request back until
// the page has loaded and the browser is idle, or until the reader reaches for search (focus in the search
// box, or the "/" and "s" shortcuts), so search stays complete and the first paint never waits for it.
// Inlined in <head> by the nutshell plugin: it must run before Material's script.
(function () {
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send, waiting = [];
  function releaseAll() {
    while (waiting.length) waiting.shift()();
  }
  function whenIdle() {
    if (window.requestIdleCallback) window.requestIdleCallback(releaseAll, { timeout: 1500 });
    else setTimeout(releaseAll, 200);
  }
  if (document.readyState === "complete") whenIdle();
  else window.addEventListener("load", whenIdle, { once: true });
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.matches && event.target.matches("input.md-search__input")) releaseAll();
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" || event.key === "s" || event.key === "S") releaseAll();
  }, true);
  XMLHttpRequest.prototype.open = function (method, url) {
    this.nutshellLater = /\/search\/search_index\.json(\?|$)/.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var request = this, args = arguments;
    if (!request.nutshellLater || document.readyState === "complete") return send.apply(request, args);
    waiting.push(function () { send.apply(request, args); });
  };
})();
