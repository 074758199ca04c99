// Behaviour shared by every page (loaded by base.html). No inline scripts: the Content-Security-Policy forbids them.
"use strict";
(function () {
  // <select data-autosubmit>: choosing an option submits its form (a <noscript> button does it without JavaScript).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) { target.form.submit(); }
  });
})();
