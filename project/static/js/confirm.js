// Irreversible actions ask first: a form whose submit button (or the form itself) carries
// data-confirm="what it does" opens the page's native <dialog>, naming the effect; the confirm button
// repeats the action's own name. Without JavaScript the form submits directly (the server judges it).
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var effect = dialog.querySelector("[data-confirm-effect]");
  var yes = dialog.querySelector("[data-confirm-yes]");
  var pending = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || form.querySelector("[type=submit]");
    var text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!text || form.dataset.confirmed === "1") { return; }
    event.preventDefault();
    pending = {form: form, submitter: submitter};
    effect.textContent = text;
    yes.textContent = (submitter && (submitter.dataset.confirmLabel || submitter.textContent.trim())) || yes.dataset.defaultLabel;
    yes.className = "btn " + ((submitter && /\b(danger|warning)\b/.exec(submitter.className) || ["primary"])[0]);
    dialog.returnValue = "";
    dialog.showModal();
  }, true);

  dialog.addEventListener("close", function () {
    var request = pending;
    pending = null;
    if (!request || dialog.returnValue !== "confirm") { return; }
    request.form.dataset.confirmed = "1";
    if (request.form.requestSubmit) { request.form.requestSubmit(request.submitter || undefined); }
    else { request.form.submit(); }
  });
}());
