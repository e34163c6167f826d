/* Live results statement on a consultation page: when the town publishes "what became of your
 * input", show it in place and announce it politely. Without this file the page shows the
 * statement on the next load. Text is inserted as text (never as HTML); web addresses become
 * links the way the server renders them. */
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
})();
