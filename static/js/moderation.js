/* Live moderation queue: when items arrive or are dealt with anywhere, reload the list part. */
(function () {
  "use strict";
  if (!window.Mitreden || !window.fetch) return;
  var pending = null;

  window.Mitreden.on("moderation.queue_changed", function (event, root, announce) {
    if (pending) return;  // coalesce bursts into one refresh
    pending = window.setTimeout(function () {
      pending = null;
      var container = document.querySelector("[data-queue]");
      if (!container) return;
      // Do not replace the list while a moderator is typing a reason in it.
      if (container.contains(document.activeElement) && document.activeElement.tagName !== "BODY") {
        announce(container.getAttribute("data-text-changed"));
        return;
      }
      fetch(container.getAttribute("data-queue-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          container.innerHTML = html;
          announce(container.getAttribute("data-text-changed"));
        });
    }, 300);
  });
})();
