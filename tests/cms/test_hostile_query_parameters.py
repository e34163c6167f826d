"""Hostile values in every GET parameter a page reads: an answer, never a server error."""

import pytest

from consultations.models import ConsultationMembership
from tests.cms.conftest import add_consultation_page
from tests.factories import add_member, make_discussion, make_user
from tests.hostile_inputs import HOSTILE_INPUTS

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    *HOSTILE_INPUTS[:20],
    '"',
    "'",
    "0",
    "-1",
    "1.5",
    "1e9",
    "99999999999999999999999999",
    "NaN",
    "",
    " ",
    "\x00",
    "%00",
    "../../etc/passwd",
    "x" * 3000,
    "🙂",
    "[]",
    "{}",
]


@pytest.fixture
def site_with_discussion(consultation_index):
    discussion = make_discussion()
    add_consultation_page(
        consultation_index,
        discussion.consultation,
        body=[("discussion", {"discussion": discussion})],
    )
    moderator = make_user(pseudonym="Mod")
    add_member(discussion.consultation, moderator, ConsultationMembership.Role.MODERATOR)
    return discussion, moderator


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_every_get_parameter_survives_hostile_values(client, site_with_discussion, value):
    discussion, moderator = site_with_discussion
    pages = [
        ("/suche/", ["q", "page"]),
        ("/beteiligungen/", ["topic", "district", "status", "page"]),
        (f"/diskussionen/{discussion.pk}/", ["sort", "page"]),
        (f"/beteiligungen/{discussion.consultation.slug}/", ["sort", "page"]),
    ]
    for url, parameters in pages:
        for name in parameters:
            response = client.get(url, {name: value})
            assert response.status_code in {200, 404}, (url, name, value)
        response = client.get(url, dict.fromkeys(parameters, value))
        assert response.status_code in {200, 404}, (url, value)

    client.force_login(moderator)
    for name in ["consultation", "partial", "page", "reason", "state", "age"]:
        response = client.get("/moderation/", {name: value})
        # An unknown filter value is marked in the form and ignored (400, the queue shown).
        assert response.status_code in {200, 400}, (name, value)
        assert b"<form" in response.content or name == "partial", (name, value)


@pytest.mark.parametrize(
    "path",
    [
        "/kommentare/99999999999999999999999/",
        "/diskussionen/99999999999999999999999/",
        "/kommentare/99999999999999999999999/melden/",
        "/ws/unknown",
        "/ws/discussions/abc/",
    ],
)
def test_out_of_range_ids_and_socket_paths_over_http_are_not_found(client, home, path):
    client.force_login(make_user(pseudonym="Leser"))
    assert client.get(path, follow=True).status_code == 404
