"""Results: counts, shares, mean and median, rank points, free text never public, and a fixed
number of queries whatever the number of responses and questions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.datastructures import MultiValueDict

from consultations.actions.surveys import enter_paper_response, submit_response
from consultations.results import public_results_payload, survey_results
from tests.factories import make_user

from .conftest import build_survey

pytestmark = pytest.mark.django_db


def answer(survey, editor=None, **by_index):
    q = list(survey.questions.order_by("sort_order"))
    data = MultiValueDict()
    for key, value in by_index.items():
        question = q[int(key[1:].split("_")[0])]
        suffix = key.partition("_")[2]
        name = f"{question.field_name}_{suffix}" if suffix else question.field_name
        data.setlist(name, value if isinstance(value, list) else [value])
    if editor is not None:
        return enter_paper_response(staff=editor, survey=survey, data=data)
    return submit_response(survey=survey, user=make_user(), data=data)


def test_counts_shares_means_and_rank_points(editor):
    survey = build_survey(
        editor,
        questions=[
            {
                "kind": "single_choice",
                "text": "A?",
                "allow_other": True,
                "choices": [{"label": "Eins"}, {"label": "Zwei"}],
            },
            {"kind": "scale", "text": "B?", "label_low": "schlecht", "label_high": "gut"},
            {
                "kind": "ranking",
                "text": "C?",
                "choices": [{"label": "X"}, {"label": "Y"}, {"label": "Z"}],
            },
            {"kind": "long_text", "text": "D?"},
            {"kind": "yes_no", "text": "E?"},
        ],
    )
    q = list(survey.questions.order_by("sort_order"))
    one, _two = q[0].choices.all()
    x, y, _z = q[2].choices.all()
    answer(
        survey,
        q0=str(one.pk),
        q1="5",
        **{f"q2_c{x.pk}": "1", f"q2_c{y.pk}": "2"},
        q3="geheim",
        q4="yes",
    )
    answer(survey, q0=str(one.pk), q1="2", **{f"q2_c{y.pk}": "1"}, q4="no")
    answer(survey, q0="other", q0_other="Drei", q1="4", q4="yes")
    answer(survey, editor, q4="abstain")

    results = survey_results(survey)
    assert results.responses == 4 and results.on_paper == 1
    by_id = {r.question_id: r for r in results.questions}
    assert q[3].pk not in by_id  # free text is never in public results
    choice = by_id[q[0].pk]
    assert [(r.label, r.count, r.share) for r in choice.rows] == [
        ("Eins", 2, 67),
        ("Zwei", 0, 0),
        ("Sonstiges", 1, 33),
    ]
    scale = by_id[q[1].pk]
    assert scale.mean == Decimal("3.67") and scale.median == Decimal("4.00")
    assert [(r.label, r.count) for r in scale.rows] == [
        ("1 (schlecht)", 0),
        ("2", 1),
        ("3", 0),
        ("4", 1),
        ("5 (gut)", 1),
    ]
    ranking = by_id[q[2].pk]
    # Y: places 2 and 1 → (4-2)+(4-1) = 5 points; X: place 1 → 3; Z: none.
    assert [(r.label, r.count, r.extra["average_place"]) for r in ranking.rows] == [
        ("Y", 5, Decimal("1.50")),
        ("X", 3, Decimal("1.00")),
        ("Z", 0, None),
    ]
    yes_no = by_id[q[4].pk]
    assert [(r.key, r.count) for r in yes_no.rows] == [("yes", 2), ("no", 1), ("abstain", 1)]
    staff = survey_results(survey, include_private=True)
    assert any(r.question_id == q[3].pk and r.answered == 1 for r in staff.questions)


def test_the_live_payload_carries_counts_only(editor):
    survey = build_survey(
        editor,
        questions=[{"kind": "short_text", "text": "Name?"}, {"kind": "yes_no", "text": "Ja?"}],
    )
    person = make_user(pseudonym="Geheimname")
    q = list(survey.questions.order_by("sort_order"))
    submit_response(
        survey=survey,
        user=person,
        data=MultiValueDict({q[0].field_name: ["Meine Adresse"], q[1].field_name: ["yes"]}),
    )
    payload = public_results_payload(survey)
    text = repr(payload)
    assert (
        "Meine Adresse" not in text
        and "Geheimname" not in text
        and str(person.pk) not in (str(payload["questions"][0]["rows"]))
    )
    assert [q["id"] for q in payload["questions"]] == [q[1].pk]


@pytest.mark.parametrize("responses", [1, 12])
def test_a_fixed_number_of_queries(editor, responses):
    from .conftest import EVERY_KIND

    survey = build_survey(editor, questions=EVERY_KIND * 2)
    q = list(survey.questions.order_by("sort_order"))
    choices = [list(question.choices.all()) for question in q]
    for n in range(responses):
        data = MultiValueDict()
        for index in (0, 9):
            data.setlist(q[index].field_name, [str(choices[index][n % 3].pk)])
        data.setlist(q[2].field_name, ["yes"])
        data.setlist(q[11].field_name, ["no"])
        data.setlist(q[3].field_name, [str(1 + n % 5)])
        data.setlist(q[5].field_name, [str(n)])
        submit_response(survey=survey, user=make_user(), data=data)
    with CaptureQueriesContext(connection) as queries:
        results = survey_results(survey, include_private=True)
    assert results.responses == responses
    assert len(queries) <= 9, [query["sql"] for query in queries]
