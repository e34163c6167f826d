/* Survey results, live: the server pushes the counts (coalesced, a few times a second at
 * most) to everyone who may see them; this updates the numbers and bars in place and says
 * briefly, politely, that new responses arrived. Without this file the page shows the counts
 * of when it was loaded. */
(function () {
  "use strict";
  if (!window.Mitreden) return;
  var lang = document.documentElement.lang || "de";
  var texts = lang.indexOf("de") === 0
    ? { updated: "Ergebnisse aktualisiert: {n} Antworten.", one: "{n} Person hat geantwortet", many: "{n} Personen haben geantwortet", total1: "{n} Antwort", totalN: "{n} Antworten" }
    : { updated: "Results updated: {n} responses.", one: "{n} person answered", many: "{n} people answered", total1: "{n} response", totalN: "{n} responses" };
  var lastTotal = null;
  var lastAnnounced = 0;

  function fill(text, n) { return text.replace("{n}", String(n)); }

  // Staff made the results private: reload, so the page shows what this person may see now.
  window.Mitreden.on("survey.results_withdrawn", function () { window.location.reload(); });

  window.Mitreden.on("survey.results_changed", function (event, root, announce) {
    var payload = event.payload || {};
    var total = payload.responses;
    var totalEl = root.querySelector("[data-results-total]");
    if (totalEl && typeof total === "number") totalEl.textContent = fill(total === 1 ? texts.total1 : texts.totalN, total);
    (payload.questions || []).forEach(function (question) {
      var section = root.querySelector('[data-result="' + question.id + '"]');
      if (!section) return;
      var answered = section.querySelector("[data-answered]");
      if (answered) answered.textContent = fill(question.answered === 1 ? texts.one : texts.many, question.answered);
      (question.rows || []).forEach(function (row) {
        var tr = section.querySelector('[data-row="' + row.key + '"]');
        if (!tr) return;
        var count = tr.querySelector("[data-count]");
        if (count) count.textContent = String(row.count);
        var share = tr.querySelector("[data-share]");
        if (share && share.textContent.indexOf("%") !== -1) share.textContent = row.share + " %";
        var bar = tr.querySelector("[data-bar]");
        if (bar) bar.setAttribute("width", String(row.share));
      });
    });
    // Announce at most every 10 seconds: a busy survey must not talk over everything else.
    var now = Date.now();
    if (lastTotal !== null && total !== lastTotal && now - lastAnnounced > 10000) {
      announce(fill(texts.updated, total));
      lastAnnounced = now;
    }
    lastTotal = total;
  });
})();
