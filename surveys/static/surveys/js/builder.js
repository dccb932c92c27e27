// The survey builder's enhancements (the page works without them): move questions with buttons or Alt+arrows,
// add questions and pages, offer only earlier questions in each condition, show the fields a type needs, and draw
// a live preview of the customer's pages. No inline scripts; user text only ever goes in through textContent.
(() => {
  "use strict";
  const CHOICE = ["single", "multiple"];
  const SCALES = { nps: [0, 10], csat: [1, 5], ces: [1, 7], yes_no: null };
  const field = (card, name) => card.querySelector(`[name$="-${name}"]`);
  const value = (card, name) => { const f = field(card, name); return f ? (f.type === "checkbox" ? f.checked : f.value.trim()) : ""; };
  const list = document.getElementById("question-list");
  if (!list) return;
  const cards = () => Array.from(list.querySelectorAll("[data-question]"));
  const live = () => cards().filter((card) => !value(card, "DELETE"));
  const show = (element, visible) => { if (element) element.closest(".builder-field").hidden = !visible; };

  function renumber() {
    cards().forEach((card, i) => {
      const order = field(card, "ORDER");
      if (order) order.value = String(i + 1);
      card.querySelector("[data-number]").textContent = `${i + 1}.`;
      card.querySelector("[data-summary]").textContent = `${value(card, "code")} · ${value(card, "page") || "?"}`;
    });
  }

  function adapt(card) {
    const type = value(card, "type");
    card.querySelector("[data-scale]").hidden = type !== "rating";
    show(field(card, "choices_ru"), CHOICE.includes(type));
    show(field(card, "choices_en"), CHOICE.includes(type));
    const source = value(card, "show_if");
    const operator = value(card, "show_if_operator");
    show(field(card, "show_if_operator"), Boolean(source));
    show(field(card, "show_if_value"), Boolean(source) && operator !== "chose");
    show(field(card, "show_if_choice"), Boolean(source) && operator === "chose");
    card.classList.toggle("deleted", Boolean(value(card, "DELETE")));
  }

  function refreshLogic() {
    const seen = [];
    for (const card of cards()) {
      const select = field(card, "show_if");
      const current = select.value;
      const page = Number(value(card, "page")) || 1;
      const earlier = seen.filter((other) => (Number(value(other, "page")) || 1) <= page);
      select.replaceChildren();
      const none = new Option(select.dataset.always || "— always show —", "");
      select.append(none);
      for (const other of earlier) {
        const code = value(other, "code");
        if (!code) continue;
        const text = value(other, "text_ru") || value(other, "text_en");
        select.append(new Option(`${code} · ${text}`.slice(0, 80), code));
      }
      if (current && !Array.from(select.options).some((o) => o.value === current)) {
        select.append(new Option(`${current} ⚠`, current));  // kept: the server explains what is wrong
      }
      select.value = current;
      adapt(card);
      if (!value(card, "DELETE")) seen.push(card);
    }
  }

  function scaleOf(card) {
    const type = value(card, "type");
    if (type === "rating") return [Number(value(card, "scale_min")) || 0, Number(value(card, "scale_max")) || 10];
    return SCALES[type] || null;
  }

  function preview() {
    const box = document.getElementById("preview");
    const language = document.getElementById("preview-language").value;
    const other = language === "ru" ? "en" : "ru";
    const pages = new Map();
    for (const card of live()) {
      const page = Number(value(card, "page")) || 1;
      if (!pages.has(page)) pages.set(page, []);
      pages.get(page).push(card);
    }
    box.replaceChildren();
    for (const page of Array.from(pages.keys()).sort((a, b) => a - b)) {
      const section = document.createElement("section");
      section.className = "preview-page";
      const heading = document.createElement("h3");
      heading.textContent = `${box.dataset.page} ${page}`;
      section.append(heading);
      for (const card of pages.get(page)) {
        const item = document.createElement("div");
        item.className = "preview-question";
        const text = document.createElement("p");
        text.className = "preview-text";
        text.textContent = value(card, `text_${language}`) || value(card, `text_${other}`) || box.dataset.noText;
        if (value(card, "required")) text.textContent += " *";
        item.append(text);
        const scale = scaleOf(card);
        const type = value(card, "type");
        if (type === "yes_no") {
          item.append(...["Да / Yes", "Нет / No"].map((label) => Object.assign(document.createElement("span"), { className: "preview-option", textContent: label })));
        } else if (scale) {
          for (let n = scale[0]; n <= scale[1]; n += 1) item.append(Object.assign(document.createElement("span"), { className: "preview-option", textContent: String(n) }));
        } else if (CHOICE.includes(type)) {
          const lines = (value(card, `choices_${language}`) || value(card, `choices_${other}`)).split("\n").filter((l) => l.trim());
          const ul = document.createElement("ul");
          for (const line of lines) ul.append(Object.assign(document.createElement("li"), { textContent: line }));
          item.append(ul);
        } else {
          item.append(Object.assign(document.createElement("span"), { className: "preview-textbox", textContent: " " }));
        }
        const source = value(card, "show_if");
        if (source) {
          const op = field(card, "show_if_operator");
          const label = op && op.selectedIndex > 0 ? op.options[op.selectedIndex].text : "";
          const target = value(card, "show_if_operator") === "chose" ? `#${value(card, "show_if_choice")}` : value(card, "show_if_value");
          item.append(Object.assign(document.createElement("p"), { className: "preview-logic", textContent: `${box.dataset.shownIf}: ${source} ${label} ${target}` }));
        }
        section.append(item);
      }
      box.append(section);
    }
  }

  function update() { renumber(); refreshLogic(); preview(); }

  function move(card, step) {
    const all = cards();
    const index = all.indexOf(card);
    const target = all[index + step];
    if (!target) return;
    if (step < 0) list.insertBefore(card, target); else list.insertBefore(target, card);
    update();
  }

  function wire(card) {
    card.querySelector("[data-move]").hidden = false;
    card.querySelector("[data-up]").addEventListener("click", (e) => { move(card, -1); e.currentTarget.focus(); });
    card.querySelector("[data-down]").addEventListener("click", (e) => { move(card, 1); e.currentTarget.focus(); });
    card.addEventListener("keydown", (e) => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      e.preventDefault();
      const focused = document.activeElement;
      move(card, e.key === "ArrowUp" ? -1 : 1);
      if (focused) focused.focus();
    });
    card.addEventListener("input", update);
    card.addEventListener("change", update);
    adapt(card);
  }

  function add(newPage) {
    const total = document.querySelector('[name$="-TOTAL_FORMS"]');
    const index = Number(total.value);
    const html = document.getElementById("question-template").innerHTML.replaceAll("__prefix__", String(index));
    const holder = document.createElement("ol");
    holder.innerHTML = html;  // the server's own markup for an empty question, no user text in it
    const card = holder.firstElementChild;
    total.value = String(index + 1);
    const pages = live().map((c) => Number(value(c, "page")) || 1);
    const last = pages.length ? Math.max(...pages) : 1;
    field(card, "page").value = String(newPage ? last + 1 : last);
    field(card, "required").checked = true;
    list.append(card);
    wire(card);
    update();
    field(card, "code").focus();
  }

  for (const card of cards()) wire(card);
  for (const id of ["add-question", "add-page", "preview-tools"]) document.getElementById(id).hidden = false;
  document.getElementById("add-question").addEventListener("click", () => add(false));
  document.getElementById("add-page").addEventListener("click", () => add(true));
  document.getElementById("preview-language").addEventListener("change", preview);
  document.getElementById("builder-form").addEventListener("input", (e) => { if (!e.target.closest("[data-question]")) preview(); });
  update();
  const summary = document.getElementById("error-summary");
  if (summary) { summary.scrollIntoView({ block: "start" }); summary.focus(); }
})();
