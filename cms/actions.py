"""Editorial writes that span a consultation and its page.

The participation side (``consultations``) never imports the pages, so the one write that
needs both lives here: setting up a consultation with its phases and modules *and* the page
that presents it, in one transaction. The participation objects are written by their own
actions (which check their named rules and write their audit entries); the page goes through
Wagtail's page API as the page editor does (``add_child``, ``save_revision``, ``publish``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms.models import ConsultationIndexPage, ConsultationPage
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.consultations import create_consultation, create_discussion
from consultations.actions.surveys import create_survey
from consultations.models import Consultation, District, Topic, User
from consultations.slugs import german_slugify, unique_slug

SLUG_MAX_LENGTH = 200


def consultation_slug(*, title: str, index: ConsultationIndexPage, slug: str = "") -> str:
    """The slug a new consultation and its page share: the one given, or one made from the
    title (German transliteration) that neither another consultation nor a page beside the
    new one uses yet."""
    if slug:
        return slug
    base = german_slugify(title, max_length=SLUG_MAX_LENGTH)
    if not base:
        raise ActionError(
            _("No web address can be made from this title. Enter a slug."), code="slug"
        )
    siblings = set(index.get_children().values_list("slug", flat=True))
    return unique_slug(
        base,
        lambda candidate: (
            candidate in siblings or Consultation.objects.filter(slug=candidate).exists()
        ),
        max_length=SLUG_MAX_LENGTH,
    )


def set_up_consultation(
    *,
    editor: User,
    index: ConsultationIndexPage,
    title: str,
    summary: str,
    phases: Sequence[Mapping[str, Any]],
    slug: str = "",
    topic: Topic | None = None,
    district: District | None = None,
    visibility: str = Consultation.Visibility.PUBLIC,
    moderation_mode: str = Consultation.ModerationMode.AFTER,
    discussion_title: str = "",
    survey_title: str = "",
    publish: bool = False,
) -> ConsultationPage:
    """Set up a consultation in one go: the consultation with its phases, a discussion and a
    draft survey if titles are given, and its page below ``index`` with a block for each
    module, published if ``publish``.

    Who: people the named rules let add consultations (and discussions, surveys, as asked)
    and whom Wagtail lets add pages below ``index`` (and publish them, if ``publish``).
    Writes the consultation, its phases and modules (each action writes its own audit entry)
    and the page with its first revision (``wagtail.create``, and ``wagtail.publish`` when
    published), all or nothing: a refusal anywhere leaves nothing behind. Broadcasts nothing
    (nobody watches what did not exist). The slug, given or made from the title, is the
    consultation's and the page's.
    """
    permissions = index.permissions_for_user(editor)
    if not permissions.can_add_subpage() or (publish and not permissions.can_publish_subpage()):
        raise PermissionDenied()
    slug = consultation_slug(title=(title or "").strip(), index=index, slug=slug)
    if index.get_children().filter(slug=slug).exists():
        raise ActionError(
            _("A page beside this one already has the slug “%(slug)s”.") % {"slug": slug},
            code="slug",
        )
    with transaction.atomic():
        consultation = create_consultation(
            editor=editor,
            title=title,
            slug=slug,
            summary=summary,
            phases=phases,
            topic=topic,
            district=district,
            visibility=visibility,
            moderation_mode=moderation_mode,
        )
        body = []
        if (discussion_title or "").strip():
            discussion = create_discussion(
                editor=editor, consultation=consultation, title=discussion_title
            )
            body.append(("discussion", {"discussion": discussion}))
        if (survey_title or "").strip():
            survey = create_survey(editor=editor, consultation=consultation, title=survey_title)
            body.append(("survey", {"survey": survey}))
        page = ConsultationPage(
            title=consultation.title,
            slug=slug,
            consultation=consultation,
            body=body,
            owner=editor,
            live=False,
            has_unpublished_changes=True,
        )
        try:
            index.add_child(instance=page)
        except ValidationError as error:
            raise ActionError(" ".join(error.messages), code="page") from error
        revision = page.save_revision(user=editor, log_action=False)
        log(instance=page, action="wagtail.create", user=editor, content_changed=True)
        if publish:
            revision.publish(user=editor)
    return ConsultationPage.objects.get(pk=page.pk)


def follow_consultation_title(*, editor: User, page: ConsultationPage) -> ConsultationPage:
    """Give a consultation's page its consultation's title again after the title changed
    (the page shows the consultation's title anyway; this keeps the page tree, menus and
    search results in step).

    Who: whoever Wagtail lets edit the page; for others nothing changes until the page is
    next saved. Writes a new revision with the title (``wagtail.edit``), published
    (``wagtail.publish``) when the page was live without other unpublished changes and the
    editor may publish it; a draft with other changes keeps them and just gets the title.
    """
    title = page.consultation.title
    permissions = page.permissions_for_user(editor)
    if page.title == title or not permissions.can_edit():
        return page
    with transaction.atomic():
        had_drafts = page.has_unpublished_changes
        latest = page.get_latest_revision_as_object()
        latest.title = title
        revision = latest.save_revision(user=editor, log_action=True)
        if page.live and not had_drafts and permissions.can_publish():
            revision.publish(user=editor)
    return ConsultationPage.objects.get(pk=page.pk)
