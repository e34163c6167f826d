"""Every page type renders with its key content; the consultation page honours visibility."""

from datetime import date

import pytest
from django.utils import formats, timezone, translation

from cms.models import ContentPage, HomePage, NewsPage
from consultations import realtime
from consultations.actions.consultations import publish_results
from consultations.models import Consultation, ConsultationMembership, LiveEvent
from consultations.phases import PhaseKind
from consultations.roles import EDITORS
from tests.cms.conftest import add_consultation_page, add_page, make_image
from tests.factories import add_member, make_consultation, make_user

pytestmark = pytest.mark.django_db


def test_home_page_shows_hero_open_consultations_and_latest_news(
    client, home, consultation_index, news_index
):
    home.hero_intro = "Reden Sie mit."
    home.hero_image = make_image()
    home.save()
    add_consultation_page(consultation_index, make_consultation(title="Offene Beteiligung"))
    add_consultation_page(
        consultation_index, make_consultation(title="Alte Beteiligung", active="after")
    )
    add_consultation_page(
        consultation_index,
        make_consultation(title="Geheime Beteiligung", visibility=Consultation.Visibility.PRIVATE),
    )
    for day in range(1, 5):
        add_page(
            news_index,
            NewsPage(
                title=f"Meldung {day}", slug=f"meldung-{day}", date=date(2026, 1, day), intro="x"
            ),
        )

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and html.count("<h1") == 1
    assert "Musterstadt redet mit" in html
    assert "Reden Sie mit." in html
    assert 'alt=""' in html  # the hero image is decorative
    assert "Offene Beteiligung" in html
    assert "Alte Beteiligung" not in html
    assert "Geheime Beteiligung" not in html
    # The three newest news items, newest first; the oldest is left out.
    assert html.index("Meldung 4") < html.index("Meldung 3") < html.index("Meldung 2")
    assert "Meldung 1" not in html


def test_content_page_renders_intro_and_body(client, home):
    page = add_page(
        home,
        ContentPage(
            title="Über Mitreden",
            slug="ueber",
            intro="Was das ist.",
            body=[("heading", {"level": "h2", "text": "So geht es"})],
        ),
    )
    response = client.get(page.url)
    assert response.status_code == 200
    assert "<h1>Über Mitreden</h1>" in response.content.decode()
    assert '<h2 class="block-heading">So geht es</h2>' in response.content.decode()


def test_news_index_is_paginated_newest_first(client, news_index):
    for day in range(1, 13):
        add_page(
            news_index,
            NewsPage(
                title=f"Nachricht {day:02d}",
                slug=f"n-{day}",
                date=date(2026, 3, day),
                intro="Text",
            ),
        )
    first = client.get(news_index.url).content.decode()
    second = client.get(news_index.url + "?page=2").content.decode()
    assert first.index("Nachricht 12") < first.index("Nachricht 03")
    assert "Nachricht 02" not in first and "Nachricht 01" not in first
    assert "Nachricht 02" in second and "Nachricht 01" in second
    assert "Nachricht 12" not in second


def test_news_page_renders_date_intro_and_image_with_alt(client, news_index):
    page = add_page(
        news_index,
        NewsPage(
            title="Neue Radwege",
            slug="radwege",
            date=date(2026, 5, 4),
            intro="Die Stadt baut.",
            image=make_image(),
            image_alt="Ein neuer roter Radweg",
        ),
    )
    html = client.get(page.url).content.decode()
    assert '<time datetime="2026-05-04">' in html
    assert "Die Stadt baut." in html
    assert 'alt="Ein neuer roter Radweg"' in html


def test_news_page_with_image_requires_alt_text(news_index):
    from django.core.exceptions import ValidationError

    page = NewsPage(title="X", slug="x", intro="y", image=make_image(), image_alt="")
    with pytest.raises(ValidationError):
        page.full_clean()


def test_consultation_page_renders_summary_status_timeline_and_live_hooks(
    client, consultation_index
):
    consultation = make_consultation(title="Stadthalle", summary="Worum es bei der Halle geht.")
    page = add_consultation_page(consultation_index, consultation)
    event = LiveEvent.objects.create(
        group=realtime.consultation_group(consultation.pk), type="x", payload={}
    )

    html = client.get(page.url).content.decode()

    # One title and one introduction, the consultation's.
    assert html.count("Worum es bei der Halle geht.") == 1
    assert "<h1" in html and "Stadthalle</h1>" in html
    assert 'class="badge badge--open"' in html
    assert 'data-live-socket="/ws/live/"' in html and "data-live-token=" in html
    assert f'data-live-last-event="{event.pk}"' in html
    assert "js/consultation.js" in html
    # An ordered list with the four phases; only the running one is the current step.
    timeline = html[html.index('<ol class="timeline">') : html.index("</ol>")]
    assert timeline.count("<li") == 4
    assert timeline.count('aria-current="step"') == 1
    current = timeline[timeline.index('aria-current="step"') :].split("</li>")[0]
    running = consultation.active_phase()
    assert running.kind == PhaseKind.PARTICIPATION
    assert f'datetime="{timezone.localtime(running.start).isoformat()}"' in current
    # The results section exists for the live layer, hidden until there is a statement.
    assert "data-results-statement" in html
    section = html[html.index('<section class="results"') :].split(">")[0]
    assert " hidden" in section


def test_consultation_page_shows_the_published_results(client, consultation_index):
    consultation = make_consultation(active=PhaseKind.RESULTS)
    page = add_consultation_page(consultation_index, consultation)
    editor = make_user(groups=(EDITORS,))
    publish_results(
        editor=editor,
        consultation=consultation,
        statement="Wir bauen neu.\n\nMehr unter https://example.org/halle",
    )

    html = client.get(page.url).content.decode()

    section = html[html.index('<section class="results"') :]
    assert " hidden" not in section.split(">")[0]
    assert "<p>Wir bauen neu.</p>" in section
    assert 'href="https://example.org/halle"' in section


def test_private_consultation_page_is_404_for_strangers(client, consultation_index):
    consultation = make_consultation(visibility=Consultation.Visibility.PRIVATE)
    page = add_consultation_page(consultation_index, consultation)

    assert client.get(page.url).status_code == 404
    client.force_login(make_user())
    assert client.get(page.url).status_code == 404


def test_private_consultation_page_is_shown_to_invited_participants_and_editors(
    client, consultation_index
):
    consultation = make_consultation(visibility=Consultation.Visibility.PRIVATE)
    page = add_consultation_page(consultation_index, consultation)
    participant = make_user()
    add_member(consultation, participant, ConsultationMembership.Role.PARTICIPANT)

    client.force_login(participant)
    assert client.get(page.url).status_code == 200
    client.force_login(make_user(groups=(EDITORS,)))
    assert client.get(page.url).status_code == 200


def test_private_consultation_is_not_listed_for_strangers(client, consultation_index):
    private = make_consultation(title="Geheim", visibility=Consultation.Visibility.PRIVATE)
    add_consultation_page(consultation_index, private)
    member = make_user()
    add_member(private, member, ConsultationMembership.Role.PARTICIPANT)

    assert "Geheim" not in client.get(consultation_index.url).content.decode()
    client.force_login(member)
    assert "Geheim" in client.get(consultation_index.url).content.decode()


def test_anonymous_visitors_are_invited_to_log_in_while_participation_runs(
    client, consultation_index
):
    page = add_consultation_page(consultation_index, make_consultation())
    html = client.get(page.url).content.decode()
    assert "take-part" in html
    assert f"/konto/login/?next={page.url}" in html


@pytest.mark.parametrize("active", [PhaseKind.INFORMATION, PhaseKind.EVALUATION, "after"])
def test_no_login_prompt_when_residents_could_not_take_part(client, consultation_index, active):
    page = add_consultation_page(consultation_index, make_consultation(active=active))
    assert "take-part" not in client.get(page.url).content.decode()


def test_no_login_prompt_for_logged_in_people(client, consultation_index):
    page = add_consultation_page(consultation_index, make_consultation())
    client.force_login(make_user())
    assert "take-part" not in client.get(page.url).content.decode()


def test_upcoming_consultation_shows_the_upcoming_badge_and_no_current_step(
    client, consultation_index
):
    page = add_consultation_page(consultation_index, make_consultation(active="before"))
    html = client.get(page.url).content.decode()
    assert "badge--upcoming" in html
    assert 'aria-current="step"' not in html


def test_home_page_hero_needs_no_image(client, home):
    assert HomePage.objects.get().hero_image is None
    assert client.get("/").status_code == 200


def test_phases_are_listed_in_time_order(client, consultation_index):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    html = client.get(page.url).content.decode()
    with translation.override("de"):  # the page is rendered in German
        labels = [str(kind.label) for kind in PhaseKind]
    positions = [html.index(f"<h3>{label}</h3>") for label in labels]
    assert positions == sorted(positions)


def test_before_participation_the_page_says_when_it_starts(client, consultation_index):
    consultation = make_consultation(active=PhaseKind.INFORMATION)
    page = add_consultation_page(consultation_index, consultation)
    participation = consultation.phases.get(kind=PhaseKind.PARTICIPATION)
    html = client.get(page.url).content.decode()
    with translation.override("de"):
        expected = formats.date_format(timezone.localtime(participation.start), "DATE_FORMAT")
    assert expected in html.split('<ol class="timeline">')[0]


def test_no_start_notice_once_participation_has_begun(client, consultation_index):
    page = add_consultation_page(consultation_index, make_consultation(active=PhaseKind.EVALUATION))
    html = client.get(page.url).content.decode()
    assert '<p class="notice">' not in html
