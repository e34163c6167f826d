/* Live discussions: new comments, edits, removals, pins and reaction counts appear without
 * reloading; posting and reacting use fetch when available. Without JavaScript every form
 * still works by reload. Announcements go to the polite live region and never move focus. */
(function () {
  "use strict";
  if (!window.Mitreden || !window.fetch) return;

  function sectionFor(discussionId) {
    return document.querySelector('[data-discussion="' + discussionId + '"]');
  }

  function findComment(id) {
    return document.getElementById("comment-" + id);
  }

  function setText(root, selector, value) {
    var el = root.querySelector(selector);
    if (el) el.textContent = value;
  }

  function updateCounts(root, payload) {
    var agree = root.querySelectorAll("[data-agree]");
    var disagree = root.querySelectorAll("[data-disagree]");
    for (var i = 0; i < agree.length; i++) agree[i].textContent = payload.agree;
    for (var j = 0; j < disagree.length; j++) disagree[j].textContent = payload.disagree;
  }

  /* Build a comment from an event payload with the page's template. Text arrives rendered
   * and sanitised by the server; names are set as text. */
  function buildComment(section, payload) {
    var template = section.querySelector("template[data-comment-template]");
    var article = template.content.firstElementChild.cloneNode(true);
    article.id = "comment-" + payload.id;
    article.setAttribute("data-comment", payload.id);
    fillComment(section, article, payload);
    var link = article.querySelector("[data-permalink]");
    if (link) link.href = "/kommentare/" + payload.id + "/";
    return article;
  }

  /* Bring a comment up to date with its public state. A tombstone looks as after a reload:
   * no text, no author's name, nothing to react to; restoring brings them back. */
  function fillComment(section, article, payload) {
    var text = article.querySelector("[data-text]");
    var tombstone = article.querySelector("[data-tombstone]");
    var controls = article.querySelectorAll(".comment__actions, .comment__reply, .comment__reactions");
    var edited = article.querySelector("[data-edited]");
    if (payload.tombstone) {
      if (text) { text.innerHTML = ""; text.hidden = true; }
      if (!tombstone) {
        tombstone = document.createElement("p");
        tombstone.className = "comment__tombstone";
        tombstone.setAttribute("data-tombstone", "");
        article.insertBefore(tombstone, article.querySelector(".comment__actions") || null);
      }
      tombstone.textContent = payload.tombstone;
      tombstone.hidden = false;
      article.classList.add("comment--tombstone");
      setText(article, ".comment__author", section.getAttribute("data-text-removed-author"));
      for (var i = 0; i < controls.length; i++) controls[i].hidden = true;
      if (edited) edited.hidden = true;
    } else {
      if (!text) {  // the server renders tombstones without a text element
        text = document.createElement("div");
        text.className = "comment__text";
        text.setAttribute("data-text", "");
        article.insertBefore(text, tombstone || article.querySelector(".comment__actions") || null);
      }
      text.innerHTML = payload.html;
      text.hidden = false;
      var removed = article.querySelector("[data-removed-text]");
      if (removed) removed.remove();  // restored: the text is public again
      if (tombstone) tombstone.hidden = true;
      article.classList.remove("comment--tombstone");
      setText(article, ".comment__author", payload.author);
      for (var j = 0; j < controls.length; j++) controls[j].hidden = false;
      if (edited) edited.hidden = !payload.edited;
    }
    var time = article.querySelector("[data-time]");
    if (time) { time.setAttribute("datetime", payload.created); time.textContent = payload.created_display; }
    var official = article.querySelector("[data-badge-official]");
    if (official) official.hidden = !payload.official;
    article.classList.toggle("comment--official", !!payload.official);
    article.classList.toggle("comment--pinned", !!payload.pinned);
    updateCounts(article, payload);
  }

  /* Words and dates arrive in the site's language, with translations for the others: use
   * the page's. */
  function localize(payload) {
    var words = payload.translations && payload.translations[document.documentElement.lang];
    if (!words) return payload;
    var copy = {};
    for (var key in payload) copy[key] = payload[key];
    for (var word in words) copy[word] = words[word];
    return copy;
  }

  function insertComment(section, payload, element) {
    if (findComment(payload.id)) return;
    var item = document.createElement("li");
    item.appendChild(element);
    if (payload.thread) {
      var replies = section.querySelector('[data-replies="' + payload.thread + '"]');
      if (!replies) return;  // thread on another page
      replies.appendChild(item);
    } else {
      var newestFirst = new URLSearchParams(window.location.search).get("sort") === "newest";
      // A new thread belongs at the end of the last page (at the top of the first, newest
      // first): any other page leaves it out, as a reload would.
      var pages = section.querySelector(".pagination");
      if (pages && pages.querySelector(newestFirst ? 'a[rel="prev"]' : 'a[rel="next"]')) return;
      var list = section.querySelector("[data-comment-list]");
      var empty = list.querySelector("[data-empty]");
      if (empty) empty.remove();
      var replyList = document.createElement("ol");
      replyList.className = "comment-replies";
      replyList.setAttribute("data-replies", payload.id);
      item.appendChild(replyList);
      if (newestFirst) {
        list.insertBefore(item, list.firstChild);
      } else {
        list.appendChild(item);
      }
    }
  }

  /* One more public comment than the page was rendered with (every posted event the page
   * receives is newer than the page). */
  function countOneMore(section) {
    var heading = section.querySelector("[data-comment-count]");
    if (!heading) return;
    var count = parseInt(heading.getAttribute("data-comment-count"), 10) + 1;
    heading.setAttribute("data-comment-count", count);
    heading.textContent = count === 1
      ? heading.getAttribute("data-text-count-one")
      : heading.getAttribute("data-text-count-other").replace(/\d+/, count);
  }

  window.Mitreden.on("discussion.comment_posted", function (event, root, announce) {
    var payload = localize(event.payload);
    var section = sectionFor(payload.discussion);
    if (!section || !payload.visible) return;
    countOneMore(section);
    var article = findComment(payload.id);
    if (article) {
      // Already here: the author's own comment, shown to them while it awaited review (now
      // published), or just posted by them with fetch.
      fillComment(section, article, payload);
      article.classList.remove("comment--pending");
      var badge = article.querySelector(".badge--pending");
      if (badge) badge.remove();
      return;
    }
    insertComment(section, payload, buildComment(section, payload));
    announce(section.getAttribute("data-text-new-comment") + " " + payload.author);
  });

  window.Mitreden.on("discussion.comment_changed", function (event, root, announce) {
    var payload = localize(event.payload);
    var section = sectionFor(payload.discussion);
    var article = findComment(payload.id);
    if (!section) return;
    if (!payload.visible) {
      if (article && article.parentNode) article.parentNode.hidden = true;
      return;
    }
    if (!article) {
      insertComment(section, payload, buildComment(section, payload));
      return;
    }
    fillComment(section, article, payload);
    announce(section.getAttribute(payload.tombstone ? "data-text-removed" : "data-text-changed"));
  });

  window.Mitreden.on("discussion.reactions_changed", function (event) {
    var article = findComment(event.payload.id);
    if (article) updateCounts(article, event.payload);
  });

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function status(form, message) {
    var el = form.querySelector("[data-form-status]");
    if (el) el.textContent = message || "";
  }

  document.addEventListener("submit", function (submitEvent) {
    var form = submitEvent.target;
    var isComment = form.hasAttribute("data-comment-form");
    var isReaction = form.hasAttribute("data-reaction-form");
    if (!isComment && !isReaction) return;
    submitEvent.preventDefault();
    var data = new FormData(form);
    if (submitEvent.submitter && submitEvent.submitter.name) {
      data.append(submitEvent.submitter.name, submitEvent.submitter.value);
    }
    var buttons = form.querySelectorAll("button");
    // The key sent with this attempt: the plain-form fallback below resends the same one, so
    // a post whose answer got lost is not made twice; a new key is set once it succeeded.
    var keyField = form.querySelector("[data-idempotency-key]");
    // Disabling the focused button drops focus to <body>: put it where the person expects it
    // afterwards (the new comment, the message, the field with the problem, or back).
    var submitter = submitEvent.submitter || document.activeElement;
    var focusMoved = false;
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      var body = result.body;
      if (!result.ok) {
        var message = body.error || (body.errors && body.errors.text && body.errors.text[0].message) || "";
        status(form, message);
        var field = isComment && form.querySelector("textarea");
        if (field) { field.focus(); focusMoved = true; }
        return;
      }
      if (isReaction) {
        var article = form.closest("[data-comment]");
        updateCounts(article, body);
        var reactionButtons = form.querySelectorAll("button[name=value]");
        for (var j = 0; j < reactionButtons.length; j++) {
          reactionButtons[j].setAttribute("aria-pressed", reactionButtons[j].value === body.mine ? "true" : "false");
        }
        return;
      }
      var section = form.closest("[data-discussion]");
      var holder = document.createElement("div");
      holder.innerHTML = body.html;
      var element = holder.querySelector("article");
      var existing = findComment(body.id);
      if (existing) existing.parentNode.replaceChild(element, existing);
      else insertComment(section, { id: body.id, thread: body.thread }, element);
      form.reset();
      if (keyField) keyField.value = newKey();
      status(form, body.message);
      var placed = findComment(body.id);
      var details = form.closest("details");
      if (placed && placed.getClientRects().length) {
        if (details) details.open = false;
        placed.focus();
      } else {  // not on this page (another page of the discussion): the message says where
        var statusLine = form.querySelector("[data-form-status]");
        if (statusLine) { statusLine.setAttribute("tabindex", "-1"); statusLine.focus(); }
      }
      focusMoved = true;
    }).catch(function () {
      form.submit();  // fall back to the plain form post
    }).then(function () {
      for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
      var lost = !document.activeElement || document.activeElement === document.body;
      if (!focusMoved && lost && submitter && submitter.focus) submitter.focus();
    });
  });
})();
