// Timeline filter: show one era and/or one tag. Progressive enhancement: without this script the
// filter stays hidden and every milestone shows. `document$` re-runs it after instant navigation.
function setUpTimelineFilter() {
  const filter = document.querySelector(".nutshell-filter");
  if (!filter) return;
  const milestones = Array.from(document.querySelectorAll(".nutshell-milestone"));
  const eraButtons = Array.from(filter.querySelectorAll("[data-filter-era]"));
  const tagSelect = filter.querySelector("[data-filter-tag]");
  const count = filter.querySelector(".nutshell-filter__count");
  let era = "";

  function apply() {
    const tag = tagSelect.value;
    let shown = 0;
    for (const m of milestones) {
      const visible = (!era || m.dataset.era === era) && (!tag || m.dataset.tags.split(" ").includes(tag));
      m.hidden = !visible;
      if (visible) shown += 1;
    }
    for (const b of eraButtons) b.setAttribute("aria-pressed", String(b.dataset.filterEra === era));
    count.textContent = `${shown} of ${milestones.length} milestones shown`;
  }

  for (const b of eraButtons) b.addEventListener("click", () => { era = b.dataset.filterEra; apply(); });
  tagSelect.addEventListener("change", apply);
  filter.hidden = false;
  apply();
}

if (typeof document$ !== "undefined") {
  document$.subscribe(setUpTimelineFilter);
} else {
  document.addEventListener("DOMContentLoaded", setUpTimelineFilter);
}
