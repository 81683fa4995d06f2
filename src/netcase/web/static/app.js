// Shared behaviour: focus management after htmx swaps, so screen-reader and keyboard users land
// on the new content; confirmation of destructive buttons.
document.addEventListener("htmx:afterSwap", (ev) => {
  const target = ev.detail.target;
  if (target && target.dataset.focusAfterSwap !== undefined) {
    const heading = target.querySelector("h2, h3, [tabindex='-1']");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }
});
document.addEventListener("click", (ev) => {
  const el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { ev.preventDefault(); }
});
