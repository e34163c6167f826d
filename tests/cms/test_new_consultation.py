"""The editors' short way: one form sets up a consultation, its phases, modules and page."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry

from cms import actions as cms_actions
from cms.actions import set_up_consultation
from cms.models import ConsultationPage
from consultations.actions import ActionError, PermissionDenied
from consultations.models import Consultation, Discussion, Survey
from consultations.roles import SITE_MODERATORS
from consultations.slugs import german_slugify
from tests.cms.conftest import add_consultation_page
from tests.factories import make_consultation, make_user

pytestmark = pytest.mark.django_db

URL = "/admin/consultations/new/"


def form_data(section, **overrides):
    today = timezone.localdate()
    data = {
        "index": section.pk,
        "title": "Straßenfest Süd",
        "slug": "",
        "summary": "Wie soll das Straßenfest im Süden aussehen?",
        "topic": "",
        "district": "",
        "visibility": "public",
        "moderation_mode": "after",
        "information_start": "",
        "information_end": "",
        "participation_start": today.isoformat(),
        "participation_end": (today + timedelta(days=27)).isoformat(),
        "evaluation_start": (today + timedelta(days=28)).isoformat(),
        "evaluation_end": (today + timedelta(days=48)).isoformat(),
        "results_start": "",
        "results_end": "",
        "discussion_title": "Diskutieren Sie mit",
        "survey_title": "Kurze Umfrage",
        "publish": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Straßenfest Süd", "strassenfest-sued"),
        ("Über Öl & Äpfel – Café", "ueber-oel-aepfel-cafe"),
        ("GROSSE ÄNDERUNG", "grosse-aenderung"),
        ("   ", ""),
        ("!!!", ""),
    ],
)
def test_slugs_spell_german_letters_out(title, slug):
    assert german_slugify(title) == slug


def test_the_form_is_in_the_participation_menu_and_renders(client, editor, consultation_index):
    response = client.get(reverse("wagtailadmin_home"))
    assert URL in response.content.decode()
    html = client.get(URL).content.decode()
    assert 'type="date"' in html
    assert "data-w-slug-formatters-value" in html
    assert 'data-w-sync-target-value="#id_slug"' in html


def test_one_post_sets_up_consultation_phases_modules_and_published_page(
    client, editor, consultation_index
):
    response = client.post(URL, form_data(consultation_index))
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation = Consultation.objects.get()
    assert consultation.slug == "strassenfest-sued"
    assert [phase.kind for phase in consultation.phase_list] == ["participation", "evaluation"]
    participation = consultation.phase_list[0]
    assert timezone.localtime(participation.start).time().hour == 0
    assert timezone.localtime(participation.end).date() == timezone.localdate() + timedelta(28)
    discussion = Discussion.objects.get(consultation=consultation)
    survey = Survey.objects.get(consultation=consultation)
    assert survey.status == Survey.Status.DRAFT
    page = ConsultationPage.objects.get(consultation=consultation)
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=(page.pk,))
    assert page.live and page.slug == "strassenfest-sued" and page.title == "Straßenfest Süd"
    assert page.get_parent().pk == consultation_index.pk
    assert [(block.block_type, block.value[block.block_type]) for block in page.body] == [
        ("discussion", discussion),
        ("survey", survey),
    ]
    assert page.owner == editor
    assert set(PageLogEntry.objects.filter(page=page).values_list("action", flat=True)) == {
        "wagtail.create",
        "wagtail.publish",
    }
    for instance in (consultation, discussion, survey):
        assert ModelLogEntry.objects.for_instance(instance).get().action == "wagtail.create"
    client.logout()
    html = client.get(page.url).content.decode()
    assert "Straßenfest Süd" in html
    assert html.count("Wie soll das Straßenfest im Süden aussehen?") == 1
    assert "Diskutieren Sie mit" in html


def test_a_draft_page_and_no_modules(client, editor, consultation_index):
    data = form_data(consultation_index, discussion_title="", survey_title="", publish=None)
    assert client.post(URL, data).status_code == 302
    page = ConsultationPage.objects.get()
    assert not page.live and page.has_unpublished_changes
    assert len(page.latest_revision.as_object().body) == 0
    assert not Discussion.objects.exists() and not Survey.objects.exists()


def test_a_taken_slug_gets_a_number_when_made_from_the_title(client, editor, consultation_index):
    taken = make_consultation()
    Consultation.objects.filter(pk=taken.pk).update(slug="strassenfest-sued")
    assert client.post(URL, form_data(consultation_index)).status_code == 302
    assert ConsultationPage.objects.get().slug == "strassenfest-sued-2"
    assert Consultation.objects.filter(slug="strassenfest-sued-2").exists()


def test_a_taken_slug_given_by_hand_is_refused_and_nothing_is_written(
    client, editor, consultation_index
):
    add_consultation_page(consultation_index, make_consultation(), slug="fest")
    response = client.post(URL, form_data(consultation_index, slug="fest"))
    assert response.status_code == 200
    assert "fest" in response.context["form"].errors["slug"][0]
    assert Consultation.objects.count() == 1 and ConsultationPage.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"summary": "  "}, "summary"),
        ({"slug": "Straße Süd"}, "slug"),
        ({"participation_end": ""}, "participation_end"),
        ({"evaluation_end": "2000-01-01"}, "evaluation_end"),
        ({"evaluation_start": "kein Datum"}, "evaluation_start"),
        ({"index": "999999"}, "index"),
        ({"visibility": "secret"}, "visibility"),
        (
            {
                "participation_start": "",
                "participation_end": "",
                "evaluation_start": "",
                "evaluation_end": "",
            },
            "__all__",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    client, editor, consultation_index, overrides, field
):
    response = client.post(URL, form_data(consultation_index, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Consultation.objects.exists()
    assert not ConsultationPage.objects.exists()


def test_a_refusal_late_in_the_setup_leaves_nothing_behind(client, editor, consultation_index):
    with mock.patch.object(
        cms_actions, "create_survey", side_effect=ActionError("Umfrage abgelehnt.")
    ):
        response = client.post(URL, form_data(consultation_index))
    assert response.status_code == 200
    assert "Umfrage abgelehnt." in response.content.decode()
    assert not Consultation.objects.exists()
    assert not Discussion.objects.exists()
    assert not ConsultationPage.objects.exists()
    assert not ModelLogEntry.objects.filter(action="wagtail.create").exists()


@pytest.mark.parametrize("groups", [(), (SITE_MODERATORS,)])
def test_others_are_turned_away(client, consultation_index, groups):
    client.force_login(make_user(groups=groups, is_staff=True))
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, form_data(consultation_index)).status_code in (302, 403)
    assert not Consultation.objects.exists()


def test_the_action_asks_wagtail_whether_the_editor_may_add_the_page(consultation_index):
    editor = make_user(groups=("Editors",))
    with mock.patch.object(
        type(consultation_index), "permissions_for_user"
    ) as permissions_for_user:
        permissions_for_user.return_value.can_add_subpage.return_value = False
        with pytest.raises(PermissionDenied):
            set_up_consultation(
                editor=editor,
                index=consultation_index,
                title="Fest",
                summary="Worum es geht.",
                phases=[
                    {
                        "kind": "participation",
                        "start": timezone.now(),
                        "end": timezone.now() + timedelta(days=3),
                    }
                ],
            )
    assert not Consultation.objects.exists()


def test_a_title_without_letters_needs_a_slug(consultation_index):
    with pytest.raises(ActionError) as refused:
        cms_actions.consultation_slug(title="!!!", index=consultation_index)
    assert refused.value.code == "slug"


def test_phase_dates_are_whole_days():
    from cms.editors.forms import day_start

    start = day_start(date(2026, 3, 29))  # the night the clocks go forward
    assert timezone.localtime(start).hour == 0


def test_a_renamed_consultation_renames_its_live_page(client, editor, consultation_index):
    client.post(URL, form_data(consultation_index))
    consultation = Consultation.objects.get()
    page = ConsultationPage.objects.get()
    phases = consultation.phase_list
    data = {
        "title": "Straßenfest Süd 2027",
        "slug": consultation.slug,
        "summary": consultation.summary,
        "visibility": "public",
        "moderation_mode": "after",
        "area": "null",
        "phases-TOTAL_FORMS": str(len(phases)),
        "phases-INITIAL_FORMS": str(len(phases)),
        "phases-MIN_NUM_FORMS": "1",
        "phases-MAX_NUM_FORMS": "1000",
    }
    for number, phase in enumerate(phases):
        for name in ("kind", "title", "description"):
            data[f"phases-{number}-{name}"] = getattr(phase, name)
        data[f"phases-{number}-start"] = timezone.localtime(phase.start).strftime("%Y-%m-%d %H:%M")
        data[f"phases-{number}-end"] = timezone.localtime(phase.end).strftime("%Y-%m-%d %H:%M")
        data[f"phases-{number}-id"] = phase.pk
        data[f"phases-{number}-ORDER"] = number
    url = reverse("wagtailsnippets_consultations_consultation:edit", args=(consultation.pk,))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    page.refresh_from_db()
    assert page.title == "Straßenfest Süd 2027" and page.live and not page.has_unpublished_changes
    assert page.slug == "strassenfest-sued"  # addresses stay: links to the page keep working


def test_the_page_editor_takes_title_and_slug_from_the_consultation(
    client, editor, consultation_index
):
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    consultation = make_consultation(title="Grünzug Öko")
    Consultation.objects.filter(pk=consultation.pk).update(slug="gruenzug-oeko")
    url = reverse("wagtailadmin_pages:add", args=("cms", "consultationpage", consultation_index.pk))
    html = client.get(url).content.decode()
    assert 'name="title"' not in html and 'name="intro"' not in html
    data = nested_form_data({"consultation": consultation.pk, "slug": "", "body": streamfield([])})
    response = client.post(url, {**data, "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:3000]
    page = ConsultationPage.objects.get()
    assert (page.title, page.slug, page.live) == ("Grünzug Öko", "gruenzug-oeko", True)


def test_pages_without_a_slug_get_a_german_one(home):
    """In the admin the slug field fills itself as the title is typed (the same table, in
    the browser); scripts that leave it empty get the server's."""
    from cms.models import ContentPage

    page = ContentPage(title="Öffnungszeiten im Süden")
    home.add_child(instance=page)
    assert page.slug == "oeffnungszeiten-im-sueden"
    second = ContentPage(title="Öffnungszeiten im Süden")
    home.add_child(instance=second)
    assert second.slug == "oeffnungszeiten-im-sueden-2"


@pytest.mark.parametrize(
    ("summary", "intros", "merged"),
    [
        ("Worum es geht.", ["", "Worum es geht."], "Worum es geht."),
        ("Worum es geht.", ["Mehr dazu.", "Mehr dazu."], "Worum es geht.\n\nMehr dazu."),
        ("Worum es geht.", ["Live.", "Entwurf."], "Worum es geht.\n\nLive.\n\nEntwurf."),
        ("", ["  Nur die Seite.  "], "Nur die Seite."),
    ],
)
def test_page_intros_move_into_the_summary_without_repeating_it(summary, intros, merged):
    import importlib

    migration = importlib.import_module("cms.migrations.0011_consultation_page_one_intro")
    assert migration.merged_summary(summary, intros) == merged


def test_the_discussion_chooser_creates_a_discussion_through_the_action(client, editor):
    consultation = make_consultation()
    url = reverse("wagtailsnippetchoosers_consultations_discussion:create")
    assert (
        "create"
        in client.get(
            reverse("wagtailsnippetchoosers_consultations_discussion:choose")
        ).content.decode()
    )
    refused = client.post(url, {"consultation": consultation.pk, "title": "   "})
    assert refused.status_code == 200 and refused.json()["step"] == "reshow_creation_form"
    assert not Discussion.objects.exists()
    response = client.post(url, {"consultation": consultation.pk, "title": "Neu im Chooser"})
    assert response.json()["step"] == "chosen"
    discussion = Discussion.objects.get()
    assert (discussion.title, discussion.consultation) == ("Neu im Chooser", consultation)
    assert ModelLogEntry.objects.for_instance(discussion).get().action == "wagtail.create"


def test_residents_cannot_create_through_the_chooser(client):
    client.force_login(make_user(is_staff=True))
    url = reverse("wagtailsnippetchoosers_consultations_discussion:create")
    response = client.post(url, {"consultation": make_consultation().pk, "title": "x"})
    assert response.status_code in (302, 403)
    assert not Discussion.objects.exists()
