import datetime

import pytest

from consultations import roles
from consultations.actions.councils import create_council
from tests.factories import make_consultation, make_user


def council_fields(**overrides):
    fields = {
        "title": "Bürgerrat Stadthalle",
        "question": "Wie soll die Stadthalle künftig genutzt werden?",
        "description": "Ein Rat aus ausgelosten Einwohnerinnen und Einwohnern.",
        "panel_size": 10,
        "quota_tolerance": 1,
        "personal_data_deleted_on": datetime.date(2027, 12, 31),
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def organiser():
    return make_user(groups=(roles.COUNCIL_ORGANISERS,))


@pytest.fixture
def council(organiser):
    return create_council(organiser=organiser, consultation=make_consultation(), **council_fields())
