/* A signed-in person's notices, live: the header's unread count follows their own socket
 * (/ws/notices/, opened by live.js), and the notifications page reloads its list when a notice
 * arrives. Without this file the count and the list are right on every reload. */
(function () {
  "use strict";
  if (!window.Mitreden) return;

  function setCount(el, unread) {
    var holder = el.querySelector("[data-notices-count]");
    if (!holder) return false;
    var current = holder.querySelector(".badge--count");
    var before = current ? parseInt(current.textContent, 10) || 0 : 0;
    if (before === unread) return false;
    // Rebuilt inside the polite live region, so the new count is announced once.
    holder.textContent = "";
    if (unread > 0) {
      var badge = document.createElement("span");
      badge.className = "badge badge--count";
      badge.textContent = String(unread);
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + (el.getAttribute("data-notices-unread-label") || "");
      badge.appendChild(hidden);
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(badge);
    }
    return unread > before;
  }

  function refreshList() {
    var list = document.querySelector("[data-notices-list]");
    if (!list) return;
    // The same server-rendered page, in the reader's language: never a second copy in JS.
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        ["[data-notices-list]", "[data-notices-summary]"].forEach(function (selector) {
          var fresh = page.querySelector(selector);
          var old = document.querySelector(selector);
          if (fresh && old) old.replaceWith(fresh);
        });
      })
      .catch(function () {});
  }

  window.Mitreden.on("notices.unread_changed", function (event, el) {
    var unread = event.payload && typeof event.payload.unread === "number" ? event.payload.unread : 0;
    if (setCount(el, unread)) refreshList();
  });
})();
