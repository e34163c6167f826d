"""The council rules as a role table, and the visibility table: council state × viewer ×
every way in (public page, page block's rule, admin listing/edit, personal data export).
The expected sets are written out, never recomputed from the rules."""

import datetime

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from wagtail.models import ModelLogEntry

from consultations import roles
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.accounts import delete_account
from consultations.actions.councils import (
    change_council,
    create_council,
    delete_council,
    grant_organiser,
    revoke_organiser,
    set_stratification,
)
from consultations.admin.base import visible_in_admin
from consultations.models import Consultation, Council, CouncilOrganiser
from consultations.modules.councils import COUNCIL
from tests.consultations.councils.conftest import council_fields
from tests.factories import add_member, make_consultation, make_user

COUNCIL_PERMISSIONS = {
    "consultations.organise_council",
    "consultations.view_council",
    "consultations.add_council",
    "consultations.change_council",
    "consultations.delete_council",
}

VIEWERS = [
    "anonymous",
    "resident",
    "participant",
    "editor",
    "other_organiser",  # in the group, organises another council
    "organiser",  # organises this council
    "former_organiser",  # organiser row, but left the group
    "admin",
]
STATES = ["draft", "published"]
ORGANISERS = {"organiser", "admin"}
# state × consultation visibility → who sees the council (page, block, admin row).
SEES = {
    ("draft", "public"): ORGANISERS,
    ("draft", "private"): ORGANISERS,
    ("published", "public"): set(VIEWERS),
    ("published", "private"): {"participant", "editor", "organiser", "admin"},
}
# Who may open the admin listing of councils (model level).
ADMIN_LISTING = {"other_organiser", "organiser", "admin"}


def make_viewer(role, council):
    if role == "anonymous":
        return AnonymousUser()
    if role == "resident":
        return make_user()
    if role == "participant":
        user = make_user()
        add_member(council.consultation, user, "participant")
        return user
    if role == "editor":
        return make_user(groups=(roles.EDITORS,))
    if role == "other_organiser":
        user = make_user(groups=(roles.COUNCIL_ORGANISERS,))
        create_council(
            organiser=user, consultation=make_consultation(), **council_fields(title="Anderer Rat")
        )
        return user
    if role == "organiser":
        user = make_user(groups=(roles.COUNCIL_ORGANISERS,))
        CouncilOrganiser.objects.create(council=council, user=user)
        return user
    if role == "former_organiser":
        user = make_user()
        CouncilOrganiser.objects.create(council=council, user=user)
        return user
    if role == "admin":
        return make_user(superuser=True)
    raise AssertionError(role)


def make_council(state, visibility):
    # An admin sets it up (a council organiser sees only public consultations to choose).
    creator = make_user(superuser=True)
    consultation = make_consultation(visibility=visibility)
    council = create_council(
        organiser=creator, consultation=consultation, **council_fields(status=state)
    )
    return Council.objects.get(pk=council.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", [Consultation.Visibility.PUBLIC, "private"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", VIEWERS)
def test_visibility_table(client, state, visibility, role):
    visibility = "private" if visibility == "private" else "public"
    council = make_council(
        state,
        Consultation.Visibility.PRIVATE
        if visibility == "private"
        else Consultation.Visibility.PUBLIC,
    )
    viewer = make_viewer(role, council)
    sees = role in SEES[(state, visibility)]
    where = (state, visibility, role)
    # The rule (asked by the page, the page block and the admin's instance views).
    assert rules.has_perm("consultations.view_council", viewer, council) is sees, where
    assert COUNCIL.can_view(viewer, council) is sees, where
    # Lists agree with the detail (the admin listing and chooser use ``visible``).
    listed = COUNCIL.visible(Council.objects.all(), viewer).filter(pk=council.pk).exists()
    assert listed is sees, where
    assert visible_in_admin(Council.objects.all(), viewer).filter(pk=council.pk).exists() is sees
    # The public page: found or "not found", never a 500.
    if role != "anonymous":
        client.force_login(viewer)
    response = client.get(reverse("council_detail", args=[council.pk]))
    assert response.status_code == (200 if sees else 404), where
    if sees:
        assert council.question in response.content.decode()
    # The admin: only organisers (of this council) and admins change it.
    may_change = role in ORGANISERS
    assert rules.has_perm("consultations.change_council", viewer, council) is may_change, where
    assert rules.has_perm("consultations.organise_council", viewer, council) is may_change
    edit = client.get(reverse("wagtailsnippets_consultations_council:edit", args=[council.pk]))
    assert (edit.status_code == 200) is may_change, where
    listing = client.get(reverse("wagtailsnippets_consultations_council:list"))
    assert (listing.status_code == 200) is (role in ADMIN_LISTING), where
    if listing.status_code == 200:
        assert (council.title in listing.content.decode()) is sees, where


@pytest.mark.django_db
def test_rule_table_without_a_council():
    council = make_council("draft", Consultation.Visibility.PUBLIC)
    expected = {
        "consultations.add_council": {"other_organiser", "organiser", "admin"},
        "consultations.view_council": {"other_organiser", "organiser", "admin"},
        "consultations.change_council": {"other_organiser", "organiser", "admin"},
        "consultations.delete_council": {"other_organiser", "organiser", "admin"},
        "consultations.organise_council": {"admin"},
    }
    for role in VIEWERS:
        viewer = make_viewer(role, council)
        for name, allowed in expected.items():
            assert rules.has_perm(name, viewer) is (role in allowed), (role, name)
            if name == "consultations.delete_council":
                assert rules.has_perm(name, viewer, council) is (role in ORGANISERS), role


@pytest.mark.django_db
def test_the_personal_data_export_and_account_deletion(client, council, organiser):
    data = COUNCIL.personal_data(organiser)
    assert [role["council"] for role in data["council_organiser_roles"]] == [council.title]
    assert COUNCIL.personal_data(make_user()) == {"council_organiser_roles": []}
    other = make_user(groups=(roles.COUNCIL_ORGANISERS,))
    grant_organiser(organiser=organiser, council=council, user=other)
    delete_account(user=other)
    assert not CouncilOrganiser.objects.filter(user=other).exists()


@pytest.mark.django_db
def test_council_actions_check_validate_and_log_once(organiser):
    consultation = make_consultation()
    resident = make_user()
    with pytest.raises(PermissionDenied):
        create_council(organiser=resident, consultation=consultation, **council_fields())
    for bad in (
        {"title": ""},
        {"question": "   "},
        {"panel_size": 0},
        {"panel_size": "zehn"},
        {"quota_tolerance": 11},
        {"status": "gone"},
        {"personal_data_deleted_on": None},
        {
            "registration_until": datetime.date(2027, 3, 1),
            "invitations_on": datetime.date(2027, 4, 1),
        },
        {
            "sessions_until": datetime.date(2028, 3, 1),
            "personal_data_deleted_on": datetime.date(2028, 1, 1),
        },
    ):
        with pytest.raises(ActionError):
            create_council(organiser=organiser, consultation=consultation, **council_fields(**bad))
    assert not Council.objects.exists()
    council = create_council(organiser=organiser, consultation=consultation, **council_fields())
    assert list(council.organisers.all()) == [organiser]
    set_stratification(
        organiser=organiser,
        council=council,
        categories=[
            {
                "name": "Geschlecht",
                "values": [
                    {"name": "Frauen", "population": "51"},
                    {"name": "Männer", "population": "49"},
                ],
            }
        ],
    )
    changed = change_council(
        organiser=organiser, council=council, **council_fields(panel_size=20, title="Neu")
    )
    assert changed.title == "Neu"
    women = changed.categories.get().values.get(name="Frauen")
    assert (women.min_seats, women.max_seats) == (9, 12)  # 10.2 seats ± 1, re-derived
    with pytest.raises(ActionError):
        change_council(
            organiser=organiser,
            council=council,
            consultation=make_consultation(),
            **council_fields(),
        )
    colleague = make_user(groups=(roles.COUNCIL_ORGANISERS,))
    with pytest.raises(ActionError):  # not in the group
        grant_organiser(organiser=organiser, council=council, user=make_user())
    with pytest.raises(PermissionDenied):
        grant_organiser(organiser=colleague, council=council, user=colleague)
    role = grant_organiser(organiser=organiser, council=council, user=colleague)
    with pytest.raises(ActionError):
        grant_organiser(organiser=organiser, council=council, user=colleague)
    assert rules.has_perm("consultations.change_council", colleague, council)
    first = CouncilOrganiser.objects.get(council=council, user=organiser)
    revoke_organiser(organiser=colleague, role=first)
    with pytest.raises(ActionError):  # the last one stays
        revoke_organiser(organiser=colleague, role=role)
    organiser = type(organiser).objects.get(pk=organiser.pk)
    with pytest.raises(PermissionDenied):
        delete_council(organiser=organiser, council=council)
    delete_council(organiser=colleague, council=council)
    assert not Council.objects.exists()
    log = list(ModelLogEntry.objects.values_list("action", flat=True))
    assert log.count("wagtail.create") == 2  # the council, the second organiser
    assert log.count("wagtail.edit") == 1
    assert log.count("wagtail.delete") == 2  # the first organiser, the council
    assert log.count("mitreden.council_stratification") == 1


@pytest.mark.django_db
def test_the_admin_creates_through_the_action(client, organiser):
    consultation = make_consultation()
    client.force_login(organiser)
    url = reverse("wagtailsnippets_consultations_council:add")
    data = {
        "consultation": consultation.pk,
        "title": "Bürgerrat Quartier",
        "question": "Was braucht das Quartier am Bahnhof?",
        "description": "",
        "status": "draft",
        "panel_size": "3",
        "quota_tolerance": "5",
        "personal_data_deleted_on": "2027-12-31",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the tolerance is above the panel: shown on the form
    assert not Council.objects.exists()
    data["quota_tolerance"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302
    council = Council.objects.get()
    assert list(council.organisers.all()) == [organiser]
    assert ModelLogEntry.objects.filter(action="wagtail.create").count() == 1
