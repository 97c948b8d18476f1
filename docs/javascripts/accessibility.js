// Two accessibility repairs that need the live page (both re-run after instant navigation):
// 1. Material's search overlay is a role="dialog" without a name; screen readers announce it unnamed.
// 2. A region that scrolls sideways (wide code cells, tables, formulas) must be reachable by keyboard.
//    Which regions overflow depends on the viewport, so this is decided here, not at build time.
const SCROLLABLE = ".highlight-ipynb, .md-typeset__scrollwrap, .md-typeset pre > code, math[display='block'], .jp-OutputArea-output";

function repairAccessibility() {
  const search = document.querySelector(".md-search[role='dialog']");
  if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
  for (const region of document.querySelectorAll(SCROLLABLE)) {
    if (region.scrollWidth > region.clientWidth + 1 && !region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
    }
  }
}

if (typeof document$ !== "undefined") {
  document$.subscribe(repairAccessibility);
} else {
  document.addEventListener("DOMContentLoaded", repairAccessibility);
}
window.addEventListener("resize", repairAccessibility);
