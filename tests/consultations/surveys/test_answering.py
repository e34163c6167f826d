"""Answering through ``submit_response`` and ``enter_paper_response``: one response per
account or browser, changes replace answers, hidden questions are ignored, refused answers
write nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from consultations import actions, exports, roles
from consultations.actions.accounts import delete_account
from consultations.actions.surveys import (
    AnswersInvalid,
    enter_paper_response,
    submit_response,
)
from consultations.models import Answer, Response
from tests.factories import make_consultation, make_district, make_user

from .conftest import add_condition, build_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def questions_of(survey):
    return list(survey.questions.order_by("sort_order"))


def good_data(survey, **overrides) -> MultiValueDict:
    """Answers to every question of the EVERY_KIND survey."""
    q = questions_of(survey)
    choices = [list(question.choices.all()) for question in q]
    data = MultiValueDict(
        {
            q[0].field_name: [str(choices[0][2].pk)],
            q[1].field_name: [str(choices[1][0].pk), str(choices[1][2].pk)],
            q[2].field_name: ["yes"],
            q[3].field_name: ["4"],
            f"{q[4].field_name}_c{choices[4][1].pk}": ["1"],
            f"{q[4].field_name}_c{choices[4][0].pk}": ["2"],
            q[5].field_name: ["7,50"],
            q[6].field_name: ["2026-03-01"],
            q[7].field_name: ["Die Bühne"],
            q[8].field_name: ["Mehr Konzerte bitte."],
        }
    )
    for name, value in overrides.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def test_one_response_with_every_type_stored_as_rows(editor):
    survey = build_survey(editor)
    person = make_user(district=make_district("Nord"))
    response = submit_response(survey=survey, user=person, data=good_data(survey))
    assert response.source == Response.Source.ACCOUNT and response.user == person
    assert response.district.name == "Nord"
    q = questions_of(survey)
    rows = {(a.question_id, a.choice_id, a.text, a.rank) for a in response.answers.all()}
    assert (q[2].pk, None, "yes", None) in rows
    ranking = sorted((a.rank, a.choice.label) for a in response.answers.filter(question=q[4]))
    assert ranking == [(1, "Lage"), (2, "Preis")]
    assert response.answers.get(question=q[5]).number == pytest.approx(7.5)
    assert str(response.answers.get(question=q[6]).date) == "2026-03-01"
    assert response.answers.filter(question=q[1]).count() == 2


def test_answering_again_changes_the_one_response(editor):
    survey = build_survey(editor)
    person = make_user()
    first = submit_response(survey=survey, user=person, data=good_data(survey))
    q = questions_of(survey)
    second = submit_response(
        survey=survey, user=person, data=good_data(survey, **{q[2].field_name: "no"})
    )
    assert first.pk == second.pk and Response.objects.count() == 1
    assert second.answers.get(question=q[2]).text == "no"
    assert second.public_id == first.public_id


@pytest.mark.parametrize(
    "bad",
    [
        {"q0": "999999"},  # tampered choice id
        {"q3": "9"},  # outside the scale
        {"q5": "1000"},  # over the maximum
        {"q8": "x" * 2001},  # too long
        {"q2": ""},  # required
        {"q1": ["a", "b", "c"]},  # not choices
    ],
)
def test_one_bad_answer_refuses_all_and_writes_nothing(editor, bad):
    survey = build_survey(editor)
    q = questions_of(survey)
    overrides = {q[int(key[1:])].field_name: value for key, value in bad.items()}
    with pytest.raises(AnswersInvalid) as refused:
        submit_response(survey=survey, user=make_user(), data=good_data(survey, **overrides))
    assert set(refused.value.errors) == {q[int(key[1:])].pk for key in bad}
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_a_bad_change_keeps_the_earlier_answers(editor):
    survey = build_survey(editor)
    person = make_user()
    submit_response(survey=survey, user=person, data=good_data(survey))
    before = list(Answer.objects.values_list("question_id", "choice_id", "text", "number"))
    q = questions_of(survey)
    with pytest.raises(AnswersInvalid):
        submit_response(
            survey=survey, user=person, data=good_data(survey, **{q[3].field_name: "0"})
        )
    assert list(Answer.objects.values_list("question_id", "choice_id", "text", "number")) == before


def test_answers_to_hidden_questions_are_ignored(editor):
    survey = add_condition(
        editor, build_survey(editor), question_index=2, source_index=0, value="Nie"
    )
    q = questions_of(survey)
    # The person chose "Oft" for question 1: question 3 (required!) is hidden, its answer ignored.
    response = submit_response(survey=survey, user=make_user(), data=good_data(survey))
    assert not response.answers.filter(question=q[2]).exists()
    # A question depending on a hidden one is hidden too.
    survey = add_condition(editor, survey, question_index=3, source_index=2, value="yes")
    response = submit_response(survey=survey, user=make_user(), data=good_data(survey))
    assert not response.answers.filter(question__in=[q[2], q[3]]).exists()


def test_nothing_answered_is_refused(editor):
    survey = build_survey(editor, questions=[{"kind": "yes_no", "text": "Optional?"}])
    with pytest.raises(actions.ActionError, match="at least one question"):
        submit_response(survey=survey, user=make_user(), data=MultiValueDict())
    assert not Response.objects.exists()


def test_closed_draft_and_unverified_are_refused(editor):
    closed = build_survey(editor, consultation=make_consultation(active="evaluation"))
    draft = build_survey(editor, publish=False)
    open_survey = build_survey(editor)
    for survey, person in (
        (closed, make_user()),
        (draft, make_user()),
        (open_survey, make_user(verified=False)),
        (open_survey, AnonymousUser()),
    ):
        with pytest.raises(actions.PermissionDenied):
            submit_response(survey=survey, user=person, data=good_data(survey))
    assert not Response.objects.exists()


class TestWithoutAccount:
    def test_one_response_per_token(self, editor):
        survey = build_survey(editor, allow_without_account=True)
        first = submit_response(
            survey=survey, user=AnonymousUser(), data=good_data(survey), token="t" * 32
        )
        again = submit_response(
            survey=survey, user=AnonymousUser(), data=good_data(survey), token="t" * 32
        )
        other = submit_response(
            survey=survey, user=AnonymousUser(), data=good_data(survey), token="u" * 32
        )
        assert first.pk == again.pk != other.pk
        assert first.source == Response.Source.TOKEN and first.user is None

    @pytest.mark.parametrize("token", ["", "x" * 65])
    def test_a_missing_or_forged_token_is_refused(self, editor, token):
        survey = build_survey(editor, allow_without_account=True)
        with pytest.raises(actions.ActionError, match="cookie"):
            submit_response(
                survey=survey, user=AnonymousUser(), data=good_data(survey), token=token
            )
        assert not Response.objects.exists()

    def test_new_responses_are_limited_per_address(self, editor, settings):
        settings.SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR = 2
        survey = build_survey(editor, allow_without_account=True)
        for n in range(2):
            submit_response(
                survey=survey,
                user=AnonymousUser(),
                data=good_data(survey),
                token=f"token-{n}",
                client_ip="203.0.113.7",
            )
        with pytest.raises(actions.ActionError, match="Many responses"):
            submit_response(
                survey=survey,
                user=AnonymousUser(),
                data=good_data(survey),
                token="token-3",
                client_ip="203.0.113.7",
            )
        # Changing one's answers is not a new response; another address is not limited.
        submit_response(
            survey=survey,
            user=AnonymousUser(),
            data=good_data(survey),
            token="token-0",
            client_ip="203.0.113.7",
        )
        submit_response(
            survey=survey,
            user=AnonymousUser(),
            data=good_data(survey),
            token="token-4",
            client_ip="198.51.100.1",
        )
        assert Response.objects.count() == 3

    def test_signed_in_residents_answer_with_their_account(self, editor):
        survey = build_survey(editor, allow_without_account=True)
        person = make_user()
        response = submit_response(survey=survey, user=person, data=good_data(survey), token="t")
        assert response.source == Response.Source.ACCOUNT and response.token == ""


class TestPaper:
    def test_staff_enter_paper_forms_also_after_closing(self, editor):
        consultation = make_consultation()
        survey = build_survey(editor, consultation=consultation)
        first = enter_paper_response(staff=editor, survey=survey, data=good_data(survey))
        second = enter_paper_response(staff=editor, survey=survey, data=good_data(survey))
        assert first.pk != second.pk
        assert first.source == Response.Source.PAPER and first.entered_by == editor
        closed = build_survey(editor, consultation=make_consultation(active="results"))
        enter_paper_response(staff=editor, survey=closed, data=good_data(closed))

    def test_only_staff_and_checked_like_online(self, editor):
        survey = build_survey(editor)
        for person in (make_user(), make_user(groups=(roles.SITE_MODERATORS,))):
            with pytest.raises(actions.PermissionDenied):
                enter_paper_response(staff=person, survey=survey, data=good_data(survey))
        q = questions_of(survey)
        with pytest.raises(AnswersInvalid):
            enter_paper_response(
                staff=editor, survey=survey, data=good_data(survey, **{q[5].field_name: "-3"})
            )
        assert not Response.objects.exists()


def test_responses_are_in_the_personal_export_and_stay_anonymised_after_deletion(editor):
    survey = build_survey(editor)
    person = make_user()
    submit_response(survey=survey, user=person, data=good_data(survey))
    other = make_user()
    data = exports.personal_data_export(person)
    assert len(data["survey_responses"]) == 1
    assert data["survey_responses"][0]["survey"] == survey.title
    texts = {a["text"] for a in data["survey_responses"][0]["answers"]}
    assert "Mehr Konzerte bitte." in texts
    assert exports.personal_data_export(other)["survey_responses"] == []
    delete_account(user=person)
    response = Response.objects.get()
    assert response.user is None and response.answers.count() == 11
