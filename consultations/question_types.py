"""The kinds of survey questions, as a registry.

Each ``QuestionType`` says, for one ``Question.kind``:

- which settings it uses and how they are checked when staff save a survey (``check_setup``);
- the form fields a person answers with and how their raw values become one value (``fields``,
  ``clean``), so the answering form, the paper entry and the multi-page session share one path;
- how a value is stored as ``Answer`` rows and read back (``to_answers``, ``from_answers``);
- which values a later question's condition may name, and whether a value meets one;
- how results are shown (``results``, from figures the results selector fetched in a bounded
  number of queries).

Another module adds a kind by calling ``register()`` from its own file (the idea map adds
"point on the map"); nothing here needs editing for that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.models import SURVEY_TEXT_MAX_LENGTH
from consultations.sanitising import clean_plain_text

SHORT_TEXT_MAX_LENGTH = 300
OTHER = "other"


class SetupError(Exception):
    """A question's settings were refused; ``field`` names the setting at fault."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class QuestionType:
    key: str
    label: Any
    template: str
    """The answering widget, in templates/consultations/surveys/questions/."""
    has_choices: bool = False
    settings: frozenset[str] = frozenset()
    """Question columns this type uses (others are cleared when staff save)."""
    check_setup: Callable[[Mapping[str, Any], Sequence[str]], None] = lambda data, choices: None
    fields: Callable[[Any, Sequence[Any]], dict[str, forms.Field]] = None  # type: ignore[assignment]
    clean: Callable[[Any, Sequence[Any], Mapping[str, Any]], Any] = None  # type: ignore[assignment]
    to_answers: Callable[[Any, Any], list[dict[str, Any]]] = None  # type: ignore[assignment]
    from_answers: Callable[[Any, Sequence[Any]], dict[str, Any]] = None  # type: ignore[assignment]
    """Answer rows → the raw form data that shows them again (changing one's answers)."""
    condition_values: Callable[[Any, Sequence[Any]], list[tuple[str, str]]] | None = None
    """(value, label) a later question's condition may name; None: cannot be a condition."""
    matches: Callable[[Any, Sequence[Any], Any, str], bool] = (
        lambda question, choices, value, wanted: False
    )
    """Whether an answer ``value`` meets a later question's condition ``wanted``."""
    results: str = "counts"
    """How results are shown: "counts" (bars per choice or value), "numbers" (mean, median
    and distribution), "ranking" (scores), "private" (free text: never public)."""
    public_results: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


_types: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> QuestionType:
    _types[question_type.key] = question_type
    return question_type


def unregister(key: str) -> None:
    _types.pop(key, None)


def question_type(key: str) -> QuestionType | None:
    return _types.get(key)


def kinds() -> list[tuple[str, Any]]:
    return [(t.key, t.label) for t in _types.values()]


# -- helpers shared by several kinds ------------------------------------------------------------


def _int_or_none(value) -> int | None:
    return None if value in (None, "") else int(value)


def _choice_ids(choices) -> dict[str, Any]:
    return {str(choice.pk): choice for choice in choices}


def _need_choices(data, choices, *, at_least=2):
    labels = [label.strip() for label in choices]
    if len([label for label in labels if label]) < at_least:
        raise SetupError(_("A question of this type needs at least two choices."), field="choices")
    folded = [label.casefold() for label in labels]
    if len(set(folded)) != len(folded):
        raise SetupError(_("Two choices of this question have the same text."), field="choices")


def _other_text(question, data) -> str:
    text = clean_plain_text(data.get(f"{question.field_name}_other") or "")
    if len(text) > SHORT_TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Please keep “other” to %(max)s characters.") % {"max": SHORT_TEXT_MAX_LENGTH}
        )
    return text


# -- single choice -------------------------------------------------------------------------------


def _single_fields(question, choices):
    options = [(str(choice.pk), choice.label) for choice in choices]
    if question.allow_other:
        options.append((OTHER, pgettext_lazy("survey choice", "Other")))
    fields = {question.field_name: forms.ChoiceField(choices=options, required=False)}
    if question.allow_other:
        fields[f"{question.field_name}_other"] = forms.CharField(required=False)
    return fields


def _single_clean(question, choices, data):
    picked = data.get(question.field_name) or ""
    if not picked:
        return None
    if picked == OTHER and question.allow_other:
        text = _other_text(question, data)
        if not text:
            raise ValidationError(_("Please say what “other” means for you."))
        return {"other": text}
    if picked not in _choice_ids(choices):
        raise ValidationError(_("Please choose one of the options."))
    return {"choice": int(picked)}


def _single_to_answers(question, value):
    if "other" in value:
        return [{"text": value["other"]}]
    return [{"choice_id": value["choice"]}]


def _single_from_answers(question, answers):
    data = {}
    for answer in answers:
        if answer.choice_id:
            data[question.field_name] = str(answer.choice_id)
        else:
            data[question.field_name] = OTHER
            data[f"{question.field_name}_other"] = answer.text
    return data


def _choice_condition_values(question, choices):
    return [(choice.label, choice.label) for choice in choices]


def _labels(choices) -> dict[int, str]:
    return {choice.pk: choice.label.casefold() for choice in choices}


def _single_matches(question, choices, value, wanted):
    return _labels(choices).get(value.get("choice")) == wanted.strip().casefold()


# -- multiple choice -----------------------------------------------------------------------------


def _multiple_setup(data, choices):
    _need_choices(data, choices)
    low, high = data.get("min_choices"), data.get("max_choices")
    count = len(choices) + (1 if data.get("allow_other") else 0)
    if low is not None and high is not None and low > high:
        raise SetupError(
            _("The minimum number of choices is larger than the maximum."), field="min_choices"
        )
    if high is not None and (high < 1 or high > count):
        raise SetupError(
            _("The maximum must be between 1 and the number of choices (%(count)s).")
            % {"count": count},
            field="max_choices",
        )
    if low is not None and low > count:
        raise SetupError(
            _("The minimum cannot be larger than the number of choices (%(count)s).")
            % {"count": count},
            field="min_choices",
        )


def _multiple_fields(question, choices):
    options = [(str(choice.pk), choice.label) for choice in choices]
    if question.allow_other:
        options.append((OTHER, pgettext_lazy("survey choice", "Other")))
    fields = {question.field_name: forms.MultipleChoiceField(choices=options, required=False)}
    if question.allow_other:
        fields[f"{question.field_name}_other"] = forms.CharField(required=False)
    return fields


def _getlist(data, name) -> list[str]:
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _multiple_clean(question, choices, data):
    picked = _getlist(data, question.field_name)
    if not picked:
        return None
    known = _choice_ids(choices)
    if len(set(picked)) != len(picked):
        raise ValidationError(_("Please choose each option at most once."))
    value: dict[str, Any] = {"choices": []}
    for item in picked:
        if item == OTHER and question.allow_other:
            text = _other_text(question, data)
            if not text:
                raise ValidationError(_("Please say what “other” means for you."))
            value["other"] = text
        elif item in known:
            value["choices"].append(int(item))
        else:
            raise ValidationError(_("Please choose among the options shown."))
    count = len(picked)
    if question.min_choices and count < question.min_choices:
        raise ValidationError(
            _("Please choose at least %(min)s options.") % {"min": question.min_choices}
        )
    if question.max_choices and count > question.max_choices:
        raise ValidationError(
            _("Please choose at most %(max)s options.") % {"max": question.max_choices}
        )
    return value


def _multiple_to_answers(question, value):
    rows = [{"choice_id": pk} for pk in value["choices"]]
    if value.get("other"):
        rows.append({"text": value["other"]})
    return rows


def _multiple_from_answers(question, answers):
    picked, data = [], {}
    for answer in answers:
        if answer.choice_id:
            picked.append(str(answer.choice_id))
        else:
            picked.append(OTHER)
            data[f"{question.field_name}_other"] = answer.text
    data[question.field_name] = picked
    return data


def _multiple_matches(question, choices, value, wanted):
    labels = _labels(choices)
    return wanted.strip().casefold() in {labels.get(pk) for pk in value["choices"]}


# -- yes / no / abstain --------------------------------------------------------------------------

YES_NO = (
    ("yes", pgettext_lazy("survey answer", "Yes")),
    ("no", pgettext_lazy("survey answer", "No")),
    ("abstain", pgettext_lazy("survey answer", "Abstain")),
)


def _yes_no_fields(question, choices):
    return {question.field_name: forms.ChoiceField(choices=YES_NO, required=False)}


def _yes_no_clean(question, choices, data):
    picked = data.get(question.field_name) or ""
    if not picked:
        return None
    if picked not in dict(YES_NO):
        raise ValidationError(_("Please answer yes, no or abstain."))
    return picked


def _yes_no_setup(data, choices):
    if any(label.strip() for label in choices):
        raise SetupError(_("Yes/no questions have their answers built in: remove the choices."))


def _yes_no_matches(question, choices, value, wanted):
    labels = {key: str(label).casefold() for key, label in YES_NO}
    wanted = wanted.strip().casefold()
    return value == wanted or labels.get(value) == wanted


# -- free text -----------------------------------------------------------------------------------


def _text_fields(max_length):
    def fields(question, choices):
        return {question.field_name: forms.CharField(required=False, strip=True)}

    return fields


def _text_clean(max_length):
    def clean(question, choices, data):
        text = clean_plain_text(data.get(question.field_name) or "")
        if not text:
            return None
        if len(text) > max_length:
            raise ValidationError(
                _("Please keep your answer to %(max)s characters (it has %(length)s).")
                % {"max": max_length, "length": len(text)}
            )
        return text

    return clean


def _no_choices_setup(data, choices):
    if any(label.strip() for label in choices):
        raise SetupError(_("This type of question has no choices: remove them."), field="choices")


# -- scale ---------------------------------------------------------------------------------------


def _scale_bounds(question) -> tuple[int, int]:
    low = int(question.min_value) if question.min_value is not None else 1
    high = int(question.max_value) if question.max_value is not None else 5
    return low, high


def _scale_setup(data, choices):
    _no_choices_setup(data, choices)
    low = data.get("min_value")
    high = data.get("max_value")
    low = 1 if low is None else low
    high = 5 if high is None else high
    if Decimal(low) != int(low) or Decimal(high) != int(high):
        raise SetupError(_("A scale runs between whole numbers."), field="min_value")
    if not (0 <= int(low) <= 1) or not (3 <= int(high) <= 10):
        raise SetupError(
            _("A scale starts at 0 or 1 and ends between 3 and 10 (1–5, 0–10)."),
            field="max_value",
        )


def _scale_fields(question, choices):
    low, high = _scale_bounds(question)
    options = [(str(n), str(n)) for n in range(low, high + 1)]
    return {question.field_name: forms.ChoiceField(choices=options, required=False)}


def _scale_clean(question, choices, data):
    picked = data.get(question.field_name) or ""
    if not picked:
        return None
    low, high = _scale_bounds(question)
    try:
        value = int(picked)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(
            _("Please choose a value from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
    return value


def _scale_condition_values(question, choices):
    low, high = _scale_bounds(question)
    return [(str(n), str(n)) for n in range(low, high + 1)]


def _number_matches(question, choices, value, wanted):
    try:
        return Decimal(str(value)) == Decimal(wanted.strip())
    except ArithmeticError:
        return False


# -- number --------------------------------------------------------------------------------------


def _number_setup(data, choices):
    _no_choices_setup(data, choices)
    low, high = data.get("min_value"), data.get("max_value")
    if low is not None and high is not None and low >= high:
        raise SetupError(
            _("The smallest value must be smaller than the largest."), field="min_value"
        )


def _number_fields(question, choices):
    return {
        question.field_name: forms.DecimalField(
            required=False, max_digits=12, decimal_places=2, localize=True
        )
    }


NUMBER_RE = re.compile(r"^-?\d{1,12}([.,]\d{1,2})?$")


def _number_clean(question, choices, data):
    """A number as people type it in German or English: a comma or a point before at most two
    decimals, no thousands separators (``1.234`` would be ambiguous), no exponents."""
    raw = data.get(question.field_name)
    if raw in (None, ""):
        return None
    text = str(raw).strip().replace(" ", "")
    if not NUMBER_RE.match(text):
        raise ValidationError(
            _("Please enter a number without thousands separators, at most two decimals.")
        )
    value = Decimal(text.replace(",", "."))
    if question.min_value is not None and value < question.min_value:
        raise ValidationError(
            _("Please enter at least %(min)s.") % {"min": _plain_number(question.min_value)}
        )
    if question.max_value is not None and value > question.max_value:
        raise ValidationError(
            _("Please enter at most %(max)s.") % {"max": _plain_number(question.max_value)}
        )
    return str(value)


def _plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


# -- date ----------------------------------------------------------------------------------------


def _date_fields(question, choices):
    return {question.field_name: forms.DateField(required=False)}


def _date_clean(question, choices, data):
    raw = data.get(question.field_name)
    if raw in (None, ""):
        return None
    try:
        value = forms.DateField(input_formats=["%Y-%m-%d", "%d.%m.%Y"]).clean(str(raw).strip())
    except ValidationError as error:
        raise ValidationError(_("Please enter a date like 31.12.2026.")) from error
    return value.isoformat()


# -- ranking -------------------------------------------------------------------------------------


def _ranking_fields(question, choices):
    count = len(choices)
    options = [("", "–")] + [(str(n), str(n)) for n in range(1, count + 1)]
    return {
        f"{question.field_name}_c{choice.pk}": forms.ChoiceField(choices=options, required=False)
        for choice in choices
    }


def _ranking_clean(question, choices, data):
    places = {}
    for choice in choices:
        raw = data.get(f"{question.field_name}_c{choice.pk}") or ""
        if raw == "":
            continue
        try:
            place = int(raw)
        except (TypeError, ValueError):
            place = 0
        if not 1 <= place <= len(choices):
            raise ValidationError(_("Please give places from 1 to %(n)s.") % {"n": len(choices)})
        places[choice.pk] = place
    if not places:
        return None
    ordered = sorted(places.values())
    if ordered != list(range(1, len(ordered) + 1)):
        raise ValidationError(
            _("Please give each option a different place, starting from 1 without gaps.")
        )
    return [pk for pk, _place in sorted(places.items(), key=lambda item: item[1])]


def _ranking_to_answers(question, value):
    return [{"choice_id": pk, "rank": place} for place, pk in enumerate(value, start=1)]


def _ranking_from_answers(question, answers):
    return {f"{question.field_name}_c{answer.choice_id}": str(answer.rank) for answer in answers}


def _text_from_answers(question, answers):
    return {question.field_name: answers[0].text} if answers else {}


# -- registrations -------------------------------------------------------------------------------


def _value_from(key):
    def from_answers(question, answers):
        for answer in answers:
            value = getattr(answer, key)
            if value is None:
                return {}
            if key == "number":
                return {question.field_name: _plain_number(value)}
            if key == "date":
                return {question.field_name: value.isoformat()}
            return {question.field_name: str(value)}
        return {}

    return from_answers


SINGLE = register(
    QuestionType(
        key="single_choice",
        label=_("single choice"),
        template="single_choice",
        has_choices=True,
        settings=frozenset({"allow_other"}),
        check_setup=_need_choices,
        fields=_single_fields,
        clean=_single_clean,
        to_answers=_single_to_answers,
        from_answers=_single_from_answers,
        condition_values=_choice_condition_values,
        matches=_single_matches,
    )
)
MULTIPLE = register(
    QuestionType(
        key="multiple_choice",
        label=_("multiple choice"),
        template="multiple_choice",
        has_choices=True,
        settings=frozenset({"allow_other", "min_choices", "max_choices"}),
        check_setup=_multiple_setup,
        fields=_multiple_fields,
        clean=_multiple_clean,
        to_answers=_multiple_to_answers,
        from_answers=_multiple_from_answers,
        condition_values=_choice_condition_values,
        matches=_multiple_matches,
    )
)
YES_NO_ABSTAIN = register(
    QuestionType(
        key="yes_no",
        label=_("yes / no / abstain"),
        template="yes_no",
        check_setup=_yes_no_setup,
        fields=_yes_no_fields,
        clean=_yes_no_clean,
        to_answers=lambda question, value: [{"text": value}],
        from_answers=_text_from_answers,
        condition_values=lambda question, choices: [(key, str(label)) for key, label in YES_NO],
        matches=_yes_no_matches,
    )
)
SHORT_TEXT = register(
    QuestionType(
        key="short_text",
        label=_("short text"),
        template="short_text",
        check_setup=_no_choices_setup,
        fields=_text_fields(SHORT_TEXT_MAX_LENGTH),
        clean=_text_clean(SHORT_TEXT_MAX_LENGTH),
        to_answers=lambda question, value: [{"text": value}],
        from_answers=_text_from_answers,
        results="private",
        public_results=False,
        extra={"max_length": SHORT_TEXT_MAX_LENGTH},
    )
)
LONG_TEXT = register(
    QuestionType(
        key="long_text",
        label=_("long text"),
        template="long_text",
        check_setup=_no_choices_setup,
        fields=_text_fields(SURVEY_TEXT_MAX_LENGTH),
        clean=_text_clean(SURVEY_TEXT_MAX_LENGTH),
        to_answers=lambda question, value: [{"text": value}],
        from_answers=_text_from_answers,
        results="private",
        public_results=False,
        extra={"max_length": SURVEY_TEXT_MAX_LENGTH},
    )
)
SCALE = register(
    QuestionType(
        key="scale",
        label=_("scale (1–5, 0–10, labelled ends)"),
        template="scale",
        settings=frozenset({"min_value", "max_value", "label_low", "label_high"}),
        check_setup=_scale_setup,
        fields=_scale_fields,
        clean=_scale_clean,
        to_answers=lambda question, value: [{"number": Decimal(value)}],
        from_answers=_value_from("number"),
        condition_values=_scale_condition_values,
        matches=_number_matches,
        results="numbers",
    )
)
NUMBER = register(
    QuestionType(
        key="number",
        label=_("number"),
        template="number",
        settings=frozenset({"min_value", "max_value", "unit"}),
        check_setup=_number_setup,
        fields=_number_fields,
        clean=_number_clean,
        to_answers=lambda question, value: [{"number": Decimal(value)}],
        from_answers=_value_from("number"),
        results="numbers",
    )
)
DATE = register(
    QuestionType(
        key="date",
        label=_("date"),
        template="date",
        check_setup=_no_choices_setup,
        fields=_date_fields,
        clean=_date_clean,
        to_answers=lambda question, value: [{"date": value}],
        from_answers=_value_from("date"),
        results="dates",
    )
)
RANKING = register(
    QuestionType(
        key="ranking",
        label=_("ranking"),
        template="ranking",
        has_choices=True,
        check_setup=_need_choices,
        fields=_ranking_fields,
        clean=_ranking_clean,
        to_answers=_ranking_to_answers,
        from_answers=_ranking_from_answers,
        results="ranking",
    )
)


def median_of(values: Sequence[Decimal]) -> Decimal | None:
    return Decimal(median(values)) if values else None
