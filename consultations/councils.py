"""Reads of the citizens' councils module (the writes are ``actions/councils.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from consultations.sortition import quotas


@dataclass
class QuotaRow:
    value: str
    population: object
    share_percent: str
    target: str
    min_seats: int | None
    max_seats: int | None


@dataclass
class QuotaCategory:
    name: str
    rows: list[QuotaRow] = field(default_factory=list)


@dataclass
class QuotaTable:
    categories: list[QuotaCategory]
    problems: list[str]


def quota_table(council) -> QuotaTable:
    """Every category with each value's share, proportional target and seat limits, and what
    makes the limits impossible to meet (``quotas.check``). Two queries."""
    categories = list(council.categories.prefetch_related("values"))
    table, limits = [], []
    for category in categories:
        values = list(category.values.all())
        total = sum((value.population for value in values), 0)
        rows = []
        for value in values:
            share = value.population / total if total else 0
            target = (
                quotas.target_seats(council.panel_size, Fraction(value.population), Fraction(total))
                if total
                else 0
            )
            rows.append(
                QuotaRow(
                    value=value.name,
                    population=value.population,
                    share_percent=f"{share * 100:.1f}",
                    target=f"{float(target):.1f}",
                    min_seats=value.min_seats,
                    max_seats=value.max_seats,
                )
            )
        table.append(QuotaCategory(name=category.name, rows=rows))
        limits.append(
            quotas.CategoryLimits(
                name=category.name,
                values={
                    value.name: (value.min_seats or 0, value.max_seats or 0) for value in values
                },
            )
        )
    problems = quotas.check(council.panel_size, limits) if categories else []
    return QuotaTable(categories=table, problems=problems)
