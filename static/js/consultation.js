/* Live changes of a consultation page. When the town publishes "what became of your input",
 * show it in place and announce it politely. When an editor changes the consultation or its
 * phases (consultation.updated), show the new status and current phase in place where the page
 * already shows the same phases, and say politely that the page changed, with a link to reload
 * it: titles and dates are rendered by the server in the reader's language, so a changed phase
 * list is left to the reload. Without this file the page shows all of it on the next load.
 * Text is inserted as text (never as HTML); web addresses become links the way the server
 * renders them. */
(function () {
  "use strict";
  if (!window.Mitreden) return;

  var URL_PATTERN = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

  function appendWithLinks(parent, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (url, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = document.createElement("a");
      link.href = url;
      link.rel = "nofollow ugc noopener";
      link.textContent = url;
      parent.appendChild(link);
      last = offset + url.length;
      return url;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderStatement(body, statement) {
    body.textContent = "";
    statement.split(/\n{2,}/).forEach(function (paragraph) {
      if (!paragraph.trim()) return;
      var p = document.createElement("p");
      paragraph.trim().split("\n").forEach(function (line, index) {
        if (index > 0) p.appendChild(document.createElement("br"));
        appendWithLinks(p, line);
      });
      body.appendChild(p);
    });
  }

  window.Mitreden.on("consultation.results_published", function (event, root, announce) {
    var section = document.querySelector("[data-results-statement]");
    var statement = event.payload && event.payload.statement;
    if (!section || typeof statement !== "string") return;
    var body = section.querySelector("[data-results-body]");
    if (!body) return;
    renderStatement(body, statement);
    section.hidden = false;
    announce(section.getAttribute("data-announce") || "");
  });

  var STATUSES = ["upcoming", "open", "evaluating", "closed"];

  function updateStatus(words, status) {
    var label = words.getAttribute("data-label-" + status);
    var badge = document.querySelector(".consultation__meta .badge");
    if (STATUSES.indexOf(status) < 0 || !label || !badge) return;
    STATUSES.forEach(function (name) { badge.classList.remove("badge--" + name); });
    badge.classList.add("badge--" + status);
    var hidden = badge.querySelector(".visually-hidden");
    badge.textContent = "";
    if (hidden) badge.appendChild(hidden);
    badge.appendChild(document.createTextNode(label));
  }

  function sameMoment(a, b) {
    var x = Date.parse(a), y = Date.parse(b);
    return !isNaN(x) && x === y;
  }

  /* The timeline's phases, by id, if they are exactly the ones in the event (same start and
   * end); otherwise null, and the page is left as it is. */
  function shownPhases(timeline, phases) {
    var items = timeline.querySelectorAll("[data-phase-id]");
    if (!Array.isArray(phases) || items.length !== phases.length) return null;
    var byId = {};
    for (var i = 0; i < items.length; i++) byId[items[i].getAttribute("data-phase-id")] = items[i];
    for (var j = 0; j < phases.length; j++) {
      var item = byId[String(phases[j].id)];
      var times = item && item.querySelectorAll("time[datetime]");
      if (!times || times.length !== 2) return null;
      if (!sameMoment(times[0].getAttribute("datetime"), phases[j].start)) return null;
      if (!sameMoment(times[1].getAttribute("datetime"), phases[j].end)) return null;
    }
    return byId;
  }

  function updateTimeline(words, payload) {
    var timeline = document.querySelector(".consultation__timeline .timeline");
    var byId = timeline && shownPhases(timeline, payload.phases);
    if (!byId) return;
    var now = Date.now();
    payload.phases.forEach(function (phase) {
      var item = byId[String(phase.id)];
      var active = phase.id === payload.active_phase;
      var past = !active && Date.parse(phase.end) <= now;
      item.classList.toggle("timeline__phase--active", active);
      item.classList.toggle("timeline__phase--past", past);
      if (active) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
      var state = item.querySelector(".timeline__state");
      var text = active ? words.getAttribute("data-label-current")
        : past ? words.getAttribute("data-label-completed") : "";
      if (!text) {
        if (state) state.remove();
        return;
      }
      if (!state) {
        state = document.createElement("p");
        var dates = item.querySelector(".meta");
        item.insertBefore(state, dates ? dates.nextSibling : null);
      }
      state.className = "timeline__state" + (active ? " timeline__state--active" : "");
      state.textContent = text;
    });
  }

  window.Mitreden.on("consultation.updated", function (event, root, announce) {
    var payload = event.payload || {};
    // The notice carries the words, in the page's language.
    var notice = document.querySelector("[data-consultation-updated]");
    if (!notice) return;
    updateStatus(notice, payload.status);
    updateTimeline(notice, payload);
    notice.hidden = false;
    announce(notice.getAttribute("data-announce") || "");
  });
})();
