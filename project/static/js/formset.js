// Add and remove rows of a Django formset in place (scope items, defects, findings).
// Without JavaScript the page still works: spare blank rows and "delete" checkboxes are rendered.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function hideDeleted(root) {
    root.querySelectorAll('input[name$="-DELETE"]:checked').forEach(function (box) {
      var row = box.closest("[data-row]");
      if (row) { row.hidden = true; }
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var box = add.closest("[data-formset]");
      var total = box.querySelector('input[name="' + box.dataset.formset + '-TOTAL_FORMS"]');
      var index = parseInt(total.value, 10);
      var html = box.querySelector("template").innerHTML.replace(/__prefix__/g, String(index));
      var rows = box.querySelector("[data-rows]");
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild.querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      var flag = row.querySelector('input[name$="-DELETE"]');
      if (flag) { flag.checked = true; }
      row.hidden = true;
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });

  // Parts of the application form that only some application types use (data-for-types="change …"):
  // shown for those types, hidden for the others; the server ignores what a type does not use.
  function showForType(form) {
    var select = form.querySelector('select[name="application_type"]');
    if (!select) { return; }
    form.querySelectorAll("[data-for-types]").forEach(function (part) {
      part.hidden = part.dataset.forTypes.split(" ").indexOf(select.value) === -1;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('select[name="application_type"]')) { showForType(event.target.form); }
  });
  document.querySelectorAll("form").forEach(showForType);

  hideDeleted(document);
})();
