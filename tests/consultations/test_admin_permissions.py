"""The Wagtail admin asks the named rules (issue 9, items 2 and 3).

A table: role × viewset × admin view (index, add, edit, delete, inspect where enabled) →
allowed or refused, and the "Participation" menu shows exactly the listings a role may open.
Superusers get what the rules say. Deleting, one at a time or in bulk, goes through the delete
actions: one audit entry per deletion, the same live events as the action (none), and a
refused deletion changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page
from wagtail.permissions import policy_registry

from cms.models import ConsultationIndexPage, ConsultationPage, HomePage
from consultations import realtime, roles
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.consultations import delete_consultation, delete_discussion
from consultations.actions.councils import create_council
from consultations.actions.discussions import post_comment
from consultations.actions.memberships import revoke_role
from consultations.actions.moderation import block_user, hide_comment
from consultations.actions.places import delete_district, delete_topic
from consultations.actions.polls import create_poll
from consultations.actions.surveys import create_survey
from consultations.actions.word_list import delete_blocked_word
from consultations.admin import views as admin_views
from consultations.admin.permissions import RulesPermissionPolicy
from consultations.admin.viewsets import ParticipationViewSetGroup
from consultations.models import (
    BlockedWord,
    Consultation,
    ConsultationMembership,
    Discussion,
    District,
    LiveEvent,
    ModerationDecision,
    Topic,
    UserBlock,
)
from tests.consultations.councils.conftest import council_fields
from tests.consultations.discussions.conftest import SentEvents
from tests.factories import (
    add_member,
    make_consultation,
    make_discussion,
    make_district,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "editor",
    "site_moderator",
    "consultation_moderator",
    "council_organiser",
    "superuser",
]

MODELS = [
    "topic",
    "district",
    "consultation",
    "consultationmembership",
    "discussion",
    "blockedword",
    "userblock",
    "moderationdecision",
    "survey",
    "quickpoll",
    "council",
]
SET_UP_BY_EDITORS = {
    "topic",
    "district",
    "consultation",
    "consultationmembership",
    "discussion",
    "survey",
    "quickpoll",
}
WRITTEN_ONLY_BY_ACTIONS = {"userblock", "moderationdecision"}
VIEWS = ["index", "add", "edit", "delete", "inspect"]


def allowed(role: str, model: str, view: str) -> bool:
    """The spec: which role may open which admin view (the rules, read as a table)."""
    if role == "superuser":
        return model not in WRITTEN_ONLY_BY_ACTIONS or view in {"index", "inspect"}
    if role == "editor":
        return model in SET_UP_BY_EDITORS
    if role == "site_moderator":
        if model == "blockedword":
            return True
        if model in WRITTEN_ONLY_BY_ACTIONS:
            return view in {"index", "inspect"}
        # They moderate every consultation: they see the listings of consultations and
        # discussions (``view_consultation``/``view_discussion``), and change neither.
        return model in {"consultation", "discussion"} and view == "index"
    if role == "council_organiser":
        # They may create councils; organising one is per council (the table's council is
        # another organiser's: tests/consultations/councils/ for their own).
        return model == "council" and view in {"index", "add"}
    # No admin access: anonymous, residents, and the roles that are per consultation or
    # outside the admin (a consultation's moderator works in the moderation queue).
    return False


def make_role(role: str, consultation: Consultation):
    if role == "anonymous":
        return AnonymousUser()
    if role == "resident":
        return make_user()
    if role == "editor":
        return make_user(groups=(roles.EDITORS,), is_staff=True)
    if role == "site_moderator":
        return make_user(groups=(roles.SITE_MODERATORS,))
    if role == "consultation_moderator":
        user = make_user()
        add_member(consultation, user, ConsultationMembership.Role.MODERATOR)
        return user
    if role == "council_organiser":
        return make_user(groups=(roles.COUNCIL_ORGANISERS,))
    if role == "superuser":
        return make_user(superuser=True)
    raise AssertionError(role)


@pytest.fixture
def objects():
    """One of each, none in use elsewhere (so each may be deleted)."""
    consultation = make_consultation(title="Neuer Marktplatz")
    moderator = make_user(groups=(roles.SITE_MODERATORS,))
    commented = make_discussion(consultation, title="Mit Beiträgen")
    comment = post_comment(author=make_user(), discussion=commented, text="Laut.")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="")
    block = block_user(
        moderator=moderator,
        user=comment.author,
        consultation=None,
        until=timezone.now() + timedelta(days=7),
        reason="insult",
    )
    return {
        "topic": make_topic("Wasser"),
        "district": make_district("Südstadt"),
        "consultation": make_consultation(title="Ohne Seite"),
        "consultationmembership": add_member(
            consultation, make_user(), ConsultationMembership.Role.PARTICIPANT
        ),
        "discussion": make_discussion(consultation, title="Leer"),
        "blockedword": BlockedWord.objects.create(phrase="Depp"),
        "userblock": block,
        "moderationdecision": ModerationDecision.objects.first(),
        "survey": _survey(consultation),
        "quickpoll": _poll(),
        "council": _council(consultation),
        "_consultation": consultation,
    }


def _survey(consultation):
    """A survey built by an editor who then leaves (the tables count the people with roles)."""
    builder = make_user(groups=(roles.EDITORS,))
    survey = create_survey(editor=builder, consultation=consultation, title="Leer")
    builder.delete()
    return survey


def _council(consultation):
    """A published council set up by an organiser who then leaves."""
    builder = make_user(groups=(roles.COUNCIL_ORGANISERS,))
    council = create_council(
        organiser=builder, consultation=consultation, **council_fields(status="published")
    )
    builder.delete()
    return council


def _poll():
    builder = make_user(groups=(roles.EDITORS,))
    now = timezone.now()
    poll = create_poll(
        editor=builder,
        question="Frage?",
        opens=now,
        closes=now + timedelta(days=1),
        choices=[{"label": "Ja"}, {"label": "Nein"}],
    )
    builder.delete()
    return poll


def url(model: str, view: str, instance) -> str | None:
    name = f"wagtailsnippets_consultations_{model}:{'list' if view == 'index' else view}"
    args = () if view in {"index", "add"} else (instance.pk,)
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None  # the view is not enabled for this model (inspect)


def enabled_views(model):
    return [view for view in VIEWS if url(model, view, Topic(pk=1)) is not None]


def menu_urls(content: str) -> set[str]:
    return {model for model in MODELS if url(model, "index", None) in content}


@pytest.mark.parametrize("role", ROLES)
def test_role_viewset_view_table(client, objects, role):
    user = make_role(role, objects["_consultation"])
    if role != "anonymous":
        client.force_login(user)
    admin_home = reverse("wagtailadmin_home")
    for model in MODELS:
        instance = objects[model]
        for view in enabled_views(model):
            response = client.get(url(model, view, instance))
            where = (role, model, view)
            if allowed(role, model, view):
                assert response.status_code == 200, where
            else:
                assert response.status_code == 302, where
                location = response["Location"]
                assert location.startswith((admin_home, reverse("wagtailadmin_login"))), where

    # The "Participation" menu lists exactly the listings the role may open.
    home = client.get(admin_home)
    expected_menu = {model for model in MODELS if allowed(role, model, "index")}
    if home.status_code == 200:
        assert menu_urls(home.content.decode()) == expected_menu
    else:
        assert expected_menu == set()


def test_every_participation_viewset_is_in_the_table_and_asks_the_rules():
    assert {viewset.model._meta.model_name for viewset in ParticipationViewSetGroup.items} == set(
        MODELS
    )
    for viewset in ParticipationViewSetGroup.items:
        assert isinstance(policy_registry.get_by_type(viewset.model), RulesPermissionPolicy)


def test_the_policy_agrees_with_the_rules_for_every_role_and_action(objects):
    for role in ROLES:
        user = make_role(role, objects["_consultation"])
        for model in MODELS:
            policy = policy_registry.get_by_type(type(objects[model]))
            for action in ("add", "change", "delete", "view"):
                name = f"consultations.{action}_{model}"
                expected = bool(user.is_active) and user.has_perm(name)
                assert policy.user_has_permission(user, action) is expected, (role, name)


def test_who_may_is_answered_from_the_rules(objects):
    editor = make_role("editor", objects["_consultation"])
    moderator = make_role("site_moderator", objects["_consultation"])
    admin = make_role("superuser", objects["_consultation"])
    resident = make_role("resident", objects["_consultation"])
    topics = policy_registry.get_by_type(Topic)
    assert set(topics.users_with_permission("change")) == {editor, admin}
    words = policy_registry.get_by_type(BlockedWord)
    assert {editor, moderator, admin, resident} & set(
        words.users_with_any_permission(["add", "delete"])
    ) == {moderator, admin}
    blocks = policy_registry.get_by_type(UserBlock)
    assert not blocks.users_with_permission_for_instance("delete", objects["userblock"]).exists()
    assert admin in blocks.users_with_permission("view")


def test_the_superuser_is_refused_what_the_rules_refuse(client, objects):
    admin = make_user(superuser=True)
    client.force_login(admin)
    block, decision = objects["userblock"], objects["moderationdecision"]
    for model, instance in (("userblock", block), ("moderationdecision", decision)):
        assert client.post(url(model, "delete", instance)).status_code == 302
        bulk = reverse("wagtail_bulk_action", args=("consultations", model, "delete"))
        client.post(f"{bulk}?id={instance.pk}")
    assert UserBlock.objects.filter(pk=block.pk).exists()
    assert ModerationDecision.objects.filter(pk=decision.pk).exists()
    assert not ModelLogEntry.objects.filter(action="wagtail.delete").exists()
    # Django would give a superuser every permission; ours come from the rules alone.
    assert not admin.has_perm("consultations.delete_userblock")
    assert not admin.has_perm("consultations.change_moderationdecision")
    assert admin.has_perm("consultations.view_userblock")


def test_account_permissions_stay_django_s_for_wagtail_s_account_admin(client):
    """The User model lives in our app: its permissions are not rules but Django's."""
    admin = make_user(superuser=True)
    assert admin.has_perm("consultations.add_user")
    account_manager = make_user()
    account_manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "change_user"])
    )
    account_manager = type(account_manager).objects.get(pk=account_manager.pk)
    assert account_manager.has_perm("consultations.change_user")
    assert not account_manager.has_perm("consultations.delete_user")
    client.force_login(admin)
    assert client.get(reverse("wagtailusers_users:add")).status_code == 200


def test_model_permissions_of_our_app_are_not_read(client):
    """A person given our model permissions by hand (the old way) gets nothing from them."""
    person = make_user()
    person.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_topic", "delete_topic"])
    )
    topic = make_topic()
    client.force_login(person)
    assert client.get(url("topic", "index", None)).status_code == 302
    assert client.post(url("topic", "delete", topic)).status_code == 302
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_the_groups_keep_admin_access_and_page_permissions_but_not_ours():
    """cms migration 0008: the groups hold no permission of our app any more."""
    for name in (roles.EDITORS, roles.SITE_MODERATORS):
        group = Group.objects.get(name=name)
        assert not group.permissions.filter(content_type__app_label="consultations").exists()
        assert group.permissions.filter(codename="access_admin").exists()
    editors = Group.objects.get(name=roles.EDITORS)
    assert editors.page_permissions.filter(permission__codename="publish_page").exists()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_permission_migration_reverses_and_keeps_account_permissions():
    before = [("cms", "0007_accessibility_statement_page")]
    after = [("cms", "0008_participation_permissions_from_rules")]
    _migrate(before)
    try:
        editors = Group.objects.get(name=roles.EDITORS)
        moderators = Group.objects.get(name=roles.SITE_MODERATORS)
        assert editors.permissions.filter(codename="delete_topic").exists()
        assert moderators.permissions.filter(codename="view_userblock").exists()
        # The User model lives in our app; Wagtail's account admin asks its permissions.
        accounts = Group.objects.create(name="Kontoverwaltung")
        accounts.permissions.add(
            *Permission.objects.filter(content_type__app_label="consultations", codename="add_user")
        )
    finally:
        _migrate(after)
    assert (
        not Permission.objects.filter(content_type__app_label="consultations", group__isnull=False)
        .exclude(content_type__model="user")
        .exists()
    )
    assert Group.objects.get(name="Kontoverwaltung").permissions.filter(codename="add_user")


# Deleting through the actions -------------------------------------------------------------


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    events = SentEvents(django_capture_on_commit_callbacks)
    with mock.patch.object(realtime, "send_now", events.record):
        yield events
        events.close()


def deletable():
    """(model, factory of the n-th object, action in the admin views, who deletes)."""
    return [
        ("topic", lambda n: make_topic(f"Thema {n}"), "delete_topic", "editor"),
        ("district", lambda n: make_district(f"Stadtteil {n}"), "delete_district", "editor"),
        ("consultation", lambda n: make_consultation(), "delete_consultation", "editor"),
        (
            "consultationmembership",
            lambda n: add_member(make_consultation(), make_user(), "moderator"),
            "revoke_role",
            "editor",
        ),
        ("discussion", lambda n: make_discussion(), "delete_discussion", "editor"),
        (
            "blockedword",
            lambda n: BlockedWord.objects.create(phrase=f"Wort {n}"),
            "delete_blocked_word",
            "site_moderator",
        ),
    ]


def _person(who):
    if who == "editor":
        return make_user(groups=(roles.EDITORS,), is_staff=True)
    return make_user(groups=(roles.SITE_MODERATORS,))


@pytest.mark.parametrize(("model", "factory", "action_name", "who"), deletable())
def test_an_admin_delete_goes_through_the_action_with_one_audit_entry(
    client, sent, model, factory, action_name, who
):
    instance = factory(1)
    model_class, pk = type(instance), instance.pk
    person = _person(who)
    client.force_login(person)
    real = getattr(admin_views, action_name)
    with mock.patch.object(admin_views, action_name, wraps=real) as action:
        response = client.post(url(model, "delete", instance))
    assert response.status_code == 302
    action.assert_called_once()
    assert not model_class.objects.filter(pk=pk).exists()
    [entry] = ModelLogEntry.objects.all()
    assert (entry.action, entry.object_id, entry.user_id) == ("wagtail.delete", str(pk), person.pk)
    # As the action called elsewhere: no live event (nobody is shown a deleted object live).
    assert list(sent) == []
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize(("model", "factory", "action_name", "who"), deletable())
def test_a_bulk_delete_goes_through_the_action_once_per_object(
    client, sent, model, factory, action_name, who
):
    first, second = factory(1), factory(2)
    model_class = type(first)
    person = _person(who)
    client.force_login(person)
    bulk = reverse("wagtail_bulk_action", args=("consultations", model, "delete"))
    real = getattr(admin_views, action_name)
    with mock.patch.object(admin_views, action_name, wraps=real) as action:
        response = client.post(f"{bulk}?id={first.pk}&id={second.pk}")
    assert response.status_code == 302
    assert action.call_count == 2
    assert not model_class.objects.filter(pk__in=[first.pk, second.pk]).exists()
    entries = ModelLogEntry.objects.filter(action="wagtail.delete")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )
    assert ModelLogEntry.objects.count() == 2
    assert list(sent) == []


def test_a_refused_bulk_delete_deletes_nothing(client, sent):
    empty = make_discussion(title="Leer")
    commented = make_discussion(title="Mit Beiträgen")
    post_comment(author=make_user(), discussion=commented, text="Mein Beitrag")
    client.force_login(_person("editor"))
    bulk = reverse("wagtail_bulk_action", args=("consultations", "discussion", "delete"))
    response = client.post(f"{bulk}?id={empty.pk}&id={commented.pk}", follow=True)
    assert Discussion.objects.filter(pk__in=[empty.pk, commented.pk]).count() == 2
    assert not ModelLogEntry.objects.exists()
    message = " ".join(str(m) for m in response.context["messages"])
    assert "Mit Beiträgen" in message
    sent_now = list(sent)
    assert all(event["type"] == realtime.EventType.COMMENT_POSTED for _g, event in sent_now)


def test_refused_admin_deletes_change_nothing(client, sent):
    editor = _person("editor")
    client.force_login(editor)
    commented = make_discussion(title="Mit Beiträgen")
    post_comment(author=make_user(), discussion=commented, text="Mein Beitrag")
    with_comments = commented.consultation
    presented = make_consultation(title="Auf einer Seite")
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Start", slug="start", hero_heading="Hallo"))
    index = home.add_child(instance=ConsultationIndexPage(title="Beteiligungen", slug="b"))
    index.add_child(instance=ConsultationPage(title="Seite", slug="s", consultation=presented))
    already = len(list(sent))  # posting the comment

    for model, instance in (
        ("discussion", commented),
        ("consultation", with_comments),
        ("consultation", presented),
    ):
        response = client.post(url(model, "delete", instance))
        assert response.status_code == 302
        assert type(instance).objects.filter(pk=instance.pk).exists(), instance
    # A site moderator may not delete what editors set up.
    client.force_login(_person("site_moderator"))
    topic = make_topic("Wasser")
    assert client.post(url("topic", "delete", topic)).status_code == 302
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert not ModelLogEntry.objects.filter(action="wagtail.delete").exists()
    assert len(list(sent)) == already


# The delete actions themselves --------------------------------------------------------------


def test_delete_actions_check_their_rule():
    resident, moderator = make_user(), _person("site_moderator")
    editor = _person("editor")
    attempts = [
        lambda who: delete_topic(editor=who, topic=make_topic("Wasser")),
        lambda who: delete_district(editor=who, district=make_district("Südstadt")),
        lambda who: delete_consultation(editor=who, consultation=make_consultation()),
        lambda who: delete_discussion(editor=who, discussion=make_discussion()),
        lambda who: revoke_role(
            editor=who, membership=add_member(make_consultation(), make_user(), "moderator")
        ),
    ]
    for attempt in attempts:
        for who in (resident, moderator):
            with pytest.raises(PermissionDenied):
                attempt(who)
    with pytest.raises(PermissionDenied):
        delete_blocked_word(moderator=editor, word=BlockedWord.objects.create(phrase="Depp"))
    assert not ModelLogEntry.objects.exists()


def test_a_topic_or_district_in_use_is_refused_by_the_action():
    editor = _person("editor")
    topic, district = make_topic("Wasser"), make_district("Südstadt")
    consultation = make_consultation()
    Consultation.objects.filter(pk=consultation.pk).update(topic=topic, district=district)
    with pytest.raises(ActionError) as refused:
        delete_topic(editor=editor, topic=topic)
    assert refused.value.code == "protected"
    with pytest.raises(ActionError):
        delete_district(editor=editor, district=district)
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert District.objects.filter(pk=district.pk).exists()
    assert not ModelLogEntry.objects.exists()


def test_a_consultation_with_comments_is_not_deleted_with_them():
    editor = _person("editor")
    discussion = make_discussion()
    post_comment(author=make_user(), discussion=discussion, text="Mein Beitrag")
    with pytest.raises(ActionError) as refused:
        delete_consultation(editor=editor, consultation=discussion.consultation)
    assert refused.value.code == "comments"
    assert Discussion.objects.filter(pk=discussion.pk).exists()


def test_revoking_a_role_takes_it_away():
    editor = _person("editor")
    consultation, person = make_consultation(), make_user()
    membership = add_member(consultation, person, ConsultationMembership.Role.MODERATOR)
    assert person.has_perm("consultations.moderate_discussion", consultation)
    revoke_role(editor=editor, membership=membership)
    person = type(person).objects.get(pk=person.pk)  # the role cache is per user object
    assert not person.has_perm("consultations.moderate_discussion", consultation)
    assert ModelLogEntry.objects.get().action == "wagtail.delete"
