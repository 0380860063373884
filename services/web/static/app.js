// The page's own behaviour, all of it optional: without JavaScript every link and form still works.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.id === "select-page") {
      document.querySelectorAll('input[name="doc"]').forEach(function (row) { row.checked = box.checked; });
    } else if (box && box.name === "doc" && !box.checked) {
      var all = document.getElementById("select-page");
      if (all) { all.checked = false; }
    }
  });
  // The live counts stream says so when the session ended (signed out elsewhere, token revoked).
  document.body && document.body.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "signedout") { window.location.assign("/web/signin"); }
  });
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (event.detail && event.detail.type === "signedout") { window.location.assign("/web/signin"); }
  });
  // A history opened in the side panel takes the focus, so a keyboard user lands on it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "panel") {
      var heading = event.target.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });
}());
// A live update of the counts keeps the keyboard focus on the count it was on.
(function () {
  "use strict";
  var focused = null;
  document.addEventListener("htmx:sseBeforeMessage", function () {
    var cell = document.activeElement && document.activeElement.closest && document.activeElement.closest("td[data-cell]");
    focused = cell ? cell.getAttribute("data-cell") : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focused) { return; }
    var link = document.querySelector('td[data-cell="' + focused + '"] a');
    focused = null;
    if (link) { link.focus(); }
  });
}());
// The history panel closes with its button or Escape, and the focus goes back to the link that opened it.
(function () {
  "use strict";
  var opener = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.history-link");
    if (link) { opener = link; }
    if (event.target.closest && event.target.closest("[data-close-panel]")) { close(); }
  });
  document.addEventListener("keydown", function (event) {
    var panel = document.getElementById("panel");
    if (event.key === "Escape" && panel && panel.innerHTML.trim()) { close(); }
  });
  function close() {
    var panel = document.getElementById("panel");
    if (panel) { panel.innerHTML = ""; }
    if (opener) { opener.focus(); }
  }
}());
// The reconciliation page: "Link…" opens the row's details at its link form; typing a doc_id chooses it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("a[data-opens]");
    if (!opener) { return; }
    var details = document.getElementById(opener.getAttribute("data-opens"));
    var form = document.getElementById(opener.getAttribute("href").slice(1));
    if (!details || !form) { return; }
    event.preventDefault();
    details.open = true;
    form.scrollIntoView({ block: "center" });
    var choice = form.querySelector('input[type="radio"]:checked') || form.querySelector("input[type=radio]");
    if (choice) { choice.focus(); }
  });
  document.addEventListener("input", function (event) {
    var chooses = event.target.getAttribute && event.target.getAttribute("data-chooses");
    var radio = chooses && document.getElementById(chooses);
    if (radio) { radio.checked = true; }
  });
}());
// A form that may take a while says so: its button is disabled and names what it does, a status line shows.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var busy = form.getAttribute && form.getAttribute("data-busy");
    if (!busy) { return; }
    var button = event.submitter || form.querySelector('button[type="submit"]');
    window.setTimeout(function () {
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
      if (button) { button.textContent = busy; }
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.hidden = false; }
    }, 0);
  });
}());
// A change the page waits for ("being applied") reloads it, a few times at most.
(function () {
  "use strict";
  var waiting = document.querySelector("[data-reload-after]");
  if (!waiting) { return; }
  var key = "reloads:" + window.location.pathname + window.location.search;
  var done = Number(window.sessionStorage.getItem(key) || "0");
  if (done >= 20) { return; }
  window.sessionStorage.setItem(key, String(done + 1));
  window.setTimeout(function () { window.location.reload(); }, Number(waiting.getAttribute("data-reload-after")));
}());
