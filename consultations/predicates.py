"""One-purpose permission predicates; rules.py composes them into named permissions.

Every predicate takes (user, target) where target is a Consultation or anything with a
``consultation`` attribute (a discussion, a survey, ...), and tolerates ``None`` (the admin asks
model-level questions without an object: "may this person see the listing of topics?"; the
role predicates answer those, the target-bound ones say no).
"""

from __future__ import annotations

import rules


class ProspectiveResident:
    """Stands for "a signed-up, verified resident with no special role".

    Used to ask "would signing up let this person take part?" to show "log in to take part"
    prompts instead of nothing.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None


PROSPECTIVE_RESIDENT = ProspectiveResident()


def consultation_of(target):
    from consultations.models import Consultation

    if target is None or isinstance(target, Consultation):
        return target
    return getattr(target, "consultation", None)


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "pk", None):
        return frozenset()
    cached = getattr(user, "_mitreden_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._mitreden_group_names = cached
    return cached


def _membership_roles(user, consultation) -> frozenset[str]:
    if consultation is None or not getattr(user, "pk", None):
        return frozenset()
    cache = getattr(user, "_mitreden_membership_roles", None)
    if cache is None:
        cache = user._mitreden_membership_roles = {}
    if consultation.pk not in cache:
        cache[consultation.pk] = frozenset(
            consultation.memberships.filter(user=user).values_list("role", flat=True)
        )
    return cache[consultation.pk]


@rules.predicate
def is_admin(user) -> bool:
    """Superusers may do everything."""
    return bool(getattr(user, "is_superuser", False) and user.is_active)


@rules.predicate
def is_resident(user) -> bool:
    """A signed-in, active person whose account is not deleted and whose e-mail is verified."""
    if isinstance(user, ProspectiveResident):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if getattr(user, "deleted_at", None) is not None:
        return False
    cached = getattr(user, "_mitreden_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._mitreden_verified = cached
    return cached


def _in_group(name):
    @rules.predicate(name=f"in_group:{name}")
    def predicate(user) -> bool:
        return bool(getattr(user, "is_active", False)) and name in _group_names(user)

    return predicate


from consultations import roles  # noqa: E402

is_site_moderator = _in_group(roles.SITE_MODERATORS)
is_editor = _in_group(roles.EDITORS)
is_council_organiser = _in_group(roles.COUNCIL_ORGANISERS)


@rules.predicate
def is_public(user, target) -> bool:
    """The consultation is visible to everybody."""
    consultation = consultation_of(target)
    return consultation is not None and consultation.is_public


@rules.predicate
def is_participant(user, target) -> bool:
    """The person was invited to this (private) consultation."""
    from consultations.models import ConsultationMembership

    return ConsultationMembership.Role.PARTICIPANT in _membership_roles(
        user, consultation_of(target)
    )


@rules.predicate
def is_consultation_moderator(user, target) -> bool:
    """The person moderates this consultation (not every consultation)."""
    from consultations.models import ConsultationMembership

    return ConsultationMembership.Role.MODERATOR in _membership_roles(user, consultation_of(target))


@rules.predicate
def sees_module_instance(user, target) -> bool:
    """The module the target belongs to lets the person see it (a discussion owned by a
    members-only object asks its owner); targets that are no module's pass."""
    from consultations.registry import can_view

    return can_view(user, target)


def verb_is_open(verb: str):
    """Predicate factory: residents may ``verb`` in the target now, by the module's data
    (its phases, the phases an editor chose, its owner or its own dates; see
    ``consultations.registry.verb_open``)."""

    @rules.predicate(name=f"verb_is_open:{verb}")
    def predicate(user, target) -> bool:
        from consultations.registry import verb_open

        return verb_open(target, verb)

    return predicate


@rules.predicate
def is_blocked(user, target) -> bool:
    """The person is blocked in this consultation or site-wide (an active block)."""
    if not getattr(user, "pk", None):
        return False
    consultation = consultation_of(target)
    cache = getattr(user, "_mitreden_blocked", None)
    if cache is None:
        from consultations.models import UserBlock

        cache = user._mitreden_blocked = set(
            UserBlock.objects.active().filter(user=user).values_list("consultation_id", flat=True)
        )
    return None in cache or (consultation is not None and consultation.pk in cache)


@rules.predicate
def is_author(user, comment) -> bool:
    """The person wrote this comment."""
    return bool(comment is not None and getattr(user, "pk", None) and comment.author_id == user.pk)


def _comment_in(*statuses: str):
    @rules.predicate(name=f"comment_in:{'|'.join(statuses)}")
    def predicate(user, comment) -> bool:
        return comment is not None and comment.status in statuses

    return predicate


# Published: not held for review, hidden by moderation or deleted by its author.
is_live_comment = _comment_in("published")
is_held_comment = _comment_in("pending")
is_deleted_comment = _comment_in("deleted")


@rules.predicate
def within_edit_window(user, comment) -> bool:
    """The comment is young enough to be edited (settings.COMMENT_EDIT_MINUTES)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    if comment is None or comment.created is None:
        return False
    return timezone.now() - comment.created <= timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


@rules.predicate
def has_target(user, target) -> bool:
    """Asked about an object (not the model-level question the admin asks without one)."""
    return target is not None


# --- Surveys ------------------------------------------------------------------------------------


@rules.predicate
def is_published_survey(user, survey) -> bool:
    return survey is not None and getattr(survey, "status", None) == "published"


@rules.predicate
def answers_with_token(user, survey) -> bool:
    """The survey takes answers without an account and this person is not a signed-in
    resident (they answer once per browser, through a signed token)."""
    return bool(
        survey is not None
        and getattr(survey, "allow_without_account", False)
        and not is_resident(user)
    )


@rules.predicate
def survey_results_public(user, survey) -> bool:
    """The survey's settings make its results public now (during, after closing, never)."""
    from consultations.survey_timing import results_are_public

    return survey is not None and results_are_public(survey)


# --- Quick polls --------------------------------------------------------------------------------


@rules.predicate
def is_published_poll(user, poll) -> bool:
    return poll is not None and bool(getattr(poll, "is_published", False))


@rules.predicate
def poll_for_everyone(user, poll) -> bool:
    return poll is not None and getattr(poll, "audience", None) == "everyone"


# --- Citizens' councils -------------------------------------------------------------------------


def council_of(target):
    """The council a target belongs to: itself, or the ``council`` of a row of it."""
    from consultations.models import Council

    if target is None or isinstance(target, Council):
        return target
    return getattr(target, "council", None)


@rules.predicate
def organises_council(user, target) -> bool:
    """The person is one of this council's organisers (a ``CouncilOrganiser`` row)."""
    council = council_of(target)
    if council is None or council.pk is None or not getattr(user, "pk", None):
        return False
    cache = getattr(user, "_mitreden_organised_councils", None)
    if cache is None:
        cache = user._mitreden_organised_councils = set(
            user.council_organiser_roles.values_list("council_id", flat=True)
        )
    return council.pk in cache
