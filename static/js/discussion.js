/* Live discussions: new comments, edits, removals, pins and reaction counts appear without
 * reloading, as the server renders them (events carry the page's fragment; this script only
 * switches on the viewer's controls in it); posting and reacting use fetch when available.
 * Without JavaScript every form still works by reload. Announcements go to the polite live
 * region and never move focus. */
(function () {
  "use strict";
  if (!window.Mitreden || !window.fetch) return;

  function sectionFor(discussionId) {
    return document.querySelector('[data-discussion="' + discussionId + '"]');
  }

  function findComment(id) {
    return document.getElementById("comment-" + id);
  }

  function updateCounts(root, payload) {
    var agree = root.querySelectorAll("[data-agree]");
    var disagree = root.querySelectorAll("[data-disagree]");
    for (var i = 0; i < agree.length; i++) agree[i].textContent = payload.agree;
    for (var j = 0; j < disagree.length; j++) disagree[j].textContent = payload.disagree;
  }

  /* What the page was given at load about the person looking: the live fragment is the same
   * for everyone, and these decide which of its controls this viewer gets (the server checks
   * every control again when it is used). */
  function viewerOf(section) {
    return {
      id: section.getAttribute("data-viewer") || "",
      csrf: section.getAttribute("data-csrf-token") || "",
      comment: section.hasAttribute("data-may-comment"),
      react: section.hasAttribute("data-may-react"),
      moderate: section.hasAttribute("data-may-moderate")
    };
  }

  function allowed(part, viewer, article) {
    var own = viewer.id !== "" && article.getAttribute("data-author") === viewer.id;
    var other = viewer.id !== "" && !own;
    switch (part.getAttribute("data-needs")) {
      case "own": return own;
      case "own-edit":  // as the rule: the author, taking part, within the edit window
        return own && viewer.comment && Date.parse(part.getAttribute("data-edit-until")) > Date.now();
      case "other": return other;
      case "react": return other && viewer.react;
      case "no-react": return !(other && viewer.react);
      case "comment": return viewer.comment;
      case "moderate": return viewer.moderate;
      default: return false;
    }
  }

  function prepareForm(form, viewer) {
    if (viewer.csrf && !form.querySelector("input[name=csrfmiddlewaretoken]")) {
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = viewer.csrf;
      form.insertBefore(token, form.firstChild);
    }
    var key = form.querySelector("[data-idempotency-key]");
    if (key && !key.value) key.value = newKey();
    var next = form.querySelector("input[name=next]");
    if (next && !next.value) next.value = window.location.pathname + window.location.search;
  }

  /* Switch on this viewer's controls in a fragment from a live event and drop the others, so
   * that it reads as the server renders it for them on reload. */
  function enableControls(section, article) {
    var viewer = viewerOf(section);
    var parts = article.querySelectorAll("[data-needs]");
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!allowed(part, viewer, article)) {
        part.remove();
        continue;
      }
      part.removeAttribute("data-needs");
      part.removeAttribute("data-edit-until");
      part.hidden = false;
      var forms = part.tagName === "FORM" ? [part] : part.querySelectorAll("form");
      for (var j = 0; j < forms.length; j++) prepareForm(forms[j], viewer);
    }
    return article;
  }

  /* The elements of a rendered comment: its <article> and, for a thread, the list of its
   * replies. */
  function parseFragment(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var nodes = [];
    for (var i = 0; i < holder.content.children.length; i++) nodes.push(holder.content.children[i]);
    return { nodes: nodes, article: holder.content.querySelector("article") };
  }

  /* Put a newer rendering of a comment in place of the one on the page, keeping what the
   * viewer was doing there: a reply being written, their own reaction, open disclosures and
   * the focus. */
  function replaceArticle(section, old, article) {
    enableControls(section, article);
    var oldReply = old.querySelector(".comment__reply");
    var newReply = article.querySelector(".comment__reply");
    if (oldReply && newReply) newReply.parentNode.replaceChild(oldReply, newReply);
    var oldModeration = old.querySelector(".comment__moderation");
    var newModeration = article.querySelector(".comment__moderation");
    if (oldModeration && newModeration) newModeration.open = oldModeration.open;
    var pressed = old.querySelectorAll("button[name=value][aria-pressed=true]");
    for (var i = 0; i < pressed.length; i++) {
      var same = article.querySelector('button[name=value][value="' + pressed[i].value + '"]');
      if (same) same.setAttribute("aria-pressed", "true");
    }
    var hadFocus = old.contains(document.activeElement);
    old.parentNode.replaceChild(article, old);
    if (hadFocus && !article.contains(document.activeElement)) article.focus();
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

  function insertComment(section, payload, nodes) {
    if (findComment(payload.id)) return;
    var item = document.createElement("li");
    for (var i = 0; i < nodes.length; i++) item.appendChild(nodes[i]);
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
    var fragment = parseFragment(payload.html);
    var article = findComment(payload.id);
    if (article) {
      // Already here: the author's own comment, shown to them while it awaited review (now
      // published), or just posted by them with fetch (already current).
      if (article.classList.contains("comment--pending")) {
        replaceArticle(section, article, fragment.article);
      }
      return;
    }
    enableControls(section, fragment.article);
    insertComment(section, payload, fragment.nodes);
    // The viewer's own comment can arrive here before the answer to their post: it is shown
    // (the answer then replaces it with their rendering), but not announced as someone else's.
    var viewer = viewerOf(section);
    if (viewer.id !== "" && fragment.article.getAttribute("data-author") === viewer.id) return;
    announce(section.getAttribute("data-text-new-comment") + " " + payload.author);
  });

  /* The author's own comment went back to review (an edit matched the word list, or the
   * consultation reviews every comment): the public is told only that it is no longer shown,
   * but its author keeps seeing it, with the new wording and marked as awaiting review, as on
   * reload. That rendering is theirs alone, so it is asked for, not carried by the event. If
   * asking fails, the comment stays as it was rather than vanish from its author's page. */
  function showOwnHeld(section, article) {
    var link = article.querySelector("[data-permalink]");
    if (!link) return;
    var id = article.getAttribute("data-comment");
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        // Replaced meanwhile (published, removed): that newer state wins over this answer.
        if (findComment(id) !== article || typeof body.html !== "string") return;
        var fragment = parseFragment(body.html);
        if (!fragment.article) return;
        replaceArticle(section, article, fragment.article);
        window.Mitreden.announce(section.getAttribute("data-text-changed"));
      })
      .catch(function () {});
  }

  window.Mitreden.on("discussion.comment_changed", function (event, root, announce) {
    var payload = localize(event.payload);
    var section = sectionFor(payload.discussion);
    var article = findComment(payload.id);
    if (!section) return;
    if (!payload.visible) {
      if (!article) return;
      var viewer = viewerOf(section);
      if (viewer.id !== "" && article.getAttribute("data-author") === viewer.id) {
        showOwnHeld(section, article);
      } else if (article.parentNode) {
        article.parentNode.hidden = true;
      }
      return;
    }
    var fragment = parseFragment(payload.html);
    if (!article) {
      enableControls(section, fragment.article);
      insertComment(section, payload, fragment.nodes);
      return;
    }
    replaceArticle(section, article, fragment.article);
    announce(section.getAttribute(payload.tombstone ? "data-text-removed" : "data-text-changed"));
  });

  window.Mitreden.on("discussion.reactions_changed", function (event) {
    var article = findComment(event.payload.id);
    if (article) updateCounts(article, event.payload);
  });

  /* "More comments" loads the next page of threads in place (without JavaScript the link
   * opens that page). The server renders them for this viewer, as on reload; threads already
   * shown (moved by comments posted meanwhile) are left out. Focus goes to the first new
   * comment, and the change is announced politely. If loading fails, the link is followed. */
  document.addEventListener("click", function (clickEvent) {
    var link = clickEvent.target.closest && clickEvent.target.closest("a[data-more]");
    if (!link || clickEvent.defaultPrevented || clickEvent.button !== 0 ||
        clickEvent.ctrlKey || clickEvent.metaKey || clickEvent.shiftKey || clickEvent.altKey) return;
    var section = link.closest("[data-discussion]");
    var list = section && section.querySelector("[data-comment-list]");
    var nav = link.closest("[data-pagination]");
    if (!list || !nav) return;
    clickEvent.preventDefault();
    if (link.getAttribute("aria-disabled") === "true") return;
    link.setAttribute("aria-disabled", "true");
    var shown = link.getAttribute("data-text-more-shown");
    fetch(link.getAttribute("data-more"), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (body) {
      var holder = document.createElement("template");
      holder.innerHTML = body.html;
      var first = null;
      var items = Array.prototype.slice.call(holder.content.children);
      for (var i = 0; i < items.length; i++) {
        var article = items[i].querySelector("article[data-comment]");
        if (!article || findComment(article.getAttribute("data-comment"))) continue;
        list.appendChild(items[i]);
        if (!first) first = article;
      }
      var next = document.createElement("template");
      next.innerHTML = body.more;
      var newNav = next.content.querySelector("[data-pagination]");
      if (newNav) nav.parentNode.replaceChild(newNav, nav);
      else nav.remove();
      if (first) first.focus();
      else if (newNav) newNav.querySelector("a[data-more]").focus();
      else {
        list.setAttribute("tabindex", "-1");
        list.focus();
      }
      window.Mitreden.announce(shown);
    }).catch(function () {
      window.location.href = link.href;
    });
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
      var fragment = parseFragment(body.html);
      var existing = findComment(body.id);
      if (existing) existing.parentNode.replaceChild(fragment.article, existing);
      else insertComment(section, { id: body.id, thread: body.thread }, fragment.nodes);
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
      if (isComment) {
        // The plain form post, with the key of this attempt: if the first one got through,
        // the server answers with that comment instead of making a second.
        form.submit();
        return;
      }
      // Not for reactions: the plain post would lose the pressed button's value (and the
      // same value twice takes a reaction back), so say it failed instead.
      var section = form.closest("[data-discussion]");
      window.Mitreden.announce(section && section.getAttribute("data-text-reaction-failed"));
    }).then(function () {
      for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
      var lost = !document.activeElement || document.activeElement === document.body;
      if (!focusMoved && lost && submitter && submitter.focus) submitter.focus();
    });
  });
})();
