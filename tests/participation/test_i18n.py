"""German first, English second: the interface speaks German unless a visitor switches."""

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_german_is_the_default_language(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Zum Inhalt springen" in html


def test_switching_to_english_and_back_needs_no_csrf_token(client):
    # The switcher sits on cached anonymous pages, so it must not depend on a CSRF token.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(
        reverse("set_language"), {"language": "en", "next": "/konto/login/"}
    )
    assert response.status_code == 302
    html = csrf_client.get(reverse("account_login")).content.decode()
    assert '<html lang="en">' in html and "Skip to content" in html
    csrf_client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert '<html lang="de">' in csrf_client.get(reverse("account_login")).content.decode()


def test_switch_refuses_foreign_redirects(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("deleted account", "gelöschtes Konto"),
        ("Log in", "Anmelden"),
        ("Moderation log", "Moderationsprotokoll"),
    ],
)
def test_key_terms_are_translated(english, german):
    with translation.override("de"):
        assert translation.gettext(english) == german
