"""The login policy, through the real sign-in form: wrong passwords slow an attacker down and
never lock the owner out (consultations/login_policy.py, README "Login policy")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-0"


@pytest.fixture(autouse=True)
def _english_and_no_proxy(settings):
    settings.LANGUAGE_CODE = "en"
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def owner():
    return make_user(email="moderatorin@example.org", pseudonym="Kim")


def attempt(client, email, password, address="198.51.100.7", **headers):
    """One sign-in through the form, from ``address`` (the socket's peer)."""
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def refused(response) -> bool:
    return response.status_code == 200 and "Too many failed sign-ins" in response.content.decode()


def wrong_password(response) -> bool:
    html = response.content.decode()
    return response.status_code == 200 and "not correct" in html and "Too many" not in html


def attack(email, *, addresses=5, each=4):
    """Wrong passwords from several addresses, each staying within its own limits (by
    default 20: the per-account ceiling)."""
    attacker = Client()
    for n in range(addresses):
        for _ in range(each):
            assert wrong_password(attempt(attacker, email, WRONG, address=f"203.0.113.{n + 1}"))


def test_an_attack_from_elsewhere_does_not_lock_the_owner_out_of_a_known_device(owner):
    phone = Client()
    assert attempt(phone, owner.email, PASSWORD).status_code == 302
    phone.post(reverse("account_logout"))  # Client.logout() would drop every cookie
    assert not signed_in(phone)

    attack(owner.email)  # 20 failures: the per-account ceiling

    # The owner's phone signed in before; it may still sign in, even from a new network.
    response = attempt(phone, owner.email, PASSWORD, address="192.0.2.44")
    assert response.status_code == 302
    assert signed_in(phone)


def test_above_the_ceiling_a_new_device_is_offered_a_password_reset(owner):
    attack(owner.email)
    # The attacker, too, is refused from now on, whatever the address.
    assert "reset your password" in attempt(Client(), owner.email, WRONG).content.decode()
    laptop = Client()
    response = attempt(laptop, owner.email, PASSWORD, address="192.0.2.44")
    assert not signed_in(laptop)
    html = response.content.decode()
    assert "can only be signed in to from a device that was used for it before" in html
    assert f'<a href="{reverse("account_reset_password")}">reset your password</a>' in html


def test_below_the_ceiling_a_new_device_signs_in(owner):
    attack(owner.email, addresses=4, each=4)  # 16 failures
    laptop = Client()
    assert attempt(laptop, owner.email, PASSWORD, address="192.0.2.44").status_code == 302


def test_a_new_password_lifts_the_ceiling(owner):
    from allauth.account.adapter import get_adapter

    attack(owner.email)
    get_adapter().set_password(owner, "ein-neues-passwort-456")
    laptop = Client()
    response = attempt(laptop, owner.email, "ein-neues-passwort-456", address="192.0.2.44")
    assert response.status_code == 302


def test_one_address_gets_five_tries_per_account_others_are_unaffected(owner):
    attacker = Client()
    for _ in range(5):
        assert wrong_password(attempt(attacker, owner.email, WRONG))
    # The sixth is refused before the password is looked at, even the right one.
    response = attempt(attacker, owner.email, PASSWORD)
    assert refused(response) and not signed_in(attacker)
    assert reverse("account_reset_password") in response.content.decode()

    elsewhere = Client()
    assert attempt(elsewhere, owner.email, PASSWORD, address="192.0.2.44").status_code == 302


def test_one_address_gets_twenty_failures_across_accounts(owner):
    attacker = Client()
    for n in range(20):
        assert wrong_password(attempt(attacker, f"person{n}@example.org", WRONG))
    assert refused(attempt(attacker, owner.email, PASSWORD))
    assert not signed_in(attacker)
    assert attempt(Client(), owner.email, PASSWORD, address="192.0.2.44").status_code == 302


def test_a_rotating_forwarded_for_header_gives_no_fresh_attempts(owner):
    attacker = Client()
    for n in range(20):
        spoofed = {"HTTP_X_FORWARDED_FOR": f"10.0.{n}.1"}
        assert wrong_password(attempt(attacker, f"person{n}@example.org", WRONG, **spoofed))
    response = attempt(attacker, owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert refused(response)


def test_behind_a_trusted_proxy_the_forwarded_address_counts(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    attacker = Client()
    for _ in range(5):
        forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
        assert wrong_password(attempt(attacker, owner.email, WRONG, address=proxy, **forwarded))
    assert refused(
        attempt(attacker, owner.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    )
    # Another visitor through the same proxy is someone else.
    other = Client()
    forwarded = {"HTTP_X_FORWARDED_FOR": "192.0.2.44"}
    assert attempt(other, owner.email, PASSWORD, address=proxy, **forwarded).status_code == 302


def test_a_forged_device_cookie_is_not_a_known_device(owner):
    from consultations import login_policy

    attack(owner.email)
    forger = Client()
    forger.cookies[login_policy.DEVICE_COOKIE] = login_policy._device_token(owner.email)
    response = attempt(forger, owner.email, PASSWORD, address="192.0.2.44")
    assert not signed_in(forger)
    assert "reset your password" in response.content.decode()


def test_the_messages_are_german_by_default(owner, settings):
    settings.LANGUAGE_CODE = "de"
    attacker = Client()
    for _ in range(5):
        attempt(attacker, owner.email, WRONG)
    html = attempt(attacker, owner.email, PASSWORD).content.decode()
    assert "Zu viele gescheiterte Anmeldeversuche für dieses Konto" in html
    assert "setzen Sie Ihr Passwort zurück" in html


def test_rotating_through_an_ipv6_64_gives_no_fresh_attempts(owner):
    attacker = Client()
    for n in range(5):
        address = f"2001:db8:1:2::{n + 1:x}"
        assert wrong_password(attempt(attacker, owner.email, WRONG, address=address))
    assert refused(attempt(attacker, owner.email, PASSWORD, address="2001:db8:1:2::ff"))
    assert attempt(Client(), owner.email, PASSWORD, address="2001:db8:1:3::1").status_code == 302
