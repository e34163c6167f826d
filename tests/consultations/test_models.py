from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from consultations.models import Consultation, Phase, validate_area
from consultations.phases import PhaseKind
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


STATUSES = {"upcoming", "open", "evaluating", "closed"}


@pytest.mark.parametrize(
    ("active", "status"),
    [
        ("before", "upcoming"),
        ("information", "upcoming"),
        ("participation", "open"),
        ("evaluation", "evaluating"),
        ("results", "evaluating"),
        ("after", "closed"),
    ],
)
def test_status_follows_the_phases_and_closes_by_itself(active, status):
    consultation = make_consultation(active=active)
    assert consultation.status == status
    assert list(Consultation.objects.with_status(status)) == [consultation]
    for other in STATUSES - {status}:
        assert not Consultation.objects.with_status(other).exists()


T0 = timezone.make_aware(datetime(2026, 11, 28, 9, 0))
SECOND = timedelta(seconds=1)


def _at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def _consultation(phases, **fields) -> Consultation:
    consultation = Consultation.objects.create(
        title="Quartier", slug=f"quartier-{Consultation.objects.count()}", summary="-", **fields
    )
    for kind, start, end in phases:
        Phase.objects.create(consultation=consultation, kind=kind, start=_at(start), end=_at(end))
    return Consultation.objects.get(pk=consultation.pk)


# Like the demo's "Quartier am Bahnhof": information first, participation from day 7.
BAHNHOF = [
    (PhaseKind.INFORMATION, 0, 7),
    (PhaseKind.PARTICIPATION, 7, 35),
    (PhaseKind.EVALUATION, 35, 56),
    (PhaseKind.RESULTS, 56, 80),
]


def assert_status(consultation: Consultation, moment: datetime, expected: str) -> None:
    """The badge's answer and every filter's answer agree at ``moment``."""
    assert consultation.status_at(moment) == expected, moment
    for status in STATUSES:
        listed = Consultation.objects.with_status(status, now=moment).filter(pk=consultation.pk)
        assert listed.exists() == (status == expected), (moment, status)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_at(-1), "upcoming"),
        (_at(0), "upcoming"),  # information phase: residents cannot take part yet
        (_at(7) - SECOND, "upcoming"),
        (_at(7), "open"),
        (_at(35) - SECOND, "open"),
        (_at(35), "evaluating"),
        (_at(56), "evaluating"),  # results phase, but nothing published yet
        (_at(80) - SECOND, "evaluating"),
        (_at(80), "closed"),  # no phase left
        (_at(400), "closed"),
    ],
)
def test_status_at_each_boundary(moment, expected):
    assert_status(_consultation(BAHNHOF), moment, expected)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_at(40) - SECOND, "evaluating"),
        (_at(40), "closed"),  # the results are published
        (_at(60), "closed"),
    ],
)
def test_published_results_close_the_consultation(moment, expected):
    assert_status(_consultation(BAHNHOF, results_published_at=_at(40)), moment, expected)


def test_results_published_early_do_not_close_running_participation():
    consultation = _consultation(BAHNHOF, results_published_at=_at(10))
    assert_status(consultation, _at(10), "open")
    assert_status(consultation, _at(35), "closed")


def test_participation_in_two_rounds_is_open_in_between():
    consultation = _consultation(
        [
            (PhaseKind.PARTICIPATION, 0, 10),
            (PhaseKind.EVALUATION, 10, 20),
            (PhaseKind.PARTICIPATION, 20, 30),
        ]
    )
    assert_status(consultation, _at(15), "open")
    assert_status(consultation, _at(30), "closed")


def test_without_a_participation_phase_the_phases_count():
    consultation = _consultation([(PhaseKind.INFORMATION, 0, 10)])
    assert_status(consultation, _at(-1), "upcoming")
    assert_status(consultation, _at(5), "open")
    assert_status(consultation, _at(10), "closed")


def test_status_of_many_consultations_is_one_query(django_assert_num_queries):
    for _ in range(5):
        _consultation(BAHNHOF)
    with django_assert_num_queries(1):
        assert len(list(Consultation.objects.with_status("upcoming", now=_at(3)))) == 5


def test_consultation_without_phases_is_upcoming():
    consultation = Consultation.objects.create(title="Leer", slug="leer", summary="-")
    assert consultation.status == "upcoming"
    assert consultation.active_phase() is None
    # Listed where its badge says: nothing is scheduled yet.
    assert list(Consultation.objects.upcoming()) == [consultation]


def test_phase_must_end_after_it_starts():
    consultation = Consultation.objects.create(title="T", slug="t", summary="-")
    now = timezone.now()
    phase = Phase(consultation=consultation, kind=PhaseKind.INFORMATION, start=now, end=now)
    with pytest.raises(ValidationError):
        phase.clean()
    with pytest.raises(IntegrityError):
        phase.save()


def test_filters_by_topic_and_district_in_one_query(django_assert_num_queries):
    topic, district = make_topic("Kultur"), make_district("Südufer")
    wanted = make_consultation(topic=topic, district=district)
    make_consultation()
    with django_assert_num_queries(1):
        found = list(Consultation.objects.open().filter(topic=topic, district=district))
    assert found == [wanted]


@pytest.mark.parametrize(
    "area",
    [
        {"type": "Point", "coordinates": [9.0, 50.0]},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[9, 50], [9.1, 50], [9, 50]]]},
        {"type": "Polygon", "coordinates": [[[9, 50], [9.1, 50], [9.1, 50.1], [9, 50.2]]]},
        {"type": "Polygon", "coordinates": [[[200, 50], [9.1, 50], [9.1, 50.1], [200, 50]]]},
        {"type": "Polygon", "coordinates": [[["a", 50], [9.1, 50], [9.1, 50.1], ["a", 50]]]},
        "POLYGON((9 50, 9.1 50, 9.1 50.1, 9 50))",
    ],
)
def test_invalid_areas_are_refused(area):
    with pytest.raises(ValidationError):
        validate_area(area)


def test_valid_area_passes():
    square = [[9, 50], [9.1, 50], [9.1, 50.1], [9, 50.1], [9, 50]]
    validate_area({"type": "Polygon", "coordinates": [square]})
    validate_area({"type": "MultiPolygon", "coordinates": [[square]]})


def test_public_name_never_shows_the_email():
    user = make_user(email="anna.adler@example.org", pseudonym="Anna")
    assert str(user) == "Anna"
    assert "example.org" not in user.public_name
