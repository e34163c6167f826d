"""Editors in the Wagtail admin: the preview panel may frame our pages, the publish menu reads
well, and the help texts say what really happens."""

import re

import pytest
from django.urls import reverse

from tests.cms.test_admin import content_page_data

pytestmark = pytest.mark.django_db


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"frame-ancestors ([^;]+)", policy)
    assert match, policy
    return match.group(1).strip()


def test_the_preview_panel_may_frame_the_page_from_our_own_origin(client, editor, page):
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    data = content_page_data(title=page.title, slug=page.slug)
    assert client.post(preview_url, data).json()["is_valid"] is True
    response = client.get(preview_url, {"in_preview_panel": "true", "mode": ""})
    assert response.status_code == 200
    assert "Ein Absatz." in response.content.decode()
    assert frame_ancestors(response) == "'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # Only the frame rule is relaxed: the rest of the strict policy stays.
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_revision_preview_may_be_framed_too(client, editor, page):
    revision = page.save_revision()
    url = reverse("wagtailadmin_pages:revisions_view", args=(page.pk, revision.pk))
    response = client.get(url)
    assert response.status_code == 200
    assert frame_ancestors(response) == "'self'"


def test_published_pages_still_refuse_every_frame(client, editor, page):
    response = client.get(page.url)
    assert frame_ancestors(response) == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    # A visitor cannot ask for the preview policy.
    response = client.get(page.url, {"is_preview": "1", "in_preview_panel": "true"})
    assert frame_ancestors(response) == "'none'"


def test_the_default_workflow_has_a_german_name_that_reads_well_in_the_menu(client, editor, page):
    from wagtail.models import Task, Workflow

    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    workflow = Workflow.objects.get(name="Freigabe durch die Redaktion")
    assert [task.name for task in workflow.tasks] == ["Prüfung durch die Redaktion"]

    html = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "Moderators approval" not in html
    assert "Einreichen: Freigabe durch die Redaktion" in html


def test_renaming_keeps_names_that_editors_chose():
    import importlib

    from django.apps import apps
    from wagtail.models import Task, Workflow

    _workflow_names = importlib.import_module("cms.migrations.0006_default_workflow_names")

    workflow = Workflow.objects.get(name="Freigabe durch die Redaktion")
    workflow.name = "Rechtsprüfung"
    workflow.save()
    _workflow_names.rename(apps, None)
    assert Workflow.objects.filter(name="Rechtsprüfung").exists()
    _workflow_names.restore(apps, None)
    assert Workflow.objects.filter(name="Rechtsprüfung").exists()
    assert Task.objects.filter(name="Moderators approval").exists()  # the task had its name
    _workflow_names.rename(apps, None)
    assert Task.objects.filter(name="Prüfung durch die Redaktion").exists()


def test_the_results_help_text_says_what_happens_today(client, editor):
    from tests.factories import make_consultation

    consultation = make_consultation()
    url = reverse("wagtailsnippets_consultations_consultation:edit", args=(consultation.pk,))
    html = client.get(url).content.decode()
    # Following a consultation does not exist yet; nobody is told by e-mail.
    assert "folgen" not in html
    assert "auf der Seite der Beteiligung" in html
    assert "Eine Benachrichtigung per E-Mail gibt es noch nicht." in html
