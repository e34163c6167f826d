"""The accessibility statement (BITV 2.0 § 7): a page type with every required part, one per
site, linked from every page's footer."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cms.models import AccessibilityStatementPage, ContentPage
from consultations.roles import EDITORS
from tests.cms.conftest import add_consultation_page, add_page
from tests.factories import make_user

pytestmark = pytest.mark.django_db

GAP = {
    "barrier": "Die Studie (PDF) ist nicht barrierefrei.",
    "reason": "Ein externes Büro hat sie erstellt; die barrierefreie Fassung folgt im Mai.",
    "alternative": "Wir lesen sie Ihnen am Telefon vor.",
}


def statement(**fields) -> AccessibilityStatementPage:
    values = {
        "title": "Erklärung zur Barrierefreiheit",
        "slug": "barrierefreiheit",
        "conformance": AccessibilityStatementPage.Conformance.PARTIAL,
        "known_gaps": [("gap", GAP)],
        "statement_date": date(2026, 11, 30),
        "review_date": date(2026, 11, 20),
        "review_method": AccessibilityStatementPage.ReviewMethod.SELF_ASSESSMENT,
        "review_details": "Tastatur, NVDA und axe-core.",
        "feedback_contact": "Beauftragte für Barrierefreiheit",
        "feedback_email": "barrierefrei@musterstadt.example",
        "feedback_phone": "01234 567-89",
        "feedback_form_url": "https://musterstadt.example/kontakt",
        "enforcement_body": "Schlichtungsstelle nach dem BGG",
        "enforcement_address": "Mauerstraße 53\n10117 Berlin",
        "enforcement_email": "info@schlichtungsstelle-bgg.de",
        "enforcement_url": "https://www.schlichtungsstelle-bgg.de",
    }
    values.update(fields)
    return AccessibilityStatementPage(**values)


@pytest.fixture
def published(home) -> AccessibilityStatementPage:
    return add_page(home, statement())


def test_the_statement_shows_every_required_part_in_german(client, published):
    html = client.get(published.url).content.decode()
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in html
    assert "teilweise vereinbar" in html  # conformance status
    assert GAP["barrier"] in html and GAP["reason"] in html and GAP["alternative"] in html
    assert "30. November 2026" in html  # statement date
    assert "20. November 2026" in html and "Selbstbewertung" in html  # review date and method
    assert 'href="mailto:barrierefrei@musterstadt.example"' in html  # feedback
    assert 'href="tel:01234567-89"' in html
    assert 'href="https://musterstadt.example/kontakt"' in html
    assert "Schlichtungsstelle nach dem BGG" in html  # enforcement body
    assert "Mauerstraße 53<br>10117 Berlin" in html
    assert 'href="https://www.schlichtungsstelle-bgg.de"' in html
    assert "Durchsetzungsverfahren" in html


@pytest.mark.parametrize(
    ("conformance", "sentence"),
    [
        ("full", "vollständig vereinbar"),
        ("partial", "teilweise vereinbar"),
        ("none", "nicht vereinbar"),
    ],
)
def test_the_conformance_sentence_follows_the_status(client, home, conformance, sentence):
    page = add_page(home, statement(conformance=conformance))
    assert sentence in client.get(page.url).content.decode()


def test_a_partly_compliant_site_must_name_its_gaps(home):
    with pytest.raises(ValidationError) as error:
        statement(known_gaps=[]).clean()
    assert "known_gaps" in error.value.message_dict
    statement(conformance="full", known_gaps=[]).clean()


@pytest.mark.parametrize(
    ("cleared", "field"),
    [
        (("feedback_email", "feedback_phone", "feedback_form_url"), "feedback_email"),
        (("enforcement_url", "enforcement_email", "enforcement_address"), "enforcement_url"),
    ],
)
def test_feedback_and_enforcement_need_a_way_to_reach_them(home, cleared, field):
    with pytest.raises(ValidationError) as error:
        statement(**dict.fromkeys(cleared, "")).clean()
    assert field in error.value.message_dict


def test_one_statement_per_site(home, published):
    assert not AccessibilityStatementPage.can_create_at(home)
    assert AccessibilityStatementPage.allowed_parent_page_models() == [type(home)]


def test_every_footer_links_the_statement(client, home, published, consultation_index):
    content = add_page(home, ContentPage(title="Rathaus", slug="rathaus"))
    consultation = add_consultation_page(consultation_index)
    link = f'<a href="{published.url}">Erklärung zur Barrierefreiheit</a>'
    for url in (home.url, content.url, consultation.url, published.url, reverse("search")):
        html = client.get(url).content.decode()
        footer = html[html.index('<footer class="site-footer">') :]
        assert link in footer, url
    html = client.get("/gibt-es-nicht/").content.decode()
    assert link in html  # the 404 page too


def test_no_statement_no_dead_link(client, home):
    assert "Erklärung zur Barrierefreiheit" not in client.get(home.url).content.decode()


def test_a_draft_statement_is_not_linked(client, home):
    page = statement(live=False)
    home.add_child(instance=page)
    assert "Erklärung zur Barrierefreiheit" not in client.get(home.url).content.decode()


def test_editors_create_the_statement_in_the_admin(client, home):
    client.force_login(make_user(groups=(EDITORS,), is_staff=True))
    url = reverse("wagtailadmin_pages:add", args=("cms", "accessibilitystatementpage", home.pk))
    html = client.get(url).content.decode()
    assert "Schlichtungsstelle" in html  # the enforcement body's help text
    assert "Bekannte Barrieren" in html or "known gaps" in html.lower()
