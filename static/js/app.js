// Small behaviours without inline scripts (a strict CSP forbids them).
document.addEventListener("click", function (event) {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
  }
});

// 相談受付: 主 is one check box per category (kept next to it in the tab order);
// ticking one clears the others and ticks its category. The server refuses two.
document.addEventListener("change", function (event) {
  const box = event.target;
  if (!box.matches || !box.matches("input[data-primary-of]") || !box.checked) return;
  const form = box.form;
  form.querySelectorAll("input[data-primary-of]").forEach(function (other) {
    if (other !== box) other.checked = false;
  });
  const category = form.querySelector('input[name="categories"][value="' + box.value + '"]');
  if (category) category.checked = true;
});

// Error summary (WCAG 3.3.1): after a failed save, focus moves to the summary at the top
// of the form, whose links lead to each field. Forms rendered field by field get one
// built here from their .has-error fields; its title comes from <body data-error-summary>.
document.addEventListener("DOMContentLoaded", function () {
  const title = document.body.dataset.errorSummary;
  document.querySelectorAll("form").forEach(function (form, n) {
    if (form.querySelector(".error-summary") || !title) {
      return;
    }
    const fields = form.querySelectorAll(".field.has-error");
    if (!fields.length) {
      return;
    }
    const summary = document.createElement("div");
    summary.className = "error-summary";
    summary.tabIndex = -1;
    summary.setAttribute("role", "group");
    const heading = document.createElement("p");
    heading.className = "error-summary-title";
    heading.id = "error-summary-title-" + n;
    heading.textContent = title;
    summary.setAttribute("aria-labelledby", heading.id);
    summary.appendChild(heading);
    const list = document.createElement("ul");
    fields.forEach(function (field) {
      const input = field.querySelector("input:not([type=hidden]), select, textarea");
      const caption = field.querySelector("legend, label, .label");
      field.querySelectorAll(".error").forEach(function (error) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = input && input.id ? "#" + input.id : "#";
        link.textContent = (caption ? caption.textContent.trim() + "：" : "") + error.textContent.trim();
        item.appendChild(link);
        list.appendChild(item);
      });
    });
    summary.appendChild(list);
    form.insertBefore(summary, form.firstChild);
  });
  const first = document.querySelector(".error-summary");
  if (first) {
    first.focus();
  }
});

// A link in the error summary moves focus to its field, not only the scroll position.
document.addEventListener("click", function (event) {
  const link = event.target.closest(".error-summary a[href^='#']");
  if (!link) {
    return;
  }
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (target) {
    event.preventDefault();
    target.focus();
    target.scrollIntoView({ block: "center" });
  }
});

// A table or drawing wider than the screen scrolls in its own box (app.css, narrow
// screens): such a box takes the keyboard focus, so the arrow keys scroll it too
// (WCAG 2.1.1). Checked again when the window is resized and after htmx swaps.
function markScrollRegions() {
  document.querySelectorAll("main table, .svg-scroll").forEach(function (box) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.dataset.scrollFocus = "1";
    } else if (!scrolls && box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollFocus;
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollRegions);
document.addEventListener("htmx:afterSettle", markScrollRegions);
let scrollRegionTimer = null;
window.addEventListener("resize", function () {
  clearTimeout(scrollRegionTimer);
  scrollRegionTimer = setTimeout(markScrollRegions, 150);
});
