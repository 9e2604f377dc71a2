// Form helpers, all progressive: the pages work without JavaScript and the server judges every input.
// - the credit code is checked as it is typed (GB 32100-2015 check digit, mod 31);
// - selects marked data-searchable get a filter box (type a name or a code);
// - the error summary takes the focus so a screen reader reads it first;
// - [data-copy] buttons copy a field's text.
(function () {
  "use strict";
  var CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function creditCodeProblem(code) {
    if (code.length !== 18) { return "length"; }
    for (var i = 0; i < 18; i++) { if (CHARSET.indexOf(code[i]) < 0) { return "charset"; } }
    var total = 0;
    for (var j = 0; j < 17; j++) { total += CHARSET.indexOf(code[j]) * WEIGHTS[j]; }
    return CHARSET[(31 - total % 31) % 31] === code[17] ? "" : "check";
  }

  function liveNote(input) {
    var id = input.id + "_live";
    var note = document.getElementById(id);
    if (!note) {
      note = document.createElement("span");
      note.id = id;
      note.className = "field-check";
      note.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", note);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(id);
      input.setAttribute("aria-describedby", described.join(" "));
    }
    return note;
  }

  function checkCreditCode(input, final) {
    var code = input.value.replace(/\s+/g, "").toUpperCase();
    var note = liveNote(input);
    if (!code || (!final && code.length < 18)) { note.textContent = ""; note.className = "field-check"; return; }
    var problem = creditCodeProblem(code);
    note.textContent = input.dataset["msg" + (problem ? problem.charAt(0).toUpperCase() + problem.slice(1) : "Ok")] || "";
    note.className = "field-check " + (problem ? "bad" : "ok");
    input.setAttribute("aria-invalid", problem ? "true" : "false");
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-credit-code]")) { checkCreditCode(event.target, false); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-credit-code]")) { checkCreditCode(event.target, true); }
  });

  function makeSearchable(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.id = select.id + "_filter";
    box.placeholder = select.dataset.searchable;
    box.setAttribute("aria-label", (select.labels && select.labels[0] ? select.labels[0].textContent + "：" : "") + select.dataset.searchable);
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    select.insertAdjacentElement("beforebegin", box);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !words || !option.value || option.text.toLowerCase().indexOf(words) >= 0 || option.value.indexOf(words) === 0;
        option.hidden = !match;
        if (match && option.value && !first) { first = option; }
      });
      if (words && first) { select.value = first.value; }
    });
  }

  function init() {
    document.querySelectorAll("select[data-searchable]").forEach(makeSearchable);
    document.querySelectorAll("[data-credit-code]").forEach(function (input) { if (input.value) { checkCreditCode(input, true); } });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.dataset.copy);
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = button.dataset.copied || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(field.value).then(done, function () {}); }
    else if (document.execCommand && document.execCommand("copy")) { done(); }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
