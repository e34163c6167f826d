"""Quick polls: one vote per account or browser, their own dates and audience, a vote that
works without JavaScript (and in place with it), the Origin check that replaces the CSRF token,
and the role × time × audience table of ``vote_in_poll``."""

from __future__ import annotations

from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone, translation

from consultations import actions, exports, roles
from consultations.actions.accounts import delete_account
from consultations.actions.polls import change_poll, create_poll, delete_poll, vote
from consultations.models import PollVote, QuickPoll
from consultations.views.polls import VOTED_COOKIE, form_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (requests too: the site's language is the default)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def editor():
    return make_user(groups=(roles.EDITORS,))


def make_poll(editor, *, when="open", audience="residents", published=True, labels=("Ja", "Nein")):
    now = timezone.now()
    opens = {
        "open": now - timedelta(days=1),
        "before": now + timedelta(days=1),
        "after": now - timedelta(days=10),
    }[when]
    return create_poll(
        editor=editor,
        question="Soll der Marktplatz autofrei werden?",
        opens=opens,
        closes=opens + timedelta(days=5 if when == "after" else 7),
        choices=[{"label": label} for label in labels],
        audience=audience,
        is_published=published,
    )


POLL_PERMISSIONS = {
    "consultations.vote_in_poll",
    "consultations.view_quickpoll",
    "consultations.add_quickpoll",
    "consultations.change_quickpoll",
    "consultations.delete_quickpoll",
}
ROLES = ["anonymous", "unverified", "resident", "editor", "admin"]
# role → (residents-only poll, everyone poll) while open and published
VOTES = {
    "anonymous": (False, True),
    "unverified": (False, True),
    "resident": (True, True),
    "editor": (True, True),
    "admin": (True, True),
}


def role_user(role):
    return {
        "anonymous": lambda: AnonymousUser(),
        "unverified": lambda: make_user(verified=False),
        "resident": lambda: make_user(),
        "editor": lambda: make_user(groups=(roles.EDITORS,)),
        "admin": lambda: make_user(superuser=True),
    }[role]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("when", ["before", "open", "after"])
@pytest.mark.parametrize("published", [True, False])
def test_vote_table(editor, role, when, published):
    user = role_user(role)
    for audience, expected in zip(("residents", "everyone"), VOTES[role], strict=True):
        poll = make_poll(editor, when=when, audience=audience, published=published)
        allowed = rules.has_perm("consultations.vote_in_poll", user, poll)
        assert allowed is (expected and when == "open" and published), (audience, when)
        sees = rules.has_perm("consultations.view_quickpoll", user, poll)
        assert sees is (published or role in {"editor", "admin"})


@pytest.mark.parametrize("role", ROLES)
def test_setting_polls_up_is_for_staff(role):
    user = role_user(role)
    for name in ("add_quickpoll", "change_quickpoll", "delete_quickpoll"):
        assert rules.has_perm(f"consultations.{name}", user) is (role in {"editor", "admin"})
    # The admin's listing (no poll): staff only, drafts are theirs.
    assert rules.has_perm("consultations.view_quickpoll", user) is (role in {"editor", "admin"})


def test_one_vote_per_account_and_per_browser_changeable(editor):
    poll = make_poll(editor, audience="everyone")
    yes, no = poll.choices.all()
    person = make_user()
    first = vote(poll=poll, user=person, choice_id=yes.pk)
    again = vote(poll=poll, user=person, choice_id=str(no.pk))
    assert first.pk == again.pk and PollVote.objects.get().choice == no
    vote(poll=poll, user=AnonymousUser(), choice_id=yes.pk, token="abc")
    vote(poll=poll, user=AnonymousUser(), choice_id=no.pk, token="abc")
    assert PollVote.objects.count() == 2


@pytest.mark.parametrize("choice", ["", "x", "999999", None, "1; DROP TABLE"])
def test_a_bad_choice_is_refused(editor, choice):
    poll = make_poll(editor)
    with pytest.raises(actions.ActionError, match="choose one of the answers"):
        vote(poll=poll, user=make_user(), choice_id=choice)
    other = make_poll(editor)
    with pytest.raises(actions.ActionError):
        vote(poll=poll, user=make_user(), choice_id=other.choices.first().pk)
    assert not PollVote.objects.exists()


def test_votes_without_an_account_are_limited_per_address(editor, settings):
    settings.SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR = 2
    poll = make_poll(editor, audience="everyone")
    choice = poll.choices.first().pk
    for n in range(2):
        vote(
            poll=poll, user=AnonymousUser(), choice_id=choice, token=f"t{n}", client_ip="192.0.2.1"
        )
    with pytest.raises(actions.ActionError, match="Many votes"):
        vote(poll=poll, user=AnonymousUser(), choice_id=choice, token="t9", client_ip="192.0.2.1")
    assert PollVote.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": " "}, "needs a question"),
        ({"labels": ("Nur eine",)}, "from 2 to"),
        ({"labels": ("Ja", "ja ")}, "same text"),
        ({"labels": tuple(str(n) for n in range(11))}, "from 2 to"),
        ({"audience": "martians"}, "who may vote"),
        ({"closes_first": True}, "close after"),
    ],
)
def test_bad_polls_are_refused(editor, fields, message):
    now = timezone.now()
    with pytest.raises(actions.ActionError, match=message):
        create_poll(
            editor=editor,
            question=fields.get("question", "Frage?"),
            opens=now,
            closes=now - timedelta(hours=1)
            if fields.get("closes_first")
            else now + timedelta(days=1),
            choices=[{"label": label} for label in fields.get("labels", ("Ja", "Nein"))],
            audience=fields.get("audience", "everyone"),
        )
    assert not QuickPoll.objects.exists()


def test_only_staff_set_up_polls_and_choices_with_votes_stay(editor):
    with pytest.raises(actions.PermissionDenied):
        make_poll(make_user())
    poll = make_poll(editor)
    yes, no = poll.choices.all()
    vote(poll=poll, user=make_user(), choice_id=yes.pk)
    with pytest.raises(actions.ActionError, match="has votes"):
        change_poll(
            editor=editor,
            poll=poll,
            question=poll.question,
            opens=poll.opens,
            closes=poll.closes,
            choices=[{"id": no.pk, "label": "Nein"}, {"label": "Vielleicht"}],
        )
    with pytest.raises(actions.ActionError, match="has votes"):
        delete_poll(editor=editor, poll=poll)
    delete_poll(editor=make_user(superuser=True), poll=poll)
    assert not QuickPoll.objects.exists() and not PollVote.objects.exists()


def test_votes_in_the_personal_export_and_kept_anonymised(editor):
    poll = make_poll(editor)
    person = make_user()
    vote(poll=poll, user=person, choice_id=poll.choices.first().pk)
    assert exports.personal_data_export(person)["poll_votes"][0]["choice"] == "Ja"
    assert exports.personal_data_export(make_user())["poll_votes"] == []
    delete_account(user=person)
    assert PollVote.objects.get().user is None


class TestVotingPage:
    def post(self, client, poll, choice, **headers):
        return client.post(
            reverse("poll_vote", args=[poll.pk]),
            {"form_token": form_token(poll), "choice": choice, "next": "/rathaus/"},
            **headers,
        )

    def test_without_javascript_the_vote_redirects_to_the_result(self, client, editor):
        poll = make_poll(editor, audience="everyone")
        yes = poll.choices.first()
        posted = self.post(client, poll, yes.pk, **ORIGIN)
        assert posted.status_code == 302
        assert posted["Location"] == f"/abstimmungen/{poll.pk}/?next=/rathaus/"
        assert VOTED_COOKIE in posted.cookies
        page = client.get(posted["Location"]).content.decode()
        assert "Your vote: Ja." in page and "1 vote so far." in page and "100 %" in page
        # The same browser changes its vote instead of adding one.
        self.post(client, poll, poll.choices.last().pk, **ORIGIN)
        assert PollVote.objects.get().choice.label == "Nein"

    def test_with_javascript_the_result_comes_back_as_html(self, client, editor):
        poll = make_poll(editor)
        client.force_login(make_user())
        posted = self.post(
            client, poll, poll.choices.first().pk, HTTP_ACCEPT="application/json", **ORIGIN
        )
        assert posted.status_code == 200
        assert "data-poll-results" in posted.json()["html"]

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"HTTP_ORIGIN": "https://evil.example"},
            {"HTTP_ORIGIN": "null"},
            {"HTTP_REFERER": "https://evil.example/page"},
        ],
    )
    def test_votes_from_other_sites_are_refused(self, client, editor, headers):
        poll = make_poll(editor, audience="everyone")
        assert self.post(client, poll, poll.choices.first().pk, **headers).status_code == 403
        assert not PollVote.objects.exists()

    def test_a_referer_of_this_site_is_enough(self, client, editor):
        poll = make_poll(editor, audience="everyone")
        posted = self.post(
            client, poll, poll.choices.first().pk, HTTP_REFERER="http://testserver/rathaus/"
        )
        assert posted.status_code == 302 and PollVote.objects.count() == 1

    def test_a_form_token_of_another_poll_is_refused(self, client, editor):
        poll, other = make_poll(editor, audience="everyone"), make_poll(editor, audience="everyone")
        posted = client.post(
            reverse("poll_vote", args=[poll.pk]),
            {"form_token": form_token(other), "choice": poll.choices.first().pk},
            **ORIGIN,
        )
        assert posted.status_code == 400 and not PollVote.objects.exists()

    def test_residents_only_refuses_anonymous_and_says_how(self, client, editor):
        poll = make_poll(editor)
        assert self.post(client, poll, poll.choices.first().pk, **ORIGIN).status_code == 403
        assert "Sign in" in client.get(reverse("poll_detail", args=[poll.pk])).content.decode()

    def test_drafts_are_hidden_and_the_next_url_stays_on_this_site(self, client, editor):
        draft = make_poll(editor, published=False)
        assert client.get(reverse("poll_detail", args=[draft.pk])).status_code == 404
        poll = make_poll(editor, audience="everyone")
        posted = client.post(
            reverse("poll_vote", args=[poll.pk]),
            {
                "form_token": form_token(poll),
                "choice": poll.choices.first().pk,
                "next": "https://evil.example/",
            },
            **ORIGIN,
        )
        assert posted["Location"] == f"/abstimmungen/{poll.pk}/"

    def test_results_are_hidden_until_one_votes_or_the_poll_closes(self, client, editor):
        running, closed = make_poll(editor, audience="everyone"), make_poll(editor, when="after")
        assert (
            "data-poll-results"
            not in client.get(reverse("poll_detail", args=[running.pk])).content.decode()
        )
        assert (
            "data-poll-results"
            in client.get(reverse("poll_detail", args=[closed.pk])).content.decode()
        )
