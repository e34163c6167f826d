"""The editors' short way, end to end and by keyboard: "New consultation" in the admin sets
up consultation, phases, discussion and published page from one form; the slug is spelled
the German way while the title is typed; the page shows one title and one introduction."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import tab_to
from tests.browser.test_discussions import sign_in  # noqa: F401

pytestmark = pytest.mark.browser

EDITOR = "redaktion@mitreden.test"
INTRO = "Wie soll das Straßenfest im Süden aussehen? Sagen Sie es uns."


def test_an_editor_sets_up_a_consultation_from_one_form_by_keyboard(sign_in, network_guard):  # noqa: F811
    editor = sign_in(EDITOR)
    page = editor.page
    page.goto("/admin/")
    # The way in: the "Participation" menu's first entry.
    page.get_by_role("button", name="Beteiligung").click()
    page.get_by_role("link", name="Neue Beteiligung").click()
    expect(page).to_have_url(re.compile(r"/admin/consultations/new/$"))

    title = page.get_by_label("Titel")
    tab_to(page, title)
    page.keyboard.type("Straßenfest Süd")
    slug = page.get_by_label("Kurzname")
    tab_to(page, slug)  # leaving the title fills the slug
    expect(slug).to_have_value("strassenfest-sued")
    summary = page.get_by_label("Einleitung")
    tab_to(page, summary)
    page.keyboard.type(INTRO)
    # Phases, discussion and "publish now" are proposed; the editor keeps them.
    expect(page.get_by_label("Beteiligung vom", exact=True)).not_to_have_value("")
    expect(page.get_by_label("Diskussion", exact=True)).to_have_value("Diskutieren Sie mit")
    submit = page.get_by_role("button", name="Beteiligung anlegen")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    # On to the page editor, with the discussion already placed.
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    expect(page.get_by_text("„Straßenfest Süd“ ist angelegt")).to_be_visible()

    page.goto("/beteiligungen/strassenfest-sued/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Straßenfest Süd")
    expect(page.get_by_text(INTRO)).to_have_count(1)
    expect(page.locator("[data-discussion]")).to_have_count(1)
    expect(page.get_by_role("heading", name="Diskutieren Sie mit")).to_be_visible()
    network_guard.assert_no_external_requests()


def test_bad_input_is_explained_and_nothing_is_created(sign_in, network_guard):  # noqa: F811
    editor = sign_in(EDITOR)
    page = editor.page
    page.goto("/admin/consultations/new/")
    page.get_by_label("Titel").fill("Ohne Einleitung")
    page.get_by_role("button", name="Beteiligung anlegen").click()
    expect(page).to_have_url(re.compile(r"/admin/consultations/new/$"))
    expect(page.get_by_text("Dieses Feld muss ausgefüllt werden.").first).to_be_visible()
    answer = page.goto("/beteiligungen/ohne-einleitung/")
    assert answer.status == 404
    network_guard.assert_no_external_requests()
