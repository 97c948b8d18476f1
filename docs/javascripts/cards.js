// Definition cards (nutshell/definition_cards.py writes the links and the hidden cards; this shows them).
// A card opens when a term is hovered, focused or tapped; it stays open while the pointer is over the term
// or the card, or while the term has focus; Escape closes it (WCAG 2.1 SC 1.4.13).
// Touch: the first tap on a term opens its card, a second tap (or the card's link) follows the link.
// Without this script the term is a plain link to its entry, and its aria-describedby still gives screen
// readers the definition. `document$` re-runs the set-up after Material's instant navigation.
(() => {
  const OPEN_DELAY_MS = 100;   // a pointer passing over a word on its way elsewhere opens nothing
  const CLOSE_DELAY_MS = 300;  // time to move the pointer from the term onto the card
  const GAP_PX = 6;            // between the term and its card
  const MARGIN_PX = 8;         // between the card and the window's edges

  let open = null;         // {term, card} shown now
  let hovered = false;     // the pointer is over the open card's term or the card
  let focused = false;     // focus is on the open card's term or inside the card
  let dismissed = null;    // the term whose card Escape closed: it stays closed until hover or focus leaves
  let timer = 0;
  let lastPointer = "mouse";
  let openAtPointerDown = false;

  const cardFor = (term) => {
    const text = document.getElementById(term.getAttribute("aria-describedby"));
    return text && text.closest(".nutshell-card");
  };

  function place(term, card) {
    const box = term.getClientRects()[0] || term.getBoundingClientRect();  // first line of a wrapped term
    const frame = card.offsetParent.getBoundingClientRect();  // .nutshell-cards: the cards' positioned parent
    const width = document.documentElement.clientWidth;
    const height = document.documentElement.clientHeight;
    const cardBox = card.getBoundingClientRect();
    const left = Math.max(MARGIN_PX, Math.min(box.left, width - cardBox.width - MARGIN_PX));
    let top = box.bottom + GAP_PX;
    if (top + cardBox.height > height - MARGIN_PX && box.top - GAP_PX - cardBox.height >= MARGIN_PX) {
      top = box.top - GAP_PX - cardBox.height;  // no room below: above the term
    }
    card.style.left = `${left - frame.left}px`;
    card.style.top = `${top - frame.top}px`;
  }

  function show(term) {
    clearTimeout(timer);
    if (open && open.term === term) return;
    hide();
    const card = cardFor(term);
    if (!card) return;
    card.hidden = false;
    open = {term, card};
    place(term, card);
  }

  function hide() {
    clearTimeout(timer);
    if (!open) return;
    open.card.hidden = true;
    open = null;
    hovered = false;
  }

  function later(action, delay) {
    clearTimeout(timer);
    timer = setTimeout(action, delay);
  }

  function closeUnlessHeld() {
    later(() => { if (!hovered && !focused) hide(); }, CLOSE_DELAY_MS);
  }

  function enterTerm(event) {
    if (event.pointerType === "touch") return;  // a tap is handled on click
    const term = event.currentTarget;
    if (dismissed === term) return;
    if (open && open.term === term) { hovered = true; clearTimeout(timer); return; }
    later(() => { show(term); hovered = true; }, OPEN_DELAY_MS);
  }

  function leave(event) {
    if (event.pointerType === "touch") return;
    dismissed = null;  // after Escape, the next hover is a new request
    if (!open) { clearTimeout(timer); return; }  // an open still waiting on its delay
    hovered = false;
    closeUnlessHeld();
  }

  function enterCard(event) {
    if (event.pointerType === "touch" || !open || open.card !== event.currentTarget) return;
    hovered = true;
    clearTimeout(timer);
  }

  function focusTerm(event) {
    const term = event.currentTarget;
    focused = true;
    if (dismissed !== term) show(term);
  }

  function blurTerm(event) {
    const term = event.currentTarget;
    if (dismissed === term) dismissed = null;
    if (open && open.card.contains(event.relatedTarget)) return;  // focus moved into the card
    focused = false;
    if (open && open.term === term) closeUnlessHeld();
  }

  function tapTerm(event) {
    // event.detail is 0 when the keyboard activated the link: Enter always follows it
    if (lastPointer !== "touch" || event.detail === 0 || event.button !== 0) return;
    const term = event.currentTarget;
    if (openAtPointerDown) return;  // second tap: follow the link
    event.preventDefault();          // first tap: show the definition instead
    event.stopPropagation();         // (and keep instant navigation from following the link)
    dismissed = null;
    show(term);
  }

  function setUp() {
    hide();
    focused = false;
    dismissed = null;
    for (const term of document.querySelectorAll("a.nutshell-term[aria-describedby]")) {
      term.addEventListener("pointerenter", enterTerm);
      term.addEventListener("pointerleave", leave);
      term.addEventListener("focus", focusTerm);
      term.addEventListener("blur", blurTerm);
      term.addEventListener("click", tapTerm);
    }
    for (const card of document.querySelectorAll(".nutshell-card")) {
      card.addEventListener("pointerenter", enterCard);
      card.addEventListener("pointerleave", leave);
      card.addEventListener("focusout", (event) => {
        if (open && open.card === card && !card.contains(event.relatedTarget) && event.relatedTarget !== open.term) {
          focused = false;
          closeUnlessHeld();
        }
      });
      card.addEventListener("focusin", () => { if (open && open.card === card) focused = true; });
      // Pressing the card's link leaves focus where it is: moving it off the term can reflow the page between
      // press and release (a timeline summary shows in full only while focus is inside it), and the click
      // would then land on whatever moved under the pointer. The link still follows on click.
      for (const link of card.querySelectorAll("a")) {
        link.addEventListener("pointerdown", (event) => event.preventDefault());
      }
    }
  }

  // Once per window: these outlive instant navigation.
  document.addEventListener("pointerdown", (event) => {
    lastPointer = event.pointerType || "mouse";
    const inside = open && (open.term.contains(event.target) || open.card.contains(event.target));
    openAtPointerDown = Boolean(inside && open.term.contains(event.target));
    if (open && !inside) hide();  // a tap or click elsewhere closes the card
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !open) return;
    dismissed = open.term;
    hide();  // focus stays where it was
  });
  window.addEventListener("resize", () => { if (open) place(open.term, open.card); });

  if (typeof document$ !== "undefined") {
    document$.subscribe(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", setUp);
  }
})();
