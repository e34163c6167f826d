/* Quick polls, in place: the vote is sent in the background and the result replaces the form
 * (focus moves to it, a polite announcement says so). A browser that voted before gets the
 * result instead of the form when the (cached) page loads. Without this file the form posts
 * and the poll's own page shows the result. */
(function () {
  "use strict";
  if (window.MitredenPolls) return;
  window.MitredenPolls = true;

  function voted() {
    var match = document.cookie.match(/(?:^|; )mitreden_voted_polls=([^;]*)/);
    return match ? decodeURIComponent(match[1]).split("-") : [];
  }

  function show(section, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var results = holder.querySelector("[data-poll-results]");
    if (!results) return;
    var old = section.querySelector("[data-poll-results], [data-poll-form]");
    var details = section.querySelector(".poll__change");
    if (details) details.remove();
    if (old) old.replaceWith(results); else section.appendChild(results);
    return results;
  }

  function status(section, text) {
    var region = section.querySelector("[data-poll-status]");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 50); }
  }

  function bind(section) {
    section.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-poll-form]");
      if (!form || !window.fetch) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
        .then(function (result) {
          if (!result.ok) {
            status(section, result.data.error || "");
            var error = section.querySelector("[data-poll-error]") || document.createElement("p");
            error.setAttribute("data-poll-error", "");
            error.className = "errorlist";
            error.setAttribute("role", "alert");
            error.textContent = result.data.error || "";
            form.prepend(error);
            if (button) button.disabled = false;
            return;
          }
          var results = show(section, result.data.html);
          if (results) { results.focus(); status(section, results.querySelector(".meta") ? results.querySelector(".meta").textContent : ""); }
        })
        .catch(function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var mine = voted();
    document.querySelectorAll("[data-poll]").forEach(function (section) {
      bind(section);
      if (mine.indexOf(section.getAttribute("data-poll")) === -1 || section.querySelector("[data-poll-results]")) return;
      if (!window.fetch) return;
      fetch(section.getAttribute("data-poll-url") + "?fragment=results", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (html) show(section, html); });
    });
  });
})();
