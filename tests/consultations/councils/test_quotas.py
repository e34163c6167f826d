"""Seat limits from population shares (consultations/sortition/quotas.py) and their checks."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultations.sortition import quotas
from consultations.sortition.quotas import CategoryLimits, StatisticsError


def test_the_documented_rounding_rule():
    limits = quotas.derive_limits(10, {"Frauen": 51, "Männer": 49}, 1)
    assert limits["Frauen"].target == Fraction(51, 10)
    assert (limits["Frauen"].min_seats, limits["Frauen"].max_seats) == (4, 7)
    assert (limits["Männer"].min_seats, limits["Männer"].max_seats) == (3, 6)
    # A whole target: floor = ceil.
    whole = quotas.derive_limits(10, {"a": 1, "b": 1}, 1)
    assert (whole["a"].min_seats, whole["a"].max_seats) == (4, 6)
    # Never below 0, never above the panel.
    tiny = quotas.derive_limits(3, {"klein": Decimal("0.5"), "groß": Decimal("99.5")}, 2)
    assert (tiny["klein"].min_seats, tiny["groß"].max_seats) == (0, 3)


def test_shares_and_head_counts_give_the_same_limits():
    shares = quotas.derive_limits(40, {"a": Decimal("12.5"), "b": Decimal("87.5")}, 1)
    counts = quotas.derive_limits(40, {"a": 1250, "b": 8750}, 1)
    assert shares == counts


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        quotas.derive_limits(0, {"a": 1}, 0)
    with pytest.raises(ValueError):
        quotas.derive_limits(5, {"a": 0}, 0)
    with pytest.raises(ValueError):
        quotas.derive_limits(5, {"a": -1, "b": 3}, 0)


populations = st.dictionaries(
    st.text(min_size=1, max_size=5),
    st.integers(min_value=0, max_value=10**6),
    min_size=1,
    max_size=8,
).filter(lambda values: sum(values.values()) > 0)


@given(panel=st.integers(1, 200), values=populations, tolerance=st.integers(0, 5))
def test_derived_limits_are_always_feasible_and_around_the_target(panel, values, tolerance):
    limits = quotas.derive_limits(panel, values, tolerance)
    assert sum(limit.min_seats for limit in limits.values()) <= panel
    assert sum(limit.max_seats for limit in limits.values()) >= panel
    for limit in limits.values():
        assert 0 <= limit.min_seats <= limit.target <= limit.max_seats <= panel
        assert limit.target - limit.min_seats < tolerance + 1
        assert limit.max_seats - limit.target < tolerance + 1
    category = CategoryLimits("c", {k: (v.min_seats, v.max_seats) for k, v in limits.items()})
    assert quotas.check(panel, [category]) == []


def test_the_checks_say_which_category_fails_and_by_how_much(settings):
    settings.LANGUAGE_CODE = "de"
    from django.utils import translation

    with translation.override("de"):
        problems = quotas.check(
            10,
            [
                CategoryLimits("Alter", {"jung": (6, 8), "alt": (6, 8)}),
                CategoryLimits("Stadtteil", {"Nord": (0, 3), "Süd": (0, 4)}),
                CategoryLimits("Geschlecht", {"w": (5, 4), "m": (3, 8)}),
                CategoryLimits("Leer", {}),
            ],
        )
    text = "\n".join(problems)
    assert "„Alter“: Die Mindestwerte ergeben zusammen 12 Sitze" in text
    assert "um insgesamt 2 Sitze" in text
    assert "„Stadtteil“: Die Höchstwerte ergeben zusammen nur 7 Sitze" in text
    assert "um insgesamt 3 Sitze" in text
    assert "„w“ (Geschlecht)" in text
    assert "„Leer“ hat keine Werte" in text
    assert quotas.check(10, []) != []


def test_statistics_csv_with_shares_counts_and_a_header():
    rows = quotas.parse_statistics_csv(
        "Kategorie;Wert;Anteil\nGeschlecht;Frauen;51,2 %\nGeschlecht;Männer;48,8\n"
        "Stadtteil;Nord;12.345\nStadtteil;Süd;9876\n"
    )
    assert [(r.line, r.value, r.population) for r in rows] == [
        (2, "Frauen", Decimal("51.200")),
        (3, "Männer", Decimal("48.800")),
        (4, "Nord", Decimal("12345.000")),
        (5, "Süd", Decimal("9876.000")),
    ]


def test_statistics_csv_reports_every_bad_line():
    with pytest.raises(StatisticsError) as refused:
        quotas.parse_statistics_csv(
            "Geschlecht,Frauen,viele\nGeschlecht,Männer\nGeschlecht,Frauen,3\n,x,1\nA,b,-4\n"
        )
    assert [line for line, _message in refused.value.errors] == [1, 2, 4, 5]
    with pytest.raises(StatisticsError):
        quotas.parse_statistics_csv("")
