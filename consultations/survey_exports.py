"""What staff take away from a survey: the responses as CSV or XLSX, and the breakdown by
district with small groups suppressed.

Exports have one row per response with its random response id (never a name or an e-mail
address), its source (account, browser without an account, paper) and one column per question
(per choice for multiple choice and ranking). Text that a spreadsheet would run as a formula is
neutralised: in CSV a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets an
apostrophe in front; in XLSX every text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from consultations import answering
from consultations.models import Answer, Response, Survey
from consultations.question_types import YES_NO, question_type

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SMALL_GROUP = 5


def neutralise(value) -> object:
    """A CSV cell that no spreadsheet runs as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Column:
    header: str
    question_id: int
    choice_id: int | None = None
    """For multiple choice (1 if chosen) and ranking (the place given)."""
    other: bool = False


def _columns(structure) -> list[Column]:
    columns: list[Column] = []
    for number, question in enumerate(structure.questions, start=1):
        kind = question_type(question.kind)
        if kind is None:
            continue
        head = f"{number}. {question.text}"
        if question.kind in ("multiple_choice", "ranking"):
            for choice in answering.choices_of(question):
                columns.append(Column(f"{head} [{choice.label}]", question.pk, choice.pk))
            if question.allow_other:
                columns.append(Column(f"{head} [{_('other')}]", question.pk, other=True))
        else:
            columns.append(Column(head, question.pk))
            if question.allow_other:
                columns.append(Column(f"{head} [{_('other')}]", question.pk, other=True))
    return columns


def rows(survey: Survey):
    """The header, then one row per response (in a fixed number of queries)."""
    structure = answering.structure(survey)
    columns = _columns(structure)
    labels = {
        choice.pk: choice.label
        for question in structure.questions
        for choice in answering.choices_of(question)
    }
    kinds = {question.pk: question.kind for question in structure.questions}
    yes_no = {key: str(label) for key, label in YES_NO}
    sources = dict(Response.Source.choices)
    by_response: dict[int, dict] = defaultdict(dict)
    for answer in Answer.objects.filter(response__survey=survey).order_by("pk").iterator():
        cells = by_response[answer.response_id]
        kind = kinds.get(answer.question_id)
        if kind == "multiple_choice" and answer.choice_id:
            cells[(answer.question_id, answer.choice_id)] = 1
        elif kind == "ranking":
            cells[(answer.question_id, answer.choice_id)] = answer.rank
        elif answer.choice_id:
            cells[(answer.question_id, None)] = labels.get(answer.choice_id, "")
        elif kind in ("single_choice", "multiple_choice"):
            cells[(answer.question_id, "other")] = answer.text
        elif kind == "yes_no":
            cells[(answer.question_id, None)] = yes_no.get(answer.text, answer.text)
        elif answer.number is not None:
            cells[(answer.question_id, None)] = answer.number
        elif answer.date is not None:
            cells[(answer.question_id, None)] = answer.date.isoformat()
        else:
            cells[(answer.question_id, None)] = answer.text
    yield [
        _("response id"),
        _("source"),
        _("district"),
        _("first answered"),
        _("last changed"),
        *[column.header for column in columns],
    ]
    responses = Response.objects.filter(survey=survey).select_related("district").order_by("pk")
    for response in responses.iterator():
        cells = by_response.get(response.pk, {})
        row = [
            str(response.public_id),
            str(sources.get(response.source, response.source)),
            response.district.name if response.district else "",
            response.created.isoformat(timespec="seconds"),
            response.modified.isoformat(timespec="seconds"),
        ]
        for column in columns:
            key = (column.question_id, "other" if column.other else column.choice_id)
            value = cells.get(key, "")
            if column.choice_id and kinds.get(column.question_id) == "multiple_choice":
                value = value or 0
            row.append(value)
        yield row


def as_csv(survey: Survey) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the umlauts), semicolons
    (what German spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    for row in rows(survey):
        writer.writerow([neutralise(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(survey: Survey) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Responses")[:31]
    for row_number, row in enumerate(rows(survey), start=1):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if not isinstance(value, int | float | Decimal):
                value = "" if value is None else str(value)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # text, never a formula
            else:
                cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the breakdown by district ------------------------------------------------------------------


@dataclass
class Breakdown:
    question_id: int
    text: str
    options: list[tuple[str, str]]
    rows: list[tuple[str, list[int | None], int | None]] = field(default_factory=list)
    """(district, counts per option with None where suppressed, the row's total or None)."""


def suppress(table: dict[str, dict[str, int]], threshold: int = SMALL_GROUP) -> set:
    """The cells to hide: every count from 1 to ``threshold - 1`` (a small group), and then
    complementary cells, so that no hidden cell can be computed from a shown total and the
    other shown cells of its row or column (each row and column hides none or at least two)."""
    hidden = {
        (row, col) for row, cols in table.items() for col, n in cols.items() if 0 < n < threshold
    }
    row_keys = list(table)
    col_keys = sorted({col for cols in table.values() for col in cols})
    changed = True
    while changed:
        changed = False
        lines = [[(row, col) for col in col_keys] for row in row_keys]
        lines += [[(row, col) for row in row_keys] for col in col_keys]
        for line in lines:
            in_line = [cell for cell in line if cell in hidden]
            if len(in_line) != 1:
                continue
            shown = [cell for cell in line if cell not in hidden]
            if not shown:
                continue
            smallest = min(shown, key=lambda cell: (table[cell[0]].get(cell[1], 0), cell))
            hidden.add(smallest)
            changed = True
    return hidden


def district_breakdowns(survey: Survey) -> list[Breakdown]:
    """For each choice, yes/no and scale question: counts per district, with small groups and
    their complements suppressed. People without a district (browsers, paper, accounts that
    said none) form a row of their own."""
    structure = answering.structure(survey)
    unknown = _("no district given")
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    base = Answer.objects.filter(response__survey=survey)
    grouped = (
        base.filter(question__kind__in=("single_choice", "multiple_choice", "yes_no"))
        .values("question_id", "response__district__name", "choice_id", "text")
        .annotate(n=Count("response", distinct=True))
    )
    for row in grouped:
        district = row["response__district__name"] or unknown
        key = str(row["choice_id"]) if row["choice_id"] else row["text"]
        counts[row["question_id"]][district][key] = row["n"]
    numbers = base.filter(number__isnull=False, question__kind="scale").values_list(
        "question_id", "response__district__name", "number"
    )
    for question_id, district, number in numbers:
        cell = counts[question_id][district or unknown]
        cell[str(int(number))] = cell.get(str(int(number)), 0) + 1
    breakdowns = []
    for question in structure.questions:
        if question.kind in ("single_choice", "multiple_choice"):
            options = [(str(c.pk), c.label) for c in answering.choices_of(question)]
        elif question.kind == "yes_no":
            options = [(key, str(label)) for key, label in YES_NO]
        elif question.kind == "scale":
            low = int(question.min_value) if question.min_value is not None else 1
            high = int(question.max_value) if question.max_value is not None else 5
            options = [(str(n), str(n)) for n in range(low, high + 1)]
        else:
            continue
        table = {
            district: {key: cells.get(key, 0) for key, _label in options}
            for district, cells in counts.get(question.pk, {}).items()
        }
        hidden = suppress(table)
        breakdown = Breakdown(question.pk, question.text, options)
        for district in sorted(table, key=lambda name: (name == unknown, name)):
            values = [
                None if (district, key) in hidden else table[district][key] for key, _l in options
            ]
            total = sum(table[district].values())
            breakdown.rows.append((district, values, total if total >= SMALL_GROUP else None))
        breakdowns.append(breakdown)
    return breakdowns
