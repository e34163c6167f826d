/* Live moderation queue: when items arrive or are dealt with anywhere, fetch the page shown
 * again (same filters, same page number) and swap in its list and its filter counts. The list
 * is never replaced under the moderator's focus: the change is announced and applied when the
 * focus leaves the queue. Without this file the page works by reloads. */
(function () {
  "use strict";
  if (!window.Mitreden || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var loading = false;
  var again = false;
  var waiting = false;

  function container() { return document.querySelector("[data-queue]"); }

  function hasFocus(root) {
    var active = document.activeElement;
    return active && active !== document.body && root.contains(active);
  }

  function updateCounts(root, fresh) {
    // Only the option texts: a choice the moderator made but did not submit yet stays.
    var options = fresh.querySelectorAll("[data-queue-filters] select option");
    for (var i = 0; i < options.length; i++) {
      var select = options[i].parentNode;
      var current = root.querySelector("[data-queue-filters] select[name='" + select.name + "']");
      if (!current) continue;
      for (var j = 0; j < current.options.length; j++) {
        if (current.options[j].value === options[i].value) {
          current.options[j].textContent = options[i].textContent;
        }
      }
    }
  }

  function refresh(announce) {
    var root = container();
    if (!root) return;
    if (loading) { again = true; return; }
    loading = true;
    fetch(root.getAttribute("data-queue-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        if (hasFocus(root)) { wait(announce); return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var results = fresh.querySelector("[data-queue-results]");
        var shown = root.querySelector("[data-queue-results]");
        if (!results || !shown) return;
        shown.innerHTML = results.innerHTML;
        updateCounts(root, fresh);
        announce(root.getAttribute("data-text-changed"));
      })
      .catch(function () { /* offline for a moment: the next event tries again */ })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(announce); }
      });
  }

  function wait(announce) {
    var root = container();
    if (waiting || !root) return;
    waiting = true;
    announce(root.getAttribute("data-text-waiting"));
    root.addEventListener("focusout", function leave(event) {
      if (event.relatedTarget && root.contains(event.relatedTarget)) return;
      root.removeEventListener("focusout", leave);
      waiting = false;
      refresh(announce);
    });
  }

  window.Mitreden.on("moderation.queue_changed", function (event, root, announce) {
    if (timer) return;  // coalesce bursts into one refresh
    timer = window.setTimeout(function () {
      timer = null;
      var queue = container();
      if (!queue) return;
      if (hasFocus(queue)) { wait(announce); return; }
      refresh(announce);
    }, 300);
  });
})();
