"""Editors' writes of a consultation: setting it up with its phases, changing it, its
discussions, publishing its results, and deleting what never took place.

The Wagtail admin, the demo loader and scripts call the same functions, so every way in asks
the same named rule, validates the same way, writes one entry of Wagtail's audit log
(``wagtail.create`` / ``wagtail.edit`` / ``wagtail.delete``) and tells the people watching the
same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import rules
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations import realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.deletions import delete_logged, lock_for_deletion
from consultations.models import (
    Comment,
    Consultation,
    Discussion,
    District,
    Phase,
    PhasedModule,
    Topic,
    User,
    validate_area,
)
from consultations.phases import PhaseKind
from consultations.sanitising import clean_plain_text

PHASE_FIELDS = ("kind", "title", "description", "start", "end")


class PhaseError(ActionError):
    """A phase was refused; ``index`` is its place in the list the caller gave, ``field`` the
    field at fault (the admin shows the message on that phase's form)."""

    def __init__(
        self, message, *, index: int | None, field: str | None = None, code: str = "invalid"
    ):
        super().__init__(message, code=code)
        self.index = index
        self.field = field


def _clean_phases(phases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The phases as plain dicts, checked: a known kind, an end after the start."""
    if not phases:
        raise ActionError(_("A consultation needs at least one phase."), code="no_phases")
    cleaned = []
    for index, phase in enumerate(phases):
        data = {
            "id": phase.get("id"),
            "kind": phase.get("kind"),
            "title": (phase.get("title") or "").strip(),
            "description": phase.get("description") or "",
            "start": phase.get("start"),
            "end": phase.get("end"),
        }
        if data["kind"] not in PhaseKind.values:
            raise PhaseError(_("Choose the kind of phase."), index=index, field="kind")
        if not isinstance(data["start"], datetime) or not isinstance(data["end"], datetime):
            raise PhaseError(_("A phase needs a start and an end."), index=index, field="start")
        if data["end"] <= data["start"]:
            raise PhaseError(_("A phase must end after it starts."), index=index, field="end")
        cleaned.append(data)
    return cleaned


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    title = (fields.get("title") or "").strip()
    if not title:
        raise ActionError(_("The consultation needs a title."), code="title")
    # Editors' text is stored as they typed it (the admin's fields strip it); templates escape.
    summary = fields.get("summary") or ""
    if not summary.strip():
        raise ActionError(_("The consultation needs a summary."), code="summary")
    try:
        validate_area(fields.get("area"))
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), code="area") from error
    cleaned = {
        "title": title,
        "slug": fields.get("slug"),
        "summary": summary,
        "topic": fields.get("topic"),
        "district": fields.get("district"),
        "area": fields.get("area"),
        "visibility": fields.get("visibility") or Consultation.Visibility.PUBLIC,
        "moderation_mode": fields.get("moderation_mode") or Consultation.ModerationMode.AFTER,
    }
    if not cleaned["slug"]:
        raise ActionError(_("The consultation needs a slug."), code="slug")
    if cleaned["visibility"] not in Consultation.Visibility.values:
        raise ActionError(_("Unknown visibility."), code="visibility")
    if cleaned["moderation_mode"] not in Consultation.ModerationMode.values:
        raise ActionError(_("Unknown moderation mode."), code="moderation_mode")
    return cleaned


def _write_phases(consultation: Consultation, phases: list[dict[str, Any]]) -> None:
    """Make the consultation's phases exactly ``phases``: listed ids are updated, phases not
    listed are deleted, phases without id are created."""
    existing = {phase.pk: phase for phase in consultation.phases.all()}
    keep = set()
    for data in phases:
        fields = {name: data[name] for name in PHASE_FIELDS}
        phase = existing.get(data["id"]) if data["id"] else None
        if phase is None:
            phase = Phase.objects.create(consultation=consultation, **fields)
        else:
            for name, value in fields.items():
                setattr(phase, name, value)
            phase.save()
        keep.add(phase.pk)
    doomed = Phase.objects.filter(consultation=consultation).exclude(pk__in=keep)
    _refuse_deleting_chosen_phases(doomed)
    doomed.delete()


def _refuse_deleting_chosen_phases(doomed) -> None:
    """An instance an editor opened only in chosen phases would silently fall back to the
    default opening (commenting in every participation phase) if its last chosen phase went:
    deleting a chosen phase is refused until the instance is changed."""
    for model in apps.get_models():
        if not issubclass(model, PhasedModule):
            continue
        instance = model.objects.filter(open_in_phases__in=doomed).first()
        if instance is not None:
            raise PhaseError(
                _(
                    "A phase that “%(instance)s” is open in cannot be deleted. Choose other "
                    "phases for it first."
                )
                % {"instance": instance},
                index=None,
                code="chosen_phase",
            )


def _phase_state(consultation: Consultation) -> list[tuple]:
    return list(
        Phase.objects.filter(consultation=consultation)
        .order_by("start", "pk")
        .values_list("kind", "title", "description", "start", "end")
    )


def consultation_update_payload(consultation: Consultation) -> dict[str, Any]:
    """What people watching a consultation are told when an editor changes it: its title and
    phases (the page shows both) and the phase running now."""
    phases = sorted(consultation.phases.all(), key=lambda p: (p.start, p.pk))
    active = consultation.phase_at(timezone.now())
    return {
        "consultation": consultation.pk,
        "title": consultation.title,
        "status": str(consultation.status),
        "active_phase": active.pk if active else None,
        "phases": [
            {
                "id": phase.pk,
                "kind": phase.kind,
                "title": phase.display_title,
                "start": phase.start.isoformat(),
                "end": phase.end.isoformat(),
            }
            for phase in phases
        ],
    }


def _save_fields(consultation: Consultation, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(consultation, name, value)
    if Consultation.objects.exclude(pk=consultation.pk).filter(slug=fields["slug"]).exists():
        raise ActionError(
            _("Another consultation already has the slug “%(slug)s”.") % {"slug": fields["slug"]},
            code="slug",
        )
    try:
        with transaction.atomic():
            consultation.save()
    except IntegrityError as error:
        raise ActionError(_("The consultation could not be saved."), code="integrity") from error


def create_consultation(
    *,
    editor: User,
    title: str,
    slug: str,
    summary: str,
    phases: Sequence[Mapping[str, Any]],
    topic: Topic | None = None,
    district: District | None = None,
    area: dict | None = None,
    visibility: str = Consultation.Visibility.PUBLIC,
    moderation_mode: str = Consultation.ModerationMode.AFTER,
) -> Consultation:
    """Set up a consultation with its phases (each a mapping of kind, title, description,
    start, end).

    Who: editors and admins (``consultations.add_consultation``). Writes the consultation,
    its phases and a ``wagtail.create`` entry in the audit log, all or nothing. Broadcasts
    nothing: nobody can be watching a consultation that did not exist.
    """
    if not rules.has_perm("consultations.add_consultation", editor):
        raise PermissionDenied()
    fields = _clean_fields(
        {
            "title": title,
            "slug": slug,
            "summary": summary,
            "topic": topic,
            "district": district,
            "area": area,
            "visibility": visibility,
            "moderation_mode": moderation_mode,
        }
    )
    cleaned_phases = _clean_phases([{**phase, "id": None} for phase in phases])
    with transaction.atomic():
        consultation = Consultation()
        _save_fields(consultation, fields)
        _write_phases(consultation, cleaned_phases)
        log(instance=consultation, action="wagtail.create", user=editor, content_changed=True)
    return Consultation.objects.get(pk=consultation.pk)


def change_consultation(
    *,
    editor: User,
    consultation: Consultation,
    title: str,
    slug: str,
    summary: str,
    phases: Sequence[Mapping[str, Any]],
    topic: Topic | None = None,
    district: District | None = None,
    area: dict | None = None,
    visibility: str = Consultation.Visibility.PUBLIC,
    moderation_mode: str = Consultation.ModerationMode.AFTER,
) -> Consultation:
    """Change a consultation and its phases together: ``phases`` is the whole new list (a
    phase with the ``id`` of one of the consultation's phases changes it; one without is new;
    phases not listed are deleted).

    Who: editors and admins (``consultations.change_consultation``). Writes the consultation,
    its phases and a ``wagtail.edit`` entry in the audit log, all or nothing. The results
    statement is not changed here (``publish_results``). Broadcasts
    ``consultation.updated`` (title, status and phases) to the consultation's group when the
    title or the phases changed, so open pages show the new state.
    """
    if not rules.has_perm("consultations.change_consultation", editor, consultation):
        raise PermissionDenied()
    fields = _clean_fields(
        {
            "title": title,
            "slug": slug,
            "summary": summary,
            "topic": topic,
            "district": district,
            "area": area,
            "visibility": visibility,
            "moderation_mode": moderation_mode,
        }
    )
    cleaned_phases = _clean_phases(phases)
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        own = set(consultation.phases.values_list("pk", flat=True))
        for index, phase in enumerate(cleaned_phases):
            if phase["id"] and phase["id"] not in own:
                raise PhaseError(_("This phase belongs to another consultation."), index=index)
        old_title, old_phases = consultation.title, _phase_state(consultation)
        _save_fields(consultation, fields)
        _write_phases(consultation, cleaned_phases)
        log(instance=consultation, action="wagtail.edit", user=editor, content_changed=True)
        consultation = Consultation.objects.prefetch_related("phases").get(pk=consultation.pk)
        if consultation.title != old_title or _phase_state(consultation) != old_phases:
            realtime.broadcast_on_commit(
                realtime.consultation_group(consultation.pk),
                realtime.EventType.CONSULTATION_UPDATED,
                consultation_update_payload(consultation),
            )
    return consultation


def publish_results(*, editor: User, consultation: Consultation, statement: str) -> Consultation:
    """Publish the town's "what became of your input" statement for a consultation.

    Who: editors and admins (``consultations.publish_results``). Writes the statement and the
    publication time. Broadcasts ``consultation.results_published`` to the consultation's group.
    """
    if not rules.has_perm("consultations.publish_results", editor, consultation):
        raise PermissionDenied()
    statement = clean_plain_text(statement)
    if not statement:
        raise ActionError(_("The statement must not be empty."), code="empty")
    if len(statement) > 20000:
        raise ActionError(_("The statement is too long (at most 20,000 characters)."))
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        consultation.results_statement = statement
        consultation.results_published_at = timezone.now()
        consultation.save(update_fields=["results_statement", "results_published_at", "modified"])
        realtime.broadcast_on_commit(
            realtime.consultation_group(consultation.pk),
            realtime.EventType.RESULTS_PUBLISHED,
            {
                "consultation": consultation.pk,
                "statement": consultation.results_statement,
                "published_at": consultation.results_published_at.isoformat(),
            },
        )
    return consultation


def _clean_discussion(
    *, consultation: Consultation, title: str, description: str, open_in_phases: Iterable[Phase]
) -> dict[str, Any]:
    title = (title or "").strip()
    if not title:
        raise ActionError(_("The discussion needs a title."), code="title")
    phases = list(open_in_phases)
    if any(phase.consultation_id != consultation.pk for phase in phases):
        raise ActionError(
            _("Choose phases of this discussion's consultation only."), code="open_in_phases"
        )
    return {"title": title, "description": description or "", "phases": phases}


def _check_auto_hide(value: int | None) -> None:
    if value is not None and not 1 <= value <= 100:
        raise ActionError(
            _("Hide after between 1 and 100 reports."), code="auto_hide_after_reports"
        )


def create_discussion(
    *,
    editor: User,
    consultation: Consultation,
    title: str,
    description: str = "",
    open_in_phases: Iterable[Phase] = (),
    auto_hide_after_reports: int | None = None,
) -> Discussion:
    """Create a discussion of a consultation (placed on its page with a block afterwards).

    Who: editors and admins (``consultations.add_discussion``). Writes the discussion, the
    phases it is limited to and a ``wagtail.create`` audit entry. Broadcasts nothing (no page
    shows it yet).
    """
    if not rules.has_perm("consultations.add_discussion", editor, consultation):
        raise PermissionDenied()
    cleaned = _clean_discussion(
        consultation=consultation,
        title=title,
        description=description,
        open_in_phases=open_in_phases,
    )
    _check_auto_hide(auto_hide_after_reports)
    extra = {}
    if auto_hide_after_reports is not None:
        extra["auto_hide_after_reports"] = auto_hide_after_reports
    with transaction.atomic():
        discussion = Discussion.objects.create(
            consultation=consultation,
            title=cleaned["title"],
            description=cleaned["description"],
            **extra,
        )
        discussion.open_in_phases.set(cleaned["phases"])
        log(instance=discussion, action="wagtail.create", user=editor, content_changed=True)
    return discussion


def change_discussion(
    *,
    editor: User,
    discussion: Discussion,
    consultation: Consultation,
    title: str,
    description: str = "",
    open_in_phases: Iterable[Phase] = (),
    auto_hide_after_reports: int | None = None,
) -> Discussion:
    """Change a discussion's title, description, phases or auto-hide threshold.

    Who: editors and admins (``consultations.change_discussion``). A discussion that has
    comments stays with its consultation. Writes the discussion and a ``wagtail.edit`` audit
    entry. Broadcasts nothing: the page shows the change on the next load.
    """
    if not rules.has_perm("consultations.change_discussion", editor, discussion):
        raise PermissionDenied()
    cleaned = _clean_discussion(
        consultation=consultation,
        title=title,
        description=description,
        open_in_phases=open_in_phases,
    )
    _check_auto_hide(auto_hide_after_reports)
    with transaction.atomic():
        discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
        if discussion.consultation_id != consultation.pk and discussion.comments.exists():
            raise ActionError(
                _("This discussion has comments and stays with its consultation."),
                code="consultation",
            )
        discussion.consultation = consultation
        discussion.title = cleaned["title"]
        discussion.description = cleaned["description"]
        if auto_hide_after_reports is not None:
            discussion.auto_hide_after_reports = auto_hide_after_reports
        discussion.save()
        discussion.open_in_phases.set(cleaned["phases"])
        log(instance=discussion, action="wagtail.edit", user=editor, content_changed=True)
    return discussion


def delete_consultation(*, editor: User, consultation: Consultation) -> Consultation:
    """Delete a consultation that was set up but never took place: with its phases and its
    discussions, which must have no comments.

    Who: editors and admins (``consultations.delete_consultation``). Refused while a page
    presents it (delete or move that page first) and when residents have commented in it
    (their comments are part of the consultation's record). Writes the deletion and one
    ``wagtail.delete`` audit entry, all or nothing. Broadcasts nothing: with no page
    presenting it, nobody is watching it. Returns the deleted consultation (without primary
    key).
    """
    if not rules.has_perm("consultations.delete_consultation", editor, consultation):
        raise PermissionDenied()
    with transaction.atomic():
        consultation = lock_for_deletion(consultation)
        if Comment.objects.filter(discussion__consultation=consultation).exists():
            raise ActionError(
                _(
                    "Residents have commented in this consultation, so it cannot be deleted. "
                    "Unpublish its page instead."
                ),
                code="comments",
            )
        return delete_logged(
            consultation,
            user=editor,
            protected=_("A page still presents this consultation. Delete or move that page first."),
        )


def delete_discussion(*, editor: User, discussion: Discussion) -> Discussion:
    """Delete a discussion nobody has commented in.

    Who: editors and admins (``consultations.delete_discussion``). Refused when it has
    comments (residents' comments are part of the consultation's record: take its block off
    the page to close it to view instead). Writes the deletion and its ``wagtail.delete``
    audit entry. Broadcasts nothing, as ``change_discussion``: the page shows the change on
    the next load. Returns the deleted discussion (without primary key).
    """
    if not rules.has_perm("consultations.delete_discussion", editor, discussion):
        raise PermissionDenied()
    with transaction.atomic():
        discussion = lock_for_deletion(discussion)
        if discussion.comments.exists():
            raise ActionError(
                _(
                    "This discussion has comments and cannot be deleted. Remove its block "
                    "from the consultation page instead."
                ),
                code="comments",
            )
        return delete_logged(discussion, user=editor)
