/* Mitreden live updates: connect each [data-live-group] element to its WebSocket, catch up
 * after reconnects, and hand events to feature scripts. Pages work without this file. */
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

  function connect(el) {
    var path = el.getAttribute("data-live-socket");
    var initialId = parseInt(el.getAttribute("data-live-last-event") || "0", 10);
    var lastId = initialId;
    var seen = {};
    var delay = 1000;
    var protocol = window.location.protocol === "https:" ? "wss://" : "ws://";

    function open() {
      var url = protocol + window.location.host + path + "?last_event_id=" + lastId;
      var socket = new WebSocket(url);
      socket.onopen = function () { delay = 1000; el.setAttribute("data-live-state", "connected"); };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (event.type === "reload") { window.location.reload(); return; }
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
