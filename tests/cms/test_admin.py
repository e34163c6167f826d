"""Communication staff in the Wagtail admin: pages, participation objects, permissions."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import ContentPage
from consultations.models import Consultation, LiveEvent, Phase
from consultations.roles import SITE_MODERATORS
from tests.cms.conftest import add_consultation_page
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


def content_page_data(title="Neue Seite", slug="neue-seite", **extra):
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": "Einleitung",
            "body": streamfield(
                [
                    ("heading", {"level": "h2", "text": "Abschnitt"}),
                    ("paragraph", rich_text("<p>Ein Absatz.</p>")),
                ]
            ),
            **extra,
        }
    )


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=("cms", "contentpage", parent.pk))


@pytest.mark.parametrize(
    "codename",
    [
        f"consultations.{action}_{model}"
        for model in ("topic", "district", "consultation", "consultationmembership", "discussion")
        for action in ("add", "change", "delete", "view")
    ],
)
def test_editors_have_the_rules_for_what_they_set_up(editor, codename):
    assert editor.has_perm(codename)


def test_phases_have_no_permissions_of_their_own(editor):
    """Phases are written with their consultation (``change_consultation``); a name without a
    rule is refused, to superusers too (model permissions of our app are not read)."""
    for person in (editor, make_user(superuser=True)):
        for action in ("add", "change", "delete", "view"):
            assert not person.has_perm(f"consultations.{action}_phase")


def test_editors_may_publish_anywhere_in_the_tree(editor, home):
    permissions = home.permissions_for_user(editor)
    assert permissions.can_publish()
    assert permissions.can_add_subpage()


def test_a_resident_has_no_admin_access(client, home):
    client.force_login(make_user())
    assert client.get(reverse("wagtailadmin_home")).status_code == 302


def test_editor_creates_and_publishes_a_content_page(client, editor, home):
    response = client.post(add_url(home), {**content_page_data(), "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ContentPage.objects.get(slug="neue-seite")
    assert page.live
    assert page.get_parent().pk == home.pk
    client.logout()
    html = client.get(page.url).content.decode()
    assert "Ein Absatz." in html


def test_editor_previews_a_new_content_page(client, editor, home):
    preview_url = reverse("wagtailadmin_pages:preview_on_add", args=("cms", "contentpage", home.pk))
    response = client.post(preview_url, content_page_data())
    assert response.json()["is_valid"] is True
    response = client.get(preview_url)
    assert response.status_code == 200
    assert "Ein Absatz." in response.content.decode()
    assert not ContentPage.objects.filter(slug="neue-seite").exists()


def test_editor_schedules_a_content_page(client, editor, home):
    go_live = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        add_url(home), {**content_page_data(go_live_at=go_live), "action-publish": "publish"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ContentPage.objects.get(slug="neue-seite")
    assert not page.live
    assert page.go_live_at is not None
    assert page.scheduled_revision is not None


def test_participation_menu_lists_the_snippets(client, editor):
    for model in ("topic", "district", "consultation", "consultationmembership"):
        url = reverse(f"wagtailsnippets_consultations_{model}:list")
        assert client.get(url).status_code == 200, url


def test_editor_creates_a_consultation_with_phases(client, editor):
    topic, district = make_topic(), make_district()
    start = timezone.localtime(timezone.now()).replace(microsecond=0, second=0)

    def moment(days):
        return (start + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")

    data = nested_form_data(
        {
            "title": "Neue Brücke",
            "slug": "neue-bruecke",
            "summary": "Eine Brücke über den Fluss.",
            "topic": topic.pk,
            "district": district.pk,
            "visibility": "public",
            "moderation_mode": "after",
            "area": "null",
            "phases": inline_formset(
                [
                    {
                        "kind": "information",
                        "title": "",
                        "description": "",
                        "start": moment(0),
                        "end": moment(7),
                    },
                    {
                        "kind": "participation",
                        "title": "",
                        "description": "",
                        "start": moment(7),
                        "end": moment(30),
                    },
                ]
            ),
        }
    )
    response = client.post(reverse("wagtailsnippets_consultations_consultation:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation = Consultation.objects.get(slug="neue-bruecke")
    assert [phase.kind for phase in consultation.phase_list] == ["information", "participation"]


def test_a_phase_must_end_after_it_starts(client, editor):
    consultation = make_consultation()
    phases = list(consultation.phases.all())
    data = nested_form_data(
        {
            "title": consultation.title,
            "slug": consultation.slug,
            "summary": consultation.summary,
            "topic": "",
            "district": "",
            "visibility": "public",
            "moderation_mode": "after",
            "area": "null",
            "phases": inline_formset(
                [
                    {
                        "id": phase.pk,
                        "kind": phase.kind,
                        "title": "",
                        "description": "",
                        "start": timezone.localtime(phase.end).strftime("%Y-%m-%d %H:%M"),
                        "end": timezone.localtime(phase.start).strftime("%Y-%m-%d %H:%M"),
                    }
                    for phase in phases[:1]
                ]
                + [
                    {
                        "id": phase.pk,
                        "kind": phase.kind,
                        "title": "",
                        "description": "",
                        "start": timezone.localtime(phase.start).strftime("%Y-%m-%d %H:%M"),
                        "end": timezone.localtime(phase.end).strftime("%Y-%m-%d %H:%M"),
                    }
                    for phase in phases[1:]
                ],
                initial=len(phases),
            ),
        }
    )
    url = reverse("wagtailsnippets_consultations_consultation:edit", args=(consultation.pk,))
    response = client.post(url, data)
    assert response.status_code == 200  # form shown again with the error
    first = Phase.objects.get(pk=phases[0].pk)
    assert first.end > first.start


def test_consultation_can_be_chosen_for_the_teaser_block(client, editor):
    make_consultation(title="Auswählbar")
    response = client.get(reverse("wagtailsnippetchoosers_consultations_consultation:choose"))
    assert response.status_code == 200
    assert "Auswählbar" in response.json()["html"]


def test_root_is_not_a_place_for_content_pages(editor, home):
    assert not ContentPage.can_create_at(Page.get_first_root_node())


def test_admin_forms_render(client, editor, consultation_index):
    consultation = make_consultation()
    urls = [
        reverse("wagtailsnippets_consultations_consultation:edit", args=(consultation.pk,)),
        reverse("wagtailsnippets_consultations_consultation:add"),
        reverse("wagtailadmin_pages:add", args=("cms", "consultationpage", consultation_index.pk)),
        reverse("wagtailadmin_pages:add", args=("cms", "newspage", consultation_index.pk)),
    ]
    statuses = [client.get(url).status_code for url in urls]
    assert statuses[:3] == [200, 200, 200]
    # A news item cannot be created below the consultation index: Wagtail turns the editor away.
    assert statuses[3] in (302, 403)


def test_editor_publishes_results_through_the_action(client, editor, consultation_index):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    listing = client.get(reverse("wagtailsnippets_consultations_consultation:list"))
    url = reverse("consultations_publish_results", args=(consultation.pk,))
    assert url in listing.content.decode()
    assert client.get(url).status_code == 200

    response = client.post(url, {"statement": "Der Rat folgt Ihren Hinweisen."})

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.results_statement == "Der Rat folgt Ihren Hinweisen."
    assert consultation.results_published_at is not None
    assert LiveEvent.objects.filter(type="consultation.results_published").count() == 1
    client.logout()
    assert "Der Rat folgt Ihren Hinweisen." in client.get(page.url).content.decode()


def test_blank_results_are_refused(client, editor):
    consultation = make_consultation()
    url = reverse("consultations_publish_results", args=(consultation.pk,))
    response = client.post(url, {"statement": "<b></b>"})
    assert response.status_code == 200
    consultation.refresh_from_db()
    assert consultation.results_statement == ""


def test_moderators_may_not_publish_results(client):
    consultation = make_consultation()
    moderator = make_user(groups=(SITE_MODERATORS,), is_staff=True)
    moderator.user_permissions.add(*Permission.objects.filter(codename="access_admin"))
    client.force_login(moderator)
    url = reverse("consultations_publish_results", args=(consultation.pk,))
    assert client.post(url, {"statement": "Nein"}).status_code in (302, 403)
    consultation.refresh_from_db()
    assert consultation.results_statement == ""


def test_a_consultation_with_a_page_cannot_be_deleted(client, editor, consultation_index):
    consultation = make_consultation()
    add_consultation_page(consultation_index, consultation)
    url = reverse("wagtailsnippets_consultations_consultation:delete", args=(consultation.pk,))
    response = client.post(url)
    assert response.status_code in (200, 302)
    assert Consultation.objects.filter(pk=consultation.pk).exists()


def test_a_consultation_without_a_page_can_be_deleted(client, editor):
    consultation = make_consultation()
    url = reverse("wagtailsnippets_consultations_consultation:delete", args=(consultation.pk,))
    assert client.post(url).status_code == 302
    assert not Consultation.objects.filter(pk=consultation.pk).exists()


def test_consultation_pages_cannot_be_copied(client, editor, consultation_index):
    page = add_consultation_page(consultation_index, make_consultation())
    url = reverse("wagtailadmin_pages:copy", args=(page.pk,))
    response = client.post(
        url,
        {
            "new_title": "Kopie",
            "new_slug": "kopie",
            "new_parent_page": consultation_index.pk,
            "copy_subpages": False,
            "publish_copies": False,
        },
    )
    assert response.status_code == 302
    assert not Page.objects.filter(slug="kopie").exists()


def test_content_pages_can_still_be_copied(client, editor, home):
    page = home.add_child(instance=ContentPage(title="Vorlage", slug="vorlage"))
    url = reverse("wagtailadmin_pages:copy", args=(page.pk,))
    response = client.post(
        url,
        {"new_title": "Kopie", "new_slug": "kopie", "new_parent_page": home.pk},
    )
    assert response.status_code == 302
    assert ContentPage.objects.filter(slug="kopie").exists()


def test_editor_gives_a_person_a_role_with_the_person_chooser(client, editor):
    consultation = make_consultation()
    person = make_user(pseudonym="Mona Moderatorin", email="mona@example.org")
    make_user(pseudonym="Jemand Anderes")

    chooser = reverse("consultation_person_chooser:choose_results")
    found = client.get(chooser, {"q": "mona@"}).content.decode()
    assert "Mona Moderatorin" in found
    assert "Jemand Anderes" not in found

    form = client.get(reverse("wagtailsnippets_consultations_consultationmembership:add"))
    assert reverse("consultation_person_chooser:choose") in form.content.decode()
    response = client.post(
        reverse("wagtailsnippets_consultations_consultationmembership:add"),
        {"consultation": consultation.pk, "user": person.pk, "role": "moderator"},
    )
    assert response.status_code == 302
    assert consultation.memberships.get().user == person


def test_the_person_chooser_is_only_for_people_who_hand_out_roles(client):
    staff = make_user(is_staff=True, email="staff@example.org")
    staff.user_permissions.add(*Permission.objects.filter(codename="access_admin"))
    client.force_login(staff)
    response = client.get(reverse("consultation_person_chooser:choose_results"), {"q": "staff"})
    assert response.status_code in (302, 403)
    assert "staff@example.org" not in response.content.decode()
