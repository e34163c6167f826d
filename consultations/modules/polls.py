"""Quick polls: one question on any page, open between their own dates (the contract's
``opening_dates``), for everyone or for signed-in residents."""

from __future__ import annotations

from consultations.phases import Verb
from consultations.registry import ModuleType, register


def is_poll_staff(user) -> bool:
    from consultations.predicates import is_admin, is_editor

    return bool((is_editor | is_admin)(user))


def can_view(user, poll) -> bool:
    return poll.is_published or is_poll_staff(user)


def visible(queryset, user):
    return queryset if is_poll_staff(user) else queryset.filter(is_published=True)


def personal_data(user) -> dict:
    from consultations.models import PollVote

    return {
        "poll_votes": [
            {"poll": question, "choice": label, "created": created.isoformat()}
            for question, label, created in PollVote.objects.filter(user=user)
            .order_by("pk")
            .values_list("poll__question", "choice__label", "created")
        ]
    }


def anonymise_votes(user) -> None:
    """Votes stay counted, without the account."""
    from consultations.models import PollVote

    PollVote.objects.filter(user=user).update(user=None)


POLL = register(
    ModuleType(
        label="quick_poll",
        model="consultations.QuickPoll",
        verbs=frozenset({Verb.VOTE}),
        default_phase_verbs={},
        permissions=frozenset({"consultations.vote_in_poll", "consultations.view_quickpoll"}),
        can_view=lambda user, poll: can_view(user, poll),
        visible=lambda queryset, user: visible(queryset, user),
        live_event_types=frozenset(),
        notification_kinds=frozenset(),
        personal_data=personal_data,
        on_account_deleted=anonymise_votes,
        search="Not in site search: a poll is part of the page it stands on.",
        staff_exports={},
        opening_dates=lambda poll: (poll.opens, poll.closes),
    )
)
