import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import translation

from consultations.actions.accounts import delete_account, update_profile
from consultations.exports import personal_data_export
from consultations.models import ConsultationMembership, User
from tests.factories import PASSWORD, add_member, make_consultation, make_district, make_user
from tests.tasks_in_process import commit_each_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """Account mails leave after the commit (from the worker): let each request commit."""
    return commit_each_request(client, django_capture_on_commit_callbacks)


SIGNUP = {
    "email": "clara@example.org",
    "password1": "ein-sicheres-passwort-123",
    "password2": "ein-sicheres-passwort-123",
    "pseudonym": "Clara_K",
    "accept_privacy": "on",
}


def signup(client, **overrides):
    return client.post(reverse("account_signup"), {**SIGNUP, **overrides})


def test_signup_sends_verification_and_needs_it_before_login(client):
    district = make_district("Nordstadt")
    response = signup(client, district=district.pk)
    assert response.status_code == 302

    user = User.objects.get(email="clara@example.org")
    assert user.pseudonym == "Clara_K"
    assert user.district == district
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", mail.outbox[0].body).group(0)

    client.logout()
    login = client.post(
        reverse("account_login"),
        {"login": "clara@example.org", "password": SIGNUP["password1"]},
    )
    # Unverified: allauth sends them to "verify your e-mail" instead of logging them in.
    assert "_auth_user_id" not in client.session
    assert login.status_code == 302

    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.post("/" + path)
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pseudonym": "ab"}, "at least 3"),
        ({"pseudonym": "clara@example.org"}, "must not contain an e-mail"),
        ({"accept_privacy": ""}, "required"),
        ({"password2": "something-else-123"}, "same password"),
        ({"email": "not-an-address"}, "valid email"),
    ],
)
def test_bad_signup_input_explains_and_creates_nothing(client, overrides, message, settings):
    settings.LANGUAGE_CODE = "en"
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not User.objects.exists()
    assert len(mail.outbox) == 0


def test_pseudonym_must_be_unique_ignoring_case(client, settings):
    settings.LANGUAGE_CODE = "en"
    make_user(pseudonym="Clara_K")
    response = signup(client, pseudonym="clara_k")
    assert "already taken" in response.content.decode()
    assert User.objects.count() == 1


def test_markup_in_a_pseudonym_is_refused_not_stripped(client):
    """`<b>x</b>` used to become the one-character name "x", below the minimum."""
    response = signup(client, pseudonym="<b>x</b>")
    assert response.status_code == 200
    assert "nicht: „&lt;“, „&gt;“, „/“" in response.content.decode()
    assert not User.objects.exists()


def test_signup_stores_the_normal_form_of_the_pseudonym(client):
    signup(client, pseudonym="  Ｃｌａｒａ \u200b  K ")
    assert User.objects.get(email=SIGNUP["email"]).pseudonym == "Clara K"


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [
        ("Mоderation", "Zeichen 2 („о“) ist kyrillisch, die übrigen sind lateinisch."),
        ("Stadt Musterstadt", "„Stadt“ ist der Stadt und dieser Plattform vorbehalten."),
        ("Moderation", "„Moderation“ ist der Stadt und dieser Plattform vorbehalten."),
        ("Clara K", "Dieser öffentliche Name ist „Clara_K“ zum Verwechseln ähnlich"),
    ],
)
def test_lookalike_and_reserved_pseudonyms_are_refused_at_signup(client, pseudonym, message):
    make_user(email="first@example.org", pseudonym="Clara_K")
    response = signup(client, pseudonym=pseudonym)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    # The message belongs to the field: screen readers announce it with the input.
    assert 'aria-describedby="id_pseudonym_helptext id_pseudonym_error"' in html
    assert User.objects.count() == 1


def test_profile_update_and_public_name():
    user = make_user(pseudonym="Anna")
    update_profile(
        user=user, pseudonym="Anna_A", first_name="Anna", last_name="Adler", show_real_name=False
    )
    assert user.public_name == "Anna_A"
    update_profile(
        user=user, pseudonym="Anna_A", first_name="Anna", last_name="Adler", show_real_name=True
    )
    user.refresh_from_db()
    assert user.public_name == "Anna Adler (Anna_A)"


def test_signup_race_for_a_lookalike_name_gives_a_message_not_an_error(client, monkeypatch):
    """Two sign-ups with look-alike names at once: the unique key decides, the loser is told."""
    from consultations import pseudonyms

    make_user(email="first@example.org", pseudonym="Clara_K")
    monkeypatch.setattr(pseudonyms, "check_available", lambda name, exclude_pk=None: None)
    response = client.post(
        reverse("account_signup") + "?next=/beteiligungen/x/",
        {**SIGNUP, "pseudonym": "Clara K", "next": "/beteiligungen/x/"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieser öffentliche Name ist bereits vergeben." in html
    assert 'name="next" value="/beteiligungen/x/"' in html
    assert User.objects.count() == 1
    assert len(mail.outbox) == 0


def test_profile_refuses_a_lookalike_of_someone_else_with_a_message(client):
    make_user(pseudonym="Ben_Nordstadt")
    user = make_user(pseudonym="Anna")
    client.force_login(user)
    response = client.post(reverse("profile"), {"pseudonym": "Ben Nordstadt", "district": ""})
    assert response.status_code == 200
    assert "ist „Ben_Nordstadt“ zum Verwechseln ähnlich" in response.content.decode()
    user.refresh_from_db()
    assert user.pseudonym == "Anna"


@pytest.mark.parametrize(("new_name", "saved"), [("Moderation", True), ("Admin", False)])
def test_profile_keeps_an_official_name_but_refuses_a_new_reserved_one(client, new_name, saved):
    """The moderation team's account may keep "Moderation"; nobody may pick "Admin"."""
    user = make_user(pseudonym="Moderation")
    client.force_login(user)
    response = client.post(
        reverse("profile"), {"pseudonym": new_name, "first_name": "Mo", "district": ""}
    )
    user.refresh_from_db()
    assert (response.status_code == 302) is saved
    assert (user.first_name == "Mo") is saved
    if not saved:
        assert "„Admin“ ist der Stadt und dieser Plattform vorbehalten" in (
            response.content.decode()
        )


def test_profile_race_for_a_lookalike_name_gives_a_message_not_an_error(client, monkeypatch):
    """Two people saving look-alike names at once: the database decides, the loser is told."""
    from consultations import pseudonyms

    user = make_user(pseudonym="Anna")
    client.force_login(user)
    monkeypatch.setattr(pseudonyms, "check_available", lambda name, exclude_pk=None: None)
    make_user(pseudonym="Ben_K")
    response = client.post(reverse("profile"), {"pseudonym": "Ben K", "district": ""})
    assert response.status_code == 200
    assert "bereits vergeben" in response.content.decode()


def test_profile_view_saves_and_requires_login(client):
    assert client.get(reverse("profile")).status_code == 302
    user = make_user(pseudonym="Anna")
    client.force_login(user)
    response = client.post(
        reverse("profile"),
        {"pseudonym": "Anna_Neu", "first_name": "", "last_name": "", "district": ""},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.pseudonym == "Anna_Neu"


def test_export_contains_what_we_store_and_nothing_of_others(client):
    district = make_district("Altstadt")
    user = make_user(email="anna@example.org", pseudonym="Anna", district=district)
    other = make_user(email="ben@example.org", pseudonym="Ben")
    consultation = make_consultation(title="Stadthalle")
    add_member(consultation, user, ConsultationMembership.Role.MODERATOR)
    client.force_login(user)

    response = client.get(reverse("export_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "anna@example.org"
    assert data["account"]["district"] == "Altstadt"
    assert data["email_addresses"] == [
        {"email": "anna@example.org", "verified": True, "primary": True}
    ]
    assert data["consultation_roles"] == [{"consultation": "Stadthalle", "role": "moderator"}]
    assert other.email not in response.content.decode()


def test_export_contains_the_page_kept_for_after_confirming():
    user = make_user(signup_next="/beteiligungen/stadthalle/")
    data = personal_data_export(user)
    assert data["account"]["page_to_return_to_after_confirming"] == "/beteiligungen/stadthalle/"


def test_deletion_removes_personal_data_and_keeps_the_row():
    user = make_user(email="anna@example.org", pseudonym="Anna", groups=("Editors",))
    user.first_name, user.last_name = "Anna", "Adler"
    user.save()
    add_member(make_consultation(), user, ConsultationMembership.Role.MODERATOR)

    delete_account(user=user)

    user.refresh_from_db()
    assert user.is_deleted and not user.is_active
    with translation.override("en"):
        assert user.public_name == "deleted account"
    assert "anna" not in user.email.lower()
    assert (user.first_name, user.last_name, user.district) == ("", "", None)
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not ConsultationMembership.objects.filter(user=user).exists()
    export = personal_data_export(user)
    assert "Anna" not in json.dumps(export)


def test_delete_view_needs_the_password_and_logs_out_everywhere(client):
    user = make_user()
    other_device = type(client)()
    other_device.force_login(user)
    client.force_login(user)

    wrong = client.post(reverse("delete_account"), {"password": "wrong", "confirm": "on"})
    assert wrong.status_code == 200
    user.refresh_from_db()
    assert not user.is_deleted

    right = client.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.is_deleted
    assert "_auth_user_id" not in client.session
    assert other_device.get(reverse("profile")).status_code == 302


def test_deleted_email_can_sign_up_again(client):
    delete_account(user=make_user(email="clara@example.org", pseudonym="Clara_K"))
    response = signup(client)
    assert response.status_code == 302
    assert User.objects.filter(email="clara@example.org", deleted_at__isnull=True).count() == 1


def test_deletion_removes_the_persons_notices_and_language():
    from consultations.actions.notices import send_notice
    from consultations.models import Notification

    user = make_user()
    user.preferred_language = "en"
    user.save()
    send_notice(recipient_id=user.pk, kind="comment_approved")
    other = make_user()
    send_notice(recipient_id=other.pk, kind="comment_approved")

    delete_account(user=user)

    user.refresh_from_db()
    assert user.preferred_language == ""
    assert not Notification.objects.filter(recipient=user).exists()
    assert Notification.objects.filter(recipient=other).count() == 1
