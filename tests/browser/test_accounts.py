"""A resident signs up, confirms their e-mail address, logs out and in, and switches language.

Everything is done with the keyboard (Tab to a control, then type, Space or Enter) and every
control is found by its role and accessible name, as a screen reader user would find it.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import tab_to

pytestmark = pytest.mark.browser

EMAIL = "clara.beispiel@example.org"
PSEUDONYM = "Clara aus der Altstadt"
PASSWORD = "Sonnenblumen-am-Rathaus-2026"

SIGN_UP = re.compile(r"^(Registrieren|Konto erstellen)$")
LOG_IN = re.compile(r"^Anmelden$")
LOG_OUT = re.compile(r"^Abmelden$")
LOG_IN_BUTTON = re.compile(r"^(Anmelden|Anmeldung)$")  # allauth's own German wording
EMAIL_LABEL = re.compile(r"^E-Mail")
PASSWORD_LABEL = re.compile(r"^Passwort:?$")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/konto/confirm-email/[^\s<>\"]+)")


def confirmation_path(message) -> str:
    body = message.get_body(preferencelist=("plain", "html")).get_content()
    match = CONFIRM_LINK.search(body)
    assert match, f"no confirmation link in the e-mail:\n{body}"
    # The link is absolute with the production scheme (https); the test server speaks http.
    return match.group(1)


def press_enter_on(page, target) -> None:
    tab_to(page, target)
    page.keyboard.press("Enter")


def type_into(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def test_sign_up_confirm_log_out_log_in_and_switch_language(page, live_site, network_guard):
    # A visitor comes to the home page and follows "sign up" from the header.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    press_enter_on(page, page.get_by_role("link", name=SIGN_UP))
    expect(page).to_have_url(re.compile(r"/konto/signup/(\?next=/)?$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The form, in the order a keyboard user meets it.
    form = page.get_by_role("main").locator("form").filter(has=page.get_by_label(EMAIL_LABEL))
    type_into(page, form.get_by_label(EMAIL_LABEL), EMAIL)
    type_into(page, form.get_by_label(re.compile(r"pseudonym", re.I)), PSEUDONYM)
    district = form.get_by_label(re.compile(r"District|Stadtteil|Ortsteil|Bezirk", re.I))
    tab_to(page, district)
    options = [o for o in district.locator("option").all_inner_texts() if o.strip("- ")]
    if options:  # districts are optional, and the demo town may define some
        district.select_option(label=options[0])
    privacy = form.get_by_role("checkbox", name=re.compile(r"privacy|Datenschutz", re.I))
    tab_to(page, privacy)
    page.keyboard.press("Space")
    expect(privacy).to_be_checked()
    type_into(page, form.get_by_label(PASSWORD_LABEL), PASSWORD)
    type_into(page, form.get_by_label(re.compile(r"Wiederholung")), PASSWORD)
    press_enter_on(page, form.get_by_role("button", name=SIGN_UP))

    # allauth asks the person to check their inbox; the message lies in the file backend.
    expect(page).to_have_url(re.compile(r"/konto/confirm-email/$"))
    message = live_site.wait_for_email(EMAIL)
    path = confirmation_path(message)

    page.goto(path)
    press_enter_on(page, page.get_by_role("main").get_by_role("button", name="Bestätigen"))

    # Confirming in the same browser logs them in: the header shows their public name.
    account = page.get_by_role("navigation", name=re.compile(r"Konto|account", re.I))
    expect(account.get_by_role("link", name=PSEUDONYM)).to_be_visible()

    press_enter_on(page, account.get_by_role("button", name=LOG_OUT))
    expect(account.get_by_role("link", name=LOG_IN)).to_be_visible()
    expect(account.get_by_role("link", name=PSEUDONYM)).to_have_count(0)

    press_enter_on(page, account.get_by_role("link", name=LOG_IN))
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    login = page.get_by_role("main").locator("form").filter(has=page.get_by_label(EMAIL_LABEL))
    type_into(page, login.get_by_label(EMAIL_LABEL), EMAIL)
    type_into(page, login.get_by_label(PASSWORD_LABEL), PASSWORD)
    press_enter_on(page, login.get_by_role("button", name=LOG_IN_BUTTON))
    expect(account.get_by_role("link", name=PSEUDONYM)).to_be_visible()

    # Switch the interface to English and back.
    press_enter_on(page, page.get_by_role("button", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(account.get_by_role("button", name="Log out")).to_be_visible()

    press_enter_on(page, page.get_by_role("button", name="Deutsch"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(account.get_by_role("button", name=LOG_OUT)).to_be_visible()
    expect(account.get_by_role("link", name=PSEUDONYM)).to_be_visible()

    network_guard.assert_no_external_requests()
    assert urlsplit(page.url).hostname == "127.0.0.1"


def test_confirming_on_another_device_asks_to_sign_in_and_returns_to_the_consultation(
    new_context, live_site, network_guard
):
    """Sign up from a consultation on the computer, confirm in the phone's browser: the phone
    says the address is confirmed and asks to sign in, then goes on to the consultation."""
    email = "dora.beispiel@example.org"
    pseudonym = "Dora vom Markt"
    consultation = "/beteiligungen/zukunft-der-stadthalle/"

    computer = new_context().new_page()
    computer.goto(consultation)
    press_enter_on(computer, computer.get_by_role("main").get_by_role("link", name=SIGN_UP))
    expect(computer).to_have_url(re.compile(r"/konto/signup/\?next="))
    form = (
        computer.get_by_role("main").locator("form").filter(has=computer.get_by_label(EMAIL_LABEL))
    )
    type_into(computer, form.get_by_label(EMAIL_LABEL), email)
    type_into(computer, form.get_by_label(re.compile(r"pseudonym", re.I)), pseudonym)
    privacy = form.get_by_role("checkbox", name=re.compile(r"Datenschutz", re.I))
    tab_to(computer, privacy)
    computer.keyboard.press("Space")
    type_into(computer, form.get_by_label(PASSWORD_LABEL), PASSWORD)
    type_into(computer, form.get_by_label(re.compile(r"Wiederholung")), PASSWORD)
    press_enter_on(computer, form.get_by_role("button", name=SIGN_UP))
    expect(computer).to_have_url(re.compile(r"/konto/confirm-email/$"))

    phone = new_context().new_page()
    phone.goto(confirmation_path(live_site.wait_for_email(email)))
    press_enter_on(phone, phone.get_by_role("main").get_by_role("button", name="Bestätigen"))

    expect(phone).to_have_url(re.compile(r"/konto/login/\?next=" + re.escape(consultation)))
    expect(phone.get_by_role("status").filter(has_text="Ihre Adresse ist bestätigt")).to_have_text(
        re.compile(r"Ihre Adresse ist bestätigt, bitte melden Sie sich an\.")
    )
    login = phone.get_by_role("main").locator("form").filter(has=phone.get_by_label(EMAIL_LABEL))
    type_into(phone, login.get_by_label(EMAIL_LABEL), email)
    type_into(phone, login.get_by_label(PASSWORD_LABEL), PASSWORD)
    press_enter_on(phone, login.get_by_role("button", name=LOG_IN_BUTTON))

    expect(phone).to_have_url(re.compile(re.escape(consultation) + "$"))
    account = phone.get_by_role("navigation", name=re.compile(r"Konto|account", re.I))
    expect(account.get_by_role("link", name=pseudonym)).to_be_visible()
    network_guard.assert_no_external_requests()
