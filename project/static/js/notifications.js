// The unread count on the "消息" link, fetched after the page is shown, so no page pays a query for it.
(function () {
  "use strict";
  var link = document.querySelector("[data-notifications]");
  if (!link || !window.fetch) { return; }
  fetch("/api/v1/notifications/?unread=1&page_size=1", {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (body) {
      if (!body || !body.unread_count) { return; }
      var badge = link.querySelector("[data-unread]");
      badge.textContent = body.unread_count > 99 ? "99+" : String(body.unread_count);
      badge.hidden = false;
    })
    .catch(function () {});
}());
