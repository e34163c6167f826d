"""A survey's results, computed in a fixed number of queries whatever the number of responses
(``tests/benchmarks`` measures 10 questions × 10,000 responses).

Per question: how many answered; for choices, yes/no and scales the count (and share) of each
answer; for numbers and scales mean and median; for rankings each option's average place and
points (an option ranked first of n gets n points, last 1). Free-text answers are never in the
public results: staff read them in their own list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils.translation import pgettext_lazy

from consultations import answering
from consultations.models import Answer, Response, Survey
from consultations.question_types import YES_NO, question_type


@dataclass
class Row:
    key: str
    label: str
    count: int
    share: int = 0
    """Whole percent of the people who answered the question."""
    extra: dict = field(default_factory=dict)


@dataclass
class QuestionResult:
    question_id: int
    number: int
    text: str
    kind: str
    style: str
    answered: int
    rows: list[Row] = field(default_factory=list)
    mean: Decimal | None = None
    median: Decimal | None = None
    unit: str = ""
    public: bool = True


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    by_source: dict[str, int]
    questions: list[QuestionResult]

    @property
    def without_account(self) -> int:
        return self.by_source.get(Response.Source.TOKEN, 0)

    @property
    def on_paper(self) -> int:
        return self.by_source.get(Response.Source.PAPER, 0)


def _share(count: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(count) * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _two_places(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _median_of(histogram: list[tuple[Decimal, int]], how_many: int) -> Decimal:
    """The median of sorted (value, count) pairs: the middle value, or the mean of the two
    middle values for an even count."""

    def nth(index: int) -> Decimal:
        seen = 0
        for value, n in histogram:
            seen += n
            if index < seen:
                return value
        return histogram[-1][0]

    middle = how_many // 2
    if how_many % 2:
        return Decimal(nth(middle))
    return (Decimal(nth(middle - 1)) + Decimal(nth(middle))) / 2


def survey_results(survey: Survey, *, include_private: bool = False) -> SurveyResults:
    """All figures of a survey (free-text questions only counted, and only with
    ``include_private``, for staff)."""
    structure = answering.structure(survey)
    answers = Answer.objects.filter(question__survey=survey)
    by_source = {
        row["source"]: row["n"]
        for row in Response.objects.filter(survey=survey).values("source").annotate(n=Count("pk"))
    }
    answered = {
        row["question"]: row["n"]
        for row in answers.values("question").annotate(n=Count("response", distinct=True))
    }
    per_choice = {
        (row["question"], row["choice"]): row
        for row in answers.filter(choice__isnull=False)
        .values("question", "choice")
        .annotate(n=Count("pk"), rank_sum=Sum("rank"))
    }
    text_kinds = ("yes_no", "single_choice", "multiple_choice")
    per_text: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        answers.filter(choice__isnull=True, question__kind__in=text_kinds)
        .values("question", "question__kind", "text")
        .annotate(n=Count("pk"))
    ):
        key = row["text"] if row["question__kind"] == "yes_no" else "other"
        per_text[(row["question"], key)] += row["n"]
    # Numbers and dates as histograms (value → how many): a few rows per question whatever
    # the number of responses; mean and median are computed from them.
    numbers: dict[int, list[tuple[Decimal, int]]] = defaultdict(list)
    for row in (
        answers.filter(number__isnull=False)
        .values("question_id", "number")
        .annotate(n=Count("pk"))
        .order_by("question_id", "number")
    ):
        numbers[row["question_id"]].append((row["number"], row["n"]))
    dates: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        answers.filter(date__isnull=False).values("question_id", "date").annotate(n=Count("pk"))
    ):
        dates[(row["question_id"], row["date"].strftime("%Y-%m"))] += row["n"]

    results = []
    for number, question in enumerate(structure.questions, start=1):
        kind = question_type(question.kind)
        if kind is None or (not kind.public_results and not include_private):
            continue
        total = answered.get(question.pk, 0)
        result = QuestionResult(
            question_id=question.pk,
            number=number,
            text=question.text,
            kind=question.kind,
            style=kind.results,
            answered=total,
            unit=question.unit,
            public=kind.public_results,
        )
        choices = answering.choices_of(question)
        if kind.results == "counts" and kind.has_choices:
            for choice in choices:
                count = per_choice.get((question.pk, choice.pk), {}).get("n", 0)
                result.rows.append(Row(str(choice.pk), choice.label, count, _share(count, total)))
            if question.allow_other:
                count = per_text.get((question.pk, "other"), 0)
                label = str(pgettext_lazy("survey choice", "Other"))
                result.rows.append(Row("other", label, count, _share(count, total)))
        elif kind.results == "counts" and question.kind == "yes_no":
            for key, label in YES_NO:
                count = per_text.get((question.pk, key), 0)
                result.rows.append(Row(key, str(label), count, _share(count, total)))
        elif kind.results == "numbers":
            histogram = numbers.get(question.pk, [])
            how_many = sum(n for _value, n in histogram)
            if how_many:
                result.mean = _two_places(sum(value * n for value, n in histogram) / how_many)
                result.median = _two_places(_median_of(histogram, how_many))
            if question.kind == "scale":
                low = int(question.min_value) if question.min_value is not None else 1
                high = int(question.max_value) if question.max_value is not None else 5
                counts = defaultdict(int)
                for value, n in histogram:
                    counts[int(value)] += n
                for point in range(low, high + 1):
                    label = str(point)
                    if point == low and question.label_low:
                        label = f"{point} ({question.label_low})"
                    elif point == high and question.label_high:
                        label = f"{point} ({question.label_high})"
                    result.rows.append(
                        Row(str(point), label, counts[point], _share(counts[point], total))
                    )
        elif kind.results == "ranking":
            places = len(choices)
            rows = []
            for choice in choices:
                row = per_choice.get((question.pk, choice.pk), {"n": 0, "rank_sum": 0})
                count, rank_sum = row["n"], row["rank_sum"] or 0
                points = count * (places + 1) - rank_sum
                average = _two_places(Decimal(rank_sum) / count) if count else None
                rows.append(
                    Row(
                        str(choice.pk),
                        choice.label,
                        points,
                        extra={"average_place": average, "ranked_by": count},
                    )
                )
            best = max((row.count for row in rows), default=0)
            for row in rows:
                row.share = _share(row.count, best)
            result.rows = sorted(rows, key=lambda row: -row.count)
        elif kind.results == "dates":
            months = sorted(key for (qid, key) in dates if qid == question.pk)
            for month in months:
                count = dates[(question.pk, month)]
                result.rows.append(Row(month, month, count, _share(count, total)))
        results.append(result)
    return SurveyResults(
        survey=survey,
        responses=sum(by_source.values()),
        by_source=by_source,
        questions=results,
    )


def public_results_payload(survey: Survey) -> dict:
    """What the live results push carries: counts only (no text, no people)."""
    results = survey_results(survey)
    return {
        "survey": survey.pk,
        "responses": results.responses,
        "questions": [
            {
                "id": result.question_id,
                "answered": result.answered,
                "mean": str(result.mean) if result.mean is not None else None,
                "median": str(result.median) if result.median is not None else None,
                "rows": [
                    {"key": row.key, "count": row.count, "share": row.share} for row in result.rows
                ],
            }
            for result in results.questions
        ],
    }
