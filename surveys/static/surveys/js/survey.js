// Display logic on the page: hide a question while the earlier answer it depends on does not meet its
// condition. The server applies the same rules, so the survey works without this script.
(function () {
  const form = document.querySelector("form.survey-card");
  if (!form) return;
  const dependents = form.querySelectorAll("[data-show-if]");

  function answerOf(name) {
    const inputs = form.querySelectorAll(`[name="${name}"]`);
    if (!inputs.length) return null;
    const checked = [...inputs].filter((i) => i.checked).map((i) => i.value);
    return inputs[0].type === "checkbox" ? checked : checked[0] ?? null;
  }

  function met(block) {
    const value = answerOf(block.dataset.showIf);
    if (value === null || (Array.isArray(value) && !value.length)) {
      // The source question is on an earlier page: the server already decided.
      return !form.querySelector(`[name="${block.dataset.showIf}"]`) ? true : false;
    }
    const op = block.dataset.op;
    if (op === "chose") return [].concat(value).includes(block.dataset.choice);
    const n = Number(value), target = Number(block.dataset.value);
    return { lte: n <= target, gte: n >= target, eq: n === target, ne: n !== target }[op] ?? true;
  }

  function update() {
    for (const block of dependents) block.hidden = !met(block);
  }
  form.addEventListener("change", update);
  update();

  // A person touches the page before sending it: mark the form then, so a quick answer is not taken for a bot's.
  const human = form.querySelector('input[name="human"]');
  if (human) {
    const mark = () => { human.value = human.dataset.token; };
    for (const type of ["pointerdown", "keydown", "click", "change", "input"]) {
      form.addEventListener(type, mark, { once: true, passive: true });
    }
  }
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
