// <input data-municipality-search="URL of cities.municipality_search">: suggestions from the official list of
// municipalities in a <datalist> while the user types. Without JavaScript the field is a plain text field and
// the server resolves what was typed (a code, or a name). No inline scripts: the Content-Security-Policy forbids them.
//   data-municipality-value="code"  an option's value is the 団体コード (for a code field); otherwise it is
//                                   "142085 神奈川県 逗子市", which talentbank.cities.official.resolve accepts.
//   data-municipality-fill="name_ja|name_en|prefecture" on other fields of the same form: filled, when blank,
//                                   once a suggestion is chosen.
"use strict";
(function () {
  var DELAY_MS = 200;
  var count = 0;

  function fillBlanks(input, item) {
    if (!input.form) { return; }
    input.form.querySelectorAll("[data-municipality-fill]").forEach(function (field) {
      var value = item[field.getAttribute("data-municipality-fill")];
      if (value && !field.value.trim()) { field.value = value; }
    });
  }

  function attach(input) {
    var url = input.getAttribute("data-municipality-search");
    if (!url || !window.fetch) { return; }
    var isCode = input.getAttribute("data-municipality-value") === "code";
    var list = document.createElement("datalist");
    list.id = "municipality-suggestions-" + (++count);
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("list", list.id);
    var chosen = {};
    var timer = null;
    var latest = 0;

    function pick() {
      if (Object.prototype.hasOwnProperty.call(chosen, input.value)) { fillBlanks(input, chosen[input.value]); }
    }

    function show(items) {
      chosen = {};
      list.replaceChildren.apply(list, items.map(function (item) {
        var option = document.createElement("option");
        option.value = isCode ? item.code : item.code + " " + item.label;
        if (isCode) { option.label = item.label; }
        chosen[option.value] = item;
        return option;
      }));
      pick();
    }

    input.addEventListener("input", function () {
      pick();
      var query = input.value.trim();
      window.clearTimeout(timer);
      if (!query) { show([]); return; }
      timer = window.setTimeout(function () {
        var ticket = ++latest;
        fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) { if (ticket === latest && Array.isArray(items)) { show(items); } })
          .catch(function () { /* no suggestions: the field still works as plain text */ });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-municipality-search]").forEach(attach);
})();
