// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.language-switch")) {
    const select = form.querySelector("select");
    const button = form.querySelector("button");
    if (!select || !button) continue;
    button.classList.add("visually-hidden");
    select.addEventListener("change", () => form.requestSubmit());
  }
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // A table wider than the screen scrolls sideways inside its .table-wrap: where it does, keyboard users must be
  // able to reach that box to scroll it (WCAG 2.1.1), and screen readers hear what it holds.
  const reachableScrolling = () => {
    for (const box of document.querySelectorAll(".table-wrap")) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        const heading = box.closest("section")?.querySelector("h2, h3") || document.querySelector("h1");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (heading) box.setAttribute("aria-label", heading.textContent.trim());
        box.dataset.scrollRegion = "";
      } else if (!scrolls && "scrollRegion" in box.dataset) {
        for (const name of ["tabindex", "role", "aria-label", "data-scroll-region"]) box.removeAttribute(name);
      }
    }
  };
  reachableScrolling();
  window.addEventListener("resize", reachableScrolling);
});
