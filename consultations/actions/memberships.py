"""Roles in one consultation: who moderates it, who is invited to a private one."""

from __future__ import annotations

import rules
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.deletions import delete_logged, lock_for_deletion
from consultations.models import Consultation, ConsultationMembership, User


def _check(*, consultation: Consultation, user: User, role: str, exclude: int | None = None):
    if role not in ConsultationMembership.Role.values:
        raise ActionError(_("Choose a role."), code="role")
    if not user.is_active or user.deleted_at is not None:
        raise ActionError(_("This account can no longer be given a role."), code="user")
    others = ConsultationMembership.objects.filter(consultation=consultation, user=user, role=role)
    if others.exclude(pk=exclude).exists():
        raise ActionError(_("This person already has this role here."), code="user")


def _save(membership: ConsultationMembership) -> None:
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # a second request granting the same role at once
        raise ActionError(_("This person already has this role here."), code="user") from error


def grant_role(
    *, editor: User, consultation: Consultation, user: User, role: str
) -> ConsultationMembership:
    """Give a person a role in a consultation (moderator, or invited participant).

    Who: editors and admins (``consultations.add_consultationmembership``). Writes the
    membership and a ``wagtail.create`` audit entry. Broadcasts nothing: the person's next
    page load or socket connection asks the rules again.
    """
    if not rules.has_perm("consultations.add_consultationmembership", editor, consultation):
        raise PermissionDenied()
    _check(consultation=consultation, user=user, role=role)
    with transaction.atomic():
        membership = ConsultationMembership(consultation=consultation, user=user, role=role)
        _save(membership)
        log(instance=membership, action="wagtail.create", user=editor, content_changed=True)
    return membership


def change_role(
    *,
    editor: User,
    membership: ConsultationMembership,
    consultation: Consultation,
    user: User,
    role: str,
) -> ConsultationMembership:
    """Change who has a role, where, or which one.

    Who: editors and admins (``consultations.change_consultationmembership``). Writes the
    membership and a ``wagtail.edit`` audit entry. Broadcasts nothing.
    """
    if not rules.has_perm("consultations.change_consultationmembership", editor, membership):
        raise PermissionDenied()
    _check(consultation=consultation, user=user, role=role, exclude=membership.pk)
    with transaction.atomic():
        membership = ConsultationMembership.objects.select_for_update().get(pk=membership.pk)
        membership.consultation, membership.user, membership.role = consultation, user, role
        _save(membership)
        log(instance=membership, action="wagtail.edit", user=editor, content_changed=True)
    return membership


def revoke_role(*, editor: User, membership: ConsultationMembership) -> ConsultationMembership:
    """Take a person's role in a consultation away (they stop moderating it, or an invited
    participant of a private one stops seeing it).

    Who: editors and admins (``consultations.delete_consultationmembership``). Writes the
    deletion and its ``wagtail.delete`` audit entry. Broadcasts nothing, as ``grant_role``:
    the person's next page load or socket connection asks the rules again. Returns the
    deleted membership (without primary key).
    """
    if not rules.has_perm("consultations.delete_consultationmembership", editor, membership):
        raise PermissionDenied()
    with transaction.atomic():
        membership = lock_for_deletion(membership)
        return delete_logged(membership, user=editor)
