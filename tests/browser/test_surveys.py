"""Surveys and quick polls in a real browser (the demo's Stadthalle survey and the home page's
quick poll): a resident answers a three-page survey with a condition and a ranking using only
the keyboard; someone watching the public results sees the bars move live; the error summary
takes the focus; axe-core finds nothing on the survey, its results, its error state and the
quick poll after voting."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import tab_to
from tests.browser.test_accessibility import AXE_SOURCE, PageReport, check_page
from tests.browser.test_discussions import STADTHALLE, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

SURVEY_LINK = re.compile(r"^(An der Umfrage teilnehmen|Antworten ändern)$")


def axe_clean(page) -> None:
    report = PageReport(page.url)
    check_page(page, AXE_SOURCE.read_text(encoding="utf-8"), report)
    assert not report.problems, report.format()


def survey_path(person) -> str:
    person.goto(STADTHALLE)
    link = person.page.get_by_role("link", name=SURVEY_LINK)
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/umfragen/\d+/", href), href
    return href


def press_on(page, locator, key: str, *, limit: int = 100) -> None:
    tab_to(page, locator, limit=limit)
    page.keyboard.press(key)


def test_a_resident_answers_with_the_keyboard_alone(sign_in, network_guard):  # noqa: F811
    ben = sign_in("ben@mitreden.test")
    path = survey_path(ben)
    page = ben.page
    # Reach the survey from the consultation page with the keyboard.
    press_on(page, page.get_by_role("link", name=SURVEY_LINK), "Enter", limit=300)
    page.wait_for_url(f"**{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Umfrage: Ihre Stadthalle")

    # Sending page 1 without the required answers: the error summary takes the focus.
    press_on(page, page.get_by_role("button", name="Nächste Seite"), "Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    axe_clean(page)

    # Question 1 (yes/no): "Ja" shows question 2 (its condition, on the same page).
    condition = page.locator("fieldset[data-condition-source]")
    expect(condition).to_be_hidden()
    press_on(page, page.get_by_role("radio", name="Ja", exact=True), "Space")
    expect(condition).to_be_visible()
    press_on(page, condition.get_by_role("checkbox", name="Konzerte"), "Space")
    press_on(page, condition.get_by_role("checkbox", name="Vereinsfeste"), "Space")
    # In a radio group Tab reaches the group, the arrow keys choose.
    press_on(page, page.get_by_role("radio", name="Sanieren, wie sie ist"), "ArrowDown")
    expect(page.get_by_role("radio", name="Umbauen und erweitern")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Nächste Seite"), "Enter")
    expect(page.get_by_role("heading", name=re.compile("Ihre Meinung"))).to_be_visible()

    # Page 2: a scale, a ranking without drag and drop (one list of places per option), a number.
    press_on(page, page.get_by_role("radio", name=re.compile(r"^1")), "ArrowRight")
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name=re.compile(r"^4"))).to_be_checked()
    ranking = page.locator("[data-ranking]")
    tab_to(page, ranking.get_by_label("Barrierefreiheit"))
    page.keyboard.press("ArrowDown")  # kein Platz → Platz 1
    tab_to(page, ranking.get_by_label("Gute Erreichbarkeit"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # → Platz 2
    expect(ranking.get_by_label("Barrierefreiheit")).to_have_value("1")
    expect(ranking.get_by_label("Gute Erreichbarkeit")).to_have_value("2")
    tab_to(page, page.get_by_label(re.compile("Wie viel Eintritt")))
    page.keyboard.type("7,50")
    press_on(page, page.get_by_role("button", name="Nächste Seite"), "Enter")
    expect(page.get_by_role("heading", name=re.compile("Zum Schluss"))).to_be_visible()

    # Page 3: free text, then send; only now is anything stored.
    tab_to(page, page.get_by_label(re.compile("Wie sollte die neue Halle heißen")))
    page.keyboard.type("Forum am Markt")
    press_on(page, page.get_by_role("button", name="Antworten absenden"), "Enter")
    expect(
        page.get_by_text("Danke fürs Mitmachen: Ihre Antworten sind gespeichert.")
    ).to_be_visible()
    # Results are public while the survey runs: the person lands on them.
    expect(page).to_have_url(re.compile(r"/umfragen/\d+/ergebnisse/(#.*)?$"))
    axe_clean(page)
    network_guard.assert_no_external_requests()


def test_the_public_result_bars_move_live(sign_in, new_context, network_guard):  # noqa: F811
    answerer = sign_in("redaktion@mitreden.test")
    path = survey_path(answerer)
    watcher = new_context().new_page()
    watcher.goto(path + "ergebnisse/")
    results = watcher.locator("[data-survey-results]")
    expect(results).to_have_attribute("data-live-state", "connected")
    axe_clean(watcher)
    total = watcher.locator("[data-results-total]")
    before = int(re.search(r"\d+", total.inner_text()).group())

    page = answerer.page
    page.goto(path)
    page.get_by_role("radio", name="Nein", exact=True).check()
    page.get_by_role("radio", name="Abreißen und neu bauen").check()
    page.get_by_role("button", name="Nächste Seite").click()
    page.get_by_role("button", name="Nächste Seite").click()
    page.get_by_role("button", name="Antworten absenden").click()
    expect(page.get_by_text("Danke fürs Mitmachen")).to_be_visible()

    expect(total).to_have_text(f"{before + 1} Antworten", timeout=10_000)
    first_question = watcher.locator("[data-result]").first
    expect(first_question.locator("[data-answered]")).to_contain_text(str(before + 1))
    network_guard.assert_no_external_requests()


def test_the_quick_poll_answers_in_place(new_context, network_guard):
    page = new_context().new_page()
    page.goto("/")
    poll = page.locator("section.poll")
    expect(poll.get_by_role("group", name=re.compile("autofrei"))).to_be_visible()
    axe_clean(page)
    press_on(page, poll.get_by_role("radio", name="Ja"), "ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(poll.get_by_role("radio", name="Nur im Sommer")).to_be_checked()
    press_on(page, poll.get_by_role("button", name="Abstimmen"), "Enter")
    results = poll.locator("[data-poll-results]")
    expect(results).to_be_focused()
    expect(results).to_contain_text("Ihre Stimme: Nur im Sommer.")
    expect(page).to_have_url(re.compile(r"/$"))  # in place, no navigation
    axe_clean(page)
    # The (cached) home page shows this browser its result on the next visit.
    page.reload()
    expect(poll.locator("[data-poll-results]")).to_contain_text("Stimmen")
    network_guard.assert_no_external_requests()
