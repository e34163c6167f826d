"""Seat limits per stratification value, derived from population shares, and their checks.

The rounding rule (docs/councils.md, "Quotas"): for a panel of ``n`` seats and a value whose
population is ``p`` of its category's total ``P``, the proportional target is the exact
fraction ``t = n · p / P`` (computed with ``fractions.Fraction``, never floats). With a
tolerance of ``k`` seats:

    min = max(0, floor(t) − k)        max = min(n, ceil(t) + k)

So a target of 4.4 with ``k = 1`` gives 3 to 6 seats; a whole target of 4 gives 3 to 5.
Because the floors of a category's targets add up to at most ``n`` and the ceilings to at
least ``n``, derived limits are always feasible per category; limits typed in by hand may not
be, and ``check`` says which category fails and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SeatLimits:
    target: Fraction
    min_seats: int
    max_seats: int


@dataclass(frozen=True)
class CategoryLimits:
    """One category's values with their limits, as ``check`` reads them."""

    name: str
    values: Mapping[str, tuple[int, int]]  # value → (min, max)


def target_seats(panel_size: int, population: Fraction, total: Fraction) -> Fraction:
    if total <= 0:
        raise ValueError("A category needs a population above zero.")
    return Fraction(panel_size) * population / total


def derive_limits(
    panel_size: int, populations: Mapping[str, Decimal | int | Fraction], tolerance: int
) -> dict[str, SeatLimits]:
    """The limits of every value of one category (see the module's rounding rule)."""
    if panel_size < 1:
        raise ValueError("The panel needs at least one seat.")
    if tolerance < 0:
        raise ValueError("The tolerance cannot be negative.")
    exact = {name: Fraction(value) for name, value in populations.items()}
    if any(value < 0 for value in exact.values()):
        raise ValueError("A population cannot be negative.")
    total = sum(exact.values(), Fraction(0))
    limits = {}
    for name, population in exact.items():
        target = target_seats(panel_size, population, total)
        limits[name] = SeatLimits(
            target=target,
            min_seats=max(0, math.floor(target) - tolerance),
            max_seats=min(panel_size, math.ceil(target) + tolerance),
        )
    return limits


def check(panel_size: int, categories: Sequence[CategoryLimits]) -> list[str]:
    """What makes these limits impossible to meet, as sentences for the organiser (empty:
    every category can fill the panel: sum(min) ≤ panel size ≤ sum(max), min ≤ max)."""
    problems: list[str] = []
    if not categories:
        problems.append(_("Add at least one stratification category."))
    for category in categories:
        if not category.values:
            problems.append(
                _("The category “%(category)s” has no values.") % {"category": category.name}
            )
            continue
        for value, (low, high) in category.values.items():
            if low > high:
                problems.append(
                    _(
                        "“%(value)s” (%(category)s): at least %(min)s seats cannot be more "
                        "than at most %(max)s."
                    )
                    % {"value": value, "category": category.name, "min": low, "max": high}
                )
        lows = sum(low for low, _high in category.values.values())
        highs = sum(high for _low, high in category.values.values())
        if lows > panel_size:
            problems.append(
                _(
                    "“%(category)s”: the minimums add up to %(sum)s seats, but the panel has "
                    "only %(size)s. Lower the minimums by %(excess)s seats in total."
                )
                % {
                    "category": category.name,
                    "sum": lows,
                    "size": panel_size,
                    "excess": lows - panel_size,
                }
            )
        if highs < panel_size:
            problems.append(
                _(
                    "“%(category)s”: the maximums add up to only %(sum)s seats, but the panel "
                    "has %(size)s. Raise the maximums by %(missing)s seats in total."
                )
                % {
                    "category": category.name,
                    "sum": highs,
                    "size": panel_size,
                    "missing": panel_size - highs,
                }
            )
    return problems


# --- population statistics from a CSV file ------------------------------------------------------


@dataclass(frozen=True)
class PopulationRow:
    line: int
    category: str
    value: str
    population: Decimal


class StatisticsError(Exception):
    """The statistics file was refused; ``errors`` are ``(line, message)`` (line 0: the file)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors))
        self.errors = errors


def parse_population_number(text: str) -> Decimal:
    """A population as town statistics write it: ``12345``, ``12.345`` (thousands),
    ``48,7`` or ``48.7`` (a share), ``48,7 %``. Raises ``ValueError``."""
    cleaned = text.strip().removesuffix("%").strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif cleaned.count(".") == 1 and len(cleaned.split(".")[1]) == 3 and cleaned[0] != "0":
        # "12.345": German thousands; a share with three decimals is written "12,345".
        cleaned = cleaned.replace(".", "")
    elif cleaned.count(".") > 1:
        cleaned = cleaned.replace(".", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not number.is_finite() or number < 0 or number >= Decimal("1e9"):
        raise ValueError(text)
    return number.quantize(Decimal("0.001"))


def parse_statistics_csv(text: str, *, max_rows: int = 500) -> list[PopulationRow]:
    """Rows ``category;value;population`` (a header line naming them is skipped; ``,`` or
    ``;`` or tab as separator). All or nothing: any bad line raises ``StatisticsError`` with
    every problem and its line number."""
    import csv
    import io

    from consultations.sortition.register import sniff_delimiter

    lines = text.splitlines()
    if not lines:
        raise StatisticsError([(0, _("The file is empty."))])
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(lines[0]))
    rows: list[PopulationRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if line == 1 and [c.strip().casefold() for c in record[:3]] in (
            ["kategorie", "wert", "anteil"],
            ["kategorie", "wert", "anzahl"],
            ["category", "value", "population"],
        ):
            continue
        if len(record) != 3:
            errors.append((line, _("Expected three columns: category, value, population.")))
            continue
        category, value, number = (cell.strip() for cell in record)
        if not category or not value:
            errors.append((line, _("Category and value must not be empty.")))
            continue
        if len(category) > 80 or len(value) > 80:
            errors.append((line, _("Names have at most 80 characters.")))
            continue
        try:
            population = parse_population_number(number)
        except ValueError:
            errors.append(
                (line, _("“%(number)s” is not a population (a number ≥ 0).") % {"number": number})
            )
            continue
        key = (category.casefold(), value.casefold())
        if key in seen:
            errors.append(
                (
                    line,
                    _("“%(value)s” in “%(category)s” was already given in line %(first)s.")
                    % {"value": value, "category": category, "first": seen[key]},
                )
            )
            continue
        seen[key] = line
        rows.append(PopulationRow(line, category, value, population))
        if len(rows) > max_rows:
            raise StatisticsError(
                [(line, _("Too many rows (at most %(max)s).") % {"max": max_rows})]
            )
    if not rows and not errors:
        errors.append((0, _("The file has no rows.")))
    if errors:
        raise StatisticsError(errors)
    return rows
