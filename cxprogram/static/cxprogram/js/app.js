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
});
