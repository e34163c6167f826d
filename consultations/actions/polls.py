"""Quick polls: staff set them up, people vote (and may change their vote while it runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import rules
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError, PermissionDenied
from consultations.models import PollChoice, PollVote, QuickPoll, User
from consultations.predicates import is_resident
from consultations.sanitising import clean_plain_text

MAX_POLL_CHOICES = 10


def _clean(question: str, opens, closes, audience: str, choices: Sequence[Mapping[str, Any]]):
    question = clean_plain_text(question or "")
    if not question:
        raise ActionError(_("The poll needs a question."), code="question")
    if len(question) > 300:
        raise ActionError(_("The question is too long (at most 300 characters)."), code="question")
    if not isinstance(opens, datetime) or not isinstance(closes, datetime):
        raise ActionError(_("A poll needs an opening and a closing time."), code="opens")
    if closes <= opens:
        raise ActionError(_("A poll must close after it opens."), code="closes")
    if audience not in QuickPoll.Audience.values:
        raise ActionError(_("Choose who may vote."), code="audience")
    cleaned = []
    for choice in choices:
        label = clean_plain_text(choice.get("label") or "")
        if not label:
            continue
        if len(label) > 120:
            raise ActionError(_("A choice is too long (at most 120 characters)."), code="choices")
        cleaned.append({"id": getattr(choice.get("id"), "pk", choice.get("id")), "label": label})
    if not 2 <= len(cleaned) <= MAX_POLL_CHOICES:
        raise ActionError(
            _("A poll has from 2 to %(max)s choices.") % {"max": MAX_POLL_CHOICES}, code="choices"
        )
    if len({c["label"].casefold() for c in cleaned}) != len(cleaned):
        raise ActionError(_("Two choices have the same text."), code="choices")
    return question, cleaned


def _write_choices(poll: QuickPoll, choices) -> None:
    existing = {choice.pk: choice for choice in PollChoice.objects.filter(poll=poll)}
    kept = []
    for order, data in enumerate(choices):
        choice = existing.get(data["id"]) if data["id"] else None
        if data["id"] and choice is None:
            raise ActionError(_("This choice belongs to another poll."), code="choices")
        choice = choice or PollChoice(poll=poll)
        choice.label, choice.sort_order = data["label"], order
        choice.save()
        kept.append(choice.pk)
    doomed = [choice for pk, choice in existing.items() if pk not in kept]
    for choice in doomed:
        if PollVote.objects.filter(choice=choice).exists():
            raise ActionError(
                _("The choice “%(label)s” has votes and cannot be removed.")
                % {"label": choice.label},
                code="choices",
            )
        choice.delete()


def create_poll(
    *,
    editor: User,
    question: str,
    opens: datetime,
    closes: datetime,
    choices: Sequence[Mapping[str, Any]],
    audience: str = QuickPoll.Audience.RESIDENTS,
    is_published: bool = False,
) -> QuickPoll:
    """Set up a quick poll with its choices. Who: editors and admins
    (``consultations.add_quickpoll``). Writes the poll, its choices and a log entry."""
    if not rules.has_perm("consultations.add_quickpoll", editor):
        raise PermissionDenied()
    question, cleaned = _clean(
        question, opens, closes, audience, [{**c, "id": None} for c in choices]
    )
    with transaction.atomic():
        poll = QuickPoll.objects.create(
            question=question,
            opens=opens,
            closes=closes,
            audience=audience,
            is_published=is_published,
        )
        _write_choices(poll, cleaned)
        log(instance=poll, action="wagtail.create", user=editor, content_changed=True)
    return poll


def change_poll(
    *,
    editor: User,
    poll: QuickPoll,
    question: str,
    opens: datetime,
    closes: datetime,
    choices: Sequence[Mapping[str, Any]],
    audience: str = QuickPoll.Audience.RESIDENTS,
    is_published: bool = False,
) -> QuickPoll:
    """Change a poll and its choices (the whole new list; a choice with votes cannot be
    removed). Who: ``consultations.change_quickpoll``. Writes one log entry."""
    if not rules.has_perm("consultations.change_quickpoll", editor, poll):
        raise PermissionDenied()
    question, cleaned = _clean(question, opens, closes, audience, choices)
    with transaction.atomic():
        poll = QuickPoll.objects.select_for_update().get(pk=poll.pk)
        poll.question, poll.opens, poll.closes = question, opens, closes
        poll.audience, poll.is_published = audience, is_published
        poll.save()
        _write_choices(poll, cleaned)
        log(instance=poll, action="wagtail.edit", user=editor, content_changed=True)
    return poll


def delete_poll(*, editor: User, poll: QuickPoll) -> None:
    """Delete a poll with its votes. Who: ``consultations.delete_quickpoll``. A poll that has
    votes is deleted by admins only (unpublish it instead)."""
    if not rules.has_perm("consultations.delete_quickpoll", editor, poll):
        raise PermissionDenied()
    with transaction.atomic():
        poll = QuickPoll.objects.select_for_update().get(pk=poll.pk)
        if poll.votes.exists():
            if not editor.is_superuser:
                raise ActionError(
                    _("This poll has votes and cannot be deleted. Unpublish it instead."),
                    code="has_votes",
                )
            poll.votes.all().delete()
        log(instance=poll, action="wagtail.delete", user=editor, deleted=True)
        poll.delete()


def _check_rate(client_ip: str) -> None:
    limit = settings.SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR
    key = f"poll-vote-rate:{client_ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise ActionError(
            _("Many votes came from your network in the last hour. Please try again later."),
            code="rate_limited",
        )


def vote(
    *, poll: QuickPoll, user: User, choice_id: Any, token: str = "", client_ip: str = ""
) -> PollVote:
    """Cast or change a vote: one per account (residents) or per browser token (polls for
    everyone; new votes limited per network address).

    Who: ``consultations.vote_in_poll`` (published, between its dates, the right audience).
    """
    if not rules.has_perm("consultations.vote_in_poll", user, poll):
        raise PermissionDenied()
    try:
        choice = PollChoice.objects.get(poll=poll, pk=int(choice_id))
    except (TypeError, ValueError, PollChoice.DoesNotExist) as error:
        raise ActionError(_("Please choose one of the answers."), code="choice") from error
    if is_resident(user):
        lookup = {"user": user}
    else:
        token = (token or "").strip()
        if not token or len(token) > 64:
            raise ActionError(
                _("Your browser did not keep the poll's cookie. Please allow it and retry."),
                code="token",
            )
        lookup = {"token": token}
    with transaction.atomic():
        existing = PollVote.objects.select_for_update().filter(poll=poll, **lookup).first()
        if existing is None:
            if "token" in lookup:
                _check_rate(client_ip)
            try:
                with transaction.atomic():
                    return PollVote.objects.create(poll=poll, choice=choice, **lookup)
            except IntegrityError:
                existing = PollVote.objects.select_for_update().get(poll=poll, **lookup)
        existing.choice = choice
        existing.save(update_fields=["choice", "modified"])
        return existing
