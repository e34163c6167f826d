"""The one stream of content blocks shared by every page body.

Each block renders through its own template in ``templates/cms/blocks/`` so the markup stays
semantic (figure/figcaption, blockquote, details/summary) and free of inline styles or scripts.
Participation modules (discussions, surveys, idea maps) belong to one consultation, so they are
offered only in ``ConsultationBodyStreamBlock``, the body of consultation pages: there the
page's permission check, phases and live page-cache key apply to them.
"""

from __future__ import annotations

import rules
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

# Editors get structure and emphasis, never colours, fonts or embedded media: pages must stay
# accessible whatever is pasted into them.
RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    """A section heading; level h2 or h3 only, since the page title is the one h1."""

    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("Heading (h2)")), ("h3", _("Subheading (h3)"))],
        default="h2",
    )
    text = blocks.CharBlock(label=_("text"), max_length=200)

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading_block.html"


class ImageBlock(blocks.StructBlock):
    """An image with required alternative text and an optional visible caption."""

    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        max_length=250,
        help_text=_(
            "Describe what the image shows for people who cannot see it. "
            "Write what matters for the page, not the file name."
        ),
    )
    caption = blocks.CharBlock(label=_("caption"), max_length=250, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image_block.html"


class QuoteBlock(blocks.StructBlock):
    """A quotation with an optional attribution (who said it)."""

    text = blocks.TextBlock(label=_("quotation"))
    attribution = blocks.CharBlock(label=_("attribution"), max_length=200, required=False)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "cms/blocks/quote_block.html"


class CallToActionBlock(blocks.StructBlock):
    """A short invitation with one button linking to a page or an address."""

    text = blocks.TextBlock(label=_("text"))
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("or web address"), required=False)
    button_label = blocks.CharBlock(label=_("button label"), max_length=80)

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "cms/blocks/call_to_action_block.html"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = _("Choose either a page or a web address.")
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(message), "url": ValidationError(message)}
            )
        return value


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("answer"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("Question")


class FaqBlock(blocks.StructBlock):
    """Questions and answers that open in place (details/summary: works without JavaScript)."""

    questions = blocks.ListBlock(FaqItemBlock(), label=_("questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Frequently asked questions")
        template = "cms/blocks/faq_block.html"


class DocumentBlock(blocks.StructBlock):
    """A download link that says what the file is and how big it is before people click."""

    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(
        label=_("link text"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the document's title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "cms/blocks/document_block.html"


class ConsultationTeaserBlock(blocks.StructBlock):
    """A card pointing to a consultation; private ones only show to people who may see them."""

    consultation = SnippetChooserBlock("consultations.Consultation", label=_("consultation"))

    class Meta:
        icon = "group"
        label = _("Consultation teaser")
        template = "cms/blocks/consultation_teaser_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        consultation = value.get("consultation")
        request = (parent_context or {}).get("request")
        user = getattr(request, "user", None)
        visible = consultation is not None and (
            consultation.is_public
            or rules.has_perm("consultations.view_consultation", user, consultation)
        )
        context["consultation"] = consultation if visible else None
        context["consultation_page"] = _live_page_of(consultation) if visible else None
        return context


class DiscussionBlock(blocks.StructBlock):
    """A discussion of the page's consultation, with its comments, form and live updates.

    The discussion must belong to the consultation of the page (checked when the page is
    saved, see ``ConsultationPage.clean``); one of another consultation renders nothing.
    """

    discussion = SnippetChooserBlock(
        "consultations.Discussion",
        label=_("discussion"),
        help_text=_("A discussion of this page's consultation (Participation › Discussions)."),
    )

    class Meta:
        icon = "comment"
        label = _("Discussion")
        template = "cms/blocks/discussion_block.html"

    def get_context(self, value, parent_context=None):
        from consultations.views.discussions import discussion_context

        parent_context = parent_context or {}
        context = super().get_context(value, parent_context=parent_context)
        context["discussion"] = None
        discussion = value.get("discussion")
        request = parent_context.get("request")
        consultation = getattr(parent_context.get("page"), "consultation", None)
        if discussion is None or request is None or consultation is None:
            return context
        if discussion.consultation_id != consultation.pk:
            return context
        # The page's consultation comes with its phases: the permission checks reuse them.
        discussion.consultation = consultation
        if not rules.has_perm("consultations.view_consultation", request.user, discussion):
            return context
        context.update(discussion_context(request, discussion, own_socket=False))
        context["discussion"] = discussion
        return context


class SurveyBlock(blocks.StructBlock):
    """A survey of the page's consultation: its introduction, when it takes answers, and the
    way to answer it and to its results. The questions are on the survey's own pages.

    The survey must belong to the consultation of the page (checked when the page is saved);
    a draft or one of another consultation renders nothing.
    """

    survey = SnippetChooserBlock(
        "consultations.Survey",
        label=_("survey"),
        help_text=_("A survey of this page's consultation (Participation › Surveys)."),
    )

    class Meta:
        icon = "list-ul"
        label = _("Survey")
        template = "cms/blocks/survey_block.html"

    def get_context(self, value, parent_context=None):
        from consultations.views.surveys import survey_teaser_context

        parent_context = parent_context or {}
        context = super().get_context(value, parent_context=parent_context)
        context["survey"] = None
        survey = value.get("survey")
        request = parent_context.get("request")
        consultation = getattr(parent_context.get("page"), "consultation", None)
        if survey is None or request is None or consultation is None:
            return context
        if survey.consultation_id != consultation.pk:
            return context
        survey.consultation = consultation
        if not rules.has_perm("consultations.view_survey", request.user, survey):
            return context
        context.update(survey_teaser_context(request, survey))
        return context


class CouncilBlock(blocks.StructBlock):
    """A citizens' council of the page's consultation: its question, panel size and the way
    to its page. A draft shows only to its organisers (a preview); one of another
    consultation renders nothing."""

    council = SnippetChooserBlock(
        "consultations.Council",
        label=_("citizens' council"),
        help_text=_("A council of this page's consultation (Participation › Citizens' councils)."),
    )

    class Meta:
        icon = "group"
        label = _("Citizens' council")
        template = "cms/blocks/council_block.html"

    def get_context(self, value, parent_context=None):
        parent_context = parent_context or {}
        context = super().get_context(value, parent_context=parent_context)
        context["council"] = None
        council = value.get("council")
        request = parent_context.get("request")
        consultation = getattr(parent_context.get("page"), "consultation", None)
        if council is None or request is None or consultation is None:
            return context
        if council.consultation_id != consultation.pk:
            return context
        council.consultation = consultation
        if rules.has_perm("consultations.view_council", request.user, council):
            context["council"] = council
        return context


class QuickPollBlock(blocks.StructBlock):
    """A quick poll (Participation › Quick polls) on any page. The page stays cacheable for
    anonymous visitors: the block is the same for all of them (no CSRF token, no per-browser
    state; a browser that voted gets its result from ``poll.js``)."""

    poll = SnippetChooserBlock(
        "consultations.QuickPoll",
        label=_("quick poll"),
        help_text=_("One question, open between its own dates (Participation › Quick polls)."),
    )

    class Meta:
        icon = "tick-inverse"
        label = _("Quick poll")
        template = "cms/blocks/quick_poll_block.html"

    def get_context(self, value, parent_context=None):
        from consultations.views.polls import poll_context, results

        parent_context = parent_context or {}
        context = super().get_context(value, parent_context=parent_context)
        context["poll"] = None
        poll = value.get("poll")
        request = parent_context.get("request")
        if poll is None or request is None:
            return context
        if not rules.has_perm("consultations.view_quickpoll", request.user, poll):
            return context
        mine = None
        if request.user.is_authenticated:
            mine = poll.votes.filter(user=request.user).select_related("choice").first()
        context.update(poll_context(request, poll, mine=mine))
        if mine is not None or context["closed"]:
            context["results"] = results(poll)
        page = parent_context.get("page")
        context["page_url"] = getattr(page, "url", "") or request.path
        return context


def _live_page_of(consultation):
    """The consultation's page if it is live; reached through the one-to-one key's reverse
    side (``ConsultationPage.consultation``, related name ``page``) so that the blocks, which
    the page models are built from, never import them."""
    page = getattr(consultation, "page", None)  # the missing page raises an AttributeError
    return page if page is not None and page.live else None


class KnownGapBlock(blocks.StructBlock):
    """One barrier an accessibility statement admits: what, why, and how people get around it
    (BITV 2.0 § 7: non-accessible content, the reasons, accessible alternatives)."""

    barrier = blocks.TextBlock(
        label=_("content that is not accessible"),
        max_length=1000,
        help_text=_("Say what is not accessible and for whom, e.g. “PDF documents lack tags”."),
    )
    reason = blocks.TextBlock(
        label=_("reason"),
        max_length=1000,
        help_text=_("Why: not fixed yet (and by when), or a disproportionate burden."),
    )
    alternative = blocks.TextBlock(
        label=_("accessible alternative"),
        max_length=1000,
        help_text=_("How people still get the content, e.g. on request by e-mail or phone."),
    )

    class Meta:
        icon = "warning"
        label = _("Known gap")
        template = "cms/blocks/known_gap_block.html"


class KnownGapsStreamBlock(blocks.StreamBlock):
    """The list of known gaps; a stream so editors can add, reorder and remove entries."""

    gap = KnownGapBlock()


class BodyStreamBlock(blocks.StreamBlock):
    """Everything an editor can put into a page body."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Text"),
        icon="pilcrow",
        features=RICH_TEXT_FEATURES,
        template="cms/blocks/paragraph_block.html",
    )
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    faq = FaqBlock()
    document = DocumentBlock()
    consultation_teaser = ConsultationTeaserBlock()
    quick_poll = QuickPollBlock()

    class Meta:
        label = _("Content")


class ConsultationBodyStreamBlock(BodyStreamBlock):
    """The body of a consultation page: the shared blocks plus the participation modules."""

    discussion = DiscussionBlock()
    survey = SurveyBlock()
    council = CouncilBlock()

    class Meta:
        label = _("Content")
