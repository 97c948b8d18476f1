// Timeline (render.timeline_markdown): an era/tag filter that lives in the URL, and milestone cards whose
// full entry opens when the URL's #anchor names the milestone.
//
// Progressive enhancement: without this script every milestone shows as a card whose <details> opens by
// hand, and the filter stays hidden. The filter hides the milestones it excludes, every era left without
// a milestone (heading and introduction) and their entries in the table of contents, and writes
// ?era=…&tag=… into the address (pushState), so a filtered view can be shared and the back button undoes
// a change. `document$` (Material) re-runs the set-up after instant navigation; the window listeners
// below are added once and act only while a timeline is shown.
(() => {
  const KEYS = ["era", "tag"];
  let timeline = null; // the set-up of the timeline on screen, or null on any other page

  function setUpTimeline() {
    const filter = document.querySelector(".nutshell-filter");
    timeline = null;
    if (!filter) return;
    const milestones = Array.from(document.querySelectorAll(".nutshell-milestone"));
    const eras = Array.from(document.querySelectorAll(".nutshell-era"));
    const eraButtons = Array.from(filter.querySelectorAll("[data-filter-era]"));
    const tagSelect = filter.querySelector("[data-filter-tag]");
    const count = filter.querySelector(".nutshell-filter__count");
    const expandAll = filter.querySelector("[data-expand-all]");
    const dots = Array.from(document.querySelectorAll(".nutshell-strip__dot"));
    const known = {
      era: new Set(eraButtons.map((b) => b.dataset.filterEra)),
      tag: new Set(Array.from(tagSelect.options, (o) => o.value)),
    };
    const state = { era: "", tag: "" };

    function readAddress() {
      const query = new URLSearchParams(location.search);
      for (const key of KEYS) {
        const value = query.get(key) || "";
        state[key] = known[key].has(value) ? value : ""; // an unknown era or tag shows everything
      }
    }

    // The current address with this filter's keys set (other keys, such as search's ?h=, stay).
    function address(keepHash) {
      const query = new URLSearchParams(location.search);
      for (const key of KEYS) {
        if (state[key]) query.set(key, state[key]);
        else query.delete(key);
      }
      const search = query.toString();
      return location.pathname + (search ? `?${search}` : "") + (keepHash ? location.hash : "");
    }

    function isShown(milestone) {
      return (!state.era || milestone.dataset.era === state.era)
        && (!state.tag || milestone.dataset.tags.split(" ").includes(state.tag));
    }

    function apply() {
      let shown = 0;
      for (const m of milestones) {
        m.hidden = !isShown(m);
        if (!m.hidden) shown += 1;
      }
      for (const era of eras) era.hidden = !era.querySelector(".nutshell-milestone:not([hidden])");
      const hiddenIds = new Set(milestones.filter((m) => m.hidden).map((m) => m.querySelector("h3[id]").id));
      for (const era of eras) if (era.hidden) hiddenIds.add(era.querySelector("h2[id]").id);
      // Material's table of contents (the right-hand one, and its copy in the phone's drawer).
      for (const link of document.querySelectorAll(".md-nav--secondary a.md-nav__link[href*='#']")) {
        const id = new URL(link.href).hash.slice(1); // ids are [a-z0-9-] (schema.py): no escapes
        const item = link.closest("li");
        if (item) item.hidden = hiddenIds.has(id);
      }
      for (const dot of dots) dot.classList.toggle("nutshell-strip__dot--excluded", hiddenIds.has(dot.dataset.milestone));
      for (const b of eraButtons) b.setAttribute("aria-pressed", String(b.dataset.filterEra === state.era));
      tagSelect.value = state.tag;
      count.textContent = `${shown} of ${milestones.length} milestones shown`;
    }

    // Opens the entry the #anchor names; a filter that hides it is cleared first. Returns whether it did.
    function reveal() {
      const target = anchorTarget();
      if (!target || !filter.isConnected) return false;
      let cleared = false;
      if (target.closest("[hidden]") && (state.era || state.tag)) {
        state.era = state.tag = "";
        apply();
        history.replaceState(history.state, "", address(true));
        cleared = true;
      }
      const milestone = target.closest(".nutshell-milestone");
      const details = milestone ? milestone.querySelector(".nutshell-milestone__more") : target.closest("details");
      if (details) details.open = true;
      return cleared;
    }

    function choose(key, value) {
      if (state[key] === value) return;
      state[key] = value;
      apply();
      // Keep the #anchor only while what it names is still shown.
      const target = anchorTarget();
      history.pushState(history.state, "", address(Boolean(target && !target.closest("[hidden]"))));
    }

    for (const b of eraButtons) b.addEventListener("click", () => choose("era", b.dataset.filterEra));
    tagSelect.addEventListener("change", () => choose("tag", tagSelect.value));
    expandAll.addEventListener("click", () => {
      const open = expandAll.getAttribute("aria-pressed") !== "true";
      expandAll.setAttribute("aria-pressed", String(open));
      for (const m of milestones) m.querySelector(".nutshell-milestone__more").open = open;
    });

    timeline = {
      filter,
      path: location.pathname,
      // Back/forward: the address says which filter to show.
      fromAddress() {
        readAddress();
        apply();
        reveal();
      },
      // After a jump to an #anchor on this page: open its entry; the address keeps showing the filter.
      afterJump() {
        const cleared = reveal();
        const query = new URLSearchParams(location.search);
        if (!cleared && KEYS.some((key) => (query.get(key) || "") !== state[key])) {
          history.replaceState(history.state, "", address(true));
        }
        if (cleared) scrollToAnchor();
      },
    };

    readAddress();
    apply();
    filter.hidden = false;
    reveal();
    if (state.era || state.tag) scrollToAnchor(); // the filter moved what the anchor names
  }

  // The element the address's #anchor names, or null (no anchor, no such element, a malformed %-escape).
  function anchorTarget() {
    try {
      const id = decodeURIComponent(location.hash.slice(1));
      return (id && document.getElementById(id)) || null;
    } catch {
      return null;
    }
  }

  function scrollToAnchor() {
    const target = anchorTarget();
    if (target) target.scrollIntoView();
  }

  // Whether the timeline is on screen and the address is still its page's (a click may be leaving it).
  function onTimeline() {
    return timeline !== null && timeline.filter.isConnected && location.pathname === timeline.path;
  }

  window.addEventListener("popstate", () => {
    if (!onTimeline()) return;
    timeline.fromAddress();
    // Material restores this entry's scroll offset before the filter changes the page's length.
    const offset = history.state;
    if (offset && typeof offset.y === "number") window.scrollTo(offset.x || 0, offset.y);
  });
  window.addEventListener("hashchange", () => {
    if (onTimeline()) timeline.afterJump();
  });
  // Material's instant navigation takes over clicks on links to this page's anchors (pushState, no
  // hashchange); look at the address once its handler has run.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a[href*='#']");
    if (link && onTimeline()) setTimeout(() => onTimeline() && timeline.afterJump(), 0);
  });

  if (typeof document$ !== "undefined") {
    document$.subscribe(setUpTimeline);
  } else {
    document.addEventListener("DOMContentLoaded", setUpTimeline);
  }
})();
