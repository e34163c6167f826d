"""The demo content command: a complete Musterstadt, and running it twice changes nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry, Page, PageLogEntry, Site

from cms.models import (
    AccessibilityStatementPage,
    ConsultationPage,
    ContentPage,
    HomePage,
    NewsPage,
    SiteSettings,
)
from consultations.models import (
    BlockedWord,
    Comment,
    Consultation,
    Discussion,
    District,
    LiveEvent,
    Reaction,
    Topic,
    User,
)
from consultations.roles import EDITORS, SITE_MODERATORS

pytestmark = pytest.mark.django_db

COUNTED = [
    "wagtailcore.Page",
    "wagtailcore.Revision",
    "wagtailcore.Site",
    "wagtailimages.Image",
    "wagtaildocs.Document",
    "cms.SiteSettings",
    "consultations.Consultation",
    "consultations.Phase",
    "consultations.Topic",
    "consultations.District",
    "consultations.User",
    "account.EmailAddress",
    "consultations.Discussion",
    "consultations.Comment",
    "consultations.Reaction",
    "consultations.BlockedWord",
    "consultations.ModerationDecision",
    "consultations.LiveEvent",
    "consultations.User_groups",
    "wagtailcore.ModelLogEntry",
    "wagtailcore.PageLogEntry",
]


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def snapshot():
    return {
        "phases": sorted(
            Consultation.objects.values_list("slug", "phases__kind", "phases__start", "phases__end")
        ),
        "pages": sorted(Page.objects.values_list("pk", "path", "slug", "live", "title")),
        "passwords": sorted(User.objects.values_list("email", "password")),
    }


@pytest.fixture
def demo(capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def test_demo_creates_the_town(demo, client):
    site = Site.objects.get(is_default_site=True)
    home = HomePage.objects.get()
    assert site.root_page_id == home.pk
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()  # welcome page gone
    assert set(ConsultationPage.objects.values_list("consultation__title", flat=True)) == {
        "Zukunft der Stadthalle",
        "Quartier am Bahnhof",
    }
    assert NewsPage.objects.live().count() == 3
    settings = SiteSettings.for_site(site)
    assert settings.imprint_page.title == "Impressum"
    assert settings.privacy_page.title == "Datenschutz"
    statement = AccessibilityStatementPage.for_site(site)
    assert statement.title == "Erklärung zur Barrierefreiheit"

    html = client.get("/").content.decode()
    assert "Zukunft der Stadthalle" in html
    assert "Quartier am Bahnhof" in html


def test_demo_phases_sit_around_today(demo):
    stadthalle = Consultation.objects.get(slug="zukunft-der-stadthalle")
    bahnhof = Consultation.objects.get(slug="quartier-am-bahnhof")
    assert stadthalle.active_phase().kind == "participation"
    assert stadthalle.status == "open"
    assert bahnhof.active_phase().kind == "information"
    participation = next(p for p in bahnhof.phase_list if p.kind == "participation")
    assert participation.start > bahnhof.active_phase().start
    assert bahnhof.status == "upcoming"  # information only: participation starts later


def test_demo_statuses_on_the_index_and_its_filter(demo, client):
    index = Page.objects.get(slug="beteiligungen").specific
    html = client.get(index.url).content.decode()
    assert html.count("badge--open") == 1
    assert html.count("badge--upcoming") == 1
    upcoming = client.get(index.url, {"status": "upcoming"}).content.decode()
    assert "Quartier am Bahnhof" in upcoming
    assert "Zukunft der Stadthalle" not in upcoming
    assert "Demnächst" in upcoming
    current = client.get(index.url, {"status": "open"}).content.decode()
    assert "Zukunft der Stadthalle" in current
    assert "Quartier am Bahnhof" not in current


def test_demo_accounts(demo):
    assert "mitreden-demo" in demo
    expected = {
        "admin@mitreden.test": "Admin",
        "redaktion@mitreden.test": None,
        "moderation@mitreden.test": None,
        "anna@mitreden.test": "Anna aus der Altstadt",
        "ben@mitreden.test": "Ben_Nordstadt",
    }
    for email, pseudonym in expected.items():
        user = User.objects.get(email=email)
        assert email in demo
        assert user.check_password("mitreden-demo")
        assert EmailAddress.objects.get(user=user).verified
        if pseudonym:
            assert user.pseudonym == pseudonym
    assert User.objects.get(email="admin@mitreden.test").is_superuser
    editor = User.objects.get(email="redaktion@mitreden.test")
    assert editor.is_staff and editor.groups.filter(name=EDITORS).exists()
    assert editor.has_perm("wagtailadmin.access_admin")
    assert (
        User.objects.get(email="moderation@mitreden.test")
        .groups.filter(name=SITE_MODERATORS)
        .exists()
    )


def test_every_demo_page_renders(demo, client):
    for page in Page.objects.live().filter(depth__gt=1).specific():
        response = client.get(page.url)
        assert response.status_code == 200, page.url


def test_running_twice_changes_nothing(demo, capsys):
    before_counts, before = counts(), snapshot()
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert counts() == before_counts
    assert snapshot() == before


def test_demo_discussions_are_placed_on_their_pages(demo, client):
    stadthalle = ConsultationPage.objects.get(consultation__slug="zukunft-der-stadthalle")
    bahnhof = ConsultationPage.objects.get(consultation__slug="quartier-am-bahnhof")
    (block,) = stadthalle.discussion_blocks()
    assert block.value["discussion"].title == "Was soll aus der Stadthalle werden?"
    assert len(bahnhof.discussion_blocks()) == 1
    assert bahnhof.consultation.moderation_mode == Consultation.ModerationMode.BEFORE

    html = client.get(stadthalle.url).content.decode()
    assert "Was soll aus der Stadthalle werden?" in html
    assert "Café im Foyer" in html
    assert "Official answer" in html or "Offizielle Antwort" in html
    assert "Idiot" not in html  # waits in the queue


def test_demo_comments_came_through_the_actions(demo):
    discussion = Discussion.objects.get(title="Was soll aus der Stadthalle werden?")
    comments = discussion.comments.all()
    assert comments.filter(status=Comment.Status.PUBLISHED).count() == 5
    assert comments.filter(thread__isnull=False).count() == 2
    assert comments.filter(is_official=True).count() == 1
    assert Reaction.objects.filter(comment__discussion=discussion).count() == 4
    assert sum(comments.values_list("agree_count", flat=True)) == 3
    assert LiveEvent.objects.filter(type="discussion.comment_posted").count() == 5


def test_demo_participation_objects_came_through_the_actions(demo):
    # The actions write Wagtail's audit log (the loader itself writes none): one entry each,
    # by the demo's editor (the word list: its site moderator), as if set up in the admin.
    editor = User.objects.get(email="redaktion@mitreden.test")
    moderator = User.objects.get(email="moderation@mitreden.test")
    by = {Consultation: editor, Discussion: editor, Topic: editor, District: editor}
    by[BlockedWord] = moderator
    for model, user in by.items():
        assert model.objects.exists()
        for instance in model.objects.all():
            entries = ModelLogEntry.objects.for_instance(instance)
            assert list(entries.values_list("action", "user_id")) == [("wagtail.create", user.pk)]
    assert User.objects.get(email="anna@mitreden.test").district.slug == "altstadt"
    entries = ModelLogEntry.objects.count()
    call_command("load_demo")
    assert ModelLogEntry.objects.count() == entries


def test_demo_accounts_and_pages_came_through_the_actions(demo):
    # create_account by the admin (the admin itself by the loader, as a script), the site
    # roles by grant_site_role; pages created and published by the editor, as in the admin.
    admin = User.objects.get(email="admin@mitreden.test")
    editor = User.objects.get(email="redaktion@mitreden.test")
    moderator = User.objects.get(email="moderation@mitreden.test")
    for user in User.objects.all():
        entries = ModelLogEntry.objects.for_instance(user).order_by("pk")
        created = [("wagtail.create", None if user == admin else admin.pk)]
        granted = [("wagtail.edit", admin.pk)] if user in (editor, moderator) else []
        assert list(entries.values_list("action", "user_id")) == created + granted
    for page in Page.objects.filter(depth__gt=1):
        entries = PageLogEntry.objects.filter(page=page)
        assert set(entries.values_list("action", "user_id")) >= {
            ("wagtail.create", editor.pk),
            ("wagtail.publish", editor.pk),
        }, page.title
        assert page.owner == editor
    # Wagtail's welcome page, removed through Wagtail's delete action. A second run writes
    # no audit entry: test_running_twice_changes_nothing counts the log tables.
    assert PageLogEntry.objects.filter(action="wagtail.delete", user=editor).count() == 1


def test_the_demo_moderator_has_something_to_review(demo, client):
    client.force_login(User.objects.get(email="moderation@mitreden.test"))
    html = client.get(reverse("moderation_queue")).content.decode()
    assert "Dach so lange verrotten" in html


def test_an_older_demo_database_gets_its_discussions(demo, capsys):
    # A database loaded before discussions existed: pages without blocks, post-moderation.
    Discussion.objects.all().delete()
    Consultation.objects.filter(slug="quartier-am-bahnhof").update(moderation_mode="after")
    for page in ConsultationPage.objects.all():
        page.body = [
            (block.block_type, block.value)
            for block in page.body
            if block.block_type != "discussion"
        ]
        page.save_revision().publish()

    call_command("load_demo")
    assert "discussion block on Zukunft der Stadthalle" in capsys.readouterr().out
    for page in ConsultationPage.objects.all():
        assert len(page.discussion_blocks()) == 1
    assert Consultation.objects.get(slug="quartier-am-bahnhof").moderation_mode == "before"
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out


def test_the_demo_accessibility_statement_is_complete(demo, client):
    statement = AccessibilityStatementPage.objects.live().get()
    statement.clean()  # every required part is there
    assert statement.conformance == "partial"
    assert len(statement.known_gaps) >= 2
    for gap in statement.known_gaps:
        assert all(gap.value[part].strip() for part in ("barrier", "reason", "alternative"))
    assert statement.feedback_email and statement.feedback_phone
    assert statement.enforcement_body.startswith("Schlichtungsstelle")
    html = client.get("/").content.decode()
    assert f'<a href="{statement.url}">Erklärung zur Barrierefreiheit</a>' in html


def test_an_older_demo_database_gets_the_statement_page_type(demo, capsys):
    home = HomePage.objects.get()
    AccessibilityStatementPage.objects.get().delete()
    old = ContentPage(title="Erklärung zur Barrierefreiheit", slug="barrierefreiheit")
    home.add_child(instance=old)
    call_command("load_demo")
    assert "accessibility" in capsys.readouterr().out
    assert not ContentPage.objects.filter(slug="barrierefreiheit").exists()
    assert AccessibilityStatementPage.objects.live().count() == 1
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
