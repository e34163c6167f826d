from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from consultations.models import Consultation, Phase, validate_area
from consultations.phases import PhaseKind
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("active", "status"),
    [
        ("before", "upcoming"),
        ("information", "open"),
        ("participation", "open"),
        ("evaluation", "closed"),
        ("results", "closed"),
        ("after", "closed"),
    ],
)
def test_status_follows_the_phases_and_closes_by_itself(active, status):
    consultation = make_consultation(active=active)
    assert consultation.status == status
    assert list(Consultation.objects.with_status(status)) == [consultation]
    others = {"upcoming", "open", "closed"} - {status}
    for other in others:
        assert not Consultation.objects.with_status(other).exists()


def test_active_phase_and_closing_without_a_job():
    consultation = make_consultation(active="participation")
    phase = consultation.active_phase()
    assert phase.kind == PhaseKind.PARTICIPATION
    # The moment participation ends the consultation is closed: nothing has to run.
    assert consultation.status_at(phase.end - timedelta(seconds=1)) == "open"
    assert consultation.status_at(phase.end) == "closed"


def test_consultation_without_phases_is_upcoming():
    consultation = Consultation.objects.create(title="Leer", slug="leer", summary="-")
    assert consultation.status == "upcoming"
    assert consultation.active_phase() is None
    assert list(Consultation.objects.upcoming()) == []  # no start date: not listed as upcoming


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
