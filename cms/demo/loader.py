"""Loads the demo town described in ``musterstadt.toml`` (``manage.py load_demo``).

Idempotent: everything is looked up by slug, name, title, key or e-mail address first and only
created when missing, so loading twice changes nothing (and writes no audit entry). Phases are
placed relative to the day of the first load and left alone afterwards.

Every write of participation data goes through the actions the admin and the site call, by
the demo account whose role does it there, so it is checked, validated and logged (Wagtail's
audit log) the same way:

- the demo's admin (created first, by the loader as a script) creates the other accounts and
  gives them their site roles (``create_account``, ``grant_site_role``);
- its editor sets up topics and districts (``create_topic``, ``create_district``),
  consultations with their phases (``create_consultation``, ``change_consultation``) and their
  discussions (``create_discussion``), and publishes the pages;
- its site moderator fills the word list (``add_blocked_word``) and marks the official answer
  (``set_official``); residents post and react (``post_comment``, ``react``), so counts,
  live events and moderation decisions are right.

Pages go through Wagtail's own write path, in one place (``publish_page``, ``delete_page``);
images, documents, the site and its settings are Wagtail's models, saved as its admin does.
The one direct write is ``date_back``: demo comments are dated back a few hours or days.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.actions.delete_page import DeletePageAction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from cms.models import (
    AccessibilityStatementPage,
    ConsultationIndexPage,
    ConsultationPage,
    ContentPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
)
from consultations import roles
from consultations.actions import ActionError
from consultations.actions.accounts import create_account, grant_site_role
from consultations.actions.consultations import (
    change_consultation,
    create_consultation,
    create_discussion,
)
from consultations.actions.discussions import post_comment, react
from consultations.actions.moderation import set_official
from consultations.actions.places import create_district, create_topic
from consultations.actions.polls import create_poll
from consultations.actions.surveys import (
    change_survey,
    create_survey,
    enter_paper_response,
    submit_response,
)
from consultations.actions.word_list import add_blocked_word
from consultations.models import (
    BlockedWord,
    Comment,
    Consultation,
    Discussion,
    District,
    QuickPoll,
    Reaction,
    Survey,
    Topic,
    User,
)
from consultations.sanitising import clean_plain_text

DEMO_PASSWORD = "mitreden-demo"

MUSTERSTADT = Path(__file__).with_name("musterstadt.toml")

PAGE_TYPES = {
    model.__name__: model
    for model in (
        AccessibilityStatementPage,
        ConsultationIndexPage,
        ConsultationPage,
        ContentPage,
        NewsIndexPage,
        NewsPage,
    )
}

# Stream block values in the data that name another object by its key:
# block type -> {field of the block: which objects the key is looked up in}.
BLOCK_REFERENCES = {
    "image": {"image": "images"},
    "document": {"document": "documents"},
    "discussion": {"discussion": "discussions"},
    "consultation_teaser": {"consultation": "consultations"},
    "call_to_action": {"page": "pages"},
}


def read_data(path: Path = MUSTERSTADT) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def rich_text(paragraphs: list[str]) -> RichText:
    return RichText("".join(f"<p>{text}</p>" for text in paragraphs))


# --- Wagtail's write path for pages: the loader writes pages only through these two ---------


def publish_page(page: Page, *, editor: User, parent: Page | None = None) -> Page:
    """Publish ``page`` as ``editor`` would in Wagtail's page editor: a new page is added under
    ``parent`` (Wagtail logs ``wagtail.create``), then a revision is saved and published
    (``wagtail.publish``). Wagtail's API rather than an action of ours: pages are Wagtail's."""
    if parent is not None:
        page.owner = editor
        parent.add_child(instance=page)
    page.save_revision(user=editor).publish(user=editor)
    return page


def delete_page(page: Page, *, editor: User) -> None:
    """Delete ``page`` (and anything under it) through Wagtail's delete action, logged
    ``wagtail.delete`` as in the admin. The loader only removes pages it replaces."""
    DeletePageAction(page, user=editor).execute(skip_permission_checks=True)


def date_back(comment: Comment, *, hours: int) -> None:
    """The loader's one direct write: a demo comment dated ``hours`` back, so the thread reads
    naturally and the per-minute rate limit is not hit. Presentation of demo data, not a
    domain change, so no action offers it."""
    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(hours=hours))


class DemoLoader:
    """One load of the demo data: ``created`` lists what it made, ``say`` hears what it skipped."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        today: date,
        say: Callable[[str], None],
    ):
        self.data = data
        self.today = today
        self.say = say
        self.created: list[str] = []
        # Everything loaded so far, by kind and key, for the data to refer to.
        self.objects: dict[str, dict[str, Any]] = {"accounts": {}}

    def load(self) -> list[tuple[User, str]]:
        """Load everything that is missing (call inside a transaction); returns the demo
        accounts with the role they are listed with."""
        # The admin first (it creates the others), then the staff accounts: the editor sets
        # up topics and districts, and the residents are created in their districts.
        self.load_accounts(lambda spec: not spec.get("district"))
        self.objects["topics"] = self.load_topics()
        self.objects["districts"] = self.load_districts()
        self.load_accounts(lambda spec: bool(spec.get("district")))
        self.objects["images"] = {"image": self.load_image()}
        self.objects["documents"] = {"document": self.load_document()}
        self.objects["consultations"] = self.load_consultations()
        self.objects["discussions"] = self.load_discussions()
        home = self.load_home()
        self.objects["pages"] = {"home": home}
        self.load_pages()
        self.place_discussions()
        self.load_settings(home.get_site() or Site.objects.get(is_default_site=True))
        self.load_word_list()
        self.load_comments()
        self.load_surveys()
        self.load_polls()
        people = self.objects["accounts"]
        return [(people[spec["email"]], spec["role"]) for spec in self.data["accounts"]]

    # --- helpers ----------------------------------------------------------------------------

    def note(self, what: str) -> None:
        self.created.append(what)

    def at(self, day_offset: int) -> datetime:
        """Midnight (local time) ``day_offset`` days from the first load's date."""
        day = self.today + timedelta(days=day_offset)
        return timezone.make_aware(datetime.combine(day, time.min))

    def stream(self, blocks: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        """Stream blocks of the data as (type, value), with their keys and rich text resolved."""
        return [self.block(block["type"], block["value"]) for block in blocks]

    def block(self, kind: str, value: Any) -> tuple[str, Any]:
        if kind == "paragraph":
            return kind, rich_text(value)
        if kind == "faq":
            questions = [
                {**question, "answer": rich_text(question["answer"])}
                for question in value["questions"]
            ]
            value = {**value, "questions": questions}
        for field, kind_of_object in BLOCK_REFERENCES.get(kind, {}).items():
            value = {**value, field: self.objects[kind_of_object][value[field]]}
        return kind, value

    # --- participation data -----------------------------------------------------------------

    def load_topics(self) -> dict[str, Topic]:
        topics = {}
        for spec in self.data["topics"]:
            topic = Topic.objects.filter(slug=spec["slug"]).first()
            if topic is None:
                topic = create_topic(editor=self.editor(), name=spec["name"], slug=spec["slug"])
                self.note(f"topic {spec['name']}")
            topics[spec["slug"]] = topic
        return topics

    def load_districts(self) -> dict[str, District]:
        districts = {}
        for spec in self.data["districts"]:
            district = District.objects.filter(slug=spec["slug"]).first()
            if district is None:
                district = create_district(
                    editor=self.editor(),
                    name=spec["name"],
                    slug=spec["slug"],
                    population=spec["population"],
                )
                self.note(f"district {spec['name']}")
            districts[spec["slug"]] = district
        return districts

    def load_accounts(self, which: Callable[[dict[str, Any]], bool]) -> None:
        """The accounts of the data that ``which`` picks, the admin first."""
        specs = [spec for spec in self.data["accounts"] if which(spec)]
        for spec in sorted(specs, key=lambda spec: not spec.get("superuser")):
            self.objects["accounts"][spec["email"]] = self.load_account(spec)

    def load_account(self, spec: dict[str, Any]) -> User:
        """One demo account with its site role; only a new account is placed in its district."""
        email, group = spec["email"], spec.get("group")
        if group is not None and group not in roles.SITE_ROLE_GROUPS:
            raise ValueError(f"{email}: {group!r} is not a site role (consultations.roles)")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            superuser = bool(spec.get("superuser"))
            district = spec.get("district")
            user = create_account(
                # The admin is created by the loader itself, as ``createsuperuser`` would.
                created_by=None if superuser else self.admin(),
                email=email,
                password=DEMO_PASSWORD,
                pseudonym=spec["pseudonym"],
                verified=True,
                district=self.objects["districts"][district] if district else None,
                # Editors see the "Administration" link in the site's header.
                staff=group == roles.EDITORS,
                superuser=superuser,
                demo_data=True,
            )
            self.note(f"account {email}")
        if group and not user.groups.filter(name=group).exists():
            grant_site_role(admin=self.admin(), user=user, role=group)
            self.note(f"role {group} for {email}")
        return user

    def admin(self) -> User:
        """The demo's admin, who creates the other accounts and gives them their roles."""
        for spec in self.data["accounts"]:
            if spec.get("superuser") and spec["email"] in self.objects["accounts"]:
                return self.objects["accounts"][spec["email"]]
        raise ValueError("The demo data needs an admin account (superuser = true).")

    def in_group(self, group: str) -> User:
        """The first demo account in a site role's group."""
        for spec in self.data["accounts"]:
            if spec.get("group") == group:
                return self.objects["accounts"][spec["email"]]
        raise ValueError(f"The demo data needs an account in the group {group!r}.")

    def editor(self) -> User:
        """The demo account that sets topics, districts and consultations up."""
        return self.in_group(roles.EDITORS)

    def load_consultations(self) -> dict[str, Consultation]:
        consultations = {}
        for spec in self.data["consultations"]:
            consultation = Consultation.objects.filter(slug=spec["slug"]).first()
            if consultation is None:
                district = spec.get("district")
                consultation = create_consultation(
                    editor=self.editor(),
                    slug=spec["slug"],
                    title=spec["title"],
                    topic=self.objects["topics"][spec["topic"]],
                    district=self.objects["districts"][district] if district else None,
                    summary=spec["summary"],
                    moderation_mode=spec["discussion"].get(
                        "moderation_mode", Consultation.ModerationMode.AFTER
                    ),
                    phases=[
                        {
                            "kind": phase["kind"],
                            "title": phase["title"],
                            "start": self.at(phase["start"]),
                            "end": self.at(phase["end"]),
                        }
                        for phase in spec["phases"]
                    ],
                )
                self.note(f"consultation {spec['title']}")
            consultations[spec["slug"]] = consultation
        return consultations

    # --- discussions ------------------------------------------------------------------------

    def load_discussions(self) -> dict[str, Discussion]:
        """Each consultation's discussion, by the consultation's slug."""
        discussions = {}
        for spec in self.data["consultations"]:
            consultation = self.objects["consultations"][spec["slug"]]
            title = spec["discussion"]["title"]
            discussion = Discussion.objects.filter(consultation=consultation, title=title).first()
            if discussion is None:
                discussion = create_discussion(
                    editor=self.editor(),
                    consultation=consultation,
                    title=title,
                    description=spec["discussion"]["description"],
                )
                self.note(f"discussion {title}")
                mode = spec["discussion"].get("moderation_mode")
                if mode and consultation.moderation_mode != mode:
                    self.set_moderation_mode(consultation, mode)
            discussions[spec["slug"]] = discussion
        return discussions

    def set_moderation_mode(self, consultation: Consultation, mode: str) -> None:
        """For a database loaded before discussions existed: the editor changes only the mode."""
        change_consultation(
            editor=self.editor(),
            consultation=consultation,
            title=consultation.title,
            slug=consultation.slug,
            summary=consultation.summary,
            topic=consultation.topic,
            district=consultation.district,
            area=consultation.area,
            visibility=consultation.visibility,
            moderation_mode=mode,
            phases=[
                {
                    "id": phase.pk,
                    "kind": phase.kind,
                    "title": phase.title,
                    "description": phase.description,
                    "start": phase.start,
                    "end": phase.end,
                }
                for phase in consultation.phases.all()
            ],
        )

    def place_discussions(self) -> None:
        """Add each discussion's block to its consultation page, unless it is there already."""
        for slug, discussion in self.objects["discussions"].items():
            consultation = self.objects["consultations"][slug]
            page = ConsultationPage.objects.filter(consultation=consultation).first()
            if page is None:
                continue
            placed = any(
                block.value.get("discussion") == discussion for block in page.discussion_blocks()
            )
            if placed:
                continue
            page.body.append(("discussion", {"discussion": discussion}))
            publish_page(page, editor=self.editor())
            self.note(f"discussion block on {page.title}")

    def load_word_list(self) -> None:
        for phrase in self.data["word_list"]["phrases"]:
            if not BlockedWord.objects.filter(phrase__iexact=phrase).exists():
                add_blocked_word(moderator=self.in_group(roles.SITE_MODERATORS), phrase=phrase)
                self.note(f"word list entry {phrase}")

    def load_comments(self) -> None:
        for spec in self.data["consultations"]:
            thread = spec["discussion"]
            if thread.get("comments"):
                self.load_thread(self.objects["discussions"][spec["slug"]], thread)

    def load_thread(self, discussion: Discussion, thread: dict[str, Any]) -> None:
        """Comments, replies, official answers and reactions, through the actions."""
        people = self.objects["accounts"]
        comments: dict[str, Comment] = {}
        for spec in thread["comments"]:
            key, author, text = spec["key"], people[spec["author"]], spec["text"]
            comment = Comment.objects.filter(
                discussion=discussion, author=author, text=clean_plain_text(text)
            ).first()
            if comment is None:
                try:
                    comment = post_comment(
                        author=author,
                        discussion=discussion,
                        text=text,
                        reply_to=comments.get(spec.get("reply_to")),
                    )
                except ActionError as error:
                    # E.g. a database from long ago whose participation phase has ended.
                    self.say(f"Demo comment skipped: {error.message}")
                    continue
                date_back(comment, hours=spec["hours_ago"])
                self.note(f"comment {key}")
            comments[key] = comment
        moderator = people[thread["moderator"]] if thread.get("moderator") else None
        for spec in thread["comments"]:
            comment = comments.get(spec["key"])
            if not spec.get("official") or comment is None:
                continue
            if not Comment.objects.get(pk=comment.pk).is_official:
                set_official(moderator=moderator, comment=comment, official=True)
                self.note(f"official answer {spec['key']}")
        for spec in thread.get("reactions", []):
            comment, person = comments.get(spec["comment"]), people[spec["user"]]
            if comment is None or Reaction.objects.filter(comment=comment, user=person).exists():
                continue
            try:
                react(user=person, comment=comment, value=spec["value"])
            except ActionError as error:
                self.say(f"Demo reaction skipped: {error.message}")
                continue
            self.note(f"reaction on {spec['comment']}")

    # --- media ------------------------------------------------------------------------------

    def load_image(self):
        """A generated picture (no network needed): a stylised town hall on a blue sky."""
        Image = get_image_model()
        spec = self.data["image"]
        image = Image.objects.filter(title=spec["title"]).first()
        if image is not None:
            return image
        from PIL import Image as PILImage
        from PIL import ImageDraw

        picture = PILImage.new("RGB", (1200, 675), "#cfe3f5")
        draw = ImageDraw.Draw(picture)
        draw.rectangle((0, 520, 1200, 675), fill="#5b8c3a")
        draw.rectangle((300, 260, 900, 540), fill="#e9dcc3", outline="#6b4e2e", width=6)
        draw.polygon([(260, 270), (600, 120), (940, 270)], fill="#8a3b00")
        for x in range(360, 860, 110):
            draw.rectangle((x, 320, x + 60, 410), fill="#0b5394")
        draw.rectangle((550, 430, 650, 540), fill="#6b4e2e")
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        image = Image(title=spec["title"], file=ImageFile(buffer, name=spec["file_name"]))
        image.save()
        self.note("demo image")
        return image

    def load_document(self):
        Document = get_document_model()
        spec = self.data["document"]
        document = Document.objects.filter(title=spec["title"]).first()
        if document is not None:
            return document
        document = Document(
            title=spec["title"],
            file=ContentFile(spec["text"].encode(), name=spec["file_name"]),
        )
        document.save()
        self.note("demo document")
        return document

    # --- surveys and quick polls ------------------------------------------------------------

    def load_surveys(self) -> None:
        """Each survey with its questions (conditions added once the questions exist), placed
        on its consultation's page, and its generated responses."""
        for spec in self.data.get("surveys", []):
            consultation = self.objects["consultations"][spec["consultation"]]
            survey = Survey.objects.filter(consultation=consultation, title=spec["title"]).first()
            if survey is None:
                survey = self.create_survey(consultation, spec)
                self.note(f"survey {spec['title']}")
            self.place_survey(consultation, survey)
            if not survey.responses.exists():
                self.answer_survey(survey, spec)

    def create_survey(self, consultation: Consultation, spec: dict[str, Any]) -> Survey:
        questions = [self.question(question) for question in spec["questions"]]
        fields = {
            "title": spec["title"],
            "description": spec.get("description", ""),
            "status": Survey.Status.PUBLISHED,
            "results_visibility": spec.get("results_visibility", Survey.ResultsVisibility.AFTER),
        }
        survey = create_survey(
            editor=self.editor(), consultation=consultation, questions=questions, **fields
        )
        saved = list(survey.questions.order_by("sort_order"))
        keys = {question["key"]: saved[index] for index, question in enumerate(spec["questions"])}
        if any("condition" in question for question in spec["questions"]):
            changed = []
            for index, question in enumerate(spec["questions"]):
                item = {**questions[index], "id": saved[index].pk}
                item["choices"] = [
                    {"id": choice.pk, "label": choice.label}
                    for choice in saved[index].choices.all()
                ]
                if "condition" in question:
                    item["condition_question"] = keys[question["condition"]["question"]].pk
                    item["condition_value"] = question["condition"]["value"]
                changed.append(item)
            survey = change_survey(editor=self.editor(), survey=survey, questions=changed, **fields)
        return survey

    @staticmethod
    def question(spec: dict[str, Any]) -> dict[str, Any]:
        item = {key: value for key, value in spec.items() if key not in ("key", "condition")}
        item["choices"] = [{"label": label} for label in spec.get("choices", [])]
        return item

    def place_survey(self, consultation: Consultation, survey: Survey) -> None:
        page = ConsultationPage.objects.filter(consultation=consultation).first()
        if page is None or any(
            block.block_type == "survey" and block.value.get("survey") == survey
            for block in page.body
        ):
            return
        # Before the discussion: a short survey should not sit below hundreds of comments.
        position = next(
            (index for index, block in enumerate(page.body) if block.block_type == "discussion"),
            len(page.body),
        )
        page.body.insert(position, ("survey", {"survey": survey}))
        publish_page(page, editor=self.editor())
        self.note(f"survey block on {page.title}")

    def answer_survey(self, survey: Survey, spec: dict[str, Any]) -> None:
        """Generated paper forms (seeded: the same on every machine) and the named residents'
        own answers, through the actions."""
        from random import Random

        from django.utils.datastructures import MultiValueDict

        from consultations import answering

        randomness = Random(2026)
        structure = answering.structure(survey)
        districts = list(self.objects["districts"].values())

        def form() -> MultiValueDict:
            data = MultiValueDict()
            for question in structure.questions:
                choices = [str(choice.pk) for choice in question.choices.all()]
                name = question.field_name
                if not question.required and randomness.random() < 0.15:
                    continue
                if question.kind == "yes_no":
                    data.setlist(name, [randomness.choice(["yes", "yes", "no", "abstain"])])
                elif question.kind == "single_choice":
                    weights = [4, 6, 3, 1][: len(choices)]
                    data.setlist(name, randomness.choices(choices, weights=weights, k=1))
                elif question.kind == "multiple_choice":
                    picked = randomness.sample(choices, k=randomness.randint(1, 3))
                    data.setlist(name, picked)
                elif question.kind == "scale":
                    data.setlist(name, [str(randomness.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]))])
                elif question.kind == "ranking":
                    order = randomness.sample(choices, k=len(choices))
                    for place, pk in enumerate(order, start=1):
                        data.setlist(f"{name}_c{pk}", [str(place)])
                elif question.kind == "number":
                    data.setlist(name, [str(randomness.choice([0, 3, 5, 5, 8, 10, 12]))])
                elif question.kind == "date":
                    day = self.today - timedelta(days=randomness.randint(10, 700))
                    data.setlist(name, [day.isoformat()])
                elif question.kind == "short_text" and randomness.random() < 0.3:
                    names = ["Musterhalle", "Bürgerhaus", "Forum am Markt"]
                    data.setlist(name, [randomness.choice(names)])
            return data

        for _n in range(spec.get("paper_responses", 0)):
            enter_paper_response(
                staff=self.editor(),
                survey=survey,
                data=form(),
                district=randomness.choice(districts),
            )
        for email in spec.get("answered_by", []):
            submit_response(survey=survey, user=self.objects["accounts"][email], data=form())
        self.note(f"responses to {survey.title}")

    def load_polls(self) -> None:
        for spec in self.data.get("polls", []):
            poll = QuickPoll.objects.filter(question=spec["question"]).first()
            if poll is None:
                poll = create_poll(
                    editor=self.editor(),
                    question=spec["question"],
                    opens=self.at(spec["opens"]),
                    closes=self.at(spec["closes"]),
                    audience=spec.get("audience", QuickPoll.Audience.RESIDENTS),
                    choices=[{"label": label} for label in spec["choices"]],
                    is_published=True,
                )
                self.note(f"quick poll {spec['question']}")
            if spec.get("on_home_page"):
                home = self.objects["pages"]["home"]
                home = type(home).objects.get(pk=home.pk)
                if not any(
                    block.block_type == "quick_poll" and block.value.get("poll") == poll
                    for block in home.body
                ):
                    home.body.append(("quick_poll", {"poll": poll}))
                    publish_page(home, editor=self.editor())
                    self.note("quick poll on the home page")

    # --- pages ------------------------------------------------------------------------------

    def load_home(self) -> HomePage:
        spec, site_spec = self.data["home"], self.data["site"]
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = HomePage(
                title=spec["title"],
                slug=spec["slug"],
                hero_heading=spec["hero_heading"],
                hero_intro=spec["hero_intro"],
                hero_image=self.objects["images"][spec["hero_image"]],
            )
            publish_page(home, editor=self.editor(), parent=root)
            self.note("home page")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname=site_spec["hostname"],
                port=site_spec["port"],
                root_page=home,
                is_default_site=True,
                site_name=site_spec["site_name"],
            )
            self.note("site")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = site_spec["site_name"]
            site.save()
            self.note("site root")
        # Wagtail's placeholder "Welcome" page is no longer anybody's root: remove it.
        for welcome in Page.objects.filter(depth=2, content_type__model="page").exclude(pk=home.pk):
            if not welcome.sites_rooted_here.exists() and welcome.get_children_count() == 0:
                delete_page(welcome, editor=self.editor())
                self.note("Wagtail welcome page removed")
        return HomePage.objects.get(pk=home.pk)

    def child(self, parent: Page, model, slug: str, **fields):
        """The child of ``parent`` with ``slug``, created and published when missing."""
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing is not None:
            return existing
        page = publish_page(model(slug=slug, **fields), editor=self.editor(), parent=parent)
        self.note(f"page {fields.get('title', slug)}")
        return model.objects.get(pk=page.pk)

    def load_pages(self) -> None:
        pages = self.objects["pages"]
        for spec in self.data["pages"]:
            parent = pages[spec["parent"]]
            if spec.get("replaces"):
                self.replace_old_page(parent, spec)
            fields = dict(spec.get("fields", {}))
            for name, days in spec.get("dates", {}).items():
                fields[name] = self.today + timedelta(days=days)
            if "consultation" in spec:
                fields["consultation"] = self.objects["consultations"][spec["consultation"]]
            for name in ("body", "known_gaps"):
                if name in spec:
                    fields[name] = self.stream(spec[name])
            model = PAGE_TYPES[spec["type"]]
            pages[spec["key"]] = self.child(parent, model, spec["slug"], **fields)

    def replace_old_page(self, parent: Page, spec: dict[str, Any]) -> None:
        """Demo databases from before a page type existed have a page of another type there."""
        old_type = PAGE_TYPES[spec["replaces"]]
        old = old_type.objects.child_of(parent).filter(slug=spec["slug"]).first()
        if old is not None:
            delete_page(old, editor=self.editor())
            self.note(f"old {spec['key']} page ({spec['replaces']}) replaced")

    def load_settings(self, site: Site) -> None:
        settings = SiteSettings.for_site(site)
        spec, pages = self.data["settings"], self.objects["pages"]
        wanted = {
            "town_name": spec["town_name"],
            "tagline": spec["tagline"],
            "imprint_page_id": pages[spec["imprint_page"]].pk,
            "privacy_page_id": pages[spec["privacy_page"]].pk,
            "contact_email": spec["contact_email"],
        }
        changed = [name for name, value in wanted.items() if getattr(settings, name) != value]
        if changed and settings.imprint_page_id is None:
            for name in changed:
                setattr(settings, name, wanted[name])
            settings.save()
            self.note("site settings")
