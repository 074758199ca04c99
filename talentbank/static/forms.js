// Live character counts beside limited fields (templates/macros/forms.html renders the limit, and the
// server refuses what is longer; this only shows the count while typing). No inline scripts (CSP).
"use strict";
(function () {
  function update(note) {
    var input = document.getElementById(note.getAttribute("data-for"));
    if (!input) { return; }
    var limit = parseInt(note.getAttribute("data-limit"), 10);
    var count = Array.from(input.value || "").length;  // characters as the server counts them, not UTF-16 units
    var live = note.querySelector(".count");
    if (!live) {
      live = document.createElement("span");
      live.className = "count";
      note.appendChild(document.createTextNode(" "));
      note.appendChild(live);
    }
    live.textContent = (note.getAttribute("data-counter-text") || "{count}").replace("{count}", count.toLocaleString());
    note.classList.toggle("over", count > limit);
  }
  function start() {
    var notes = document.querySelectorAll(".limit[data-for][data-limit]");
    notes.forEach(function (note) {
      var input = document.getElementById(note.getAttribute("data-for"));
      if (!input) { return; }
      input.addEventListener("input", function () { update(note); });
      update(note);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
