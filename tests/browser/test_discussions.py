"""Two residents and a moderator in one discussion, each in a browser of their own.

A comment reaches the other resident live, without a reload, announced politely and without
moving their focus; a moderator's removal turns it into a tombstone on every open page. The
same flow works with JavaScript off, by plain forms and reloads. Comments awaiting review are
seen by their author only until a moderator publishes them. The discussion page and the
moderation queue pass axe-core also in the states the public crawl (test_accessibility.py)
does not reach: tombstones, comments awaiting review, reported items, live-inserted markup.

The demo's "Zukunft der Stadthalle" publishes comments at once; a word on the demo word list
("Vollpfosten") sends a comment to the queue. ("Quartier am Bahnhof" is pre-moderated, but its
participation phase only starts days after the demo is loaded, so nobody can comment there.)
Every test writes comments of its own with a unique marker, so tests do not depend on each
other or on their order.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from tests.browser.test_accessibility import AXE_SOURCE, PageReport, check_page

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "mitreden-demo"
ANNA = "anna@mitreden.test"
BEN = "ben@mitreden.test"
MODERATOR = "moderation@mitreden.test"
NAMES = {ANNA: "Anna aus der Altstadt", BEN: "Ben_Nordstadt"}

STADTHALLE = "/beteiligungen/zukunft-der-stadthalle/"
QUEUE = "/moderation/"
BLOCKED_WORD = "Vollpfosten"  # on the demo word list

# The German interface, as residents see it.
COMMENT_LABEL = "Ihr Kommentar"
PUBLISH_COMMENT = "Kommentar veröffentlichen"
PUBLISHED = "Ihr Kommentar wurde veröffentlicht."
AWAITING = "Vielen Dank! Ihr Kommentar erscheint, sobald die Moderation ihn geprüft hat."
AWAITING_BADGE = "Wartet auf Freigabe – nur Sie können ihn sehen"
NEW_COMMENT_BY = "Neuer Kommentar von"
REMOVED_ANNOUNCEMENT = "Ein Kommentar wurde von der Moderation entfernt."
REMOVED_AUTHOR = "Entfernter Kommentar"
YOUR_REMOVED_TEXT = "Ihr entfernter Text"
OFFICIAL = "Offizielle Antwort"
REASON = "gehört nicht zum Thema"  # off-topic
TOMBSTONE = f"Von der Moderation entfernt: {REASON}"
MODERATE = "Moderieren"
REASON_LABEL = "Grund (wird öffentlich angezeigt)"
HIDE = "Ausblenden"
RESTORE = "Wiederherstellen"
APPROVE = "Veröffentlichen"
CHANGED_ANNOUNCEMENT = "Ein Kommentar wurde geändert."
QUEUE_CHANGED = "Die Moderationswarteschlange hat sich geändert."

# How soon a change must reach the other pages once the server has answered the request.
LIVE_WITHIN_MS = 1000

LOGIN_BUTTON = re.compile(r"^(Anmelden|Anmeldung)$")
POSTED_URL = re.compile(r"/diskussionen/\d+/(\?page=\d+)?#comment-(\d+)$")


def unique(text: str) -> str:
    """A comment text no other test (or run against the same database) writes."""
    return f"{text} [{secrets.token_hex(4)}]"


@dataclass
class Person:
    """One person's browser tab, with what went wrong in it."""

    page: Page
    email: str
    errors: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)

    def watch(self) -> None:
        page = self.page
        page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "framenavigated",
            lambda frame: self.navigations.append(frame.url) if frame == page.main_frame else None,
        )
        page.on("websocket", lambda socket: self.sockets.append(socket.url))

    def goto(self, path: str) -> None:
        self.page.goto(path)

    def stay(self) -> None:
        """From now on the page must not navigate or reload (checked by ``assert_stayed``)."""
        self.navigations.clear()
        self.page.evaluate("() => { window.mitredenTestMarker = true; }")

    def assert_stayed(self) -> None:
        assert self.navigations == [], f"{self.email}'s page navigated: {self.navigations}"
        assert self.page.evaluate("() => window.mitredenTestMarker === true"), (
            f"{self.email}'s page was reloaded"
        )

    def assert_no_errors(self) -> None:
        assert self.errors == [], f"problems in {self.email}'s page:\n" + "\n".join(self.errors)


@pytest.fixture
def sign_in(new_context):
    """Log a demo person in, in a browser of their own; ``javascript=False`` turns scripts off."""
    people: list[Person] = []

    def make(email: str, *, javascript: bool = True) -> Person:
        page = new_context(java_script_enabled=javascript).new_page()
        person = Person(page, email)
        person.watch()
        page.goto("/konto/login/")
        form = page.get_by_role("main").locator("form").filter(has=page.get_by_label("E-Mail"))
        form.get_by_label("E-Mail").fill(email)
        form.get_by_label(re.compile(r"^Passwort:?$")).fill(DEMO_PASSWORD)
        form.get_by_role("button", name=LOGIN_BUTTON).click()
        page.wait_for_url(lambda url: "/konto/login/" not in url)
        people.append(person)
        return person

    yield make
    for person in people:
        person.assert_no_errors()


def discussion_path(person: Person) -> str:
    """The discussion page of the Stadthalle consultation (its id is not fixed)."""
    person.goto(STADTHALLE)
    discussion_id = person.page.locator("[data-discussion]").get_attribute("data-discussion")
    assert discussion_id and discussion_id.isdigit()
    return f"/diskussionen/{discussion_id}/"


def newest_first_path(person: Person) -> str:
    """The discussion page newest first: over a run the demo discussion fills more than one
    page of threads, and a new thread shows in place only where a reload would show it (on the
    first page newest first, on the last page oldest first)."""
    return discussion_path(person) + "?sort=newest"


def wait_until_live(person: Person, selector: str = "[data-discussion]") -> None:
    """Wait for the page's WebSocket (live.js marks the element that holds it when it is open:
    the element itself, or the page around it — one socket per page)."""
    holder = person.page.locator(
        f"{selector}[data-live-socket], [data-live-socket]:has({selector})"
    ).first
    expect(holder).to_have_attribute("data-live-state", "connected")


def comment_box(person: Person):
    discussion = person.page.locator("[data-discussion]")
    return discussion.get_by_role("textbox", name=COMMENT_LABEL, exact=True)


def post_with_script(person: Person, text: str) -> dict:
    """Post a top-level comment with the page's script (fetch); return the server's answer."""
    comment_box(person).fill(text)
    with person.page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/kommentieren/")
    ) as answer:
        person.page.get_by_role("button", name=PUBLISH_COMMENT).click()
    response = answer.value
    assert response.status == 201, f"posting answered {response.status}: {response.text()}"
    return response.json()


def post_without_script(person: Person, text: str) -> int:
    """Post a top-level comment with the plain form; return the comment's id."""
    comment_box(person).fill(text)
    person.page.get_by_role("button", name=PUBLISH_COMMENT).click()
    person.page.wait_for_url(POSTED_URL)
    return int(POSTED_URL.search(person.page.url).group(2))


def open_moderation(controls: Locator) -> None:
    """Open the "Moderate" disclosure under a comment (the queue shows its forms openly)."""
    details = controls.locator("details.comment__moderation")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary", has_text=MODERATE).click()


def decide(moderator: Person, controls: Locator, button: str) -> Response:
    """Click a moderation decision under a comment or in the queue (``controls`` holds the
    forms); return the server's answer (a redirect back, the plain form's way)."""
    open_moderation(controls)
    with moderator.page.expect_response(
        lambda r: r.request.method == "POST" and "/moderieren/" in r.url
    ) as answer:
        controls.get_by_role("button", name=button, exact=True).click()
    assert answer.value.status == 302, f"{button} answered {answer.value.status}"
    return answer.value


def hide(moderator: Person, controls: Locator, *, reason: str = REASON) -> Response:
    """Hide a comment, giving a public reason."""
    open_moderation(controls)
    controls.get_by_label(REASON_LABEL).select_option(label=reason)
    return decide(moderator, controls, HIDE)


def remaining_ms(deadline: float) -> float:
    return max((deadline - time.monotonic()) * 1000, 1)


def run_axe(person: Person, label: str) -> list[str]:
    """Check the page as it is now (axe, one <h1>, skip link, language); return problems."""
    report = PageReport(f"{label} ({person.page.url})")
    check_page(person.page, AXE_SOURCE.read_text(encoding="utf-8"), report)
    return [report.format()] if report.problems else []


def open_all_details(person: Person) -> None:
    """Open every disclosure (reply and moderation forms) so axe checks what is inside."""
    person.page.evaluate(
        "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
    )


def test_a_comment_and_its_removal_reach_the_other_resident_live(sign_in, network_guard):
    anna = sign_in(ANNA)
    ben = sign_in(BEN)
    path = discussion_path(anna)
    anna.goto(path)
    ben.goto(STADTHALLE)  # Ben follows the discussion on the consultation page
    wait_until_live(anna)
    wait_until_live(ben)

    # Ben is in the middle of writing a comment of his own.
    draft = "Ich finde, die Stadthalle braucht vor allem"
    ben_box = comment_box(ben)
    ben_box.click()
    ben.page.keyboard.type(draft)
    expect(ben_box).to_be_focused()
    anna.stay()
    ben.stay()
    bens_heading = ben.page.locator("[data-discussion] [data-comment-count]")
    count = int(bens_heading.get_attribute("data-comment-count"))

    text = unique("Bitte einen Fahrradständer vor dem Haupteingang einplanen.")
    answer = post_with_script(anna, text)
    answered = time.monotonic()
    comment_id = answer["id"]
    assert answer["pending"] is False

    # Ben sees it within a second, from Anna, without a reload.
    in_bens_page = ben.page.locator(f"#comment-{comment_id}")
    expect(in_bens_page).to_contain_text(text, timeout=LIVE_WITHIN_MS)
    latency_ms = (time.monotonic() - answered) * 1000
    expect(in_bens_page).to_contain_text(NAMES[ANNA])
    expect(in_bens_page).not_to_contain_text(OFFICIAL, use_inner_text=True)
    expect(ben.page.locator(f"#comment-{comment_id}")).to_have_count(1)
    expect(bens_heading).to_have_text(f"{count + 1} Kommentare")  # the heading counts along
    # Announced in the polite live region; his focus and draft are untouched.
    expect(ben.page.locator("#live-announcer")).to_have_text(f"{NEW_COMMENT_BY} {NAMES[ANNA]}")
    expect(ben.page.locator("#live-announcer")).to_have_attribute("aria-live", "polite")
    expect(ben_box).to_be_focused()
    expect(ben_box).to_have_value(draft)
    ben.assert_stayed()

    # Anna's own page shows her comment once (the fetch answer and the live event meet).
    expect(anna.page.locator(f"#comment-{comment_id}")).to_contain_text(text)
    expect(anna.page.locator(f"#comment-{comment_id}")).to_have_count(1)
    expect(anna.page.locator("[data-discussion] [data-form-status]").first).to_have_text(PUBLISHED)
    expect(comment_box(anna)).to_have_value("")
    anna.assert_stayed()

    # A moderator hides it with the controls under the comment, giving a public reason.
    moderator = sign_in(MODERATOR)
    moderator.goto(f"/kommentare/{comment_id}/")
    hide(moderator, moderator.page.locator(f"#comment-{comment_id}"))
    deadline = time.monotonic() + LIVE_WITHIN_MS / 1000

    for person in (ben, anna):
        article = person.page.locator(f"#comment-{comment_id}")
        expect(article.locator("[data-tombstone]")).to_have_text(
            TOMBSTONE, timeout=remaining_ms(deadline)
        )
    for person in (ben, anna):
        article = person.page.locator(f"#comment-{comment_id}")
        expect(article.locator("[data-tombstone]")).to_be_visible()
        # Like the tombstone a reload shows: no text, no name, nothing to react to.
        expect(article).not_to_contain_text(NAMES[ANNA], use_inner_text=True)
        expect(article).to_contain_text(REMOVED_AUTHOR, use_inner_text=True)
        expect(article.get_by_role("link", name=re.compile("Antworten|reagieren"))).to_have_count(0)
        expect(person.page.locator("body")).not_to_contain_text(text)
        assert text not in person.page.content()
        person.assert_stayed()
    expect(ben.page.locator("#live-announcer")).to_have_text(REMOVED_ANNOUNCEMENT)
    expect(ben_box).to_be_focused()
    expect(ben_box).to_have_value(draft)

    # After a reload the tombstone is what the server renders too; only Anna herself (and
    # the moderators) still read her text there, marked as removed.
    anna.page.reload()
    expect(anna.page.locator(f"#comment-{comment_id} [data-tombstone]")).to_have_text(TOMBSTONE)
    removed = anna.page.locator(f"#comment-{comment_id} [data-removed-text]")
    expect(removed).to_contain_text(text)
    expect(removed).to_contain_text(YOUR_REMOVED_TEXT)
    anna.stay()

    # The moderator restores it: the text and the name come back live, also where the
    # server had rendered the tombstone.
    decide(moderator, moderator.page.locator(f"#comment-{comment_id}"), RESTORE)
    for person in (ben, anna):
        article = person.page.locator(f"#comment-{comment_id}")
        expect(article.locator("[data-text]")).to_have_text(text)
        expect(article.locator("[data-tombstone]")).to_be_hidden()
        expect(article).to_contain_text(NAMES[ANNA])
        expect(article).not_to_contain_text(REMOVED_AUTHOR)
        expect(article.locator("[data-removed-text]")).to_have_count(0)
        person.assert_stayed()
    expect(ben.page.locator("#live-announcer")).to_have_text(CHANGED_ANNOUNCEMENT)
    expect(ben_box).to_be_focused()

    print(f"live comment reached the other page {latency_ms:.0f} ms after the post was answered")
    network_guard.assert_no_external_requests()


def test_the_same_flow_works_without_javascript(sign_in, network_guard):
    anna = sign_in(ANNA, javascript=False)
    ben = sign_in(BEN, javascript=False)
    moderator = sign_in(MODERATOR, javascript=False)
    path = discussion_path(ben)
    newest_first = f"{path}?sort=newest"
    ben.goto(newest_first)

    # Anna writes on the consultation page; the plain form brings her back to her comment.
    anna.goto(STADTHALLE)
    text = unique("Ohne Skript geschrieben: mehr Sitzbänke im Foyer, bitte.")
    comment_id = post_without_script(anna, text)
    article = anna.page.locator(f"#comment-{comment_id}")
    expect(article).to_contain_text(text)
    expect(article).to_contain_text(NAMES[ANNA])
    expect(anna.page.get_by_role("status").filter(has_text=PUBLISHED)).to_be_visible()
    # Without a script nothing changes in Ben's page until he reloads.
    expect(ben.page.locator("body")).not_to_contain_text(text)
    ben.page.reload()
    expect(ben.page.locator(f"#comment-{comment_id}")).to_contain_text(text)

    # Ben reports it (plain form), so it lands in the moderation queue.
    ben.page.locator(f"#comment-{comment_id}").get_by_role("link", name="Melden").click()
    expect(ben.page).to_have_url(re.compile(rf"/kommentare/{comment_id}/melden/$"))
    ben.page.get_by_role("radio", name=REASON).check()
    ben.page.get_by_role("button", name="Meldung absenden").click()
    expect(ben.page).to_have_url(POSTED_URL)
    expect(ben.page.get_by_role("status")).to_contain_text("Vielen Dank.")

    # The moderator hides it from the queue with a reason (plain form, back to the queue).
    moderator.goto(QUEUE)
    item = moderator.page.locator(f"#queue-{comment_id}")
    expect(item.get_by_role("heading", level=2)).to_contain_text("Gemeldet")
    expect(item).to_contain_text(text)
    hide(moderator, item)
    expect(moderator.page).to_have_url(re.compile(r"/moderation/$"))
    expect(moderator.page.get_by_role("status")).to_contain_text("Erledigt.")
    expect(moderator.page.locator(f"#queue-{comment_id}")).to_have_count(0)

    # Both residents see the tombstone after a reload; the text is gone for Ben, and Anna
    # reads hers only marked as removed.
    for person in (anna, ben):
        expect(person.page.locator("body")).to_contain_text(text)  # not yet reloaded
        person.page.reload()
        article = person.page.locator(f"#comment-{comment_id}")
        expect(article.locator("[data-tombstone]")).to_have_text(TOMBSTONE)
        expect(article).to_contain_text(REMOVED_AUTHOR)
    expect(ben.page.locator("body")).not_to_contain_text(text)
    expect(anna.page.locator(f"#comment-{comment_id} [data-removed-text]")).to_contain_text(
        YOUR_REMOVED_TEXT
    )

    for person in (anna, ben, moderator):
        assert person.sockets == [], f"scripts ran in {person.email}'s page: {person.sockets}"
    network_guard.assert_no_external_requests()


def test_a_comment_awaiting_review_is_seen_by_its_author_only_until_published(
    sign_in, network_guard
):
    moderator = sign_in(MODERATOR)
    moderator.goto(QUEUE)
    wait_until_live(moderator, "[data-queue]")
    moderator.stay()
    ben = sign_in(BEN)
    anna = sign_in(ANNA)
    path = discussion_path(anna)
    anna.goto(path)
    ben.goto(path)
    wait_until_live(anna)
    wait_until_live(ben)
    anna.stay()
    ben.stay()

    text = unique(f"Wer die Halle abreißen will, ist ein {BLOCKED_WORD}.")
    answer = post_with_script(ben, text)
    comment_id = answer["id"]
    assert answer["pending"] is True

    # Ben sees his comment, marked as awaiting review, and is told why.
    mine = ben.page.locator(f"#comment-{comment_id}")
    expect(mine).to_contain_text(text)
    expect(mine).to_contain_text(AWAITING_BADGE)
    expect(ben.page.locator("[data-discussion] [data-form-status]").first).to_have_text(AWAITING)

    # The queue page gets it live; the moderator did not reload.
    item = moderator.page.locator(f"#queue-{comment_id}")
    expect(item).to_contain_text(text)
    expect(item.get_by_role("heading", level=2)).to_contain_text("Wartet auf Freigabe")
    expect(moderator.page.locator("#live-announcer")).to_have_text(QUEUE_CHANGED)
    moderator.assert_stayed()

    # Anna does not see it, live or in a freshly opened page.
    expect(anna.page.locator("body")).not_to_contain_text(text)
    fresh = anna.page.context.new_page()
    fresh.goto(path)
    expect(fresh.locator("[data-discussion]")).to_be_visible()
    expect(fresh.locator("body")).not_to_contain_text(text)
    fresh.close()

    # The moderator publishes it; Anna sees it live, and Ben's note "only you" goes away.
    decide(moderator, item, APPROVE)
    expect(anna.page.locator(f"#comment-{comment_id}")).to_contain_text(
        text, timeout=LIVE_WITHIN_MS
    )
    expect(anna.page.locator(f"#comment-{comment_id}")).to_contain_text(NAMES[BEN])
    expect(anna.page.locator("#live-announcer")).to_have_text(f"{NEW_COMMENT_BY} {NAMES[BEN]}")
    anna.assert_stayed()
    expect(mine).not_to_contain_text(AWAITING_BADGE)
    expect(mine).to_contain_text(text)
    expect(ben.page.locator(f"#comment-{comment_id}")).to_have_count(1)
    ben.assert_stayed()
    expect(moderator.page.locator(f"#queue-{comment_id}")).to_have_count(0)

    network_guard.assert_no_external_requests()


def test_discussion_page_passes_axe_with_tombstones_pending_and_live_comments(
    sign_in, network_guard
):
    anna = sign_in(ANNA)
    ben = sign_in(BEN)
    moderator = sign_in(MODERATOR)
    path = discussion_path(anna)
    for person in (anna, ben):
        person.goto(path)
        wait_until_live(person)

    # In Anna's page: one comment of hers awaiting review, and Ben's comments arriving live,
    # one of them then removed by the moderator (built by the script, not the server).
    pending = post_with_script(anna, unique(f"Das plant doch ein {BLOCKED_WORD}."))
    assert pending["pending"] is True
    kept = post_with_script(ben, unique("Ein Café im Foyer fände ich auch gut."))
    removed = post_with_script(ben, unique("Das gehört eigentlich in eine andere Diskussion."))
    for comment in (kept, removed):
        expect(anna.page.locator(f"#comment-{comment['id']}")).to_be_visible()
    moderator.goto(f"/kommentare/{removed['id']}/")
    hide(moderator, moderator.page.locator(f"#comment-{removed['id']}"))
    expect(anna.page.locator(f"#comment-{removed['id']}")).to_contain_text(TOMBSTONE)
    expect(anna.page.locator(f"#comment-{pending['id']}")).to_contain_text(AWAITING_BADGE)

    problems = run_axe(anna, "resident, after live changes")
    anna.page.reload()
    expect(anna.page.locator(f"#comment-{removed['id']}")).to_contain_text(TOMBSTONE)
    expect(anna.page.locator(f"#comment-{pending['id']}")).to_contain_text(AWAITING_BADGE)
    expect(anna.page.locator(f"#comment-{kept['id']}")).to_be_visible()
    open_all_details(anna)
    problems += run_axe(anna, "resident, reloaded, reply forms open")

    # The moderator's view, with the moderation controls of every comment open.
    moderator.page.reload()
    expect(moderator.page.locator(f"#comment-{removed['id']}")).to_contain_text(TOMBSTONE)
    open_all_details(moderator)
    problems += run_axe(moderator, "moderator, controls open")

    assert not problems, "\n\n".join(problems)
    network_guard.assert_no_external_requests()


def test_moderation_queue_passes_axe_with_pending_reported_and_live_items(sign_in, network_guard):
    anna = sign_in(ANNA)
    ben = sign_in(BEN)
    path = discussion_path(ben)
    ben.goto(path)
    reported = post_with_script(ben, unique("Die Stadthalle sollte ein Hallenbad werden."))
    waiting = post_with_script(ben, unique(f"Nur ein {BLOCKED_WORD} parkt vor der Halle."))
    assert waiting["pending"] is True

    anna.goto(f"/kommentare/{reported['id']}/melden/")
    anna.page.get_by_role("radio", name=REASON).check()
    anna.page.get_by_role("button", name="Meldung absenden").click()
    expect(anna.page).to_have_url(POSTED_URL)

    moderator = sign_in(MODERATOR)
    moderator.goto(QUEUE)
    expect(
        moderator.page.locator(f"#queue-{reported['id']}").get_by_role("heading", level=2)
    ).to_contain_text("Gemeldet")
    expect(
        moderator.page.locator(f"#queue-{waiting['id']}").get_by_role("heading", level=2)
    ).to_contain_text("Wartet auf Freigabe")
    problems = run_axe(moderator, "queue with a reported and a waiting item")

    # A new item arrives while the moderator looks at the queue: the list is replaced live.
    wait_until_live(moderator, "[data-queue]")
    moderator.stay()
    arriving = post_with_script(ben, unique(f"Noch ein {BLOCKED_WORD}-Kommentar."))
    expect(moderator.page.locator(f"#queue-{arriving['id']}")).to_be_visible()
    moderator.assert_stayed()
    problems += run_axe(moderator, "queue after a live update")

    assert not problems, "\n\n".join(problems)
    network_guard.assert_no_external_requests()


def test_a_reader_of_the_english_site_gets_live_changes_in_english(sign_in, live_site):
    anna = sign_in(ANNA)
    ben = sign_in(BEN)
    path = newest_first_path(anna)
    ben.page.context.add_cookies(
        [{"name": "mitreden_language", "value": "en", "url": live_site.base_url}]
    )
    ben.goto(path)
    expect(ben.page.locator("html")).to_have_attribute("lang", "en")
    wait_until_live(ben)
    ben.stay()

    comment_id = post_with_script(anna, unique("Für alle Sprachen: ein Aufzug zur Galerie."))["id"]
    article = ben.page.locator(f"#comment-{comment_id}")
    expect(article).to_contain_text(NAMES[ANNA], timeout=LIVE_WITHIN_MS)
    live_time = article.locator("time").inner_text()

    moderator = sign_in(MODERATOR)  # reads the German site
    moderator.goto(f"/kommentare/{comment_id}/")
    hide(moderator, moderator.page.locator(f"#comment-{comment_id}"))
    expect(article.locator("[data-tombstone]")).to_have_text("Removed by moderation: off-topic")
    ben.assert_stayed()

    # What arrived live reads exactly as what the server renders for this reader.
    ben.page.reload()
    expect(article.locator("[data-tombstone]")).to_have_text("Removed by moderation: off-topic")
    assert article.locator("time").inner_text() == live_time


def test_after_posting_with_the_keyboard_the_focus_is_on_the_new_comment(sign_in, network_guard):
    """Keyboard only: write, send with Enter on the button, and the focus lands on the new
    comment (not on <body>); the same for a reply opened with the keyboard."""
    from tests.browser.keyboard import tab_to

    anna = sign_in(ANNA)
    anna.goto(newest_first_path(anna))
    wait_until_live(anna)
    page = anna.page

    box = comment_box(anna)
    tab_to(page, box, limit=200)
    text = unique("Mit der Tastatur geschrieben.")
    page.keyboard.type(text)
    tab_to(page, page.get_by_role("button", name=PUBLISH_COMMENT))
    with page.expect_response(lambda r: r.url.endswith("/kommentieren/")) as answer:
        page.keyboard.press("Enter")
    comment_id = answer.value.json()["id"]
    new_comment = page.locator(f"#comment-{comment_id}")
    expect(new_comment).to_contain_text(text)
    expect(new_comment).to_be_focused()

    # A reply to someone else's comment, from the keyboard as well.
    # (Someone else's comment that may be answered: newest first, tombstones come first too.)
    other = (
        page.locator("[data-comment]")
        .filter(has_not_text=NAMES[ANNA])
        .filter(has=page.locator("summary", has_text="Antworten"))
        .first
    )
    summary = other.locator("summary", has_text="Antworten")
    tab_to(page, summary, limit=400)
    page.keyboard.press("Enter")
    reply_box = other.locator("textarea")
    tab_to(page, reply_box)
    reply = unique("Eine Antwort mit der Tastatur.")
    page.keyboard.type(reply)
    tab_to(page, other.get_by_role("button", name="Antwort veröffentlichen"))
    with page.expect_response(lambda r: r.url.endswith("/kommentieren/")) as answer:
        page.keyboard.press("Enter")
    reply_id = answer.value.json()["id"]
    expect(page.locator(f"#comment-{reply_id}")).to_be_focused()
    assert page.evaluate("() => document.activeElement !== document.body")


def controls_of(article: Locator) -> list[str]:
    """What a person can use in a comment: its links, buttons and disclosures, by name (counts
    left out: they change as people react)."""
    names = article.locator("a:visible, button:visible, summary:visible").all_inner_texts()
    return [re.sub(r"\d+", "#", " ".join(name.split())) for name in names]


def test_a_live_comment_gets_the_controls_a_reload_would_give(sign_in, network_guard):
    """A comment arriving live is the server's fragment, with the viewer's own controls
    switched on: another resident may react, reply and report (and these work, CSRF token and
    all), its author may edit and delete, a moderator moderates; after a reload each sees the
    same controls. The live-inserted markup passes axe."""
    anna = sign_in(ANNA)
    ben = sign_in(BEN)
    moderator = sign_in(MODERATOR)
    path = newest_first_path(anna)
    bens_other_tab = Person(ben.page.context.new_page(), BEN)
    bens_other_tab.watch()
    for person in (anna, ben, bens_other_tab, moderator):
        person.goto(path)
        wait_until_live(person)
        person.stay()

    text = unique("Die Galerie sollte auch für Lesungen offen sein.")
    comment_id = post_with_script(ben, text)["id"]

    in_annas_page = anna.page.locator(f"#comment-{comment_id}")
    expect(in_annas_page).to_contain_text(text, timeout=LIVE_WITHIN_MS)
    expect(in_annas_page.get_by_role("button", name=re.compile("Zustimmung"))).to_be_visible()
    expect(in_annas_page.get_by_role("button", name=re.compile("Ablehnung"))).to_be_visible()
    expect(in_annas_page.get_by_role("link", name="Melden")).to_be_visible()
    expect(in_annas_page.locator("summary", has_text="Antworten")).to_be_visible()
    expect(in_annas_page.get_by_role("link", name="Bearbeiten")).to_have_count(0)
    expect(in_annas_page.get_by_role("link", name="Löschen")).to_have_count(0)
    expect(in_annas_page.locator("details.comment__moderation")).to_have_count(0)
    expect(in_annas_page.locator("[hidden], [data-needs]")).to_have_count(0)

    # The author's other tab got it live too, with his own controls and none for others.
    in_his_tab = bens_other_tab.page.locator(f"#comment-{comment_id}")
    expect(in_his_tab).to_contain_text(text)
    expect(in_his_tab.get_by_role("link", name="Bearbeiten")).to_be_visible()
    expect(in_his_tab.get_by_role("link", name="Löschen")).to_be_visible()
    expect(in_his_tab.get_by_role("link", name="Melden")).to_have_count(0)
    expect(in_his_tab.get_by_role("button", name=re.compile("Zustimmung"))).to_have_count(0)

    # The moderator can moderate it where it arrived.
    in_moderators_page = moderator.page.locator(f"#comment-{comment_id}")
    expect(in_moderators_page).to_contain_text(text)
    open_moderation(in_moderators_page)
    expect(in_moderators_page.get_by_role("button", name=HIDE)).to_be_visible()

    live_controls = {
        person.email: controls_of(person.page.locator(f"#comment-{comment_id}"))
        for person in (anna, bens_other_tab, moderator)
    }
    problems = []
    for person in (anna, bens_other_tab, moderator):
        open_all_details(person)
        problems += run_axe(person, f"{person.email}, live-inserted comment, details open")
    assert not problems, "\n\n".join(problems)

    # The controls work: Anna agrees and replies from the live-inserted comment.
    with anna.page.expect_response(lambda r: "/reagieren/" in r.url) as reacted:
        in_annas_page.get_by_role("button", name=re.compile("Zustimmung")).click()
    assert reacted.value.status == 200, reacted.value.text()
    expect(in_annas_page.get_by_role("button", name=re.compile("Zustimmung"))).to_have_attribute(
        "aria-pressed", "true"
    )
    reply_form = in_annas_page.locator("form[data-comment-form]")
    reply = unique("Gute Idee, am besten auch abends.")
    reply_form.locator("textarea").fill(reply)
    with anna.page.expect_response(lambda r: r.url.endswith("/kommentieren/")) as answered:
        reply_form.get_by_role("button", name="Antwort veröffentlichen").click()
    assert answered.value.status == 201, answered.value.text()
    reply_id = answered.value.json()["id"]
    expect(anna.page.locator(f"#comment-{reply_id}")).to_be_focused()
    expect(anna.page.locator(f"#comment-{reply_id}")).to_have_count(1)
    for person in (anna, bens_other_tab, moderator):
        person.assert_stayed()

    # A reload shows each of them the same controls.
    for person in (anna, bens_other_tab, moderator):
        person.page.reload()
        reloaded = person.page.locator(f"#comment-{comment_id}")
        expect(reloaded).to_contain_text(text)
        if person is moderator:
            open_moderation(reloaded)
        assert controls_of(reloaded) == live_controls[person.email], person.email
    bens_other_tab.assert_no_errors()
    network_guard.assert_no_external_requests()


def test_an_edit_sent_back_to_review_stays_on_its_authors_open_page(sign_in, network_guard):
    """A published comment edited to a word on the word list goes back to the queue: the
    others' pages drop it live, but its author's page (one opened before the edit) keeps it,
    with the new wording and marked as awaiting review, as a reload shows it."""
    ben = sign_in(BEN)
    anna = sign_in(ANNA)
    path = newest_first_path(anna)
    anna.goto(path)
    ben.goto(path)
    wait_until_live(anna)
    wait_until_live(ben)
    text = unique("Die Halle braucht ein neues Dach.")
    comment_id = post_with_script(ben, text)["id"]
    expect(anna.page.locator(f"#comment-{comment_id}")).to_contain_text(text)
    anna.stay()
    ben.stay()

    # Ben edits it in another tab of his browser; the page he had open stays as it is.
    changed = unique(f"Wer das Dach nicht will, ist ein {BLOCKED_WORD}.")
    editing = ben.page.context.new_page()
    editing.goto(f"/kommentare/{comment_id}/bearbeiten/")
    editing.get_by_role("textbox").fill(changed)
    editing.get_by_role("button", name="Speichern").click()
    editing.wait_for_url(lambda url: "/bearbeiten/" not in url)
    editing.close()

    expect(anna.page.locator(f"#comment-{comment_id}")).to_be_hidden(timeout=LIVE_WITHIN_MS)
    expect(anna.page.locator("body")).not_to_contain_text(changed)
    mine = ben.page.locator(f"#comment-{comment_id}")
    expect(mine).to_contain_text(AWAITING_BADGE, timeout=LIVE_WITHIN_MS * 3)
    expect(mine).to_contain_text(changed)
    expect(mine).to_be_visible()
    expect(ben.page.locator("#live-announcer")).to_have_text(CHANGED_ANNOUNCEMENT)
    ben.assert_stayed()
    anna.assert_stayed()

    # As on reload.
    ben.goto(path)
    expect(ben.page.locator(f"#comment-{comment_id}")).to_contain_text(AWAITING_BADGE)
    expect(ben.page.locator(f"#comment-{comment_id}")).to_contain_text(changed)
    network_guard.assert_no_external_requests()


MORE_COMMENTS = "Weitere Kommentare"
MORE_SHOWN = "Weitere Kommentare werden unten angezeigt."


def post_threads(person: Person, path: str, texts: list[str]) -> None:
    """Post top-level comments as ``person`` (the page's own form fields, over HTTP)."""
    person.goto(path)
    section = person.page.locator("[data-discussion]")
    token = section.get_attribute("data-csrf-token")
    action = section.locator("form.comment-form").get_attribute("action")
    for text in texts:
        response = person.page.request.post(
            action,
            form={"text": text, "csrfmiddlewaretoken": token},
            headers={"Accept": "application/json", "Referer": person.page.url},
        )
        assert response.status == 201, response.text()


def shown_ids(person: Person) -> list[str]:
    return person.page.locator("[data-comment-list] > li > article").evaluate_all(
        "(articles) => articles.map((a) => a.getAttribute('data-comment'))"
    )


def test_more_comments_load_in_place_with_the_focus_on_the_first_new_one(sign_in, network_guard):
    ben = sign_in(BEN)
    path = discussion_path(ben)
    texts = [unique(f"Faden {n} zum Blättern.") for n in range(11)]
    post_threads(ben, path, texts)

    anna = sign_in(ANNA)
    anna.goto(path + "?sort=newest")
    wait_until_live(anna)
    anna.stay()
    before = shown_ids(anna)
    assert len(before) == 10
    expect(anna.page.get_by_text(texts[0])).to_have_count(0)  # the oldest: on page 2
    more = anna.page.get_by_role("link", name=MORE_COMMENTS)
    more.focus()
    anna.page.keyboard.press("Enter")
    expect(anna.page.get_by_text(texts[0])).to_be_visible()
    after = shown_ids(anna)
    assert after[:10] == before and len(after) > 10 and len(set(after)) == len(after)
    expect(anna.page.locator(f"#comment-{after[10]}")).to_be_focused()
    expect(anna.page.locator("#live-announcer")).to_have_text(MORE_SHOWN)
    anna.assert_stayed()
    # Loaded in place, the comments come with Anna's own controls, as on reload.
    first_new = anna.page.locator(f"#comment-{after[10]}")
    expect(first_new.get_by_role("button", name=re.compile("^Zustimmung"))).to_be_visible()
    expect(first_new.locator("input[name=csrfmiddlewaretoken]")).to_have_count(2)


def test_more_comments_opens_the_next_page_without_javascript(sign_in, network_guard):
    ben = sign_in(BEN)
    path = discussion_path(ben)
    texts = [unique(f"Faden {n} ohne Skript.") for n in range(11)]
    post_threads(ben, path, texts)

    anna = sign_in(ANNA, javascript=False)
    anna.goto(path + "?sort=newest")
    before = shown_ids(anna)
    anna.page.get_by_role("link", name=MORE_COMMENTS).click()
    anna.page.wait_for_url(re.compile(r"\?sort=newest&page=2#discussion-\d+-comments$"))
    after = shown_ids(anna)
    assert after and not set(after) & set(before)
    expect(anna.page.get_by_text(texts[0])).to_be_visible()
    expect(anna.page.get_by_role("link", name="Vorherige Seite")).to_be_visible()
