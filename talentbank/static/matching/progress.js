// A round's progress page: count the seconds and poll status.json until the round has finished.
"use strict";
(function () {
  var box = document.getElementById("progress");
  if (!box || box.dataset.status === "succeeded" || box.dataset.status === "failed") { return; }
  var elapsed = parseFloat(box.dataset.elapsed) || 0, base = Date.now();
  var elapsedEl = document.getElementById("elapsed");
  var tick = setInterval(function () {
    elapsedEl.textContent = Math.floor(elapsed + (Date.now() - base) / 1000);
  }, 250);
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        elapsed = data.elapsed_seconds; base = Date.now();
        document.getElementById("status-label").textContent = data.status_label;
        document.getElementById("phase-label").textContent = data.phase_label;
        if (data.is_finished) {
          clearInterval(tick);
          elapsedEl.textContent = Math.round(data.elapsed_seconds);
          document.querySelector(".spinner").hidden = true;
          document.getElementById("finished").hidden = false;
          if (data.next_url) { document.getElementById("next-link").href = data.next_url; }
          if (data.status === "succeeded") { window.location.assign(data.next_url); }
          else { var e = document.getElementById("error-label"); e.textContent = data.error_label || ""; e.hidden = false; }
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 700);
})();
