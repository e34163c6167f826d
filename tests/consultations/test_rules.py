"""Every named permission against every role × phase state.

Each table row is the spec for one role; a change to a rule must change a row here.
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from consultations import roles
from consultations.models import Consultation, ConsultationMembership, Discussion
from consultations.phases import PhaseKind, Verb
from consultations.predicates import PROSPECTIVE_RESIDENT
from consultations.selectors import would_resident_be_allowed
from tests.factories import add_member, make_consultation, make_discussion, make_user

PHASES = ["before", "information", "participation", "evaluation", "results", "after"]

ROLES = [
    "anonymous",
    "unverified",
    "resident",
    "participant",
    "consultation_moderator",
    "other_moderator",
    "site_moderator",
    "editor",
    "organiser",
    "admin",
    "deleted",
    "blocked_here",
    "blocked_elsewhere",
    "blocked_site_wide",
    "block_expired",
]


def make_role(role: str, consultation: Consultation):
    if role == "anonymous":
        return AnonymousUser()
    if role == "unverified":
        return make_user(verified=False)
    if role in {"resident", "organiser_resident"}:
        return make_user()
    if role == "participant":
        user = make_user()
        add_member(consultation, user, ConsultationMembership.Role.PARTICIPANT)
        return user
    if role == "consultation_moderator":
        user = make_user()
        add_member(consultation, user, ConsultationMembership.Role.MODERATOR)
        return user
    if role == "other_moderator":
        user = make_user()
        add_member(make_consultation(), user, ConsultationMembership.Role.MODERATOR)
        return user
    if role == "site_moderator":
        return make_user(groups=(roles.SITE_MODERATORS,))
    if role == "editor":
        return make_user(groups=(roles.EDITORS,))
    if role == "organiser":
        return make_user(groups=(roles.COUNCIL_ORGANISERS,))
    if role == "admin":
        return make_user(superuser=True)
    if role.startswith("block"):
        from datetime import timedelta

        from django.utils import timezone

        from consultations.models import UserBlock

        user = make_user()
        where = {
            "blocked_here": consultation,
            "blocked_elsewhere": make_consultation(),
            "blocked_site_wide": None,
            "block_expired": consultation,
        }[role]
        until = timezone.now() + timedelta(days=-1 if role == "block_expired" else 7)
        UserBlock.objects.create(user=user, consultation=where, until=until, reason="spam")
        return user
    if role == "deleted":
        from consultations.actions.accounts import delete_account

        return delete_account(user=make_user())
    raise AssertionError(role)


# Roles allowed to see a consultation, for public and private ones (phase plays no part).
VIEW = {
    "public": set(ROLES),
    "private": {"participant", "consultation_moderator", "site_moderator", "editor", "admin"},
}

# Roles who may take part (comment, react, vote, ...) while participation is open.
TAKE_PART = {
    "public": {
        "resident",
        "participant",
        "consultation_moderator",
        "other_moderator",
        "site_moderator",
        "editor",
        "organiser",
        "admin",
        "blocked_elsewhere",
        "block_expired",
    },
    # Superusers get no shortcut from rules: an admin takes part as a verified resident.
    "private": {"participant", "consultation_moderator", "site_moderator", "editor", "admin"},
}

# Module verbs and the permission that asks for each (see consultations/modules/).
PARTICIPATION_PERMISSIONS = {
    "consultations.add_comment": ("discussion", Verb.COMMENT),
    "consultations.add_reaction": ("discussion", Verb.REACT),
}

# Module instances, by how an editor set them up: open by the module's defaults, or only in
# chosen phases. Which phases open each verb, per setup (the module × phase part of the table).
SETUPS = {
    "discussion": {PhaseKind.PARTICIPATION},
    "discussion open in information and evaluation": {
        PhaseKind.INFORMATION,
        PhaseKind.EVALUATION,
    },
}


def make_module_instance(setup: str, consultation: Consultation):
    discussion = make_discussion(consultation)
    if setup != "discussion":
        discussion.open_in_phases.set(
            consultation.phases.filter(kind__in=SETUPS[setup]).values_list("pk", flat=True)
        )
    return discussion


EDITORS_AND_ADMINS = {"editor", "admin"}
SITE_MODERATORS_AND_ADMINS = {"site_moderator", "admin"}

STAFF_PERMISSIONS = {
    "consultations.moderate_discussion": {"consultation_moderator", "site_moderator", "admin"},
    "consultations.publish_results": EDITORS_AND_ADMINS,
    "consultations.view_statistics": {"consultation_moderator", "editor", "admin"},
    # What the Wagtail admin asks (consultations/admin/permissions.py): <action>_<model>.
    **{
        f"consultations.{action}_{model}": EDITORS_AND_ADMINS
        for model in ("consultation", "discussion", "consultationmembership", "topic", "district")
        for action in ("add", "change", "delete", "view")
        # Who sees a consultation or a discussion is the site's visibility rule (below).
        if (action, model) not in {("view", "consultation"), ("view", "discussion")}
    },
    **{
        f"consultations.{action}_blockedword": SITE_MODERATORS_AND_ADMINS
        for action in ("add", "change", "delete", "view")
    },
    # Written only by moderation actions: view rules only (adding, changing, deleting them
    # has no rule and is refused, to superusers too; see test_admin_permissions.py).
    "consultations.view_userblock": SITE_MODERATORS_AND_ADMINS,
    "consultations.view_moderationdecision": SITE_MODERATORS_AND_ADMINS,
}


# Permissions whose target is a comment: their table (comment state × role × phase) is in
# test_rules_comments.py; every way in that asks them, in discussions/test_visibility.py.
COMMENT_PERMISSIONS = [
    "consultations.view_comment",
    "consultations.read_comment",
    "consultations.act_on_comment",
    "consultations.change_comment",
    "consultations.delete_comment",
    "consultations.reply_to_comment",
    "consultations.react_to_comment",
    "consultations.report_comment",
]


def test_every_named_permission_is_covered_here():
    from consultations.rules import PERMISSIONS
    from tests.consultations.councils.test_rules_and_visibility import COUNCIL_PERMISSIONS
    from tests.consultations.surveys.test_rules import SURVEY_PERMISSIONS
    from tests.consultations.test_polls import POLL_PERMISSIONS

    covered = {
        "consultations.view_consultation",
        "consultations.view_discussion",
        *PARTICIPATION_PERMISSIONS,
        *STAFF_PERMISSIONS,
        *COMMENT_PERMISSIONS,
        *SURVEY_PERMISSIONS,  # their table: tests/consultations/surveys/test_rules.py
        *POLL_PERMISSIONS,  # their table: tests/consultations/test_polls.py
        # Their tables: tests/consultations/councils/test_rules_and_visibility.py
        *COUNCIL_PERMISSIONS,
    }
    assert set(PERMISSIONS) == covered


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_role_phase_table(role, phase, visibility):
    consultation = make_consultation(active=phase, visibility=visibility)
    user = make_role(role, consultation)

    can_view = role in VIEW[visibility]
    assert rules.has_perm("consultations.view_consultation", user, consultation) is can_view
    discussion = make_discussion(consultation)
    assert rules.has_perm("consultations.view_discussion", user, discussion) is can_view

    for setup, open_in in SETUPS.items():
        instance = make_module_instance(setup, consultation)
        for permission, (_module, _verb) in PARTICIPATION_PERMISSIONS.items():
            expected = phase in open_in and role in TAKE_PART[visibility]
            assert rules.has_perm(permission, user, instance) is expected, (setup, permission)

    for permission, allowed in STAFF_PERMISSIONS.items():
        assert rules.has_perm(permission, user, consultation) is (role in allowed), permission


@pytest.mark.django_db
@pytest.mark.parametrize("phase", PHASES)
def test_login_prompt_only_where_signing_up_would_help(phase):
    public = make_consultation(active=phase)
    private = make_consultation(active=phase, visibility=Consultation.Visibility.PRIVATE)

    expected = phase == "participation"
    assert would_resident_be_allowed("consultations.add_comment", make_discussion(public)) is (
        expected
    )
    assert would_resident_be_allowed("consultations.add_comment", make_discussion(private)) is (
        False
    )
    # A prospective resident is never staff.
    assert not rules.has_perm("consultations.moderate_discussion", PROSPECTIVE_RESIDENT, public)


@pytest.mark.django_db
def test_inactive_user_cannot_take_part():
    consultation = make_consultation()
    user = make_user()
    user.is_active = False
    user.save()
    assert not rules.has_perm("consultations.add_comment", user, make_discussion(consultation))


@pytest.mark.django_db
def test_role_checks_cost_a_bounded_number_of_queries(django_assert_max_num_queries):
    """Verification, groups, memberships and blocks are looked up once per user object."""
    consultation = make_consultation()
    user = make_user(groups=(roles.EDITORS,))
    discussion = make_discussion(consultation)
    consultation = Consultation.objects.prefetch_related("phases").get(pk=consultation.pk)
    discussion = (
        Discussion.objects.select_related("consultation")
        .prefetch_related("consultation__phases", "open_in_phases")
        .get(pk=discussion.pk)
    )
    with django_assert_max_num_queries(4):
        for _ in range(3):
            for permission in STAFF_PERMISSIONS:
                rules.has_perm(permission, user, consultation)
            for permission in PARTICIPATION_PERMISSIONS:
                rules.has_perm(permission, user, discussion)


@pytest.mark.django_db
def test_superusers_get_what_the_rules_say_for_our_permissions():
    from consultations.actions.discussions import post_comment

    admin = make_user(superuser=True)
    comment = post_comment(author=make_user(), discussion=make_discussion(), text="Meins")
    # The rule: only the author deletes a comment, only others report it.
    assert admin.has_perm("consultations.delete_comment", comment) is False
    assert admin.has_perm("consultations.report_comment", comment) is True
    assert admin.has_perm("consultations.moderate_discussion", comment) is True
    assert admin.has_perm("consultations.change_consultation") is True
    # A name of our app without a rule is refused, even to a superuser (Django would grant
    # it): blocks are written only by moderation actions, phases only with their consultation.
    assert admin.has_perm("consultations.delete_userblock") is False
    assert admin.has_perm("consultations.change_phase") is False
    # Permissions that are not ours stay Django's and Wagtail's (superusers have them all).
    assert admin.has_perm("wagtailadmin.access_admin") is True
    assert admin.has_perm("wagtailcore.add_page") is True
