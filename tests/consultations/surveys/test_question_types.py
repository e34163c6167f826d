"""Every question type's validation, good and bad input, through the one cleaning path
(``consultations.answering.clean``) that the pages, the final submit and paper entry share."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from consultations import answering
from tests.factories import make_consultation

from .conftest import build_survey


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English here (the German catalogue has its own test)."""
    with translation.override("en"):
        yield


def one_question(editor, **question):
    question.setdefault("text", "Frage?")
    survey = build_survey(editor, consultation=make_consultation(), questions=[question])
    structure = answering.structure(survey)
    return structure, structure.questions[0]


def clean(structure, **fields):
    data = MultiValueDict()
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return answering.clean(structure, data)


def choice_ids(question):
    return [str(choice.pk) for choice in question.choices.all()]


@pytest.mark.django_db
class TestSingleChoice:
    def test_a_choice_is_kept(self, editor):
        structure, q = one_question(
            editor, kind="single_choice", choices=[{"label": "A"}, {"label": "B"}]
        )
        result = clean(structure, **{q.field_name: choice_ids(q)[1]})
        assert result.errors == {}
        assert result.values == {q.pk: {"choice": int(choice_ids(q)[1])}}

    @pytest.mark.parametrize("tampered", ["999999", "abc", "-1", "other", "1 OR 1=1"])
    def test_a_tampered_choice_is_refused(self, editor, tampered):
        structure, q = one_question(
            editor, kind="single_choice", choices=[{"label": "A"}, {"label": "B"}]
        )
        result = clean(structure, **{q.field_name: tampered})
        assert q.pk in result.errors
        assert result.values == {}

    def test_a_choice_of_another_question_is_refused(self, editor):
        structure, q = one_question(
            editor, kind="single_choice", choices=[{"label": "A"}, {"label": "B"}]
        )
        _other_structure, other = one_question(
            editor, kind="single_choice", choices=[{"label": "X"}, {"label": "Y"}]
        )
        result = clean(structure, **{q.field_name: choice_ids(other)[0]})
        assert q.pk in result.errors

    def test_other_needs_its_text(self, editor):
        structure, q = one_question(
            editor,
            kind="single_choice",
            allow_other=True,
            choices=[{"label": "A"}, {"label": "B"}],
        )
        assert q.pk in clean(structure, **{q.field_name: "other"}).errors
        result = clean(structure, **{q.field_name: "other", f"{q.field_name}_other": "<b>Kino</b>"})
        assert result.values == {q.pk: {"other": "Kino"}}
        too_long = clean(structure, **{q.field_name: "other", f"{q.field_name}_other": "x" * 301})
        assert q.pk in too_long.errors

    def test_required_and_missing(self, editor):
        structure, q = one_question(
            editor, kind="single_choice", required=True, choices=[{"label": "A"}, {"label": "B"}]
        )
        assert clean(structure).errors == {q.pk: "Please answer this question."}


@pytest.mark.django_db
class TestMultipleChoice:
    def make(self, editor, **settings):
        return one_question(
            editor,
            kind="multiple_choice",
            choices=[{"label": "A"}, {"label": "B"}, {"label": "C"}],
            **settings,
        )

    def test_within_limits(self, editor):
        structure, q = self.make(editor, min_choices=1, max_choices=2)
        ids = choice_ids(q)
        result = clean(structure, **{q.field_name: ids[:2]})
        assert result.values == {q.pk: {"choices": [int(ids[0]), int(ids[1])]}}

    def test_too_many_and_too_few(self, editor):
        structure, q = self.make(editor, min_choices=2, max_choices=2)
        ids = choice_ids(q)
        assert "at most 2" in clean(structure, **{q.field_name: ids}).errors[q.pk]
        assert "at least 2" in clean(structure, **{q.field_name: ids[:1]}).errors[q.pk]

    def test_the_same_choice_twice_is_refused(self, editor):
        structure, q = self.make(editor)
        ids = choice_ids(q)
        assert q.pk in clean(structure, **{q.field_name: [ids[0], ids[0]]}).errors

    def test_tampered_among_good_ones(self, editor):
        structure, q = self.make(editor)
        assert q.pk in clean(structure, **{q.field_name: [choice_ids(q)[0], "424242"]}).errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "ok"),
    [("yes", True), ("no", True), ("abstain", True), ("ja", False), ("", None), ("YES", False)],
)
def test_yes_no(editor, raw, ok):
    structure, q = one_question(editor, kind="yes_no")
    result = clean(structure, **{q.field_name: raw})
    if ok is None:
        assert result.values == {} and result.errors == {}
    elif ok:
        assert result.values == {q.pk: raw}
    else:
        assert q.pk in result.errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("5", 5), ("0", None), ("6", None), ("3.5", None), ("drei", None)],
)
def test_scale_one_to_five(editor, raw, expected):
    structure, q = one_question(editor, kind="scale", label_low="schlecht", label_high="gut")
    result = clean(structure, **{q.field_name: raw})
    if expected is None:
        assert q.pk in result.errors
    else:
        assert result.values == {q.pk: expected}


@pytest.mark.django_db
def test_scale_zero_to_ten(editor):
    structure, q = one_question(editor, kind="scale", min_value=0, max_value=10)
    assert clean(structure, **{q.field_name: "0"}).values == {q.pk: 0}
    assert clean(structure, **{q.field_name: "10"}).values == {q.pk: 10}
    assert q.pk in clean(structure, **{q.field_name: "11"}).errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", "12"),
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        (" 12 ", "12"),
        ("1.234", None),
        ("1.000,50", None),
        ("0", "0"),
        ("100", "100"),
        ("100,01", None),
        ("-1", None),
        ("1e5", None),
        ("NaN", None),
        ("zwölf", None),
        ("1,234", None),
    ],
)
def test_number_in_range(editor, raw, expected):
    structure, q = one_question(editor, kind="number", min_value=0, max_value=100, unit="€")
    result = clean(structure, **{q.field_name: raw})
    if expected is None:
        assert q.pk in result.errors, result.values
    else:
        assert result.values == {q.pk: expected}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01", "2026-05-01"),
        ("01.05.2026", "2026-05-01"),
        ("2026-02-30", None),
        ("morgen", None),
    ],
)
def test_date(editor, raw, expected):
    structure, q = one_question(editor, kind="date")
    result = clean(structure, **{q.field_name: raw})
    if expected is None:
        assert q.pk in result.errors
    else:
        assert result.values == {q.pk: expected}


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "limit"), [("short_text", 300), ("long_text", 2000)])
def test_free_text_is_cleaned_and_limited(editor, kind, limit):
    structure, q = one_question(editor, kind=kind)
    result = clean(structure, **{q.field_name: "<script>alert(1)</script>Mehr\u202eLicht"})
    assert result.values == {q.pk: "MehrLicht"}
    assert q.pk in clean(structure, **{q.field_name: "x" * (limit + 1)}).errors
    assert clean(structure, **{q.field_name: "x" * limit}).values == {q.pk: "x" * limit}


@pytest.mark.django_db
class TestRanking:
    def make(self, editor):
        return one_question(
            editor, kind="ranking", choices=[{"label": "A"}, {"label": "B"}, {"label": "C"}]
        )

    def places(self, q, *places):
        return {
            f"{q.field_name}_c{pk}": str(place)
            for pk, place in zip(choice_ids(q), places, strict=False)
            if place is not None
        }

    def test_full_and_partial_rankings(self, editor):
        structure, q = self.make(editor)
        ids = [int(pk) for pk in choice_ids(q)]
        assert clean(structure, **self.places(q, 2, 3, 1)).values == {
            q.pk: [ids[2], ids[0], ids[1]]
        }
        assert clean(structure, **self.places(q, None, 1, None)).values == {q.pk: [ids[1]]}

    @pytest.mark.parametrize("places", [(1, 1, 2), (1, 3, None), (0, 1, 2), (1, 2, 4), ("x", 1, 2)])
    def test_bad_rankings(self, editor, places):
        structure, q = self.make(editor)
        assert q.pk in clean(structure, **self.places(q, *places)).errors


@pytest.mark.django_db
def test_an_unknown_kind_in_the_data_is_skipped_not_an_error(editor):
    """A kind whose registration went away (a module switched off) must not break answering."""
    structure, q = one_question(editor, kind="yes_no")
    q.kind = "gone"
    assert clean(structure, **{q.field_name: "yes"}).values == {}
