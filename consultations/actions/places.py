"""The town's topics and districts, which consultations and residents refer to."""

from __future__ import annotations

import rules
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.deletions import delete_logged, lock_for_deletion
from consultations.models import District, Topic, User


def _save_named(
    instance: models.Model, *, name: str, slug: str, editor: User, log_action: str, **fields
):
    """Name and slug are required and unique; writes the row and its audit entry."""
    model = type(instance)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("Please enter a name."), code="name")
    slug = (slug or "").strip() or slugify(name)
    if not slug:
        raise ActionError(_("Please enter a slug."), code="slug")
    others = model.objects.exclude(pk=instance.pk)
    if others.filter(name=name).exists():
        raise ActionError(_("“%(name)s” exists already.") % {"name": name}, code="name")
    if others.filter(slug=slug).exists():
        raise ActionError(_("The slug “%(slug)s” is taken.") % {"slug": slug}, code="slug")
    instance.name, instance.slug = name, slug
    for field, value in fields.items():
        setattr(instance, field, value)
    try:
        with transaction.atomic():
            instance.save()
            log(instance=instance, action=log_action, user=editor, content_changed=True)
    except IntegrityError as error:
        raise ActionError(_("“%(name)s” exists already.") % {"name": name}, code="name") from error
    return instance


def create_topic(*, editor: User, name: str, slug: str = "") -> Topic:
    """Add a topic residents can filter consultations by.

    Who: editors and admins (``consultations.add_topic``). Writes the topic and a
    ``wagtail.create`` audit entry. Broadcasts nothing.
    """
    if not rules.has_perm("consultations.add_topic", editor):
        raise PermissionDenied()
    return _save_named(Topic(), name=name, slug=slug, editor=editor, log_action="wagtail.create")


def change_topic(*, editor: User, topic: Topic, name: str, slug: str) -> Topic:
    """Rename a topic or change its slug.

    Who: editors and admins (``consultations.change_topic``). Writes the topic and a
    ``wagtail.edit`` audit entry. Broadcasts nothing (pages show it on their next load).
    """
    if not rules.has_perm("consultations.change_topic", editor, topic):
        raise PermissionDenied()
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        return _save_named(topic, name=name, slug=slug, editor=editor, log_action="wagtail.edit")


def create_district(
    *, editor: User, name: str, slug: str = "", population: int | None = None
) -> District:
    """Add a district (a part of town).

    Who: editors and admins (``consultations.add_district``). Writes the district and a
    ``wagtail.create`` audit entry. Broadcasts nothing.
    """
    if not rules.has_perm("consultations.add_district", editor):
        raise PermissionDenied()
    return _save_named(
        District(),
        name=name,
        slug=slug,
        editor=editor,
        log_action="wagtail.create",
        population=population,
    )


def change_district(
    *, editor: User, district: District, name: str, slug: str, population: int | None = None
) -> District:
    """Rename a district, or change its slug or population.

    Who: editors and admins (``consultations.change_district``). Writes the district and a
    ``wagtail.edit`` audit entry. Broadcasts nothing.
    """
    if not rules.has_perm("consultations.change_district", editor, district):
        raise PermissionDenied()
    with transaction.atomic():
        district = District.objects.select_for_update().get(pk=district.pk)
        return _save_named(
            district,
            name=name,
            slug=slug,
            editor=editor,
            log_action="wagtail.edit",
            population=population,
        )


def delete_topic(*, editor: User, topic: Topic) -> Topic:
    """Delete a topic no consultation uses.

    Who: editors and admins (``consultations.delete_topic``). Refused while a consultation
    has the topic (choose another for it first). Writes the deletion and its
    ``wagtail.delete`` audit entry. Broadcasts nothing (pages show it on their next load, as
    for ``change_topic``). Returns the deleted topic (without primary key).
    """
    if not rules.has_perm("consultations.delete_topic", editor, topic):
        raise PermissionDenied()
    with transaction.atomic():
        topic = lock_for_deletion(topic)
        return delete_logged(
            topic,
            user=editor,
            protected=_("Consultations have this topic. Choose another topic for them first."),
        )


def delete_district(*, editor: User, district: District) -> District:
    """Delete a district no consultation concerns.

    Who: editors and admins (``consultations.delete_district``). Refused while a
    consultation concerns the district. Residents who named it as theirs keep their account
    without a district. Writes the deletion and its ``wagtail.delete`` audit entry.
    Broadcasts nothing. Returns the deleted district (without primary key).
    """
    if not rules.has_perm("consultations.delete_district", editor, district):
        raise PermissionDenied()
    with transaction.atomic():
        district = lock_for_deletion(district)
        return delete_logged(
            district,
            user=editor,
            protected=_(
                "Consultations concern this district. Choose another district for them first."
            ),
        )
