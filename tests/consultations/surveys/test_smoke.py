from consultations.actions.surveys import submit_response
from consultations.results import survey_results
from tests.factories import make_user

from .conftest import build_survey


def test_answer_and_results(editor):
    survey = build_survey(editor)
    qs = list(survey.questions.order_by("sort_order"))
    person = make_user()
    c = {q.kind: list(q.choices.all()) for q in qs}
    data = {
        qs[0].field_name: str(c["single_choice"][1].pk),
        qs[2].field_name: "yes",
        qs[3].field_name: "4",
        qs[5].field_name: "12,50",
        qs[6].field_name: "2026-05-01",
        qs[8].field_name: "Mehr Bänke",
        f"{qs[4].field_name}_c{c['ranking'][2].pk}": "1",
        f"{qs[4].field_name}_c{c['ranking'][0].pk}": "2",
    }
    from django.utils.datastructures import MultiValueDict

    post = MultiValueDict({k: [v] for k, v in data.items()})
    post.setlist(qs[1].field_name, [str(c["multiple_choice"][0].pk)])
    response = submit_response(survey=survey, user=person, data=post)
    assert response.answers.count() == 9
    results = survey_results(survey)
    assert results.responses == 1
