"""Editorial pages and site settings.

The tree: one HomePage per site; below it content pages, one news section and one
consultation section. A ConsultationPage presents one ``consultations.Consultation`` (the
participation objects stay plain Django models, placed on pages with blocks).
"""

from __future__ import annotations

import rules
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms import page_cache
from cms.blocks import BodyStreamBlock, ConsultationBodyStreamBlock, KnownGapsStreamBlock
from cms.page_cache import CachedPageMixin
from consultations import live_tokens
from consultations.models import Consultation
from consultations.phases import PhaseKind
from consultations.sanitising import render_plain_text
from consultations.selectors import visible_consultations, would_resident_be_allowed

NEWS_PER_PAGE = 10
CONSULTATIONS_PER_PAGE = 12
HOME_NEWS_COUNT = 3


class BasePage(CachedPageMixin, Page):
    """Shared behaviour of our pages: anonymous page cache and a teaser text for lists."""

    class Meta:
        abstract = True

    def teaser_text(self) -> str:
        return self.search_description or getattr(self, "intro", "") or ""


def consultation_pages():
    """Live, publicly reachable consultation pages with everything a card shows, in a fixed
    number of queries (consultation, topic, district joined; phases prefetched)."""
    return (
        ConsultationPage.objects.live()
        .public()
        .select_related("consultation__topic", "consultation__district")
        .prefetch_related("consultation__phases")
    )


class HomePage(BasePage):
    """The start page of a town's site: a hero, consultations open now and the latest news."""

    hero_heading = models.CharField(_("heading"), max_length=200)
    hero_intro = models.TextField(_("introduction"), blank=True, max_length=1000)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Decorative: it is shown without alternative text."),
    )
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_heading"), FieldPanel("hero_intro"), FieldPanel("hero_image")],
            heading=_("Hero"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("hero_heading"),
        index.SearchField("hero_intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.ContentPage",
        "cms.NewsIndexPage",
        "cms.ConsultationIndexPage",
        "cms.AccessibilityStatementPage",
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def teaser_text(self) -> str:
        return self.search_description or self.hero_intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        open_now = Consultation.objects.public().open().values("pk")
        context["current_consultations"] = list(
            consultation_pages()
            .descendant_of(self)
            .filter(consultation__in=open_now)
            .order_by("path")
        )
        context["latest_news"] = list(
            NewsPage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("image")
            .order_by("-date", "-pk")[:HOME_NEWS_COUNT]
        )
        context["news_index"] = NewsIndexPage.objects.live().descendant_of(self).first()
        context["consultation_index"] = (
            ConsultationIndexPage.objects.live().descendant_of(self).first()
        )
        return context


class ContentPage(BasePage):
    """A general editorial page (about us, imprint, privacy, ...) built from content blocks."""

    intro = models.TextField(_("introduction"), blank=True, max_length=1000)
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage"]

    class Meta:
        verbose_name = _("content page")


class NewsIndexPage(BasePage):
    """The news section: its news pages, newest first, ten to a page."""

    intro = models.TextField(_("introduction"), blank=True, max_length=1000)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]

    class Meta:
        verbose_name = _("news index")

    def news_pages(self):
        return (
            NewsPage.objects.live()
            .public()
            .child_of(self)
            .select_related("image")
            .order_by("-date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.news_pages(), NEWS_PER_PAGE)
        context["news"] = paginator.get_page(request.GET.get("page"))
        return context


class NewsPage(BasePage):
    """One news item with a date, a teaser, an optional image and a body."""

    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("introduction"), max_length=1000)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("alternative text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for people who cannot see it (required with an image)."),
    )
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Image")),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    def clean(self):
        super().clean()
        if self.image_id and not self.image_alt.strip():
            raise ValidationError({"image_alt": _("An image needs an alternative text.")})


class ConsultationIndexPage(BasePage):
    """All consultations of the site, filterable by topic, district and status (plain GET
    form, so filtering works without JavaScript)."""

    intro = models.TextField(_("introduction"), blank=True, max_length=1000)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ConsultationPage"]

    class Meta:
        verbose_name = _("consultation index")

    def consultation_pages_for(self, request, filters: dict):
        """The consultation pages this person may see, filtered; a fixed number of queries."""
        visible = visible_consultations(request.user)
        if filters.get("topic"):
            visible = visible.filter(topic=filters["topic"])
        if filters.get("district"):
            visible = visible.filter(district=filters["district"])
        if filters.get("status"):
            visible = visible.with_status(filters["status"])
        return (
            consultation_pages()
            .child_of(self)
            .filter(consultation__in=visible.values("pk"))
            .order_by("path")
        )

    def get_context(self, request, *args, **kwargs):
        from cms.forms import ConsultationFilterForm

        context = super().get_context(request, *args, **kwargs)
        form = ConsultationFilterForm(request.GET or None)
        form.is_valid()  # an unknown value in one field must not drop the other filters
        filters = getattr(form, "cleaned_data", {})
        paginator = Paginator(self.consultation_pages_for(request, filters), CONSULTATIONS_PER_PAGE)
        context["filter_form"] = form
        context["is_filtered"] = any(filters.values())
        context["consultations"] = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        return context


class ConsultationPage(BasePage):
    """The public face of one consultation: summary, status, phase timeline, the modules
    placed on it and, at the end, what became of people's input.

    Private consultations answer 404 to everybody who may not see them.
    """

    consultation = models.OneToOneField(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="page",
    )
    intro = models.TextField(_("introduction"), blank=True, max_length=1000)
    body = StreamField(ConsultationBodyStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("consultation"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields(
            "consultation",
            [index.SearchField("summary"), index.SearchField("results_statement")],
        ),
    ]

    parent_page_types = ["cms.ConsultationIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("consultation page")

    def teaser_text(self) -> str:
        return self.search_description or self.intro or self.consultation.summary

    def discussion_blocks(self):
        return [block for block in self.body if block.block_type == "discussion"]

    @property
    def has_discussion(self) -> bool:
        """Whether the page needs the discussion script (and a reaction-aware cache key).

        Read from the raw stream data: asked on every cache hit, it must not load the blocks'
        discussions."""
        return any(item.get("type") == "discussion" for item in self.body.raw_data)

    def clean(self):
        super().clean()
        if self.consultation_id is None:
            return
        foreign = [
            block.value["discussion"]
            for block in self.discussion_blocks()
            if block.value.get("discussion") is not None
            and block.value["discussion"].consultation_id != self.consultation_id
        ]
        foreign_surveys = [
            block.value["survey"]
            for block in self.body
            if block.block_type == "survey"
            and block.value.get("survey") is not None
            and block.value["survey"].consultation_id != self.consultation_id
        ]
        if foreign_surveys:
            raise ValidationError(
                {
                    "body": _(
                        "The survey “%(survey)s” belongs to another consultation. Choose a "
                        "survey of “%(consultation)s”, or create one under Participation › "
                        "Surveys."
                    )
                    % {"survey": foreign_surveys[0], "consultation": self.consultation}
                }
            )
        if foreign:
            raise ValidationError(
                {
                    "body": _(
                        "The discussion “%(discussion)s” belongs to another consultation. "
                        "Choose a discussion of “%(consultation)s”, or create one under "
                        "Participation › Discussions."
                    )
                    % {"discussion": foreign[0], "consultation": self.consultation}
                }
            )

    def serve(self, request, *args, **kwargs):
        if not rules.has_perm("consultations.view_consultation", request.user, self.consultation):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def can_cache_for_anonymous(self) -> bool:
        # Only public consultations reach anonymous readers (``serve`` answers 404 otherwise);
        # asked again here because a stored copy is served without that check.
        return self.consultation.is_public and super().can_cache_for_anonymous()

    def page_cache_dependencies(self) -> list[str]:
        # A live change of this consultation (a comment, published results) retires cached
        # copies; activity in other consultations does not.
        names = [page_cache.LIVE_EVENTS, page_cache.live_of(self.consultation_id)]
        if self.has_discussion:
            # Reaction tallies are broadcast as coalesced states without a live event, so
            # reactions have their own version (see cms/signals.py).
            names.append(page_cache.reactions_of(self.consultation_id))
        return names

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        consultation = self.consultation
        now = timezone.now()
        active = consultation.phase_at(now)
        context["consultation"] = consultation
        context["phases"] = [
            {
                "phase": phase,
                "is_active": phase == active,
                "is_past": phase.end <= now,
            }
            for phase in consultation.phase_list
        ]
        context["active_phase"] = active
        context["next_participation"] = next(
            (
                phase
                for phase in consultation.phase_list
                if phase.kind == PhaseKind.PARTICIPATION and phase.start > now
            ),
            None,
        )
        context["status"] = consultation.status_at(now)
        context["results_html"] = render_plain_text(consultation.results_statement)
        # One socket for the page: the consultation and the discussions on it that this
        # reader may see (their blocks check the same rule before rendering).
        listened = [consultation]
        for block in self.discussion_blocks():
            discussion = block.value.get("discussion")
            if discussion is None or discussion.consultation_id != consultation.pk:
                continue
            discussion.consultation = consultation  # with its phases, for the rules
            if rules.has_perm("consultations.view_consultation", request.user, discussion):
                listened.append(discussion)
        context.update(live_tokens.subscription_for(consultation, listened))
        user = getattr(request, "user", None)
        context["show_login_prompt"] = not (
            user is not None and user.is_authenticated
        ) and would_resident_be_allowed("consultations.add_comment", consultation)
        return context


class AccessibilityStatementPage(BasePage):
    """The site's accessibility statement as BITV 2.0 (§ 7) and EU directive 2016/2102 require
    it: conformance status, known gaps with reasons and alternatives, when and how the site was
    last reviewed, a feedback contact and the enforcement body. One per site (a child of the
    home page); every page's footer links to it."""

    class Conformance(models.TextChoices):
        FULL = "full", _("fully compliant")
        PARTIAL = "partial", _("partially compliant")
        NONE = "none", _("not compliant")

    class ReviewMethod(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", _("self-assessment")
        THIRD_PARTY = "third_party", _("assessment by a third party")

    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=1000,
        help_text=_("Who makes the statement and which website it covers."),
    )
    conformance = models.CharField(
        _("conformance status"),
        max_length=10,
        choices=Conformance.choices,
        default=Conformance.PARTIAL,
        help_text=_("Measured against BITV 2.0 (EN 301 549, WCAG 2.1 level AA)."),
    )
    known_gaps = StreamField(
        KnownGapsStreamBlock(),
        verbose_name=_("known gaps"),
        blank=True,
        help_text=_("Required unless the site is fully compliant."),
    )
    statement_date = models.DateField(
        _("statement prepared or last updated"), default=timezone.localdate
    )
    review_date = models.DateField(_("last review of the website"), default=timezone.localdate)
    review_method = models.CharField(
        _("review method"),
        max_length=20,
        choices=ReviewMethod.choices,
        default=ReviewMethod.SELF_ASSESSMENT,
    )
    review_details = models.TextField(
        _("how the review was done"),
        blank=True,
        max_length=1000,
        help_text=_("E.g. tools, browsers and assistive technology used, or who tested."),
    )
    feedback_contact = models.CharField(
        _("contact for feedback"),
        max_length=200,
        help_text=_("The office or person who answers, e.g. “Beauftragte für Barrierefreiheit”."),
    )
    feedback_email = models.EmailField(_("e-mail address"), blank=True)
    feedback_phone = models.CharField(_("phone number"), max_length=40, blank=True)
    feedback_form_url = models.URLField(_("link to a contact form"), blank=True)
    enforcement_body = models.CharField(
        _("enforcement body"),
        max_length=300,
        help_text=_(
            "The arbitration body (Schlichtungsstelle) responsible for you: it depends on the "
            "Land; federal bodies name the Schlichtungsstelle nach dem BGG."
        ),
    )
    enforcement_address = models.TextField(_("postal address"), blank=True, max_length=500)
    enforcement_email = models.EmailField(_("e-mail address"), blank=True)
    enforcement_phone = models.CharField(_("phone number"), max_length=40, blank=True)
    enforcement_url = models.URLField(_("website"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("conformance"), FieldPanel("known_gaps")],
            heading=_("Conformance"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("statement_date"),
                FieldPanel("review_date"),
                FieldPanel("review_method"),
                FieldPanel("review_details"),
            ],
            heading=_("Review"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("feedback_contact"),
                FieldPanel("feedback_email"),
                FieldPanel("feedback_phone"),
                FieldPanel("feedback_form_url"),
            ],
            heading=_("Feedback"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("enforcement_body"),
                FieldPanel("enforcement_address"),
                FieldPanel("enforcement_email"),
                FieldPanel("enforcement_phone"),
                FieldPanel("enforcement_url"),
            ],
            heading=_("Enforcement procedure"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("accessibility statement")

    def clean(self):
        super().clean()
        errors = {}
        if self.conformance != self.Conformance.FULL and not len(self.known_gaps):
            errors["known_gaps"] = _(
                "Name the content that is not accessible, why, and the accessible alternative."
            )
        if not (self.feedback_email or self.feedback_phone or self.feedback_form_url):
            errors["feedback_email"] = _(
                "Give at least one way to send feedback: e-mail, phone or a contact form."
            )
        if not (self.enforcement_url or self.enforcement_email or self.enforcement_address):
            errors["enforcement_url"] = _(
                "Say how to reach the enforcement body: website, e-mail or postal address."
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def for_site(cls, site) -> AccessibilityStatementPage | None:
        """The live statement of ``site`` (the footer links to it), if it has one."""
        if site is None:
            return None
        return cls.objects.live().descendant_of(site.root_page, inclusive=True).first()


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """The town's name, logo and the legally required pages linked from every page's footer
    (the accessibility statement is a page type of its own, found per site)."""

    town_name = models.CharField(_("town name"), max_length=100, default="Musterstadt")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imprint_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("imprint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel("town_name"), FieldPanel("tagline"), FieldPanel("logo")],
            heading=_("Town"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("imprint_page"),
                FieldPanel("privacy_page"),
                FieldPanel("contact_email"),
            ],
            heading=_("Footer"),
            help_text=_(
                "Every footer links the site's accessibility statement by itself: create a "
                "page of the type “accessibility statement” below the home page."
            ),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")
