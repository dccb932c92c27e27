/* cxprogram website feedback: "Did this page help you?" on the company's own pages.

   <script src="https://<cx host>/w.js" data-survey="<public id>" [data-section="Delivery"] async></script>

   Asks the survey's yes/no question, then an optional "why", in the page's language (<html lang>: ru or en,
   else ru). Drawn inside a shadow root, so the page's CSS cannot break it and its own cannot leak out; built
   with DOM calls only (no HTML strings parsed, no inline script, no eval), styled through a constructed stylesheet where
   the browser has them. Sends no cookies (credentials: "omit") and no referrer; the page address goes without
   its query string and fragment. Shows nothing when the survey does not allow this site. */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[data-survey][src*="/w.js"]');
  if (!script || !window.fetch || !window.Promise || !document.documentElement.attachShadow) {
    return;
  }
  var surveyId = script.getAttribute("data-survey") || "";
  var section = script.getAttribute("data-section") || "";
  var base = new URL(script.src, window.location.href).origin;
  var endpoint = base + "/w/" + encodeURIComponent(surveyId) + "/";
  var lang = (document.documentElement.getAttribute("lang") || "").slice(0, 2).toLowerCase();
  if (lang !== "ru" && lang !== "en") {
    lang = "ru";
  }

  var CSS = [
    ":host { all: initial; display: block; margin: 1.5em 0; }",
    ".box { font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1c1c1e;",
    "  background: #fff; border: 1px solid #c9ced6; border-radius: 12px; padding: 1em; max-width: 36em;",
    "  box-sizing: border-box; }",
    "fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }",
    "legend { font-weight: 700; font-size: 1.05em; padding: 0; margin-bottom: 0.6em; }",
    ".row { display: flex; gap: 0.5em; flex-wrap: wrap; }",
    "button { font: inherit; min-height: 44px; min-width: 5.5em; padding: 0.45em 1em; border-radius: 8px;",
    "  border: 2px solid #0b5cad; background: #fff; color: #0b5cad; cursor: pointer; }",
    "button.primary { background: #0b5cad; color: #fff; }",
    "button:hover { background: #e8f0fa; } button.primary:hover { background: #084a8c; }",
    "button:disabled { opacity: 0.6; cursor: progress; }",
    "button:focus-visible, textarea:focus-visible, .status:focus-visible { outline: 3px solid #e8a317;",
    "  outline-offset: 2px; }",
    "label { display: block; font-weight: 700; margin-bottom: 0.35em; }",
    "textarea { display: block; box-sizing: border-box; width: 100%; font: inherit; padding: 0.5em;",
    "  border: 1px solid #6b7280; border-radius: 8px; margin-bottom: 0.35em; resize: vertical; }",
    ".hint { color: #4b5563; font-size: 0.875em; margin: 0 0 0.6em; }",
    ".status { margin: 0; } .status:empty { display: none; }",
    ".status.error { color: #b3261e; margin-top: 0.6em; }",
    "[hidden] { display: none !important; }"
  ].join("\n");

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function style(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // An older browser: a <style> element (a page whose CSP forbids inline styles shows it unstyled).
      root.appendChild(el("style", {}, CSS));
    }
  }

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("").slice(0, 24);
  }

  function draw(text) {
    var host = el("div", { "data-cx-feedback": surveyId });
    if (script.parentNode && document.body && document.body.contains(script)) {
      script.parentNode.insertBefore(host, script.nextSibling);
    } else {
      document.body.appendChild(host);
    }
    var root = host.attachShadow({ mode: "open" });
    style(root);

    var box = el("section", { "class": "box", "lang": text.lang, "aria-labelledby": "cxf-question" });
    var ask = el("form", { "class": "ask" });
    var fieldset = el("fieldset");
    fieldset.appendChild(el("legend", { "id": "cxf-question" }, text.question));
    var row = el("div", { "class": "row" });
    var yes = el("button", { "type": "button", "class": "primary" }, text.yes);
    var no = el("button", { "type": "button" }, text.no);
    row.appendChild(yes);
    row.appendChild(no);
    fieldset.appendChild(row);
    ask.appendChild(fieldset);

    var why = el("form", { "class": "why", "hidden": "" });
    var label = el("label", { "for": "cxf-comment" });
    var comment = el("textarea", {
      "id": "cxf-comment", "rows": "3", "maxlength": String(text.max_length), "aria-describedby": "cxf-hint"
    });
    var send = el("button", { "type": "submit", "class": "primary" }, text.send);
    why.appendChild(label);
    why.appendChild(comment);
    why.appendChild(el("p", { "class": "hint", "id": "cxf-hint" }, text.hint));
    why.appendChild(send);

    var status = el("p", { "class": "status", "role": "status", "aria-live": "polite", "tabindex": "-1" });
    box.appendChild(ask);
    box.appendChild(why);
    box.appendChild(status);
    root.appendChild(box);

    var helped = null;
    var key = randomKey();

    function submit() {
      send.disabled = true;
      status.className = "status";
      status.textContent = "";
      var body = {
        helped: helped,
        comment: comment.value,
        page: window.location.origin + window.location.pathname,
        section: section,
        lang: text.lang,
        key: key
      };
      fetch(endpoint + "answers/?lang=" + text.lang, {
        method: "POST",
        credentials: "omit",
        mode: "cors",
        referrerPolicy: "no-referrer",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            throw new Error(data.error || text.failed);  // the server's reason, in the page's language
          }
          ask.hidden = true;
          why.hidden = true;
          status.textContent = data.thanks || text.thanks;
          status.focus();
        });
      }).catch(function (error) {
        send.disabled = false;
        status.className = "status error";
        // A TypeError is the network's (offline, blocked): only our own Error carries a message to show.
        status.textContent = error instanceof TypeError || !error.message ? text.failed : error.message;
      });
    }

    function choose(value) {
      helped = value;
      var question = value ? text.why_yes : text.why_no;
      if (!question) {  // the survey asks no "why" after this answer
        why.hidden = true;
        submit();
        return;
      }
      label.textContent = question;
      ask.hidden = true;
      why.hidden = false;
      comment.focus();
    }

    yes.addEventListener("click", function () { choose(true); });
    no.addEventListener("click", function () { choose(false); });
    why.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });
  }

  function start() {
    fetch(endpoint + "?lang=" + lang, { credentials: "omit", mode: "cors", referrerPolicy: "no-referrer" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (text) {
        if (text) {
          draw(text);
        }
      })
      .catch(function () { /* not allowed here, or the CX server is away: show nothing */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
