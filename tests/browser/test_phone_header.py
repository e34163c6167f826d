"""On a phone the header stays compact: the navigation sits behind a "Menü" disclosure that
opens by tap and by keyboard, works without JavaScript, and passes axe-core open and closed.
On a wide screen the navigation is shown as before."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import tab_to
from tests.browser.test_accessibility import AXE_SOURCE, PageReport, check_page

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 667}, "has_touch": True, "is_mobile": True}
PAGES = ["/", "/beteiligungen/zukunft-der-stadthalle/"]


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def menu_toggle(page):
    return page.locator("header.site-header summary", has_text="Menü")


def assert_axe_clean(page, path: str) -> None:
    report = PageReport(path)
    check_page(page, AXE_SOURCE.read_text(encoding="utf-8"), report)
    assert not report.problems, report.format()


@pytest.mark.parametrize("path", PAGES)
def test_the_phone_header_takes_less_than_a_third_of_the_screen(new_context, path):
    page = new_context(**PHONE).new_page()
    page.goto(path)
    assert header_height(page) < 667 / 3
    expect(menu_toggle(page)).to_be_visible()
    expect(page.get_by_role("link", name="Beteiligungen", exact=True)).to_be_hidden()
    assert_axe_clean(page, path + " (phone, menu closed)")


def test_the_menu_opens_by_tap(new_context):
    page = new_context(**PHONE).new_page()
    page.goto("/")
    menu_toggle(page).tap()
    link = page.locator("header.site-header").get_by_role("link", name="Beteiligungen")
    expect(link).to_be_visible()
    expect(page.locator("header.site-header button[lang=en]")).to_be_visible()  # language
    assert_axe_clean(page, "/ (phone, menu open)")
    link.tap()
    page.wait_for_url("**/beteiligungen/")
    assert header_height(page) < 667 / 3  # closed again on the next page


def test_the_menu_opens_by_keyboard_and_its_links_are_reachable(new_context):
    page = new_context(**PHONE).new_page()
    page.goto("/")
    toggle = menu_toggle(page)
    tab_to(page, toggle)
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none", (
        "the focused menu button shows no focus outline"
    )
    page.keyboard.press("Enter")
    link = page.locator("header.site-header").get_by_role("link", name="Beteiligungen")
    expect(link).to_be_visible()
    tab_to(page, link, limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url("**/beteiligungen/")
    # And closes again with the keyboard.
    toggle = menu_toggle(page)
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    expect(page.locator("header.site-header").get_by_role("link", name="Anmelden")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.locator("header.site-header").get_by_role("link", name="Anmelden")).to_be_hidden()


def test_the_menu_works_without_javascript(new_context):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto("/")
    assert header_height(page) < 667 / 3
    link = page.locator("header.site-header").get_by_role("link", name="Beteiligungen")
    expect(link).to_be_hidden()
    menu_toggle(page).tap()
    expect(link).to_be_visible()
    link.tap()
    page.wait_for_url("**/beteiligungen/")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_wide_screens_show_the_navigation_without_a_menu_button(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/")
    expect(menu_toggle(page)).to_be_hidden()
    header = page.locator("header.site-header")
    expect(header.get_by_role("link", name="Beteiligungen")).to_be_visible()
    expect(header.get_by_role("link", name="Anmelden")).to_be_visible()
    expect(header.get_by_role("searchbox")).to_be_visible()
