// Behaviour shared by every page (loaded by base.html). No inline scripts: the Content-Security-Policy forbids them.
"use strict";
(function () {
  // <select data-autosubmit>: choosing an option submits its form (a <noscript> button does it without JavaScript).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) { target.form.submit(); }
  });

  // A wide table in a <div class="scroll"> scrolls sideways: when it does, the keyboard must reach it
  // (tabindex) and a screen reader must hear what it is (a region named by the table's caption or the
  // heading before it).
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var labelled = box.querySelector("table[aria-label]");
    if (labelled) { return labelled.getAttribute("aria-label"); }
    for (var node = box.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { return node.textContent.trim(); }
    }
    return "";
  }
  function reachScrollers() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-made-focusable", "");
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          var name = nameOf(box);
          if (name) { box.setAttribute("aria-label", name); }
        }
      } else if (!scrolls && box.hasAttribute("data-made-focusable")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-made-focusable");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reachScrollers);
  } else {
    reachScrollers();
  }
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(reachScrollers, 200);
  });
})();
