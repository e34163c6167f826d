"""``manage.py load_demo``: the fictional town of Musterstadt, for development and demos.

Idempotent: everything is looked up by slug, name, title or e-mail address first and only
created when missing, so running it twice changes nothing. Phases are placed relative to the
day the command first runs and left alone afterwards.

The demo accounts (password ``mitreden-demo``) are for development only.

Discussions get their comments, reactions and the official answer through the real actions
(so counts, live events and moderation decisions are right); comments are then dated back a
few days, which also keeps them clear of the per-minute rate limit. One comment by Ben trips
the demo word list and waits in the moderation queue for moderation@mitreden.test.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
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
from consultations.actions.discussions import post_comment, react
from consultations.actions.moderation import set_official
from consultations.models import (
    BlockedWord,
    Comment,
    Consultation,
    Discussion,
    District,
    Phase,
    Reaction,
    Topic,
    User,
)
from consultations.phases import PhaseKind
from consultations.sanitising import clean_plain_text

DEMO_PASSWORD = "mitreden-demo"

DEMO_ACCOUNTS = [
    # e-mail, pseudonym, role shown in the listing, options
    ("admin@mitreden.test", "Admin", "Administration", {"superuser": True}),
    ("redaktion@mitreden.test", "Redaktion", "Redaktion (Editors)", {"group": roles.EDITORS}),
    (
        "moderation@mitreden.test",
        "Moderation",
        "Moderation (alle Beteiligungen)",
        {"group": roles.SITE_MODERATORS},
    ),
    ("anna@mitreden.test", "Anna aus der Altstadt", "Einwohnerin", {"district": "altstadt"}),
    ("ben@mitreden.test", "Ben_Nordstadt", "Einwohner", {"district": "nordstadt"}),
]

TOPICS = [
    ("Bauen & Wohnen", "bauen-wohnen"),
    ("Mobilität", "mobilitaet"),
    ("Kultur", "kultur"),
    ("Umwelt & Klima", "umwelt-klima"),
    ("Soziales", "soziales"),
]

DISTRICTS = [
    ("Altstadt", "altstadt", 8400),
    ("Nordstadt", "nordstadt", 12600),
    ("Bahnhofsviertel", "bahnhofsviertel", 5300),
    ("Südufer", "suedufer", 9100),
]

# (kind, title, start day, end day) relative to the first run's date.
STADTHALLE_PHASES = [
    (PhaseKind.INFORMATION, "Information", -21, -7),
    (PhaseKind.PARTICIPATION, "Online-Beteiligung", -7, 21),
    (PhaseKind.EVALUATION, "Auswertung", 21, 42),
    (PhaseKind.RESULTS, "Ergebnisse", 42, 70),
]
BAHNHOF_PHASES = [
    (PhaseKind.INFORMATION, "Information", -3, 4),
    (PhaseKind.PARTICIPATION, "Ideen sammeln", 4, 32),
    (PhaseKind.EVALUATION, "Auswertung", 32, 53),
    (PhaseKind.RESULTS, "Ergebnisse", 53, 80),
]


BLOCKED_WORDS = ["Idiot", "Vollpfosten"]

DISCUSSIONS = {
    "zukunft-der-stadthalle": (
        "Was soll aus der Stadthalle werden?",
        "Sanieren, umbauen oder neu bauen – und was soll in der Stadthalle künftig "
        "stattfinden? Diskutieren Sie mit. Bitte bleiben Sie sachlich: Die Moderation achtet "
        "auf die Diskussionsregeln.",
    ),
    "quartier-am-bahnhof": (
        "Wie soll das neue Quartier aussehen?",
        "Ab dem Start der Beteiligungsphase können Sie hier Ihre Ideen einbringen. Alle "
        "Beiträge werden vor der Veröffentlichung von der Moderation geprüft.",
    ),
}

# key, author e-mail, text, reply to (key), hours ago
STADTHALLE_COMMENTS = [
    (
        "saal",
        "anna@mitreden.test",
        "Die Stadthalle ist das Herz der Altstadt. Ich wünsche mir eine Sanierung, die den "
        "großen Saal erhält – und endlich einen Aufzug, damit alle zu den Veranstaltungen "
        "kommen können.",
        None,
        74,
    ),
    (
        "neubau",
        "ben@mitreden.test",
        "Ein Aufzug ja, aber ein Neubau wäre auf Dauer günstiger. In der Machbarkeitsstudie "
        "steht, dass die Haustechnik komplett erneuert werden muss.",
        "saal",
        50,
    ),
    (
        "antwort",
        "moderation@mitreden.test",
        "Danke für die Hinweise! Die Machbarkeitsstudie rechnet bei allen drei Varianten mit "
        "einer neuen Haustechnik. Die Kosten vergleichen wir im Bericht an den Stadtrat.\n\n"
        "Ihr Team Bürgerbeteiligung der Stadt Musterstadt",
        "neubau",
        47,
    ),
    (
        "bus",
        "ben@mitreden.test",
        "Für die Nordstadt wäre wichtig, dass abends ein Bus zur Stadthalle fährt. Sonst "
        "bringt das schönste Programm nichts.",
        None,
        30,
    ),
    (
        "cafe",
        "anna@mitreden.test",
        "Wie wäre es mit einem Café im Foyer, das auch tagsüber geöffnet ist? Dann wäre das "
        "Haus nicht nur an Veranstaltungsabenden belebt.",
        None,
        20,
    ),
    (
        "dach",
        "ben@mitreden.test",
        "Wer das Dach so lange verrotten ließ, ist ein Idiot.",
        None,
        3,
    ),
]
# comment key, e-mail of the person reacting, value
STADTHALLE_REACTIONS = [
    ("saal", "ben@mitreden.test", "agree"),
    ("bus", "anna@mitreden.test", "agree"),
    ("neubau", "anna@mitreden.test", "disagree"),
    ("cafe", "ben@mitreden.test", "agree"),
]
OFFICIAL_ANSWERS = ["antwort"]


def _p(*paragraphs: str) -> RichText:
    return RichText("".join(f"<p>{text}</p>" for text in paragraphs))


class Command(BaseCommand):
    help = "Load the Musterstadt demo content and demo accounts (idempotent)."

    def handle(self, *args, **options):
        self.created: list[str] = []
        with transaction.atomic():
            self.today = timezone.localdate()
            topics = self.load_topics()
            districts = self.load_districts()
            users = self.load_users(districts)
            image = self.load_image()
            document = self.load_document()
            consultations = self.load_consultations(topics, districts)
            discussions = self.load_discussions(consultations)
            home = self.load_home(image)
            pages = self.load_pages(home, consultations, discussions, image, document)
            self.place_discussions(consultations, discussions)
            self.load_settings(home.get_site() or Site.objects.get(is_default_site=True), pages)
            self.load_word_list()
            self.load_comments(discussions["zukunft-der-stadthalle"], users)
        if self.created:
            self.stdout.write(self.style.SUCCESS("Created: " + ", ".join(self.created)))
        else:
            self.stdout.write("Demo content is already complete; nothing changed.")
        self.print_accounts(users)

    # --- helpers ----------------------------------------------------------------------------

    def note(self, what: str) -> None:
        self.created.append(what)

    def at(self, day_offset: int) -> datetime:
        """Midnight (local time) ``day_offset`` days from the first run's date."""
        day = self.today + timedelta(days=day_offset)
        return timezone.make_aware(datetime.combine(day, time.min))

    # --- participation data -----------------------------------------------------------------

    def load_topics(self) -> dict[str, Topic]:
        topics = {}
        for name, slug in TOPICS:
            topic, created = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
            if created:
                self.note(f"topic {name}")
            topics[slug] = topic
        return topics

    def load_districts(self) -> dict[str, District]:
        districts = {}
        for name, slug, population in DISTRICTS:
            district, created = District.objects.get_or_create(
                slug=slug, defaults={"name": name, "population": population}
            )
            if created:
                self.note(f"district {name}")
            districts[slug] = district
        return districts

    def load_users(self, districts) -> list[tuple[User, str]]:
        users = []
        for email, pseudonym, role, options in DEMO_ACCOUNTS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                fields = {"pseudonym": pseudonym}
                if options.get("district"):
                    fields["district"] = districts[options["district"]]
                if options.get("superuser"):
                    user = User.objects.create_superuser(
                        email=email, password=DEMO_PASSWORD, **fields
                    )
                else:
                    user = User.objects.create_user(
                        email=email,
                        password=DEMO_PASSWORD,
                        is_staff=options.get("group") == roles.EDITORS,
                        **fields,
                    )
                self.note(f"account {email}")
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if options.get("group") and not user.groups.filter(name=options["group"]).exists():
                user.groups.add(Group.objects.get(name=options["group"]))
            users.append((user, role))
        return users

    def load_consultations(self, topics, districts) -> dict[str, Consultation]:
        specs = [
            {
                "slug": "zukunft-der-stadthalle",
                "title": "Zukunft der Stadthalle",
                "topic": topics["kultur"],
                "district": None,
                "summary": (
                    "Die Stadthalle ist 50 Jahre alt und muss saniert werden. Sanieren, "
                    "umbauen oder neu bauen? Bevor der Stadtrat entscheidet, möchten wir "
                    "wissen, was Ihnen an der Stadthalle wichtig ist."
                ),
                "phases": STADTHALLE_PHASES,
            },
            {
                "slug": "quartier-am-bahnhof",
                "title": "Quartier am Bahnhof",
                "topic": topics["bauen-wohnen"],
                "district": districts["bahnhofsviertel"],
                "summary": (
                    "Auf dem ehemaligen Güterbahnhof entsteht ein neues Stadtquartier mit "
                    "Wohnungen, Grünflächen und Arbeitsplätzen. Helfen Sie mit, es zu planen."
                ),
                "phases": BAHNHOF_PHASES,
            },
        ]
        consultations = {}
        for spec in specs:
            consultation = Consultation.objects.filter(slug=spec["slug"]).first()
            if consultation is None:
                consultation = Consultation.objects.create(
                    slug=spec["slug"],
                    title=spec["title"],
                    topic=spec["topic"],
                    district=spec["district"],
                    summary=spec["summary"],
                )
                for kind, title, start, end in spec["phases"]:
                    Phase.objects.create(
                        consultation=consultation,
                        kind=kind,
                        title=title,
                        start=self.at(start),
                        end=self.at(end),
                    )
                self.note(f"consultation {spec['title']}")
            consultations[spec["slug"]] = consultation
        return consultations

    # --- discussions ------------------------------------------------------------------------

    def load_discussions(self, consultations) -> dict[str, Discussion]:
        discussions = {}
        for slug, (title, description) in DISCUSSIONS.items():
            consultation = consultations[slug]
            discussion = Discussion.objects.filter(consultation=consultation, title=title).first()
            if discussion is None:
                discussion = Discussion.objects.create(
                    consultation=consultation, title=title, description=description
                )
                self.note(f"discussion {title}")
                if slug == "quartier-am-bahnhof":
                    # A neighbourhood plan invites personal details about neighbours: every
                    # comment is checked before it is published.
                    consultation.moderation_mode = Consultation.ModerationMode.BEFORE
                    consultation.save(update_fields=["moderation_mode", "modified"])
            discussions[slug] = discussion
        return discussions

    def place_discussions(self, consultations, discussions) -> None:
        """Add each discussion's block to its consultation page, unless it is there already."""
        for slug, discussion in discussions.items():
            page = ConsultationPage.objects.filter(consultation=consultations[slug]).first()
            if page is None:
                continue
            placed = any(
                block.value.get("discussion") == discussion for block in page.discussion_blocks()
            )
            if placed:
                continue
            page.body.append(("discussion", {"discussion": discussion}))
            page.save_revision().publish()
            self.note(f"discussion block on {page.title}")

    def load_word_list(self) -> None:
        for phrase in BLOCKED_WORDS:
            if not BlockedWord.objects.filter(phrase__iexact=phrase).exists():
                BlockedWord.objects.create(phrase=phrase)
                self.note(f"word list entry {phrase}")

    def load_comments(self, discussion: Discussion, users) -> None:
        """Demo comments, replies, reactions and an official answer, through the actions."""
        people = {user.email: user for user, _role in users}
        comments: dict[str, Comment] = {}
        now = timezone.now()
        for key, email, text, reply_to, hours_ago in STADTHALLE_COMMENTS:
            author = people[email]
            comment = Comment.objects.filter(
                discussion=discussion, author=author, text=clean_plain_text(text)
            ).first()
            if comment is None:
                try:
                    comment = post_comment(
                        author=author,
                        discussion=discussion,
                        text=text,
                        reply_to=comments.get(reply_to),
                    )
                except ActionError as error:
                    # E.g. a database from long ago whose participation phase has ended.
                    self.stdout.write(f"Demo comment skipped: {error.message}")
                    continue
                # Dated back so the thread reads naturally (and the rate limit is not hit).
                Comment.objects.filter(pk=comment.pk).update(
                    created=now - timedelta(hours=hours_ago)
                )
                self.note(f"comment {key}")
            comments[key] = comment
        moderator = people["moderation@mitreden.test"]
        for key in OFFICIAL_ANSWERS:
            comment = comments.get(key)
            if comment is not None and not Comment.objects.get(pk=comment.pk).is_official:
                set_official(moderator=moderator, comment=comment, official=True)
                self.note(f"official answer {key}")
        for key, email, value in STADTHALLE_REACTIONS:
            comment, person = comments.get(key), people[email]
            if comment is None or Reaction.objects.filter(comment=comment, user=person).exists():
                continue
            try:
                react(user=person, comment=comment, value=value)
            except ActionError as error:
                self.stdout.write(f"Demo reaction skipped: {error.message}")
                continue
            self.note(f"reaction on {key}")

    # --- media ------------------------------------------------------------------------------

    def load_image(self):
        """A generated picture (no network needed): a stylised town hall on a blue sky."""
        Image = get_image_model()
        title = "Stadthalle Musterstadt (Illustration)"
        image = Image.objects.filter(title=title).first()
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
        image = Image(title=title, file=ImageFile(buffer, name="stadthalle-demo.png"))
        image.save()
        self.note("demo image")
        return image

    def load_document(self):
        Document = get_document_model()
        title = "Machbarkeitsstudie Stadthalle (Zusammenfassung)"
        document = Document.objects.filter(title=title).first()
        if document is not None:
            return document
        text = (
            "Machbarkeitsstudie Stadthalle Musterstadt – Zusammenfassung\n\n"
            "Variante A: Sanierung im Bestand.\nVariante B: Umbau mit Erweiterung.\n"
            "Variante C: Neubau am selben Standort.\n\n"
            "Dies ist ein fiktives Dokument der Mitreden-Demo.\n"
        )
        document = Document(title=title, file=ContentFile(text.encode(), name="studie.txt"))
        document.save()
        self.note("demo document")
        return document

    # --- pages ------------------------------------------------------------------------------

    def load_home(self, image) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = HomePage(
                title="Startseite",
                slug="startseite",
                hero_heading="Musterstadt redet mit",
                hero_intro=(
                    "Hier können Sie sich an den Plänen Ihrer Stadt beteiligen: informieren, "
                    "mitdiskutieren, abstimmen und verfolgen, was aus Ihren Ideen wird."
                ),
                hero_image=image,
            )
            root.add_child(instance=home)
            home.save_revision().publish()
            self.note("home page")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="Musterstadt redet mit",
            )
            self.note("site")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "Musterstadt redet mit"
            site.save()
            self.note("site root")
        # Wagtail's placeholder "Welcome" page is no longer anybody's root: remove it.
        for welcome in Page.objects.filter(depth=2, content_type__model="page").exclude(pk=home.pk):
            if not welcome.sites_rooted_here.exists() and welcome.get_children_count() == 0:
                welcome.delete()
                self.note("Wagtail welcome page removed")
        return HomePage.objects.get(pk=home.pk)

    def child(self, parent: Page, model, slug: str, **fields):
        """The child of ``parent`` with ``slug``, created and published when missing."""
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing is not None:
            return existing
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.note(f"page {fields.get('title', slug)}")
        return model.objects.get(pk=page.pk)

    def load_pages(self, home, consultations, discussions, image, document) -> dict[str, Page]:
        stadthalle = consultations["zukunft-der-stadthalle"]
        bahnhof = consultations["quartier-am-bahnhof"]
        index = self.child(
            home,
            ConsultationIndexPage,
            "beteiligungen",
            title="Beteiligungen",
            show_in_menus=True,
            intro="Alle Beteiligungsverfahren der Stadt – laufende, geplante und abgeschlossene.",
        )
        self.child(
            index,
            ConsultationPage,
            stadthalle.slug,
            title=stadthalle.title,
            consultation=stadthalle,
            intro="Sanieren, umbauen oder neu bauen: Sagen Sie uns, was Ihnen wichtig ist.",
            body=[
                ("heading", {"level": "h2", "text": "Worum geht es?"}),
                (
                    "paragraph",
                    _p(
                        "Die Stadthalle wurde 1976 eröffnet. Dach, Haustechnik und "
                        "Barrierefreiheit entsprechen nicht mehr heutigen Anforderungen.",
                        "Eine Machbarkeitsstudie hat drei Varianten untersucht. Der Stadtrat "
                        "entscheidet im Frühjahr – mit Ihren Hinweisen.",
                    ),
                ),
                (
                    "image",
                    {
                        "image": image,
                        "alt_text": "Zeichnung der Stadthalle mit "
                        "Giebeldach und blauen Fenstern auf einer Wiese",
                        "caption": "",
                    },
                ),
                ("document", {"document": document, "label": "Machbarkeitsstudie lesen"}),
                (
                    "faq",
                    {
                        "questions": [
                            {
                                "question": "Wer kann mitmachen?",
                                "answer": _p("Alle, die in Musterstadt wohnen oder arbeiten."),
                            },
                            {
                                "question": "Was passiert mit meinen Beiträgen?",
                                "answer": _p(
                                    "Die Verwaltung wertet alle Beiträge aus und legt dem "
                                    "Stadtrat einen Bericht vor. Das Ergebnis lesen Sie hier."
                                ),
                            },
                        ]
                    },
                ),
                ("discussion", {"discussion": discussions[stadthalle.slug]}),
            ],
        )
        self.child(
            index,
            ConsultationPage,
            bahnhof.slug,
            title=bahnhof.title,
            consultation=bahnhof,
            intro="Wohnen, Grün und Arbeiten auf dem alten Güterbahnhof.",
            body=[
                ("heading", {"level": "h2", "text": "Das Gelände"}),
                (
                    "paragraph",
                    _p(
                        "Sieben Hektar zwischen Gleisen und Südufer: Hier sollen rund 600 "
                        "Wohnungen, ein Park und Räume für kleine Betriebe entstehen.",
                        "Ab der Beteiligungsphase können Sie Ihre Ideen einbringen.",
                    ),
                ),
                (
                    "quote",
                    {
                        "text": "Wir planen das Quartier nicht für, sondern mit den Menschen.",
                        "attribution": "Bürgermeisterin von Musterstadt",
                    },
                ),
                ("discussion", {"discussion": discussions[bahnhof.slug]}),
            ],
        )

        news_index = self.child(
            home,
            NewsIndexPage,
            "aktuelles",
            title="Aktuelles",
            show_in_menus=True,
            intro="Neuigkeiten rund um die Bürgerbeteiligung in Musterstadt.",
        )
        news = [
            (
                "beteiligung-stadthalle-gestartet",
                "Beteiligung zur Stadthalle gestartet",
                -2,
                "Ab sofort können alle Musterstädterinnen und Musterstädter online "
                "mitdiskutieren, wie es mit der Stadthalle weitergeht.",
                [("consultation_teaser", {"consultation": stadthalle})],
            ),
            (
                "infoabend-quartier-am-bahnhof",
                "Infoabend zum Quartier am Bahnhof",
                -9,
                "Am Infoabend stellte das Planungsamt die Ziele für das neue Quartier vor. "
                "Die Präsentation steht jetzt online.",
                [
                    (
                        "paragraph",
                        _p("Rund 120 Gäste kamen in die Aula der Nordstadt-Schule."),
                    )
                ],
            ),
            (
                "mitreden-startet",
                "Musterstadt startet ihre Beteiligungsplattform",
                -20,
                "Mit „Musterstadt redet mit“ können Sie sich jetzt auch online an Projekten "
                "der Stadt beteiligen – barrierefrei und ohne Werbung.",
                [],
            ),
        ]
        for slug, title, days, intro, body in news:
            self.child(
                news_index,
                NewsPage,
                slug,
                title=title,
                date=self.today + timedelta(days=days),
                intro=intro,
                body=body,
            )

        about = self.child(
            home,
            ContentPage,
            "ueber-mitreden",
            title="Über Mitreden",
            show_in_menus=True,
            intro="Was diese Plattform ist und wie Beteiligung in Musterstadt funktioniert.",
            body=[
                ("heading", {"level": "h2", "text": "So funktioniert es"}),
                (
                    "paragraph",
                    _p(
                        "Die Stadt stellt Vorhaben vor, Sie diskutieren mit, beantworten "
                        "Umfragen und bringen Ideen ein. Am Ende jeder Beteiligung steht, "
                        "was aus Ihren Beiträgen geworden ist."
                    ),
                ),
                (
                    "call_to_action",
                    {
                        "text": "Sehen Sie nach, wo Sie gerade mitreden können.",
                        "page": index,
                        "url": "",
                        "button_label": "Zu den Beteiligungen",
                    },
                ),
            ],
        )
        imprint = self.child(
            home,
            ContentPage,
            "impressum",
            title="Impressum",
            intro="Angaben gemäß § 5 DDG.",
            body=[
                (
                    "paragraph",
                    _p(
                        "Stadt Musterstadt, vertreten durch die Bürgermeisterin<br>"
                        "Rathausplatz 1, 12345 Musterstadt",
                        "E-Mail: mitreden@musterstadt.example",
                        "Dies ist eine fiktive Stadt für die Demonstration von Mitreden.",
                    ),
                )
            ],
        )
        privacy = self.child(
            home,
            ContentPage,
            "datenschutz",
            title="Datenschutz",
            intro="Wie wir mit Ihren Daten umgehen.",
            body=[
                ("heading", {"level": "h2", "text": "Welche Daten wir speichern"}),
                (
                    "paragraph",
                    _p(
                        "Für ein Konto speichern wir Ihre E-Mail-Adresse, Ihr Pseudonym und "
                        "freiwillig Ihren Stadtteil. Öffentlich sichtbar ist nur Ihr Pseudonym.",
                        "Sie können Ihre Daten jederzeit herunterladen und Ihr Konto löschen.",
                    ),
                ),
            ],
        )
        accessibility = self.load_accessibility_statement(home)
        return {
            "about": about,
            "imprint": imprint,
            "privacy": privacy,
            "accessibility": accessibility,
        }

    def load_accessibility_statement(self, home: HomePage) -> AccessibilityStatementPage:
        # Demo databases from before the statement was a page type have a content page here.
        old = ContentPage.objects.child_of(home).filter(slug="barrierefreiheit").first()
        if old is not None:
            old.delete()
            self.note("old accessibility content page replaced")
        return self.child(
            home,
            AccessibilityStatementPage,
            "barrierefreiheit",
            title="Erklärung zur Barrierefreiheit",
            intro=(
                "Die Stadt Musterstadt ist bemüht, ihre Beteiligungsplattform „Musterstadt "
                "redet mit“ im Einklang mit der Barrierefreie-Informationstechnik-Verordnung "
                "(BITV 2.0) barrierefrei zugänglich zu machen. Diese Erklärung gilt für "
                "diese Website."
            ),
            conformance=AccessibilityStatementPage.Conformance.PARTIAL,
            known_gaps=[
                (
                    "gap",
                    {
                        "barrier": (
                            "Die Machbarkeitsstudie zur Stadthalle (PDF) ist nicht "
                            "barrierefrei: Überschriften und Tabellen sind nicht ausgezeichnet."
                        ),
                        "reason": (
                            "Die Studie stammt von einem externen Planungsbüro. Eine "
                            "barrierefreie Fassung ist beauftragt und folgt bis Ende des "
                            "nächsten Quartals."
                        ),
                        "alternative": (
                            "Wir senden Ihnen die Inhalte gern als barrierefreies Dokument "
                            "oder erläutern sie Ihnen am Telefon (siehe Kontakt unten)."
                        ),
                    },
                ),
                (
                    "gap",
                    {
                        "barrier": (
                            "Erläuterungen in Leichter Sprache und in Deutscher "
                            "Gebärdensprache fehlen noch."
                        ),
                        "reason": "Die Texte und Videos sind in Arbeit.",
                        "alternative": (
                            "Das Bürgerbüro erklärt Ihnen die Beteiligung gern persönlich, "
                            "am Telefon oder im Rathaus."
                        ),
                    },
                ),
                (
                    "gap",
                    {
                        "barrier": (
                            "Die Inhalte der Redaktion gibt es nur auf Deutsch; die "
                            "englische Oberfläche zeigt sie unübersetzt."
                        ),
                        "reason": "Übersetzungen sind noch nicht vorgesehen.",
                        "alternative": (
                            "Deutsche Inhalte sind als solche ausgezeichnet, damit "
                            "Vorleseprogramme sie richtig aussprechen. Fragen beantworten wir "
                            "auch auf Englisch."
                        ),
                    },
                ),
            ],
            statement_date=self.today,
            review_date=self.today,
            review_method=AccessibilityStatementPage.ReviewMethod.SELF_ASSESSMENT,
            review_details=(
                "Selbstbewertung mit automatischen Prüfungen (axe-core) auf allen Seiten, "
                "Bedienung nur mit der Tastatur, mit dem Screenreader NVDA und auf einem "
                "Smartphone."
            ),
            feedback_contact="Stadt Musterstadt, Beauftragte für Barrierefreiheit",
            feedback_email="barrierefrei@musterstadt.example",
            feedback_phone="01234 567-89",
            enforcement_body=(
                "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem "
                "Beauftragten der Bundesregierung für die Belange von Menschen mit "
                "Behinderungen"
            ),
            enforcement_address="Mauerstraße 53\n10117 Berlin",
            enforcement_email="info@schlichtungsstelle-bgg.de",
            enforcement_url="https://www.schlichtungsstelle-bgg.de",
        )

    def load_settings(self, site: Site, pages) -> None:
        settings = SiteSettings.for_site(site)
        wanted = {
            "town_name": "Musterstadt",
            "tagline": "Beteiligung in Musterstadt",
            "imprint_page_id": pages["imprint"].pk,
            "privacy_page_id": pages["privacy"].pk,
            "contact_email": "mitreden@musterstadt.example",
        }
        changed = [name for name, value in wanted.items() if getattr(settings, name) != value]
        if changed and settings.imprint_page_id is None:
            for name in changed:
                setattr(settings, name, wanted[name])
            settings.save()
            self.note("site settings")

    def print_accounts(self, users) -> None:
        self.stdout.write("")
        self.stdout.write("Demo accounts (development only), password: " + DEMO_PASSWORD)
        for user, role in users:
            self.stdout.write(f"  {user.email:<28} {role:<32} „{user.pseudonym}“")
