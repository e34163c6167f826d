"""Account e-mails and allauth's pages: the site's name, BASE_URL links, "Sie" (issue 8.8)."""

import ast
import html
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Site

from consultations.models import User
from tests.consultations.test_accounts import SIGNUP
from tests.factories import PASSWORD, make_user
from tests.tasks_in_process import commit_each_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """Account mails leave after the commit (from the worker): let each request commit."""
    return commit_each_request(client, django_capture_on_commit_callbacks)


BASE_URL = "https://mitreden.musterstadt.example"
LINK = re.compile(r"https?://[^\s<>\"]+")
# Informal address: du, dich, dir and every form of dein (case-insensitive, whole words).
INFORMAL = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE_URL
    settings.LANGUAGE_CODE = "de"
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Musterstadt redet mit"
    site.save()


def signup(client, *, next_url=None, **overrides):
    url = reverse("account_signup")
    if next_url:
        url += f"?next={next_url}"
    data = {**SIGNUP, **overrides}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def only_link(message) -> str:
    links = LINK.findall(message.body)
    assert links, message.body
    return links[0]


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_verification_mail_greets_with_the_site_name_and_links_to_base_url(client):
    signup(client)
    message = mail.outbox[0]
    assert "Hallo von Musterstadt redet mit!" in message.body
    assert "testserver" not in message.body
    assert "127.0.0.1" not in message.body
    assert only_link(message).startswith(f"{BASE_URL}/konto/confirm-email/")
    assert "mitreden.musterstadt.example" in message.body.split("Musterstadt redet mit", 2)[-1]


def test_password_reset_mail_links_to_base_url(client):
    make_user(email="anna@example.org")
    client.post(reverse("account_reset_password"), {"email": "anna@example.org"})
    message = mail.outbox[0]
    assert only_link(message).startswith(f"{BASE_URL}/konto/password/reset/key/")
    assert "Hallo von Musterstadt redet mit!" in message.body


def test_mail_to_an_existing_account_links_to_base_url(client):
    make_user(email=SIGNUP["email"])
    signup(client, pseudonym="Jemand")
    message = mail.outbox[0]
    assert {link.split("/konto/")[0] for link in LINK.findall(message.body)} == {BASE_URL}


def test_without_a_subject_prefix_setting_subjects_name_the_site_not_the_host(client, settings):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = None
    signup(client)
    assert mail.outbox[0].subject == (
        "[Musterstadt redet mit] Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )


def test_the_site_name_falls_back_to_site_name_setting(client, settings):
    Site.objects.update(site_name="")
    settings.WAGTAIL_SITE_NAME = "Beteiligung Musterstadt"
    signup(client)
    assert "Hallo von Beteiligung Musterstadt!" in mail.outbox[0].body


# --- "Sie" throughout ------------------------------------------------------------------


def test_our_catalogue_overrides_allauths_german():
    """LOCALE_PATHS is searched before app catalogues: our formal strings win."""
    with translation.override("de"):
        assert gettext("Are you sure you want to sign out?") == (
            "Möchten Sie sich wirklich abmelden?"
        )
        assert gettext("You have signed out.") == "Sie haben sich abgemeldet."


def assert_formal(text: str, where: str) -> None:
    found = INFORMAL.findall(text)
    assert not found, f"{where}: informal address {found} in {text[:2000]!r}"


def test_account_pages_address_people_formally(client):
    """Every allauth page and message a person meets, in German, with errors shown."""
    pages = {}
    pages["login"] = client.get(reverse("account_login"))
    pages["login error"] = client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "falsch"}
    )
    pages["signup"] = client.get(reverse("account_signup"))
    pages["signup error"] = client.post(
        reverse("account_signup"), {**SIGNUP, "password2": "etwas-anderes-123"}
    )
    pages["reset"] = client.get(reverse("account_reset_password"))
    pages["reset done"] = client.get(reverse("account_reset_password_done"))
    pages["reset bad key"] = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "x-y"}),
        follow=True,
    )
    pages["verification sent"] = client.get(reverse("account_email_verification_sent"))
    pages["confirm bad key"] = client.get(reverse("account_confirm_email", args=["nope"]))
    pages["inactive"] = client.get(reverse("account_inactive"))

    signup(client)
    key = only_link(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[-1]
    pages["confirm"] = client.get(reverse("account_confirm_email", args=[key]))
    pages["confirmed"] = client.post(reverse("account_confirm_email", args=[key]), follow=True)

    user = make_user(email="anna@example.org")
    client.force_login(user)
    pages["email"] = client.get(reverse("account_email"))
    pages["reauthenticate"] = client.get(reverse("account_reauthenticate"))
    pages["email add"] = client.post(
        reverse("account_email"), {"action_add": "", "email": "anna2@example.org"}, follow=True
    )
    pages["email remove primary"] = client.post(
        reverse("account_email"),
        {"action_remove": "", "email": "anna@example.org"},
        follow=True,
    )
    pages["password change"] = client.get(reverse("account_change_password"))
    pages["password change error"] = client.post(
        reverse("account_change_password"),
        {"oldpassword": "falsch", "password1": "neu-neu-neu-123", "password2": "anders-123"},
    )
    pages["password changed"] = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "neu-neu-neu-123", "password2": "neu-neu-neu-123"},
        follow=True,
    )
    pages["logout"] = client.get(reverse("account_logout"))
    client.post(reverse("account_logout"))
    pages["logged out"] = client.get(reverse("account_login"))  # shows the pending message

    for name, response in pages.items():
        assert response.status_code in {200, 302}, name
        assert_formal(visible_text(response), name)
    # The scan saw the texts that used to say "du":
    expected = {
        "login": "Sie haben noch kein Konto?",
        "signup": "Sie haben bereits ein Konto?",
        "signup error": "Bitte geben Sie zweimal dasselbe Passwort ein.",
        "reset": "Passwort vergessen? Geben Sie unten Ihre E-Mail-Adresse ein.",
        "reset done": "Wir haben Ihnen eine E-Mail geschickt.",
        "verification sent": "Wir haben Ihnen eine E-Mail geschickt, um Ihre Adresse",
        "confirm bad key": "Dieser Bestätigungslink ist abgelaufen oder ungültig.",
        "confirm": "Bitte bestätigen Sie, dass",
        "email remove primary": "Sie können Ihre primäre E-Mail-Adresse",
        "password change error": "Bitte geben Sie Ihr aktuelles Passwort ein.",
        "logout": "Möchten Sie sich wirklich abmelden?",
        "logged out": "Sie haben sich abgemeldet.",
    }
    for name, text in expected.items():
        assert text in " ".join(visible_text(pages[name]).split()), name


def test_account_mails_address_people_formally(client):
    make_user(email="anna@example.org")
    signup(client)  # confirmation after sign-up
    signup(client, email="anna@example.org", pseudonym="Jemand")  # account already exists
    client.post(reverse("account_reset_password"), {"email": "anna@example.org"})
    client.post(reverse("account_reset_password"), {"email": "niemand@example.org"})
    anna = User.objects.get(email="anna@example.org")
    client.force_login(anna)
    client.post(reverse("account_email"), {"action_add": "", "email": "anna2@example.org"})
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "neu-neu-neu-123", "password2": "neu-neu-neu-123"},
    )
    subjects = [message.subject for message in mail.outbox]
    # confirmation, account exists, reset, unknown account, confirmation of the added address
    assert len(subjects) == 5, subjects
    for message in mail.outbox:
        assert_formal(f"{message.subject}\n{message.body}", message.subject)


# --- Confirming in another browser -------------------------------------------------------


def confirmation_path() -> str:
    return only_link(mail.outbox[-1]).split(BASE_URL, 1)[1]


def test_confirming_in_another_browser_asks_to_sign_in_and_keeps_the_destination(
    client, django_user_model
):
    signup(client, next_url="/beteiligungen/stadthalle/")
    phone = type(client)()

    response = phone.post(confirmation_path())

    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/beteiligungen/stadthalle/"
    login_page = phone.get(response["Location"])
    text = visible_text(login_page)
    assert "Ihre Adresse ist bestätigt, bitte melden Sie sich an." in text
    assert "_auth_user_id" not in phone.session
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified

    signed_in = phone.post(
        response["Location"], {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert signed_in["Location"] == "/beteiligungen/stadthalle/"


def test_confirming_in_the_same_browser_signs_in_and_goes_on(client):
    signup(client, next_url="/beteiligungen/stadthalle/")
    response = client.post(confirmation_path())
    assert response["Location"] == "/beteiligungen/stadthalle/"
    assert client.session["_auth_user_id"] == str(User.objects.get(email=SIGNUP["email"]).pk)


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_only_local_destinations_survive_the_confirmation(client, next_url):
    signup(client, next_url=next_url)
    assert User.objects.get(email=SIGNUP["email"]).signup_next == ""
    response = type(client)().post(confirmation_path())
    assert response["Location"] == "/konto/login/"


def allauth_account_msgids() -> list[str]:
    """Every msgid of allauth's German catalogue used by its account pages, forms, messages
    and mails (by the catalogue's own source references)."""
    from pathlib import Path

    import allauth

    po = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
    msgids = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = block.splitlines()
        references = " ".join(line[3:] for line in lines if line.startswith("#: ")).split()
        if not any(
            ref.startswith(("account/", "templates/account/", "templates/allauth/", "core/"))
            for ref in references
        ):
            continue
        if any(line.startswith(("msgctxt", "msgid_plural")) for line in lines):
            continue
        msgid, inside = "", False
        for line in lines:
            if line.startswith("msgid "):
                inside, msgid = True, ast.literal_eval(line[6:])
            elif line.startswith("msgstr"):
                inside = False
            elif inside and line.startswith('"'):
                msgid += ast.literal_eval(line)
        if msgid:
            msgids.append(msgid)
    return msgids


def test_every_allauth_account_string_is_formal_in_german():
    msgids = allauth_account_msgids()
    assert len(msgids) > 150  # the parser found the catalogue
    with translation.override("de"):
        informal = {msgid: gettext(msgid) for msgid in msgids if INFORMAL.search(gettext(msgid))}
    assert not informal
