// The documents checklist: drop files on a row, or pick several; the upload shows its progress.
// Without JavaScript each row is a plain multipart form that works the same.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-upload]");
  if (!forms.length || !window.FormData || !window.XMLHttpRequest) { return; }

  function send(form) {
    var progress = form.querySelector("[data-progress]");
    var text = form.querySelector("[data-progress-text]");
    var button = form.querySelector("[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round(event.loaded * 100 / event.total);
      progress.hidden = false;
      progress.value = percent;
      text.textContent = percent + "%";
    });
    xhr.addEventListener("load", function () {
      var next = null;
      try { next = xhr.status === 200 ? JSON.parse(xhr.responseText).next : null; } catch (e) { next = null; }
      if (next) {
        var parts = next.split("#");
        if (parts[0] === window.location.pathname + window.location.search) {
          // Only the fragment differs: assign() would just scroll, so set it and reload the page.
          if (parts[1]) { window.history.replaceState(null, "", "#" + parts[1]); }
          window.location.reload();
        } else {
          window.location.assign(next);
        }
        return;
      }
      // Refused (or an unexpected answer): send the form the plain way, so the page shows the errors.
      form.dataset.plain = "1";
      form.submit();
    });
    xhr.addEventListener("error", function () { form.dataset.plain = "1"; form.submit(); });
    button.disabled = true;
    progress.hidden = false;
    xhr.send(new FormData(form));
  }

  forms.forEach(function (form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.plain === "1") { return; }
      event.preventDefault();
      send(form);
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      send(form);
    });
  });
}());
