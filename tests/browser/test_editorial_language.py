"""With English chosen, the German editorial content is announced and marked (WCAG 3.1.2),
and the English pages pass axe-core like the German ones."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE_SOURCE, PageReport, check_page

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/beteiligungen/",
    "/beteiligungen/zukunft-der-stadthalle/",
    "/barrierefreiheit/",
]


def test_english_pages_say_the_content_is_german_and_pass_axe(page):
    page.goto("/")
    page.locator("header.site-header button[lang=en]").click()
    page.wait_for_load_state()
    axe = AXE_SOURCE.read_text(encoding="utf-8")
    problems = []
    for path in PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("note")).to_have_text(
            "The content of this page is available in German only."
        )
        expect(page.locator("h1")).to_have_attribute("lang", "de")
        report = PageReport(path)
        check_page(page, axe, report, expected_lang="en")
        problems += [report.format()] if report.problems else []
    assert not problems, "\n".join(problems)
