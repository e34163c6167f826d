"""The consultation index: filters by topic, district and status, in a bounded query count."""

import pytest

from consultations.phases import PhaseKind
from tests.cms.conftest import add_consultation_page
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


def titles(response) -> set[str]:
    return {page.title for page in response.context["consultations"]}


@pytest.fixture
def listed(consultation_index):
    mobility, culture = make_topic("Mobilität"), make_topic("Kultur")
    old_town, north = make_district("Altstadt"), make_district("Nordstadt")
    specs = {
        "Radweg Altstadt": {"topic": mobility, "district": old_town},
        "Busnetz Nordstadt": {"topic": mobility, "district": north, "active": "before"},
        "Theater Altstadt": {"topic": culture, "district": old_town, "active": "after"},
        "Museum Nordstadt": {"topic": culture, "district": north, "active": PhaseKind.INFORMATION},
        "Bücherei Altstadt": {"topic": culture, "district": old_town, "active": "evaluation"},
    }
    for title, fields in specs.items():
        add_consultation_page(consultation_index, make_consultation(title=title, **fields))
    return consultation_index


def test_without_filters_every_public_consultation_is_listed(client, listed):
    response = client.get(listed.url)
    assert response.status_code == 200
    assert titles(response) == {
        "Radweg Altstadt",
        "Busnetz Nordstadt",
        "Theater Altstadt",
        "Museum Nordstadt",
        "Bücherei Altstadt",
    }


def test_filter_by_topic(client, listed):
    response = client.get(listed.url, {"topic": "kultur"})
    assert titles(response) == {"Theater Altstadt", "Museum Nordstadt", "Bücherei Altstadt"}


def test_filter_by_district(client, listed):
    response = client.get(listed.url, {"district": "altstadt"})
    assert titles(response) == {"Radweg Altstadt", "Theater Altstadt", "Bücherei Altstadt"}


@pytest.mark.parametrize(
    "status,expected",
    [
        ("open", {"Radweg Altstadt"}),
        # Information first: participation has not started (the demo's "Quartier am Bahnhof").
        ("upcoming", {"Busnetz Nordstadt", "Museum Nordstadt"}),
        ("evaluating", {"Bücherei Altstadt"}),
        ("closed", {"Theater Altstadt"}),
    ],
)
def test_filter_by_status(client, listed, status, expected):
    assert titles(client.get(listed.url, {"status": status})) == expected


@pytest.mark.parametrize(
    ("title", "badge"),
    [
        ("Radweg Altstadt", "open"),
        ("Busnetz Nordstadt", "upcoming"),
        ("Museum Nordstadt", "upcoming"),
        ("Bücherei Altstadt", "evaluating"),
        ("Theater Altstadt", "closed"),
    ],
)
def test_every_card_badge_matches_the_status_filter(client, listed, title, badge):
    html = client.get(listed.url, {"status": badge}).content.decode()
    assert title in html
    assert f'class="badge badge--{badge}"' in html
    assert html.count('class="badge badge--') == html.count(f'class="badge badge--{badge}"')


def test_the_status_filter_offers_evaluating(client, listed):
    html = client.get(listed.url).content.decode()
    assert '<option value="evaluating">' in html


def test_filters_combine(client, listed):
    response = client.get(listed.url, {"topic": "mobilitat", "district": "altstadt"})
    assert titles(response) == {"Radweg Altstadt"}
    response = client.get(listed.url, {"topic": "kultur", "status": "upcoming"})
    assert titles(response) == {"Museum Nordstadt"}


def test_an_unknown_value_ignores_only_that_filter(client, listed):
    response = client.get(listed.url, {"topic": "gibt-es-nicht", "district": "nordstadt"})
    assert titles(response) == {"Busnetz Nordstadt", "Museum Nordstadt"}


def test_the_filter_form_is_a_plain_get_form_that_keeps_the_choice(client, listed):
    html = client.get(listed.url, {"district": "nordstadt"}).content.decode()
    assert 'method="get"' in html
    assert '<option value="nordstadt" selected>' in html
    assert '<label for="id_status">' in html
    assert f'href="{listed.url}">' in html  # reset link


def test_no_match_says_so(client, listed):
    response = client.get(listed.url, {"topic": "mobilitat", "status": "closed"})
    assert titles(response) == set()
    assert 'class="card-list"' not in response.content.decode()


def _add_many(index, count, start, active=PhaseKind.PARTICIPATION):
    for n in range(start, start + count):
        add_consultation_page(
            index,
            make_consultation(
                title=f"Beteiligung {n}",
                topic=make_topic(f"Thema {n % 3}"),
                district=make_district(f"Bezirk {n % 2}"),
                active=active,
            ),
        )


@pytest.mark.parametrize(
    "params", [{}, {"status": "open"}, {"status": "evaluating"}, {"topic": "thema-1"}]
)
def test_query_count_does_not_grow_with_the_number_of_consultations(
    client, consultation_index, django_assert_max_num_queries, params
):
    client.force_login(make_user())  # logged in: no page cache, membership lookups included
    active = "evaluation" if params.get("status") == "evaluating" else PhaseKind.PARTICIPATION
    _add_many(consultation_index, 2, 0, active)
    with django_assert_max_num_queries(30) as few:
        client.get(consultation_index.url, params)
    baseline_count = len(few.captured_queries)  # read now: the next request resets the log
    assert baseline_count > 0
    _add_many(consultation_index, 10, 2, active)
    with django_assert_max_num_queries(baseline_count):
        response = client.get(consultation_index.url, params)
    assert len(response.context["consultations"]) >= (10 if not params.get("topic") else 4)
