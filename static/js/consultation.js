/* Live results statement on a consultation page. */
(function () {
  "use strict";
  if (!window.Mitreden) return;
  window.Mitreden.on("consultation.results_published", function (event, root, announce) {
    var section = document.querySelector("[data-results-statement]");
    if (!section) return;
    var body = section.querySelector("[data-results-body]");
    body.textContent = "";
    event.payload.statement.split(/\n{2,}/).forEach(function (paragraph) {
      var p = document.createElement("p");
      p.textContent = paragraph;
      body.appendChild(p);
    });
    section.hidden = false;
    announce(section.getAttribute("data-announce") || "");
  });
})();
