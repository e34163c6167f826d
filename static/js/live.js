/* Mitreden live updates: connect each [data-live-socket] element to its WebSocket (one per
 * page; a signed token names what it listens to), catch up after reconnects, and hand events
 * to feature scripts. Pages work without this file. */
(function () {
  "use strict";

  var handlers = {};
  var announcer = null;

  function announce(text) {
    announcer = announcer || document.getElementById("live-announcer");
    if (!announcer || !text) return;
    // Clear first so the same message twice is announced twice.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  /* "Reload" means the page is too far behind to catch up. Reload once; if the page that
   * comes back carries the same position (a stored copy), reloading again would loop: show
   * the notice with a link to a fresh page instead and go on listening from the position the
   * server gave. Without sessionStorage, never reload by ourselves. */
  function tooFarBehind(el, initialId, event) {
    var key = "mitreden-live-reload:" + window.location.pathname + window.location.search;
    var reloadedFrom = null;
    try { reloadedFrom = window.sessionStorage.getItem(key); } catch (e) { reloadedFrom = String(initialId); }
    if (reloadedFrom !== String(initialId)) {
      try {
        window.sessionStorage.setItem(key, String(initialId));
        window.location.reload();
        return null;
      } catch (e) { /* no storage: fall through to the notice */ }
    }
    var notice = el.querySelector("[data-live-stale]");
    if (notice && notice.hidden) {
      notice.hidden = false;
      announce(el.getAttribute("data-text-live-stale"));
    }
    return typeof event.position === "number" ? event.position : null;
  }

  function connect(el) {
    var path = el.getAttribute("data-live-socket");
    var token = el.getAttribute("data-live-token");
    var initialId = parseInt(el.getAttribute("data-live-last-event") || "0", 10);
    var lastId = initialId;
    var seen = {};
    var delay = 1000;
    var protocol = window.location.protocol === "https:" ? "wss://" : "ws://";

    function open() {
      // The socket's path may carry a query of its own: join with "&" then.
      var url = protocol + window.location.host + path + (path.indexOf("?") === -1 ? "?" : "&") + "last_event_id=" + lastId;
      if (token) url += "&token=" + encodeURIComponent(token);
      var socket = new WebSocket(url);
      socket.onopen = function () { delay = 1000; el.setAttribute("data-live-state", "connected"); };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (event.type === "reload") {
          var position = tooFarBehind(el, initialId, event);
          if (position !== null && position > lastId) lastId = position;
          return;
        }
        if (typeof event.id === "number") {
          // Ids are unique but two server processes may deliver them slightly out of order,
          // so duplicates (after a catch-up) are recognised by id, not by "older than last".
          if (seen[event.id] || event.id <= initialId) return;
          seen[event.id] = true;
          if (event.id > lastId) lastId = event.id;
        }
        var handler = handlers[event.type];
        if (handler) handler(event, el, announce);
      };
      socket.onclose = function (closeEvent) {
        el.setAttribute("data-live-state", "disconnected");
        if (closeEvent.code >= 4400 && closeEvent.code < 4500) return;  // refused: do not retry
        // Random jitter: when a server restarts, its thousands of viewers must not all
        // reconnect in the same instant.
        window.setTimeout(open, delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, 30000);
      };
    }
    open();
  }

  window.Mitreden = {
    on: function (type, handler) { handlers[type] = handler; },
    announce: announce
  };

  document.addEventListener("DOMContentLoaded", function () {
    var elements = document.querySelectorAll("[data-live-socket]");
    for (var i = 0; i < elements.length; i++) connect(elements[i]);
  });
})();
