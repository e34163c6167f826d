"""create_account and grant_site_role: who may call them, what they refuse, what they log."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from wagtail.models import ModelLogEntry

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.accounts import create_account, grant_site_role
from consultations.models import User
from consultations.roles import COUNCIL_ORGANISERS, EDITORS
from tests.factories import make_district, make_user

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "clara@example.org",
    "password": "ein-sicheres-passwort-123",
    "pseudonym": "Clara_K",
    "verified": True,
}


def written() -> tuple[int, int, int]:
    return User.objects.count(), EmailAddress.objects.count(), ModelLogEntry.objects.count()


@pytest.fixture
def admin():
    return make_user(superuser=True)


def test_an_admin_creates_an_account_with_its_address_and_an_audit_entry(admin):
    district = make_district("Nordstadt")
    user = create_account(created_by=admin, district=district, **GOOD)

    assert user.check_password(GOOD["password"])
    assert (user.pseudonym, user.district, user.is_staff, user.is_superuser) == (
        "Clara_K",
        district,
        False,
        False,
    )
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("clara@example.org", True, True)
    entries = ModelLogEntry.objects.for_instance(user)
    assert list(entries.values_list("action", "user_id")) == [("wagtail.create", admin.pk)]


def test_an_unverified_account_waits_for_its_confirmation(admin):
    user = create_account(created_by=admin, **{**GOOD, "verified": False})
    assert not EmailAddress.objects.get(user=user).verified


def test_a_script_creates_the_first_admin():
    user = create_account(created_by=None, superuser=True, **GOOD)
    assert user.is_superuser and user.is_staff
    entry = ModelLogEntry.objects.for_instance(user).get()
    assert (entry.action, entry.user_id) == ("wagtail.create", None)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "clara@"}, "email"),
        ({"email": "CLARA@example.org"}, "email"),  # taken, whatever the case
        ({"email": "zweite@example.org"}, "email"),  # taken as another account's 2nd address
        ({"pseudonym": "Dora"}, "pseudonym"),  # taken
        ({"pseudonym": "D0ra"}, "pseudonym"),  # a look-alike
        ({"password": "kurz"}, "password"),
        ({"password": "clara@example.org"}, "password"),
    ],
)
def test_refused_input_writes_nothing(admin, overrides, code):
    other = make_user(email="clara@example.org", pseudonym="Dora")
    EmailAddress.objects.create(user=other, email="zweite@example.org", verified=True)
    before = written()
    with pytest.raises(ActionError) as refused:
        create_account(created_by=admin, **{**GOOD, "email": "neu@example.org", **overrides})
    assert refused.value.code == code
    assert written() == before


def test_demo_data_skips_only_the_password_validators(admin):
    user = create_account(
        created_by=admin,
        **{**GOOD, "email": "anna@mitreden.test", "password": "mitreden-demo"},
        demo_data=True,
    )
    assert user.check_password("mitreden-demo")
    with pytest.raises(ActionError) as refused:
        create_account(created_by=admin, **{**GOOD, "email": "kaputt@"}, demo_data=True)
    assert refused.value.code == "email"


def test_nothing_is_half_written_when_the_address_cannot_be_saved(admin, monkeypatch):
    def fail(**fields):
        raise IntegrityError("the address was taken a moment ago")

    monkeypatch.setattr(EmailAddress.objects, "create", fail)
    before = written()
    with pytest.raises(ActionError):
        create_account(created_by=admin, **GOOD)
    assert written() == before


def test_who_may_add_users_creates_accounts_but_only_admins_make_staff():
    clerk = make_user()
    clerk.user_permissions.add(Permission.objects.get(codename="add_user"))
    clerk = User.objects.get(pk=clerk.pk)  # without the cached permissions
    with pytest.raises(PermissionDenied):
        create_account(created_by=make_user(groups=(EDITORS,)), **GOOD)
    for flag in ("staff", "superuser"):
        with pytest.raises(PermissionDenied):
            create_account(created_by=clerk, **{flag: True}, **GOOD)
    assert not User.objects.filter(email=GOOD["email"]).exists()
    assert not create_account(created_by=clerk, **GOOD).is_staff


def test_an_admin_grants_a_site_role_once(admin):
    person = make_user()
    grant_site_role(admin=admin, user=person, role=COUNCIL_ORGANISERS)
    grant_site_role(admin=admin, user=person, role=COUNCIL_ORGANISERS)  # already: nothing

    assert list(person.groups.values_list("name", flat=True)) == [COUNCIL_ORGANISERS]
    entry = ModelLogEntry.objects.for_instance(person).get()
    assert (entry.action, entry.user_id, entry.data) == (
        "wagtail.edit",
        admin.pk,
        {"site_role": COUNCIL_ORGANISERS},
    )


def test_site_roles_are_refused_to_others_and_for_unknown_roles(admin):
    person = make_user()
    with pytest.raises(PermissionDenied):
        grant_site_role(admin=make_user(), user=person, role=EDITORS)
    with pytest.raises(ActionError) as refused:
        grant_site_role(admin=admin, user=person, role="Wizards")
    assert refused.value.code == "role"
    assert not person.groups.exists()
