"""What the cms tells the participation side about the town (registered in cms/apps.py)."""

import pytest


@pytest.mark.django_db
def test_the_towns_name_from_the_site_settings_is_reserved_for_pseudonyms(home):
    from django.core.exceptions import ValidationError

    from cms.models import SiteSettings
    from consultations import pseudonyms

    settings_row = SiteSettings.for_site(home.get_site())
    settings_row.town_name = "Beispielhausen"
    settings_row.save()
    with pytest.raises(ValidationError):
        pseudonyms.validate("Stadt Beispielhausen")
    with pytest.raises(ValidationError):
        pseudonyms.validate("Beispielhausen")
    assert pseudonyms.validate("Anna aus der Altstadt") == "Anna aus der Altstadt"


@pytest.mark.django_db
def test_discussions_find_the_page_of_their_consultation(consultation_index):
    from consultations.links import consultation_url
    from tests.cms.conftest import add_consultation_page
    from tests.factories import make_consultation

    consultation = make_consultation()
    assert consultation_url(consultation) is None
    page = add_consultation_page(consultation_index, consultation)
    assert consultation_url(consultation) == page.url
