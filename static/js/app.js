// Small behaviours without inline scripts (a strict CSP forbids them).
document.addEventListener("click", function (event) {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
  }
});
