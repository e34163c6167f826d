"""A consultation page follows the editors' changes live: an edit in the Wagtail admin
(``consultation.updated``) shows the page's status and current phase as the event says and
announces politely that the page changed, with a link to reload; the reader's page does not
reload by itself and their focus stays where it was."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.test_discussions import DEMO_PASSWORD, STADTHALLE, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

EDITOR = "redaktion@mitreden.test"
CHANGED = "Diese Beteiligung wurde geändert."
RELOAD = "Seite neu laden, um die Änderungen zu sehen."


def edit_title(editor, consultation_id: str, title: str) -> None:
    """Change the consultation's title in the admin, as an editor does (its phases stay)."""
    editor.goto(f"/admin/snippets/consultations/consultation/edit/{consultation_id}/")
    editor.page.get_by_label(re.compile(r"^Titel")).first.fill(title)
    with editor.page.expect_response(
        lambda r: r.request.method == "POST" and "/edit/" in r.url
    ) as answer:
        editor.page.get_by_role("button", name="Speichern", exact=True).first.click()
    assert answer.value.status == 302, f"saving answered {answer.value.status}"


def test_an_editors_change_is_announced_on_an_open_consultation_page(sign_in, network_guard):  # noqa: F811
    reader = sign_in("anna@mitreden.test")
    editor = sign_in(EDITOR)
    reader.goto(STADTHALLE)
    article = reader.page.locator("article.consultation")
    expect(article).to_have_attribute("data-live-state", "connected")
    consultation_id = article.get_attribute("data-consultation")
    assert consultation_id and consultation_id.isdigit()
    badge = reader.page.locator(".consultation__meta .badge").inner_text()
    current = reader.page.locator(".timeline__phase[aria-current=step]").get_attribute(
        "data-phase-id"
    )
    notice = reader.page.locator("[data-consultation-updated]")
    expect(notice).to_be_hidden()
    reader.stay()

    editor.goto(f"/admin/snippets/consultations/consultation/edit/{consultation_id}/")
    original = editor.page.get_by_label(re.compile(r"^Titel")).first.input_value()
    try:
        edit_title(editor, consultation_id, f"{original} ({secrets.token_hex(3)})")

        expect(notice).to_be_visible()
        expect(notice).to_contain_text(CHANGED)
        link = notice.get_by_role("link", name=RELOAD)
        expect(link).to_have_attribute("href", STADTHALLE)
        expect(reader.page.locator("#live-announcer")).to_have_text(f"{CHANGED} {RELOAD}")
        # The phases did not change: status and current phase are as before, still marked.
        expect(reader.page.locator(".consultation__meta .badge")).to_have_text(badge)
        if current:
            expect(reader.page.locator(".timeline__phase[aria-current=step]")).to_have_attribute(
                "data-phase-id", current
            )
        reader.assert_stayed()
    finally:
        edit_title(editor, consultation_id, original)
    network_guard.assert_no_external_requests()
