"""What staff take away: exports (formula injection neutralised in CSV and XLSX), the free-text
list, paper entry and the district breakdown with small-group and complementary suppression."""

from __future__ import annotations

import csv
import io
from itertools import product

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from openpyxl import load_workbook

from consultations import survey_exports
from consultations.actions.surveys import submit_response
from consultations.models import Answer, Response
from tests.factories import make_district, make_user

from .conftest import build_survey

pytestmark = pytest.mark.django_db

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rCR", '=HYPERLINK("http://x","y")']


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (requests too: the site's language is the default)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def survey_with_text(editor):
    return build_survey(
        editor,
        questions=[
            {"kind": "short_text", "text": "Name der Halle?"},
            {
                "kind": "multiple_choice",
                "text": "Wofür?",
                "allow_other": True,
                "choices": [{"label": "Konzerte"}, {"label": "Sport"}],
            },
            {"kind": "number", "text": "Wie viel?"},
        ],
    )


def answer(survey, person, text, picks=(), other="", number=""):
    q = list(survey.questions.order_by("sort_order"))
    data = MultiValueDict({q[0].field_name: [text]})
    data.setlist(q[1].field_name, list(picks))
    if other:
        data.setlist(f"{q[1].field_name}_other", [other])
    if number:
        data.setlist(q[2].field_name, [number])
    return submit_response(survey=survey, user=person, data=data)


def test_csv_neutralises_formulas_and_shows_no_people(editor):
    survey = survey_with_text(editor)
    q = list(survey.questions.order_by("sort_order"))
    concert = q[1].choices.first()
    people = []
    for index, text in enumerate(HOSTILE):
        person = make_user(email=f"wer{index}@example.org", pseudonym=f"Wer{index}")
        people.append(person)
        answer(survey, person, text, picks=[str(concert.pk), "other"], other=text, number="12,5")
    content = survey_exports.as_csv(survey).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["response id", "source"]
    assert "2. Wofür? [Konzerte]" in header and "2. Wofür? [other]" in header
    assert len(body) == len(HOSTILE)
    for row in body:
        for cell in row:
            assert not cell.startswith(tuple(survey_exports.FORMULA_STARTS)), cell
    # Stored as cleaned (leading tab and carriage return are stripped), exported neutralised.
    stored = set(Answer.objects.filter(question=q[0]).values_list("text", flat=True))
    assert {"=1+1", "+SUM(A1)", "-2+3", "@cmd", "Tab", "CR"} <= stored
    expected = {"'" + t if t.startswith(survey_exports.FORMULA_STARTS) else t for t in stored}
    assert {row[header.index("1. Name der Halle?")] for row in body} == expected
    assert {row[header.index("2. Wofür? [Konzerte]")] for row in body} == {"1"}
    assert {row[header.index("2. Wofür? [Sport]")] for row in body} == {"0"}
    assert {row[header.index("3. Wie viel?")] for row in body} == {"12.50"}
    for person in people:
        assert person.email not in content and person.pseudonym not in content
    ids = {str(r.public_id) for r in Response.objects.all()}
    assert {row[0] for row in body} == ids


def test_xlsx_stores_text_as_text_never_as_a_formula(editor):
    survey = survey_with_text(editor)
    for index, text in enumerate(HOSTILE):
        answer(survey, make_user(), text, number=str(index))
    workbook = load_workbook(io.BytesIO(survey_exports.as_xlsx(survey)))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    column = header.index("1. Name der Halle?")
    texts = []
    for row in sheet.iter_rows(min_row=2):
        cell = row[column]
        assert cell.data_type == "s", (cell.value, cell.data_type)
        texts.append(cell.value)
        number = row[header.index("3. Wie viel?")]
        assert number.data_type == "n"
    assert set(texts) >= {"=1+1", "+SUM(A1)", "@cmd"}


def test_exports_and_staff_pages_are_for_staff_only(client, editor):
    survey = survey_with_text(editor)
    answer(survey, make_user(), "Stadthalle")
    urls = [
        reverse("survey_staff", args=[survey.pk]),
        reverse("survey_export", args=[survey.pk, "csv"]),
        reverse("survey_export", args=[survey.pk, "xlsx"]),
        reverse("survey_free_text", args=[survey.pk, survey.questions.first().pk]),
        reverse("survey_paper_entry", args=[survey.pk]),
    ]
    for person in (None, make_user(), make_user(groups=("Site moderators",))):
        client.logout()
        if person:
            client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 404, url
    client.force_login(editor)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(reverse("survey_export", args=[survey.pk, "pdf"])).status_code == 404


def test_free_text_is_paged_and_searchable(client, editor):
    survey = survey_with_text(editor)
    for n in range(60):
        answer(survey, make_user(), f"Idee {n}" + (" Kino" if n % 20 == 0 else ""))
    client.force_login(editor)
    url = reverse(
        "survey_free_text", args=[survey.pk, survey.questions.order_by("sort_order")[0].pk]
    )
    first = client.get(url).content.decode()
    assert "60 answers." in first and first.count("<blockquote>") == 50
    assert client.get(url + "?page=2").content.decode().count("<blockquote>") == 10
    found = client.get(url + "?q=kino").content.decode()
    assert "3 answers contain" in found and found.count("<blockquote>") == 3
    assert client.get(url + "?page=999&q=" + "x" * 500).status_code == 200


def test_paper_entry_saves_one_response_per_form(client, editor):
    survey = survey_with_text(editor)
    client.force_login(editor)
    url = reverse("survey_paper_entry", args=[survey.pk])
    q = list(survey.questions.order_by("sort_order"))
    assert (
        client.post(url, {q[0].field_name: "Papier", q[2].field_name: "zwölf"}).status_code == 400
    )
    assert not Response.objects.exists()
    assert client.post(url, {q[0].field_name: "Papier", q[2].field_name: "12"}).status_code == 302
    assert client.post(url, {q[0].field_name: "Papier"}).status_code == 302
    assert Response.objects.filter(source="paper", entered_by=editor).count() == 2


class TestSuppression:
    def test_small_groups_are_hidden(self):
        table = {"Nord": {"a": 10, "b": 3}, "Süd": {"a": 7, "b": 12}}
        hidden = survey_exports.suppress(table)
        assert ("Nord", "b") in hidden

    def test_no_hidden_cell_can_be_computed_from_totals(self):
        """Whatever the counts, each row and column hides none or at least two cells (with
        row and column totals public, one hidden cell would be total minus the others)."""
        for values in product([0, 2, 6], repeat=6):
            table = {
                "A": {"x": values[0], "y": values[1], "z": values[2]},
                "B": {"x": values[3], "y": values[4], "z": values[5]},
            }
            hidden = survey_exports.suppress(table)
            for row in table:
                assert len([c for c in hidden if c[0] == row]) != 1, (table, hidden)
            for col in ("x", "y", "z"):
                assert len([c for c in hidden if c[1] == col]) != 1, (table, hidden)
            for row, cols in table.items():
                for col, n in cols.items():
                    if 0 < n < 5:
                        assert (row, col) in hidden

    def test_breakdown_by_district(self, editor):
        survey = build_survey(
            editor,
            questions=[{"kind": "yes_no", "text": "Sanieren?"}],
        )
        nord, sued = make_district("Nord"), make_district("Süd")
        name = survey.questions.get().field_name
        for district, value, count in (
            (nord, "yes", 6),
            (nord, "no", 2),
            (sued, "yes", 7),
            (sued, "no", 8),
        ):
            for _n in range(count):
                submit_response(
                    survey=survey,
                    user=make_user(district=district),
                    data=MultiValueDict({name: [value]}),
                )
        (breakdown,) = survey_exports.district_breakdowns(survey)
        rows = {district: (values, total) for district, values, total in breakdown.rows}
        # Nord "no" is 2: hidden; the row then hides one more (its smallest shown: abstain 0),
        # the column "no" hides Süd's 8 so that Nord's 2 cannot be worked out either.
        nord_values, nord_total = rows["Nord"]
        assert nord_values[1] is None and nord_total == 8
        assert sum(value is None for value in nord_values) >= 2
        assert rows["Süd"][0][1] is None


@pytest.mark.parametrize("text", ["=A1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert survey_exports.neutralise(text) == "'" + text
    assert survey_exports.neutralise("Halle " + text) == "Halle " + text
    assert survey_exports.neutralise(12) == 12
