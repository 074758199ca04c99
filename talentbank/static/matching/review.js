// The review desk, on top of forms that work without it: decisions are sent with fetch() and the row is
// updated where it stands (the page never jumps), 却下 opens a reason dialog (a real form; Esc closes it,
// Tab stays inside), and the bulk bar counts the selection. Without JavaScript every button posts its
// form and the server comes back to the same row (#proposal-<id>), or asks the reason on its own page.
"use strict";
(function () {
  var form = document.getElementById("decide-form");
  var live = document.getElementById("review-live");
  var alertBox = document.getElementById("review-alert");
  if (!form) { return; }
  var failed = form.dataset.failed || "";

  function announce(message, isError) {
    var box = isError ? alertBox : live;
    if (!box) { return; }
    box.textContent = "";
    window.clearTimeout(box.clearing);
    window.setTimeout(function () { box.textContent = message; }, 50);  // a change screen readers notice
    if (!isError) { box.clearing = window.setTimeout(function () { box.textContent = ""; }, 10000); }
  }

  // ---- the selection of the bulk bar
  var all = document.getElementById("select-all");
  var count = document.getElementById("selected-count");
  function boxes() { return Array.prototype.slice.call(form.querySelectorAll('input[name="proposal_id"]')); }
  function updateCount() {
    if (!count) { return; }
    var n = boxes().filter(function (b) { return b.checked; }).length;
    count.textContent = n ? count.dataset.template.replace("__N__", n) : "";
  }
  if (all) {
    all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); updateCount(); });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "proposal_id") { updateCount(); } });

  // ---- sending a decision and showing it in its row
  function send(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
                        headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, message: failed }; })
          .then(function (body) { body.httpStatus = response.status; return body; });
      }, function () { return { ok: false, message: failed, httpStatus: 0 }; });
  }

  function showDecided(body) {
    var row = document.getElementById(body.target);
    if (!row) { return; }
    var status = row.querySelector(".js-status");
    if (status) {
      var tag = document.createElement("span");
      tag.className = row.tagName === "TR" ? "tag pstatus-" + body.status : "tag";
      tag.textContent = body.status_label;
      status.textContent = "";
      status.appendChild(tag);
      if (body.reason && row.tagName === "TR") {
        var small = document.createElement("small");
        small.className = "js-reason";
        small.textContent = body.reason;
        status.appendChild(document.createElement("br"));
        status.appendChild(small);
      }
    }
    var reasonLine = row.querySelector(".js-reason-line");
    if (reasonLine && body.reason) {
      reasonLine.querySelector(".js-reason").textContent = body.reason;
      reasonLine.hidden = false;
    }
    var actions = row.querySelector(".js-actions");
    var hadFocus = actions && actions.contains(document.activeElement);
    if (actions) { actions.textContent = ""; }
    var box = row.querySelector('input[name="proposal_id"]');
    if (box) { box.remove(); updateCount(); }
    row.className = row.className.replace(/\bpstatus-row-\S+/, "pstatus-row-" + body.status) + " just-decided";
    if (hadFocus || !document.activeElement || document.activeElement === document.body) {
      row.setAttribute("tabindex", "-1");
      row.focus({ preventScroll: true });  // the keyboard stays on the row just decided
    }
  }

  function tokenData(source) {
    var data = new FormData();
    ["csrf_token", "round_id", "next"].forEach(function (name) {
      var input = source.querySelector('input[name="' + name + '"]');
      if (input) { data.append(name, input.value); }
    });
    return data;
  }

  // ---- the reason dialog (one for proposals, one for rings)
  var opener = null;
  function focusables(dialog) {
    return Array.prototype.slice.call(dialog.querySelectorAll(
      'button, [href], input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])'))
      .filter(function (el) { return !el.disabled && el.offsetParent !== null; });
  }
  function clearErrors(dialog) {
    dialog.querySelectorAll(".js-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    dialog.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }
  function openDialog(dialog, action, title, from) {
    var dialogForm = dialog.querySelector("form");
    dialogForm.reset();
    clearErrors(dialog);
    dialogForm.setAttribute("action", action);
    dialog.querySelector(".js-dialog-title").textContent = title;
    opener = from;
    dialog.showModal();
    var first = dialog.querySelector('input[type="radio"]');
    if (first) { first.focus(); }
  }
  function closeDialog(dialog) {
    if (dialog.open) { dialog.close(); }
  }
  document.querySelectorAll("dialog.reason-dialog").forEach(function (dialog) {
    var dialogForm = dialog.querySelector("form");
    dialog.addEventListener("close", function () {
      // the close event comes a moment after the dialog closed: if the person has already moved on (typed in
      // the search box, say), the focus stays where they put it
      var active = document.activeElement;
      if (active && active !== document.body && active !== opener && !dialog.contains(active)) { return; }
      if (opener instanceof Node && document.contains(opener)) { opener.focus({ preventScroll: true }); }
      else if (opener && opener.row) { opener.row.focus({ preventScroll: true }); }
    });
    dialog.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); closeDialog(dialog); return; }
      if (e.key !== "Tab") { return; }
      var items = focusables(dialog);
      if (!items.length) { return; }
      var first = items[0], last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    });
    dialog.querySelectorAll(".js-close").forEach(function (b) { b.addEventListener("click", function () { closeDialog(dialog); }); });
    dialogForm.addEventListener("submit", function (e) {
      e.preventDefault();
      clearErrors(dialog);
      var submit = dialogForm.querySelector('button[type="submit"]');
      submit.disabled = true;
      send(dialogForm.getAttribute("action"), new FormData(dialogForm)).then(function (body) {
        submit.disabled = false;
        if (body.ok) {
          var row = document.getElementById(body.target);
          opener = row ? { row: row } : opener;
          if (row) { row.setAttribute("tabindex", "-1"); }
          closeDialog(dialog);
          showDecided(body);
          announce(body.message, false);
          return;
        }
        if (body.errors) {  // reason missing or wrong: say it beside the field, keep the dialog open
          var firstBad = null;
          Object.keys(body.errors).forEach(function (name) {
            var p = dialog.querySelector('.js-error[data-field="' + name + '"]');
            if (!p) { p = dialog.querySelector(".js-error"); }
            p.textContent = body.errors[name].join(" ");
            p.hidden = false;
            p.parentElement.classList.add("has-error");
            firstBad = firstBad || dialog.querySelector(name === "reason" ? "textarea" : 'input[type="radio"]');
          });
          if (firstBad) { firstBad.focus(); }
          return;
        }
        closeDialog(dialog);
        announce(body.message || failed, true);
      });
    });
  });

  // ---- the list's buttons: 承認 sent at once, 却下 asks the reason; bulk buttons go to the confirmation page
  var proposalDialog = document.getElementById("proposal-reason-dialog");
  form.addEventListener("submit", function (e) {
    var button = e.submitter;
    if (!button || !button.value) { return; }
    if (button.name === "approve_one") {
      e.preventDefault();
      button.disabled = true;
      send(form.dataset.approveUrl.replace("999999999", button.value), tokenData(form)).then(function (body) {
        button.disabled = false;
        if (body.ok) { showDecided(body); }
        announce(body.message || failed, !body.ok);
      });
    } else if (button.name === "reject_one" && proposalDialog && proposalDialog.showModal) {
      e.preventDefault();
      openDialog(proposalDialog, form.dataset.rejectUrl.replace("999999999", button.value),
                 button.getAttribute("aria-label") || button.textContent, button);
    }
  });

  // ---- the rings
  document.querySelectorAll("form.js-decide").forEach(function (ringForm) {
    ringForm.addEventListener("submit", function (e) {
      e.preventDefault();
      send(ringForm.getAttribute("action"), new FormData(ringForm)).then(function (body) {
        if (body.ok) { showDecided(body); }
        announce(body.message || failed, !body.ok);
      });
    });
  });
  var ringDialog = document.getElementById("ring-reason-dialog");
  document.querySelectorAll("a.js-open-reason").forEach(function (link) {
    link.addEventListener("click", function (e) {
      if (!ringDialog || !ringDialog.showModal) { return; }  // the reason page instead
      e.preventDefault();
      openDialog(ringDialog, link.dataset.action, link.dataset.title, link);
    });
  });
})();
