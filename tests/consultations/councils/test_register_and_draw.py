"""Stage 1: the register extract (parsed in memory, all or nothing) and the invitation draw
(reproducible from seed and extract; docs/councils.md, "The invitation draw")."""

import hashlib
import hmac
import random

import pytest
from django.utils import translation
from wagtail.models import ModelLogEntry

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.councils import (
    FileRefused,
    delete_register,
    draw_invitations,
    import_register,
)
from consultations.models import InvitationDraw, RegisterEntry
from consultations.sortition import invitations, register
from consultations.sortition.register import RegisterFileError, parse_register
from tests.factories import make_user

MAPPING = {
    "name": "Name",
    "address": "Anschrift",
    "birth_year": "Geburtsjahr",
    "district": "Ortsteil",
}
DISTRICTS = ["Altstadt", "Nord", "Süd"]


def extract(n=30, *, shuffle_seed=None, delimiter=";", header=True):
    rows = [
        [f"Person {i}", f"Hauptstraße {i}", str(1940 + i % 60), DISTRICTS[i % 3 if i % 5 else 0]]
        for i in range(n)
    ]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(rows)
    lines = [delimiter.join(["Ortsteil", "Name", "Geburtsjahr", "Anschrift"])] if header else []
    lines += [delimiter.join([r[3], r[0], r[2], r[1]]) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_the_canonical_form_is_as_documented():
    row = register.canonical_row("  Anna\u0301  Muster ", "Weg 1", 1980, "Nord")
    assert row == "Anná Muster\x1fWeg 1\x1f1980\x1fNord".encode()
    expected = hashlib.sha256(b"a\x1fb\x1f1990\x1f\n" + b"b\x1fb\x1f1990\x1f\n").hexdigest()
    rows = [register.canonical_row("b", "b", 1990, ""), register.canonical_row("a", "b", 1990, "")]
    assert register.extract_sha256(rows) == expected
    key = hmac.new(b"seed-1234", row, hashlib.sha256).digest()
    assert invitations.draw_key("seed-1234", row) == key


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_returned():
    data = (
        "Name;Anschrift;Geburtsjahr;Ortsteil\n"
        "Anna;Weg 1;1980;Nord\n"
        ";Weg 2;1981;Nord\n"
        "Bernd;Weg 3;80;Süd\n"
        "Anna;Weg 1;1980;Nord\n"
        "Carla;Weg 4\n"
        '"Dora\nDoppelzeile";Weg 5;3000;Süd\n'
    ).encode()
    with pytest.raises(RegisterFileError) as refused, translation.override("de"):
        parse_register(data, MAPPING, current_year=2026)
    errors = refused.value.errors
    assert [line for line, _message in errors] == [3, 4, 5, 6, 8]
    with translation.override("de"):
        parse_register_messages = {line: str(message) for line, message in errors}
    assert "Dieselbe Person wie in Zeile 2" in parse_register_messages[5]


def test_file_level_problems():
    with pytest.raises(RegisterFileError):
        parse_register(b"", MAPPING, current_year=2026)
    with pytest.raises(RegisterFileError) as refused:
        parse_register(extract(3), {**MAPPING, "name": "Vorname"}, current_year=2026)
    assert refused.value.errors[0][0] == 1
    with pytest.raises(RegisterFileError):
        parse_register(extract(3), {**MAPPING, "address": ""}, current_year=2026)
    with pytest.raises(RegisterFileError):
        parse_register(extract(30), MAPPING, current_year=2026, max_bytes=100)
    with pytest.raises(RegisterFileError):
        parse_register(extract(30), MAPPING, current_year=2026, max_rows=10)
    with pytest.raises(RegisterFileError):
        parse_register(
            "Name;Anschrift;Geburtsjahr\nÄ;b;1990\n".encode("cp1252"), MAPPING, current_year=2026
        )
    rows = parse_register(
        "Name;Anschrift;Geburtsjahr\nÄnne;b;1990\n".encode("cp1252"),
        {k: v for k, v in MAPPING.items() if k != "district"},
        encoding="cp1252",
        current_year=2026,
    )
    assert rows[0].name == "Änne" and rows[0].district == ""


def test_the_draw_does_not_depend_on_row_order_separator_or_encoding():
    def invited(data, seed="öffentlich-2026", n=7, by_district=False):
        rows = parse_register(data, MAPPING, current_year=2026)
        candidates = [invitations.Candidate(r.canonical(), r.district) for r in rows]
        chosen, _per = invitations.draw(seed, candidates, n, by_district=by_district)
        return [rows[i].canonical() for i in chosen], register.extract_sha256(
            c.canonical for c in candidates
        )

    first, digest = invited(extract(30))
    shuffled, shuffled_digest = invited(extract(30, shuffle_seed=3, delimiter=","))
    assert first == shuffled and digest == shuffled_digest
    assert invited(extract(30), seed="anderer Startwert")[0] != first
    stratified, _ = invited(extract(30, shuffle_seed=4), n=9, by_district=True)
    assert stratified == invited(extract(30, shuffle_seed=5), n=9, by_district=True)[0]


def test_district_shares_by_largest_remainder():
    assert invitations.district_shares({"A": 5, "B": 3, "C": 2}, 5) == {"A": 3, "B": 1, "C": 1}
    # Equal remainders: the larger district, then the name's bytes.
    assert invitations.district_shares({"B": 1, "A": 1}, 1) == {"A": 1, "B": 0}
    assert sum(invitations.district_shares({"A": 7, "B": 11, "C": 13}, 17).values()) == 17


@pytest.mark.django_db
def test_import_draw_and_delete_through_the_actions(council, organiser, settings, tmp_path):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    with pytest.raises(FileRefused):
        import_register(
            organiser=organiser, council=council, data=extract(5) + b"x;y\n", mapping=MAPPING
        )
    assert not RegisterEntry.objects.exists()
    assert (
        import_register(organiser=organiser, council=council, data=extract(30), mapping=MAPPING)
        == 30
    )
    with pytest.raises(ActionError):  # one extract at a time
        import_register(organiser=organiser, council=council, data=extract(3), mapping=MAPPING)
    with pytest.raises(PermissionDenied):
        draw_invitations(organiser=make_user(), council=council, invitations=5)
    with pytest.raises(ActionError):
        draw_invitations(organiser=organiser, council=council, invitations=31)
    with pytest.raises(ActionError):
        draw_invitations(organiser=organiser, council=council, invitations=5, seed="kurz")
    draw = draw_invitations(
        organiser=organiser,
        council=council,
        invitations=9,
        seed="Lostrommel 2026",
        by_district=True,
    )
    assert draw.algorithm == "mitreden-invitations-1"
    assert draw.extract_sha256 == register.extract_sha256(
        register.canonical_row(e.name, e.address, e.birth_year, e.district)
        for e in RegisterEntry.objects.all()
    )
    assert sum(draw.per_district.values()) == 9
    ranks = list(
        RegisterEntry.objects.filter(invitation_rank__isnull=False)
        .order_by("invitation_rank")
        .values_list("invitation_rank", flat=True)
    )
    assert ranks == list(range(1, 10))
    with pytest.raises(ActionError):  # once per council
        draw_invitations(organiser=organiser, council=council, invitations=5)
    assert delete_register(organiser=organiser, council=council) == 30
    assert not RegisterEntry.objects.exists()
    assert InvitationDraw.objects.filter(council=council).exists()  # the record stays
    with pytest.raises(ActionError):
        delete_register(organiser=organiser, council=council)
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(council.pk)).values_list("action", "data")
    )
    names = [action for action, _data in actions]
    assert names.count("mitreden.council_register_imported") == 1
    assert names.count("mitreden.council_invitations_drawn") == 1
    assert names.count("mitreden.council_register_deleted") == 1
    assert "Person" not in str(actions)  # no personal data in the audit log
    assert not media.exists() or not any(media.rglob("*"))


@pytest.mark.django_db
def test_a_random_seed_is_stored_and_the_draw_reruns_from_it(council, organiser):
    import_register(organiser=organiser, council=council, data=extract(20), mapping=MAPPING)
    draw = draw_invitations(organiser=organiser, council=council, invitations=6)
    assert len(draw.seed) == 32
    invited = set(
        RegisterEntry.objects.filter(invitation_rank__isnull=False).values_list("name", flat=True)
    )
    rows = parse_register(extract(20, shuffle_seed=9), MAPPING, current_year=2026)
    candidates = [invitations.Candidate(r.canonical(), r.district) for r in rows]
    chosen, _ = invitations.draw(draw.seed, candidates, 6, by_district=False)
    assert {rows[i].name for i in chosen} == invited
