"""Public names: normalisation, the rules a name must meet and look-alike detection (issue 8.4)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from wagtail.models import Site

from consultations import pseudonyms, site_identity
from consultations.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def reason(raw, **kwargs):
    """The error code validate() gives for ``raw`` (None when the name is accepted)."""
    try:
        pseudonyms.validate(raw, **kwargs)
    except ValidationError as error:
        return error.error_list[0].code
    return None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  Anna \t  Adler ", "Anna Adler"),
        ("Ａｎｎａ", "Anna"),  # full-width letters (NFKC)
        ("An\u200bna\u202e", "Anna"),  # zero-width space, right-to-left override
        ("Jürgen", "Jürgen"),
        ("Ju\u0308rgen", "Jürgen"),  # decomposed umlaut
    ],
)
def test_names_are_normalised_before_anything_else(raw, normalised):
    assert pseudonyms.normalise(raw) == normalised
    assert pseudonyms.validate(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "Anna aus der Altstadt",
        "Ben_Nordstadt",
        "Anna-Lena K.",
        "O'Brien",
        "Иван Петров",
        "Ελένη",
        "山田 はなこ",
        "Badminton4ever",
        "Moderato",
    ],
)
def test_ordinary_names_are_accepted(raw):
    assert reason(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Mоderation", "mixed_scripts"),  # Cyrillic о
        ("Аnna", "mixed_scripts"),  # Cyrillic А
        ("Anna Ιωάννα", "mixed_scripts"),  # Latin and Greek in one name
        ("<b>x</b>", "characters"),
        ("<b>Clara</b>", "characters"),
        ("Anna 😀", "characters"),
        ("Anna _\u0301x", "characters"),  # an accent on nothing
        ("x", "too_short"),
        ("  ab   ", "too_short"),
        ("A" * 41, "too_long"),
        ("clara@example.org", "email"),
        ("12345", "no_letter"),
        ("___", "no_letter"),
        ("", "required"),
        ("   ", "required"),
    ],
)
def test_broken_names_say_what_is_wrong(raw, code):
    assert reason(raw) == code


@pytest.mark.parametrize(
    "raw",
    [
        "Moderation",
        "MODERATOR",
        "moderatorin",
        "Stadt Musterstadt",
        "Admin",
        "Admin1",
        "Admin_Anna",
        "AnnaAdmin",
        "Ädmin",
        "Adm1n",
        "M o d e r a t i o n",
        "Rnoderation",
        "Redaktion",
        "Administrator",
        "Stadtverwaltung",
        "Rathaus",
        "Mitreden",
        "Team Mitreden",
        "deleted-12",
        "Gelöschtes Konto",
    ],
)
def test_reserved_words_and_their_look_alikes_are_refused(raw):
    assert reason(raw) == "reserved"


def test_staff_paths_may_assign_reserved_names_but_not_broken_ones():
    assert reason("Moderation", allow_reserved=True) is None
    assert reason("Mоderation", allow_reserved=True) == "mixed_scripts"


def test_the_platform_name_from_the_site_settings_is_reserved(settings):
    settings.WAGTAIL_SITE_NAME = "Beteiligung"
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Musterstadt redet mit"
    site.save()
    assert reason("Beteiligung") == "reserved"
    assert reason("Musterstadt redet mit") == "reserved"
    assert reason("Musterstadt-Redet-Mit") == "reserved"
    assert reason("Redet mit") is None


def test_names_registered_by_another_app_are_reserved():
    """cms registers the town's name from its site settings (consultations cannot import it)."""
    assert reason("Bad Homburg") is None
    site_identity.register_site_names(lambda: ["Bad Homburg"])
    try:
        assert reason("Bad Homburg") == "reserved"
        assert reason("Bad_Homburg Info") == "reserved"
        assert reason("BadHomburg") == "reserved"
    finally:
        site_identity.unregister_site_names_for_tests()


@pytest.mark.parametrize(
    ("existing", "raw", "code"),
    [
        ("Anna_K", "anna_k", "taken"),
        ("Anna_K", "ANNA_K", "taken"),
        ("Anna_K", "Anna K", "confusable"),
        ("Anna_K", "Anna-K", "confusable"),
        ("Ilse", "llse", "confusable"),
        ("Ben0", "BenO", "confusable"),
        ("Lena", "1ena", "confusable"),
        ("Papa", "Рара", "confusable"),  # all Cyrillic: one script, still a look-alike
        ("Jürgen", "Jurgen", "confusable"),
        ("Anna", "Anna B", None),
    ],
)
def test_names_that_look_like_an_existing_one_are_refused(existing, raw, code):
    make_user(pseudonym=existing)
    try:
        pseudonyms.check_available(pseudonyms.normalise(raw))
    except ValidationError as error:
        assert error.error_list[0].code == code
    else:
        assert code is None


def test_own_name_does_not_count_as_taken():
    user = make_user(pseudonym="Anna_K")
    pseudonyms.check_available("Anna K", exclude_pk=user.pk)


def test_the_database_refuses_two_look_alike_names():
    """A race between two sign-ups cannot create confusable names: the key is unique."""
    make_user(pseudonym="Anna_K")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="other@example.org", password="x", pseudonym="anna k")


def test_key_is_stored_on_every_save():
    user = make_user(pseudonym="Anna_K")
    assert user.pseudonym_key == pseudonyms.key("Anna_K")
    user.pseudonym = "Ben"
    user.save(update_fields=["pseudonym"])
    user.refresh_from_db()
    assert user.pseudonym_key == pseudonyms.key("Ben")


def test_scripts_and_accounts_go_through_the_same_rules():
    """The manager (createsuperuser, the demo loader, scripts) normalises and validates too."""
    user = User.objects.create_user(email="a@example.org", password="x", pseudonym="  Anna   B ")
    assert user.pseudonym == "Anna B"
    with pytest.raises(ValidationError):
        User.objects.create_user(email="b@example.org", password="x", pseudonym="Mоderation")
    # Staff accounts of the demo are called "Moderation" and "Redaktion" on purpose.
    assert User.objects.create_user(
        email="m@example.org", password="x", pseudonym="Moderation"
    ).pseudonym == ("Moderation")


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("Mоderation", "kyrillisch"),
        ("<b>x</b>", "<"),
        ("ab", "mindestens 3"),
        ("Stadt Musterstadt", "„Stadt“"),
        ("12345", "Buchstaben"),
    ],
)
def test_messages_are_german_and_formal(raw, needle):
    with translation.override("de"):
        with pytest.raises(ValidationError) as caught:
            pseudonyms.validate(raw)
        message = caught.value.messages[0]
    assert needle in message
    assert " du " not in f" {message.lower()} " and " dein" not in message.lower()


# --- The Wagtail admin --------------------------------------------------------------------

ADMIN_USER = {
    "email": "neu@example.org",
    "first_name": "Neu",
    "last_name": "Person",
    "password1": "ein-sicheres-passwort-123",
    "password2": "ein-sicheres-passwort-123",
}


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(superuser=True, is_staff=True))
    return client


def test_admin_asks_for_a_public_name_and_accounts_no_longer_collide_on_an_empty_one(
    admin_client,
):
    """Accounts made in the admin had an empty public name; the second one was a 500."""
    from django.urls import reverse

    form = admin_client.get(reverse("wagtailusers_users:add"))
    assert 'name="pseudonym"' in form.content.decode()
    for n, name in enumerate(["  Team   Nordstadt ", "Redaktion"]):
        response = admin_client.post(
            reverse("wagtailusers_users:add"),
            {**ADMIN_USER, "email": f"neu{n}@example.org", "pseudonym": name},
        )
        assert response.status_code == 302
    assert User.objects.get(email="neu0@example.org").pseudonym == "Team Nordstadt"
    # Staff may name an official account with a reserved word on purpose.
    assert User.objects.get(email="neu1@example.org").pseudonym == "Redaktion"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Mоderation", "Zeichen 2 („о“) ist kyrillisch"),
        ("anna k", "ist „Anna_K“ zum Verwechseln ähnlich"),
        ("Anna_K", "bereits vergeben"),
        ("", "Bitte geben Sie einen öffentlichen Namen ein."),
    ],
)
def test_admin_refuses_broken_and_lookalike_names_with_a_message(admin_client, name, message):
    from django.urls import reverse

    make_user(pseudonym="Anna_K")
    with translation.override("de"):
        add = admin_client.post(
            reverse("wagtailusers_users:add"), {**ADMIN_USER, "pseudonym": name}
        )
    assert add.status_code == 200
    assert message in html_text(add)
    assert not User.objects.filter(email=ADMIN_USER["email"]).exists()

    person = make_user(pseudonym="Ben")
    with translation.override("de"):
        edit = admin_client.post(
            reverse("wagtailusers_users:edit", args=[person.pk]),
            {**ADMIN_USER, "is_active": "on", "pseudonym": name},
        )
    assert edit.status_code == 200
    assert message in html_text(edit)
    person.refresh_from_db()
    assert person.pseudonym == "Ben"


def html_text(response) -> str:
    import html

    return html.unescape(response.content.decode())
