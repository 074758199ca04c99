// The review screen's bulk bar: select all, count the selection, ask for a reason before rejecting one.
"use strict";
(function () {
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#decide-form input[name="proposal_id"]'));
  var count = document.getElementById("selected-count");
  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    count.textContent = n ? count.dataset.template.replace("__N__", n) : "";
  }
  document.querySelectorAll("button.reject-one").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var reason = document.getElementById("shared-reason");
      if (reason.value.trim()) { return; }
      var given = window.prompt(reason.dataset.prompt || "");
      if (given === null || !given.trim()) { event.preventDefault(); return; }
      reason.value = given.trim();
    });
  });
  all.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = all.checked; }); update(); });
  document.getElementById("decide-form").addEventListener("change", function (e) { if (e.target.name === "proposal_id") { update(); } });
})();
