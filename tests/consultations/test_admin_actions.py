"""The admin writes through the actions: the same rule, validation, audit entry and live event
as every other way in (issue 9, item 2)."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from consultations import realtime
from consultations.actions import PermissionDenied
from consultations.actions.consultations import (
    PhaseError,
    change_consultation,
    create_consultation,
)
from consultations.actions.memberships import grant_role
from consultations.actions.places import create_district, create_topic
from consultations.actions.word_list import add_blocked_word
from consultations.admin import views as admin_views
from consultations.models import (
    BlockedWord,
    Consultation,
    ConsultationMembership,
    Discussion,
    LiveEvent,
    Phase,
)
from consultations.roles import EDITORS, SITE_MODERATORS
from tests.consultations.discussions.conftest import SentEvents
from tests.factories import (
    make_consultation,
    make_discussion,
    make_district,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    events = SentEvents(django_capture_on_commit_callbacks)
    with mock.patch.object(realtime, "send_now", events.record):
        yield events
        events.close()


@pytest.fixture
def editor():
    return make_user(groups=(EDITORS,), is_staff=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def whole_minutes(consultation):
    """The admin's date fields have minutes; phases that have seconds would change on save."""
    for phase in consultation.phases.all():
        phase.start = phase.start.replace(second=0, microsecond=0)
        phase.end = phase.end.replace(second=0, microsecond=0)
        phase.save()
    return Consultation.objects.get(pk=consultation.pk)


def moment(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def phase_rows(consultation, **changes):
    """The consultation's phases as the admin's inline forms post them; ``changes`` maps a
    phase's index to fields to change."""
    rows = []
    for index, phase in enumerate(consultation.phase_list):
        row = {
            "id": phase.pk,
            "kind": phase.kind,
            "title": phase.title,
            "description": phase.description,
            "start": moment(phase.start),
            "end": moment(phase.end),
        }
        row.update(changes.get(f"phase{index}", {}))
        rows.append(row)
    return rows


def consultation_form(consultation, *, rows=None, **fields):
    rows = phase_rows(consultation) if rows is None else rows
    return nested_form_data(
        {
            "title": consultation.title,
            "slug": consultation.slug,
            "summary": consultation.summary,
            "topic": "",
            "district": "",
            "visibility": consultation.visibility,
            "moderation_mode": consultation.moderation_mode,
            "area": "null",
            **fields,
            "phases": inline_formset(rows, initial=consultation.phases.count()),
        }
    )


def edit_url(consultation):
    return reverse("wagtailsnippets_consultations_consultation:edit", args=(consultation.pk,))


def log_entries(instance, action):
    return ModelLogEntry.objects.for_instance(instance).filter(action=action)


def as_seen_by_a_page(events):
    """An event without the parts that differ between two changes (id, times)."""
    return [(group, event["type"], sorted(event["payload"])) for group, event in events]


def test_an_admin_edit_is_in_the_audit_log_once_and_sent_live_like_the_action(
    editor_client, editor, sent
):
    consultation = make_consultation(title="Alte Brücke")
    later = consultation.phase_list[-1].end + timedelta(days=7)
    data = consultation_form(
        consultation,
        title="Neue Brücke",
        rows=phase_rows(consultation, phase3={"end": moment(later)}),
    )

    response = editor_client.post(edit_url(consultation), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    consultation.refresh_from_db()
    assert consultation.title == "Neue Brücke"
    entry = log_entries(consultation, "wagtail.edit").get()
    assert entry.user_id == editor.pk
    from_admin = list(sent)
    assert len(from_admin) == 1
    group, event = from_admin[0]
    assert group == realtime.consultation_group(consultation.pk)
    assert event["type"] == realtime.EventType.CONSULTATION_UPDATED
    assert event["payload"]["title"] == "Neue Brücke"
    new_end = datetime.fromisoformat(event["payload"]["phases"][-1]["end"])
    assert new_end == later.replace(second=0, microsecond=0)

    # The same change made elsewhere (a script, the site) sends the same event and logs alike.
    other = make_consultation(title="Alte Brücke")
    change_consultation(
        editor=editor,
        consultation=other,
        title="Neue Brücke",
        slug=other.slug,
        summary=other.summary,
        phases=[
            {**_phase(phase), "end": later} if index == 3 else _phase(phase)
            for index, phase in enumerate(other.phase_list)
        ],
    )
    from_elsewhere = list(sent)[1:]
    assert as_seen_by_a_page(from_elsewhere) == [
        (realtime.consultation_group(other.pk), event["type"], sorted(event["payload"]))
    ]
    assert log_entries(other, "wagtail.edit").count() == 1


def _phase(phase):
    return {
        "id": phase.pk,
        "kind": phase.kind,
        "title": phase.title,
        "description": phase.description,
        "start": phase.start,
        "end": phase.end,
    }


def test_an_admin_edit_that_changes_neither_title_nor_phases_sends_nothing(editor_client, sent):
    consultation = whole_minutes(make_consultation())
    data = consultation_form(consultation, summary="Ein neuer Text.")
    assert editor_client.post(edit_url(consultation), data).status_code == 302
    consultation.refresh_from_db()
    assert consultation.summary == "Ein neuer Text."
    assert list(sent) == []
    assert log_entries(consultation, "wagtail.edit").count() == 1


def test_the_admin_creates_a_consultation_through_the_action(editor_client, editor):
    start = timezone.now().replace(second=0, microsecond=0)
    data = nested_form_data(
        {
            "title": "Neuer Park",
            "slug": "neuer-park",
            "summary": "Ein Park am Fluss.",
            "topic": "",
            "district": "",
            "visibility": "public",
            "moderation_mode": "after",
            "area": "null",
            "phases": inline_formset(
                [
                    {
                        "kind": "participation",
                        "title": "",
                        "description": "",
                        "start": moment(start),
                        "end": moment(start + timedelta(days=14)),
                    }
                ]
            ),
        }
    )
    with mock.patch.object(admin_views, "create_consultation", wraps=create_consultation) as action:
        response = editor_client.post(
            reverse("wagtailsnippets_consultations_consultation:add"), data
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.assert_called_once()
    consultation = Consultation.objects.get(slug="neuer-park")
    assert [phase.kind for phase in consultation.phase_list] == ["participation"]
    assert log_entries(consultation, "wagtail.create").get().user_id == editor.pk
    assert ModelLogEntry.objects.count() == 1


def test_deleting_a_phase_a_discussion_is_limited_to_is_refused_in_the_admin_by_the_action(
    editor_client, sent
):
    consultation = whole_minutes(make_consultation())
    discussion = make_discussion(consultation=consultation)
    participation = consultation.phase_list[1]
    discussion.open_in_phases.set([participation])
    data = consultation_form(consultation, title="Ohne Beteiligungsphase")
    data["phases-1-DELETE"] = "1"

    with mock.patch.object(admin_views, "change_consultation", wraps=change_consultation) as action:
        response = editor_client.post(edit_url(consultation), data)

    action.assert_called_once()
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert discussion.title in error
    consultation.refresh_from_db()
    assert consultation.title != "Ohne Beteiligungsphase"
    assert consultation.phases.count() == 4
    assert list(discussion.open_in_phases.all()) == [participation]
    assert not ModelLogEntry.objects.exists()
    assert list(sent) == []


def test_a_phase_ending_before_it_starts_is_refused_with_nothing_written(editor, sent):
    consultation = make_consultation(title="Vorher")
    phases = [_phase(phase) for phase in consultation.phase_list]
    phases[1]["end"] = phases[1]["start"] - timedelta(days=1)
    with pytest.raises(PhaseError) as refused:
        change_consultation(
            editor=editor,
            consultation=consultation,
            title="Nachher",
            slug=consultation.slug,
            summary=consultation.summary,
            phases=phases,
        )
    assert refused.value.index == 1 and refused.value.field == "end"
    consultation.refresh_from_db()
    assert consultation.title == "Vorher"
    assert not ModelLogEntry.objects.exists()
    assert not LiveEvent.objects.exists()
    assert list(sent) == []


def test_a_phase_ending_before_it_starts_in_the_admin_shows_on_the_form(editor_client):
    consultation = make_consultation(title="Vorher")
    first = consultation.phase_list[0]
    rows = phase_rows(consultation, phase0={"start": moment(first.end), "end": moment(first.start)})
    response = editor_client.post(
        edit_url(consultation), consultation_form(consultation, title="Nachher", rows=rows)
    )
    assert response.status_code == 200
    consultation.refresh_from_db()
    assert consultation.title == "Vorher"
    assert Phase.objects.get(pk=first.pk).end == first.end
    assert not ModelLogEntry.objects.exists()


@pytest.fixture
def moderator():
    user = make_user(groups=(SITE_MODERATORS,), is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename="access_admin"))
    return user


def test_a_moderator_cannot_create_a_consultation_in_the_admin(client, moderator):
    client.force_login(moderator)
    url = reverse("wagtailsnippets_consultations_consultation:add")
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"title": "Heimlich", "slug": "heimlich"})
    assert response.status_code in (302, 403)
    assert not Consultation.objects.filter(slug="heimlich").exists()


def test_a_moderator_cannot_create_a_consultation_through_the_action(moderator):
    start = timezone.now()
    with pytest.raises(PermissionDenied):
        create_consultation(
            editor=moderator,
            title="Heimlich",
            slug="heimlich",
            summary="Nein.",
            phases=[{"kind": "participation", "start": start, "end": start + timedelta(days=1)}],
        )
    assert not Consultation.objects.exists()


def test_the_admin_creates_and_changes_discussions_through_the_actions(editor_client, editor):
    consultation = make_consultation()
    participation = consultation.phase_list[1]
    response = editor_client.post(
        reverse("wagtailsnippets_consultations_discussion:add"),
        {
            "consultation": consultation.pk,
            "title": "Worüber reden wir?",
            "description": "",
            "open_in_phases": [participation.pk],
            "auto_hide_after_reports": 3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    discussion = Discussion.objects.get()
    assert list(discussion.open_in_phases.all()) == [participation]
    assert log_entries(discussion, "wagtail.create").get().user_id == editor.pk

    with mock.patch.object(
        admin_views, "change_discussion", wraps=admin_views.change_discussion
    ) as action:
        response = editor_client.post(
            reverse("wagtailsnippets_consultations_discussion:edit", args=(discussion.pk,)),
            {
                "consultation": consultation.pk,
                "title": "Neuer Titel",
                "description": "",
                "auto_hide_after_reports": 5,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.assert_called_once()
    discussion.refresh_from_db()
    assert (discussion.title, discussion.auto_hide_after_reports) == ("Neuer Titel", 5)
    assert not discussion.open_in_phases.exists()
    assert log_entries(discussion, "wagtail.edit").count() == 1


def _paths():
    """Each admin form of the participation objects: (model, action in admin views, who,
    form data)."""
    return [
        ("topic", "create_topic", "editor", lambda: {"name": "Wasser", "slug": "wasser"}),
        (
            "district",
            "create_district",
            "editor",
            lambda: {"name": "Südstadt", "slug": "suedstadt", "population": "1200"},
        ),
        (
            "consultationmembership",
            "grant_role",
            "editor",
            lambda: {
                "consultation": make_consultation().pk,
                "user": make_user().pk,
                "role": "moderator",
            },
        ),
        ("blockedword", "add_blocked_word", "moderator", lambda: {"phrase": "  blöder  Depp "}),
    ]


@pytest.mark.parametrize(("model", "action_name", "who", "data"), _paths())
def test_each_admin_form_creates_through_its_action(
    client, editor, moderator, model, action_name, who, data
):
    client.force_login(editor if who == "editor" else moderator)
    real = getattr(admin_views, action_name)
    with mock.patch.object(admin_views, action_name, wraps=real) as action:
        response = client.post(reverse(f"wagtailsnippets_consultations_{model}:add"), data())
    assert response.status_code == 302, response.content.decode()[:2000]
    action.assert_called_once()
    entry = ModelLogEntry.objects.get()
    assert entry.action == "wagtail.create"
    assert entry.user_id == (editor if who == "editor" else moderator).pk


@pytest.mark.parametrize(
    ("model", "factory", "action_name", "who", "data"),
    [
        ("topic", make_topic, "change_topic", "editor", {"name": "Neu", "slug": "neu"}),
        (
            "district",
            make_district,
            "change_district",
            "editor",
            {"name": "Neu", "slug": "neu", "population": ""},
        ),
        (
            "blockedword",
            lambda: BlockedWord.objects.create(phrase="Depp"),
            "change_blocked_word",
            "moderator",
            {"phrase": "Trottel"},
        ),
    ],
)
def test_each_admin_form_changes_through_its_action(
    client, editor, moderator, model, factory, action_name, who, data
):
    instance = factory()
    client.force_login(editor if who == "editor" else moderator)
    real = getattr(admin_views, action_name)
    with mock.patch.object(admin_views, action_name, wraps=real) as action:
        response = client.post(
            reverse(f"wagtailsnippets_consultations_{model}:edit", args=(instance.pk,)), data
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.assert_called_once()
    assert log_entries(instance, "wagtail.edit").count() == 1
    assert ModelLogEntry.objects.count() == 1


def test_a_role_given_twice_is_refused_by_the_action_on_the_form(editor_client):
    consultation, person = make_consultation(), make_user()
    grant_role(
        editor=make_user(superuser=True), consultation=consultation, user=person, role="moderator"
    )
    other = make_consultation()
    membership = ConsultationMembership.objects.create(
        consultation=other, user=person, role="moderator"
    )
    # Moving the second grant onto the first consultation would give the role twice.
    response = editor_client.post(
        reverse("wagtailsnippets_consultations_consultationmembership:edit", args=(membership.pk,)),
        {"consultation": consultation.pk, "user": person.pk, "role": "moderator"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    membership.refresh_from_db()
    assert membership.consultation == other


def _grant():
    return {"consultation": make_consultation(), "user": make_user()}


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (grant_role, lambda: {**_grant(), "role": "moderator"}),
        (create_topic, lambda: {"name": "Wasser"}),
        (create_district, lambda: {"name": "Südstadt"}),
    ],
)
def test_moderators_do_not_set_up_what_editors_do(moderator, action, kwargs):
    with pytest.raises(PermissionDenied):
        action(editor=moderator, **kwargs())
    assert not ModelLogEntry.objects.exists()


def test_editors_do_not_keep_the_word_list(editor):
    with pytest.raises(PermissionDenied):
        add_blocked_word(moderator=editor, phrase="Depp")
    assert not BlockedWord.objects.exists()
