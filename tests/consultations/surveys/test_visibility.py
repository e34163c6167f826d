"""Who may see a survey, answer it and see its results: state × viewer × every way in (the
survey page, posting answers, the results page, the results socket, the block on the
consultation page, personal data exports, the admin listing). The tables are the spec; rules.py
decides them in one place."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from wagtail.models import Page, Site

from cms.models import ConsultationIndexPage, ConsultationPage, HomePage
from consultations import consumers, exports, roles
from consultations.actions.surveys import submit_response
from consultations.models import Consultation, ConsultationMembership, Response, Survey
from consultations.routing import websocket_urlpatterns
from tests.factories import add_member, make_consultation, make_user

from .conftest import build_survey

STATES = ["draft", "public", "private", "after_running"]
VIEWERS = ["anonymous", "resident", "private_participant", "editor", "site_moderator", "admin"]
EVERYONE = set(VIEWERS)
STAFF = {"editor", "admin"}
PRIVATE_VIEWERS = {"private_participant", "site_moderator", "editor", "admin"}
RESIDENTS = EVERYONE - {"anonymous"}

# May open the survey (its page, its results page, its block on the consultation page).
SEES = {
    "draft": STAFF,
    "public": EVERYONE,
    "private": PRIVATE_VIEWERS,
    "after_running": EVERYONE,
}
# May send answers (the survey runs: it is in its participation phase).
ANSWERS = {
    "draft": set(),
    "public": RESIDENTS,
    "private": PRIVATE_VIEWERS,
    "after_running": RESIDENTS,
}
# May see the figures (results page, results socket). "after_running": results public only
# once the survey has closed; until then its staff only.
SEES_RESULTS = {
    "draft": STAFF,
    "public": EVERYONE,
    "private": PRIVATE_VIEWERS,
    "after_running": STAFF,
}
# Get the survey in the Wagtail admin listing (the builder is editors' and admins').
ADMIN_LISTS = {"draft": STAFF, "public": STAFF, "private": STAFF, "after_running": STAFF}


def title_of(state):
    return f"Umfrage-{state}-4b7e"


def free_text_of(state, viewer):
    return f"Freitext-{state}-{viewer}-91c2"


QUESTIONS = [
    {
        "kind": "single_choice",
        "text": "Soll die Halle bleiben?",
        "required": True,
        "choices": [{"label": "Bleiben"}, {"label": "Abreißen"}],
    },
    {"kind": "short_text", "text": "Warum?"},
]


def make_people():
    return {
        "resident": make_user(pseudonym="Anwohnerin"),
        "private_participant": make_user(pseudonym="Eingeladene"),
        "editor": make_user(pseudonym="Redaktion", groups=(roles.EDITORS,)),
        "site_moderator": make_user(pseudonym="Moderation", groups=(roles.SITE_MODERATORS,)),
        "admin": make_user(pseudonym="Admin", superuser=True),
    }


def make_surveys(people) -> dict[str, Survey]:
    surveys = {}
    for state in STATES:
        visibility = (
            Consultation.Visibility.PRIVATE
            if state == "private"
            else Consultation.Visibility.PUBLIC
        )
        consultation = make_consultation(active="participation", visibility=visibility)
        if state == "private":
            add_member(
                consultation, people["private_participant"], ConsultationMembership.Role.PARTICIPANT
            )
        surveys[state] = build_survey(
            people["editor"],
            consultation=consultation,
            questions=QUESTIONS,
            publish=state != "draft",
            title=title_of(state),
            results_visibility=(
                Survey.ResultsVisibility.AFTER
                if state == "after_running"
                else Survey.ResultsVisibility.DURING
            ),
        )
    return surveys


@pytest.fixture
def world(db):
    people = make_people()
    return people, make_surveys(people)


@pytest.fixture
def home(db):
    root = Page.get_first_root_node()
    home = HomePage(title="Startseite", slug="startseite", hero_heading="Musterstadt redet mit")
    root.add_child(instance=home)
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = ConsultationIndexPage(title="Beteiligungen", slug="beteiligungen")
    home.add_child(instance=index)
    return index


def place_on_page(index, survey) -> ConsultationPage:
    consultation = survey.consultation
    page = ConsultationPage(
        title=consultation.title,
        slug=consultation.slug,
        consultation=consultation,
        body=[("survey", {"survey": survey})],
    )
    index.add_child(instance=page)
    return page


def login(client, people, viewer):
    client.logout()
    if viewer != "anonymous":
        client.force_login(people[viewer])


def answer_data(survey, state, viewer) -> dict:
    first, second = survey.questions.order_by("sort_order")
    choice = first.choices.order_by("sort_order").first()
    return {
        "page": "1",
        "submit": "1",
        first.field_name: str(choice.pk),
        second.field_name: free_text_of(state, viewer),
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_way_in(client, world, home, state, viewer):
    people, surveys = world
    survey = surveys[state]
    page = place_on_page(home, survey)
    login(client, people, viewer)
    detail = reverse("survey_detail", args=[survey.pk])
    results = reverse("survey_results", args=[survey.pk])

    # The survey page.
    response = client.get(detail)
    if viewer in SEES[state]:
        assert response.status_code == 200
        assert title_of(state) in response.content.decode()
    else:
        assert response.status_code == 404
        assert title_of(state) not in response.content.decode()

    # Posting answers: stored only for whoever may answer; others are refused, nothing written.
    response = client.post(detail, answer_data(survey, state, viewer))
    stored = Response.objects.filter(survey=survey)
    if viewer in ANSWERS[state]:
        assert response.status_code == 302
        assert stored.count() == 1
        assert stored.get().user == people[viewer]
    else:
        assert response.status_code == (403 if viewer in SEES[state] else 404)
        assert not stored.exists()

    # The results page: the figures, or a note saying when they are published, or not found.
    response = client.get(results)
    html = response.content.decode()
    if viewer in SEES[state]:
        assert response.status_code == 200
        assert ("data-survey-results=" in html) is (viewer in SEES_RESULTS[state])
    else:
        assert response.status_code == 404
    # Free-text answers are never on the results page, whoever looks.
    assert free_text_of(state, viewer) not in html

    # The block on the consultation page.
    response = client.get(page.url)
    html = response.content.decode()
    if viewer in SEES[state]:
        assert response.status_code == 200
        assert title_of(state) in html
        assert reverse("survey_detail", args=[survey.pk]) in html
    else:
        assert title_of(state) not in html
        assert reverse("survey_detail", args=[survey.pk]) not in html

    # The person's own data export carries their response (and only theirs: see below).
    if viewer in ANSWERS[state]:
        export = client.get(reverse("export_data"))
        assert export.status_code == 200
        body = export.content.decode()
        assert str(stored.get().public_id) in body
        assert free_text_of(state, viewer) in body


@pytest.mark.parametrize("viewer", sorted(RESIDENTS))
def test_nobody_elses_export_carries_a_response(world, viewer):
    people, surveys = world
    for answerer in sorted(RESIDENTS):
        for state in STATES:
            if answerer not in ANSWERS[state]:
                continue
            submit_response(
                survey=surveys[state],
                user=people[answerer],
                data=answer_data(surveys[state], state, answerer),
            )
    export = json.dumps(exports.personal_data_export(people[viewer]), ensure_ascii=False)
    assert Response.objects.count() == sum(len(ANSWERS[state]) for state in STATES)
    for response in Response.objects.select_related("user"):
        assert (str(response.public_id) in export) is (response.user == people[viewer])
    for state in STATES:
        for answerer in RESIDENTS - {viewer}:
            assert free_text_of(state, answerer) not in export
        if viewer in ANSWERS[state]:
            assert free_text_of(state, viewer) in export


def test_a_browser_response_is_in_no_account_export(world, client):
    """Responses given without an account belong to a browser, not to anybody's account."""
    people, _surveys = world
    survey = build_survey(
        people["editor"],
        questions=QUESTIONS,
        title="Ohne Konto",
        allow_without_account=True,
        results_visibility=Survey.ResultsVisibility.DURING,
    )
    detail = reverse("survey_detail", args=[survey.pk])
    assert client.get(detail).status_code == 200  # gives the browser its token
    assert client.post(detail, answer_data(survey, "token", "anonymous")).status_code == 302
    response = Response.objects.get(survey=survey)
    assert response.source == Response.Source.TOKEN and response.user is None
    for person in people.values():
        export = json.dumps(exports.personal_data_export(person), ensure_ascii=False)
        assert str(response.public_id) not in export
        assert free_text_of("token", "anonymous") not in export


ADMIN_LISTING = "/admin/snippets/consultations/survey/"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_admin_listing(client, world, viewer):
    people, _surveys = world
    login(client, people, viewer)
    response = client.get(ADMIN_LISTING)
    html = response.content.decode()
    for state in STATES:
        if viewer in ADMIN_LISTS[state]:
            assert response.status_code == 200
            assert title_of(state) in html
        else:
            assert title_of(state) not in html, state
    if viewer not in STAFF:
        assert response.status_code in {302, 403}


def test_site_moderators_see_no_draft_in_the_admin_listing(client, world):
    """The narrower half of the listing bug: whatever else site moderators may see there
    (listing, search, the snippet chooser), drafts are their staff's only."""
    people, _surveys = world
    login(client, people, "site_moderator")
    for url in (
        ADMIN_LISTING,
        f"{ADMIN_LISTING}?q=Umfrage",
        "/admin/snippets/choose/consultations/survey/",
        "/admin/snippets/choose/consultations/survey/results/?q=Umfrage",
    ):
        assert title_of("draft") not in client.get(url).content.decode(), url
    draft = _surveys["draft"]
    chosen = client.get(f"/admin/snippets/choose/consultations/survey/chosen/{draft.pk}/")
    assert chosen.status_code == 404


# --- The results socket (its own database transactions: consumers run in other threads) ------


def communicator(survey_id, user=None):
    comm = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/surveys/{survey_id}/results/"
    )
    comm.scope["user"] = user or AnonymousUser()
    return comm


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", STATES)
async def test_results_socket(state):
    people = await sync_to_async(make_people)()
    surveys = await sync_to_async(make_surveys)(people)
    survey = surveys[state]
    for viewer in VIEWERS:
        comm = communicator(survey.pk, people.get(viewer))
        connected, code = await comm.connect()
        if viewer in SEES_RESULTS[state]:
            assert connected, viewer
            first = json.loads(await comm.receive_from(timeout=3))
            assert first["type"] == "survey.results_changed"
            assert first["payload"]["survey"] == survey.pk
        else:
            assert not connected, viewer
            assert code == consumers.CLOSE_FORBIDDEN, viewer
        await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_results_socket_of_an_unknown_survey_is_not_found():
    comm = communicator(999_999)
    connected, code = await comm.connect()
    assert not connected
    assert code == consumers.CLOSE_NOT_FOUND


def test_the_page_cache_never_hands_a_draft_preview_to_visitors(client, world, home):
    """Staff see a draft in the block (a preview); the page anonymous visitors get from the
    cache must not be that one, and publishing the survey shows it to them."""
    from cms import page_cache
    from consultations.actions.surveys import change_survey

    from .conftest import question_list

    people, surveys = world
    survey = surveys["draft"]
    page = place_on_page(home, survey)
    client.force_login(people["editor"])
    assert title_of("draft") in client.get(page.url).content.decode()

    client.logout()
    for _ in range(2):
        response = client.get(page.url)
        assert title_of("draft") not in response.content.decode()
    assert response.get(page_cache.CACHE_HEADER) == "hit"

    change_survey(
        editor=people["editor"],
        survey=survey,
        title=survey.title,
        questions=question_list(survey),
        status=Survey.Status.PUBLISHED,
        results_visibility=survey.results_visibility,
    )
    assert title_of("draft") in client.get(page.url).content.decode()
